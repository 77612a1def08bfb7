"""## What it does
Flags a `RUN` that replaces `/bin/sh` with a symbolic link (`ln -sf /bin/bash /bin/sh`).
hadolint DL4005.

## Why it matters
`/bin/sh` belongs to the base image's packages: replacing it changes the shell of every
script in the image, package maintainer scripts included, and the next upgrade of
`dash` may put it back. The `SHELL` instruction changes the shell of the following
`RUN` steps only, which is what was meant.

## Example
```dockerfile
RUN ln -sf /bin/bash /bin/sh
```

## Instead
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
```

## Fix safety
No automatic fix: scripts run at container start may rely on the link.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each ln that makes /bin/sh a link."""
    for _, command in commands_running(build.dockerfile, "ln"):
        paths = [w for w in command.arguments if not w.text.startswith("-")]
        if len(paths) >= 2 and paths[-1].text == "/bin/sh":
            yield Problem(
                "linking /bin/sh changes the shell of every script in the image; use "
                'SHELL ["/bin/bash", "-c"] to change the shell of RUN',
                paths[-1].span,
            )


RULE = Rule(
    id="D734",
    name="ln-sh-instead-of-shell",
    severity=Severity.WARNING,
    summary="RUN replaces /bin/sh with a link instead of using SHELL",
    check=check,
    aliases=("DL4005",),
    tags=("correctness",),
)
