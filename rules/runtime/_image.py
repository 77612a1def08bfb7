"""What the final image carries: instructions along the final stage's lineage.

Shared by the runtime rules, which all judge the image ``docker build`` produces rather
than one stage: a ``USER``, ``ENV`` or ``CMD`` in a stage the final stage is built
``FROM`` carries over, one in a builder stage it only copies from does not.
"""

from __future__ import annotations

from dlint.model import Dockerfile, Instruction, Stage


def final_lineage(dockerfile: Dockerfile) -> list[Stage]:
    """The final stage and the stages it is built ``FROM``, nearest first."""
    final = dockerfile.final_stage
    return dockerfile.lineage(final) if final is not None else []


def inherited(dockerfile: Dockerfile, *keywords: str) -> list[Instruction]:
    """Instructions with ``keywords`` that reach the final image, in build order."""
    stages = reversed(final_lineage(dockerfile))
    return [i for stage in stages for i in stage.of(*keywords)]


def last(dockerfile: Dockerfile, keyword: str) -> Instruction | None:
    """The instruction with ``keyword`` that the final image ends up with, if any."""
    found = inherited(dockerfile, keyword)
    return found[-1] if found else None


def start_command(dockerfile: Dockerfile) -> tuple[Instruction | None, Instruction | None]:
    """The ``ENTRYPOINT`` and ``CMD`` the final image starts with.

    As in Docker, an ``ENTRYPOINT`` set after a ``CMD`` (in a later stage of the lineage)
    resets that inherited ``CMD``.
    """
    entrypoint, cmd = last(dockerfile, "ENTRYPOINT"), last(dockerfile, "CMD")
    if entrypoint and cmd and cmd.stage_index < entrypoint.stage_index:
        cmd = None
    return entrypoint, cmd
