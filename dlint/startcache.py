"""What dlint compiles at start-up, kept between runs as Python keeps bytecode.

``dlint check`` on one file is a pre-commit hook's whole run, and a good part of it used
to be spent compiling the same things every time: the record classes' generated methods
(:mod:`dlint.records`) and the rules' regular expressions (:mod:`dlint.regex`). A
:class:`Store` keeps such results in one ``marshal`` file in ``__pycache__`` beside this
module (or under ``PYTHONPYCACHEPREFIX``), named for the Python that wrote it, as
``importlib`` keeps a module's ``.pyc``. Keys are the source itself (the method text, the
pattern and its flags), so a changed class or pattern is compiled afresh, never served
stale.

A store is read once, on first use, and written at exit only when this run added to it,
atomically and never when bytecode writing is off (``PYTHONDONTWRITEBYTECODE``, ``-B``).
Where ``__pycache__`` cannot be written (a system-wide install run by a user), the store
goes to the user's cache folder instead (:meth:`Store.fallback`), and is read from there
when the first place has none. A missing, unreadable, foreign or corrupt file is an empty
store; when neither folder can be written the next run only compiles again. Only
constants of dlint's own source go in (never a user's file), and a store stops growing at
:data:`LIMIT` entries.
"""

from __future__ import annotations

import marshal
import os
import sys
from typing import Any

LIMIT = 4000  # entries per store; past this a run compiles what is missing and keeps nothing

_STORES: list[Store] = []


class Store:
    """One cache file: ``get`` what an earlier run kept, ``put`` what this run compiled."""

    def __init__(self, name: str, only_used: bool = False) -> None:
        """``only_used``: write only the entries this run asked for (every run asks for
        all it needs, so what an edited file left behind is dropped)."""
        self.name = name
        self.only_used = only_used
        self._data: dict[Any, Any] | None = None
        self._used: set[Any] = set()
        self._dirty = False

    def get(self, key: Any) -> Any:
        """What was kept for ``key``, or None."""
        if self.only_used:
            self._used.add(key)
        return self._load().get(key)

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value`` for ``key`` (written when the run ends)."""
        data = self._load()
        if len(data) < LIMIT:
            data[key] = value
            self._dirty = True

    def path(self) -> str | None:
        """The cache file, beside this module's own bytecode."""
        import importlib.util

        try:
            pyc = importlib.util.cache_from_source(__file__)
        except (NotImplementedError, ValueError):  # no cache tag, or an odd __file__
            return None
        return pyc.removesuffix(".pyc") + f".{self.name}.marshal"

    def fallback(self) -> str | None:
        """Where the store goes when the package's ``__pycache__`` cannot be written (an
        install into a read-only or root-owned site-packages): the user's cache folder."""
        path, root = self.path(), cache_root()
        if path is None or root is None:
            return None
        import zlib

        tag = f"{zlib.crc32(path.encode('utf-8', 'surrogatepass')):08x}"
        return os.path.join(root, "start", f"{tag}.{os.path.basename(path)}")

    def _load(self) -> dict[Any, Any]:
        data = self._data
        if data is None:
            data = {}
            for path in (self.path(), self.fallback()):
                if path is None:
                    continue
                try:
                    with open(path, "rb") as stream:
                        loaded = marshal.loads(stream.read())
                except OSError:
                    continue  # not there: try the fallback
                except (EOFError, ValueError, TypeError):
                    break
                if isinstance(loaded, dict) and len(loaded) <= LIMIT:
                    data = loaded
                break
            self._data = data
            if not _STORES:
                import atexit

                atexit.register(save_all)
            _STORES.append(self)
        return data

    def save(self) -> None:
        """Write the store if this run added to it (never fails the run)."""
        path = self.path()
        if not self._dirty or self._data is None or path is None or sys.dont_write_bytecode:
            return
        data = self._data
        if self.only_used:
            data = {key: value for key, value in data.items() if key in self._used}
        for where in (path, self.fallback()):
            if where is not None and _write(where, data):
                break
        self._dirty = False


def _write(path: str, data: dict[Any, Any]) -> bool:
    """Write ``data`` to ``path`` atomically; False when the folder cannot be written."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as stream:
            marshal.dump(data, stream)
        os.replace(temporary, path)
        return True
    except (OSError, ValueError):  # unwritable folder; a value marshal cannot write
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False


def cache_root() -> str | None:
    """dlint's folder in the user's cache: ``DLINT_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/dlint``, else ``~/.cache/dlint``; None when there is no home to put
    it in (never a relative folder, which would land in the project being checked)."""
    chosen = os.environ.get("DLINT_CACHE_DIR")
    if chosen:
        return os.path.abspath(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative value is to be ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "dlint")


def save_all() -> None:
    """Write every store this run added to (at exit)."""
    for store in _STORES:
        store.save()
