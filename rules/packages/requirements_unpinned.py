"""## What it does
Flags each package line of a requirements file the image installs (`pip install -r
FILE`, and the files it includes with `-r`) that does not pin one exact version with
`==` (or `===`, or a direct URL). A package that a constraints file installed by the same
instruction pins exactly passes. The finding points at the line in the requirements file.
Hashes, environment markers, extras, comments and continuation lines are understood;
local paths, URLs and `-e` lines are not packages from an index and pass. dlint reads
the files it can trace from the `COPY` instructions into the build context.

## Why it matters
A requirements file with ranges resolves to whatever is newest on the day of the
build, so two builds of the same commit ship different libraries. For a model service
that means a model that loaded yesterday can fail, or answer differently, today.

## Example
```text
# requirements.txt
torch>=2.0
transformers
```

## Instead
```text
torch==2.3.1
transformers==4.44.2
```
Generate the pins with `pip-compile` or `uv pip compile` from a loose `requirements.in`,
or keep the loose file and add a constraints file: `pip install -r requirements.txt -c
constraints.txt`.

## Fix safety
Unsafe, and only from a lock the project keeps: when the `uv.lock` or `poetry.lock` at the
top of the build context locks the package (from an index, at one version) and that
version meets the line's own range, the line becomes `name[extras]==version` (its marker,
hashes and comment kept). Without a lock, only with `--from-index`: the version pip's
resolver installs for the `pip install` today, on the base image's Python (docs/fixes.md,
"Fixes that ask the package index"). Otherwise there is no fix: only you know which
version you tested.
"""

import posixpath
from collections.abc import Iterator

from dlint.commands import pip_installs
from dlint.context import Requirement
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Instruction
from dlint.requirements import pinned_requirement
from dlint.rule import Rule

from ._run import constrained, index_versions
from .pip_unpinned import PINNED_FILES


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every unpinned package line of an installed requirements file."""
    for requirements in build.requirements:
        if requirements.constraint:
            continue
        pinned_names = constrained(build, requirements.installed_by)
        for requirement in requirements.requirements:
            if requirement.kind != "package" or requirement.pinned:
                continue
            if requirement.name in pinned_names:
                continue
            yield Problem(
                f"requirement '{requirement.spec}' is not pinned to one version; "
                f"pin it as '{requirement.name}==<version>' or in a constraints file",
                requirement.span,
                lock_fix(build, requirements.path, requirement, requirements.installed_by),
                file=requirements.path,
            )


def lock_fix(
    build: Build, path: str, requirement: Requirement, run: Instruction | None = None
) -> Fix | None:
    """The line pinned to the version a lock of the context holds (or, with
    ``--from-index``, that the package index resolves ``run``'s install to), when it meets
    the range."""
    span = requirement.span
    if span.start.line != span.end.line or span.end.column - span.start.column != len(
        requirement.spec
    ):
        return None  # a line continued with a backslash: its text is not all in the span
    # The image's copy of the requirements file changes too (wherever a COPY put it).
    changes: tuple[str, ...] = (f"files:**/{posixpath.basename(path)}", *PINNED_FILES)
    locked = build.locked_version(requirement.name)
    if locked is None and build.index is not None and run is not None:
        # What pip resolves the run's install to, today (--from-index): the packages stay
        # the versions the build installs now, only the file changes.
        resolved = next(
            (
                found
                for pip in pip_installs(run)
                if pip.requirement_files
                if (found := index_versions(build, run, pip)) is not None
            ),
            None,
        )
        version = resolved[0].get(requirement.name) if resolved else None
        if resolved and version:
            locked, changes = (version, resolved[1]), changes[:1]
    pinned = None if locked is None else pinned_requirement(requirement.spec, locked[0])
    if locked is None or pinned is None:
        return None
    edit = Edit(span, pinned, path)
    return Fix(f"pin {pinned} (from {locked[1]})", (edit,), False, changes=changes)


RULE = Rule(
    id="D201",
    name="requirements-unpinned",
    severity=Severity.WARNING,
    summary="a requirements file the image installs has a package without an exact == pin",
    check=check,
    tags=("reproducibility", "python"),
    fixable=True,
)
