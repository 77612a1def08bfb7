"""What the package rules share: stages that reach the image, RUN mounts, constraints.

Rules about what the image carries (apt lists, pip's cache, compilers) judge the final
stage and the stages it is built ``FROM``; a builder stage whose files are copied
selectively leaves its caches behind.
"""

from __future__ import annotations

import posixpath

from dlint.model import Build, Instruction


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
