"""Shared helpers for dlint's tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_dlint(*args: str, cwd: Path | None = None, stdin: str | bytes | None = None):
    """Run the installed ``dlint`` as a user would (``python -m dlint``), capturing output."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "dlint", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=120,
    )


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
