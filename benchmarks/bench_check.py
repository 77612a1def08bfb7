"""Benchmark ``dlint check``: wall time and peak memory for one file and for many.

Run from a checkout with dlint installed:  python benchmarks/bench_check.py [--files 300]
Each case runs ``python -m dlint check`` as a separate process (as a pre-commit hook
does), several times; the median wall time and the peak resident memory are reported.
This is a measurement script, not a test: it asserts nothing.
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


def measure(args: list[str], cwd: Path, repeat: int) -> tuple[float, float, int]:
    """Median and best wall time (s) and peak RSS (MiB) of ``dlint`` with ``args``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dlint", *args], cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"dlint failed: {done.stderr.decode()}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return statistics.median(times), min(times), peak_kib // 1024


def main() -> None:
    """Build the trees, run the cases, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300, help="Dockerfiles in the big case")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_tree(root / "one", 1)
        make_tree(root / "many", options.files)
        cases = [
            ("startup (--version)", ["--version"], root),
            ("1 Dockerfile", ["check", "one/svc000/Dockerfile"], root),
            (f"{options.files} Dockerfiles", ["check", "many"], root),
        ]
        print(f"{'case':<22} {'median s':>9} {'best s':>8} {'peak MiB':>9}")
        for name, args, cwd in cases:
            median, best, peak = measure(args, cwd, options.repeat)
            print(f"{name:<22} {median:>9.3f} {best:>8.3f} {peak:>9}")
    print("(peak memory is the largest dlint process seen so far in this run)")


if __name__ == "__main__":
    main()
