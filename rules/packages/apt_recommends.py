"""## What it does
Flags `apt-get install` (and `apt install`) without `--no-install-recommends` or
`-o APT::Install-Recommends=false` (or `=0`). An install passes too when an earlier
`RUN` of the stage, or of a stage it is built `FROM`, turns recommends off in apt's
configuration (`echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/...`).
Every stage is checked: recommended packages slow a builder stage down as well.

## Why it matters
By default apt also installs every package the requested ones merely recommend. For a
small runtime library that can mean hundreds of megabytes of documentation tools, X11
libraries and compilers the service never uses: a bigger image, a slower pull on every
autoscaling event, and more packages for the vulnerability scanner to report.

## Example
```dockerfile
RUN apt-get update && apt-get install -y libgl1 && rm -rf /var/lib/apt/lists/*
```

## Instead
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 \
    && rm -rf /var/lib/apt/lists/*
```
If something breaks, name the recommended package you really need explicitly.

## Fix safety
Unsafe: `dlint check --fix --unsafe-fixes` adds `--no-install-recommends` right after
`install`. A package the service relied on may have come in only as a recommendation,
so test the image after applying it.

## Differs from hadolint
- DL3015 (only dlint): `apt install`, exec-form and heredoc installs are flagged too;
  hadolint checks `apt-get install` in shell form only.
- DL3015 (only hadolint): `-o APT::Install-Recommends=false` (or `=0`) and an `apt.conf.d`
  file in a stage the image is built `FROM` turn recommends off, and pass; hadolint accepts
  only `--no-install-recommends` in the same command.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import apt_installs
from dlint.finding import Problem, Severity, insert_option_after
from dlint.model import Build, Stage
from dlint.rule import Rule

OPTION_OFF = regex.compile(r"^APT::Install-Recommends=[\"']?(false|0|no|off)[\"']?$", re.I)
CONFIG_OFF = regex.compile(r"APT::Install-Recommends\s*\\?[\"']?(false|0|no|off)\b", re.I)


# What the fixed image may differ in: the recommended packages' files are missing, and
# the records of what was installed (dpkg's database, logs, caches) say so. Measured with
# `dlint test --verify-fixes --unsafe-fixes` (docs/harness.md).
FEWER_PACKAGES = (
    "removed:/**",
    "files:/var/lib/dpkg/**",
    "files:/var/lib/apt/extended_states",
    "files:/var/log/**",
    "files:/var/cache/debconf/**",
    "files:/etc/ld.so.cache",
)


def configured_off(build: Build, stage: Stage, before: int) -> bool:
    """True when a ``RUN`` before index ``before`` in ``stage``'s lineage disables recommends."""
    runs = (r for s in build.dockerfile.lineage(stage) for r in s.of("RUN") if r.index < before)
    texts = (t for r in runs for t in (r.value, *(d.body for d in r.heredocs)))
    return any(CONFIG_OFF.search(text) for text in texts)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every apt install that lets apt add recommended packages."""
    for stage in build.dockerfile.stages:
        for run in stage.of("RUN"):
            for apt in apt_installs(run):
                if apt.has_option("--no-install-recommends"):
                    continue
                if any(OPTION_OFF.match(v.text) for v in apt.values("-o", "--option")):
                    continue
                if configured_off(build, stage, run.index):
                    continue
                yield Problem(
                    "apt installs recommended packages too; add --no-install-recommends",
                    apt.verb.span,
                    insert_option_after(
                        apt.verb.raw,
                        apt.verb.span,
                        "--no-install-recommends",
                        safe=False,
                        changes=FEWER_PACKAGES,
                    ),
                )


RULE = Rule(
    id="D204",
    name="apt-recommends",
    severity=Severity.INFO,
    summary="apt-get install without --no-install-recommends",
    check=check,
    aliases=("DL3015", "DS-0029"),
    tags=("size", "apt"),
    fixable=True,
)
