"""The chapter-style Dockerfiles come out of ``--fix --unsafe-fixes`` with nothing left that
dlint knows how to fix, and a second run changes nothing.

Issue 13's "done when": naive layer order, shell-form CMD, root user, no HEALTHCHECK,
``chown -R``, the two-stage production build. With ``--from-index`` (pip's resolver asked
for the versions; PyPI here, as the image builds use) they come out clean. Without it, or
for what the index cannot answer, what is left is only what no fix can decide from the
files or the local engine (docs/fixes.md, "Not fixed, and why", gives the reason for
each): versions nobody wrote down (gunicorn, requirements without a lock, apt packages the
base image lacks after an ``apt-get update``), torch's own CUDA. The chapter project of
tests/harness/data comes out clean with every rule once the engine is asked
(``--from-engine`` pins its apt package).
tests/harness/test_verify_fixes.py proves on a real engine that the fixed images still
build and run; this test holds the text.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from helpers import REPO, require
from test_app import CHAPTER_BUILDS, FLASK_CHAPTER_APP

from dlint.checkrun import CheckOptions, run_check
from dlint.engine import Target, check_targets

BUILDS = {
    **CHAPTER_BUILDS,
    "shell-form and chown": (
        "FROM python:3.11-slim\nRUN useradd --create-home app\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install -r requirements.txt\nRUN chown -R app:app /app\nEXPOSE 5000\n"
        "CMD python app.py\n",
        {"app.py": FLASK_CHAPTER_APP, "requirements.txt": "flask==3.0.3\n"},
        set(),
    ),
}
# What the files cannot tell a fix: a version, a lock, the right CUDA.
# pip-unpinned: gunicorn, which the dev-server fix installs (or the file names) with no
# version anywhere in the context; requirements-not-locked: the lock has to be made;
# apt-unpinned (python3-pip in nvidia/cuda, gcc and libgomp1 after apt-get update): the
# mirror's version of the build day, which no local answer has; cuda-mismatch: the CUDA
# torch needs; requirements-unpinned: scikit-learn>=1.3 and flask with no lock. (The naive
# service's gcc is fixed: installed for its pip RUNs and purged there, unsafe.)
NO_FIX = {
    "single-stage": {"pip-unpinned", "requirements-not-locked"},
    "layer-ordered": {"pip-unpinned", "requirements-not-locked"},
    "cuda": {"pip-unpinned", "requirements-not-locked", "apt-unpinned", "cuda-mismatch"},
    "two-stage production": {"pip-unpinned", "requirements-not-locked"},
    "shell-form and chown": {"pip-unpinned", "requirements-not-locked"},
    "naive-ml-service": {"pip-unpinned", "requirements-unpinned", "apt-unpinned"},
}
# With --from-index pip's resolver says what the versions are today: the chapter's files
# come out clean; the CUDA image's Python is the one apt installs (no fix knows it), and
# the naive service's apt packages come after an apt-get update.
NO_FIX_FROM_INDEX = {
    **{name: set() for name in ("single-stage", "layer-ordered", "two-stage production")},
    "shell-form and chown": set(),
    "cuda": NO_FIX["cuda"],
    "naive-ml-service": {"apt-unpinned"},
}
# The problems the chapter shows, each of which a fix must have removed.
FIXED_BY_NOW = {
    *("copy-before-install", "shell-form-cmd", "root-user", "missing-healthcheck"),
    *("chown-copy", "pid1-signals", "dev-server", "from-as-casing", "dockerignore-missing"),
    *("healthcheck-tool-missing", "gunicorn-settings", "pip-cache-kept", "apt-lists-kept"),
}


def chapter_context(name: str, root: Path) -> Path:
    """Write the build ``name`` into ``root``; return the folder."""
    if name == "naive-ml-service":
        shutil.copytree(REPO / "examples" / "naive-ml-service", root, dirs_exist_ok=True)
        return root
    dockerfile, files, _ = BUILDS[name]
    # The production Dockerfile as the chapter writes it: lower-case "as builder".
    (root / "Dockerfile").write_text(dockerfile.replace(" AS builder", " as builder"))
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def fix_all(root: Path, from_index: bool = False) -> tuple[int, str]:
    """``dlint check --fix --unsafe-fixes [--from-index] .`` in ``root``, in-process: exit
    code, report."""
    out, err = io.StringIO(), io.StringIO()
    options = CheckOptions(
        paths=["."], fix=True, unsafe_fixes=True, isolated=True, from_index=from_index
    )
    return run_check(options, out, err), out.getvalue()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("from_index", [False, True], ids=["files", "from-index"])
@pytest.mark.parametrize("name", [*BUILDS, "naive-ml-service"])
def test_chapter_dockerfile_is_fixed_and_a_second_fix_changes_nothing(
    name: str, from_index: bool, tmp_path: Path, monkeypatch
) -> None:
    """Only findings no fix can settle are left (none for the chapter's files when the
    package index is asked); fixing again leaves every file as it is."""
    monkeypatch.chdir(chapter_context(name, tmp_path))
    before = snapshot(tmp_path)
    found = {
        f.name
        for f in check_targets([Target("Dockerfile", tmp_path / "Dockerfile", tmp_path)]).findings
    }
    code, report = fix_all(tmp_path, from_index)
    wanted = (NO_FIX_FROM_INDEX if from_index else NO_FIX)[name]
    assert code == (1 if wanted else 0), report
    assert "Fixed " in report
    left = check_targets([Target("Dockerfile", tmp_path / "Dockerfile", tmp_path)]).findings
    assert {f.name for f in left} == wanted, report
    assert not [f for f in left if f.fix is not None]
    assert len(found & FIXED_BY_NOW) >= 5, found  # the chapter's problems were there
    assert not found & FIXED_BY_NOW & {f.name for f in left}
    assert (tmp_path / ".dockerignore").is_file()
    fixed = snapshot(tmp_path)
    assert fixed != before
    code, report = fix_all(tmp_path, from_index)
    assert snapshot(tmp_path) == fixed
    assert "Fixed " not in report
    if from_index and name != "cuda":
        assert (tmp_path / "constraints.txt").is_file()


@pytest.mark.docker
def test_the_chapter_project_is_clean_with_every_rule_when_the_engine_is_asked(
    tmp_path: Path, monkeypatch
) -> None:
    """tests/harness/data/chapter with every rule on (not only its .dlint.yaml's): after
    ``--fix --unsafe-fixes --from-engine`` nothing is left, and a second run fixes nothing.
    Its apt package is pinned to what the base image's own apt installs."""
    import subprocess

    try:
        subprocess.run(
            ["docker", "image", "inspect", "python:3.11-slim"],
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        require("no engine with python:3.11-slim (bash scripts/ensure-docker.sh)")
    root = tmp_path / "chapter"
    shutil.copytree(REPO / "tests" / "harness" / "data" / "chapter", root)
    monkeypatch.chdir(root)
    options = CheckOptions(
        paths=["."], fix=True, unsafe_fixes=True, from_engine=True, isolated=True
    )
    out, err = io.StringIO(), io.StringIO()
    assert run_check(options, out, err) == 0, out.getvalue() + err.getvalue()
    assert "ca-certificates=" in (root / "Dockerfile").read_text()
    fixed = snapshot(root)
    out, err = io.StringIO(), io.StringIO()
    assert run_check(options, out, err) == 0
    assert "No problems found" in out.getvalue() and "Fixed " not in out.getvalue()
    assert snapshot(root) == fixed
