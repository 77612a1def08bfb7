"""## What it does
Flags `apt-get upgrade`, `dist-upgrade` and `full-upgrade` (and the same with `apt`) in
an image. Off by default: select it by name, or with `ALL`.

## Why it matters
An upgrade makes the image depend on the day it was built rather than on the base image
it names: two builds of one commit ship different libraries, and `dist-upgrade` may
remove packages or pull in new ones to resolve conflicts. Many teams prefer a fresh,
pinned base image (rebuilt when the distribution publishes fixes) to upgrading inside the
Dockerfile; others upgrade on purpose to pick up security fixes the base image lacks,
which Docker's own guide allows. That is a choice, hence opt-in. hadolint dropped its
rule (`DL3005`); Trivy flags `dist-upgrade` only (`DS-0024`).

## Example
```dockerfile
RUN apt-get update && apt-get dist-upgrade -y
```

## Instead
```dockerfile
FROM debian:12.7-slim
```
A newer, pinned base image; or install the fixed versions by name (`openssl=3.0.14-1~deb12u2`).

## Fix safety
No automatic fix.

## Differs from hadolint
- DL3005 (only dlint): hadolint dropped DL3005 (it no longer flags `apt-get upgrade`);
  apt-upgrade is opt-in, and the comparison selects every rule.
"""

from collections.abc import Iterator

from dlint.commands import UPGRADE
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every apt upgrade verb."""
    for _, pkg in family_commands(build, "apt"):
        if pkg.action == UPGRADE:
            yield Problem(
                f"'{pkg.command.program} {pkg.verb.text}' makes the image depend on the "
                "build day; use a newer pinned base image or pin the fixed packages",
                pkg.verb.span,
            )


RULE = Rule(
    id="D213",
    name="apt-upgrade",
    severity=Severity.INFO,
    summary="apt-get upgrade or dist-upgrade makes the image depend on the build day",
    check=check,
    aliases=("DL3005", "DS-0024"),
    tags=("reproducibility", "apt"),
    opt_in=True,
)
