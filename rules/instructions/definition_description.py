"""## What it does
Flags a comment right above a named `FROM` or an `ARG` that does not start with the
stage's or argument's name. `docker buildx build --call=outline` and `--call=targets`
show such a comment as the description of the stage or argument, so one that reads
`# install dependencies` becomes a wrong description. Off unless selected: BuildKit's
`InvalidDefinitionDescription` is experimental too.

## Why it matters
The outline is how people discover a Dockerfile's build arguments and targets; a
description that is really a note about the next line misleads them, and a real
description is easy to write: `# MODEL_VERSION is the model release to bake in`.

## Example
```dockerfile
# pinned for reproducible builds
ARG MODEL_VERSION=2024-06-01
```

## Instead
```dockerfile
# MODEL_VERSION is the model release baked into the image
ARG MODEL_VERSION=2024-06-01
```
or a blank line between a comment that is not a description and the instruction.

## Fix safety
No automatic fix: the description is yours to write.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import stage_name_word


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each comment above a FROM or ARG that does not name it."""
    dockerfile = build.dockerfile
    comments = {c.span.start.line: c for c in dockerfile.comments}
    names = {s.from_instruction.index: stage_name_word(s) for s in dockerfile.stages}
    for instruction in dockerfile.instructions:
        if instruction.keyword == "ARG":
            keys = [name for name, _ in instruction.assignments]
        elif instruction.keyword == "FROM" and names.get(instruction.index) is not None:
            keys = [names[instruction.index].text]
        else:
            continue
        comment = comments.get(instruction.span.start.line - 1)
        if comment is None or not keys:
            continue
        first = comment.text.lstrip("#").strip().split(" ")[0]
        if first in keys:
            continue
        example = keys[0] if len(keys) == 1 else "<arg_key>"
        yield Problem(
            f"a comment right above {instruction.keyword} is its description in "
            f"'docker build --call=outline'; start it with '# {example} ...', or put a "
            "blank line between",
            comment.span,
        )


RULE = Rule(
    id="D716",
    name="definition-description",
    severity=Severity.STYLE,
    summary="a comment above a stage or ARG is not a description of it",
    check=check,
    aliases=("InvalidDefinitionDescription",),
    tags=("style", "documentation"),
    opt_in=True,
)
