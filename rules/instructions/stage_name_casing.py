"""## What it does
Flags a stage name with upper-case letters: `FROM python:3.11-slim AS Builder`.
BuildKit's check of the same name.

## Why it matters
Docker lower-cases stage names when it reads them, so `Builder`, `builder` and `BUILDER`
are one stage; writing them in capitals makes them look like instruction keywords and
suggests a distinction Docker does not make (`--target Builder` and `--from=builder`
name the same stage).

## Example
```dockerfile
FROM python:3.11-slim AS ModelBuilder
```

## Instead
```dockerfile
FROM python:3.11-slim AS model-builder
```

## Fix safety
No automatic fix: `--target` in scripts and CI may spell the name too.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import stage_name_word


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each stage name that is not all lower case."""
    for stage in build.dockerfile.stages:
        word = stage_name_word(stage)
        if word is not None and word.text != word.text.lower():
            yield Problem(
                f"stage name '{word.text}' should be lower case: '{word.text.lower()}'",
                word.span,
            )


RULE = Rule(
    id="D700",
    name="stage-name-casing",
    severity=Severity.STYLE,
    summary="a stage name has upper-case letters; Docker reads it lower-cased",
    check=check,
    aliases=("StageNameCasing",),
    tags=("style", "stages"),
)
