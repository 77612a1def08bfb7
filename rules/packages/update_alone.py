"""## What it does
Flags a `RUN` that refreshes a package index (`apt-get update`, `apk update`,
`dnf makecache`, `zypper refresh`) without installing or upgrading anything with the
same manager in that `RUN`.

## Why it matters
Docker caches each `RUN` by its text. A lone `RUN apt-get update` is built once and then
reused for months, while the `RUN apt-get install …` after it is rebuilt whenever its
package list changes: it installs from an index that is months old, and fails when the
mirror has dropped the versions that index names. Refreshing and installing in one `RUN`
keeps them in step.

## Example
```dockerfile
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
No automatic fix: merging two `RUN`s is left to you.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL, UPDATE, UPGRADE, package_commands
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every index refresh whose RUN installs nothing with it."""
    for run in build.dockerfile.of("RUN"):
        pkgs = package_commands(run)
        using = {p.family for p in pkgs if p.action in (INSTALL, UPGRADE)}
        reported = set()
        for pkg in pkgs:
            if pkg.action != UPDATE or pkg.family in using or pkg.family in reported:
                continue
            reported.add(pkg.family)
            yield Problem(
                f"'{pkg.command.program} {pkg.verb.text}' alone is cached apart from the "
                "install that needs it; refresh and install in the same RUN",
                pkg.verb.span,
            )


RULE = Rule(
    id="D212",
    name="update-alone",
    severity=Severity.WARNING,
    summary="a RUN refreshes the package index but installs nothing",
    check=check,
    aliases=("DS-0017", "CKV_DOCKER_5"),
    tags=("reproducibility", "cache"),
)
