"""Load test: the reference service against the chapter's own image, side by side.

Builds the reference (``reference/``, or ``--reference DIR``) and the seed: the chapter's
first image, one stage, ``COPY . .``, ``pip install``, a scikit-learn pipeline loaded with
joblib and served by Flask's development server, from the same locked package versions.
(``examples/naive-ml-service`` is the chapter's Dockerfile but serves nothing, so the
seed is built here from the same shape.) Each image runs hardened exactly as ``dlint
test`` runs it (read-only, no capabilities, 512 MB, published on 127.0.0.1 only), and
``wrk -t1 -c16 -d10s`` POSTs one prediction to ``/predict`` from 127.0.0.1. Rounds
alternate the order, so drift on a shared machine hits both. Everything created is
labelled with one run id and removed at the end, also on Ctrl-C.

Needs a Docker engine (``bash scripts/ensure-docker.sh``) and ``wrk`` (Debian:
``apt-get install wrk``). Usage::

    python benchmarks/load_reference.py [--rounds 3] [--duration 10] [--reference DIR]
        [--before EARLIER_REFERENCE_DIR]

Exit codes: 0 done, 2 cannot run (no engine, no wrk, a build failed), 130 interrupted.
"""

import argparse
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docker.models.containers import Container

REPO = Path(__file__).resolve().parents[1]
PORT = 8080
BODY = '{"features": [5.1, 3.5, 1.4, 0.2]}'
WRK_SCRIPT = f"""wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
"""

SEED_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
RUN python train.py
EXPOSE 8080
CMD ["python", "app.py"]
"""
SEED_TRAIN = """\
import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

iris = load_iris()
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
joblib.dump(model.fit(iris.data, iris.target), "model.joblib")
"""
SEED_APP = """\
import joblib
from flask import Flask, jsonify, request

app = Flask(__name__)
model = joblib.load("model.joblib")
CLASSES = ["setosa", "versicolor", "virginica"]


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/predict", methods=["POST"])
def predict():
    probabilities = model.predict_proba([request.get_json()["features"]])[0]
    best = int(probabilities.argmax())
    return jsonify(
        class_index=best,
        class_name=CLASSES[best],
        probabilities=dict(zip(CLASSES, probabilities.tolist())),
    )


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
"""

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_ms_per_request: float = 0.0


def _milliseconds(value: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value)
    if not match:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match[1]) * UNITS_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, median and p99 latency, errors (socket errors + non-2xx/3xx), and the
    number of requests."""
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in ", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rate and p50 and p99 and total):
        raise ValueError(f"wrk output without rate and latency distribution:\n{output}")
    errors = 0
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(count) for count in sockets.groups())
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if status:
        errors += int(status[1])
    return WrkResult(
        float(rate[1]), _milliseconds(p50[1]), _milliseconds(p99[1]), errors, int(total[1])
    )


def cpu_nanoseconds(container: "Container") -> int:
    """CPU time the container's processes used so far (the engine's stats, in ns).

    On a machine shared with other work, requests/s measure the share of the CPU the
    container got as much as the server; CPU per request does not depend on that share.
    """
    stats = container.stats(stream=False)
    assert isinstance(stats, dict), "stream=False returns one sample"
    return int(stats["cpu_stats"]["cpu_usage"]["total_usage"])


def write_seed_context(folder: Path, reference: Path) -> Path:
    """The seed's build context: the chapter's Dockerfile, app and training script, and
    every pin of the reference's locks (serving and training) as requirements.txt."""
    pins = []
    for lock in ("requirements.lock", "requirements-train.lock"):
        if not (reference / lock).exists():  # an older reference had one lock for both
            continue
        for line in (reference / lock).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                pins.append(line)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
    (folder / "Dockerfile").write_text(SEED_DOCKERFILE, encoding="utf-8")
    (folder / "app.py").write_text(SEED_APP, encoding="utf-8")
    (folder / "train.py").write_text(SEED_TRAIN, encoding="utf-8")
    return folder


def run_wrk(port: int, seconds: int, connections: int, script: Path) -> WrkResult:
    """One bounded wrk run against 127.0.0.1:port."""
    command = [
        *("wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)),
        f"http://127.0.0.1:{port}/predict",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


def _say(line: str) -> None:
    print(f"load: {line}", file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> int:
    """Build both images, load each in alternating rounds, print the comparison."""
    import requests

    from dlint.harness import docker_ops
    from dlint.harness.lab import new_run_id
    from dlint.harness.reach import PublishedPort

    if shutil.which("wrk") is None:
        print("load: error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    client = docker_ops.connect()
    run_id = new_run_id()
    _say(f"run {run_id}")
    scratch = Path(tempfile.mkdtemp(prefix="dlint-load-"))
    try:
        script = scratch / "post.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        contexts = {"seed": write_seed_context(scratch / "seed", args.reference)}
        if args.before is not None:
            contexts["before"] = args.before
        contexts["reference"] = args.reference
        images = {}
        for name, context in contexts.items():
            docker_ops.ensure_base_images(client, context / "Dockerfile")
            built = docker_ops.build(
                client, context, "Dockerfile", f"dlint-load/{name}:{run_id}", run_id, _say
            )
            images[name] = built
            _say(f"built {name}: {built.size_bytes / 1e6:.0f} MB in {built.seconds:.0f} s")
        results: dict[str, list[WrkResult]] = {name: [] for name in images}
        for round_number in range(args.rounds):
            order = list(images) if round_number % 2 == 0 else list(reversed(images))
            for name in order:
                options = docker_ops.RunOptions(port=PORT, memory="512m", pids=128)
                container = docker_ops.start_hardened(
                    client, images[name].image_id, run_id, f"{name}-{round_number}", options
                )
                try:
                    port = docker_ops.host_port(container, PORT)
                    docker_ops.wait_ready(container, PublishedPort(port), 120, "/health")
                    answer = requests.post(
                        f"http://127.0.0.1:{port}/predict",
                        data=BODY,
                        headers={"Content-Type": "application/json"},
                        timeout=10,
                    )
                    if answer.json().get("class_name") != "setosa":
                        raise RuntimeError(f"{name} predicts wrongly: {answer.text}")
                    run_wrk(port, 2, args.connections, script)  # warm-up, not counted
                    cpu_before = cpu_nanoseconds(container)
                    result = run_wrk(port, args.duration, args.connections, script)
                    cpu = (cpu_nanoseconds(container) - cpu_before) / 1e6
                    result = replace(result, cpu_ms_per_request=cpu / max(result.requests, 1))
                finally:
                    container.remove(force=True)
                results[name].append(result)
                _say(
                    f"round {round_number + 1} {name}: {result.requests_per_second:.0f} req/s, "
                    f"p99 {result.p99_ms:.1f} ms, {result.errors} errors, "
                    f"{result.cpu_ms_per_request:.2f} CPU ms/request"
                )
        print_table(images, results, args)
        return 0
    finally:
        removed = docker_ops.remove_run(client, run_id)
        shutil.rmtree(scratch, ignore_errors=True)
        _say(f"removed {len(removed)} objects labelled {docker_ops.LABEL}={run_id}")


def print_table(
    images: dict, results: dict[str, list[WrkResult]], args: argparse.Namespace
) -> None:
    """Medians per image, and the reference's ratios to the seed."""
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s POST /predict, 127.0.0.1, "
        f"{args.rounds} alternating rounds, medians"
    )
    print(
        f"{'image':<10} {'MB':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'CPU ms/req':>10}"
    )
    medians = {}
    for name, runs in results.items():
        rate = statistics.median(r.requests_per_second for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        cpu = statistics.median(r.cpu_ms_per_request for r in runs)
        medians[name] = (rate, p99, images[name].size_bytes, cpu)
        size = images[name].size_bytes / 1e6
        print(
            f"{name:<10} {size:>5.0f} {rate:>8.0f} {p50:>8.2f} {p99:>8.2f} {errors:>7} {cpu:>10.2f}"
        )
    seed_rate, seed_p99, seed_size, seed_cpu = medians.pop("seed")
    for name, (rate, p99, size_bytes, cpu) in medians.items():
        print(
            f"{name} / seed: {rate / seed_rate:.2f}x req/s, p99 {p99 / seed_p99:.2f}x, "
            f"{seed_cpu / cpu:.2f}x fewer CPU ms per request, "
            f"image {100 * (1 - size_bytes / seed_size):.0f}% smaller"
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the comparison; SIGTERM and SIGHUP clean up like Ctrl-C."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REPO / "reference")
    parser.add_argument(
        "--before", type=Path, help="an earlier reference folder, measured in the same rounds"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per image (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    args = parser.parse_args(argv)
    args.reference = args.reference.resolve()
    args.before = args.before.resolve() if args.before else None
    from dlint.harness.docker_ops import CannotRun

    try:
        return measure(args)
    except KeyboardInterrupt:
        print("load: interrupted", file=sys.stderr)
        return 130
    except (CannotRun, RuntimeError, TimeoutError, ValueError) as error:
        print(f"load: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    _say(f"done in {time.monotonic() - started:.0f} s")
    sys.exit(code)
