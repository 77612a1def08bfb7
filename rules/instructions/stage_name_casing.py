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
Safe: the name is written in lower case, and so are the `FROM` and `COPY --from=` that
name the stage. Docker reads stage names, `--from` and `--target` lower-cased, so a
`--target Builder` in a script still names the stage.
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Dockerfile, Stage, Word
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
                lower_case_fix(build.dockerfile, stage, word),
            )


def lower_case_fix(dockerfile: Dockerfile, stage: Stage, word: Word) -> Fix | None:
    """The name in lower case, and so its references: ``FROM`` a later stage is built on,
    ``COPY --from=`` (Docker reads them all lower-cased, ``--target`` too)."""
    if word.raw != word.text:
        return None  # quoted or escaped: leave it to the author
    name = word.text.lower()
    edits = [Edit(word.span, name)]
    for later in dockerfile.stages[stage.index + 1 :]:
        base = later.from_instruction.arguments[:1]
        if later.parent_stage == stage.index and base and base[0].raw == base[0].text:
            edits.append(Edit(base[0].span, name))
        for instruction in later.instructions:
            for flag in instruction.flags:
                if flag.name == "from" and flag.value and flag.value.lower() == name:
                    edits.append(Edit(flag.span, f"--from={name}"))
    return Fix(f"write '{name}'", tuple(edits))


RULE = Rule(
    id="D700",
    name="stage-name-casing",
    severity=Severity.STYLE,
    summary="a stage name has upper-case letters; Docker reads it lower-cased",
    check=check,
    aliases=("StageNameCasing",),
    tags=("style", "stages"),
    fixable=True,
)
