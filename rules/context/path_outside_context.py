"""## What it does
Flags a path that the build names but that lies outside the build context: a `COPY` or
`ADD` source that climbs out of it (`COPY ../secrets/key.pem /app/`), a symlink in the
context that points outside it, and a requirements file or include (`pip install -r
../x.txt`, `-r ../../token.txt` inside a requirements file) that would be read from
outside. dlint never opens such a path, so nothing outside the context is read or
printed; the finding says which path and why.

## Why it matters
Docker refuses these paths: `COPY ../x` fails with "forbidden path outside the build
context", and a symlink that leaves the context is copied as a dangling link or not at
all. A Dockerfile that only works with a wider context (the repository root) is built
from the wrong folder; one whose requirements include a file from outside the context
installs something the build cannot see. Either way the image is not what the
Dockerfile says.

## Example
```dockerfile
COPY ../common/requirements.txt /app/
```

## Instead
Build from the folder that holds everything the image needs (`docker build -f
docker/Dockerfile .` from the repository root) and copy paths relative to it:
```dockerfile
COPY shared/requirements.txt /app/
```

## Fix safety
No automatic fix: the right build context is a decision about the project's layout.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every path the loader refused to read."""
    if build.context is None:
        return
    for refused in build.context.refused:
        yield Problem(
            f"'{refused.path}': {refused.reason}; Docker refuses it and dlint did not read it",
            refused.span,
            file=refused.file,
        )


RULE = Rule(
    id="D502",
    name="path-outside-context",
    severity=Severity.ERROR,
    summary="a COPY/ADD source, symlink or requirements file lies outside the build context",
    check=check,
    tags=("context", "security"),
)
