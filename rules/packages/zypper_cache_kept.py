"""## What it does
Flags a `RUN` that installs, upgrades or refreshes with `zypper` and leaves its cache in
the layer: no `zypper clean` (`zypper cc`) after the last zypper command of the `RUN`, no
`rm -rf /var/cache/zypp` after it, and no BuildKit cache or tmpfs mount on that folder.
Only the final stage and the stages it is built `FROM` are checked (hadolint checks every
stage).

## Why it matters
zypper keeps repository metadata and, depending on the repository, the downloaded RPMs
under `/var/cache/zypp`. A later `RUN` cannot remove them from the image: each `RUN` is a
layer.

## Example
```dockerfile
RUN zypper -n install python311
```

## Instead
```dockerfile
RUN zypper -n install python311 && zypper clean --all
```

## Fix safety
Safe: the clean command is added at the end of a shell-form `RUN` (not one that ends
in `&`, `;`, a comment or a heredoc), so the cache goes in the same layer. Nothing
installed needs the cache; a later install in another `RUN` downloads what it needs.

## Differs from hadolint
- DL3036 (only dlint): `zypper ref` (refresh) fills the cache too, and is flagged; hadolint
  checks `zypper install` only.
"""

from collections.abc import Iterator

from dlint.commands import CLEAN, PackageCommand
from dlint.finding import Problem, Severity
from dlint.model import Build
from dlint.rule import Rule

from ._managers import cache_kept, clean_fix, commands_of

CACHES = ("/var/cache/zypp",)


def cleans(pkg: PackageCommand) -> bool:
    """``zypper clean`` or ``zypper cc``, with any options."""
    return pkg.action == CLEAN


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the first zypper command whose cache stays in its layer."""
    for run in build.dockerfile.in_final_image("RUN"):
        kept = cache_kept(run, commands_of(run, "zypper"), CACHES, cleans)
        if kept is not None:
            yield Problem(
                "zypper's cache stays in this layer; end the RUN with 'zypper clean --all'",
                kept.verb.span,
                clean_fix(run, kept, "zypper clean --all", CACHES),
            )


RULE = Rule(
    id="D217",
    name="zypper-cache-kept",
    severity=Severity.INFO,
    summary="a RUN that uses zypper leaves its cache in the image (no zypper clean)",
    check=check,
    aliases=("DL3036", "DS-0020"),
    fixable=True,
    tags=("size", "zypper"),
)
