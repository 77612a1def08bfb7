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
Unsafe, and only with `dlint check --fix --unsafe-fixes --from-index`: pip's resolver is
asked what the install resolves to today for the base image's Python (an official
`python` image), and the answer becomes a `constraints.txt` beside the requirements file
(every package, dependencies included), `-c constraints.txt` in the `pip install`, and a
`COPY` of it next to the one that brings the requirements file. The image installs the
same versions as before the fix; what nobody has done yet is test them. Never over an
existing `constraints.txt`, nor for an exec-form `RUN`; docs/fixes.md ("Fixes that ask
the package index") has the details. What dlint cannot see:
a file that lists the whole tree by hand, or hashes (pip then checks them by itself;
dlint does not read hashes yet), passes only when installed with `--no-deps` or named as
a lock.
"""

import os
import posixpath
import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import PipInstall, package_command, pip_installs, runs_using
from dlint.context import RequirementsFile
from dlint.edits import insert_after
from dlint.finding import Edit, Fix, Problem, Severity, Span
from dlint.model import Build, Copy, Instruction, Word
from dlint.rule import Rule

from ..layers.copy_before_install import is_within, workdir_before
from ..packages._run import index_versions

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
            fixed = False
            for word in pip.requirement_files:
                files = installed_files(build, run, word)
                if not files or LOCK_NAME.search(posixpath.basename(word.text)):
                    continue
                if any(f.constraint for f in files) or not all_pinned(files):
                    continue
                # One constraints file for the install: only its first file offers it.
                fix = None if fixed else constraints_fix(build, run, pip, word, files)
                fixed = fixed or fix is not None
                yield Problem(
                    f"{word.text} pins only the packages it names, and pip resolves their "
                    "dependencies anew on every build; install a full lock with "
                    "--require-hashes or --no-deps, or add -c <constraints>",
                    word.span,
                    fix,
                )


CONSTRAINTS_NAME = "constraints.txt"


def constraints_fix(
    build: Build, run: Instruction, pip: PipInstall, word: Word, files: list[RequirementsFile]
) -> Fix | None:
    """With ``--from-index``: write what pip resolves the install to today as a
    constraints file beside the requirements file, copy it into the image next to it, and
    add ``-c`` for it to the ``pip install``."""
    resolved = index_versions(build, run, pip)
    named = next(
        (f for f in files if f.context_path and posixpath.basename(f.path) == word.text), None
    )
    named = named or next((f for f in files if f.installed_by is run and f.context_path), None)
    if resolved is None or named is None or build.context is None or run.exec_form is not None:
        return None
    if "$" in word.text or named.image_path is None or named.context_path is None:
        return None
    relpath = posixpath.join(posixpath.dirname(named.context_path), CONSTRAINTS_NAME)
    root = build.context.root
    if os.path.lexists(os.path.join(root, relpath)):
        return None  # a file of that name is the user's: never overwritten
    if build.dockerignore is not None and build.dockerignore.excludes(relpath):
        return None
    image_path = posixpath.join(posixpath.dirname(named.image_path), CONSTRAINTS_NAME)
    versions, source = resolved
    header = (
        f"# Constraints for {posixpath.basename(named.context_path)}, written by dlint check "
        "--fix --unsafe-fixes --from-index:\n"
        f"# the versions pip resolved it to from {source}.\n"
        "# Test the image, then keep this file current with pip-compile or uv pip compile.\n"
    )
    text = header + "".join(f"{name}=={versions[name]}\n" for name in sorted(versions))
    edits = [
        Edit(Span.of(1, 1, 1, 1), text, posixpath.normpath(posixpath.join(root, relpath))),
        Edit(
            Span(word.span.end, word.span.end),
            f" -c {posixpath.join(posixpath.dirname(word.text), CONSTRAINTS_NAME)}",
        ),
    ]
    copy = named.copied_by
    if copy is not None and not brings_along(copy, named.context_path, relpath):
        if copy.from_stage is not None or copy.instruction.exec_form is not None:
            return None
        destination = shell_word(image_path)
        named_path = posixpath.join(copy.destination, posixpath.basename(named.context_path))
        if copy.destination_word is not None and named.image_path == named_path:
            destination = copy.destination_word.raw  # a folder: the same folder, as written
        line = f"COPY {shell_word(relpath)} {destination}"
        edits.append(insert_after(build.dockerfile, copy.instruction, [line]))
    return Fix(
        f"pin the dependencies of {word.text} in {relpath} (from {source})",
        tuple(edits),
        False,
        reshapes=True,
        changes=(f"files:{image_path}",),
    )


def brings_along(copy: Copy, relpath: str, sibling: str) -> bool:
    """True when ``copy``, which brings the context file ``relpath``, brings ``sibling``
    (a file in the same folder) too: it copies the whole context or a folder of both."""
    for source in copy.context_sources:
        if source.path is None or source.is_glob or source.path == relpath:
            continue
        if source.whole_context or is_within(sibling, source.path):
            return True
    return False


def shell_word(path: str) -> str:
    """``path`` as a word of a COPY line (quoted when it holds a space)."""
    if not any(c.isspace() for c in path):
        return path
    import json

    return json.dumps(path)


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
    fixable=True,
)
