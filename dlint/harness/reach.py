"""How the checks reach the service: its published port, or a helper container.

A local engine publishes the service on this machine's loopback. A remote engine
(``ssh://``, TCP to another host, a CI service container) publishes it on *its* machine,
where this one cannot connect; there a helper container started with
``--network container:<service>`` shares the service's network namespace and sends each
request to the service's own loopback, and its answer comes back through the engine API
(``docker exec``), the one channel a remote engine always offers.
"""

import base64
import io
import json
import secrets
import socket
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import requests
from docker.models.containers import Container

from dlint.harness.contract import Answer

MODES = ("auto", "published", "helper")
# A body larger than this goes into the helper as a file: the kernel caps one argument.
LARGEST_ARGUMENT = 64 * 1024
# Runs in the helper: send one request to the service's loopback, print the answer as JSON.
HELPER_CLIENT = """
import base64, http.client, json, sys, time
r = json.loads(base64.b64decode(sys.argv[1]))
body = base64.b64decode(r["body"]) if r["body"] is not None else None
if r["body_file"]:
    body = open(r["body_file"], "rb").read()
if r.get("chunked") and body is not None:
    body = iter([body[i:i + 8192] for i in range(0, len(body), 8192)])
c = http.client.HTTPConnection("127.0.0.1", r["port"], timeout=r["timeout"])
t = time.monotonic()
try:
    c.request(r["method"], r["path"], body=body, headers=r["headers"],
              encode_chunked=bool(r.get("chunked")))
    a = c.getresponse()
    data = a.read()
except OSError as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
    sys.exit(0)
ms = (time.monotonic() - t) * 1000
print(json.dumps({"status": a.status, "type": a.getheader("Content-Type", ""),
                  "body": base64.b64encode(data).decode(), "ms": ms}))
"""
# Runs in the helper, detached: hold N connections to the service open without a byte.
HELPER_IDLE_CLIENTS = """
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        for _ in range(int(sys.argv[2]))]
time.sleep(float(sys.argv[3]))
"""
# Keeps the helper alive doing nothing; it only exists to share the network namespace.
HELPER_IDLE = "import signal; signal.pause()"
INTERPRETERS = ("python3", "python")


class Endpoint(Protocol):
    """Where requests to the service go."""

    def exchange(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
        chunked: bool = False,
    ) -> Answer:
        """Send one request; raise requests.ConnectionError or Timeout as requests would.

        ``chunked`` sends the body with ``Transfer-Encoding: chunked``, no length.
        """
        ...

    def hold_idle(self, count: int, seconds: float) -> Callable[[], None]:
        """Open ``count`` connections to the service that send nothing, for up to
        ``seconds``; return what closes them."""
        ...

    def describe(self) -> str:
        """Where this endpoint sends requests, for messages."""
        ...


@dataclass(frozen=True)
class PublishedPort:
    """The port the engine published on this machine's loopback."""

    port: int

    def exchange(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
        chunked: bool = False,
    ) -> Answer:
        """Send the request with requests to 127.0.0.1:port."""
        started = time.monotonic()
        response = requests.request(
            method,
            f"http://127.0.0.1:{self.port}{path}",
            data=_chunks(body) if chunked and body is not None else body,
            headers=headers,
            timeout=timeout,
        )
        elapsed = (time.monotonic() - started) * 1000
        return Answer(
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.content,
            elapsed,
        )

    def hold_idle(self, count: int, seconds: float) -> Callable[[], None]:
        """Idle sockets from this machine to the published port."""
        held: list[socket.socket] = []
        try:
            for _ in range(count):
                held.append(socket.create_connection(("127.0.0.1", self.port), timeout=5))
        except OSError:
            for connection in held:
                connection.close()
            raise

        def close() -> None:
            for connection in held:
                connection.close()

        return close

    def describe(self) -> str:
        """The published address."""
        return f"127.0.0.1:{self.port}"


def _chunks(body: bytes, size: int = 8192) -> Iterator[bytes]:
    """The body in pieces: requests sends an iterator with ``Transfer-Encoding: chunked``."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@dataclass(frozen=True)
class HelperContainer:
    """A helper in the service's network namespace that sends requests for us."""

    helper: Container
    interpreter: str
    port: int

    def exchange(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
        chunked: bool = False,
    ) -> Answer:
        """Run the helper's client through ``docker exec`` and read its JSON answer.

        ``milliseconds`` is measured inside the helper, so the engine's round trip does
        not count against a ``max_ms`` budget.
        """
        body_file = None
        if body is not None and len(body) > LARGEST_ARGUMENT:
            body_file = self._put_file(body)
            body = None
        request = {
            "port": self.port,
            "method": method,
            "path": path,
            "headers": headers,
            "timeout": timeout,
            "body": base64.b64encode(body).decode() if body is not None else None,
            "body_file": body_file,
            "chunked": chunked,
        }
        argument = base64.b64encode(json.dumps(request).encode()).decode()
        code, output = self.helper.exec_run(
            [self.interpreter, "-c", HELPER_CLIENT, argument], demux=True
        )
        out, err = output if isinstance(output, tuple) else (output, b"")
        text = out.decode("utf-8", "replace").strip() if isinstance(out, bytes) else ""
        if code != 0 or not text:
            message = err.decode("utf-8", "replace").strip()[-300:] if err else ""
            raise requests.ConnectionError(f"the helper container's client failed: {message}")
        answer = json.loads(text.splitlines()[-1])
        if "error" in answer:
            kind = requests.Timeout if "timeout" in answer["error"].lower() else None
            raise (kind or requests.ConnectionError)(f"{answer['error']}: {answer['message']}")
        return Answer(
            answer["status"], answer["type"], base64.b64decode(answer["body"]), answer["ms"]
        )

    def hold_idle(self, count: int, seconds: float) -> Callable[[], None]:
        """Idle sockets opened inside the helper (a detached exec that sleeps, then exits).

        Closing early is not possible through the API; the exec ends after ``seconds``,
        and with the helper when the run cleans up.
        """
        script = [self.interpreter, "-c", HELPER_IDLE_CLIENTS, str(self.port), str(count)]
        self.helper.exec_run([*script, str(seconds)], detach=True)
        return lambda: None

    def _put_file(self, body: bytes) -> str:
        name = f"dlint-body-{secrets.token_hex(4)}"
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(body))
        self.helper.put_archive("/tmp", archive.getvalue())
        return f"/tmp/{name}"

    def describe(self) -> str:
        """The helper and the service's loopback port it reaches."""
        return f"127.0.0.1:{self.port} inside the service, through helper {self.helper.name}"


def uses_helper(mode: str, engine_is_local: bool) -> bool:
    """Whether ``mode`` (auto, published, helper) reaches the service through a helper."""
    if mode == "auto":
        return not engine_is_local
    return mode == "helper"
