"""``--from-index`` asks pip's real resolver: the index, the base image's Python, no file.

The rule cases record resolutions (``index:``); these tests ask pip itself, against a
package index made here from wheels written by the test (``--find-links`` to a folder,
no network), so the answers are known and stable. One test asks the real index the way
a user's machine would, as the image builds in CI do.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import run_dlint

from dlint.indexfacts import Index, parse_report, python_target

TARGET = python_target("python", "3.11-slim", "linux/amd64")


def wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A pure-Python wheel ``name-version`` requiring ``requires``, written to ``folder``."""
    dist = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{name}/__init__.py": "",
        f"{dist}/METADATA": metadata,
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch) -> Path:
    """pip sees only the wheels of a folder: alpha 1.0 and 2.0 (2.0 needs beta), beta 0.5."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    wheel(folder, "alpha", "1.0")
    wheel(folder, "alpha", "2.0", ("beta>=0.5",))
    wheel(folder, "beta", "0.5")
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nno-index = true\nfind-links = {folder}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    for name in [n for n in os.environ if n.startswith("PIP_") and n != "PIP_CONFIG_FILE"]:
        monkeypatch.delenv(name)
    return folder


def test_the_resolver_answers_with_every_package_the_install_takes(local_index: Path) -> None:
    """The newest version that fits, and what it depends on."""
    assert TARGET is not None
    assert Index().resolve(["alpha"], TARGET) == {"alpha": "2.0", "beta": "0.5"}
    assert Index().resolve(["alpha<2"], TARGET) == {"alpha": "1.0"}


def test_no_answer_is_none_and_the_note_says_so(local_index: Path) -> None:
    """A package no index has, and a budget spent: no answer, and ``answered`` is False."""
    assert TARGET is not None
    index = Index()
    assert index.resolve(["gamma"], TARGET) is None
    assert index.answered is False
    assert Index(budget=0).resolve(["alpha"], TARGET) is None


def test_environment_that_changes_the_resolution_is_dropped(
    local_index: Path, tmp_path: Path, monkeypatch
) -> None:
    """A machine-wide PIP_CONSTRAINT would cap what the image is said to install."""
    assert TARGET is not None
    caps = tmp_path / "caps.txt"
    caps.write_text("alpha==1.0\n")
    monkeypatch.setenv("PIP_CONSTRAINT", str(caps))
    assert Index().resolve(["alpha"], TARGET) == {"alpha": "2.0", "beta": "0.5"}


def test_a_chapter_build_gets_its_pins_and_constraints_file(
    local_index: Path, tmp_path: Path
) -> None:
    """``dlint check --fix --unsafe-fixes --from-index``, end to end, with the real pip."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("alpha==2.0\n")
    (project / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "RUN pip install --no-cache-dir beta\nCOPY . .\n"
    )
    args = ("check", "--no-cache", "--select", "D604,D200", "--fix", "--unsafe-fixes")
    done = run_dlint(*args, "--from-index", ".", cwd=project)
    assert done.returncode == 0, (done.stdout + done.stderr).decode()
    assert "fixed 2 problems in Dockerfile" in done.stderr.decode()
    assert (project / "Dockerfile").read_text() == (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nCOPY constraints.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt\n"
        "RUN pip install --no-cache-dir beta==0.5\nCOPY . .\n"
    )
    pins = (project / "constraints.txt").read_text().splitlines()
    assert [p for p in pins if not p.startswith("#")] == ["alpha==2.0", "beta==0.5"]
    assert "for Python 3.11, linux x86_64 (glibc 2.36)" in pins[1]
    again = run_dlint(*args, "--from-index", ".", cwd=project)
    assert again.returncode == 0 and b"fixed" not in again.stderr


def test_from_index_needs_unsafe_fixes(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\n")
    done = run_dlint("check", "--fix", "--from-index", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "--from-index only feeds unsafe fixes; add --unsafe-fixes" in done.stderr.decode()


def test_without_an_answer_there_is_no_fix_and_one_note(local_index: Path, tmp_path: Path):
    """An index that does not have the package: the finding stays, with a note."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nRUN pip install gamma\n")
    args = ("check", "--no-cache", "--select", "D200", "--fix", "--unsafe-fixes")
    done = run_dlint(*args, "--from-index", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert "pip package 'gamma' is not pinned" in done.stdout.decode()
    assert done.stderr.decode().count("the package index did not resolve some requirements") == 1


@pytest.mark.parametrize(
    ("image", "tag", "flag", "label"),
    [
        ("python", "3.11-slim", "linux/amd64", "Python 3.11, linux x86_64 (glibc 2.36)"),
        (
            "python",
            "3.12.4-slim-bullseye",
            "linux/arm64",
            "Python 3.12, linux aarch64 (glibc 2.31)",
        ),
        ("python", "3.13-alpine3.20", "linux/amd64", "Python 3.13, linux x86_64 (musl)"),
        (
            "docker.io/library/python",
            "3.10-trixie",
            "linux/amd64",
            "Python 3.10, linux x86_64 (glibc 2.41)",
        ),
        ("python", "latest", "linux/amd64", None),
        ("python", "3.11-windowsservercore", "linux/amd64", None),
        ("pytorch/pytorch", "2.3.1-cuda12.1-cudnn8-runtime", "linux/amd64", None),
        ("python", "3.11-slim", "linux/s390x", None),
    ],
)
def test_the_target_is_the_base_image_s_python(image, tag, flag, label) -> None:
    target = python_target(image, tag, flag)
    assert (target.label if target else None) == label


def test_a_hostile_report_is_no_answer() -> None:
    assert parse_report({"install": [{"metadata": {"name": "a\nb", "version": "1"}}]}) is None
    assert parse_report({"install": [{"metadata": {"name": "a", "version": "1; rm"}}]}) is None
    assert parse_report({"install": "x"}) is None
    assert parse_report({"install": [{"metadata": {"name": "A_b", "version": "1.0"}}]}) == {
        "a-b": "1.0"
    }


def test_the_real_index_resolves_flask_for_the_image() -> None:
    """The package index a user's pip is configured with (PyPI here, as the image builds
    of the harness tests use): Flask 3.0.3 and the Werkzeug, Jinja2 and others it needs."""
    assert TARGET is not None
    found = Index().resolve(["flask==3.0.3"], TARGET)
    assert found is not None, "the package index did not answer"
    assert found["flask"] == "3.0.3"
    assert {"werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker"} <= set(found)


def test_pip_is_the_running_python_s(monkeypatch, tmp_path: Path) -> None:
    """No pip beside dlint (a uv-made venv): no answer, not a traceback."""
    assert TARGET is not None
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    assert Index().resolve(["alpha"], TARGET) is None


def test_nothing_is_left_in_the_temporary_folder(local_index: Path, tmp_path: Path, monkeypatch):
    assert TARGET is not None
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert Index().resolve(["alpha"], TARGET) is not None
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("from_line", "label"),
    [
        ("FROM --platform=$BUILDPLATFORM python:3.10-alpine", "Python 3.10"),
        ("FROM --platform=linux/arm64 python:3.12-slim", "Python 3.12, linux aarch64"),
        ("FROM --platform=$MYPLATFORM python:3.12-slim", None),
        ("FROM python:3.11-slim AS base\nFROM base", "Python 3.11"),
        ("FROM ghcr.io/acme/python:3.11-slim", None),
    ],
)
def test_the_stage_target_follows_the_base_and_its_platform(from_line, label) -> None:
    from dlint.indexfacts import stage_target
    from dlint.model import Build
    from dlint.parse import parse_dockerfile

    dockerfile = parse_dockerfile(from_line + "\nRUN pip install flask\n", "Dockerfile")
    build = Build(dockerfile, None, None, ())
    target = stage_target(build, len(dockerfile.stages) - 1)
    if label is None:
        assert target is None
    else:
        assert target is not None and target.label.startswith(label), target


def test_diff_shows_both_files_and_counts_the_fix_once(local_index: Path, tmp_path: Path):
    """``--diff`` of the constraints fix: the Dockerfile's and the new file's diffs, one
    fix counted (in the Dockerfile, where the finding is), nothing written."""
    (tmp_path / "requirements.txt").write_text("alpha==2.0\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11-slim\nCOPY requirements.txt /app/\n"
        "RUN pip install -r /app/requirements.txt\n"
    )
    args = ("check", "--no-cache", "--select", "D604", "--diff", "--unsafe-fixes")
    done = run_dlint(*args, "--from-index", ".", cwd=tmp_path)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1
    assert "+++ b/Dockerfile" in out and "+++ b/constraints.txt" in out and "+beta==0.5" in out
    assert "+COPY constraints.txt /app/" in out
    assert err.count("would fix") == 1 and "would fix 1 problem in Dockerfile" in err
    assert not (tmp_path / "constraints.txt").exists()
