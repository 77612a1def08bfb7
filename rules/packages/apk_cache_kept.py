"""## What it does
Flags `apk add` without `--no-cache`, unless a BuildKit cache or tmpfs mount covers
`/var/cache/apk` or the `RUN` deletes `/var/cache/apk/*` after its last apk command.
Only the final stage and the stages it is built `FROM` are checked (hadolint and Trivy
check every stage; a builder stage's index never ships when its results are copied out,
and they do not accept the `rm`, which works just as well).

## Why it matters
`apk add` fetches the repository index into `/var/cache/apk`: a few megabytes per
repository in every layer that installs, for nothing the service reads. `--no-cache`
fetches the index to a temporary place and leaves nothing behind, and it makes a separate
`apk update` (or `--update`) unnecessary.

## Example
```dockerfile
RUN apk add --update curl=8.9.1-r0
```

## Instead
```dockerfile
RUN apk add --no-cache curl=8.9.1-r0
```

## Fix safety
Safe: `dlint check --fix` adds `--no-cache` right after `add`. It changes where apk keeps
its index, never what it installs.

## Differs from hadolint
- DL3019 (only hadolint): only the final image's lineage is checked: a builder stage whose
  files are copied out selectively leaves its cache behind; hadolint checks every stage.
"""

from collections.abc import Iterator

from dlint.commands import INSTALL, covers, deleted_paths
from dlint.finding import Problem, Severity, insert_option_after
from dlint.model import Build
from dlint.rule import Rule

from ._managers import commands_of
from ._run import discarded_mounts

CACHE = "/var/cache/apk"


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem, with a fix, at every ``apk add`` that keeps the index."""
    for run in build.dockerfile.in_final_image("RUN"):
        if covers(discarded_mounts(run), CACHE):
            continue
        pkgs = list(commands_of(run, "apk"))
        if pkgs and covers(list(deleted_paths(run, after=pkgs[-1].command)), CACHE):
            continue
        for pkg in pkgs:
            if pkg.action != INSTALL or pkg.has_option("--no-cache"):
                continue
            yield Problem(
                "apk keeps its index in /var/cache/apk; add --no-cache",
                pkg.verb.span,
                insert_option_after(
                    pkg.verb.raw, pkg.verb.span, "--no-cache", changes=(f"removed:{CACHE}/**",)
                ),
            )


RULE = Rule(
    id="D218",
    name="apk-cache-kept",
    severity=Severity.INFO,
    summary="apk add without --no-cache keeps the package index in the image",
    check=check,
    aliases=("DL3019", "DS-0025"),
    tags=("size", "apk"),
    fixable=True,
)
