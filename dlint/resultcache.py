"""Findings kept between runs, served again while nothing they came from has changed.

``dlint check`` runs on every commit, and most Dockerfiles of a repository did not change
since the last run. As ruff and mypy do, a check keeps each Dockerfile's findings in a
cache and serves them again when nothing that produced them differs. What "produced
them" means is recorded, not guessed: while a Dockerfile is loaded and checked, every
file opened (Python's ``open`` audit event), every path ``stat``-ed and every folder
listed is noted, and the entry is served again only if each of those looks the same now
(type, size, modification time and inode; a listed folder: the same entries with the
same sizes and times). The entry's key is everything else the findings depend on: dlint's
own code (every file of the package and the rule pack, by size and time), the Python,
the target's name, path and context, the working directory, the configuration as
resolved, and the ShellCheck binary.

An entry is not kept when a file it depends on changed within the last
:data:`RACY_SECONDS` (an edit in the same clock tick could keep size and time, as git's
"racily clean" index entries), when a rule's batch step failed, or when a rule crashed.
Nothing is cached for text that does not come from a file as it is on disk (stdin, the
fix loop, the language server) or for runs that use the Docker engine. ``--no-cache`` or
``DLINT_NO_CACHE=1`` turns it off; ``DLINT_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/dlint``, else ``~/.cache/dlint``: never inside a build context, where
it would be sent to the engine). A missing, unreadable or corrupt entry is a miss; a
folder that cannot be written only means the next run checks again.
"""

from __future__ import annotations

import os
import pickle
import stat
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

try:  # the built-in module: hashlib would load OpenSSL first (a few ms of every run)
    from _sha256 import sha256
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import sha256

VERSION = 1
RACY_SECONDS = 2.0
# Entries per code identity: past this a run checks what is missing and keeps nothing more.
LIMIT = 20_000

_real_stat = os.stat
_real_lstat = os.lstat

# A stamp: what a path looks like now (None: it does not exist).
Stamp = tuple[int, int, int, int] | None


def stamp_of(path: str, follow: bool) -> Stamp:
    """Type, size, modification time and inode of ``path`` (``lstat`` unless ``follow``).

    A folder's size and time change with every file made in it, and what a check asks of
    a folder it only ``stat``-s is whether it is one: a folder is its type and inode (one
    that was listed is recorded by its entries)."""
    try:
        status = _real_stat(path) if follow else _real_lstat(path)
    except (OSError, ValueError):
        return None
    kind = stat.S_IFMT(status.st_mode)
    if kind == stat.S_IFDIR:
        return (kind, 0, 0, status.st_ino)
    return (kind, status.st_size, status.st_mtime_ns, status.st_ino)


def listing_of(path: str) -> tuple[tuple[str, Stamp], ...] | None:
    """A folder's entries, each with its ``lstat`` stamp (None: no readable folder)."""
    try:
        with os.scandir(path) as entries:
            names = sorted(entry.name for entry in entries)
    except (OSError, ValueError):
        return None
    return tuple((name, stamp_of(os.path.join(path, name), False)) for name in names)


class Recorder:
    """What one target's load and check looked at on disk (this thread only)."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.stats: set[tuple[str, bool]] = set()
        """Paths stat-ed (``True``: following symlinks, as ``stat`` and ``open`` do)."""
        self.listed: set[str] = set()
        self.spoiled = False
        self.findings: list[Any] = []
        """Set when the result must not be kept (a batch step failed, a rule crashed)."""

    def dependencies(self) -> tuple[tuple[str, str, object], ...]:
        """Each recorded path with what it looks like now."""
        deps: list[tuple[str, str, object]] = []
        for path, follow in sorted(self.stats):
            deps.append(("s" if follow else "l", path, stamp_of(path, follow)))
        for path in sorted(self.listed):
            deps.append(("d", path, listing_of(path)))
        return tuple(deps)


_active: list[Recorder] = []
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: note opened files and listed folders for the recording thread."""
    if not _active:
        return
    recorder = _active[-1]
    if threading.get_ident() != recorder.thread:
        return
    if event not in ("open", "os.scandir", "os.listdir"):
        return
    caller = sys._getframe(1)
    if caller.f_code.co_filename.startswith("<frozen importlib"):
        return  # an import finding or reading a module: dlint's code is in the key
    if event == "open":
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)) and not isinstance(path, int):
            recorder.stats.add((os.path.abspath(os.fsdecode(path)), True))
    elif event in ("os.scandir", "os.listdir"):
        path = args[0] if args else "."
        if isinstance(path, (str, bytes, os.PathLike)) and not isinstance(path, int):
            recorder.listed.add(os.path.abspath(os.fsdecode(path) or "."))


def _noting(real: Any, follow: bool) -> Any:
    def noted(path: Any, *args: Any, **kwargs: Any) -> Any:
        if _active and not isinstance(path, int):
            recorder = _active[-1]
            if threading.get_ident() == recorder.thread:
                followed = follow and kwargs.get("follow_symlinks", True)
                with suppress(TypeError, ValueError):
                    recorder.stats.add((os.path.abspath(os.fsdecode(path)), bool(followed)))
        return real(path, *args, **kwargs)

    return noted


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    """Note what this thread looks at on disk, for ``recorder``, while the block runs."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    outer = not _active
    if outer:
        os.stat = _noting(_real_stat, True)
        os.lstat = _noting(_real_lstat, False)
    _active.append(recorder)
    try:
        yield recorder
    finally:
        _active.pop()
        if outer:
            os.stat = _real_stat
            os.lstat = _real_lstat


def canonical(value: Any) -> Any:
    """``value`` as plain nested tuples in a fixed order (sets and mappings sorted), so
    that the same configuration gives the same key in every run."""
    fields = getattr(type(value), "__dataclass_fields__", None)
    if fields is not None:
        return (type(value).__name__, tuple((n, canonical(getattr(value, n))) for n in fields))
    if isinstance(value, dict) or hasattr(value, "items"):
        return ("{}", tuple(sorted((repr(k), canonical(v)) for k, v in value.items())))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(canonical(v)) for v in value)))
    if isinstance(value, (list, tuple)):
        return tuple(canonical(v) for v in value)
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return repr(value)


_identity: str | None = None


def code_identity() -> str:
    """dlint's code as installed: every file of the package and the rule pack, by path,
    size and modification time, and the Python running it."""
    global _identity
    if _identity is None:
        digest = sha256(f"{VERSION}\0{sys.version}\0{sys.executable}".encode())
        for root in code_roots():
            for folder, names in _walk(root):
                for name, status in names:
                    digest.update(f"{folder}/{name}\0{status}\0".encode())
        _identity = digest.hexdigest()[:24]
    return _identity


def code_roots() -> list[str]:
    """The folders of dlint's code: the package, and the rule pack where it lives apart."""
    import dlint

    package = os.path.dirname(os.path.abspath(dlint.__file__))
    roots = [package]
    if not os.path.isdir(os.path.join(package, "rules")):
        # A checkout installed in editable mode maps rules/ in from beside dlint/.
        import importlib.util

        spec = importlib.util.find_spec("dlint.rules")
        roots += [os.path.abspath(f) for f in (spec and spec.submodule_search_locations) or ()]
    return roots


def _walk(root: str) -> Iterator[tuple[str, list[tuple[str, tuple[int, int]]]]]:
    """Each folder under ``root`` (not ``__pycache__``) with its files' size and time."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        files = []
        for entry in listed:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    stack.append(entry.path)
                continue
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            files.append((entry.name, (status.st_size, status.st_mtime_ns)))
        yield folder, files


def open_cache() -> ResultCache | None:
    """The cache to use, or None: ``DLINT_NO_CACHE`` is set (not empty, not 0), or there
    is no cache folder (no home to keep it in)."""
    from dlint.startcache import cache_root

    root = cache_root()
    if root is None or os.environ.get("DLINT_NO_CACHE", "") not in ("", "0"):
        return None
    return ResultCache(Path(root))


class ResultCache:
    """Entries of one code identity: ``get`` a target's payload, ``put`` a new one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = self.root / f"results-v{VERSION}" / code_identity()
        self._written = False

    def key(self, *parts: Any) -> str:
        """The entry name for what the findings depend on besides the disk."""
        text = repr((os.getcwd(), canonical(parts)))
        return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> Any:
        """The payload kept for ``key`` if everything it depends on is unchanged, else None."""
        try:
            with open(self.folder / key[:2] / key, "rb") as stream:
                deps, payload = pickle.load(stream)
        except Exception:  # missing, unreadable, corrupt or from another version: a miss
            return None
        for kind, path, was in deps:
            now = listing_of(path) if kind == "d" else stamp_of(path, kind == "s")
            if now != was:
                return None
        return payload

    def put(self, key: str, recorder: Recorder, payload: Any) -> None:
        """Keep ``payload`` with what ``recorder`` saw, unless it is racy or spoiled."""
        if recorder.spoiled:
            return
        deps = recorder.dependencies()
        if _racy(deps):
            return
        target = self.folder / key[:2] / key
        temporary = target.with_name(f"{key}.{os.getpid()}.tmp")
        try:
            if not self._written:
                self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as stream:
                pickle.dump((deps, payload), stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            with suppress(OSError):
                os.unlink(temporary)

    def _prepare(self) -> None:
        """Before the first write of a run: drop other code identities' entries (an older
        dlint's), and refuse to grow past :data:`LIMIT` entries."""
        self._written = True
        parent = self.folder.parent
        try:
            for other in os.scandir(parent):
                if other.name != self.folder.name and other.is_dir(follow_symlinks=False):
                    _remove_tree(other.path)
        except OSError:
            pass
        count = 0
        try:
            for shard in os.scandir(self.folder):
                with os.scandir(shard.path) as entries:
                    count += sum(1 for _ in entries)
        except OSError:
            pass
        if count >= LIMIT:
            _remove_tree(str(self.folder))


def _racy(deps: tuple[tuple[str, str, object], ...]) -> bool:
    """True when a dependency changed so recently that an edit could keep its stamp."""
    newest = 0
    for kind, _path, was in deps:
        # A listing: its entries' stamps (none for a folder that was missing).
        stamps = [s for _, s in was or ()] if kind == "d" else [was]
        for one in stamps:
            if isinstance(one, tuple) and len(one) == 4:
                newest = max(newest, one[2])
    return newest > (time.time() - RACY_SECONDS) * 1e9


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
