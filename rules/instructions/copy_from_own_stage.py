"""## What it does
Flags a `COPY --from=` that names the stage it is in, by name or by index. hadolint
DL3023 and Trivy DS-0006 check the same.

## Why it matters
A stage cannot read its own result while it is being built: BuildKit refuses the build
with a circular dependency, and the classic builder pulls an image of that name instead.
The files were meant to come from another stage, or are already in this one.

## Example
```dockerfile
FROM python:3.11-slim AS runtime
COPY --from=runtime /opt/venv /opt/venv
```

## Instead
```dockerfile
FROM python:3.11 AS builder
RUN python -m venv /opt/venv
FROM python:3.11-slim AS runtime
COPY --from=builder /opt/venv /opt/venv
```

## Fix safety
No automatic fix: only you know which stage is meant.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each --from that names its own stage."""
    dockerfile = build.dockerfile
    for copy in dockerfile.copies:
        instruction = copy.instruction
        source = (copy.from_stage or "").lower()
        if not source or instruction.onbuild:
            continue
        stage = dockerfile.stages[instruction.stage_index]
        if source == stage.name or source == str(stage.index):
            flag = next(f for f in instruction.flags if f.name == "from")
            yield Problem(
                f"--from={copy.from_stage} names the stage this COPY is in; a stage cannot "
                "copy from itself",
                flag.span,
            )


RULE = Rule(
    id="D728",
    name="copy-from-own-stage",
    severity=Severity.ERROR,
    summary="COPY --from names the stage it is in",
    check=check,
    aliases=("DL3023", "DS-0006"),
    tags=("correctness", "stages"),
)
