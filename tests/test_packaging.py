"""dlint works from a normal (non-editable) install, from any directory, and its core
install is light: only what ``dlint check`` needs, and no pytest plugin for other projects."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from helpers import REPO
from packaging.requirements import Requirement

# What `dlint check` imports; the harness's packages belong to the `test` extra.
CORE = {"packaging", "tree-sitter", "tree-sitter-bash", "pyyaml"}
HARNESS = {"docker", "requests", "pytest", "pytest-testinfra", "jsonschema"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dlint built as a wheel, once for this module."""
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(wheels), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (built,) = wheels.glob("dlint-*.whl")
    return built


def wheel_file(wheel: Path, name: str) -> str:
    """The text of ``dlint-*.dist-info/NAME`` inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
        return archive.read(member).decode()


def test_core_install_requires_only_what_check_needs(wheel: Path) -> None:
    """``pip install dlint`` pulls the four packages of ``dlint check``; the harness's
    packages come only with ``dlint[test]``, and no pytest plugin is registered."""
    metadata = Parser().parsestr(wheel_file(wheel, "METADATA"))
    requirements = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    core = {r.name.lower() for r in requirements if r.marker is None}
    assert core == CORE
    test_extra = {
        r.name.lower()
        for r in requirements
        if r.marker is not None and r.marker.evaluate({"extra": "test"})
    }
    assert test_extra == HARNESS
    assert "test" in (metadata.get_all("Provides-Extra") or [])
    entry_points = wheel_file(wheel, "entry_points.txt")
    assert "pytest11" not in entry_points
    assert "dlint = dlint.cli:main" in entry_points


def test_wheel_installs_rules_inside_dlint_and_runs_from_elsewhere(
    tmp_path: Path, wheel: Path
) -> None:
    """The wheel has no top-level ``rules`` package, and the installed copy finds every rule."""
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("rules/")]
    assert "dlint/rules/base/base_image_unpinned.yml" in names
    # The JSON Schemas editors read (docs/editors.md) ship inside the package.
    assert "dlint/schemas/dlint-config.schema.json" in names
    # setup.py discovers the areas: every folder of the pack is installed, with its cases.
    for source in (REPO / "rules").rglob("*.py"):
        assert f"dlint/rules/{source.relative_to(REPO / 'rules').as_posix()}" in names
        if not source.name.startswith("_"):
            assert f"dlint/rules/{source.relative_to(REPO / 'rules').with_suffix('.yml')}" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert not (target / "rules").exists()
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "Dockerfile").write_text("FROM python\n")
    env = {**os.environ, "PYTHONPATH": str(target)}
    listed = subprocess.run(
        [sys.executable, "-m", "dlint", "rules"], cwd=work, env=env, capture_output=True
    )
    installed = subprocess.run(
        [sys.executable, "-c", "import dlint; print(dlint.__file__)"],
        cwd=work, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert installed.stdout.startswith(str(target))
    source_rules = {p.stem for p in (REPO / "rules").rglob("*.py") if not p.stem.startswith("_")}
    assert len(listed.stdout.decode().splitlines()) == len(source_rules)
    checked = subprocess.run(
        [sys.executable, "-m", "dlint", "check"], cwd=work, env=env, capture_output=True
    )
    assert checked.returncode == 1
    assert b"Dockerfile:1:6: warning base-image-unpinned" in checked.stdout


def test_a_fresh_core_install_checks_and_leaves_other_test_suites_alone(
    tmp_path: Path, wheel: Path
) -> None:
    """In a new virtualenv with ``pip install dlint`` only (and pytest, as a project has):
    no harness package is installed, ``dlint check`` works, ``dlint test`` is one line and
    exit 2, and a project whose conftest adds ``--hosts`` (testinfra's option name) passes."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         str(wheel), "pytest"],
        check=True, capture_output=True,
    )  # fmt: skip
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    installed = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert not installed & {"docker", "requests", "pytest-testinfra", "jsonschema"}
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text(
        "def pytest_addoption(parser):\n    parser.addoption('--hosts', default='local')\n"
    )
    (project / "test_hosts.py").write_text(
        "def test_hosts(pytestconfig):\n    assert pytestconfig.getoption('hosts') == 'web'\n"
    )
    (project / "Dockerfile").write_text("FROM python:3.11-slim\n")  # runs as root
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hosts", "web"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "1 passed" in tests.stdout
    dlint = venv / "bin" / "dlint"
    checked = subprocess.run(
        [str(dlint), "check", "Dockerfile"], cwd=project, capture_output=True, text=True
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "Dockerfile:1:1: warning root-user" in checked.stdout
    harness = subprocess.run([str(dlint), "test", "."], cwd=project, capture_output=True, text=True)
    assert harness.returncode == 2
    assert harness.stdout == ""
    assert harness.stderr.splitlines() == [
        "dlint: error: dlint test needs the 'test' extra (missing: docker, requests, "
        "testinfra, jsonschema); install it with: pip install 'dlint[test]'"
    ]
