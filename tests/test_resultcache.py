"""The result cache: a repeated check is served from it, and any change to what the
findings came from (a file read, a folder listed, the configuration) is seen.

Each test checks a project twice with the cache, changes one thing, checks again, and
compares the report with a ``--no-cache`` check of the same files: the cache may only
ever make a run faster, never change what it reports.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO

from dlint import engine
from dlint.checkrun import CheckOptions, run_check

SERVICE = {
    "Dockerfile": (
        "FROM python:3.11-slim\n"
        "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . .\n"
        'CMD ["python", "app.py"]\n'
    ),
    "requirements.txt": "flask==3.0.3\n",
    "app.py": "print('hello')\n",
    ".dockerignore": ".git\n",
}


def age(root: Path, seconds: float = 100.0) -> None:
    """Date every file and folder under ``root`` ``seconds`` back: not racily new."""
    when = time.time() - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when), follow_symlinks=False)


def check(root: Path, *, cache: bool = True, fmt: str = "json", **options: object) -> str:
    """``dlint check --isolated`` of ``root`` in-process; the report (and exit code)."""
    out, err = io.StringIO(), io.StringIO()
    chosen = CheckOptions(
        paths=[str(root)], isolated=True, format=fmt, no_cache=not cache, **options
    )  # type: ignore[arg-type]
    code = run_check(chosen, out, err)
    return f"{code}\n{out.getvalue()}{err.getvalue()}"


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "service"
    for name, text in SERVICE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    age(root)
    return root


def served_without_checking(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a target that is not served from the cache fails the test."""

    def refuse(*_args: object) -> None:
        raise AssertionError("checked a file the cache should have served")

    monkeypatch.setattr(engine, "_load", refuse)


def test_a_repeated_check_is_served_from_the_cache_with_the_same_report(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for fmt in ("json", "text", "sarif"):
        first = check(service, fmt=fmt)
        assert first == check(service, fmt=fmt, cache=False)
    with monkeypatch.context() as patched:
        served_without_checking(patched)
        for fmt in ("json", "text", "sarif"):
            assert check(service, fmt=fmt) == check(service, fmt=fmt, cache=True)
    assert first.startswith("1\n")  # the project has findings: they are what is served


def test_the_reference_service_is_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "reference"
    shutil.copytree(REPO / "reference", root)
    age(root)
    first = check(root, fmt="text")
    assert first.startswith("0\nNo problems found")
    with monkeypatch.context() as patched:
        served_without_checking(patched)
        assert check(root, fmt="text") == first


def rewrite(path: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        age(root, 50)

    return change


def remove(path: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        age(root, 50)

    return change


def big_file(path: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        with open(root / path, "wb") as stream:
            stream.truncate(300 * 1024 * 1024)  # sparse: a checkpoint's size, no disk
        age(root, 50)

    return change


CHANGES = {
    # The same size, another version: only the file's time and content differ.
    "requirements edited": rewrite("requirements.txt", "flask>=3.0.\n"),
    "requirements emptied": rewrite("requirements.txt", ""),
    "Dockerfile edited": rewrite(
        "Dockerfile", SERVICE["Dockerfile"].replace("--no-cache-dir ", "")
    ),
    "dockerignore removed": remove(".dockerignore"),
    "dockerignore excludes a copied file": rewrite(".dockerignore", "*.txt\n"),
    "copied file removed": remove("app.py"),
    "requirements removed": remove("requirements.txt"),
    "git folder added": rewrite(".venv/pyvenv.cfg", "home = /usr/bin\n"),
    "secret added": rewrite(".env", "TOKEN=x\n"),
    "checkpoint added": big_file("model.ckpt"),
    "app rewritten as a dev server": rewrite(
        "app.py", "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n"
    ),
}


@pytest.mark.parametrize("name", CHANGES)
def test_a_change_to_what_the_findings_came_from_is_seen(service: Path, name: str) -> None:
    before = check(service)
    assert check(service) == before  # now served from the cache
    CHANGES[name](service)
    after = check(service)
    assert after == check(service, cache=False)
    assert after != before, f"{name}: the report did not change, so the test shows nothing"


def test_a_change_of_configuration_is_a_new_key(service: Path) -> None:
    everything = check(service)
    assert check(service, select="pip-unpinned") == check(
        service, select="pip-unpinned", cache=False
    )
    assert check(service, select="pip-unpinned") != everything
    assert check(service) == everything


def test_a_configuration_file_edit_is_seen(service: Path) -> None:
    (service / ".dlint.yaml").write_text("ignore: []\n")
    age(service)
    out, err = io.StringIO(), io.StringIO()

    def run() -> str:
        run_check(CheckOptions(paths=[str(service)], format="json"), out, err)
        return out.getvalue()

    first = run()
    (service / ".dlint.yaml").write_text("ignore: [ALL]\n")
    age(service, 50)
    out.truncate(0)
    out.seek(0)
    assert run() != first


def test_files_changed_just_now_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit in the same clock tick could keep size and time: such a result is not kept."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("DLINT_CACHE_DIR", str(cache))
    root = tmp_path / "new"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM python:3.11-slim\n")
    check(root)
    assert not [p for p in cache.rglob("*") if p.is_file()]
    age(root)
    check(root)
    assert [p for p in cache.rglob("*") if p.is_file()]


def test_no_cache_and_the_environment_variable_keep_nothing(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    check(service, cache=False)
    assert not cache.exists()
    monkeypatch.setenv("DLINT_NO_CACHE", "1")
    check(service)
    assert not cache.exists()


def test_a_corrupt_or_unwritable_cache_only_means_checking_again(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = check(service, cache=False)
    check(service)
    for entry in (p for p in (tmp_path / "cache").rglob("*") if p.is_file()):
        entry.write_bytes(b"\x80\x05not a pickle")
    assert check(service) == expected
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("DLINT_CACHE_DIR", str(blocked))
    assert check(service) == expected


def test_text_from_stdin_or_a_fix_is_never_cached(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (service / "Dockerfile").write_text("FROM python:3.11-slim as base\nRUN pip install flask\n")
    age(service)
    out, err = io.StringIO(), io.StringIO()
    run_check(CheckOptions(paths=[str(service)], fix=True, isolated=True), out, err)
    assert "AS base" in (service / "Dockerfile").read_text()
    age(service)
    assert check(service) == check(service, cache=False)


def test_an_empty_folder_in_the_context_is_kept_and_served(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (service / "data").mkdir()
    age(service)
    first = check(service, fmt="text")
    with monkeypatch.context() as patched:
        served_without_checking(patched)
        assert check(service, fmt="text") == first


def test_the_key_covers_every_rule_file_and_dlint_module() -> None:
    """An edited rule or module is a new code identity (old entries are never served)."""
    import dlint.rules.runtime.root_user as rule_module

    from dlint import resultcache

    roots = resultcache.code_roots()
    for module in (rule_module, resultcache):
        assert any(Path(module.__file__).resolve().is_relative_to(r) for r in roots), roots


LINES = {
    "Dockerfile": [
        "FROM python:3.11-slim\n",
        "FROM python:3.11-slim AS build\n",
        "COPY . .\n",
        "COPY requirements.txt .\n",
        "COPY sub/ /app/sub/\n",
        "RUN pip install -r requirements.txt\n",
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        "USER 10001\n",
        'CMD ["python", "app.py"]\n',
        "CMD python app.py\n",
    ],
    "requirements.txt": ["flask==3.0.3\n", "flask\n", "-r more.txt\n", "torch>=2\n"],
    "more.txt": ["numpy==1.26.4\n", "scipy\n"],
    ".dockerignore": [".git\n", "*.txt\n", ".env\n", "sub\n", "!sub/keep.py\n"],
    "app.py": ["app.run(debug=True)\n", "from flask import Flask\n", "app = Flask(__name__)\n"],
    "sub/keep.py": ["x = 1\n"],
    ".env": ["TOKEN=x\n"],
}


@pytest.mark.parametrize("seed", range(3))
def test_after_any_sequence_of_edits_the_cache_reports_what_a_fresh_check_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """A property, over random edit sequences: after each edit (a file written, removed,
    a folder made), the cached run's report equals a ``--no-cache`` run's."""
    import random

    monkeypatch.setenv("DLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY . .\n")
    chance = random.Random(seed)
    for step in range(25):
        name = chance.choice(list(LINES))
        path = root / name
        if chance.random() < 0.2 and path.exists() and name != "Dockerfile":
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            lines = chance.sample(LINES[name], k=chance.randint(1, len(LINES[name])))
            if name == "Dockerfile":
                lines = [LINES[name][chance.randint(0, 1)], *lines]
            path.write_text("".join(lines))
        age(root, 1000 - step)  # each step its own time, none of them racily new
        fresh = check(root, cache=False)
        assert check(root) == fresh, f"step {step}: {name}"
        assert check(root) == fresh, f"step {step}: {name} (served)"


def test_no_home_means_no_cache_and_nothing_written_beside_the_project(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a home folder (a bare container user), nothing is kept, and never in a
    relative ``~`` folder inside the project being checked."""
    for name in ("DLINT_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    monkeypatch.chdir(service)
    before = sorted(p.name for p in service.iterdir())
    assert check(service) == check(service, cache=False)
    assert sorted(p.name for p in service.iterdir()) == before


def test_a_relative_xdg_cache_home_is_ignored(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DLINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(service)
    check(service)
    assert not (service / "relative-cache").exists()
    assert (tmp_path / "home" / ".cache" / "dlint").is_dir()
