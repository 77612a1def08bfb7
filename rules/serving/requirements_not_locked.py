"""## What it does
Flags a `pip install -r FILE` (or `uv pip install -r`) whose requirements file pins its
packages with `==` but is not a full lock, and that installs them in a way that lets pip
resolve their dependencies freely: no `--require-hashes`, no `--no-deps`, no constraints
file (`-c`, `PIP_CONSTRAINT`), and a file that is not a lock by name (`*.lock`,
`*lock*.txt`), and no index (`--no-index` with `--find-links` folders that only `COPY`s
from the build context fill: pip can then install nothing but the wheels the context
ships). A file with unpinned lines is `requirements-unpinned`'s finding instead.
The finding is at the file's name in the `pip install` command.

## Why it matters
Top-level pins fix `flask==3.0.3` but not the Werkzeug, Jinja2, numpy or CUDA runtime
wheels it pulls in: those are resolved again on every build, so a rebuild of the same
commit can ship a new numpy ABI, a new tokenizer or a new `nvidia-*` wheel, and a model
that loaded yesterday fails or answers differently. A lock names every package of the
tree, and `--require-hashes` or `--no-deps` (plus `pip check`) makes pip install exactly
that.

## Example
```dockerfile
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt   # flask==3.0.3, scikit-learn==1.5.0
```

## Instead
```dockerfile
COPY requirements.lock .
RUN pip install --no-cache-dir --no-deps -r requirements.lock && pip check
```
Make the lock with `pip-compile --generate-hashes` or `uv pip compile
--generate-hashes`, or keep `requirements.txt` and add `-c constraints.txt` made the same
way. `uv sync --locked`, `poetry install` and `pdm sync` install from their lock and pass.

## Fix safety
No automatic fix: the lock has to be generated (and tested) first. What dlint cannot see:
a file that lists the whole tree by hand, or hashes (pip then checks them by itself;
dlint does not read hashes yet), passes only when installed with `--no-deps` or named as
a lock.
"""

import posixpath
import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import PipInstall, package_command, pip_installs, runs_using
from dlint.context import RequirementsFile
from dlint.finding import Problem, Severity
from dlint.model import Build, Instruction, Word
from dlint.rule import Rule

from ..layers.copy_before_install import is_within, workdir_before

LOCK_NAME = regex.compile(r"lock|constraint", re.IGNORECASE)
LOCKING_ENV = ("PIP_CONSTRAINT", "PIP_REQUIRE_HASHES", "PIP_NO_DEPS", "UV_CONSTRAINT")
LOCKING_OPTIONS = ("--no-deps", "--require-hashes", "-c", "--constraint", "--constraints")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each requirements file installed with top-level pins only."""
    for run in runs_using(build.dockerfile, "pip"):
        pips = pip_installs(run)
        if not pips or locked_by_environment(run):
            continue
        for pip in pips:
            if pip.has_option(*LOCKING_OPTIONS) or only_context_wheels(build, run, pip):
                continue
            for word in pip.requirement_files:
                files = installed_files(build, run, word)
                if not files or LOCK_NAME.search(posixpath.basename(word.text)):
                    continue
                if any(f.constraint for f in files) or not all_pinned(files):
                    continue
                yield Problem(
                    f"{word.text} pins only the packages it names, and pip resolves their "
                    "dependencies anew on every build; install a full lock with "
                    "--require-hashes or --no-deps, or add -c <constraints>",
                    word.span,
                )


def locked_by_environment(run: Instruction) -> bool:
    """``ENV PIP_CONSTRAINT=…``, ``ARG PIP_NO_DEPS=1`` or the same inline in the ``RUN``."""
    if any(run.variables.get(name) for name in LOCKING_ENV):
        return True
    return any(f"{name}=" in run.value for name in LOCKING_ENV)


def only_context_wheels(build: Build, run: Instruction, pip: PipInstall) -> bool:
    """``--no-index`` with ``--find-links`` folders filled only by copies from the context."""
    found = package_command(pip.command)
    if found is None or not pip.has_option("--no-index"):
        return False
    stage = build.dockerfile.stages[run.stage_index]
    workdir = workdir_before(build, stage, run)
    texts = [w.text.removeprefix("file://") for w in found.values("-f", "--find-links")]
    if not texts or any("://" in t or not t for t in texts):
        return False
    folders = [posixpath.normpath(posixpath.join(workdir, t)) for t in texts]
    lineage = build.dockerfile.lineage(stage)
    steps = [i for s in lineage for i in s.instructions if i.index < run.index]
    filling = [c for i in steps if (c := build.dockerfile.copy_of(i)) is not None]
    filling = [c for c in filling if any(is_within(c.destination, f) for f in folders)]
    writes = [i for i in steps if i.keyword == "RUN" and any(f in i.value for f in folders)]
    return (
        bool(filling)
        and not writes
        and all(not c.from_stage and c.sources == c.context_sources for c in filling)
    )


def installed_files(build: Build, run: Instruction, word: Word) -> list[RequirementsFile]:
    """The requirements file ``-r word`` reads in ``run``, and the files it includes."""
    name = posixpath.basename(run.resolve(word.text).text)
    mine = [f for f in build.requirements if f.installed_by is run]
    if not any(posixpath.basename(f.path) == name for f in mine):
        return []
    return mine


def all_pinned(files: list[RequirementsFile]) -> bool:
    """True when every index package of the files pins one version (and there is one)."""
    packages = [r for f in files for r in f.requirements if r.kind == "package"]
    return bool(packages) and all(r.pinned for r in packages)


RULE = Rule(
    id="D604",
    name="requirements-not-locked",
    severity=Severity.WARNING,
    summary="requirements with top-level pins only: the dependencies of the pins float",
    check=check,
    tags=("serving", "reproducibility", "python"),
)
