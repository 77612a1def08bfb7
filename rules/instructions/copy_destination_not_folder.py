"""## What it does
Flags a `COPY` or `ADD` of several sources whose destination does not end in `/`.
hadolint DL3021 and Trivy DS-0011 check the same.

## Why it matters
Docker refuses it (`When using COPY with more than one source file, the destination must
be a directory and end with a /`), after building every layer before it.

## Example
```dockerfile
COPY requirements.txt constraints.txt /tmp/deps
```

## Instead
```dockerfile
COPY requirements.txt constraints.txt /tmp/deps/
```

## Fix safety
The fix adds the `/`; the instruction could not run without it, so it is safe.

## Differs from hadolint
- DL3021 (only hadolint): a destination in a variable is checked with its value (`$DEST`
  is `/opt/app/`), and a quoted Windows destination with a space (`COPY a.tar.gz
  "C:\\Program Files\\Foo"`) is one word, so the `COPY` has one source; hadolint reads
  neither.
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import split_like_the_shell


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each copy of several sources into a destination without '/'."""
    for copy in build.dockerfile.copies:
        word = copy.destination_word
        if word is None or len(copy.sources) < 2 or split_like_the_shell(copy.instruction):
            continue
        target = copy.instruction.resolve(word.text)
        if not target.complete or target.text.endswith("/"):
            continue
        fix = None
        if word.raw == word.text:
            fix = Fix(f"write {word.text}/", (Edit(word.span, word.text + "/"),))
        yield Problem(
            f"{copy.instruction.keyword} of {len(copy.sources)} sources needs a destination "
            f"folder ending in '/': '{word.text}/'",
            word.span,
            fix,
        )


RULE = Rule(
    id="D726",
    name="copy-destination-not-folder",
    severity=Severity.ERROR,
    summary="COPY or ADD of several sources into a destination that does not end in '/'",
    check=check,
    aliases=("DL3021", "DS-0011"),
    tags=("correctness",),
    fixable=True,
)
