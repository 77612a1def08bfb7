"""The .dockerignore matcher follows Docker's (moby/patternmatcher) semantics.

Each case is a .dockerignore text, a context path, and whether BuildKit leaves that path
out of the build context.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from helpers import run_dlint

from dlint.load import parse_dockerignore

CASES = [
    # Go filepath.Match: "*" and "?" never cross a "/", so "*.pyc" is top-level only.
    ("*.pyc", "a.pyc", True),
    ("*.pyc", "src/a.pyc", False),
    ("**/*.pyc", "src/a.pyc", True),
    ("**/*.pyc", "a.pyc", True),
    ("*/*.pyc", "src/a.pyc", True),
    ("*/*.pyc", "src/pkg/a.pyc", False),
    ("?.txt", "a.txt", True),
    ("?.txt", "ab.txt", False),
    ("*", ".git", True),
    ("[abc].txt", "b.txt", True),
    ("[^abc].txt", "b.txt", False),
    ("[a-c].txt", "d.txt", False),
    (r"\*.txt", "*.txt", True),
    (r"\*.txt", "a.txt", False),
    ("model.v1", "modelxv1", False),
    # A pattern is anchored at the context root, but matching a folder excludes its contents.
    ("data", "data", True),
    ("data", "data/train/x.csv", True),
    ("data", "src/data", False),
    ("data", "database.py", False),
    ("src/*", "src/pkg/mod.py", True),
    # "**" matches any number of folders, zero included.
    ("**/__pycache__", "__pycache__", True),
    ("**/__pycache__", "a/b/__pycache__/x.pyc", True),
    ("data/**", "data/x.csv", True),
    ("data/**", "data", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("a/**b", "a/x/b", True),
    ("a/**b", "a/xb", False),
    ("**foo", "afoo", True),
    ("**", "anything/at/all", True),
    # Leading "/" and "./" are cleaned away; so are "..", "//" and a trailing "/".
    ("/data", "data/x.csv", True),
    ("./data", "data/x.csv", True),
    ("data/", "data/x.csv", True),
    ("src//../data", "data/x.csv", True),
    # "." and "/" clean to patterns that match no path: they do not exclude everything.
    (".", "app.py", False),
    ("/", "app.py", False),
    # "!" re-includes; the last matching line wins.
    ("data\n!data/keep.txt", "data/keep.txt", False),
    ("data\n!data/keep.txt", "data/drop.txt", True),
    ("!data/keep.txt\ndata", "data/keep.txt", True),
    ("*.md\n!README.md", "README.md", False),
    ("*.md\n!README.md", "CHANGES.md", True),
    ("data\n! data/keep", "data/keep/x", False),
    ("models\n!models/*.onnx\nmodels/big.onnx", "models/big.onnx", True),
    # A lone "!" is an error for Docker; it must not re-include everything.
    ("data\n!", "data/x.csv", True),
    # Comments start in the first column; an indented "#" is a pattern.
    ("# data", "data", False),
    ("#data\ndata", "data", True),
    ("  #x", "#x", True),
    # Surrounding whitespace and blank lines are ignored.
    ("  data  \n\n", "data/x.csv", True),
]


@pytest.mark.parametrize(("text", "path", "excluded"), CASES)
def test_excludes_like_docker(text: str, path: str, excluded: bool) -> None:
    """``excludes`` says what BuildKit would say for this path."""
    assert parse_dockerignore(text, ".dockerignore").excludes(path) is excluded


def test_patterns_keep_their_line_numbers() -> None:
    """Each pattern remembers its line, comments and blank lines counted."""
    ignore = parse_dockerignore("# comment\n\n.git\n!keep\n", ".dockerignore")
    assert [(p.pattern, p.negated, p.line) for p in ignore.patterns] == [
        (".git", False, 3),
        ("keep", True, 4),
    ]


def test_malformed_character_class_is_not_a_crash() -> None:
    """Docker rejects ``[]``; dlint must still load the file and keep the other lines."""
    ignore = parse_dockerignore("[]\n.git\n", ".dockerignore")
    assert ignore.excludes(".git/HEAD")


MORE_CASES = [
    # Runs of "**" mean what one "**" means, however many there are.
    ("**/**/**/x", "x", True),
    ("**/**/**/x", "a/b/c/d/x", True),
    ("**/**/**/x", "a/bx", False),
    ("a/**/**/b", "a/b", True),
    ("a/**/**/b", "a/x/y/z/b", True),
    ("a**/x", "ax", True),
    ("a**/x", "a/b/x", True),
    ("*a*a*a*b", "xayaza_b", True),
    ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", False),
    ("src/**/gen/*.py", "src/a/b/gen/m.py", True),
    ("src/**/gen/*.py", "src/a/b/gen/sub/m.py", False),
    ("src/**/gen/*.py", "src/agen/m.py", False),
    ("[!a]x", "bx", False),  # as in Docker, "!" inside a class is a literal
    ("**.py", "a/b.py", True),
]


@pytest.mark.parametrize(("text", "path", "excluded"), MORE_CASES)
def test_more_patterns_like_docker(text: str, path: str, excluded: bool) -> None:
    """Repeated ``**``, stars inside a name and folder names behave as in Docker."""
    assert parse_dockerignore(text, ".dockerignore").excludes(path) is excluded


def test_folder_excluded_whole_only_without_exceptions_inside() -> None:
    """A walk may skip a folder only when no ``!`` line can re-include something in it."""
    ignore = parse_dockerignore("data\nlogs\n!data/keep.txt\n!**/README.md\n", ".dockerignore")
    assert ignore.excludes("logs") and not ignore.excludes_all_of("logs")
    assert not parse_dockerignore("data\n", ".dockerignore").excludes_all_of("src")
    assert parse_dockerignore("data\n!src/x\n", ".dockerignore").excludes_all_of("data")
    assert not parse_dockerignore("data\n!data/x\n", ".dockerignore").excludes_all_of("data")


def _check_in_time(root: Path) -> tuple[subprocess.CompletedProcess, float]:
    """Run the .dockerignore rule over ``root``; return the result and the seconds it took."""
    start = time.monotonic()
    result = run_dlint("check", ".", "--select", "dockerignore-incomplete", cwd=root)
    return result, time.monotonic() - start


@pytest.mark.parametrize(
    "line", ["/".join(["**"] * 10) + "/x", "**" * 10 + "x", "a/" + "**/" * 10 + "b/**/c"]
)
def test_a_line_of_many_stars_is_fast(project, line: str) -> None:
    """Ten ``**`` on one line took 94 s (regex backtracking); now well under a second."""
    deep = "a/" + "/".join(["d"] * 29)
    key = f"{deep}/{'y' * 60}.pem"
    root = project(
        {
            "Dockerfile": "FROM python:3.11-slim\nCOPY . /app\n",
            ".dockerignore": f"{line}\n",
            key: "x",
        }
    )
    result, elapsed = _check_in_time(root)
    assert elapsed < 10
    assert result.returncode == 1
    assert f"secret '{key}' (1 B) is sent to the builder" in result.stdout.decode()


def test_ten_thousand_patterns_against_two_thousand_files_is_fast(project) -> None:
    """10,000 patterns against 2,000 files took 69 s; the index keeps it to seconds."""
    shapes = ["data{i}/file{i}.csv", "**/cache{i}", "*.tmp{i}", "src/**/gen{i}/*.py", "out{i}/**"]
    lines = [shapes[i % len(shapes)].format(i=i) for i in range(10_000)]
    # Stray .pyc files: every one is an entry the rule asks the .dockerignore about.
    files = {f"pkg{i}/sub/mod{i}.pyc": "" for i in range(2_000)}
    root = project(
        {
            "Dockerfile": "FROM python:3.11-slim\nCOPY . /app\n",
            ".dockerignore": "\n".join(lines) + "\n",
            **files,
            "notebooks/eda.ipynb": "{}",
        }
    )
    result, elapsed = _check_in_time(root)
    assert elapsed < 30
    assert result.returncode == 1
    assert "notebook 'notebooks/eda.ipynb' (2 B) is sent to the builder" in result.stdout.decode()
    assert "Python cache 'pkg0/sub/mod0.pyc' (0 B), " in result.stdout.decode()
