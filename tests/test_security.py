"""``dlint check`` never reads or prints a file outside the build context.

Each test puts a secret next to (not inside) the context and has the build point at it in
one of the ways the issue lists: requirements includes, ``pip install -r ../..``, ``COPY
../x``, a ``..`` glob, symlinks. The secret must appear in no output, and the model must
record the refused path so that a rule can report it as Docker does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import run_dlint

from dlint.context import OUTSIDE, SYMLINK_OUTSIDE, RefusedPath
from dlint.load import load_build
from dlint.parse import parse_dockerfile
from dlint.requirements import parse_requirements

# A valid requirement name: were the file read, requirements-unpinned would print it.
SECRET = "ghp_0123456789abcdefSECRET"


def write(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (path -> text) under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def check(root: Path, target: str = "ctx") -> tuple[list[dict], str]:
    """Run ``dlint check --format json`` on ``target``; return the findings and all output."""
    result = run_dlint("check", target, "--format", "json", cwd=root)
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode in (0, 1), output
    return json.loads(result.stdout), output


def refused(context: Path) -> list[tuple[str, str, str | None, int]]:
    """The refused paths the loader records for ``context/Dockerfile``: path, reason, file, line."""
    dockerfile = context / "Dockerfile"
    build = load_build(parse_dockerfile(dockerfile.read_text(), "Dockerfile"), context, dockerfile)
    assert build.context is not None
    records = build.context.refused
    return [(r.path, r.reason, r.file and Path(r.file).name, r.span.start.line) for r in records]


def test_requirements_includes_outside_the_context_are_not_read(tmp_path: Path) -> None:
    """``-r ../token.txt``, ``-r /abs`` and ``-c /abs`` in a requirements file stay unread."""
    secret = tmp_path / "token.txt"
    write(
        tmp_path,
        {
            "token.txt": f"{SECRET}\n",
            "ctx/Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\n",
            "ctx/requirements.txt": f"-r ../token.txt\n-r {secret}\n-c {secret}\nflask\n",
        },
    )
    findings, output = check(tmp_path)
    assert SECRET not in output
    assert [(f["file"], f["line"]) for f in findings if f["name"] == "requirements-unpinned"] == [
        ("ctx/requirements.txt", 4)
    ]
    # Only the climb out is Docker's error; "/abs" is a file of the image, not of the host.
    assert refused(tmp_path / "ctx") == [("../token.txt", OUTSIDE, "requirements.txt", 1)]


def test_pip_install_of_a_path_above_the_context_is_refused(tmp_path: Path) -> None:
    """``pip install -r ../../token.txt`` and ``-c /abs`` in a RUN are never read on the host."""
    secret = tmp_path / "token.txt"
    write(
        tmp_path,
        {
            "token.txt": f"{SECRET}\n",
            "ctx/Dockerfile": "FROM python:3.11-slim\nWORKDIR /app/src\n"
            f"RUN pip install --no-cache-dir -r ../../token.txt -c {secret}\n",
        },
    )
    _, output = check(tmp_path)
    assert SECRET not in output
    assert refused(tmp_path / "ctx") == [("../../token.txt", OUTSIDE, None, 3)]


def test_copy_above_the_context_is_refused_and_never_globbed(tmp_path: Path) -> None:
    """``COPY ../x`` and ``COPY ../../**/x`` are Docker's errors; nothing outside is walked."""
    write(
        tmp_path,
        {
            "a/req.txt": f"{SECRET}\n",
            "a/b/ctx/Dockerfile": "FROM python:3.11-slim\nCOPY ../x /x\n"
            "COPY ../../**/req.txt ../../req.txt /app/\n"
            "RUN pip install --no-cache-dir -r /app/req.txt\n",
        },
    )
    _, output = check(tmp_path, "a/b/ctx")
    assert SECRET not in output
    assert refused(tmp_path / "a/b/ctx") == [
        ("../x", OUTSIDE, None, 2),
        ("../../**/req.txt", OUTSIDE, None, 3),
        ("../../req.txt", OUTSIDE, None, 3),
    ]


def test_symlinks_out_of_the_context_are_not_followed(tmp_path: Path) -> None:
    """A requirements file, a copied folder and a .dockerignore linked outside stay unread."""
    write(
        tmp_path,
        {
            "token.txt": f"{SECRET}\n",
            "outside/r.txt": f"{SECRET}\n",
            "ctx/Dockerfile": "FROM python:3.11-slim\nCOPY requirements.txt reqs/ /app/\n"
            "RUN pip install --no-cache-dir -r /app/requirements.txt -r /app/r.txt\n"
            "COPY . /src\n",
        },
    )
    context = tmp_path / "ctx"
    os.symlink("../token.txt", context / "requirements.txt")
    os.symlink("../outside", context / "reqs")
    os.symlink("../token.txt", context / ".dockerignore")
    _, output = check(tmp_path)
    assert SECRET not in output
    assert refused(context) == [
        ("requirements.txt", SYMLINK_OUTSIDE, None, 2),
        ("reqs/", SYMLINK_OUTSIDE, None, 2),
        (".dockerignore", SYMLINK_OUTSIDE, None, 1),
    ]


def test_links_inside_the_context_are_followed(tmp_path: Path) -> None:
    """A symlink that stays inside the context is followed; findings name the real file."""
    write(
        tmp_path,
        {
            "ctx/Dockerfile": "FROM python:3.11-slim\nCOPY requirements.txt /app/\n"
            "RUN pip install --no-cache-dir -r /app/requirements.txt\n",
            "ctx/deps/real.txt": "flask\n",
        },
    )
    os.symlink("deps/real.txt", tmp_path / "ctx/requirements.txt")
    findings, _ = check(tmp_path)
    assert [f["file"] for f in findings if f["name"] == "requirements-unpinned"] == [
        "ctx/deps/real.txt"
    ]


def test_refused_path_record_names_the_instruction(tmp_path: Path) -> None:
    """The record carries what a rule needs: path as written, reason, span, instruction."""
    write(tmp_path, {"Dockerfile": "FROM python:3.11-slim\nCOPY ../secrets /s\n"})
    text = (tmp_path / "Dockerfile").read_text()
    build = load_build(parse_dockerfile(text, "Dockerfile"), tmp_path, tmp_path / "Dockerfile")
    assert build.context is not None
    (record,) = build.context.refused
    assert isinstance(record, RefusedPath)
    assert record.instruction is not None and record.instruction.keyword == "COPY"
    assert (record.span.start.column, record.span.end.column) == (6, 16)
    assert f"COPY failed: {record.reason}: {record.path}" == (
        "COPY failed: forbidden path outside the build context: ../secrets"
    )


@pytest.mark.parametrize("line", ["not a requirement: at all", f"{SECRET} !! x", "ghp_$TOKEN"])
def test_a_line_that_is_no_requirement_keeps_no_text(line: str) -> None:
    """What a requirements file holds beyond requirements never reaches the model."""
    (requirement,), _ = parse_requirements(f"{line}\n")
    assert (requirement.kind, requirement.name, requirement.spec) == ("invalid", "", "")
