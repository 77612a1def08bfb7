"""## What it does
Flags each package that `apk add` names without a version: `name=version`, or the fuzzy
`name~version` / `name~=version` / `name=~version` that apk offers. A local `.apk` file,
a `--virtual` group name and a list held in a variable with no value are left alone.

## Why it matters
Without a version, apk installs whatever the mirror has on the day of the build, so two
builds of one commit can ship different libraries. Alpine removes superseded versions
from its mirrors quickly, so a pin also needs a pinned base image (`alpine:3.20`), which
is why this rule is only `info`; `~` pins to a minor series and survives patch updates.

## Example
```dockerfile
RUN apk add --no-cache curl libstdc++
```

## Instead
```dockerfile
RUN apk add --no-cache curl=8.9.1-r0 libstdc++~13.2
```

## Fix safety
No automatic fix: the version available depends on the release and the day.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import family_commands, is_local, word_text


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every apk package word without a version."""
    for run, pkg in family_commands(build, "apk"):
        if pkg.action != INSTALL:
            continue
        for word in pkg.packages:
            text = word_text(run, word)
            if text is None or is_local(text) or text.endswith(".apk"):
                continue
            if "=" in text or "~" in text:
                continue
            yield Problem(
                f"apk package '{text}' has no version; install '{text}=<version>'",
                word.span,
            )


RULE = Rule(
    id="D219",
    name="apk-unpinned",
    severity=Severity.INFO,
    summary="apk add names a package without =version",
    check=check,
    aliases=("DL3018",),
    tags=("reproducibility", "apk"),
)
