"""## What it does
Flags a `COPY` or `ADD` to a relative destination (`COPY app.py app.py`, `COPY . .`) in
a stage where no `WORKDIR` has been set, in the stage or in the stages it is built
`FROM`. Destinations that use a variable dlint cannot resolve pass, and so do stages
built on `scratch`, whose working directory is always `/` (hadolint flags them). For an
`ONBUILD COPY`, any `WORKDIR` of the stage counts, since the trigger runs after all of
it, and so does an `ONBUILD WORKDIR` before it. hadolint DL3045.

## Why it matters
The destination is then relative to the base image's working directory: `/` on
`python:3.11-slim`, but `/workspace` or `/opt/app` on other images, so the files land
somewhere else when the base image changes, and `CMD ["python", "app.py"]` stops
finding them.

## Example
```dockerfile
FROM python:3.11-slim
COPY . .
CMD ["python", "app.py"]
```

## Instead
```dockerfile
FROM python:3.11-slim
WORKDIR /app
COPY . .
CMD ["python", "app.py"]
```

## Fix safety
No automatic fix: the folder to work in is yours to choose.

## Differs from hadolint
- DL3045 (only hadolint): a stage built on `scratch` always works in `/`, and a Windows
  destination such as `"C:\\Program Files\\Foo"` is absolute: both pass; hadolint flags
  them.
- DL3045 (only dlint): `ADD` with a relative destination is flagged too (hadolint checks
  `COPY` only), and so is an `ONBUILD COPY`.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._common import is_absolute

ONBUILD_WORKDIR = regex.compile(r"\s*workdir\s", re.IGNORECASE)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each copy to a relative destination before any WORKDIR."""
    dockerfile = build.dockerfile
    for copy in dockerfile.copies:
        instruction = copy.instruction
        word = copy.destination_word
        if word is None:
            continue
        if is_absolute(word.raw.strip("\"'")):
            continue
        target = instruction.resolve(word.text)
        if not target.complete or is_absolute(target.text):
            continue
        stage = dockerfile.stages[instruction.stage_index]
        parents = dockerfile.lineage(stage)[1:]
        workdirs = stage.of("WORKDIR")
        if instruction.onbuild:
            earlier = bool(workdirs) or any(
                i.index < instruction.index and ONBUILD_WORKDIR.match(i.value)
                for i in stage.instructions
            )
        else:
            # The stage's WORKDIRs only: a scan of the stage per COPY is quadratic.
            earlier = bool(workdirs) and workdirs[0].index < instruction.index
        if earlier or any(parent.of("WORKDIR") for parent in parents):
            continue
        if dockerfile.lineage(stage)[-1].base.is_scratch:
            continue  # scratch has no working directory of its own: it is /
        yield Problem(
            f"'{word.text}' is relative to the base image's working directory, and no "
            "WORKDIR is set; add a WORKDIR or copy to an absolute path",
            word.span,
        )


RULE = Rule(
    id="D731",
    name="copy-relative-without-workdir",
    severity=Severity.WARNING,
    summary="COPY to a relative destination in a stage with no WORKDIR",
    check=check,
    aliases=("DL3045",),
    tags=("correctness", "reproducibility"),
)
