"""``--fix`` never corrupts a file: edits land where the finding points, or nothing changes.

The parser splits lines only at ``\\n``; ``str.splitlines`` also splits at a form feed,
vertical tab, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028/U+2029 and a bare ``\\r``. When the
fixer split lines its own way, ``RUN pip install flask==2.0.1`` after such a character
became ``RUN pip i --no-cache-dirnstall flask==2.0.1`` and dlint said "fixed 1 problem".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import run_dlint
from hypothesis import given, settings
from hypothesis import strategies as st

from dlint.finding import Edit, Finding, Fix, Severity, Span
from dlint.fix import LineIndex, MisplacedEdit, apply_fixes, fixes_by_file
from dlint.parse import parse_dockerfile, split_lines

ODD = {
    "form feed": "\x0c",
    "vertical tab": "\x0b",
    "file separator": "\x1c",
    "group separator": "\x1d",
    "record separator": "\x1e",
    "next line": "\x85",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "bare carriage return": "\r",
}


def _write(path: Path, text: str) -> None:
    # newline="" so that a bare "\r" or "\r\n" reaches the disk exactly as written.
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.mark.parametrize("char", ODD.values(), ids=ODD.keys())
def test_fix_is_exact_after_a_character_splitlines_would_break_at(
    char: str, tmp_path: Path
) -> None:
    """The character on an earlier line and earlier on the same line: the fix lands right."""
    dockerfile = tmp_path / "Dockerfile"
    before = (
        "FROM python:3.11-slim\n"
        f"# build notes{char}see below\n"
        f'RUN echo "a{char}b" && pip install flask==2.0.1\n'
    )
    _write(dockerfile, before)
    done = run_dlint("check", "--fix", "--isolated", "--select", "pip-cache-kept", str(dockerfile))
    assert _read(dockerfile) == before.replace("pip install", "pip install --no-cache-dir")
    assert done.stderr.decode().splitlines()[0] == f"dlint: fixed 1 problem in {dockerfile}"
    assert done.returncode == 0, done.stdout.decode()


def test_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    """A CRLF Dockerfile is fixed in place and stays CRLF."""
    dockerfile = tmp_path / "Dockerfile"
    before = "FROM python:3.11-slim\r\nRUN pip install \\\r\n    flask==2.0.1\r\n"
    _write(dockerfile, before)
    done = run_dlint("check", "--fix", "--isolated", "--select", "pip-cache-kept", str(dockerfile))
    assert _read(dockerfile) == before.replace("pip install", "pip install --no-cache-dir")
    assert done.returncode == 0


def finding(edits: tuple[Edit, ...], name: str = "pip-cache-kept") -> Finding:
    """A finding of ``name`` whose safe fix makes ``edits``."""
    span = edits[0].span
    return Finding("D205", name, (), Severity.INFO, "m", "Dockerfile", span, Fix("f", edits))


def insert(line: int, column: int, text: str) -> Edit:
    """An edit inserting ``text`` at ``line:column`` of the Dockerfile."""
    return Edit(Span.of(line, column, line, column), text, "Dockerfile")


TEXT = "FROM python:3.11-slim\nRUN pip install flask==2.0.1\n"


def test_edit_at_the_end_of_a_line_is_applied() -> None:
    """Column len+1 is the end of the line: an insertion there is fine."""
    result = apply_fixes(TEXT, "Dockerfile", [finding((insert(2, 29, " x"),))])
    assert result.text == TEXT.replace("2.0.1", "2.0.1 x")
    assert result.refused is None and len(result.applied) == 1


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (insert(2, 30, "x"), "column 30 is not on line 2 (28 characters)"),
        (insert(9, 1, "x"), "line 9 is not in the file"),
        (Edit(Span.of(2, 5, 2, 1), "x", "Dockerfile"), "ends"),
    ],
    ids=["past the end of the line", "past the end of the file", "ends before it starts"],
)
def test_misplaced_edit_refuses_the_whole_file(edit: Edit, reason: str) -> None:
    """A span that does not map inside the text changes nothing, and says why."""
    good = finding((insert(2, 16, " --no-cache-dir"),))
    result = apply_fixes(TEXT, "Dockerfile", [good, finding((edit,))])
    assert result.text == TEXT
    assert result.applied == ()
    assert result.refused is not None and reason in result.refused


def test_edit_inside_a_crlf_line_ending_is_misplaced() -> None:
    """Column len+2 would split "\\r\\n": refused, not applied between the two."""
    text = TEXT.replace("\n", "\r\n")
    with pytest.raises(MisplacedEdit):
        LineIndex(text).offset(Span.of(2, 30, 2, 30).start)
    result = apply_fixes(text, "Dockerfile", [finding((insert(2, 30, "x"),))])
    assert result.text == text and result.refused


@pytest.mark.parametrize(
    ("replacement", "reason"),
    [
        ("\nFOO bar", "would not parse"),
        ("\nRUN echo", "different instructions"),
    ],
    ids=["breaks parsing", "adds an instruction"],
)
def test_fix_that_changes_the_dockerfile_structure_is_refused(
    replacement: str, reason: str
) -> None:
    """The fixed text must parse into the same instructions, or nothing is written."""
    result = apply_fixes(TEXT, "Dockerfile", [finding((insert(2, 29, replacement),))])
    assert result.text == TEXT
    assert reason in (result.refused or "")


def test_refused_file_is_reported_in_one_line_and_left_out(capsys) -> None:
    """fixes_by_file leaves a refused file out and prints one line naming it."""
    bad = finding((insert(2, 99, "x"),))
    assert fixes_by_file([bad], lambda _: TEXT) == {}
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("dlint: error: Dockerfile: fixes not applied, the file is unchanged:")
    seen: list[tuple[str, str]] = []
    fixes_by_file([bad], lambda _: TEXT, refused=lambda file, why: seen.append((file, why)))
    assert seen and seen[0][0] == "Dockerfile"


def test_a_fix_of_two_files_is_applied_to_both_or_to_neither() -> None:
    """A constraints fix writes a new file and edits the Dockerfile: when its Dockerfile
    edit overlaps one taken first, the new file is not written either."""
    files = {"Dockerfile": TEXT, "constraints.txt": ""}
    new_file = Edit(Span.of(1, 1, 1, 1), "flask==2.0.1\n", "constraints.txt")
    both = finding((insert(2, 29, " -c constraints.txt"), new_file), "requirements-not-locked")
    changed = fixes_by_file([both], files.__getitem__, dockerfiles={"Dockerfile"})
    assert changed["constraints.txt"][1].text == "flask==2.0.1\n"
    assert changed["Dockerfile"][1].text.endswith("flask==2.0.1 -c constraints.txt\n")
    first = finding((insert(2, 29, " --no-deps"),))
    changed = fixes_by_file([first, both], files.__getitem__, dockerfiles={"Dockerfile"})
    assert set(changed) == {"Dockerfile"}
    assert changed["Dockerfile"][1].text.endswith("flask==2.0.1 --no-deps\n")
    assert changed["Dockerfile"][1].applied == (first,)
    # Refused in one file (a misplaced edit there): not written in the other.
    misplaced = finding((insert(2, 99, "x"), new_file), "requirements-not-locked")
    seen: list[str] = []
    changed = fixes_by_file([misplaced], files.__getitem__, refused=lambda f, _: seen.append(f))
    assert changed == {} and seen == ["Dockerfile"]


def test_split_lines_is_the_parsers_line_splitting() -> None:
    """Only "\\n" ends a line, in the parser and in the fixer alike."""
    text = "FROM a\x0cb\nRUN x\u2028y\r\nRUN z"
    assert split_lines(text) == ["FROM a\x0cb", "RUN x\u2028y\r", "RUN z"]
    model = parse_dockerfile(text, "Dockerfile")
    assert [i.span.start.line for i in model.instructions] == [1, 2, 3]


LINE_NOISE = st.text(alphabet=st.sampled_from([*ODD.values(), "a", " ", "#"]), max_size=6)


@settings(max_examples=100, deadline=None, database=None, derandomize=bool(os.environ.get("CI")))
@given(LINE_NOISE, LINE_NOISE, st.sampled_from(["\n", "\r\n"]))
def test_every_word_span_maps_to_its_own_text(before: str, inside: str, newline: str) -> None:
    """For any odd characters around, each word's span, mapped as the fixer maps it, covers
    exactly the word's text in the file."""
    text = newline.join(
        [
            "FROM python:3.11-slim",
            "#" + before,
            f"RUN echo '{inside.replace(chr(39), '')}' && pip install \\",
            "  # " + before,
            "    flask==2.0.1",
            "",
        ]
    )
    index = LineIndex(text)
    (run,) = parse_dockerfile(text, "Dockerfile").stages[0].of("RUN")
    words = [w for command in run.commands for w in command.words]
    assert [w.text for w in words][-3:] == ["pip", "install", "flask==2.0.1"]
    for word in words:
        if word.span.start.line == word.span.end.line:
            start, end = index.offset(word.span.start), index.offset(word.span.end)
            assert text[start:end] == word.raw


def _check(*paths: str, **options) -> tuple[int, str, str]:
    """Run ``dlint check`` in-process; return the exit code, stdout and stderr."""
    import io

    from dlint.checkrun import CheckOptions, run_check

    out, err = io.StringIO(), io.StringIO()
    code = run_check(CheckOptions(paths=paths, isolated=True, **options), out, err)
    return code, out.getvalue(), err.getvalue()


PIP = "FROM python:3.11-slim\nRUN pip install flask==3.0.3\n"


def test_fix_writes_atomically_and_keeps_the_permissions(tmp_path: Path, monkeypatch) -> None:
    """The fixed file replaces the old one whole and keeps its mode bits (and its BOM)."""
    monkeypatch.chdir(tmp_path)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(b"\xef\xbb\xbf" + PIP.encode())
    dockerfile.chmod(0o640)
    code, out, _ = _check("Dockerfile", fix=True, select="pip-cache-kept")
    assert code == 0, out
    assert (
        dockerfile.read_bytes()
        == b"\xef\xbb\xbf" + PIP.replace("install", "install --no-cache-dir").encode()
    )
    assert dockerfile.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temporary file left


def test_a_file_that_does_not_parse_is_untouched(tmp_path: Path) -> None:
    """A Dockerfile the parser refuses is never rewritten, even by a fix aimed at it."""
    broken = "RUN pip install flask\nFROM python:3.11-slim\n"
    result = apply_fixes(broken, "Dockerfile", [finding((insert(1, 16, " x"),))], dockerfile=True)
    assert result.text == broken and "does not parse" in (result.refused or "")


def test_unsafe_fixes_alone_is_refused_with_one_line(tmp_path: Path, monkeypatch) -> None:
    """``--unsafe-fixes`` without ``--fix`` or ``--diff`` would do nothing: exit 2, say so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(PIP)
    code, out, err = _check("Dockerfile", unsafe_fixes=True)
    assert code == 2 and out == ""
    assert err == "dlint: error: --unsafe-fixes only widens --fix or --diff; add one of them\n"
    assert (tmp_path / "Dockerfile").read_text() == PIP


def test_fix_says_how_many_it_fixed_and_how_many_more_unsafe_fixes_would(
    tmp_path: Path, monkeypatch
) -> None:
    """The text report ends as ruff's does: what was fixed, what --unsafe-fixes would add."""
    monkeypatch.chdir(tmp_path)
    text = "FROM python:3.11-slim\nRUN pip install flask==3.0.3\nRUN apt-get install -y gcc\n"
    (tmp_path / "Dockerfile").write_text(text)
    rules = "pip-cache-kept,apt-recommends"
    code, out, _ = _check("Dockerfile", fix=True, select=rules)
    assert code == 1
    assert out.splitlines()[-2:] == [
        "No safe fixes (1 fixable with `--fix --unsafe-fixes`).",
        "Fixed 1 problem.",
    ]
    code, out, _ = _check("Dockerfile", fix=True, unsafe_fixes=True, select=rules)
    assert code == 0 and out.splitlines()[-2:] == [
        "No problems found (1 file checked).",
        "Fixed 1 problem.",
    ]


def test_reshaping_fixes_keep_crlf_escape_character_comments_and_indentation(
    tmp_path: Path, monkeypatch
) -> None:
    """A reorder and added instructions in a CRLF file with ``# escape=``` ``: the moved
    lines keep their backtick continuation, comment and indentation; new lines are CRLF."""
    monkeypatch.chdir(tmp_path)
    lines = [
        "# escape=`",
        "FROM python:3.11-slim",
        "WORKDIR /app",
        "  COPY . .",
        "  RUN pip install --no-cache-dir `",
        "    # the pinned set",
        "    -r requirements.txt",
        'CMD ["python", "app.py"]',
        "",
    ]
    _write(tmp_path / "Dockerfile", "\r\n".join(lines))
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    code, out, _ = _check(
        "Dockerfile", fix=True, unsafe_fixes=True, select="copy-before-install,root-user"
    )
    assert code == 0, out
    assert _read(tmp_path / "Dockerfile").split("\r\n") == [
        "# escape=`",
        "FROM python:3.11-slim",
        "WORKDIR /app",
        "  COPY requirements.txt ./",
        "  RUN pip install --no-cache-dir `",
        "    # the pinned set",
        "    -r requirements.txt",
        "  COPY . .",
        "  RUN groupadd --gid 10001 app"
        " && useradd --no-log-init --create-home --uid 10001 --gid app app",
        "  USER 10001:10001",
        'CMD ["python", "app.py"]',
        "",
    ]
