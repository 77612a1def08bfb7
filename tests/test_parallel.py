"""Many Dockerfiles are checked in worker processes, with the report of a serial run."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlint import parallel
from dlint.checkrun import CheckOptions, run_check
from dlint.engine import Result, check_groups

SERVICE = """FROM python:3.11
RUN apt-get update && apt-get install -y curl
COPY . /app
RUN pip install -r /app/requirements.txt
CMD python app.py
"""


def tree(root: Path, count: int) -> Path:
    """``count`` projects with findings, one that does not parse, one with a bad include."""
    for n in range(count):
        folder = root / f"svc{n:03d}"
        folder.mkdir(parents=True)
        (folder / "Dockerfile").write_text(SERVICE.replace("curl", f"curl pkg{n}"))
        (folder / "requirements.txt").write_text(f"flask\nnumpy=={n}.0\n")
    (root / "svc005" / "Dockerfile").write_text("FROM python:3.11\nFROOM x\n")
    (root / "svc007" / "requirements.txt").write_text("-r ../../secret.txt\n")
    return root


def check(paths: list[str], jobs: int, monkeypatch, fmt: str = "text") -> tuple[int, str, str]:
    monkeypatch.setenv("DLINT_JOBS", str(jobs))
    out, err = io.StringIO(), io.StringIO()
    options = CheckOptions(paths=paths, isolated=True, format=fmt, ignore="shellcheck")
    code = run_check(options, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_two_workers_give_the_serial_report(tmp_path: Path, monkeypatch, fmt: str) -> None:
    root = tree(tmp_path, parallel.MIN_TARGETS + 9)
    serial = check([str(root)], 1, monkeypatch, fmt)
    assert serial[0] == 2 and "svc005" in serial[2]  # findings, and one file refused
    assert check([str(root)], 2, monkeypatch, fmt) == serial
    assert check([str(root)], 3, monkeypatch, fmt) == serial


def test_the_slices_run_in_other_processes(tmp_path: Path, monkeypatch) -> None:
    def noting_pid(groups, config_for) -> list[Result]:
        results = check_groups(groups, config_for)
        for result in results:
            result.errors.append(f"pid {os.getpid()}")
        return results

    monkeypatch.setattr(parallel, "check_groups", noting_pid)
    _, _, err = check([str(tree(tmp_path, parallel.MIN_TARGETS))], 2, monkeypatch)
    pids = {line.rsplit(" ", 1)[1] for line in err.splitlines() if "error: pid " in line}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_a_few_files_are_checked_without_workers(monkeypatch) -> None:
    monkeypatch.delenv("DLINT_JOBS", raising=False)
    assert parallel.workers(parallel.MIN_TARGETS - 1) == 1
    assert parallel.workers(1000) == min(len(os.sched_getaffinity(0)), 1000)


def _children(pid: int) -> list[str]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += (task / "children").read_text().split()
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGINT, 130, "dlint: interrupted\n"), (signal.SIGTERM, 143, "")],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_stops_the_workers_cleanly(
    tmp_path: Path, signum: int, code: int, said: str
) -> None:
    """Ctrl-C (or CI cancelling the job) while workers run: they end too, no traceback."""
    root = tree(tmp_path, 400)
    env = {**os.environ, "DLINT_JOBS": "2"}
    run = subprocess.Popen(
        [sys.executable, "-m", "dlint", "check", "--isolated", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not _children(run.pid) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(run.pid)
    assert workers, "the check ended before its workers could be seen"
    run.send_signal(signum)
    _, err = run.communicate(timeout=60)
    assert run.returncode == code
    assert err == said
    for pid in workers:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )
