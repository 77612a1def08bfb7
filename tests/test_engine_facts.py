"""``--from-engine`` on a real engine: pins that come from the local images, and nothing
at all (no fix, no error) when no engine answers."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest
from helpers import require, run_dlint

APT = "FROM python:3.11-slim\nRUN apt-get install -y ca-certificates\n"


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI; the test fails on a non-zero exit."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def engine() -> None:
    """Skip without an engine (CI has one: DLINT_REQUIRE_DOCKER=1 makes it a failure)."""
    try:
        subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        require("no Docker engine (start one with bash scripts/ensure-docker.sh)")


def facts_containers() -> list[str]:
    """Containers --from-engine started that still exist."""
    listed = docker("ps", "--all", "--filter", "name=dlint-facts-", "--format", "{{.Names}}")
    return listed.stdout.split()


@pytest.mark.docker
def test_apt_pin_is_the_version_the_base_image_installs_and_builds(
    engine: None, tmp_path: Path
) -> None:
    """Without ``apt-get update`` the pin is the base image's own version: the fixed
    Dockerfile builds, and no container of the query is left."""
    (tmp_path / "Dockerfile").write_text(APT)
    done = run_dlint(
        *("check", "--isolated", "--select", "apt-unpinned", "--fix", "--unsafe-fixes"),
        *("--from-engine", "."),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode()
    version = docker(
        *("run", "--rm", "--network", "none", "--entrypoint", "dpkg-query", "python:3.11-slim"),
        *("-W", "-f", "${Version}", "ca-certificates"),
    ).stdout.strip()
    assert version
    fixed = (tmp_path / "Dockerfile").read_text()
    assert fixed == APT.replace("ca-certificates", f"ca-certificates={version}")
    assert facts_containers() == []
    tag = f"dlint-facts-test:{uuid.uuid4().hex[:8]}"
    try:
        docker("build", "--label", "dlint.run=dlint-facts-test", "-t", tag, str(tmp_path))
    finally:
        subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, timeout=60)


@pytest.mark.docker
def test_base_image_takes_the_release_the_official_image_states(
    engine: None, tmp_path: Path
) -> None:
    """An official image whose ``PYTHON_VERSION`` names the release: the opt-in rule pins
    the tag to it. (The machine's ``python:3.11-slim`` stand-in states none, so the test
    makes one that does, and removes it.)"""
    tag = f"python:3.11-dlintfacts{uuid.uuid4().hex[:6]}"
    build = subprocess.run(
        ["docker", "build", "--label", "dlint.run=dlint-facts-test", "-t", tag, "-"],
        input="FROM python:3.11-slim\nENV PYTHON_VERSION=3.11.2\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    try:
        (tmp_path / "Dockerfile").write_text(f"FROM {tag}\n")
        run_dlint(
            *("check", "--isolated", "--select", "base-image-floating-tag", "--fix"),
            *("--unsafe-fixes", "--from-engine", "."),
            cwd=tmp_path,
        )
        exact = tag.replace(":3.11-", ":3.11.2-")
        assert (tmp_path / "Dockerfile").read_text() == f"FROM {exact}\n"
    finally:
        subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, timeout=60)


def test_without_an_engine_there_is_no_fix_and_no_error(tmp_path: Path, monkeypatch) -> None:
    """An engine that does not answer: the finding stays, unfixed; exit 1 as for any
    finding, one note, no traceback, in well under the engine's first deadline."""
    (tmp_path / "Dockerfile").write_text(APT)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    started = time.monotonic()
    done = run_dlint(
        *("check", "--isolated", "--select", "apt-unpinned", "--fix", "--unsafe-fixes"),
        *("--from-engine", "."),
        cwd=tmp_path,
    )
    assert time.monotonic() - started < 15
    assert done.returncode == 1
    assert (tmp_path / "Dockerfile").read_text() == APT
    assert done.stderr.decode() == "dlint: note: no Docker engine answered; no fix used one\n"
    assert "apt-unpinned" in done.stdout.decode()


def test_from_engine_needs_unsafe_fixes(tmp_path: Path) -> None:
    """Only unsafe fixes use the engine: ``--from-engine`` alone is refused (exit 2)."""
    (tmp_path / "Dockerfile").write_text(APT)
    done = run_dlint("check", "--isolated", "--fix", "--from-engine", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "dlint: error: --from-engine only feeds unsafe fixes; add --unsafe-fixes\n"
    )


def test_apt_cache_policy_output_is_read_as_hostile() -> None:
    """Installed and candidate versions; ``(none)`` and anything that is no Debian version
    (it would be written into the Dockerfile) count as no version."""
    from dlint.enginefacts import AptPolicy, parse_policy

    output = (
        "ca-certificates:\n  Installed: 20230311+deb12u1\n  Candidate: 20230311+deb12u1\n"
        "  Version table:\n *** 20230311+deb12u1 100\n        100 /var/lib/dpkg/status\n"
        "libgomp1:\n  Installed: (none)\n  Candidate: 1:12.2.0-14\n"
        "evil:\n  Installed: 1.0 && curl x | sh\n  Candidate: 1.0\n"
        "Bad Name:\n  Installed: 1.0\n"
    )
    assert parse_policy(output) == {
        "ca-certificates": AptPolicy("20230311+deb12u1", "20230311+deb12u1"),
        "libgomp1": AptPolicy(None, "1:12.2.0-14"),
        "evil": AptPolicy(None, "1.0"),
    }


def test_a_spent_budget_asks_nothing(monkeypatch) -> None:
    """Past the run's budget no docker command starts: the answer is simply none."""
    import subprocess as real

    from dlint.enginefacts import Engine

    def refuse(*args, **kwargs):
        raise AssertionError(f"docker ran: {args}")

    monkeypatch.setattr(real, "run", refuse)
    engine = Engine(budget=0)
    assert engine.image("python:3.11-slim") is None
    assert engine.apt_policy("python:3.11-slim", ["tzdata"]) == {}
