"""Fixtures shared by dlint's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path):
    """Write a small project: ``project({"Dockerfile": "...", ...})`` returns its folder."""

    def write(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return tmp_path

    return write


@pytest.fixture(autouse=True, scope="session")
def _private_result_cache(tmp_path_factory):
    """Every test run keeps dlint's result cache in a folder of its own (never the user's
    ~/.cache/dlint, never one an earlier run filled); subprocesses inherit it."""
    import os

    before = os.environ.get("DLINT_CACHE_DIR")
    os.environ["DLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("dlint-cache"))
    yield
    if before is None:
        os.environ.pop("DLINT_CACHE_DIR", None)
    else:
        os.environ["DLINT_CACHE_DIR"] = before
