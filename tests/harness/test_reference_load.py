"""The reference under load and abuse: idle connections, chunked bodies, a clean log.

The checks themselves are proved here against small local servers (no engine needed);
`dlint test reference` runs them on the real engine, and a variant with the old worker
model and gunicorn's default control socket must fail exactly those checks.
"""

import importlib.util
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from dlint.harness import contract, runtime
from dlint.harness.reach import PublishedPort
from dlint.harness.spec import CleanLog, IdleConnections, Request, from_data
from dlint.harness.verdict import CheckFailed

REPO = Path(__file__).resolve().parents[2]
HEALTH = {
    "request": {"method": "GET", "path": "/health"},
    "expect": {"status": 200, "max_ms": 1000},
}


def idle(connections: int, exchange: dict) -> IdleConnections:
    """The spec's ``runtime.idle_connections`` section."""
    return from_data(IdleConnections, {"connections": connections, "exchange": exchange})


class Handler(BaseHTTPRequestHandler):
    """Answers every request with 200 and records what it received."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str | None, bytes]]] = []

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while size := int(self.rfile.readline().strip(), 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(body)

    def _answer(self, body: bytes) -> None:
        Handler.seen.append((self.headers.get("Transfer-Encoding"), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _serve(server_class: type[HTTPServer]) -> Iterator[int]:
    server = server_class(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def one_at_a_time() -> Iterator[int]:
    """A server that reads one connection at a time, like a sync gunicorn worker."""
    yield from _serve(HTTPServer)


@pytest.fixture
def threaded() -> Iterator[int]:
    """A server with a thread per connection."""
    yield from _serve(ThreadingHTTPServer)


def test_idle_connections_starve_a_one_at_a_time_server(one_at_a_time, monkeypatch):
    monkeypatch.setattr(runtime, "IDLE_REQUEST_TIMEOUT", 1.0)
    with pytest.raises(CheckFailed, match="while 2 idle connections were open"):
        runtime.check_idle_connections(PublishedPort(one_at_a_time), idle(2, HEALTH))


def test_idle_connections_leave_a_threaded_server_answering(threaded):
    runtime.check_idle_connections(PublishedPort(threaded), idle(4, HEALTH))


def test_idle_connections_check_holds_to_the_latency_budget(threaded, monkeypatch):
    slow = {**HEALTH, "expect": {"status": 200, "max_ms": 0.001}}
    with pytest.raises(CheckFailed, match="with 3 idle connections open: took"):
        runtime.check_idle_connections(PublishedPort(threaded), idle(3, slow))


def test_idle_connections_are_closed_afterwards(threaded):
    runtime.check_idle_connections(PublishedPort(threaded), idle(2, HEALTH))
    # A one-connection backlog would still accept: prove the port answers normally.
    with socket.create_connection(("127.0.0.1", threaded), timeout=5):
        pass


def test_chunked_request_sends_the_body_without_content_length(threaded):
    Handler.seen.clear()
    request = {"method": "POST", "path": "/p", "body_bytes": 70000, "chunked": True}
    chunked, plain = from_data(Request, request), from_data(Request, {**request, "chunked": False})
    assert contract.send(PublishedPort(threaded), chunked).status == 200
    assert contract.send(PublishedPort(threaded), plain).status == 200
    assert [(encoding, len(body)) for encoding, body in Handler.seen] == [
        ("chunked", 70000),
        (None, 70000),
    ]


class FakeContainer:
    """Only what check_clean_log reads: the container's log."""

    def __init__(self, log: str) -> None:
        self.log = log

    def logs(self) -> bytes:
        return self.log.encode()


FORBID = from_data(CleanLog, {"forbid": [r"\[ERROR\]", "^ERROR ", "Traceback"]})


def test_clean_log_fails_on_gunicorns_control_server_error():
    log = (
        "[2026-12-02 00:35:00 +0000] [1] [INFO] Starting gunicorn 27.0.1\n"
        "[2026-12-02 00:35:00 +0000] [1] [ERROR] Control server error: [Errno 30] "
        "Read-only file system: '/nonexistent'\n"
    )
    with pytest.raises(CheckFailed, match=r"1 log lines match .*Control server error"):
        runtime.check_clean_log(FakeContainer(log), FORBID)  # type: ignore[arg-type]


def test_clean_log_fails_on_a_traceback_and_passes_a_clean_log():
    with pytest.raises(CheckFailed, match="Traceback"):
        runtime.check_clean_log(
            FakeContainer("INFO ok\nTraceback (most recent call last):\n"),  # type: ignore[arg-type]
            FORBID,
        )
    clean = '[INFO] Booting worker with pid: 7\n172.17.0.1 - - "GET /does-not-exist" 404\n'
    runtime.check_clean_log(FakeContainer(clean), FORBID)  # type: ignore[arg-type]


def _load_benchmark():
    spec = importlib.util.spec_from_file_location(
        "load_reference", REPO / "benchmarks" / "load_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:32768/predict
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.40ms    3.10ms  80.02ms   90.00%
    Req/Sec     1.29k   120.00     1.50k    70.00%
  Latency Distribution
     50%  850.00us
     75%   14.00ms
     90%   16.00ms
     99%    1.20s
  12900 requests in 10.00s, 3.20MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1290.12
Transfer/sec:    327.00KB
"""


def test_benchmark_reads_rate_latency_and_errors_from_wrk():
    result = _load_benchmark().parse_wrk(WRK_OUTPUT)
    assert result.requests_per_second == pytest.approx(1290.12)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.errors == 9
    assert result.requests == 12900


def test_benchmark_refuses_wrk_output_without_a_latency_distribution():
    with pytest.raises(ValueError, match="latency distribution"):
        _load_benchmark().parse_wrk("Requests/sec: 10.0\n")


def test_benchmark_seed_uses_the_reference_pins(tmp_path):
    seed = _load_benchmark().write_seed_context(tmp_path / "seed", REPO / "reference")
    pins = (seed / "requirements.txt").read_text().split()
    assert "scikit-learn==1.9.1" in pins and "Flask==3.1.3" in pins
    assert all("==" in pin for pin in pins)
    assert 'CMD ["python", "app.py"]' in (seed / "Dockerfile").read_text()


def test_sync_workers_and_the_control_socket_fail_the_load_checks(dlint_test, variant, leftovers):
    """The reference as it was (sync workers, gunicorn's default control socket) fails the
    idle-connection and clean-log checks on the real engine; nothing is left behind."""
    context = variant(
        # More than one thread turns a sync worker into gthread: drop the threads too.
        ("Dockerfile", '"gthread", "--workers", "2", "--threads", "8"', '"sync", "--workers", "2"'),
        ("Dockerfile", ' "--no-control-socket",', ""),
    )
    result = dlint_test(str(context), "-k", "readiness or idle or clean-log or chunked")
    assert result.code == 1, result.stdout + result.stderr
    assert result.failed == {"runtime-idle-connections", "runtime-clean-log"}
    assert "idle connections were open: they hold every worker" in result.stdout
    assert "Control server error" in result.stdout
    assert leftovers(result.run_id) == []
