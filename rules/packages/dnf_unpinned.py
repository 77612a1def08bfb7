"""## What it does
Flags each package that `dnf install` names without a version (`name-version`,
optionally `-release` and an `epoch:`), and each module that `dnf module install` names
without a stream (`nodejs:20`). Group installs (`dnf group install "Development
Tools"`), `@groups`, globs, local `.rpm` files and package lists from a variable with no
value are left alone. A name that merely has a digit after a dash (`java-11-openjdk`) is
not a version. The `yum` program is `yum-unpinned`'s.

## Why it matters
Without a version, dnf installs whatever the repository offers on the day of the build,
so two builds of one commit can ship different libraries. Pinning makes rebuilds
repeatable and a library change a reviewed change; it costs upkeep when the repository
drops old versions, which is why this rule is only `info`.

## Example
```dockerfile
RUN dnf install -y python3 && dnf clean all
```

## Instead
```dockerfile
RUN dnf install -y python3-3.12.3-2.fc40 && dnf clean all
```

## Fix safety
No automatic fix: the version available depends on the repository and the day.

## Differs from hadolint
- DL3041 (only hadolint): a local `.rpm` file (`./tool.rpm`) has no version to pin, and
  passes; hadolint flags it.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import DNF, rpm_unpinned


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every dnf package word without a version."""
    yield from rpm_unpinned(build, DNF, "dnf")


RULE = Rule(
    id="D221",
    name="dnf-unpinned",
    severity=Severity.INFO,
    summary="dnf install names a package without -version",
    check=check,
    aliases=("DL3041",),
    tags=("reproducibility", "dnf"),
)
