"""## What it does
Flags a stage that downloads with both `wget` and `curl`: every use of the tool that the
stage started using second is reported. Off by default: select it by name, or with `ALL`.

## Why it matters
Two download tools mean two packages to install, patch and scan, and two sets of flags
(`curl -fsSL` versus `wget -qO-`) that reviewers must read for the same job. Picking one
keeps the image smaller and its downloads uniform. It is a matter of taste, hence opt-in.

## Example
```dockerfile
RUN wget -q https://example.com/a.tar.gz && curl -fsSLO https://example.com/b.tar.gz
```

## Instead
```dockerfile
RUN curl -fsSLO https://example.com/a.tar.gz && curl -fsSLO https://example.com/b.tar.gz
```

## Fix safety
No automatic fix: the two tools take different options.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

TOOLS = ("curl", "wget")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every use of the second download tool of a stage."""
    for stage in build.dockerfile.stages:
        uses = [c for run in stage.of("RUN") for c in run.commands if c.program in TOOLS]
        if {c.program for c in uses} != set(TOOLS):
            continue
        first = uses[0].program
        for command in uses:
            if command.program != first:
                yield Problem(
                    f"this stage downloads with both {first} and {command.program}; "
                    f"use {first} throughout",
                    command.words[0].span,
                )


RULE = Rule(
    id="D802",
    name="wget-and-curl",
    severity=Severity.STYLE,
    summary="a stage uses both wget and curl",
    check=check,
    aliases=("DL4001", "DS-0014"),
    tags=("size", "shell"),
    opt_in=True,
)
