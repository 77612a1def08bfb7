"""## What it does
Flags a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that a later one of the same stage
overrides: only the last of each takes effect. The `CMD` of a `HEALTHCHECK CMD ...` is
not a `CMD`, and an `ONBUILD CMD` configures another image; neither counts. The finding
points at the instruction that is ignored. BuildKit's `MultipleInstructionsDisallowed`;
hadolint DL4003 (`CMD`), DL4004 (`ENTRYPOINT`) and DL3012 (`HEALTHCHECK`), Trivy DS-0016,
DS-0007 and DS-0023 check the same, so ignoring any of those codes ignores all three cases.

## Why it matters
The overridden instruction looks like part of the image's contract but is dead: a
reader (or a reviewer approving a new health check) trusts the first one, and the
container does something else.

## Example
```dockerfile
FROM python:3.11-slim
CMD ["python", "train.py"]
RUN pip install --no-cache-dir gunicorn==22.0.0
CMD ["gunicorn", "app:app"]
```

## Instead
```dockerfile
FROM python:3.11-slim
RUN pip install --no-cache-dir gunicorn==22.0.0
CMD ["gunicorn", "app:app"]
```

## Fix safety
Unsafe, for `CMD` and `HEALTHCHECK`: the overridden one is deleted. The image stays as it
is (Docker already ignores it), but which of the two you meant is yours to decide: review
that the last one is. No fix for `ENTRYPOINT`: an `ENTRYPOINT` also decides whether the
base image's `CMD` is reset, so deleting one can change the command.
"""

from collections.abc import Iterator

from dlint.edits import remove_lines
from dlint.finding import Fix, Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

ONCE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each CMD/ENTRYPOINT/HEALTHCHECK a later one in its stage overrides."""
    for stage in build.dockerfile.stages:
        for keyword in ONCE:
            found = stage.of(keyword)
            for instruction in found[:-1]:
                fix = None
                if keyword != "ENTRYPOINT" and not instruction.onbuild:
                    # An ENTRYPOINT also decides whether the inherited CMD is reset.
                    lines = instruction.span.start.line, instruction.span.end.line
                    fix = Fix(
                        f"delete the {keyword} that the one of line "
                        f"{found[-1].span.start.line} overrides",
                        (remove_lines(build.dockerfile, *lines),),
                        False,
                        reshapes=True,
                    )
                yield Problem(
                    f"this {keyword} is overridden by the {keyword} of line "
                    f"{found[-1].span.start.line}: only the last one of a stage takes effect",
                    instruction.keyword_span,
                    fix,
                )


RULE = Rule(
    id="D711",
    name="instruction-repeated",
    severity=Severity.WARNING,
    summary="a CMD, ENTRYPOINT or HEALTHCHECK is overridden by a later one in its stage",
    check=check,
    aliases=(
        "MultipleInstructionsDisallowed",
        "DL4003",
        "DL4004",
        "DL3012",
        "DS-0016",
        "DS-0007",
        "DS-0023",
    ),
    tags=("correctness", "runtime"),
    fixable=True,
)
