"""## What it does
Flags a `RUN` of a single command that directly follows another single-command `RUN`
with the same flags (comments between them do not separate them). `RUN`s that already
chain commands, or that differ in `--mount` and other flags, pass. Off by default: select
it by name, or with `ALL`.

## Why it matters
Each `RUN` is a layer and a cache step. A run of one-liners (`RUN mkdir /app`,
`RUN chmod 755 /app`) adds layers and metadata for nothing, and splits steps that are
rebuilt together anyway. Whether to merge is a judgement about caching (a slow download
in its own `RUN` caches on its own), hence opt-in.

## Example
```dockerfile
RUN mkdir -p /app/models
RUN chown app:app /app/models
```

## Instead
```dockerfile
RUN mkdir -p /app/models && chown app:app /app/models
```

## Fix safety
No automatic fix: merging `RUN`s is left to you.

## Differs from hadolint
- DL3059 (only dlint): consecutive `RUN`s are flagged when one of them already chains
  commands with `&&` too; hadolint flags them only when both are single commands.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule


def single(run: Instruction) -> bool:
    """True for a ``RUN`` of exactly one command (exec form counts as one)."""
    return run.exec_form is not None or len(run.commands) == 1


def flags(run: Instruction) -> list[tuple[str, str | None]]:
    """The ``RUN``'s flags as name/value pairs, for comparing two ``RUN``s."""
    return [(f.name, f.value) for f in run.flags]


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every single-command RUN that follows another with the same flags."""
    for stage in build.dockerfile.stages:
        previous: Instruction | None = None
        for instruction in stage.instructions:
            if instruction.keyword != "RUN":
                previous = None
                continue
            if (
                previous is not None
                and single(previous)
                and single(instruction)
                and flags(previous) == flags(instruction)
            ):
                yield Problem(
                    "this RUN follows another one-command RUN; chain them with && into one layer",
                    instruction.keyword_span,
                )
            previous = instruction


RULE = Rule(
    id="D804",
    name="consecutive-run",
    severity=Severity.STYLE,
    summary="consecutive one-command RUNs that could be one layer",
    check=check,
    aliases=("DL3059",),
    tags=("layers", "shell"),
    opt_in=True,
)
