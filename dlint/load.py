"""Read files from disk and assemble the :class:`dlint.model.Build` a rule sees.

This is the only module of the lint path that touches the file system: finding
Dockerfiles, decoding them, locating the ``.dockerignore`` that BuildKit would use,
following ``pip install -r`` into the build context and listing the context lazily.
"""

from __future__ import annotations

import errno
import functools
import os
import posixpath
import re
import stat
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import NoReturn

from dlint import regex
from dlint.commands import pip_installs
from dlint.context import (
    NOT_REGULAR,
    OUTSIDE,
    SYMLINK_OUTSIDE,
    Context,
    ContextEntry,
    ContextListing,
    Dockerignore,
    IgnorePattern,
    RefusedPath,
    RequirementsFile,
)
from dlint.dockerignore import Glob
from dlint.finding import Span
from dlint.model import Build, Copy, Dockerfile, Instruction
from dlint.records import dataclass, field
from dlint.requirements import option_names, parse_requirements

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
DOCKERFILE_GLOBS = (
    *("Dockerfile.*", "Dockerfile-*", "Dockerfile_*"),
    *("Containerfile.*", "Containerfile-*", "Containerfile_*"),
    *("*.Dockerfile", "*.dockerfile", "*.Containerfile", "*.containerfile"),
)
DOCKERFILE_NAME = regex.globs(DOCKERFILE_GLOBS)
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox"})
# Files named like a Dockerfile that are something else: ignore files, docs, editor and
# merge leftovers, templates that only render into a Dockerfile, scripts and data.
NOT_DOCKERFILE_SUFFIXES = (
    *(".dockerignore", ".md", ".rst", ".txt", ".html", ".pdf"),
    *(".orig", ".bak", ".swp", ".swo", ".rej", ".old", ".tmp", "~", ".patch", ".diff"),
    *(".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".mustache", ".erb"),
    *(".sh", ".py", ".yml", ".yaml", ".json", ".toml", ".lock", ".log", ".sig", ".asc"),
)
OPAQUE_DIRS = frozenset({".git", "node_modules", "__pycache__", ".ipynb_checkpoints", ".hg"})
MAX_CONTEXT_ENTRIES = 500_000  # about 100 MB of entries; past it the listing says so
MAX_GLOB_MATCHES = 10000
WILDCARD = regex.compile(r"[*?\[]")


class InputError(Exception):
    """A file cannot be read or found; the CLI prints it as one line and exits 2."""


def read_text(path: Path, what: str = "file") -> str:
    """Read a UTF-8 text file, turning every failure into one clear :class:`InputError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a {what}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    return decode(data, str(path))


def decode(data: bytes, name: str) -> str:
    """Decode text, refusing binary data with a clear message."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _looks_utf16(data[:8192]):
        # What PowerShell's '>' and some Windows editors write: Docker reads the file as
        # UTF-8 and fails on the first line, so say what it is rather than "binary".
        raise InputError(f"{name}: UTF-16 text; Docker reads it as UTF-8: save it as UTF-8")
    if b"\0" in data[:8192]:
        raise InputError(f"{name}: binary file, not a Dockerfile")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not valid UTF-8 text (byte {error.start})") from None


def _looks_utf16(sample: bytes) -> bool:
    """ASCII text in UTF-16 without a BOM: every other byte is NUL, the rest are not."""
    if len(sample) < 4:
        return False
    for zeros, chars in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
        if zeros.count(0) == len(zeros) and chars.count(0) == 0:
            return True
    return False


def is_virtualenv(path: Path | str) -> bool:
    """True for a folder that is a Python virtual environment."""
    # os.path.isfile, unlike Path.is_file, is False for a folder it may not read.
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def is_dockerfile_name(name: str) -> bool:
    """True for file names dlint treats as Dockerfiles."""
    if name in DOCKERFILE_NAMES:
        return True
    if name.endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    return DOCKERFILE_NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class Found:
    """A Dockerfile that discovery found, or (``problem`` set) a path it could not use.

    ``problem`` is one line for the user: a looping or broken symlink, a FIFO, a folder
    that cannot be read. The other files are still checked.
    """

    path: Path
    problem: str | None = None


class UnreadablePath(type(Path())):  # type: ignore[misc]
    """A path discovery will not read: opening it raises its ``problem`` as InputError.

    The engine reads a target's file with :func:`read_text`, so a target holding this path
    turns into its one error line there, in order, while the other targets are checked.
    ``resolve`` does not follow the link (it may loop or lead out of the checked folder).
    """

    problem: str

    @classmethod
    def of(cls, path: Path, problem: str) -> UnreadablePath:
        """``path``, carrying ``problem``."""
        unreadable = cls(path)
        unreadable.problem = problem
        return unreadable

    def open(self, *args: object, **kwargs: object) -> NoReturn:
        """Refuse: this path is not to be read."""
        raise InputError(self.problem)

    def resolve(self, strict: bool = False) -> Path:
        """The absolute path, symlinks not followed."""
        return Path(os.path.abspath(self))


def path_problem(path: Path) -> tuple[os.stat_result | None, str | None]:
    """``stat`` of ``path`` (symlinks followed), or a one-line reason why there is none."""
    try:
        return os.stat(path), None
    except FileNotFoundError:
        if os.path.islink(path):
            return None, f"{path}: broken symlink (to {os.readlink(path)})"
        return None, f"{path}: no such file or directory"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None, f"{path}: symlink loop"
        return None, f"{path}: cannot read: {error.strerror}"


def not_regular(path: Path, mode: int) -> str:
    """The line for a Dockerfile name that is no regular file; reading it could block."""
    kind = (
        "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a file"
    )
    return f"{path}: {kind}, not a regular file; skipped"


def discover(path: Path) -> list[Found]:
    """Dockerfiles under ``path`` (itself, when it is a file), in a stable order.

    What cannot be read is a :class:`Found` with a problem, never an exception, so one bad
    path does not stop the others. A Dockerfile found in a folder is not read when it is
    a symlink to a file outside that folder.
    """
    info, problem = path_problem(path)
    if info is None:
        return [Found(path, problem)]
    if stat.S_ISREG(info.st_mode):
        return [Found(path)]
    if not stat.S_ISDIR(info.st_mode):
        return [Found(path, not_regular(path, info.st_mode))]
    root_real = os.path.realpath(path)
    found: list[Found] = []
    problems: list[Found] = []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else path
        if isinstance(error, FileNotFoundError):
            problems.append(Found(where, f"{where}: disappeared while it was being read"))
        else:
            problems.append(Found(where, f"{where}: cannot read folder: {error.strerror}"))

    for root, dirs, files in os.walk(path, onerror=unreadable):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not is_virtualenv(here / d))
        for name in sorted(files):
            if is_dockerfile_name(name):
                found.append(_found_in_tree(here / name, root_real))
    if not found and not problems:
        looked = "Dockerfile, Dockerfile-*, *.Dockerfile, ..."
        return [Found(path, f"{path}: no Dockerfile found (looked for {looked})")]
    return found + problems


def _found_in_tree(path: Path, root_real: str) -> Found:
    """A Dockerfile name met in a folder walk: usable, or why not."""
    info, problem = path_problem(path)
    if info is None:
        return Found(path, problem)
    if not is_within(os.path.realpath(path), root_real):
        return Found(path, f"{path}: symlink to a file outside the checked folder; not read")
    if not stat.S_ISREG(info.st_mode):
        return Found(path, not_regular(path, info.st_mode))
    return Found(path)


def parse_dockerignore(text: str, path: str) -> Dockerignore:
    """Parse .dockerignore text: comments, ``!`` exceptions, cleaned paths."""
    patterns = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        # As in Docker, only a "#" in the first column starts a comment.
        if not stripped or line.startswith("#"):
            continue
        negated = stripped.startswith("!")
        body = stripped[1:].strip() if negated else stripped
        if not body:
            continue  # a lone "!" is an error for Docker, not "re-include everything"
        cleaned = posixpath.normpath(body)
        # Docker keeps "/" and "." as patterns that match no path.
        cleaned = cleaned.lstrip("/") if len(cleaned) > 1 else cleaned
        try:
            regex = Glob(cleaned)
        except re.error:
            continue  # a malformed pattern such as "[]", which Docker refuses
        patterns.append(IgnorePattern(cleaned, negated, number, regex))
    return Dockerignore(path, tuple(patterns), text)


def find_dockerignore(
    dockerfile: Path, files: ContextFiles, refused: list[RefusedPath]
) -> Path | None:
    """The ignore file BuildKit uses: ``<Dockerfile>.dockerignore`` first, then the context's.

    Neither is read when it is a symlink out of both the context and the Dockerfile's folder.
    """
    beside = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if os.path.lexists(beside):
        real = os.path.realpath(beside)
        if is_within(real, os.path.realpath(beside.parent)) or is_within(real, files.real):
            if is_regular(beside):
                return beside
        else:
            refused.append(RefusedPath(beside.name, SYMLINK_OUTSIDE, Span.of(1, 1, 1, 1), None))
            return None
    path, reason = files.file(".dockerignore")
    if reason is not None:
        refused.append(RefusedPath(".dockerignore", reason, Span.of(1, 1, 1, 1), None))
    return path


def list_context(root: str, dockerignore: Dockerignore | None = None) -> ContextListing:
    """Walk the whole context: every file, and every folder with its total size.

    Folders that are never useful to look inside (``.git``, ``node_modules``, virtualenvs,
    caches) are summarised as one entry each. A folder the ``.dockerignore`` excludes with
    everything in it is one entry too, never read: BuildKit does not send it, and an ML
    repository keeps most of its bytes there. Files are ``stat``-ed once (through
    ``os.scandir``), excluded ones not at all. After MAX_CONTEXT_ENTRIES entries the walk
    stops and the listing says where.
    """
    # (path, is_dir, is_virtualenv, excluded, size or None for a folder still to add up)
    found: list[tuple[str, bool, bool, bool, int | None]] = []
    unreadable: list[str] = []
    stopped = ""
    # Depth first in name order, so a folder's entries come right after it: the stack
    # holds entries still to visit, the next one on top.
    stack: list[tuple[os.DirEntry[str], str]] = []

    def scan(folder: str, rel: str) -> None:
        try:
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda e: e.name, reverse=True)
        except OSError:
            unreadable.append(rel.rstrip("/") or ".")
            return
        stack.extend((child, f"{rel}{child.name}") for child in children)

    scan(root, "")
    while stack:
        child, child_rel = stack.pop()
        if len(found) >= MAX_CONTEXT_ENTRIES:
            stopped = child_rel
            break
        excluded = dockerignore is not None and dockerignore.excludes(child_rel)
        try:
            is_dir = child.is_dir(follow_symlinks=False)
            if not is_dir:
                size = 0 if excluded else child.stat(follow_symlinks=False).st_size
                found.append((child_rel, False, False, excluded, size))
                continue
        except OSError:  # vanished since its folder was listed
            continue
        if excluded and dockerignore is not None and dockerignore.excludes_all_of(child_rel):
            found.append((child_rel, True, False, True, 0))
            continue
        venv = is_virtualenv(child.path)
        if child.name in OPAQUE_DIRS or venv:
            found.append((child_rel, True, venv, excluded, folder_size(Path(child.path))))
            continue
        found.append((child_rel, True, False, excluded, None))
        scan(child.path, child_rel + "/")
    return ContextListing(summed(found), stopped, tuple(unreadable))


def summed(found: list[tuple[str, bool, bool, bool, int | None]]) -> tuple[ContextEntry, ...]:
    """Entries with each walked folder's size: the sum of what lies below it."""
    sizes: dict[str, int] = {}
    for path, _is_dir, _venv, _excluded, size in found:
        parent = path.rpartition("/")[0]
        while size and parent:
            sizes[parent] = sizes.get(parent, 0) + size
            parent = parent.rpartition("/")[0]
    return tuple(
        ContextEntry(path, sizes.get(path, 0) if size is None else size, is_dir, venv, excluded)
        for path, is_dir, venv, excluded, size in found
    )


def folder_size(path: Path) -> int:
    """Total size in bytes of the files under ``path``."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def load_build(
    dockerfile: Dockerfile, context_dir: Path | None, dockerfile_path: Path | None
) -> Build:
    """Assemble the build: the parsed Dockerfile plus what its context holds.

    Nothing outside the context is read: paths that leave it are recorded as refused.
    """
    if context_dir is None:
        return Build(dockerfile, None, None, ())
    files = ContextFiles(context_dir)
    refused = list(_refused_copy_sources(dockerfile, files))
    ignore_path = find_dockerignore(dockerfile_path or context_dir / "Dockerfile", files, refused)
    dockerignore = None
    if ignore_path is not None:
        dockerignore = parse_dockerignore(read_text(ignore_path), display(ignore_path))
    requirements = tuple(_installed_requirements(dockerfile, files, refused))
    context = Context(
        str(context_dir),
        functools.partial(list_context, dockerignore=dockerignore),
        reason=context_reason(dockerfile_path, context_dir),
        refused=tuple(dict.fromkeys(refused)),
    )
    return Build(dockerfile, context, dockerignore, requirements)


def display(path: Path) -> str:
    """How findings name a file: relative to the working directory when below it."""
    # realpath, unlike Path.resolve, never raises: a looping symlink keeps its own name.
    try:
        return str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        return str(path)


def is_within(real: str, root_real: str) -> bool:
    """True when the resolved path ``real`` is ``root_real`` or inside it."""
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def is_regular(path: Path | str) -> bool:
    """True for a regular file (after symlinks): never a FIFO, socket or device to block on."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def climbs_out(relpath: str) -> bool:
    """True when a context path written in the build climbs above the context with ``..``."""
    clean = posixpath.normpath(relpath.lstrip("/") or ".")
    return clean == ".." or clean.startswith("../")


class ContextFiles:
    """The build context on disk. Every lookup stays inside it.

    A path that climbs out with ``..`` or reaches out through a symlink is refused, never
    opened; globs are matched over a walk of the context, never by the host's glob.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real = os.path.realpath(root)
        # One Dockerfile names the same sources again and again (a file of thousands of
        # stages); each is resolved on disk once per check.
        self._resolved: dict[str, tuple[Path | None, str | None]] = {}
        self._files: dict[str, tuple[Path | None, str | None]] = {}

    def _inside(self, relpath: str) -> tuple[Path | None, str | None]:
        """The path for ``relpath`` and None, or None and why it is refused."""
        found = self._resolved.get(relpath)
        if found is None:
            found = self._resolved[relpath] = self._resolve(relpath)
        return found

    def _resolve(self, relpath: str) -> tuple[Path | None, str | None]:
        if climbs_out(relpath):
            return None, OUTSIDE
        clean = posixpath.normpath(relpath.lstrip("/") or ".")
        path = self.root if clean == "." else self.root / clean
        if not is_within(os.path.realpath(path), self.real):
            return None, SYMLINK_OUTSIDE
        return path, None

    def refusal(self, relpath: str) -> str | None:
        """Why ``relpath`` may not be read (it leaves the context), or None."""
        return self._inside(relpath)[1]

    def file(self, relpath: str) -> tuple[Path | None, str | None]:
        """The regular file at ``relpath`` (None when there is none), and why it is refused."""
        found = self._files.get(relpath)
        if found is None:
            found = self._files[relpath] = self._file(relpath)
        return found

    def _file(self, relpath: str) -> tuple[Path | None, str | None]:
        path, reason = self._inside(relpath)
        if path is None or not os.path.lexists(path):
            return None, reason
        if os.path.isdir(path):
            return None, None
        return (path, None) if is_regular(path) else (None, NOT_REGULAR)

    def is_dir(self, relpath: str) -> bool:
        """True for a folder inside the context (symlinks out of it are not)."""
        path, _ = self._inside(relpath)
        return path is not None and path.is_dir()

    def glob(self, pattern: str) -> list[str]:
        """Context paths a ``COPY`` source pattern matches, folder by folder as Docker does.

        Each folder level is read with ``os.scandir`` and matched like Go's
        ``filepath.Match``; a pattern that climbs out of the context matches nothing.
        """
        if climbs_out(pattern):
            return []
        found = [""]
        for segment in posixpath.normpath(pattern.lstrip("/") or ".").split("/"):
            if segment == ".":
                continue
            matches: list[str] = []
            for base in found:
                if not WILDCARD.search(segment):
                    matches.append(posixpath.join(base, segment))
                    continue
                if not self.is_dir(base or "."):
                    continue
                try:
                    with os.scandir(self.root / base) as children:
                        names = sorted(child.name for child in children)
                except OSError:
                    continue
                wanted = go_glob(segment)
                matches += [posixpath.join(base, n) for n in names if fnmatchcase(n, wanted)]
            found = matches[:MAX_GLOB_MATCHES]
        return [
            m for m in found if self._inside(m)[0] is not None and os.path.lexists(self.root / m)
        ]


def go_glob(segment: str) -> str:
    """A Go ``filepath.Match`` pattern as an ``fnmatch`` one: ``[^a]`` and ``\\*`` spelled anew."""
    out, i = [], 0
    while i < len(segment):
        if segment[i] == "\\" and i + 1 < len(segment):
            out.append(f"[{segment[i + 1]}]")
            i += 2
            continue
        if segment.startswith("[^", i):
            out.append("[!")
            i += 2
            continue
        out.append(segment[i])
        i += 1
    return "".join(out)


def _refused_copy_sources(dockerfile: Dockerfile, files: ContextFiles) -> Iterator[RefusedPath]:
    """``COPY``/``ADD`` sources that leave the context, as Docker would refuse them."""
    for copy in dockerfile.copies:
        for source in copy.context_sources if copy.from_stage is None else ():
            if source.outside:
                yield RefusedPath(source.text, OUTSIDE, source.word.span, copy.instruction)
            elif source.path and not source.is_glob and files.refusal(source.path):
                yield RefusedPath(source.text, SYMLINK_OUTSIDE, source.word.span, copy.instruction)


def _landing(copy: Copy, image_path: str, files: ContextFiles) -> Iterator[str]:
    """Context paths that ``copy`` may have put at ``image_path``, most specific first.

    :meth:`Copy.candidates` says what could land there; a candidate with wildcards is
    matched over the context. A single file copied to a folder the image already has
    (``COPY requirements.txt .``, the WORKDIR) lands inside it, so that counts as well.
    """
    for candidate in copy.candidates(image_path):
        yield from files.glob(candidate) if WILDCARD.search(candidate) else [candidate]
    if not copy.into_folder:
        folder = copy.destination.rstrip("/") or "/"
        for source in copy.context_sources:
            if source.path and not source.outside and beside(folder, source.path) == image_path:
                yield source.path


def _refused_below(copy: Copy, candidate: str, files: ContextFiles) -> bool:
    """True when ``candidate`` lies in a source of ``copy`` already refused at the COPY."""
    return any(
        s.path is not None
        and (candidate == s.path or candidate.startswith(s.path + "/"))
        and (s.outside or files.refusal(s.path) is not None)
        for s in copy.context_sources
    )


def beside(folder: str, source: str) -> str:
    """Where a file ``source`` lands when copied into the image folder ``folder``."""
    return posixpath.join(folder, posixpath.basename(source))


def is_below(path: str, folder: str) -> bool:
    """True when the image path ``path`` lies inside the image folder ``folder``."""
    return folder == "/" or path.startswith(folder + "/")


@dataclass
class _Follower:
    """Follows ``pip install -r/-c`` and the files they include into the context, each once."""

    files: ContextFiles
    refused: list[RefusedPath]
    seen: set[str] = field(default_factory=set)
    landings: dict[str, tuple[list[Copy], int, tuple[Copy, str, str | None] | None]] = field(
        default_factory=dict
    )

    def _landed(self, image_path: str, copies: list[Copy]) -> tuple[Copy, str, str | None] | None:
        """The last of ``copies`` that put a context file at ``image_path`` (or tried to
        put one that leaves the context): the copy, the context path and the refusal.

        ``copies`` only grows while a stage is walked, so the answer for its first copies
        is kept and only the copies added since are searched: every ``pip install -r`` of
        a file no ``COPY`` brought would otherwise search all the copies before it.
        """
        searched, found = 0, None
        kept = self.landings.get(image_path)
        if kept is not None and kept[0] is copies:
            searched, found = kept[1], kept[2]
        for index in range(len(copies) - 1, searched - 1, -1):
            copy = copies[index]
            hit = next(
                (
                    (copy, candidate, reason)
                    for candidate in _landing(copy, image_path, self.files)
                    for path, reason in [self.files.file(candidate)]
                    if reason is not None or path is not None
                ),
                None,
            )
            if hit is not None:
                found = hit
                break
        self.landings[image_path] = (copies, len(copies), found)
        return found

    def follow(
        self,
        image_path: str,
        fallback: str | None,
        written: str,
        where: tuple[Span, str | None],
        constraint: bool,
        run: Instruction,
        copies: list[Copy],
    ) -> Iterator[RequirementsFile]:
        """The file at ``image_path`` (or at ``fallback`` in the context) and its includes.

        ``written`` is the path as the build spells it and ``where`` its place, for the
        record of a refused path.
        """
        relpath = None
        copied_by = None
        landed = self._landed(image_path, copies)
        if landed is not None:
            copy, candidate, reason = landed
            copied_by = copy
            if reason is not None:
                if not _refused_below(copy, candidate, self.files):
                    self.refused.append(RefusedPath(written, reason, where[0], run, where[1]))
                return
            relpath = candidate
        if relpath is None and fallback is not None:
            path, reason = self.files.file(fallback)
            if reason is not None:
                self.refused.append(RefusedPath(written, reason, where[0], run, where[1]))
                return
            relpath = fallback if path is not None else None
        if relpath is None:
            return
        relpath = posixpath.normpath(relpath)
        if relpath in self.seen:
            return
        self.seen.add(relpath)
        path = self.files.root / relpath
        text = read_text(path, "requirements file")
        requirements, includes = parse_requirements(text)
        name = display(path)
        options = option_names(text)
        yield RequirementsFile(
            name, tuple(requirements), constraint, run, image_path, relpath, copied_by, options
        )
        lines = text.split("\n")
        for include in includes:
            target = include.target
            span = Span.of(include.line, 1, include.line, len(lines[include.line - 1]) + 1)
            yield from self.follow(
                posixpath.normpath(posixpath.join(posixpath.dirname(image_path), target)),
                None
                if target.startswith("/")
                else posixpath.join(posixpath.dirname(relpath), target),
                target,
                (span, name),
                constraint or include.constraint,
                run,
                copies,
            )


def _installed_requirements(
    dockerfile: Dockerfile, files: ContextFiles, refused: list[RefusedPath]
) -> Iterator[RequirementsFile]:
    """The requirements and constraints files that ``pip install -r/-c`` reads in the image.

    A path is the image's: ``-r /etc/x`` is only followed through a ``COPY`` that put a
    context file there. A relative one no ``COPY`` explains is looked up in the context
    (a bind mount, say), but never outside it.
    """
    follower = _Follower(files, refused)
    for stage in dockerfile.stages:
        runs = [(run, pips) for run in stage.of("RUN") if (pips := pip_installs(run))]
        if not runs:
            continue
        # The context copies of the stage and its parents before each RUN, and its WORKDIR:
        # one walk of the lineage for all of the stage's RUNs (a walk per RUN is quadratic
        # in a long stage). Each follow() runs to its end before the walk goes on, so the
        # list it is given holds exactly the copies before its RUN.
        lineage = [i for s in reversed(dockerfile.lineage(stage)) for i in s]
        copies: list[Copy] = []
        workdir = "/"
        walked = 0
        for run, pips in runs:
            while walked < len(lineage) and lineage[walked].index < run.index:
                inst = lineage[walked]
                walked += 1
                if inst.keyword == "WORKDIR" and inst.arguments:
                    workdir = posixpath.join(workdir, inst.resolve(inst.arguments[0].text).text)
                copy = dockerfile.copy_of(inst)
                if copy is not None and copy.from_stage is None:
                    copies.append(copy)
            for pip in pips:
                targets = [(w, False) for w in pip.requirement_files]
                targets += [(w, True) for w in pip.constraint_files]
                for word, constraint in targets:
                    text = run.resolve(word.text).text
                    image_path = posixpath.normpath(posixpath.join(workdir, text))
                    fallback = None if text.startswith("/") else text
                    yield from follower.follow(
                        image_path, fallback, text, (word.span, None), constraint, run, copies
                    )


# --- Which folder is the build context --------------------------------------------------
#
# Without --context, a Dockerfile's build context is found the way the project states it:
# a compose file, a GitHub workflow using docker/build-push-action, a `docker build -f`
# line in a Makefile or shell script, else a .dockerignore in a folder above it (up to the
# repository root). Every file is read at most once per run and skipped past MAX_HINT_BYTES.

MAX_HINT_BYTES = 1_000_000
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
MAKEFILE_NAMES = ("Makefile", "makefile", "GNUmakefile")
DOCKER_BUILD = regex.compile(r"\bdocker\s+(?:buildx\s+)?build\b((?:[^\n\\]|\\.)*)", re.DOTALL)
# `docker build` / `docker buildx build` options that take a value (the rest are flags).
BUILD_VALUE_OPTIONS = frozenset(
    {
        *("-t", "--tag", "--build-arg", "--target", "--platform", "--label", "--network"),
        *("--cache-from", "--cache-to", "--secret", "--ssh", "--progress", "-o", "--output"),
        *("--iidfile", "--add-host", "--build-context", "--shm-size", "--ulimit", "-m"),
        *("--memory", "--memory-swap", "--cpu-shares", "--cpu-period", "--cpu-quota"),
        *("--cpuset-cpus", "--cpuset-mems", "--attest", "--sbom", "--provenance"),
        *("--metadata-file", "--builder", "--annotation", "--allow", "--cgroup-parent"),
        *("--isolation", "--call", "--security-opt", "--label-file"),
    }
)


@dataclass(frozen=True)
class ContextChoice:
    """A build context for a Dockerfile and why it is the one."""

    folder: Path
    reason: str


def _real(path: str) -> str:
    return os.path.realpath(path)


@functools.cache
def repository_root(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` holding ``.git``, or None."""
    current = folder
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _ancestors(folder: str, root: str) -> list[str]:
    """``folder`` and the folders above it, up to and including ``root``."""
    chain = [folder]
    while chain[-1] != root and os.path.dirname(chain[-1]) != chain[-1]:
        chain.append(os.path.dirname(chain[-1]))
    return chain


@functools.cache
def _small_text(path: str) -> str | None:
    """A hint file's text, or None when it is missing, not regular, too big or not text."""
    try:
        if not is_regular(path) or os.path.getsize(path) > MAX_HINT_BYTES:
            return None
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@functools.cache
def _yaml(path: str) -> object:
    """A YAML hint file, or None when it cannot be read or parsed (never an error)."""
    text = _small_text(path)
    if text is None:
        return None
    import yaml  # only when a compose file or workflow exists: keeps start-up light

    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _same_file(a: str, b: str) -> bool:
    return _real(a) == _real(b)


def _plain(text: object) -> str | None:
    """A path from a hint file, unless it is computed (``${VAR}``, ``$(...)``, ``${{ }}``)."""
    if not isinstance(text, str) or not text or "$" in text:
        return None
    return text


@functools.cache
def _compose_builds(path: str) -> tuple[tuple[str, str, str, str], ...]:
    """(service, context as written, context folder, Dockerfile path) per compose build."""
    if "build" not in (_small_text(path) or ""):
        return ()
    data = _yaml(path)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return ()
    builds = []
    here = os.path.dirname(path)
    for name, service in services.items():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict):
            continue
        written = _plain(build.get("context", ".")) or None
        dockerfile = _plain(build.get("dockerfile", "Dockerfile"))
        if written is None or dockerfile is None or "://" in written:
            continue
        folder = os.path.normpath(os.path.join(here, written))
        builds.append((str(name), written, folder, os.path.join(folder, dockerfile)))
    return tuple(builds)


@functools.cache
def _workflow_builds(path: str) -> tuple[tuple[str, str, str], ...]:
    """(context as written, Dockerfile as written, step name) per build-push-action step."""
    # Most workflows never build an image: a text test spares them the YAML parser.
    if "docker/build-push-action" not in (_small_text(path) or ""):
        return ()
    data = _yaml(path)
    jobs = data.get("jobs") if isinstance(data, dict) else None
    builds = []
    for job in jobs.values() if isinstance(jobs, dict) else ():
        steps = job.get("steps") if isinstance(job, dict) else None
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict) or not str(step.get("uses", "")).startswith(
                "docker/build-push-action"
            ):
                continue
            given = step["with"] if isinstance(step.get("with"), dict) else {}
            context = _plain(given.get("context", ".")) if given.get("context") else "."
            if context is None:
                continue
            dockerfile = _plain(given.get("file")) if given.get("file") else None
            if given.get("file") and dockerfile is None:
                continue
            builds.append((context, dockerfile or "", str(step.get("name", ""))))
    return tuple(builds)


def docker_build_arguments(text: str) -> list[tuple[str, str | None]]:
    """(context, ``-f`` file) of each ``docker build`` / ``docker buildx build`` in a script."""
    import shlex

    found = []
    for match in DOCKER_BUILD.finditer(text):
        command = re.split(r"[;&|)]|\n", match[1].replace("\\\n", " "), maxsplit=1)[0]
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            continue
        dockerfile, positional, skip = None, [], False
        for index, word in enumerate(words):
            if skip:
                skip = False
                continue
            if word in ("-f", "--file"):
                dockerfile = words[index + 1] if index + 1 < len(words) else None
                skip = True
            elif word.startswith("--file="):
                dockerfile = word.split("=", 1)[1]
            elif word.startswith("-f") and len(word) > 2 and not word.startswith("--"):
                dockerfile = word[2:]
            elif word in BUILD_VALUE_OPTIONS:
                skip = True
            elif not word.startswith("-"):
                positional.append(word)
        context = _plain(positional[0]) if positional else None
        if context is not None and (dockerfile is None or _plain(dockerfile)):
            found.append((context, dockerfile))
    return found


@functools.cache
def _listing(folder: str) -> tuple[str, ...]:
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted(e.name for e in entries))
    except OSError:
        return ()


def _script_hints(folder: str, root: str) -> list[str]:
    """Makefiles and shell scripts in ``folder`` (and the repository's ``scripts/``)."""
    names = [n for n in _listing(folder) if n in MAKEFILE_NAMES or n.endswith((".mk", ".sh"))]
    paths = [os.path.join(folder, n) for n in names]
    if folder == root:
        scripts = os.path.join(root, "scripts")
        paths += [os.path.join(scripts, n) for n in _listing(scripts) if n.endswith(".sh")]
    return paths


def _relative(path: str, start: str) -> str:
    return os.path.relpath(path, start)


def context_reason(dockerfile: Path | None, context: Path) -> str:
    """Why ``context`` is the build context of ``dockerfile``, for findings that name it."""
    if dockerfile is not None:
        detected = detect_context(str(dockerfile))
        if _real(str(detected.folder)) == _real(str(context)):
            return detected.reason
    return "given with --context"


def detect_context(dockerfile: str) -> ContextChoice:
    """The build context of ``dockerfile`` as the project states it, else its own folder.

    Looked at in this order, each in the folders from the Dockerfile's up to the
    repository root: compose files, the repository's GitHub workflows
    (docker/build-push-action), ``docker build -f`` lines in Makefiles and shell scripts,
    and finally a ``.dockerignore`` (or ``<name>.dockerignore``) in a folder above it.
    """
    folder, reason = _detect(os.path.abspath(dockerfile))
    if folder is None:
        return ContextChoice(Path(dockerfile).parent, reason)
    return ContextChoice(Path(display(Path(folder))), reason)


@functools.cache
def _detect(dockerfile: str) -> tuple[str | None, str]:
    """:func:`detect_context` for an absolute path: the context folder (None: its own)."""
    own = _real(os.path.dirname(dockerfile))
    default = (None, "the Dockerfile's folder")
    root = repository_root(own)
    if root is None:
        return default
    chain = _ancestors(own, root)

    for folder in chain:
        for name in COMPOSE_NAMES:
            path = os.path.join(folder, name)
            for service, written, context, target in _compose_builds(path):
                if _same_file(target, dockerfile):
                    where = _relative(path, root)
                    reason = f"{where} service '{service}' builds it with context '{written}'"
                    return (context, reason)
    workflows = os.path.join(root, ".github", "workflows")
    for name in _listing(workflows):
        if not name.endswith((".yml", ".yaml")):
            continue
        for written, file, step in _workflow_builds(os.path.join(workflows, name)):
            context = os.path.join(root, written)
            target = os.path.join(root, file) if file else os.path.join(context, "Dockerfile")
            if _same_file(target, dockerfile):
                label = f" ('{step}')" if step else ""
                reason = (
                    f".github/workflows/{name} builds it with docker/build-push-action{label}, "
                    f"context '{written}'"
                )
                return (context, reason)
    for folder in chain:
        for script in _script_hints(folder, root):
            text = _small_text(script)
            for written, given_file in docker_build_arguments(text or ""):
                base = os.path.dirname(script)
                for start in dict.fromkeys((base, root)):
                    context = os.path.normpath(os.path.join(start, written))
                    target = os.path.join(
                        context if given_file is None else start, given_file or "Dockerfile"
                    )
                    if os.path.isdir(context) and _same_file(target, dockerfile):
                        reason = (
                            f"{_relative(script, root)} runs 'docker build' on it with context "
                            f"'{written}'"
                        )
                        return (context, reason)
    name = os.path.basename(dockerfile)
    if any(n in (".dockerignore", f"{name}.dockerignore") for n in _listing(own)):
        return default
    for folder in chain[1:]:
        for ignore in (f"{name}.dockerignore", ".dockerignore"):
            if ignore in _listing(folder):
                where = _relative(os.path.join(folder, ignore), root)
                return (folder, f"'{where}' in a folder above it applies to this build")
    return default


# --- A file a Dockerfile reads, given as a target -----------------------------------------
#
# Editors and pre-commit (with pass_filenames) send the changed file: a requirements file,
# a .dockerignore or a configuration file. Checking it means checking the Dockerfiles it
# affects, never parsing it as a Dockerfile.

CONFIG_FILE_NAMES = (
    *(".dlint.yaml", ".dlint.yml", "pyproject.toml", ".hadolint.yaml", ".hadolint.yml"),
)
REQUIREMENTS_SUFFIXES = (".txt", ".in", ".lock")


def is_dependency_name(path: Path) -> bool:
    """True for a file a build reads but that is no Dockerfile: a requirements or
    constraints file (also any text file in a ``requirements*`` folder), a lock file, an
    ignore file, or a configuration file."""
    name = path.name
    if name in CONFIG_FILE_NAMES or name.endswith(".dockerignore"):
        return True
    if name.endswith(".lock"):
        return True  # requirements.lock, or a lock file pip never reads: either way no Dockerfile
    if not name.endswith(REQUIREMENTS_SUFFIXES):
        return False
    if "requirements" in name or "constraints" in name:
        return True
    return any(part.startswith("requirements") for part in path.parent.parts)


def dockerfiles_reading(path: Path, context: Path | None) -> list[Path]:
    """The Dockerfiles whose check depends on ``path`` (see :func:`is_dependency_name`).

    A configuration file governs the Dockerfiles below its folder. For a requirements file
    or a ``.dockerignore``, the Dockerfiles of the repository (the folder holding ``.git``
    above it, else the working directory when it holds the file, else the file's folder)
    are parsed and loaded, and those whose build reads that very file are returned. A
    Dockerfile that cannot be read or parsed is skipped: it cannot be said to use the file.
    """
    from dlint.parse import DockerfileSyntaxError, parse_dockerfile

    folder = os.path.dirname(os.path.abspath(path))
    if path.name in CONFIG_FILE_NAMES:
        return [f.path for f in discover(Path(folder)) if f.problem is None]
    cwd = os.getcwd()
    root = repository_root(_real(folder)) or (
        cwd if is_within(_real(folder), _real(cwd)) else folder
    )
    wanted = _real(str(path))
    users = []
    for candidate in (f.path for f in discover(Path(root)) if f.problem is None):
        chosen = context or detect_context(str(candidate)).folder
        try:
            dockerfile = parse_dockerfile(read_text(candidate), display(candidate))
            build = load_build(dockerfile, chosen, candidate)
        except (InputError, DockerfileSyntaxError):
            continue
        read = [r.path for r in build.requirements]
        if build.dockerignore is not None:
            read.append(build.dockerignore.path)
        if any(_real(name) == wanted for name in read):
            users.append(candidate)
    return users
