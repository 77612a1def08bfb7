"""Helpers shared by dlint's tests (imported by name; conftest.py only holds fixtures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
