"""## What it does
Flags `RUN apt …` (the interactive front end) where `apt-get` or `apt-cache` would do
the same job.

## Why it matters
`apt` is made for people at a terminal: its output and options may change between
releases (it says so itself: `WARNING: apt does not have a stable CLI interface. Use with
caution in scripts.`), it draws progress bars into the build log, and its defaults are
tuned for interactive use. `apt-get` keeps a stable interface for scripts.

## Example
```dockerfile
RUN apt update && apt install -y --no-install-recommends curl
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
No automatic fix: `apt` and `apt-get` differ in some subcommands (`apt list`,
`apt search`), so the replacement is left to you.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every ``apt`` program word of a RUN."""
    for _, command in commands_running(build.dockerfile, "apt"):
        yield Problem(
            "apt has no stable interface for scripts; use apt-get (or apt-cache)",
            command.words[0].span,
        )


RULE = Rule(
    id="D211",
    name="apt-instead-of-apt-get",
    severity=Severity.INFO,
    summary="RUN uses apt, whose interface is for terminals, instead of apt-get",
    check=check,
    aliases=("DL3027", "CKV_DOCKER_9"),
    tags=("reliability", "apt"),
)
