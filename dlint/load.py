"""Read files from disk and assemble the :class:`dlint.model.Build` a rule sees.

This is the only module of the lint path that touches the file system: finding
Dockerfiles, decoding them, locating the ``.dockerignore`` that BuildKit would use,
following ``pip install -r`` into the build context and listing the context lazily.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from dlint.commands import pip_installs
from dlint.context import Context, ContextEntry, Dockerignore, IgnorePattern, RequirementsFile
from dlint.dockerignore import Glob
from dlint.model import Build, Dockerfile, Instruction
from dlint.requirements import parse_requirements

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
DOCKERFILE_GLOBS = ("Dockerfile.*", "Containerfile.*", "*.Dockerfile", "*.dockerfile")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox"})
NOT_DOCKERFILE_SUFFIXES = (".dockerignore", ".md", ".txt", ".orig", ".bak", ".swp")
OPAQUE_DIRS = frozenset({".git", "node_modules", "__pycache__", ".ipynb_checkpoints", ".hg"})
MAX_CONTEXT_ENTRIES = 20000


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
    if b"\0" in data[:8192]:
        raise InputError(f"{name}: binary file, not a Dockerfile")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not valid UTF-8 text (byte {error.start})") from None


def is_virtualenv(path: Path) -> bool:
    """True for a folder that is a Python virtual environment."""
    return (path / "pyvenv.cfg").is_file()


def is_dockerfile_name(name: str) -> bool:
    """True for file names dlint treats as Dockerfiles."""
    if name in DOCKERFILE_NAMES:
        return True
    if name.endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    return any(fnmatch.fnmatchcase(name, g) for g in DOCKERFILE_GLOBS)


def discover(path: Path) -> list[Path]:
    """Dockerfiles under ``path`` (itself, when it is a file), in a stable order."""
    if path.is_file():
        return [path]
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    found = []
    for root, dirs, files in os.walk(path):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not is_virtualenv(here / d))
        found.extend(here / f for f in sorted(files) if is_dockerfile_name(f))
    if not found:
        raise InputError(f"{path}: no Dockerfile found (looked for Dockerfile, *.Dockerfile, ...)")
    return found


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


def find_dockerignore(dockerfile: Path, context: Path) -> Path | None:
    """The ignore file BuildKit uses: ``<Dockerfile>.dockerignore`` first, then the context's."""
    beside = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if beside.is_file():
        return beside
    in_context = context / ".dockerignore"
    return in_context if in_context.is_file() else None


def list_context(root: str) -> Iterator[ContextEntry]:
    """Walk the context: every file, and every folder with its total size.

    Folders that are never useful to look inside (``.git``, ``node_modules``, virtualenvs,
    caches) are summarised as one entry. The walk stops after MAX_CONTEXT_ENTRIES entries.
    """
    count = 0

    def walk(folder: Path, rel: str) -> tuple[int, list[ContextEntry]]:
        nonlocal count
        total, entries = 0, []
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return 0, []
        for child in children:
            if count >= MAX_CONTEXT_ENTRIES:
                break
            count += 1
            child_rel = f"{rel}{child.name}"
            if child.is_dir(follow_symlinks=False):
                path = Path(child.path)
                venv = is_virtualenv(path)
                if child.name in OPAQUE_DIRS or venv:
                    size = folder_size(path)
                    inner: list[ContextEntry] = []
                else:
                    size, inner = walk(path, child_rel + "/")
                entries.append(ContextEntry(child_rel, size, True, venv))
                entries.extend(inner)
            else:
                size = child.stat(follow_symlinks=False).st_size
                entries.append(ContextEntry(child_rel, size, False))
            total += size
        return total, entries

    yield from walk(Path(root), "")[1]


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
    """Assemble the build: the parsed Dockerfile plus what its context holds."""
    if context_dir is None:
        return Build(dockerfile, None, None, ())
    ignore_path = find_dockerignore(dockerfile_path or context_dir / "Dockerfile", context_dir)
    dockerignore = None
    if ignore_path is not None:
        dockerignore = parse_dockerignore(read_text(ignore_path), display(ignore_path))
    requirements = tuple(_installed_requirements(dockerfile, context_dir))
    return Build(dockerfile, Context(str(context_dir), list_context), dockerignore, requirements)


def display(path: Path) -> str:
    """How findings name a file: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _installed_requirements(dockerfile: Dockerfile, context: Path) -> Iterator[RequirementsFile]:
    """The requirements and constraints files that ``pip install -r/-c`` reads in the image."""
    seen: set[Path] = set()
    for stage in dockerfile.stages:
        for run in stage.of("RUN"):
            for pip in pip_installs(run):
                targets = [(w, False) for w in pip.requirement_files]
                targets += [(w, True) for w in pip.constraint_files]
                for word, constraint in targets:
                    source = _context_source(dockerfile, run, run.resolve(word.text).text, context)
                    if source is not None:
                        yield from _read_requirements(source, constraint, run, seen)


def _read_requirements(
    path: Path, constraint: bool, run: Instruction, seen: set[Path]
) -> Iterator[RequirementsFile]:
    """One requirements file and the files it includes, each once."""
    if path in seen:
        return
    seen.add(path)
    requirements, includes = parse_requirements(read_text(path, "requirements file"))
    yield RequirementsFile(display(path), tuple(requirements), constraint, run)
    for include in includes:
        target = path.parent / include.target
        if target.is_file():
            yield from _read_requirements(target, constraint or include.constraint, run, seen)


def _context_source(
    dockerfile: Dockerfile, run: Instruction, target: str, context: Path
) -> Path | None:
    """Which context file ends up at ``target`` when ``run`` executes.

    Follows the ``COPY``/``ADD`` instructions (without ``--from``) of the stage and its
    parents, resolving ``WORKDIR``: a file copied by name, or a folder copied whole.
    """
    stage = dockerfile.stages[run.stage_index]
    workdir = "/"
    copies: list[tuple[list[str], str]] = []
    for inst in (i for s in reversed(dockerfile.lineage(stage)) for i in s):
        if inst.index >= run.index:
            break
        if inst.keyword == "WORKDIR" and inst.arguments:
            workdir = posixpath.join(workdir, inst.resolve(inst.arguments[0].text).text)
        elif (
            inst.keyword in ("COPY", "ADD")
            and inst.flag("from") is None
            and len(inst.arguments) >= 2
        ):
            args = [inst.resolve(a.text).text for a in inst.arguments]
            copies.append((args[:-1], posixpath.join(workdir, args[-1])))
    image_path = posixpath.normpath(posixpath.join(workdir, target))
    for sources, dest in reversed(copies):
        for source in sources:
            candidate = _match_copy(source, dest, image_path, context)
            if candidate is not None:
                return candidate
    direct = context / target.lstrip("/")
    return direct if direct.is_file() and not target.startswith("/") else None


def _match_copy(source: str, dest: str, image_path: str, context: Path) -> Path | None:
    """The context file that ``COPY source dest`` puts at ``image_path``, if any."""
    source_path = context / source.lstrip("/")
    dest_dir = dest.rstrip("/")
    if source_path.is_dir():
        if image_path.startswith(dest_dir + "/") or dest_dir == "":
            candidate = source_path / image_path[len(dest_dir) + 1 :]
            return candidate if candidate.is_file() else None
        return None
    name = posixpath.basename(image_path)
    matches = (
        sorted(context.glob(source.lstrip("/")))
        if any(c in source for c in "*?[")
        else [source_path]
    )
    for match in matches:
        if match.is_file() and (
            dest == image_path or (match.name == name and posixpath.dirname(image_path) == dest_dir)
        ):
            return match
    for match in matches:
        if match.is_file() and match.name == name:
            return match
    return None
