"""Hard inputs: each gives its documented exit code and one clear first line, in bounded time.

Every case runs ``python -m dlint check`` as a user would, in a fresh folder, with a
subprocess timeout: a hang fails the test instead of stalling CI. None may print a
traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PIP = "RUN pip install flask==2.0.1\n"
CACHE_KEPT = r"Dockerfile:{at}: info pip-cache-kept \(D205\) "
TIMEOUT = 60


@dataclass(frozen=True)
class Case:
    """Files to write, what to check, and what the user must see."""

    files: dict[str, bytes]
    code: int
    first_line: str  # a regular expression for the first line of the stream below
    stream: str = "stderr"
    args: tuple[str, ...] = ("Dockerfile",)
    select: tuple[str, ...] = ("--select", "pip-cache-kept")


def dockerfile(text: bytes) -> dict[str, bytes]:
    """A project holding just this Dockerfile."""
    return {"Dockerfile": text}


BASE = b"FROM python:3.11-slim\n"
DEEP = b"${a:-" * 1000 + b"x" + b"}" * 1000

CASES = {
    "empty file": Case(dockerfile(b""), 2, r"dlint: error: Dockerfile:1:1: no FROM instruction$"),
    "comments only": Case(
        dockerfile(b"# a comment\n# another\n"),
        2,
        r"dlint: error: Dockerfile:2:1: no FROM instruction$",
    ),
    "binary": Case(
        dockerfile(bytes(range(256)) * 4),
        2,
        r"dlint: error: Dockerfile: binary file, not a Dockerfile$",
    ),
    "UTF-16 with BOM": Case(
        dockerfile((BASE.decode() + PIP).encode("utf-16")),
        2,
        r"dlint: error: Dockerfile: UTF-16 text; Docker reads it as UTF-8: save it as UTF-8$",
    ),
    "UTF-16 without BOM": Case(
        dockerfile((BASE.decode() + PIP).encode("utf-16-le")),
        2,
        r"dlint: error: Dockerfile: UTF-16 text; Docker reads it as UTF-8: save it as UTF-8$",
    ),
    "UTF-8 BOM (columns unshifted)": Case(
        dockerfile(b"\xef\xbb\xbf" + BASE + PIP.encode()),
        1,
        CACHE_KEPT.format(at="2:9"),
        "stdout",
    ),
    "CRLF": Case(
        dockerfile(BASE.replace(b"\n", b"\r\n") + PIP.replace("\n", "\r\n").encode()),
        1,
        CACHE_KEPT.format(at="2:9"),
        "stdout",
    ),
    "a 1 MB single line": Case(
        dockerfile(BASE + b"RUN echo " + b"x" * 1_000_000 + b"\n"),
        2,
        r"dlint: error: Dockerfile:2:1: line is longer than Docker's limit of 65535 bytes$",
    ),
    "10,000 arguments in one RUN": Case(
        dockerfile(BASE + b"RUN pip install " + " ".join(f"p{i}" for i in range(10000)).encode()),
        1,
        CACHE_KEPT.format(at="2:9"),
        "stdout",
    ),
    "${} nested 1000 deep": Case(
        dockerfile(BASE + b"RUN echo " + DEEP + b" && pip install flask==2.0.1\n"),
        1,
        CACHE_KEPT.format(at=f"2:{len(b'RUN echo ' + DEEP + b' && pip ') + 1}"),
        "stdout",
    ),
    "unknown instruction": Case(
        dockerfile(BASE + b"FOO bar\n"),
        2,
        r"dlint: error: Dockerfile:2:1: unknown instruction 'FOO'$",
    ),
    "unclosed heredoc": Case(
        dockerfile(BASE + b"RUN <<EOF\npip install flask\n"),
        2,
        r"dlint: error: Dockerfile:2:1: heredoc <<EOF is never closed$",
    ),
    "Docker's parser refuses it (JSON array of numbers)": Case(
        dockerfile(BASE + b"CMD [1, 2]\n"),
        2,
        r"dlint: error: Dockerfile:2:1: when using JSON array syntax, arrays must be comprised "
        r"of strings only$",
    ),
    "ONBUILD chained 5,000 deep": Case(
        dockerfile(BASE + b"ONBUILD " * 5000 + b"RUN x\n"),
        2,
        r"dlint: error: Dockerfile:2:1: chaining ONBUILD via ONBUILD ONBUILD is not allowed$",
    ),
    "a FIFO named Dockerfile in a folder": Case(
        {"svc/Dockerfile": b"FIFO", "svc/Dockerfile.ok": BASE + PIP.encode()},
        2,
        r"svc/Dockerfile\.ok:2:9: info pip-cache-kept",
        "stdout",
        ("svc",),
    ),
}


def write(root: Path, files: dict[str, bytes]) -> None:
    """Write the case's files; the content ``FIFO`` makes a named pipe instead."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == b"FIFO":
            os.mkfifo(path)
        else:
            path.write_bytes(content)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hard_input(case: Case, tmp_path: Path) -> None:
    """Exit code and first line as documented; no traceback; done within the timeout."""
    write(tmp_path, case.files)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dlint", "check", "--isolated", *case.select, *case.args],
            cwd=tmp_path,
            capture_output=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"dlint check did not finish within {TIMEOUT} s")
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert "Traceback" not in stderr, stderr
    lines = (stdout if case.stream == "stdout" else stderr).splitlines()
    assert lines, (stdout, stderr)
    assert re.match(case.first_line, lines[0]), lines[0]
    assert done.returncode == case.code, (stdout, stderr)


def test_fifo_is_reported_not_read(tmp_path: Path) -> None:
    """The named pipe gets one error line naming it (reading it would block forever)."""
    write(tmp_path, CASES["a FIFO named Dockerfile in a folder"].files)
    done = subprocess.run(
        [sys.executable, "-m", "dlint", "check", "--isolated", "svc"],
        cwd=tmp_path,
        capture_output=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    errors = done.stderr.decode().splitlines()
    assert len(errors) == 1 and errors[0].startswith("dlint: error: svc/Dockerfile"), errors
