"""## What it does
Flags every inline suppression comment: `# dlint ignore=`, `# dlint ignore-file=`,
`# hadolint ignore=` and `# hadolint global ignore=`. Off unless selected: a team that
wants every exception in one reviewed place (`.dlint.yaml`'s `ignore` and
`per-path-ignores`) turns it on.

## Why it matters
An inline ignore is easy to add in a hurry and hard to find later. Keeping exceptions in
the configuration makes them visible in one file, reviewed like any other setting.

## Example
```dockerfile
# dlint ignore=pip-unpinned
RUN pip install --no-cache-dir torch
```

## Instead
```yaml
# .dlint.yaml
per-path-ignores:
  "services/train/Dockerfile": [pip-unpinned]
```

## Fix safety
No automatic fix: moving an exception into the configuration is a decision about scope.

## Differs from hadolint
- DL1001 (only dlint): hadolint's DL1001 is off unless enabled; inline-ignore is opt-in as
  well, and the comparison selects every rule. dlint also flags `# dlint ignore=` comments,
  which hadolint does not read.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

INLINE = regex.compile(r"^#\s*(dlint\s+ignore(-file)?|hadolint\s+(global\s+)?ignore)\s*=", re.I)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every inline suppression comment."""
    for comment in build.dockerfile.comments:
        if INLINE.match(comment.text):
            yield Problem(
                "inline ignore comment; keep exceptions in .dlint.yaml (ignore or "
                "per-path-ignores) where they are reviewed in one place",
                comment.span,
            )


RULE = Rule(
    id="D901",
    name="inline-ignore",
    severity=Severity.INFO,
    summary="an inline ignore comment instead of an exception in the configuration",
    check=check,
    aliases=("DL1001",),
    tags=("style",),
    opt_in=True,
)
