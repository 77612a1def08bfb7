"""## What it does
Flags a variable in a `FROM` (its image or its `--platform`) that no `ARG` before the
first `FROM` declares. Only those global `ARG`s, and the platform arguments BuildKit
predefines (`BUILDPLATFORM`, `TARGETARCH`, ...), are in scope for `FROM`; an `ARG`
inside a stage is not. The message suggests the declared name it is likely a typo of.
BuildKit's `UndefinedArgInFrom`.

## Why it matters
An undeclared variable expands to nothing: `FROM pytorch/pytorch:${TORCH_VERSION}-runtime`
becomes `pytorch/pytorch:-runtime`, which fails, or worse, `FROM python:3.11${VARIANT}`
silently becomes the full image instead of the slim one `--build-arg VARIANT=-slim`
was meant to give.

## Example
```dockerfile
ARG CUDA_VERSION=12.1.1
FROM nvidia/cuda:${CUDA_VERISON}-runtime-ubuntu22.04
```

## Instead
```dockerfile
ARG CUDA_VERSION=12.1.1
FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu22.04
```

## Fix safety
No automatic fix: the variable may be misspelt or its `ARG` missing.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import PLATFORM_ARGS, likely_typo, variable_uses


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each variable in a FROM that no global ARG declares."""
    dockerfile = build.dockerfile
    declared = {name for arg in dockerfile.global_args for name, _ in arg.assignments}
    known = sorted(declared | PLATFORM_ARGS)
    for stage in dockerfile.stages:
        instruction = stage.from_instruction
        for use in variable_uses(instruction.value, dockerfile.escape):
            if use.name in declared or use.name in PLATFORM_ARGS:
                continue
            close = likely_typo(use.name, known)
            hint = f" (did you mean {close}?)" if close else ""
            yield Problem(
                f"FROM uses ${use.name}, which no ARG before the first FROM declares{hint}",
                instruction.locate(use.start, use.end),
            )


RULE = Rule(
    id="D707",
    name="undefined-arg-in-from",
    severity=Severity.WARNING,
    summary="FROM uses a variable that no global ARG declares",
    check=check,
    aliases=("UndefinedArgInFrom",),
    tags=("correctness", "args"),
)
