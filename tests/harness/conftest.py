"""Fixtures for the harness tests: a Docker client (or skip/fail) and reference variants."""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

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
        message = f"no Docker engine: {error} (start one with bash scripts/ensure-docker.sh)"
        if os.environ.get("DLINT_REQUIRE_DOCKER") == "1":
            pytest.fail(message)
        pytest.skip(message)
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


def _dlint_test(*args: str, timeout: float = 600) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "dlint.harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


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
