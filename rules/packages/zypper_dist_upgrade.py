"""## What it does
Flags `zypper dist-upgrade` (`zypper dup`) in a `RUN`.

## Why it matters
`dist-upgrade` moves the whole system to whatever the configured repositories hold, and
may switch vendors, downgrade or remove packages to get there. In an image that means the
result depends on the build day and can differ from the base image in ways no one
reviewed. Use a newer base image for a new release; use `zypper update` (or `zypper patch`)
for fixes.

## Example
```dockerfile
RUN zypper -n dist-upgrade && zypper clean
```

## Instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper -n patch && zypper clean
```

## Fix safety
No automatic fix.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every ``zypper dist-upgrade``/``dup`` verb."""
    for _, pkg in family_commands(build, "zypper"):
        if pkg.verb.text in ("dist-upgrade", "dup"):
            yield Problem(
                "zypper dist-upgrade may change vendors or remove packages; use a newer "
                "base image, or zypper update/patch",
                pkg.verb.span,
            )


RULE = Rule(
    id="D214",
    name="zypper-dist-upgrade",
    severity=Severity.WARNING,
    summary="zypper dist-upgrade in an image",
    check=check,
    aliases=("DL3035",),
    tags=("reproducibility", "zypper"),
)
