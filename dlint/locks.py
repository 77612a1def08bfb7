"""Lock files in the build context -> the exact version each package is locked at.

``uv.lock`` and ``poetry.lock`` (TOML, read with ``tomllib``) record what the project
resolved and tested. :attr:`dlint.model.Build.locks` reads them the first time a rule asks
(the pin fixes of ``pip-unpinned`` and ``requirements-unpinned``), so a check that needs
no pin never opens them. Reading is bounded and hostile-input safe: only the names in
``LOCK_NAMES`` at the top of the build context, only regular files whose real path stays
inside it (a symlink out is never followed), at most ``MAX_BYTES``, UTF-8 only, at most
``MAX_PACKAGES`` entries; a file that does not parse is no lock. A name locked at two
versions (uv forks by environment marker) has no single pin, and only versions and names
of the plain PEP 440 / PEP 508 shapes are kept, since a fix writes them into a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from dlint import regex
from dlint.records import dataclass

LOCK_NAMES = ("uv.lock", "poetry.lock")
MAX_BYTES = 8_000_000
MAX_PACKAGES = 50_000
NAME = regex.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?")
VERSION = regex.compile(
    r"(?:[0-9]{1,9}!)?[0-9]{1,9}(?:\.[0-9]{1,9}){0,9}(?:(?:a|b|rc)[0-9]{1,9})?"
    r"(?:\.post[0-9]{1,9})?(?:\.dev[0-9]{1,9})?(?:\+[a-z0-9]{1,30}(?:\.[a-z0-9]{1,30}){0,9})?"
)
# Where a package comes from other than an index: a version pin would not reproduce it.
NOT_FROM_AN_INDEX = frozenset({"git", "directory", "file", "url", "path", "editable", "virtual"})


@dataclass(frozen=True)
class LockFile:
    """A lock file of the build context and the one version it locks each package at."""

    path: str
    kind: str
    """``uv`` or ``poetry``."""
    pins: Mapping[str, str]
    """Normalised project name -> version, for packages that come from an index."""


def canonical(name: str) -> str:
    """A project name as PEP 503 normalises it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str, kind: str) -> dict[str, str]:
    """Name -> version of the index packages a ``uv.lock`` or ``poetry.lock`` text locks."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return {}
    packages = data.get("package")
    if not isinstance(packages, list):
        return {}
    pins: dict[str, str] = {}
    ambiguous: set[str] = set()
    for package in packages[:MAX_PACKAGES]:
        found = _index_pin(package, kind)
        if found is None:
            continue
        name, version = found
        if pins.setdefault(name, version) != version:
            ambiguous.add(name)
    return {name: version for name, version in pins.items() if name not in ambiguous}


def _index_pin(package: object, kind: str) -> tuple[str, str] | None:
    """(name, version) of one ``[[package]]`` table, when it is an index package."""
    if not isinstance(package, dict):
        return None
    name, version, source = package.get("name"), package.get("version"), package.get("source")
    if not isinstance(name, str) or not isinstance(version, str):
        return None
    if not NAME.fullmatch(name) or not VERSION.fullmatch(version):
        return None
    if kind == "uv" and not (isinstance(source, dict) and "registry" in source):
        return None  # the project itself (editable, virtual), a git or path source
    kind_of_source = str(source.get("type", "")).lower() if isinstance(source, dict) else ""
    if kind == "poetry" and kind_of_source in NOT_FROM_AN_INDEX:
        return None
    return canonical(name), version


def read_locks(root: str) -> tuple[LockFile, ...]:
    """The lock files at the top of the build context ``root``, read within the bounds."""
    from pathlib import Path

    from dlint.load import ContextFiles, display

    files = ContextFiles(Path(root))
    locks = []
    for name in LOCK_NAMES:
        path, _ = files.file(name)
        if path is None:
            continue
        try:
            if os.stat(path).st_size > MAX_BYTES:
                continue
            with open(path, "rb") as stream:
                data = stream.read(MAX_BYTES + 1)
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        kind = name.split(".", 1)[0]
        pins = parse_lock(text, kind)
        if pins:
            locks.append(LockFile(display(path), kind, pins))
    return tuple(locks)
