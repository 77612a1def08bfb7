"""The graceful-stop proof says why a container was killed at the end of its grace.

Measured on the reference (docs/harness.md, "Graceful stop on a starved machine"): with
a tenth of a CPU the stop took 5.2 s (exit 0), with 4 % of one 10.7 s (exit 137), though
gunicorn handled SIGTERM at once and answered the request in flight; the time went to the
workers' interpreter shutdown. The engine is replaced here by a container that answers
as that one did, so the test needs no CPU starvation to be repeatable.
"""

import time

import pytest

from dlint.harness import contract, runtime
from dlint.harness.spec import GracefulStop, from_data
from dlint.harness.verdict import CheckFailed

LOG = (
    b"2026-12-02T04:02:30.22Z [1] [INFO] Handling signal: term\n"
    b'2026-12-02T04:02:32.94Z "POST /predict HTTP/1.1" 200 210\n'
    b"2026-12-02T04:02:32.94Z [13] [INFO] Worker exiting (pid: 13)\n"
)


class Killed:
    """A container whose stop ends in SIGKILL (exit 137)."""

    def stop(self, timeout: float) -> None:
        time.sleep(0.3)

    def wait(self, timeout: float) -> dict:
        return {"StatusCode": 137}

    def logs(self, timestamps: bool, tail: int) -> bytes:
        assert timestamps
        return LOG


class Lab:
    def start_ready(self, name, env):
        return Killed(), "endpoint"


SETTINGS = from_data(
    GracefulStop,
    {
        "grace": 10,
        "stop_after": 0.1,
        "exchange": {"request": {"method": "POST", "path": "/predict"}, "expect": {"status": 200}},
    },
)


def _answer_after(monkeypatch, seconds: float) -> None:
    def send(endpoint, request):
        time.sleep(seconds)
        return "answer"

    monkeypatch.setattr(contract, "send", send)
    monkeypatch.setattr(contract, "problems", lambda expected, answer: [])


def test_a_kill_after_the_request_was_answered_says_the_service_was_still_exiting(
    monkeypatch,
):
    _answer_after(monkeypatch, 0.2)
    with pytest.raises(CheckFailed) as failed:
        runtime.check_graceful_stop(Lab(), SETTINGS)
    message = str(failed.value)
    assert message.startswith(
        "exit code 137 after docker stop: killed after the 10 s grace, though the request "
        "in flight was answered 0.1 s after the stop: the service was still exiting"
    ), message
    assert message.endswith("its last log lines:\n" + LOG.decode().rstrip())


def test_a_kill_with_the_request_still_unanswered_is_only_a_kill(monkeypatch):
    # The answer comes only when the container is gone: the server never let it finish.
    _answer_after(monkeypatch, 0.6)
    with pytest.raises(CheckFailed) as failed:
        runtime.check_graceful_stop(Lab(), SETTINGS)
    first = str(failed.value).splitlines()[0]
    assert first == "exit code 137 after docker stop: killed after the 10 s grace"
