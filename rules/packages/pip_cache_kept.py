"""## What it does
Flags a `pip install` (`pip`, `pip3`, `python -m pip`) that keeps pip's download and
wheel cache in the image: no `--no-cache-dir`, no `PIP_NO_CACHE_DIR` set (by `ENV` in
the stage or a stage it is built `FROM`, by `ARG`, or inline in the `RUN`), no BuildKit
cache or tmpfs mount over the cache (`--mount=type=cache,target=/root/.cache/pip`), and no
`pip cache purge` or `rm -rf ~/.cache/pip` later in the same `RUN`. Only the final stage
and the stages it is built `FROM` are checked: a builder stage's cache never reaches the
final image when its results are copied out selectively (hadolint checks every stage).
`uv pip install` is out of scope: uv keeps its cache elsewhere and is judged separately.

## Why it matters
pip keeps every wheel it downloads or builds under `~/.cache/pip`. For an ML image that
is the second copy of `torch` and its CUDA libraries: often gigabytes of dead weight in
every pull, on every node, on every scale-up.

## Example
```dockerfile
RUN pip install -r requirements.txt
```

## Instead
```dockerfile
RUN pip install --no-cache-dir -r requirements.txt
```
Or set `ENV PIP_NO_CACHE_DIR=1` once, or keep the cache out of the layer and reuse it
across builds: `RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt`.

## Fix safety
Safe: `dlint check --fix` adds `--no-cache-dir` right after `install`. It changes where
pip caches, never what it installs.

## Differs from hadolint
- DL3042 (only hadolint): only the final image's lineage is checked (a builder stage's cache
  is not copied into it unless copied whole), and `PIP_NO_CACHE_DIR` set to any value (`1`,
  `off`: pip reads both as 'no cache') or a cache mount on `PIP_CACHE_DIR` passes; hadolint
  flags them.
- DL3042 (only dlint): pip called by path (`/opt/venv/bin/pip install`) or with options
  before the subcommand (`python -m pip --python ... install`) is read as pip reads it;
  hadolint recognises neither form.
"""

import posixpath
from collections.abc import Iterator

from dlint import regex
from dlint.commands import PipInstall, deleted_paths, pip_installs
from dlint.finding import Problem, Severity, insert_option_after
from dlint.model import Build, Instruction
from dlint.rule import Rule

from ._run import discarded_mounts

INLINE_SETTING = regex.compile(r"(?:^|[\s;&|(])PIP_NO_CACHE_DIR=[^\s;&|)]")


def cache_dirs(run: Instruction) -> list[str]:
    """Where pip caches during ``run``: root's default, and ``PIP_CACHE_DIR`` when set."""
    custom = run.variables.get("PIP_CACHE_DIR")
    return ["/root/.cache/pip", *([posixpath.normpath(custom)] if custom else [])]


def is_cache_path(run: Instruction, path: str) -> bool:
    """True when deleting or mounting ``path`` covers pip's cache."""
    path = posixpath.normpath(run.resolve(path).text)
    dirs = cache_dirs(run)
    if path.endswith(("/.cache", "/.cache/pip")):
        return True
    return any(d == path or d.startswith(path + "/") for d in dirs)


def cache_disabled(run: Instruction) -> bool:
    """True when the whole ``RUN`` runs pip without a cache that lands in the layer."""
    if run.variables.get("PIP_NO_CACHE_DIR"):
        return True
    texts = (run.value, *(d.body for d in run.heredocs))
    if any(INLINE_SETTING.search(t) for t in texts):
        return True
    return any(is_cache_path(run, target) for target in discarded_mounts(run))


def purged_after(run: Instruction, pip: PipInstall) -> bool:
    """True when a later command of ``run`` empties pip's cache."""
    later = run.commands[run.commands.index(pip.command) + 1 :]
    if any(c.argv[-2:] == ["cache", "purge"] and "pip" in c.program for c in later):
        return True
    return any(is_cache_path(run, path) for path in deleted_paths(run, after=pip.command))


# What the fixed image lacks: pip's cache, in the home folder of whoever ran pip.
PIP_CACHE_GONE = ("removed:**/.cache/pip/**",)


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at the ``install`` word of every pip install that keeps its cache."""
    for run in build.dockerfile.in_final_image("RUN"):
        if cache_disabled(run):
            continue
        for pip in pip_installs(run):
            if pip.command.program == "uv" or pip.verb is None:
                continue
            if pip.has_option("--no-cache-dir", "--no-cache") or purged_after(run, pip):
                continue
            install = pip.verb
            yield Problem(
                "pip keeps its download cache in the image; add --no-cache-dir "
                "or set ENV PIP_NO_CACHE_DIR=1",
                install.span,
                insert_option_after(
                    install.raw, install.span, "--no-cache-dir", changes=PIP_CACHE_GONE
                ),
            )


RULE = Rule(
    id="D205",
    name="pip-cache-kept",
    severity=Severity.INFO,
    summary="pip install keeps its cache in the image (no --no-cache-dir)",
    check=check,
    aliases=("DL3042",),
    tags=("size", "python"),
    fixable=True,
)
