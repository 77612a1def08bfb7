"""Finding Dockerfiles on disk: the names dlint looks for, and paths it cannot use.

Every bad path (a FIFO, a looping or broken symlink, a folder that cannot be read, one that
disappears during the walk, a Dockerfile linked out of the checked folder) is one line on
stderr and exit code 2, never a hang or a traceback, and the other files are still checked.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from helpers import run_dlint

from dlint import load
from dlint.checkrun import CheckOptions, run_check
from dlint.engine import targets_for
from dlint.load import is_dockerfile_name, load_build
from dlint.parse import parse_dockerfile

GOOD = "FROM python:3.11-slim\nUSER 1000\n"


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "Containerfile",
        "Dockerfile.gpu",
        "Dockerfile_cuda",
        "Dockerfile-dev",
        "Containerfile-x",
        "Containerfile_arm",
        "dev.Dockerfile",
        "api.dockerfile",
        "base.Containerfile",
    ],
)
def test_dockerfile_names_are_found(name: str) -> None:
    """Every spelling projects use for a Dockerfile is checked."""
    assert is_dockerfile_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile.dockerignore",
        "Dockerfile-dev.dockerignore",
        "Dockerfile.md",
        "Dockerfile_cuda.md",
        "Dockerfile.bak",
        "Dockerfile-dev~",
        "Dockerfile.orig",
        "Dockerfile.swp",
        "Dockerfile.j2",
        "Dockerfile.tmpl",
        "Dockerfile-build.sh",
        "Dockerfiles",
        "MyDockerfile",
        "dockerfile_lint.py",
    ],
)
def test_look_alikes_are_not_dockerfiles(name: str) -> None:
    """Ignore files, docs, backups, templates and scripts are left alone."""
    assert not is_dockerfile_name(name)


def test_folder_check_finds_underscore_and_dash_names(project) -> None:
    """``dlint check .`` checks Dockerfile_cuda and Dockerfile-dev, not their notes."""
    root = project(
        {
            "Dockerfile_cuda": "FROM python\nUSER 1000\n",
            "Dockerfile-dev": GOOD,
            "docker/dev.Dockerfile": GOOD,
            "Dockerfile-dev.dockerignore": ".git\n",
            "Dockerfile_cuda.md": "# notes\n",
        }
    )
    result = run_dlint("check", ".", "--select", "base-image-unpinned", cwd=root)
    assert result.returncode == 1, result.stderr
    out = result.stdout.decode()
    assert "Dockerfile_cuda:1:6: warning base-image-unpinned" in out
    assert "3 files checked" in out


def lines(stream: io.StringIO) -> list[str]:
    """The lines written to ``stream``."""
    return stream.getvalue().splitlines()


def check_in_process(*paths: str) -> tuple[int, list[str], str]:
    """Run ``dlint check PATHS`` in this process: exit code, stderr lines, stdout."""
    out, err = io.StringIO(), io.StringIO()
    code = run_check(CheckOptions(paths=paths, isolated=True), out, err)
    return code, lines(err), out.getvalue()


def test_fifo_named_dockerfile_is_skipped_not_read(project) -> None:
    """A FIFO named Dockerfile used to hang forever; it is one line, the rest is checked."""
    root = project({"api/Dockerfile": GOOD})
    os.mkfifo(root / "Dockerfile")
    result = run_dlint("check", ".", cwd=root)
    assert result.returncode == 2
    errors = result.stderr.decode().splitlines()
    assert errors == ["dlint: error: Dockerfile: a FIFO, not a regular file; skipped"]
    assert "1 file checked" in result.stdout.decode()
    (target,) = [t for t in targets_for([str(root)], None) if t.error]
    assert target.error == f"{root / 'Dockerfile'}: a FIFO, not a regular file; skipped"


def error_paths(stderr: bytes) -> list[str]:
    """The path each ``dlint: error:`` line names."""
    return [e.removeprefix("dlint: error: ").split(":")[0] for e in stderr.decode().splitlines()]


def test_symlinks_that_loop_break_or_leave_the_folder(project, tmp_path, monkeypatch) -> None:
    """A looping link given as a path or met in a folder, a broken one and one leading out."""
    outside = tmp_path / "outside.Dockerfile"
    outside.write_text("FROM python\n")
    root = project({"svc/api/Dockerfile": GOOD})
    os.symlink("loop", root / "svc/loop")
    os.symlink("loop", root / "svc/Dockerfile.loop")
    os.symlink("missing", root / "svc/Dockerfile.broken")
    os.symlink(outside, root / "svc/Dockerfile.out")
    result = run_dlint("check", "svc/loop", "svc", cwd=root)
    assert result.returncode == 2
    assert error_paths(result.stderr) == [
        "svc/loop",
        "svc/Dockerfile.broken",
        "svc/Dockerfile.loop",
        "svc/Dockerfile.out",
    ]
    assert result.stderr.decode().splitlines()[0] == "dlint: error: svc/loop: symlink loop"
    assert "1 file checked" in result.stdout.decode()
    monkeypatch.chdir(root)
    found = {t.name: t.error for t in targets_for(["svc/loop", "svc"], None) if t.error}
    assert found == {
        "svc/loop": "svc/loop: symlink loop",
        "svc/Dockerfile.broken": "svc/Dockerfile.broken: broken symlink (to missing)",
        "svc/Dockerfile.loop": "svc/Dockerfile.loop: symlink loop",
        "svc/Dockerfile.out": "svc/Dockerfile.out: symlink to a file outside the checked "
        "folder; not read",
    }


def test_a_folder_that_disappears_during_the_walk(project, monkeypatch) -> None:
    """A folder removed while dlint walks is one line; what was found is still checked."""
    root = project({"a/Dockerfile": GOOD, "b/Dockerfile": GOOD})
    monkeypatch.chdir(root)
    real_scandir = os.scandir

    def vanishing(path="."):
        if str(path).endswith("b"):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", vanishing)
    found = {t.name: t.error for t in targets_for(["."], None)}
    assert found == {"a/Dockerfile": None, "b": "b: disappeared while it was being read"}


def test_unreadable_folder_as_another_user(monkeypatch) -> None:
    """A folder the user may not read is one line; the other Dockerfiles are checked.

    CI runs as root, which reads everything, so the check runs in a child process that
    drops to uid 65534 (nobody); it cannot read the interpreter's own files, so one run as
    root first imports everything the check needs.
    """
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to another user")
    root = Path(tempfile.mkdtemp(prefix="dlint-perm-"))
    try:
        (root / "open").mkdir()
        (root / "open/Dockerfile").write_text(GOOD)
        (root / "closed").mkdir(mode=0o700)
        (root / "closed/Dockerfile").write_text(GOOD)
        for path in (root, root / "open", root / "open/Dockerfile"):
            path.chmod(0o755)
        monkeypatch.chdir(root)
        check_in_process(".")  # as root: loads every module the child will need
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the child: drop privileges, check, report through the pipe
            try:
                os.setgid(65534)
                os.setuid(65534)
                code, errors, out = check_in_process(".")
                problems = [t.error for t in targets_for(["."], None) if t.error]
                os.write(write, f"{code}\n{errors}\n{problems}\n{out}".encode())
            except BaseException:  # surfaces in the parent's assertion
                import traceback

                os.write(write, f"child failed: {traceback.format_exc()}".encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            report = pipe.read()
        os.waitpid(child, 0)
    finally:
        shutil.rmtree(root)
    assert not report.startswith("child failed"), report
    code, errors, problems, out = report.split("\n", 3)
    assert code == "2"
    assert errors == "['dlint: error: closed: cannot read folder: Permission denied']"
    assert problems == "['closed: cannot read folder: Permission denied']"
    assert "1 file checked" in out


def test_the_whole_context_is_walked(tmp_path: Path) -> None:
    """A secret after 20,000 other files used to go unseen ("No problems found", exit 0)."""
    for folder in range(21):
        (tmp_path / f"src{folder:02}").mkdir()
        for number in range(1_000):
            (tmp_path / f"src{folder:02}/m{number}.py").touch()
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz/.env").write_text("TOKEN=1\n")
    (tmp_path / ".dockerignore").write_text(".git\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY . /app\n")
    start = time.monotonic()
    result = run_dlint("check", ".", "--select", "dockerignore-incomplete", cwd=tmp_path)
    assert time.monotonic() - start < 60
    assert result.returncode == 1
    assert "secret 'zz/.env' (8 B) is sent to the builder" in result.stdout.decode()


def listing(root: Path):
    """The context listing of ``root/Dockerfile``, walked in this process."""
    dockerfile = root / "Dockerfile"
    build = load_build(parse_dockerfile(dockerfile.read_text(), "Dockerfile"), root, dockerfile)
    assert build.context is not None
    return build.context


def test_excluded_folders_are_not_walked_and_a_bound_is_recorded(project, monkeypatch) -> None:
    """What .dockerignore excludes whole is one entry; a walk cut short says where."""
    files = {f"data/part{n}.csv": "x" for n in range(50)}
    root = project({"Dockerfile": "FROM python:3.11-slim\nCOPY . /app\n", **files, "z.py": ""})
    (root / ".dockerignore").write_text("data\n")
    monkeypatch.setattr(load, "MAX_CONTEXT_ENTRIES", 10)
    context = listing(root)
    assert context.stopped_at == ""
    entries = {e.path: (e.is_dir, e.excluded) for e in context.entries}
    assert entries["data"] == (True, True) and "data/part1.csv" not in entries
    (root / ".dockerignore").write_text("data\n!data/part1.csv\n")
    assert listing(root).stopped_at.startswith("data/part")
