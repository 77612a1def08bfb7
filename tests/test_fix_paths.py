"""Fixes that write a context path write it relative to the context, wherever dlint runs.

Findings name a requirements file as the user sees it (relative to the working directory,
or absolute); copy-before-install once wrote that path into the COPY it inserts, so a
check run from elsewhere made a Dockerfile that no longer built.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from helpers import REPO, run_dlint

DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
"""


def test_copy_before_install_copies_the_requirements_by_their_context_path(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text(DOCKERFILE)
    (project / "requirements.txt").write_text("flask==3.0.3\n")
    (project / "app.py").write_text("print('hi')\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = run_dlint(
        "check",
        "--fix",
        "--unsafe-fixes",
        "--select",
        "copy-before-install",
        str(project / "Dockerfile"),
        cwd=elsewhere,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "Dockerfile").read_text() == (
        "FROM python:3.11-slim\n"
        "WORKDIR /app\n"
        "COPY requirements.txt ./\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . /app\n"
        'CMD ["python", "app.py"]\n'
    )


def test_the_same_fix_from_inside_the_project_writes_the_same_file(tmp_path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    done = run_dlint(
        "check",
        "--fix",
        "--unsafe-fixes",
        "--select",
        "copy-before-install",
        "Dockerfile",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "COPY requirements.txt ./\n" in Path(tmp_path / "Dockerfile").read_text()


def test_add_becomes_copy_only_for_files_add_would_not_unpack(tmp_path: Path) -> None:
    """ADD unpacks by content: a gzip, xz or tar file named like anything keeps its ADD;
    a text file, or a tar-looking name holding text, does not need it."""
    import io
    import lzma
    import tarfile

    sys.path.insert(0, str(REPO))
    from rules.instructions.add_instead_of_copy import is_archive

    members = io.BytesIO()
    with tarfile.open(fileobj=members, mode="w") as archive:
        info = tarfile.TarInfo("weights.bin")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    files = {
        "model.bin": gzip.compress(b"weights"),
        "model.xz": lzma.compress(b"weights"),
        "data": members.getvalue(),
        "notes.txt": b"plain text\n" * 100,
        "fake.tar": b"not a tar\n",
        "short": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    found = {name: is_archive(tmp_path / name) for name in files}
    assert found == {
        "model.bin": True,
        "model.xz": True,
        "data": True,
        "notes.txt": False,
        "fake.tar": False,
        "short": False,
    }
