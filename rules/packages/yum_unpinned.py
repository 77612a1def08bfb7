"""## What it does
Flags each package that `yum install` names without a version (`name-version`,
optionally `-release` and an `epoch:`), and each module that `yum module install` names
without a stream (`nodejs:20`). Group installs (`yum group install "Development
Tools"`), `@groups`, globs, local `.rpm` files and package lists from a variable with no
value are left alone. A name that merely has a digit after a dash (`java-11-openjdk`) is
not a version. The `dnf` and `microdnf` family is `dnf-unpinned`'s.

## Why it matters
Without a version, yum installs whatever the repository offers on the day of the build,
so two builds of one commit can ship different libraries. Pinning makes rebuilds
repeatable and a library change a reviewed change; it costs upkeep when the repository
drops old versions, which is why this rule is only `info`.

## Example
```dockerfile
RUN yum install -y httpd && yum clean all
```

## Instead
```dockerfile
RUN yum install -y httpd-2.4.6-99.el7 && yum clean all
```

## Fix safety
No automatic fix: the version available depends on the repository and the day.

## Differs from hadolint
- DL3033 (only hadolint): a group (`yum group install "Development Tools"`) has no version,
  and a module stream (`nodejs:18`) is a pin; hadolint flags both.
- DL3033 (only dlint): `java-11-openjdk` is a package name with a number in it, not a
  version, and is flagged; hadolint takes the `-11` for one.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import YUM, rpm_unpinned


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every yum package word without a version."""
    yield from rpm_unpinned(build, YUM, "yum")


RULE = Rule(
    id="D220",
    name="yum-unpinned",
    severity=Severity.INFO,
    summary="yum install names a package without -version",
    check=check,
    aliases=("DL3033",),
    tags=("reproducibility", "yum"),
)
