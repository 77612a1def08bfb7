"""The disk side of :mod:`dlint.app`: the files of the image, read from the build context.

``load_app`` is what :attr:`dlint.model.Build.app` calls the first time a rule asks. It
maps an image path back to the context file a ``COPY``/``ADD`` put there (through
``COPY --from`` of a stage that copied it from the context, too) and reads it with care:
the real path must stay inside the context (a symlink out of it is refused, as the
builder would not send its target), only regular files, at most ``MAX_BYTES`` each and
``MAX_READS`` in all, text that decodes as UTF-8, never a file the ``.dockerignore``
keeps out. Anything that cannot be read is unknown; nothing here raises.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

from dlint.app import App, Source, build_app
from dlint.load import display
from dlint.model import Build, Copy, Dockerfile

MAX_BYTES = 1_000_000
MAX_READS = 64
MAX_STAGE_HOPS = 4


def load_app(build: Build) -> App:
    """What the final image runs, with the code it runs read from the build context."""
    return build_app(build.dockerfile, ContextReader(build))


class ContextReader:
    """Image path -> the context file that lands there, read safely; None when unknown."""

    def __init__(self, build: Build) -> None:
        self.build = build
        root = build.context.root if build.context is not None else None
        self.root = os.path.realpath(root) if root is not None else None
        self.reads = 0
        self.cache: dict[str, Source | None] = {}

    def __call__(self, image_path: str) -> Source | None:
        path = posixpath.normpath(image_path)
        if path not in self.cache:
            self.cache[path] = self._find(path)
        return self.cache[path]

    def _find(self, image_path: str) -> Source | None:
        if self.root is None:
            return None
        dockerfile = self.build.dockerfile
        final = dockerfile.final_stage
        if final is None:
            return None
        for relpath in context_paths(dockerfile, final.index, image_path, MAX_STAGE_HOPS):
            text = self._read(relpath)
            if text is not None:
                return Source(display(Path(self.root, relpath)), image_path, text)
        return None

    def _read(self, relpath: str) -> str | None:
        """The text of context file ``relpath``, or None when it must not or cannot be read."""
        ignore = self.build.dockerignore
        if ignore is not None and ignore.excludes(relpath):
            return None
        if self.reads >= MAX_READS or self.root is None:
            return None
        real = os.path.realpath(os.path.join(self.root, relpath))
        if os.path.commonpath([real, self.root]) != self.root:
            return None
        try:
            info = os.stat(real)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
                return None
            self.reads += 1
            with open(real, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except (OSError, ValueError):
            return None
        if len(data) > MAX_BYTES or b"\0" in data[:8192]:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None


def context_paths(
    dockerfile: Dockerfile, stage_index: int, image_path: str, hops: int
) -> list[str]:
    """Context paths that may be the file at ``image_path`` in stage ``stage_index``.

    The latest copy wins, as in the image; a ``COPY --from`` of another stage is followed
    into that stage's own copies, ``hops`` times at most.
    """
    stage = dockerfile.stages[stage_index]
    lineage = sorted(dockerfile.lineage(stage), key=lambda s: s.index)  # in file order
    found: list[str] = []
    copies = [
        copy
        for s in lineage
        for instruction in s.of("COPY", "ADD")
        if not instruction.onbuild and (copy := dockerfile.copy_of(instruction)) is not None
    ]
    for copy in reversed(copies):
        if copy.from_stage is None:
            found += copy.candidates(image_path)
        elif hops > 0:
            source_stage = _stage_index(dockerfile, copy.from_stage, copy.instruction.stage_index)
            if source_stage is None:
                continue
            for path in _stage_paths(copy, image_path):
                found += context_paths(dockerfile, source_stage, path, hops - 1)
    return list(dict.fromkeys(found))


def _stage_index(dockerfile: Dockerfile, name: str, before: int) -> int | None:
    """The stage ``--from=name`` names (by name or number), if it is one of this file."""
    for stage in dockerfile.stages[:before]:
        if stage.name is not None and stage.name.lower() == name.lower():
            return stage.index
    if name.isdigit() and int(name) < before:
        return int(name)
    return None


def _stage_paths(copy: Copy, image_path: str) -> list[str]:
    """Paths in the source stage that ``COPY --from`` may have put at ``image_path``."""
    target = posixpath.normpath(image_path)
    folder = copy.destination.rstrip("/") or "/"
    found = []
    for source in copy.sources:
        if source.kind != "stage" or source.path is None:
            continue
        if target == folder and not copy.into_folder:
            found.append(source.path)
        if folder == "/" or target.startswith(folder + "/"):
            inside = target[len(folder) :].lstrip("/")
            found.append(posixpath.join(source.path, inside))
            name = inside.split("/", 1)[0]
            if name == posixpath.basename(source.path):
                found.append(posixpath.join(posixpath.dirname(source.path), inside))
    return found
