"""Benchmark ``dlint check``: wall time and peak memory for one file and for many.

Run from a checkout with dlint installed:  python benchmarks/bench_check.py [--files 300]
Each case runs ``python -m dlint check`` as a separate process (as a pre-commit hook
does), several times; the median wall time and that process's peak resident memory are
reported. The big-file cases (a 100,000-line Dockerfile, a 10 MB one) run once each,
first the parser alone and then the whole check, each stopped after ``--timeout`` seconds
(issue 10's target: 100,000 lines under 3 s and 200 MB). This is a measurement script,
not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVICE = """# syntax=docker/dockerfile:1
ARG PYTHON_VERSION=3.11
FROM python:${{PYTHON_VERSION}}-slim AS builder
ENV PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends \\
        build-essential=12.9 \\
        libpq-dev=15.5-0 \\
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY src/ /app/src/
RUN <<EOF
python -m compileall /app/src
EOF

FROM python:${{PYTHON_VERSION}}-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH=/opt/venv/bin:$PATH
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
RUN useradd --uid 10001 app
USER 10001:10001
EXPOSE 80{n:02d}
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:create_app()"]
"""
REQUIREMENTS = "".join(f"package-{i}=={i}.0.{i % 7}\n" for i in range(40)) + "flask>=3\n"
IGNORE = ".git\n.venv\n**/__pycache__\n*.ipynb\ndata/\n*.ckpt\n.env\n"


def make_tree(root: Path, count: int) -> None:
    """``count`` service folders, each with a Dockerfile, requirements and .dockerignore."""
    for n in range(count):
        folder = root / f"svc{n:03d}"
        (folder / "src").mkdir(parents=True)
        (folder / "Dockerfile").write_text(SERVICE.format(n=n % 100))
        (folder / "requirements.txt").write_text(REQUIREMENTS)
        (folder / ".dockerignore").write_text(IGNORE)
        (folder / "src" / "app.py").write_text("print('hi')\n")


# Runs dlint's entry point and reports that one process's peak memory on its last stderr
# line (RUSAGE_CHILDREN would only give the largest child so far).
RUN_DLINT = """
import resource, runpy, sys
sys.argv = ["dlint", *sys.argv[1:]]
try:
    runpy.run_module("dlint", run_name="__main__")
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""
PARSE_ONLY = """
import resource, sys
from pathlib import Path
from dlint.parse import parse_dockerfile
text = Path(sys.argv[1]).read_text()
parse_dockerfile(text, sys.argv[1])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def measure(
    args: list[str], cwd: Path, repeat: int, script: str = RUN_DLINT, timeout: float | None = None
) -> tuple[float, float, float, int] | None:
    """Median and best wall time (s), median user CPU time (s) and peak RSS (MiB) of
    ``script`` with ``args``.

    None when a run takes longer than ``timeout`` seconds. On a shared machine the user
    CPU time is the steadier figure: wall time is mostly waiting for a core.
    """
    times, cpus, peaks = [], [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", script, *args],
                cwd=cwd,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return None
        times.append(time.perf_counter() - start)
        cpus.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before)
        *_, peak = done.stderr.decode().splitlines() or ["0"]
        if done.returncode not in (0, 1) or not peak.isdigit():
            raise SystemExit(f"dlint failed: {done.stderr.decode()}")
        peaks.append(int(peak) // 1024)
    return statistics.median(times), min(times), statistics.median(cpus), max(peaks)


def make_big_files(root: Path) -> tuple[Path, Path]:
    """A 100,000-line Dockerfile and a 10 MB one: the service's two stages over and over."""
    block = SERVICE.format(n=0).replace("# syntax=docker/dockerfile:1\n", "")
    lines = block.splitlines(keepends=True)
    hundred_k = root / "100k-lines.Dockerfile"
    hundred_k.write_text("".join(lines[i % len(lines)] for i in range(100_000)))
    ten_mb = root / "10mb.Dockerfile"
    ten_mb.write_text(block * (10 * 1024 * 1024 // len(block) + 1))
    return hundred_k, ten_mb


def main() -> None:
    """Build the trees, run the cases, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300, help="Dockerfiles in the big case")
    parser.add_argument("--repeat", type=int, default=5, help="runs per small case")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds before a big-file run is stopped"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_tree(root / "one", 1)
        make_tree(root / "many", options.files)
        hundred_k, ten_mb = make_big_files(root)
        cases = [
            ("startup (--version)", ["--version"], RUN_DLINT, options.repeat),
            ("1 Dockerfile", ["check", "one/svc000/Dockerfile"], RUN_DLINT, options.repeat),
            (f"{options.files} Dockerfiles", ["check", "many"], RUN_DLINT, options.repeat),
            ("100k lines: parse", [hundred_k.name], PARSE_ONLY, 1),
            ("100k lines: check", ["check", "--isolated", hundred_k.name], RUN_DLINT, 1),
            (
                "100k: no ShellCheck",
                ["check", "--isolated", "--ignore", "shellcheck", hundred_k.name],
                RUN_DLINT,
                1,
            ),
            ("10 MB: parse", [ten_mb.name], PARSE_ONLY, 1),
            ("10 MB: check", ["check", "--isolated", ten_mb.name], RUN_DLINT, 1),
        ]
        print(f"{'case':<22} {'median s':>9} {'best s':>8} {'user s':>7} {'peak MiB':>9}")
        for name, args, script, repeat in cases:
            measured = measure(args, root, repeat, script, options.timeout)
            if measured is None:
                print(f"{name:<22} {'> ' + str(options.timeout):>9}")
                continue
            median, best, cpu, peak = measured
            print(f"{name:<22} {median:>9.3f} {best:>8.3f} {cpu:>7.2f} {peak:>9}")


if __name__ == "__main__":
    main()
