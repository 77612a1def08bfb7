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
Safe for `install`, `remove`, `purge`, `update`, `autoremove`, `clean` and `autoclean`,
which `apt-get` runs as `apt` does: `apt` becomes `apt-get` (a path such as
`/usr/bin/apt` keeps its folder). No fix for `upgrade` (apt's installs new packages,
apt-get's does not), `full-upgrade`, `list`, `search` or `show`.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Command
from dlint.rule import Rule

# Subcommands that apt-get runs as apt does (apt's upgrade also installs new packages,
# apt-get's does not; list, search and show are apt-cache's or apt's own).
SAME_IN_APT_GET = frozenset(
    {"install", "remove", "purge", "update", "autoremove", "clean", "autoclean"}
)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every ``apt`` program word of a RUN."""
    for _, command in commands_running(build.dockerfile, "apt"):
        yield Problem(
            "apt has no stable interface for scripts; use apt-get (or apt-cache)",
            command.words[0].span,
            apt_get_fix(command),
        )


def apt_get_fix(command: Command) -> Fix | None:
    """``apt`` -> ``apt-get`` for a subcommand both run the same way."""
    word = command.words[0]
    verb = next((w.text for w in command.arguments if not w.text.startswith("-")), None)
    if verb not in SAME_IN_APT_GET or not word.known or word.raw.count(word.text) != 1:
        return None
    program = word.text.removesuffix("apt") + "apt-get"
    edit = Edit(word.span, word.raw.replace(word.text, program))
    # apt's logs name the command line it ran.
    return Fix("use apt-get", (edit,), changes=("files:/var/log/apt/**",))


RULE = Rule(
    id="D211",
    name="apt-instead-of-apt-get",
    severity=Severity.INFO,
    summary="RUN uses apt, whose interface is for terminals, instead of apt-get",
    check=check,
    aliases=("DL3027", "CKV_DOCKER_9"),
    tags=("reliability", "apt"),
    fixable=True,
)
