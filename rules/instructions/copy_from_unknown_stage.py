"""## What it does
Flags a `COPY --from=` that names no stage defined before this one: a name no earlier
stage has (Docker then pulls an image of that name: a typo of a stage name becomes a
pull of `docker.io/library/<name>:latest`), a stage defined later, a stage index that
is not an earlier stage's, and a variable (`--from=$STAGE`), which Docker does not
expand there. Names that look like images (with a tag, digest, registry or path, such as
`--from=nginx:1.27`) pass. Copying from the stage itself is `copy-from-own-stage`.
hadolint DL3022.

## Why it matters
BuildKit refuses a later stage or a variable; the classic builder pulls an image with
the misspelt name, which fails, or, when such an image exists on Docker Hub, copies
someone else's files into yours.

## Example
```dockerfile
FROM python:3.11 AS builder
RUN pip wheel --no-cache-dir -w /wheels numpy==1.26.4
FROM python:3.11-slim
COPY --from=biulder /wheels /wheels
```

## Instead
```dockerfile
COPY --from=builder /wheels /wheels
```

## Fix safety
No automatic fix: only you know which stage is meant.

## Differs from hadolint
- DL3022 (only hadolint): stage names are case-insensitive, so `--from=modelbuilder` finds
  `AS ModelBuilder`, and passes; hadolint compares them case-sensitively.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import likely_typo


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each --from that names no earlier stage."""
    dockerfile = build.dockerfile
    named = {s.name: s.index for s in reversed(dockerfile.stages) if s.name}
    for copy in dockerfile.copies:
        instruction = copy.instruction
        source = copy.from_stage
        if not source or instruction.onbuild:
            continue
        here = instruction.stage_index
        flag = next(f for f in instruction.flags if f.name == "from")
        if "$" in source:
            what = "Docker does not expand variables in --from; name the stage"
        elif source.isdigit():
            if int(source) <= here:
                continue
            what = f"stage {source} is not defined before this one"
        elif source.lower() in named:
            if named[source.lower()] <= here:
                continue
            what = f"stage '{source}' is defined after this one; move it before"
        elif any(c in source for c in ":@/."):
            continue
        else:
            close = likely_typo(source.lower(), named)
            hint = f"did you mean '{close}'? " if close else ""
            what = f"no stage is named '{source}'; {hint}Docker would pull an image of that name"
        yield Problem(f"--from={source}: {what}", flag.span)


RULE = Rule(
    id="D727",
    name="copy-from-unknown-stage",
    severity=Severity.WARNING,
    summary="COPY --from names no stage defined before it",
    check=check,
    aliases=("DL3022",),
    tags=("correctness", "stages"),
)
