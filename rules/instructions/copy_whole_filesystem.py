"""## What it does
Flags a `COPY --from=STAGE / /`: the whole filesystem of another stage, built on a base
image and with steps of its own, copied over this one's root. Copying a folder
(`--from=build /app /app`) or the root into a subfolder passes, and so does the root of
a stage built `FROM scratch` or of an image used as it is (`FROM tonistiigi/xx AS xx`
with no steps, an external `--from=image`): such images are bundles of files made to
be copied whole. hadolint DL3067 flags those too.

## Why it matters
The other stage's `/` is its base image too: its `/etc/passwd`, package database,
libraries and caches overwrite this image's, so the result is neither image, the
package manager's records no longer match the files, and scanners report the wrong
packages. The layer is as large as the whole other image.

## Example
```dockerfile
FROM python:3.11 AS build
RUN pip install --no-cache-dir --prefix=/install numpy==1.26.4
FROM python:3.11-slim
COPY --from=build / /
```

## Instead
```dockerfile
COPY --from=build /install /usr/local
```

## Fix safety
No automatic fix: which folders the image needs is for you to name.

## Differs from hadolint
- DL3067 (only dlint): `COPY --from=builder . /` copies the whole filesystem as `/ /` does,
  and is flagged; hadolint knows `/` only.
- DL3067 (only hadolint): the root of a stage built `FROM scratch` or of an image used as it
  is (`tonistiigi/xx`, `docker/buildx-bin`) is a bundle of files made to be copied whole,
  and passes; hadolint flags it.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, Dockerfile, Stage
from dlint.rule import Rule


def built_stage(dockerfile: Dockerfile, name: str) -> Stage | None:
    """The stage ``--from=name`` names, when it is built on a base image with steps (more
    than its ``FROM``)."""
    stages = [s for s in dockerfile.stages if name.lower() in (s.name, str(s.index))]
    if not stages:
        return None
    lineage = dockerfile.lineage(stages[0])
    if lineage[-1].base.is_scratch or all(len(s.instructions) == 1 for s in lineage):
        return None
    return stages[0]


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each COPY --from of a built stage's / to /."""
    dockerfile = build.dockerfile
    for copy in dockerfile.copies:
        if not copy.from_stage or copy.destination.rstrip("/") != "":
            continue
        if built_stage(dockerfile, copy.from_stage) is None:
            continue
        for source in copy.sources:
            if source.kind == "stage" and source.path == "/":
                yield Problem(
                    f"copies the whole filesystem of '{copy.from_stage}' over this image; "
                    "copy only the folders the image needs",
                    source.word.span,
                )


RULE = Rule(
    id="D735",
    name="copy-whole-filesystem",
    severity=Severity.WARNING,
    summary="COPY --from copies another stage's whole filesystem onto /",
    check=check,
    aliases=("DL3067",),
    tags=("size", "correctness"),
)
