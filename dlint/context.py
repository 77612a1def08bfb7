"""The build context side of the model: .dockerignore, requirements files, context entries.

These records describe what lies on disk around a Dockerfile. ``dlint.load`` builds them;
rules read them through :class:`dlint.model.Build` and never touch the disk themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from dlint.dockerignore import Glob, PatternIndex
from dlint.finding import Span
from dlint.records import dataclass, field

if TYPE_CHECKING:
    from dlint.model import Copy, Instruction


@dataclass(frozen=True)
class IgnorePattern:
    """One line of a .dockerignore."""

    pattern: str
    negated: bool
    line: int
    regex: Glob
    """The compiled pattern: ``regex.fullmatch(path)`` is true when it matches ``path``."""


@dataclass(frozen=True)
class Dockerignore:
    """A parsed .dockerignore with Docker's matching rules (last match wins, ``!`` re-includes)."""

    path: str
    patterns: tuple[IgnorePattern, ...]
    text: str = field(default="", repr=False)
    _index: PatternIndex = field(init=False, repr=False, compare=False)
    _exception_prefixes: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", PatternIndex([p.regex for p in self.patterns]))
        # What a "!" line can re-include starts with its literal prefix ("" for "!**/x").
        prefixes = tuple(p.regex.prefix for p in self.patterns if p.negated)
        object.__setattr__(self, "_exception_prefixes", prefixes)

    def excludes(self, relpath: str) -> bool:
        """True when the context path ``relpath`` (posix, relative) is not sent to the builder.

        As in Docker, a pattern that matches a parent folder matches everything inside it,
        and the last pattern that matches decides.
        """
        parts = [part for part in relpath.split("/") if part]
        last = -1
        for depth in range(1, len(parts) + 1):
            last = max(last, self._index.last_match("/".join(parts[:depth])))
        return last >= 0 and not self.patterns[last].negated

    def excludes_all_of(self, folder: str) -> bool:
        """True when ``folder`` and everything inside it stay out: no ``!`` line reaches in.

        A walk of the context may then skip the folder without reading it, as BuildKit does.
        """
        if not self.excludes(folder):
            return False
        inside = folder.rstrip("/") + "/"
        return not any(
            prefix.startswith(inside) or inside.startswith(prefix)
            for prefix in self._exception_prefixes
        )


@dataclass(frozen=True)
class Requirement:
    """One requirement line.

    ``kind`` is ``package``, ``url`` (a URL or local path), ``editable`` or ``invalid``: a
    line that is no requirement at all, whose ``name`` and ``spec`` are empty so that no
    message can echo what the file holds.
    """

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
    image_path: str | None = None
    """Where the image has the file (``/app/requirements.txt``), when the build says."""
    context_path: str | None = None
    """The file's path relative to the build context (``deps/requirements.txt``)."""
    copied_by: Copy | None = field(default=None, compare=False)
    """The ``COPY``/``ADD`` that put the file into the image; None for a file pip reads
    from the context some other way (a bind mount)."""
    options: tuple[str, ...] = ()
    """The option lines' names (``--index-url``, ``--find-links``), never their values."""


@dataclass(frozen=True)
class RefusedPath:
    """A path the build names that dlint did not read, because it leaves the build context.

    Docker refuses the same paths (``COPY failed: forbidden path outside the build context:
    ../x``); dlint never opens them, so nothing outside the context is read or printed.
    ``file`` is None when ``path`` is written in the Dockerfile (``span`` is the word's,
    ``instruction`` the ``COPY``/``ADD``/``RUN`` that names it); otherwise ``file`` is the
    requirements file whose line ``span`` covers (``instruction`` is the ``RUN`` that
    installs it).
    """

    path: str
    reason: str
    span: Span
    instruction: Instruction | None = field(compare=False)
    file: str | None = None


OUTSIDE = "forbidden path outside the build context"
SYMLINK_OUTSIDE = "symlink to a path outside the build context"
NOT_REGULAR = "not a regular file"


@dataclass(frozen=True)
class ContextEntry:
    """A file or folder in the build context, with its size in bytes."""

    path: str
    size: int
    is_dir: bool
    is_virtualenv: bool = False
    excluded: bool = False
    """The .dockerignore excludes it; an excluded file or wholly excluded folder is not
    measured (``size`` 0) and such a folder's inside is not listed."""


@dataclass(frozen=True)
class ContextListing:
    """What a walk of the context found, and where it had to stop or could not look."""

    entries: tuple[ContextEntry, ...]
    stopped_at: str = ""
    """The first path left out when the walk hit its bound; empty when it saw everything."""
    unreadable: tuple[str, ...] = ()
    """Folders (relative to the context) the walk could not read."""


class Context:
    """The build context on disk, read lazily and only when a rule asks.

    Walking a large ML repository (data folders, checkpoints) costs time, so the model
    only lists what a rule asks about and caches it.
    """

    def __init__(
        self,
        root: str,
        lister: Callable[[str], ContextListing | Iterable[ContextEntry]],
        reason: str = "",
        refused: tuple[RefusedPath, ...] = (),
    ) -> None:
        self.root = root
        self.reason = reason
        """Why this folder is the build context (for findings that name it)."""
        self.refused = refused
        """Paths the Dockerfile or its requirements files name outside the context, unread."""
        self._lister = lister
        self._listing: ContextListing | None = None

    @property
    def listing(self) -> ContextListing:
        """The walk of the context, made on first use."""
        if self._listing is None:
            listed = self._lister(self.root)
            if not isinstance(listed, ContextListing):
                listed = ContextListing(tuple(listed))
            self._listing = listed
        return self._listing

    @property
    def entries(self) -> tuple[ContextEntry, ...]:
        """Top-level and nested entries, folders summarised with their total size."""
        return self.listing.entries

    @property
    def stopped_at(self) -> str:
        """Where the walk stopped at its bound (empty: ``entries`` is the whole context).

        A rule that judges the whole context should say so when this is set, rather than
        report nothing: the rest was not looked at.
        """
        return self.listing.stopped_at
