"""## What it does
Flags a `COPY --from=STAGE / /`: the whole filesystem of another stage or image copied
over this one's root. Copying a folder (`--from=build /app /app`) or the root into a
subfolder passes. hadolint DL3067.

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
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each COPY --from of / to /."""
    for copy in build.dockerfile.copies:
        if not copy.from_stage or copy.destination.rstrip("/") != "":
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
