"""## What it does
Flags a stage named `scratch` or `context`. BuildKit's `ReservedStageName`; hadolint
DL3063.

## Why it matters
`scratch` is Docker's name for the empty image and `context` names the build context in
`--from` and `--mount=from=`: a stage with one of these names makes `FROM scratch` or
`COPY --from=context` mean something else than every reader expects, and newer builders
refuse it.

## Example
```dockerfile
FROM python:3.11-slim AS context
```

## Instead
```dockerfile
FROM python:3.11-slim AS app-context
```

## Fix safety
No automatic fix: the references to the stage must be renamed with it.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import stage_name_word

RESERVED = frozenset({"scratch", "context"})


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each stage named with a reserved word."""
    for stage in build.dockerfile.stages:
        word = stage_name_word(stage)
        if word is not None and word.text.lower() in RESERVED:
            yield Problem(
                f"'{word.text}' is reserved by Docker and should not name a stage",
                word.span,
            )


RULE = Rule(
    id="D705",
    name="reserved-stage-name",
    severity=Severity.WARNING,
    summary="a stage is named 'scratch' or 'context', words Docker reserves",
    check=check,
    aliases=("ReservedStageName", "DL3063"),
    tags=("stages", "correctness"),
)
