"""## What it does
Flags a `FROM` whose image is not a valid reference when the global `ARG`s keep their
defaults, that is when no `--build-arg` is given: `ARG TAG` then `FROM python:${TAG}`
gives `python:`. A variable that may be empty (`FROM python:3.11${VARIANT}`) or carries
its own default (`${TAG:-3.11}`) passes. BuildKit's `InvalidDefaultArgInFrom`.

## Why it matters
`docker build .` fails with an invalid reference, so the Dockerfile only builds with
flags someone has to know; CI jobs, IDEs and `docker compose build` run without them.

## Example
```dockerfile
ARG PYTHON_VERSION
FROM python:${PYTHON_VERSION}-slim
```

## Instead
```dockerfile
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim
```

## Fix safety
No automatic fix: only you know which default is right.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule
from dlint.shell import substitute

from ._common import variable_uses

# Docker's reference grammar (distribution/reference): [host[:port]/]path[:tag][@digest].
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
HOST = rf"(?:{LABEL}(?:\.{LABEL})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
REFERENCE = regex.compile(
    rf"^(?:{HOST}/)?{COMPONENT}(?:/{COMPONENT})*(?::[\w][\w.-]{{0,127}})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


# BuildKit always sets the platform arguments; any real platform will do here.
PLATFORM_DEFAULTS = {
    "TARGETPLATFORM": "linux/amd64",
    "TARGETOS": "linux",
    "TARGETARCH": "amd64",
    "TARGETVARIANT": "",
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDARCH": "amd64",
    "BUILDVARIANT": "",
}


def valid_reference(text: str) -> bool:
    """True when ``text`` parses as an image reference (a name with an optional host,
    tag and digest)."""
    return REFERENCE.match(text) is not None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each FROM image that the ARG defaults make invalid."""
    dockerfile = build.dockerfile
    defaults: dict[str, str | None] = dict(PLATFORM_DEFAULTS)
    for arg in dockerfile.global_args:
        for name, value in arg.assignments:
            if value is not None or name not in PLATFORM_DEFAULTS:
                defaults[name] = None if value is None else substitute(value, defaults).text
    for stage in dockerfile.stages:
        words = stage.from_instruction.arguments
        if not words or not any(variable_uses(words[0].raw, dockerfile.escape)):
            continue
        image = substitute(words[0].text, defaults).text
        if not valid_reference(image):
            shown = image or "an empty name"
            yield Problem(
                f"with the ARG defaults the image is '{shown}', not a valid reference; "
                "give the ARG a default",
                words[0].span,
            )


RULE = Rule(
    id="D708",
    name="invalid-default-arg-in-from",
    severity=Severity.WARNING,
    summary="FROM names an invalid image unless --build-arg is given",
    check=check,
    aliases=("InvalidDefaultArgInFrom",),
    tags=("correctness", "args"),
)
