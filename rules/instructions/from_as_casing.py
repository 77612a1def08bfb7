"""## What it does
Flags a `FROM ... AS name` whose `AS` is not in the casing of its `FROM`: `FROM x as y`
or `from x AS y`. A `FROM` of mixed case (`From`) is left to `instruction-casing`.
BuildKit's check of the same name.

## Why it matters
Readers scan a Dockerfile by its keywords; `as` in lower case after an upper-case `FROM`
reads like part of the image name and hides where stages begin.

## Example
```dockerfile
FROM python:3.11-slim as builder
```

## Instead
```dockerfile
FROM python:3.11-slim AS builder
```

## Fix safety
The fix rewrites `AS` in the casing of `FROM`; Docker reads both alike, so it is safe.
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import keywords_as_written


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ``AS`` whose casing differs from its ``FROM``."""
    dockerfile = build.dockerfile
    written = keywords_as_written(dockerfile)
    for stage in dockerfile.stages:
        words = stage.from_instruction.arguments
        if len(words) < 3 or words[1].text.lower() != "as":
            continue
        keyword = written[stage.from_instruction.index]
        if keyword not in ("FROM", "from"):
            continue
        wanted = "AS" if keyword == "FROM" else "as"
        if words[1].text != wanted:
            yield Problem(
                f"'{words[1].text}' does not match the casing of '{keyword}': write '{wanted}'",
                words[1].span,
                Fix(f"write '{wanted}'", (Edit(words[1].span, wanted),)),
            )


RULE = Rule(
    id="D701",
    name="from-as-casing",
    severity=Severity.STYLE,
    summary="the AS of a FROM is not in the casing of its FROM",
    check=check,
    aliases=("FromAsCasing",),
    tags=("style", "stages"),
    fixable=True,
)
