"""## What it does
Flags a `WORKDIR` inside `/proc`, `/sys`, `/dev`, `/boot`, `/initrd` or `/lost+found`.
Trivy DS-0030 checks the same.

## Why it matters
At run time those folders belong to the kernel and the container runtime: `/proc`,
`/sys` and `/dev` are mounted over whatever the image put there, so the application's
files vanish and it starts in a folder of kernel files; writing there is also what
container-escape exploits do, and security policies flag it.

## Example
```dockerfile
WORKDIR /dev/app
```

## Instead
```dockerfile
WORKDIR /app
```

## Fix safety
No automatic fix: the paths in the rest of the Dockerfile move with it.
"""

import posixpath
from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

SYSTEM = ("/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each WORKDIR in a folder the kernel or runtime owns."""
    for instruction in build.dockerfile.of("WORKDIR"):
        if not instruction.arguments:
            continue
        word = instruction.arguments[0]
        resolved = instruction.resolve(word.text)
        if not resolved.complete or not resolved.text.startswith("/"):
            continue
        path = posixpath.normpath(resolved.text)
        top = next((s for s in SYSTEM if path == s or path.startswith(s + "/")), None)
        if top is not None:
            yield Problem(
                f"WORKDIR {path} is inside {top}, which the kernel or the container runtime "
                "owns at run time; work in a folder such as /app",
                word.span,
            )


RULE = Rule(
    id="D739",
    name="workdir-system-folder",
    severity=Severity.WARNING,
    summary="WORKDIR inside /proc, /sys, /dev or another folder the system owns",
    check=check,
    aliases=("DS-0030",),
    tags=("security", "correctness"),
)
