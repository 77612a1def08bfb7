"""## What it does
Flags a `LABEL` key that breaks Docker's guidelines for label keys: it must start with a
lower-case letter, end with a lower-case letter or digit, use only lower-case letters,
digits, `.`, `-`, `_` and `/`, have no `..` or `--`, and not use the namespaces Docker
reserves (`com.docker.`, `io.docker.`, `org.dockerproject.`). hadolint DL3048.

## Why it matters
Tools that read labels (registries, scanners, `org.opencontainers.image.*` consumers,
Kubernetes tooling) match keys exactly: `Version` or `org.opencontainers.image.Source`
is a different key from the one they look for, and keys in Docker's namespaces may be
overwritten by Docker itself.

## Example
```dockerfile
LABEL Version=1.0 com.docker.team=ml
```

## Instead
```dockerfile
LABEL org.opencontainers.image.version=1.0 com.example.team=ml
```

## Fix safety
No automatic fix: tools may already read the old key.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

VALID = regex.compile(r"^[a-z](?:[a-z0-9._/-]*[a-z0-9])?$")
RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")


def problem_with(key: str) -> str | None:
    """What is wrong with label ``key``, or None."""
    if key.startswith(RESERVED):
        return f"the namespace '{key.split('.')[0]}.{key.split('.')[1]}.' is reserved by Docker"
    if ".." in key or "--" in key:
        return "it has consecutive separators"
    if not VALID.match(key):
        return (
            "keys start with a lower-case letter, end with a letter or digit and use only "
            "a-z, 0-9, '.', '-', '_' and '/'"
        )
    return None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each LABEL key against Docker's guidelines."""
    for instruction in build.dockerfile.of("LABEL"):
        words = instruction.arguments
        legacy = bool(words) and "=" not in words[0].text
        for word in words[:1] if legacy else words:
            key = word.text.partition("=")[0]
            why = problem_with(key)
            if why is not None:
                yield Problem(f"invalid label key '{key}': {why}", word.span)


RULE = Rule(
    id="D733",
    name="label-key-invalid",
    severity=Severity.STYLE,
    summary="a LABEL key breaks Docker's key format or uses a reserved namespace",
    check=check,
    aliases=("DL3048",),
    tags=("style", "metadata"),
)
