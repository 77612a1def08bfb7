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
No automatic fix: the cleanup has to join the `RUN` that downloads the lists.
"""

import posixpath
from collections.abc import Iterator

from dlint.finding import Problem, Severity
from dlint.model import Build, Command, Instruction, Word
from dlint.rule import Rule

from ._run import discarded_mounts

LISTS = "/var/lib/apt/lists"


def apt_word(command: Command) -> Word | None:
    """The ``update``/``install`` word of an apt command, or None for other commands."""
    if posixpath.basename(command.argv[0]) not in ("apt-get", "apt"):
        return None
    verb = next((w for w in command.words[1:] if not w.text.startswith("-")), None)
    return verb if verb is not None and verb.text in ("update", "install") else None


def removes_lists(run: Instruction, command: Command) -> bool:
    """True when ``command`` deletes the apt lists."""
    argv = command.argv
    program = posixpath.basename(argv[0])
    if program in ("apt-get", "apt"):
        return any(a in ("distclean", "dist-clean") for a in argv[1:])
    paths = [posixpath.normpath(run.resolve(a).text) for a in argv[1:]]
    return program == "rm" and any(p == LISTS or p.startswith(LISTS + "/") for p in paths)


def leak(run: Instruction) -> Word | None:
    """The word to point at when ``run`` leaves apt lists in its layer, else None."""
    if any(t == LISTS or LISTS.startswith(t + "/") for t in discarded_mounts(run)):
        return None
    target: Word | None = None
    kept = False
    for command in run.commands:
        verb = apt_word(command)
        if verb is not None:
            kept = True
            if verb.text == "install" and (target is None or target.text != "install"):
                target = verb
            elif target is None:
                target = command.words[0]
        elif kept and removes_lists(run, command):
            kept = False
    return target if kept else None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for every image RUN that downloads apt lists and keeps them."""
    for run in build.dockerfile.in_final_image("RUN"):
        word = leak(run)
        if word is not None:
            yield Problem(
                "apt lists stay in this layer; run 'apt-get update', the install and "
                "'rm -rf /var/lib/apt/lists/*' in this same RUN",
                word.span,
            )


RULE = Rule(
    id="D203",
    name="apt-lists-kept",
    severity=Severity.INFO,
    summary="a RUN that runs apt-get leaves /var/lib/apt/lists in the image",
    check=check,
    aliases=("DL3009",),
    tags=("size", "apt"),
)
