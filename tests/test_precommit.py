"""pre-commit as a team meets it: which changes start the hooks, the fixing hook, and what
``dlint check`` does with the files that editors and ``pass_filenames`` send."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers import REPO, run_dlint
from test_integrations import git, git_env, snapshot, try_repo

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
INSTALLS_REQUIREMENTS = (
    "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
)
# pip-no-cache has a safe fix (--no-cache-dir); the unpinned base image has none.
FIXABLE = "FROM python\nRUN pip install flask==3.0.3\n"

__all__ = ["snapshot"]  # the fixture try_repo needs, shared with test_integrations


def hook(hook_id: str) -> dict:
    """The manifest entry of one hook."""
    return next(h for h in HOOKS if h["id"] == hook_id)


@pytest.mark.parametrize("hook_id", ["dlint", "dlint-fix"])
@pytest.mark.parametrize(
    ("path", "runs"),
    [
        (".dlint.yaml", True),
        ("services/api/.dlint.yml", True),
        ("pyproject.toml", True),
        (".hadolint.yaml", True),
        ("requirements/prod.txt", True),
        ("requirements/base.in", True),
        ("requirements-gpu/cuda.txt", True),
        ("constraints.txt", True),
        (".dockerignore", True),
        ("Dockerfile", True),
        ("src/app.py", False),
        ("config.yaml", False),
        ("docs/requirements.md", False),
    ],
)
def test_hooks_run_when_a_file_the_check_reads_changes(hook_id: str, path: str, runs: bool):
    assert bool(re.search(hook(hook_id)["files"], path)) is runs


def test_fix_hook_fixes_then_checks_the_whole_repository():
    fixing = hook("dlint-fix")
    assert fixing["entry"].split() == ["dlint", "check", "--fix"]
    assert fixing["pass_filenames"] is False
    assert fixing["language"] == hook("dlint")["language"]


def test_fix_hook_under_pre_commit_rewrites_the_dockerfile(snapshot: Path, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    env = git_env(tmp_path)
    git(project, env, "init", "-q")
    (project / "Dockerfile").write_text(FIXABLE)
    git(project, env, "add", "Dockerfile")
    result = try_repo(snapshot, project, "dlint-fix")
    # pre-commit fails a hook that changed files, so the fix is there to review.
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^dlint \(fix\)\.+Failed$", result.stdout, re.M), result.stdout
    fixed = (project / "Dockerfile").read_text()
    assert "pip install --no-cache-dir flask==3.0.3" in fixed
    assert re.search(r"[Ff]ixed \d+ problems?\b", result.stdout), result.stdout


def findings(result: subprocess.CompletedProcess) -> list[dict]:
    """The JSON report of a ``dlint check --format json`` run."""
    return json.loads(result.stdout)


def checked_files(result: subprocess.CompletedProcess) -> set[str]:
    """The files the findings of a JSON report point into."""
    return {f["file"] for f in findings(result)}


def test_requirements_file_checks_the_dockerfile_that_installs_it(project):
    root = project(
        {
            "Dockerfile": INSTALLS_REQUIREMENTS,
            "requirements.txt": "flask\n",
            "other/Dockerfile": "FROM python\n",
        }
    )
    result = run_dlint("check", "requirements.txt", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr.decode()
    # other/Dockerfile does not install requirements.txt, so it is not checked.
    assert checked_files(result) == {"Dockerfile", "requirements.txt"}
    names = {(f["file"], f["name"]) for f in findings(result)}
    assert ("requirements.txt", "requirements-unpinned") in names


def test_requirements_folder_and_constraints_file_check_their_dockerfile(project):
    root = project(
        {
            "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements/ requirements/\n"
            "RUN pip install -r requirements/prod.txt -c constraints.txt\n",
            "requirements/prod.txt": "flask==3.0.3\n",
            "constraints.txt": "flask==3.0.3\n",
            "api/Dockerfile": "FROM python\n",
        }
    )
    for changed in ("requirements/prod.txt", "constraints.txt"):
        result = run_dlint("check", changed, cwd=root)
        out = result.stdout.decode()
        assert result.returncode == 1, result.stderr.decode()
        assert "1 file checked" in out
        assert "Dockerfile:4:" in out
        assert "api/Dockerfile" not in out


def test_dockerignore_checks_the_dockerfiles_of_its_context(project):
    root = project(
        {
            "Dockerfile": "FROM python\n",
            ".dockerignore": ".git\n",
            "tools/Dockerfile": "FROM python\n",
        }
    )
    result = run_dlint("check", ".dockerignore", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr.decode()
    assert checked_files(result) == {"Dockerfile"}


@pytest.mark.parametrize("name", ["requirements-dev.txt", "poetry.lock"])
def test_a_file_no_dockerfile_reads_checks_nothing(project, name: str):
    root = project({"Dockerfile": "FROM python\n", name: "pytest\n"})
    result = run_dlint("check", name, cwd=root)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert result.stderr.decode() == f"dlint: {name}: no Dockerfile reads it; nothing to check\n"


def test_configuration_file_checks_the_dockerfiles_below_it(project):
    root = project(
        {
            "svc/.dlint.yaml": "ignore: [base-image-unpinned]\n",
            "svc/Dockerfile": "FROM python\nRUN pip install flask\n",
            "Dockerfile": "FROM python\n",
        }
    )
    result = run_dlint("check", "svc/.dlint.yaml", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr.decode()
    assert checked_files(result) == {"svc/Dockerfile"}
    # The configuration is applied to what it governs.
    assert "base-image-unpinned" not in {f["name"] for f in findings(result)}


def test_a_dockerfile_and_its_requirements_are_checked_once(project):
    root = project({"Dockerfile": INSTALLS_REQUIREMENTS, "requirements.txt": "flask\n"})
    both = run_dlint("check", "Dockerfile", "requirements.txt", "--format", "json", cwd=root)
    alone = run_dlint("check", "Dockerfile", "--format", "json", cwd=root)
    assert findings(both) == findings(alone)
    assert findings(both)
