"""Fixtures for the harness tests: a Docker client (or skip/fail) and reference variants."""

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import require

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
RUN_ID = re.compile(r"run (dlint-[0-9a-f]+)")


@pytest.fixture(scope="session")
def docker_client():
    """A client for the local engine; without one, skip, or fail when DLINT_REQUIRE_DOCKER=1."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as error:
        require(f"no Docker engine: {error} (start one with bash scripts/ensure-docker.sh)")
    return client


@dataclass(frozen=True)
class Result:
    """Outcome of one ``dlint test`` process."""

    code: int
    stdout: str
    stderr: str

    @property
    def run_id(self) -> str:
        """The run id the harness printed in its report header."""
        match = RUN_ID.search(self.stdout)
        assert match, f"no run id in the output:\n{self.stdout}"
        return match[1]

    @property
    def failed(self) -> set[str]:
        """Names of the checks pytest reported as FAILED."""
        return {
            line.split("::", 1)[1].split(" ", 1)[0]
            for line in self.stdout.splitlines()
            if line.startswith("FAILED ")
        }


def _dlint_test(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "dlint.harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
        env=env,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def _start_dlint_test(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dlint.harness", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    while True:
        line = process.stdout.readline()
        assert line, f"dlint test ended before printing its run id: {process.communicate()}"
        match = RUN_ID.search(line)
        if match:
            return process, match[1]


@pytest.fixture
def start_dlint_test() -> Callable[..., tuple[subprocess.Popen, str]]:
    """Start ``dlint test`` in the background; return the process and its run id."""
    return _start_dlint_test


@pytest.fixture
def first_container(docker_client) -> Callable[[subprocess.Popen, str], None]:
    """Wait until a run's first container exists (or the process ended: fail)."""

    def wait(process: subprocess.Popen, run_id: str) -> None:
        selector = {"label": f"dlint.run={run_id}"}
        deadline = time.monotonic() + 240
        while not docker_client.containers.list(filters=selector):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no container started"
            time.sleep(0.2)

    return wait


@pytest.fixture
def variant(tmp_path: Path) -> Callable[..., Path]:
    """Copy the reference into a temp dir, applying ``(file, old, new)`` text edits."""

    def make(*edits: tuple[str, str, str]) -> Path:
        context = tmp_path / "variant"
        shutil.copytree(REFERENCE, context)
        for name, old, new in edits:
            path = context / name
            text = path.read_text()
            assert old in text, f"variant edit anchor {old!r} not in {name}"
            path.write_text(text.replace(old, new))
        return context

    return make


@pytest.fixture
def dlint_test() -> Callable[..., Result]:
    """Run ``dlint test`` (as ``python -m dlint.harness``) and capture its outcome."""
    return _dlint_test


@pytest.fixture
def reference() -> Path:
    """The reference service's directory."""
    return REFERENCE


@pytest.fixture
def leftovers(docker_client) -> Callable[[str], list[str]]:
    """Containers, networks and images still labelled with a run id."""
    return lambda run_id: _leftovers(docker_client, run_id)


def _leftovers(client, run_id: str) -> list[str]:
    selector = {"label": f"dlint.run={run_id}"}
    return [
        *(f"container {c.name}" for c in client.containers.list(all=True, filters=selector)),
        *(f"network {n.name}" for n in client.networks.list(filters=selector)),
        *(f"image {i.short_id}" for i in client.images.list(filters=selector)),
    ]


@pytest.fixture
def python_311(docker_client):
    """The naive example starts FROM python:3.11; where no registry answers, the local
    stand-in for python:3.11-slim is tagged as python:3.11 for the test (untagged after)."""
    import docker.errors

    try:
        docker_client.images.get("python:3.11")
        yield
        return
    except docker.errors.ImageNotFound:
        docker_client.images.get("python:3.11-slim").tag("python", "3.11")
    try:
        yield
    finally:
        docker_client.images.remove("python:3.11", noprune=True)


def pytest_configure(config: pytest.Config) -> None:
    """Tests marked ``docker`` build images (select them with ``-m docker``)."""
    config.addinivalue_line("markers", "docker: builds images on the Docker engine")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`dlint clean` empties the layer cache the other Docker tests reuse: run it last."""
    items.sort(key=lambda item: item.path.name == "test_clean.py")


@pytest.fixture(scope="session")
def second_engine(docker_client):
    """A second dockerd on a unix socket and on TLS-verified TCP (tests/harness/engine_setups.py),
    started once for the session: every test on it builds from a warm cache after the first."""
    from engine_setups import second_engine as start

    with start() as engine:
        yield engine


@pytest.fixture(scope="session")
def engine_over_ssh(second_engine):
    """``DOCKER_HOST=ssh://root@127.0.0.1:PORT`` to the second engine, through an sshd of the
    tests' own."""
    from engine_setups import sshd_in_front

    with sshd_in_front(second_engine) as access:
        yield access


@pytest.fixture(scope="session")
def podman_engine(docker_client):
    """Podman's Docker-compatible API service on a socket of its own, with the base image."""
    from engine_setups import podman_service

    with podman_service() as engine:
        yield engine
