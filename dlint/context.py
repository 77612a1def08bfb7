"""The build context side of the model: .dockerignore, requirements files, context entries.

These records describe what lies on disk around a Dockerfile. ``dlint.load`` builds them;
rules read them through :class:`dlint.model.Build` and never touch the disk themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from dlint.finding import Span

if TYPE_CHECKING:
    from dlint.model import Instruction


@dataclass(frozen=True)
class IgnorePattern:
    """One line of a .dockerignore."""

    pattern: str
    negated: bool
    line: int
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Dockerignore:
    """A parsed .dockerignore with Docker's matching rules (last match wins, ``!`` re-includes)."""

    path: str
    patterns: tuple[IgnorePattern, ...]
    text: str = field(default="", repr=False)

    def excludes(self, relpath: str) -> bool:
        """True when the context path ``relpath`` (posix, relative) is not sent to the builder.

        As in Docker, a pattern that matches a parent folder matches everything inside it,
        and the last pattern that matches decides.
        """
        parts = PurePosixPath(relpath).parts
        prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
        excluded = False
        for pattern in self.patterns:
            if any(pattern.regex.fullmatch(prefix) for prefix in prefixes):
                excluded = not pattern.negated
        return excluded


@dataclass(frozen=True)
class Requirement:
    """One requirement line (a package, URL, path or editable install)."""

    name: str
    spec: str
    span: Span
    pinned: bool
    kind: str


@dataclass(frozen=True)
class RequirementsFile:
    """A requirements or constraints file the image installs."""

    path: str
    requirements: tuple[Requirement, ...]
    constraint: bool
    installed_by: Instruction | None


@dataclass(frozen=True)
class ContextEntry:
    """A file or folder in the build context, with its size in bytes."""

    path: str
    size: int
    is_dir: bool
    is_virtualenv: bool = False


class Context:
    """The build context on disk, read lazily and only when a rule asks.

    Walking a large ML repository (data folders, checkpoints) costs time, so the model
    only lists what a rule asks about and caches it.
    """

    def __init__(
        self, root: str, lister: Callable[[str], Iterable[ContextEntry]], reason: str = ""
    ) -> None:
        self.root = root
        self.reason = reason
        """Why this folder is the build context (for findings that name it)."""
        self._lister = lister
        self._entries: tuple[ContextEntry, ...] | None = None

    @property
    def entries(self) -> tuple[ContextEntry, ...]:
        """Top-level and nested entries, folders summarised with their total size."""
        if self._entries is None:
            self._entries = tuple(self._lister(self.root))
        return self._entries
