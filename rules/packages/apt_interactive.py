"""## What it does
Flags `apt-get` (and `apt`, `aptitude`) commands that install, remove or upgrade
packages without answering apt's confirmation prompt: no `-y`/`--yes`/`--assume-yes`,
no `-qq` (or `-q -q`, `-q=2`, which imply yes), no `-o APT::Get::Assume-Yes=true`.
hadolint checks `apt-get install` only; a `remove`, `purge`, `upgrade` or `autoremove`
asks too, so dlint checks them as well.

## Why it matters
A `docker build` has no terminal. When apt wants to install more than was named it asks
`Do you want to continue? [Y/n]`, reads end-of-file and aborts, so the build fails on
the day a dependency grows, not on the day the line was written.

## Example
```dockerfile
RUN apt-get update && apt-get install --no-install-recommends curl
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
Safe: `dlint check --fix` adds `-y` right after the subcommand. It only answers the
question the build could not answer.

## Differs from hadolint
- DL3014 (only hadolint): `-o APT::Get::Assume-Yes=true` and `yes | apt-get install` answer
  the prompt, and pass; hadolint wants `-y`.
- DL3014 (only dlint): `upgrade`, `purge` and `remove` without `-y` prompt too, and are
  flagged; hadolint checks `apt-get install` only.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import INSTALL, REMOVE, UPGRADE, PackageCommand
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import missing_yes, short_flags

ASSUME_YES = regex.compile(r"^APT::Get::Assume-Yes=[\"']?(true|1|yes)[\"']?$", re.I)


def answers_yes(pkg: PackageCommand) -> bool:
    """True when the command's options answer apt's prompt."""
    names = [name for name, _ in pkg.option_values]
    if any(n in ("--yes", "--assume-yes", "-q=2", "--quiet=2", "--force-yes") for n in names):
        return True
    flags = short_flags(pkg)
    quiet = flags.count("q") + names.count("--quiet")
    if "y" in flags or quiet >= 2:
        return True
    return any(ASSUME_YES.match(v.text) for v in pkg.values("-o", "--option"))


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every apt command that would wait for a yes."""
    yield from missing_yes(
        build, "apt", None, answers_yes, frozenset({INSTALL, REMOVE, UPGRADE}), "-y"
    )


RULE = Rule(
    id="D207",
    name="apt-interactive",
    severity=Severity.WARNING,
    summary="apt-get install (or remove, upgrade) without -y waits for an answer",
    check=check,
    aliases=("DL3014", "DS-0021"),
    tags=("reliability", "apt"),
    fixable=True,
)
