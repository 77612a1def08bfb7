"""The .dockerignore matcher follows Docker's (moby/patternmatcher) semantics.

Each case is a .dockerignore text, a context path, and whether BuildKit leaves that path
out of the build context.
"""

from __future__ import annotations

import pytest

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
