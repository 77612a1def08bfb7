"""The bundled examples say what they claim: the naive service trips the ML rules."""

from __future__ import annotations

import json

from helpers import REPO, run_dlint


def test_naive_service_shows_what_other_linters_miss() -> None:
    """Requirements pins, layer order, the missing USER and the missing .dockerignore."""
    result = run_dlint("check", "examples/naive-ml-service", "--format", "json", cwd=REPO)
    assert result.returncode == 1
    findings = json.loads(result.stdout)
    names = {f["name"] for f in findings}
    assert names >= {
        "requirements-unpinned",
        "copy-before-install",
        "root-user",
        "dockerignore-missing",
        "build-tools-in-final-stage",
        "shell-form-cmd",
        "full-base-image",
        "missing-healthcheck",
    }
    in_requirements = [f for f in findings if f["file"].endswith("requirements.txt")]
    assert [(f["line"], f["column"]) for f in in_requirements] == [(2, 1), (3, 1)]


def test_reference_service_is_clean() -> None:
    """The reference image is what a good ML Dockerfile looks like: zero findings."""
    result = run_dlint("check", "reference", "--format", "json", cwd=REPO)
    assert result.returncode == 0, result.stdout.decode()
    assert json.loads(result.stdout) == []
