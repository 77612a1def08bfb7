"""## What it does
Flags an `ADD` of an `http(s)://` URL without `--checksum`. `ADD` of a git repository is
left to its own options.

## Why it matters
The file is whatever the server returns on the day of the build: a re-uploaded model
checkpoint, a moved release asset or a compromised mirror changes the image with no
change to the Dockerfile, and no build fails. ML images often fetch weights this way.
`--checksum=sha256:...` makes the build fail when the bytes differ.

## Example
```dockerfile
ADD https://example.com/models/classifier-v3.onnx /opt/model/
```

## Instead
```dockerfile
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    https://example.com/models/classifier-v3.onnx /opt/model/
```
(BuildKit, `# syntax=docker/dockerfile:1.6` or newer); with the classic builder,
download with `curl` and check the file with `sha256sum -c` in the same `RUN`.

## Fix safety
No automatic fix: only you can vouch for the digest.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each URL an ADD downloads without --checksum."""
    for copy in build.dockerfile.copies:
        instruction = copy.instruction
        if instruction.keyword != "ADD" or instruction.flag("checksum"):
            continue
        for source in copy.sources:
            if source.kind == "url" and source.text.lower().startswith(("http://", "https://")):
                yield Problem(
                    f"ADD downloads '{source.text}' without --checksum: the image changes "
                    "whenever the file does; pin it with --checksum=sha256:...",
                    source.word.span,
                )


RULE = Rule(
    id="D740",
    name="add-url-unchecked",
    severity=Severity.WARNING,
    summary="ADD downloads a URL without --checksum",
    check=check,
    tags=("supply-chain", "reproducibility"),
)
