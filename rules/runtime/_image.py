"""What the final image carries: instructions along the final stage's lineage.

Shared by the runtime rules, which all judge the image ``docker build`` produces rather
than one stage: a ``USER``, ``ENV`` or ``CMD`` in a stage the final stage is built
``FROM`` carries over, one in a builder stage it only copies from does not, and an
``ONBUILD`` one configures a later image, not this one. The one definition is in
:mod:`dlint.app`, which the serving rules use too.
"""

from __future__ import annotations

from dlint.app import last
from dlint.app import start_instructions as start_command

__all__ = ["last", "start_command"]
