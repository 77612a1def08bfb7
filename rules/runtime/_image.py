"""What the final image carries: instructions along the final stage's lineage.

Shared by the runtime rules, which all judge the image ``docker build`` produces rather
than one stage: a ``USER``, ``ENV`` or ``CMD`` in a stage the final stage is built
``FROM`` carries over, one in a builder stage it only copies from does not.
"""

from __future__ import annotations

from dlint.model import Dockerfile, Instruction


def last(dockerfile: Dockerfile, keyword: str) -> Instruction | None:
    """The instruction with ``keyword`` that the final image ends up with, if any."""
    found = dockerfile.in_final_image(keyword)
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
