"""What dlint keeps between runs (compiled record methods, regex matchers) changes nothing.

Each case runs fresh interpreters with the cache in a private ``PYTHONPYCACHEPREFIX``: the
first run compiles and writes, the second reads what the first wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlint import regex, startcache

PATTERNS = [
    (r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\S*)", 0),
    (r"^\s*(?:\S*/)?(sh|bash)?(\s+-\S+)*\s*$", re.MULTILINE),
    (r"pip3?\s+install\b.*--no-cache-dir", re.IGNORECASE | re.DOTALL),
    (r"[^\x00-\x7f]+|\u2028", 0),
]

PROBE = """
import json, re, sys
from dlint import regex, startcache
from dlint.finding import Span, Position
patterns = [regex.compile(p, f) for p, f in json.loads(sys.argv[1])]
texts = ["A_1=x y", "  /bin/bash -e -x", "PIP install -r r.txt\\n --no-cache-dir", "é\\u2028"]
found = [
    [m.span() for m in p.finditer(t)] + [p.groups, sorted(p.groupindex.items()), p.flags]
    for p in patterns for t in texts
]
span = Span(Position(1, 2), Position(3, 4))
same = span == Span(Position(1, 2), Position(3, 4))
print(json.dumps({"found": found, "span": repr(span), "eq": same}))
"""


def run(prefix: Path, *flags: str, **extra: str) -> dict:
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(prefix), **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, *flags, "-c", PROBE, json.dumps(PATTERNS)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout)


def stores(prefix: Path) -> list[Path]:
    return sorted(prefix.rglob("startcache.*.marshal"))


def expected() -> list:
    texts = ["A_1=x y", "  /bin/bash -e -x", "PIP install -r r.txt\n --no-cache-dir", "é\u2028"]
    return [
        [list(m.span()) for m in re.compile(p, f).finditer(t)]
        + [re.compile(p, f).groups, [list(i) for i in sorted(re.compile(p, f).groupindex.items())]]
        + [re.compile(p, f).flags]
        for p, f in PATTERNS
        for t in texts
    ]


def test_a_second_run_reads_what_the_first_kept_and_matches_as_re_does(tmp_path: Path) -> None:
    first = run(tmp_path)
    written = stores(tmp_path)
    assert {p.name.split(".")[2].split("-")[0] for p in written} == {"methods", "regex"}
    before = {p: p.stat().st_mtime_ns for p in written}
    second = run(tmp_path)
    assert first["found"] == second["found"] == expected()
    assert (
        first["span"]
        == second["span"]
        == "Span(start=Position(line=1, column=2), end=Position(line=3, column=4))"
    )
    assert first["eq"] and second["eq"]
    assert {
        p: p.stat().st_mtime_ns for p in stores(tmp_path)
    } == before  # nothing new: not rewritten


def test_nothing_is_written_when_bytecode_writing_is_off(tmp_path: Path) -> None:
    run(tmp_path, "-B")
    assert stores(tmp_path) == []


def test_an_unwritable_pycache_keeps_the_stores_in_the_users_cache(tmp_path: Path) -> None:
    """A system-wide install a user cannot write to: the stores go to ~/.cache/dlint."""
    blocked = tmp_path / "site-packages-pycache"
    blocked.write_text("a file: no folder can be made here")
    cache = tmp_path / "user-cache"
    assert run(blocked, DLINT_CACHE_DIR=str(cache))["found"] == expected()
    kept = sorted(cache.rglob("*startcache.*.marshal"))
    assert kept, list(cache.rglob("*"))
    before = {p: p.stat().st_mtime_ns for p in kept}
    assert run(blocked, DLINT_CACHE_DIR=str(cache))["found"] == expected()
    assert {p: p.stat().st_mtime_ns for p in kept} == before  # read back, nothing new


def test_a_corrupt_or_foreign_cache_file_is_an_empty_cache(tmp_path: Path) -> None:
    run(tmp_path)
    for path in stores(tmp_path):
        path.write_bytes(b"\x00garbage" * 100)
    assert run(tmp_path)["found"] == expected()
    for path in stores(tmp_path):
        path.write_bytes(b"")
    assert run(tmp_path)["found"] == expected()


def test_a_kept_matcher_that_this_engine_refuses_is_compiled_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = startcache.Store("test-refused")
    monkeypatch.setattr(store, "_data", {(r"a+b", 0): (32, [999, 1, 2], 0, {}, (None,))})
    monkeypatch.setattr(regex, "_STORE", store)
    assert regex.compile(r"a+b").fullmatch("aab")


def test_a_store_stops_growing_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startcache, "LIMIT", 3)
    store = startcache.Store("test-limit")
    monkeypatch.setattr(store, "_data", {})
    for number in range(10):
        store.put(number, number)
    assert len(store._data or {}) == 3


def test_a_glob_list_matches_exactly_what_fnmatch_matches() -> None:
    import fnmatch
    import random

    from dlint.rules.layers.copy_before_install import MANIFESTS
    from dlint.rules.serving.secret_in_image import NOT_SECRET_FILES, SECRET_FILES

    from dlint.load import DOCKERFILE_GLOBS

    chooser = random.Random(7)
    alphabet = "aD.-_*?[]!ockerfilpemnvtx\n/"
    names = ["Dockerfile.dev", "x.Dockerfile", "Dockerfile", ".env", ".env.example", "id_rsa"]
    names += ["requirements.txt", "requirements/prod.txt", "uv.lock", "a.pem", "key.pub", ""]
    names += [
        "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 12)))
        for _ in range(3000)
    ]
    for patterns in (DOCKERFILE_GLOBS, SECRET_FILES, NOT_SECRET_FILES, MANIFESTS, ()):
        combined = regex.globs(patterns)
        for name in names:
            expected = any(fnmatch.fnmatchcase(name, p) for p in patterns)
            assert (combined.fullmatch(name) is not None) == expected, (patterns, name)


def test_a_pack_module_not_kept_yet_comes_from_its_pyc_then_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unwritable or empty store costs a normal import (the .pyc), not a compile."""
    from importlib.machinery import SourceFileLoader

    from dlint import packload

    pack = tmp_path / "pack_for_test"
    pack.mkdir()
    (pack / "__init__.py").write_text("")
    (pack / "mod.py").write_text("VALUE = 6 * 7\n")
    store = startcache.Store("test-pack")
    monkeypatch.setattr(store, "_data", {})
    monkeypatch.setattr(packload, "_CODES", store)
    calls: list[str] = []
    real = SourceFileLoader.get_code

    def spy(self: SourceFileLoader, name: str):  # type: ignore[no-untyped-def]
        calls.append(name)
        return real(self, name)

    monkeypatch.setattr(SourceFileLoader, "get_code", spy)
    finder = packload._PackFinder("pack_for_test", str(pack))
    spec = finder.find_spec("pack_for_test.mod")
    assert spec is not None and spec.origin == str(pack / "mod.py")
    first = finder.get_code(spec)
    second = finder.get_code(spec)
    assert calls == ["pack_for_test.mod"]
    assert first is second and first.co_filename == str(pack / "mod.py")
    namespace: dict[str, object] = {}
    exec(first, namespace)
    assert namespace["VALUE"] == 42
