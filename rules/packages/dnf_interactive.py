"""## What it does
Flags `dnf` commands that install, remove or upgrade packages without `-y`
(`--assumeyes`). `microdnf` never asks and is left alone; `yum` has its own rule, `yum-interactive`.

## Why it matters
A `docker build` has no terminal. `dnf` asks `Is this ok [y/N]`, reads end-of-file and
stops, so the build fails instead of installing anything.

## Example
```dockerfile
RUN dnf install httpd-2.4.57 && dnf clean all
```

## Instead
```dockerfile
RUN dnf install -y httpd-2.4.57 && dnf clean all
```

## Fix safety
Safe: `dlint check --fix` adds `-y` right after the subcommand. It only answers the
question the build could not answer.

## Differs from hadolint
- DL3038 (only hadolint): `microdnf` never asks for confirmation, so `microdnf install`
  without `-y` passes; hadolint flags it.
- DL3038 (only dlint): `dnf5` and `tdnf` are dnf too, and `upgrade` and `remove` prompt like
  `install`; hadolint checks `dnf install` only.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL, REMOVE, UPGRADE
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import DNF, missing_yes, rpm_answers_yes


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every dnf command that would wait for a yes."""
    actions = frozenset({INSTALL, REMOVE, UPGRADE})
    yield from missing_yes(build, "dnf", DNF - {"microdnf"}, rpm_answers_yes, actions, "-y")


RULE = Rule(
    id="D209",
    name="dnf-interactive",
    severity=Severity.WARNING,
    summary="dnf install (or remove, upgrade) without -y waits for an answer",
    check=check,
    aliases=("DL3038",),
    tags=("reliability", "dnf"),
    fixable=True,
)
