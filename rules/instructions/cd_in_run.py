"""## What it does
Flags `cd` in a `RUN`. Off unless selected: a `cd` inside one `RUN` is often the
clearest way to build in a folder and leave it. hadolint DL3003 and Trivy DS-0013 check
the same and are on by default.

## Why it matters
A `cd` lasts only for its `RUN`: the next instruction runs in the `WORKDIR` again, which
surprises people who read the Dockerfile as one script. `WORKDIR` says where the steps
run once, and creates the folder.

## Example
```dockerfile
RUN cd /app && pip install --no-cache-dir -e .
```

## Instead
```dockerfile
WORKDIR /app
RUN pip install --no-cache-dir -e .
```

## Fix safety
No automatic fix: moving the `cd` to a `WORKDIR` changes where later steps run.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each cd in a RUN."""
    for _, command in commands_running(build.dockerfile, "cd"):
        yield Problem(
            "cd lasts only for this RUN; use WORKDIR to set where the steps run",
            command.words[0].span,
        )


RULE = Rule(
    id="D722",
    name="cd-in-run",
    severity=Severity.INFO,
    summary="RUN changes directory with cd instead of WORKDIR",
    check=check,
    aliases=("DL3003", "DS-0013"),
    tags=("style",),
    opt_in=True,
)
