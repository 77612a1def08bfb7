"""Regular expressions compiled once per Python, not once per run.

``re.compile`` parses a pattern and assembles its matcher in pure Python: for the few
hundred patterns of the rules and recognisers that was a fifth of a one-file run.
:func:`compile` keeps what the assembly produces (the matcher's code, its groups) in a
:class:`dlint.startcache.Store` keyed by the pattern and its flags, and builds the pattern
from it directly on later runs: the same :class:`re.Pattern` ``re.compile`` returns.
Anything unexpected (another Python's engine, a pattern ``re`` refuses) falls back to
``re.compile``, so behaviour never depends on the cache. Use it for the constant patterns
of dlint's own source only: a pattern made from a user's file goes to ``re.compile``.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the engine ``re`` itself drives; its version names the store
    import _sre  # type: ignore[import-not-found]

    _STORE_NAME: str | None = f"regex-{_sre.MAGIC}-{_sre.CODESIZE}"
except (ImportError, AttributeError):
    _STORE_NAME = None

_STORE: Any = None


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the kept matcher when an earlier run made it."""
    global _STORE
    if _STORE_NAME is None:
        return re.compile(pattern, flags)
    if _STORE is None:
        from dlint.startcache import Store

        _STORE = Store(_STORE_NAME)
    flags = int(flags)
    key = (pattern, flags)
    kept = _STORE.get(key)
    if kept is not None:
        try:
            return _sre.compile(pattern, *kept)
        except (TypeError, ValueError, RuntimeError):
            pass  # not what this engine makes: compile it afresh below
    compiled = re.compile(pattern, flags)
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        names: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            names[index] = name
        entry = (
            flags | parsed.state.flags,
            [int(c) for c in code],
            parsed.state.groups - 1,
            groupindex,
            tuple(names),
        )
        rebuilt = _sre.compile(pattern, *entry)
    except Exception:  # an engine unlike 3.11-3.13's: no cache, the same pattern
        return compiled
    same = (rebuilt.flags, rebuilt.groups, rebuilt.groupindex)
    if same == (compiled.flags, compiled.groups, compiled.groupindex):
        _STORE.put(key, entry)
    return compiled


def globs(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern whose ``fullmatch`` is ``any(fnmatchcase(name, p) for p in patterns)``.

    For constant glob lists of dlint's source: compiled (and kept) once, where
    ``fnmatch`` compiles each glob on first use in every run and tries them one by one.
    """
    import fnmatch

    # fnmatch.translate gives "(?s:BODY)\Z"; fullmatch needs only the bodies.
    bodies = [fnmatch.translate(p).removesuffix(r"\Z") for p in patterns]
    return compile("|".join(bodies) if bodies else "(?!)")
