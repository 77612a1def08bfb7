"""## What it does
Flags the `MAINTAINER` instruction. BuildKit's `MaintainerDeprecated`; hadolint DL4000,
Trivy DS-0022 and Checkov CKV_DOCKER_6 check the same.

## Why it matters
`MAINTAINER` has been deprecated since Docker 1.13; it fills the image's old `Author`
field, which registries, scanners and `docker inspect --format` users no longer read.
The OCI label `org.opencontainers.image.authors` is what they read.

## Example
```dockerfile
MAINTAINER ML Platform <ml-platform@example.com>
```

## Instead
```dockerfile
LABEL org.opencontainers.image.authors="ML Platform <ml-platform@example.com>"
```

## Fix safety
No automatic fix: replacing the instruction changes the image's metadata (its `Author`
field is no longer set), which is for you to decide.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each MAINTAINER instruction."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword != "MAINTAINER":
            continue
        yield Problem(
            "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=...",
            instruction.keyword_span,
        )


RULE = Rule(
    id="D706",
    name="maintainer-deprecated",
    severity=Severity.WARNING,
    summary="MAINTAINER is deprecated; the authors label replaces it",
    check=check,
    aliases=("MaintainerDeprecated", "DL4000", "DS-0022", "CKV_DOCKER_6"),
    tags=("deprecated", "metadata"),
)
