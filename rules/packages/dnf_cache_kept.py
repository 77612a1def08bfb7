"""## What it does
Flags a `RUN` that installs, upgrades or refreshes with `dnf` and leaves its cache in the
layer: no `dnf clean all` after the last `dnf` command of the `RUN`, no `rm -rf
/var/cache/dnf` after it, and no BuildKit cache or tmpfs mount on the cache folder.
`microdnf`, `dnf5` and `tdnf` count as dnf; `yum` is `yum-cache-kept`'s. Only the final
stage and the stages it is built `FROM` are checked: a builder stage's cache never ships
when its results are copied out (hadolint checks every stage).

## Why it matters
`dnf` keeps the repository metadata and the downloaded packages under `/var/cache`:
tens to hundreds of megabytes in every pull. A later `RUN` cannot remove them: each `RUN`
is a layer, and a file deleted in a later layer still ships in the earlier one.

## Example
```dockerfile
RUN dnf install -y python3-3.12.3
```

## Instead
```dockerfile
RUN dnf install -y python3-3.12.3 && dnf clean all
```
Or mount the cache: `RUN --mount=type=cache,target=/var/cache/dnf dnf install -y python3-3.12.3`.

## Fix safety
Safe: the clean command is added at the end of a shell-form `RUN` (not one that ends
in `&`, `;`, a comment or a heredoc), so the cache goes in the same layer. Nothing
installed needs the cache; a later install in another `RUN` downloads what it needs.

## Differs from hadolint
- DL3040 (only dlint): a `dnf clean all` before a later install in the same `RUN` leaves the
  second install's cache, and `microdnf makecache` fills it too; hadolint accepts any `dnf
  clean all` in the `RUN` and checks installs only.
- DL3040 (only hadolint): a BuildKit cache or tmpfs mount on `/var/cache/dnf` keeps the
  cache out of the layer, and passes; hadolint flags it.
"""

from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import DNF, cache_kept, clean_fix, commands_of, rpm_cleans_all

CACHES = ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the first dnf command whose cache stays in its layer."""
    for run in build.dockerfile.in_final_image("RUN"):
        kept = cache_kept(run, commands_of(run, "dnf", DNF), CACHES, rpm_cleans_all)
        if kept is not None:
            yield Problem(
                "dnf's cache stays in this layer; end the RUN with 'dnf clean all'",
                kept.verb.span,
                clean_fix(run, kept, f"{kept.command.program} clean all", CACHES),
            )


RULE = Rule(
    id="D216",
    name="dnf-cache-kept",
    severity=Severity.INFO,
    summary="a RUN that uses dnf leaves its cache in the image (no dnf clean all)",
    check=check,
    aliases=("DL3040", "DS-0019", "DS-0027"),
    fixable=True,
    tags=("size", "dnf"),
)
