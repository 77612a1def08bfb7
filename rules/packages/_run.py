"""What the package rules share: stages that reach the image, RUN mounts, constraints.

Rules about what the image carries (apt lists, pip's cache, compilers) judge the final
stage and the stages it is built ``FROM``; a builder stage whose files are copied
selectively leaves its caches behind.
"""

from __future__ import annotations

import posixpath

from dlint.commands import PipInstall
from dlint.model import Build, Instruction
from dlint.requirements import URL_OR_PATH, requirement_name


def discarded_mounts(instruction: Instruction) -> list[str]:
    """Targets of the ``--mount=type=cache|tmpfs`` flags: folders whose writes skip the layer."""
    targets = []
    for flag in instruction.flags:
        if flag.name != "mount" or not flag.value:
            continue
        fields = dict(part.partition("=")[::2] for part in flag.value.split(","))
        target = fields.get("target") or fields.get("dst") or fields.get("destination")
        if fields.get("type") in ("cache", "tmpfs") and target:
            targets.append(posixpath.normpath(instruction.resolve(target).text))
    return targets


def constrained(build: Build, run: Instruction | None) -> set[str]:
    """Names that a constraints file installed by ``run`` pins to one exact version."""
    if run is None:
        return set()
    return {
        r.name
        for f in build.requirements
        if f.constraint and f.installed_by is not None and f.installed_by.index == run.index
        for r in f.requirements
        if r.kind == "package" and r.pinned
    }


# pip options that make an install resolve against another index or other releases than
# the one ``--from-index`` asks: no fix is made from its answer then.
OTHER_SOURCES = frozenset(
    {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-index", "--pre"}
)


def install_specs(build: Build, run: Instruction, pip: PipInstall) -> list[str] | None:
    """The requirements one ``pip install`` of ``run`` resolves together: its package
    words and the package lines of the requirements files it reads; None when dlint cannot
    hand all of it to the package index as it is (a variable, a URL, an editable, a
    constraints file, an index option)."""
    if pip.has_option(*OTHER_SOURCES) or pip.constraint_files or pip.editables or pip.unknown:
        return None
    specs = []
    for word in pip.packages:
        resolved = run.resolve(word.text)
        name = requirement_name(resolved.text) if resolved.complete and word.known else None
        if name is None or "/" in resolved.text or URL_OR_PATH.search(resolved.text):
            return None
        specs.append(resolved.text)
    if pip.requirement_files:
        files = [f for f in build.requirements if f.installed_by is run]
        if not files or any(f.constraint or f.options for f in files):
            return None
        for file in files:
            for requirement in file.requirements:
                if requirement.kind != "package":
                    return None
                specs.append(requirement.spec)
    return specs


def index_versions(
    build: Build, run: Instruction, pip: PipInstall
) -> tuple[dict[str, str], str] | None:
    """What the package index resolves ``pip``'s requirements to on ``run``'s base image,
    when the run asked it (``--from-index``): canonical name -> version, and where from."""
    if build.index is None:
        return None
    from dlint.indexfacts import stage_target

    target = stage_target(build, run.stage_index)
    specs = install_specs(build, run, pip)
    if target is None or not specs:
        return None
    found = build.index.resolve(specs, target)
    if found is None:
        return None
    return found, f"the package index, for {target.label}"
