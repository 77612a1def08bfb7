"""## What it does
Flags `yum` commands that install, remove or upgrade packages without `-y`
(`--assumeyes`). `dnf` and `microdnf` have their own rule, `dnf-interactive`, as in hadolint.

## Why it matters
A `docker build` has no terminal. `yum` asks `Is this ok [y/N]`, reads end-of-file and
stops, so the build fails instead of installing anything.

## Example
```dockerfile
RUN yum install httpd-2.4.57 && yum clean all
```

## Instead
```dockerfile
RUN yum install -y httpd-2.4.57 && yum clean all
```

## Fix safety
Safe: `dlint check --fix` adds `-y` right after the subcommand. It only answers the
question the build could not answer.

## Differs from hadolint
- DL3030 (only hadolint): `--setopt=assumeyes=1` answers the prompt, and passes; hadolint
  wants `-y`.
- DL3030 (only dlint): `update` and `remove` prompt like `install` and are flagged; hadolint
  checks `yum install` only.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL, REMOVE, UPGRADE
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import YUM, missing_yes, rpm_answers_yes


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every yum command that would wait for a yes."""
    actions = frozenset({INSTALL, REMOVE, UPGRADE})
    yield from missing_yes(build, "dnf", YUM, rpm_answers_yes, actions, "-y")


RULE = Rule(
    id="D208",
    name="yum-interactive",
    severity=Severity.WARNING,
    summary="yum install (or remove, upgrade) without -y waits for an answer",
    check=check,
    aliases=("DL3030",),
    tags=("reliability", "yum"),
    fixable=True,
)
