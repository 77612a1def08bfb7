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
Safe: the instruction becomes `LABEL org.opencontainers.image.authors="..."` with the
same text (quotes, backslashes and `$` escaped, since `LABEL` expands variables). The
image's deprecated `Author` field is no longer set; what runs is unchanged.
"""

from collections.abc import Iterator

from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Instruction
from dlint.rule import Rule

AUTHORS = "org.opencontainers.image.authors"
# The image's top-level Author field (what MAINTAINER set) goes; the label comes.
AUTHOR = "Author"


def label_fix(instruction: Instruction) -> Fix:
    """Replace the whole instruction with the authors label carrying its text."""
    text = " ".join(instruction.value.split())
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    label = f'LABEL {AUTHORS}="{quoted}"'
    return Fix(
        "replace MAINTAINER with the authors label",
        (Edit(instruction.span, label),),
        reshapes=True,
        changes=(AUTHOR, f"Labels:{AUTHORS}"),
    )


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each MAINTAINER instruction."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword != "MAINTAINER":
            continue
        yield Problem(
            "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=...",
            instruction.keyword_span,
            label_fix(instruction) if instruction.value.strip() else None,
        )


RULE = Rule(
    id="D706",
    name="maintainer-deprecated",
    severity=Severity.WARNING,
    summary="MAINTAINER is deprecated; the authors label replaces it",
    check=check,
    aliases=("MaintainerDeprecated", "DL4000", "DS-0022", "CKV_DOCKER_6"),
    tags=("deprecated", "metadata"),
    fixable=True,
)
