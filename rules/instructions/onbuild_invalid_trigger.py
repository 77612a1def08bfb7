"""## What it does
Flags `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`. hadolint DL3043.

## Why it matters
Docker refuses all three (`Chaining ONBUILD via ONBUILD ONBUILD isn't allowed`, `FROM
isn't allowed as an ONBUILD trigger`), so the image cannot be built; with older
builders that accepted them, every image built `FROM` this one failed instead.

## Example
```dockerfile
ONBUILD FROM python:3.11-slim
ONBUILD ONBUILD RUN pip install --no-cache-dir -r requirements.txt
```

## Instead
```dockerfile
ONBUILD COPY requirements.txt /tmp/
ONBUILD RUN pip install --no-cache-dir -r /tmp/requirements.txt
```

## Fix safety
No automatic fix: what the trigger was meant to do is for you to decide.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

TRIGGER = regex.compile(r"\s*([A-Za-z]+)")
FORBIDDEN = frozenset({"ONBUILD", "FROM", "MAINTAINER"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ONBUILD trigger Docker refuses."""
    for instruction in build.dockerfile.of("ONBUILD"):
        match = TRIGGER.match(instruction.value)
        if match and match[1].upper() in FORBIDDEN:
            yield Problem(
                f"{match[1].upper()} is not allowed as an ONBUILD trigger; Docker refuses it",
                instruction.locate(match.start(1), match.end(1)),
            )


RULE = Rule(
    id="D729",
    name="onbuild-invalid-trigger",
    severity=Severity.ERROR,
    summary="ONBUILD carries ONBUILD, FROM or MAINTAINER, which Docker refuses",
    check=check,
    aliases=("DL3043",),
    tags=("correctness", "onbuild"),
)
