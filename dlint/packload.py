"""Importing the rule pack's modules from one kept file instead of a ``.pyc`` each.

Every ``dlint check`` imports all of the pack's modules (some 130). Python's import system
spends about 0.25 ms on each before running it (finding the file, checking and reading
its ``.pyc``: eight system calls on these machines), a tenth of a one-file run. While
:func:`serving` is active, a meta-path finder serves the pack's modules itself: it checks
each source file with one ``os.stat`` and takes its compiled code from a
:class:`dlint.startcache.Store` keyed by the file's path, size and modification time
(on a new key, it reads the module's own ``.pyc`` as a normal import would, and keeps
the code). Modules get the same ``__name__``, ``__file__``, ``__spec__``, ``__path__``
and tracebacks as a normal import.
Anything the finder does not recognise is left to the normal import system.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import CodeType, ModuleType
from typing import Any

from dlint.startcache import Store

_CODES = Store("pack", only_used=True)


class _PackFinder:
    """Finds and loads ``<pack>.*`` modules from ``root`` (the pack's folder)."""

    def __init__(self, pack: str, root: str) -> None:
        self.pack, self.root = pack, root

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not name.startswith(self.pack + "."):
            return None
        folder = os.path.join(self.root, *name[len(self.pack) + 1 :].split("."))
        for origin, package in (
            (folder + ".py", False),
            (os.path.join(folder, "__init__.py"), True),
        ):
            try:
                status = os.stat(origin)
            except OSError:
                continue
            key = (origin, status.st_size, status.st_mtime_ns)
            spec = ModuleSpec(name, self, origin=origin, is_package=package)  # type: ignore[arg-type]
            spec.has_location = True
            spec.loader_state = key
            if package:
                spec.submodule_search_locations = [folder]
            return spec
        return None

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None and spec.origin is not None
        code = self.get_code(spec)
        exec(code, module.__dict__)

    def get_code(self, spec: ModuleSpec) -> CodeType:
        key: Any = spec.loader_state
        code = _CODES.get(key)
        if not isinstance(code, CodeType):
            # Not kept yet: the module's own .pyc (compiled, and written, as a normal import
            # would), so a store that cannot be written costs no more than importing.
            from importlib.machinery import SourceFileLoader

            found = SourceFileLoader(spec.name, key[0]).get_code(spec.name)
            assert found is not None
            code = found
            _CODES.put(key, code)
        return code

    def get_source(self, name: str) -> str | None:
        """For tracebacks and ``inspect`` (through ``linecache``)."""
        spec = self.find_spec(name)
        if spec is None or spec.origin is None:
            return None
        with open(spec.origin, encoding="utf-8") as stream:
            return stream.read()

    def get_filename(self, name: str) -> str | None:
        spec = self.find_spec(name)
        return spec.origin if spec is not None else None


@contextmanager
def serving(pack: str, root: str) -> Iterator[None]:
    """Import ``pack``'s modules through the kept code while inside this block."""
    finder = _PackFinder(pack, root)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
