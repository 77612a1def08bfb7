"""## What it does
Flags a `yarn install` or `yarn add` (Yarn 1) that leaves Yarn's cache in the layer: no
`yarn cache clean` later in the same `RUN`, no `rm -rf` of the cache folder
(`/usr/local/share/.cache/yarn`, `~/.cache/yarn`, `$YARN_CACHE_FOLDER`), and no BuildKit
cache or tmpfs mount on it. Only the final stage and the stages it is built `FROM` are
checked: a builder stage's cache never ships when its results are copied out.

## Why it matters
Yarn keeps a copy of every package it downloads in its global cache: for a front end or a
Node service often hundreds of megabytes beside `node_modules`, in every pull. A later
`RUN` cannot remove them from the image.

## Example
```dockerfile
RUN yarn install --frozen-lockfile
```

## Instead
```dockerfile
RUN yarn install --frozen-lockfile && yarn cache clean
```
Or `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile`.

## Fix safety
Safe: `&& yarn cache clean` is added at the end of a shell-form `RUN` (not one that ends
in `&`, `;`, a comment or a heredoc), so the cache goes in the same layer; what `yarn
install` put in `node_modules` stays.
"""

import posixpath
from collections.abc import Iterator

from dlint.commands import INSTALL, covers, deleted_paths
from dlint.finding import Problem, Severity
from dlint.model import Build, Command, Instruction
from dlint.rule import Rule

from ._managers import clean_fix, commands_of
from ._run import discarded_mounts

CACHES = ("/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/home/node/.cache/yarn")


def caches(run: Instruction) -> list[str]:
    """Where Yarn caches during ``run``: the defaults and ``YARN_CACHE_FOLDER`` when set."""
    custom = run.variables.get("YARN_CACHE_FOLDER")
    return [*CACHES, *([posixpath.normpath(custom)] if custom else [])]


def cleans(command: Command) -> bool:
    """``yarn cache clean``."""
    return command.program == "yarn" and command.argv[1:3] == ["cache", "clean"]


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every yarn install whose cache stays in its layer."""
    for run in build.dockerfile.in_final_image("RUN"):
        folders = caches(run)
        mounted = discarded_mounts(run)
        if any(covers(mounted, f) for f in folders):
            continue
        for pkg in commands_of(run, "yarn"):
            if pkg.action not in (INSTALL, "sync"):
                continue
            later = run.commands[run.commands.index(pkg.command) + 1 :]
            if any(cleans(c) for c in later):
                continue
            deleted = [posixpath.normpath(p) for p in deleted_paths(run, after=pkg.command)]
            # ``~/.cache/yarn`` is not expanded: any user's Yarn cache folder counts.
            if any(covers(deleted, f) for f in folders) or any(
                p.endswith("/.cache/yarn") for p in deleted
            ):
                continue
            yield Problem(
                "yarn keeps its package cache in this layer; add '&& yarn cache clean'",
                pkg.verb.span,
                clean_fix(run, pkg, "yarn cache clean", tuple(folders)),
            )


RULE = Rule(
    id="D229",
    name="yarn-cache-kept",
    severity=Severity.INFO,
    summary="yarn install leaves its package cache in the image (no yarn cache clean)",
    check=check,
    aliases=("DL3060",),
    fixable=True,
    tags=("size", "node"),
)
