"""What a build takes from its context: whole-context copies and paths copied by name.

Shared by the .dockerignore rules. ``COPY . .`` sends and bakes in everything the
.dockerignore lets through, so only such a copy makes the .dockerignore matter; a path a
``COPY`` names must stay in the context, so no rule may ask to exclude it.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from dlint.model import Build, Word

# Sources that take the whole context: "." (also "./", "/", "src/..") and "*", which
# matches every top-level entry, dotfiles included.
WHOLE_CONTEXT = frozenset({".", "*"})


@dataclass(frozen=True)
class ContextSource:
    """A source word of a ``COPY``/``ADD`` that reads the build context."""

    word: Word
    path: str

    @property
    def is_whole_context(self) -> bool:
        """True for ``COPY . .`` and its spellings."""
        return self.path in WHOLE_CONTEXT

    def needs(self, path: str) -> bool:
        """True when excluding ``path`` would break this copy: it names ``path`` or its inside.

        Excluding ``src/__pycache__`` does not break ``COPY src``; excluding ``data`` does
        break ``COPY data/vocab.txt``.
        """
        if self.is_whole_context:
            return False
        wanted, parts = self.path.split("/"), path.split("/")
        if self.path.startswith(path + "/"):
            return True
        return len(wanted) == len(parts) and all(map(fnmatch.fnmatchcase, parts, wanted))


def context_sources(build: Build) -> Iterator[ContextSource]:
    """Every context source of every stage; ``--from`` copies, URLs and heredocs are not."""
    for stage in build.dockerfile.stages:
        for copy in stage.of("COPY", "ADD"):
            if copy.flag("from") is not None:
                continue
            for word in copy.arguments[:-1]:
                resolved = copy.resolve(word.text)
                text = resolved.text
                if not resolved.complete or text.startswith(("<<", "git@")) or "://" in text:
                    continue
                path = posixpath.normpath(text).lstrip("/") or "."
                yield ContextSource(word, path)


def whole_context_copies(build: Build) -> list[ContextSource]:
    """The sources that copy the whole context, in Dockerfile order."""
    return [s for s in context_sources(build) if s.is_whole_context]
