"""## What it does
Flags `zypper` commands that install, remove or upgrade packages without a
non-interactive switch: `-n`/`--non-interactive` before the subcommand, or
`-y`/`--no-confirm` after it.

## Why it matters
A `docker build` has no terminal. zypper asks `Continue? [y/n/v/...? shows all options]`,
reads end-of-file and stops, so the build fails instead of installing anything.

## Example
```dockerfile
RUN zypper install python311 && zypper clean
```

## Instead
```dockerfile
RUN zypper --non-interactive install python311 && zypper clean
```

## Fix safety
Safe: `dlint check --fix` adds `-y` right after the subcommand. It only answers the
question the build could not answer.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL, REMOVE, UPGRADE, PackageCommand
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import missing_yes, short_flags


def answers_yes(pkg: PackageCommand) -> bool:
    """True when ``-n``, ``--non-interactive``, ``-y`` or ``--no-confirm`` is given."""
    flags = short_flags(pkg)
    return "n" in flags or "y" in flags or pkg.has_option("--non-interactive", "--no-confirm")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every zypper command that would wait for a yes."""
    actions = frozenset({INSTALL, REMOVE, UPGRADE})
    yield from missing_yes(build, "zypper", None, answers_yes, actions, "-y (or zypper -n)")


RULE = Rule(
    id="D210",
    name="zypper-interactive",
    severity=Severity.WARNING,
    summary="zypper install (or remove, update) without -n or -y waits for an answer",
    check=check,
    aliases=("DL3034",),
    tags=("reliability", "zypper"),
    fixable=True,
)
