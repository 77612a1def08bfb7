"""## What it does
Flags a `RUN` that runs `apt-get update` or `apt-get install` (or `apt`) without
removing `/var/lib/apt/lists/*` later in the same `RUN` (`rm -rf /var/lib/apt/lists/*`,
any path under it, or `apt-get distclean`). A BuildKit cache or tmpfs mount on the lists
(`RUN --mount=type=cache,target=/var/lib/apt/lists`) passes too. Only the final stage and
the stages it is built `FROM` are checked: a builder stage whose files are copied out
selectively leaves its lists behind. The finding points at `install`, or at `apt-get`
when the `RUN` only updates.

## Why it matters
`apt-get update` downloads the package lists, tens of megabytes that the service never
reads. A later `RUN` cannot remove them from the image: each `RUN` is a layer, and a file
deleted in a later layer still ships in the earlier one. Stale lists also make a later
`apt-get install` in a derived image use outdated indexes.

## Example
```dockerfile
RUN apt-get update
RUN apt-get install -y --no-install-recommends libgomp1
```

## Instead
```dockerfile
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
```
Or keep the lists in a BuildKit cache mount:
`RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install ...`.

## Fix safety
Safe: ` && rm -rf /var/lib/apt/lists/*` is added at the end of a shell-form `RUN` (not
one that ends in `&`, `;` or a heredoc), so the lists go in the same layer. Nothing
installed depends on the lists; a later `apt-get install` in another `RUN` needs its own
`apt-get update` anyway.

## Differs from hadolint
- DL3009 (only dlint): a `RUN` that runs `apt-get install` without `apt-get update` is
  flagged too (the install needs lists that an earlier layer left behind), as are `apt`,
  commands under `sudo`, exec-form `RUN`s, and a removal of only part of the lists
  (`/var/lib/apt/lists/partial`) or one before the update; hadolint looks only for
  `apt-get update` in a shell-form `RUN`.
- DL3009 (only hadolint): `find /var/lib/apt/lists -mindepth 1 -delete`, `rm -rf
  /var/lib/apt` (a folder above the lists) and `apt-get distclean` remove the lists, and
  pass; hadolint accepts only `rm` of `/var/lib/apt/lists/*`.
"""

from collections.abc import Iterator

from dlint.commands import CLEAN, INSTALL, UPDATE, covers, deleted_paths, package_commands
from dlint.edits import append_to_run
from dlint.finding import Fix, Problem, Severity
from dlint.model import Build, Instruction, Word
from dlint.rule import Rule

from ._run import discarded_mounts

LISTS = "/var/lib/apt/lists"


def leak(run: Instruction) -> Word | None:
    """The word to point at when ``run`` leaves apt lists in its layer, else None.

    The lists count as removed by ``rm``/``find -delete`` of them (or of a folder above
    them) after the last apt command, or by ``apt-get distclean``.
    """
    if covers(discarded_mounts(run), LISTS):
        return None
    target: Word | None = None
    last = None
    for pkg in package_commands(run):
        if pkg.manager != "apt-get":
            continue
        if pkg.action == CLEAN and pkg.verb.text in ("distclean", "dist-clean"):
            target = None
        elif pkg.action in (INSTALL, UPDATE):
            if target is None or (pkg.action == INSTALL and target.text != "install"):
                target = pkg.verb if pkg.action == INSTALL else pkg.command.words[0]
            last = pkg.command
    if target is None or covers(deleted_paths(run, after=last), LISTS):
        return None
    return target


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for every image RUN that downloads apt lists and keeps them."""
    for run in build.dockerfile.in_final_image("RUN"):
        word = leak(run)
        if word is not None:
            yield Problem(
                "apt lists stay in this layer; run 'apt-get update', the install and "
                "'rm -rf /var/lib/apt/lists/*' in this same RUN",
                word.span,
                cleanup_fix(run),
            )


def cleanup_fix(run: Instruction) -> Fix | None:
    """Add the removal of the lists at the end of ``run``'s script, when it is plain shell."""
    edit = append_to_run(run, f"rm -rf {LISTS}/*")
    if edit is None:
        return None
    return Fix("remove the apt lists in the same RUN", (edit,), changes=(f"removed:{LISTS}/**",))


RULE = Rule(
    id="D203",
    name="apt-lists-kept",
    severity=Severity.INFO,
    summary="a RUN that runs apt-get leaves /var/lib/apt/lists in the image",
    check=check,
    aliases=("DL3009",),
    tags=("size", "apt"),
    fixable=True,
)
