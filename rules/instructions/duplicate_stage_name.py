"""## What it does
Flags a stage whose name an earlier stage already has (Docker compares names in lower
case, so `Builder` and `builder` clash). BuildKit's `DuplicateStageName`; hadolint
DL3024, Trivy DS-0012 and Checkov CKV_DOCKER_11 check the same.

## Why it matters
BuildKit refuses the build; the classic builder silently takes one of the two stages
for `--from=name`, `FROM name` and `--target name`, so the image can be built from the
wrong stage.

## Example
```dockerfile
FROM python:3.11 AS builder
RUN pip wheel --no-cache-dir -w /wheels -r requirements.txt
FROM node:20 AS builder
RUN npm ci
```

## Instead
```dockerfile
FROM python:3.11 AS python-builder
RUN pip wheel --no-cache-dir -w /wheels -r requirements.txt
FROM node:20 AS ui-builder
RUN npm ci
```

## Fix safety
No automatic fix: the references to the stage decide which one should be renamed.

## Differs from hadolint
- DL3024 (only dlint): stage names are case-insensitive (`Builder` and `builder` are one
  stage to BuildKit), so the pair is flagged; hadolint compares them case-sensitively.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import stage_name_word


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each stage that reuses an earlier stage's name."""
    first_line: dict[str, int] = {}
    for stage in build.dockerfile.stages:
        word = stage_name_word(stage)
        if word is None:
            continue
        name = word.text.lower()
        if name in first_line:
            yield Problem(
                f"stage name '{word.text}' is already used by the stage of line "
                f"{first_line[name]}; stage names must be unique",
                word.span,
            )
        else:
            first_line[name] = stage.from_instruction.span.start.line


RULE = Rule(
    id="D704",
    name="duplicate-stage-name",
    severity=Severity.ERROR,
    summary="two stages have the same name",
    check=check,
    aliases=("DuplicateStageName", "DL3024", "DS-0012", "CKV_DOCKER_11"),
    tags=("stages", "correctness"),
)
