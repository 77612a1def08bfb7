"""Apply the text edits that findings carry, refusing overlapping ones and misplaced ones.

Only the edits of fixes marked safe are applied unless unsafe fixes are asked for. Edits
are applied from the end of the file backwards so earlier positions stay valid; a fix
whose edits overlap an edit already taken is skipped whole (a later run can apply it).

Positions are mapped with :func:`dlint.parse.split_lines`, the parser's own line
splitting: only ``\\n`` ends a line. (``str.splitlines`` also breaks at form feeds,
``\\x1c``-``\\x1e``, ``\\x85``, U+2028/U+2029 and a bare ``\\r``, which put every edit after
such a character at the wrong place.) Before a file is changed, the fixer checks that
every edit lies inside the text (never past the end of a line or inside a line ending) and
that the fixed Dockerfile still parses into the same instructions; otherwise the file is
left untouched and the reason is reported in one line.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Collection, Sequence
from itertools import accumulate
from pathlib import Path

from dlint.finding import Edit, Finding, Position
from dlint.parse import DockerfileSyntaxError, parse_dockerfile, split_lines
from dlint.records import dataclass


@dataclass(frozen=True)
class FixResult:
    """The new text of one file and which findings' fixes went into it.

    ``refused`` says why nothing was applied (the text is then the original one); None
    when the fixes went in.
    """

    text: str
    applied: tuple[Finding, ...]
    skipped: tuple[Finding, ...]
    refused: str | None = None


class MisplacedEdit(ValueError):
    """An edit's position does not lie inside the file's text."""


class LineIndex:
    """Maps 1-based line/column positions to offsets in a text, lines as the parser splits them."""

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        # Each line is followed by one "\n" (except the last).
        self.starts = [0, *accumulate(len(line) + 1 for line in self.lines)]

    def offset(self, position: Position) -> int:
        """Character offset of ``position``; :class:`MisplacedEdit` when it is not in the text.

        A column may be one past the line's last character (an insertion at the end of the
        line), but never inside the ``\\r\\n`` that ends it.
        """
        if not 1 <= position.line <= len(self.lines):
            raise MisplacedEdit(f"line {position.line} is not in the file")
        content = self.lines[position.line - 1].removesuffix("\r")
        if not 1 <= position.column <= len(content) + 1:
            raise MisplacedEdit(
                f"column {position.column} is not on line {position.line} "
                f"({len(content)} characters)"
            )
        return self.starts[position.line - 1] + position.column - 1


def fixable(finding: Finding, file: str, unsafe: bool) -> bool:
    """True when ``finding`` has a fix that may be applied and that edits ``file``."""
    return (
        finding.fix is not None
        and (finding.fix.safe or unsafe)
        and all(edit.file is not None for edit in finding.fix.edits)
        and any(edit.file == file for edit in finding.fix.edits)
    )


def files_of(finding: Finding) -> set[str]:
    """The files the fix of ``finding`` edits (a constraints fix writes a new file and
    edits the Dockerfile: it is applied to both or to neither)."""
    if finding.fix is None:
        return set()
    return {edit.file for edit in finding.fix.edits if edit.file is not None}


def apply_fixes(
    text: str,
    file: str,
    findings: Sequence[Finding],
    unsafe: bool = False,
    dockerfile: bool | None = None,
) -> FixResult:
    """Apply the fixes of ``findings`` that target ``file``; return the new text.

    When an edit is misplaced or the fixed Dockerfile would not parse into the same
    instructions (or, for a fix that ``reshapes`` it, would not parse), nothing is applied:
    the result has the original text and ``refused``. ``dockerfile`` says whether ``file``
    is a Dockerfile; None guesses it from whether the original text parses as one.
    """
    index = LineIndex(text)
    crlf = "\r\n" in text
    taken: list[tuple[int, int, Edit]] = []
    applied: list[Finding] = []
    skipped: list[Finding] = []
    candidates = [f for f in findings if fixable(f, file, unsafe)]
    for finding in candidates:
        assert finding.fix is not None  # fixable() said so
        try:
            ranges = [_range(index, edit) for edit in finding.fix.edits if edit.file == file]
        except MisplacedEdit as error:
            return _refuse(text, candidates, f"a fix of {finding.name} is misplaced: {error}")
        if any(_overlaps(r, t) for r in ranges for t in taken):
            skipped.append(finding)
            continue
        taken.extend(ranges)
        applied.append(finding)
    pieces: list[str] = []
    end = len(text)
    for start, stop, edit in sorted(taken, key=lambda r: (r[0], r[1]), reverse=True):
        replacement = edit.replacement.replace("\n", "\r\n") if crlf else edit.replacement
        pieces.append(text[stop:end])
        pieces.append(replacement)
        end = start
    pieces.append(text[:end])
    fixed = "".join(reversed(pieces))
    if applied and dockerfile is not False:
        reshapes = any(f.fix is not None and f.fix.reshapes for f in applied)
        problem = _changes_structure(text, fixed, file, reshapes, dockerfile is True)
        if problem is not None:
            return _refuse(text, candidates, problem)
    return FixResult(fixed, tuple(applied), tuple(skipped))


def _range(index: LineIndex, edit: Edit) -> tuple[int, int, Edit]:
    start, end = index.offset(edit.span.start), index.offset(edit.span.end)
    if end < start:
        raise MisplacedEdit(f"it ends ({edit.span.end}) before it starts ({edit.span.start})")
    return start, end, edit


def _refuse(text: str, candidates: Sequence[Finding], reason: str) -> FixResult:
    return FixResult(text, (), tuple(candidates), reason)


def _changes_structure(
    before: str, after: str, file: str, reshapes: bool, known: bool
) -> str | None:
    """Why ``after`` is not a safe fix of the Dockerfile ``before``, or None.

    A fix edits inside instructions: the fixed text must parse, into instructions with the
    same keywords on the same lines (only parse, when a fix ``reshapes`` the file). Text
    that was no Dockerfile to begin with is not judged here unless ``known`` says it is one
    (then a file that did not parse before is refused: it is left untouched).
    """
    try:
        old = parse_dockerfile(before, file)
    except DockerfileSyntaxError as error:
        return f"the file does not parse (line {error.line}: {error.message})" if known else None
    try:
        new = parse_dockerfile(after, file)
    except DockerfileSyntaxError as error:
        return f"the fixed file would not parse (line {error.line}: {error.message})"
    if reshapes:
        return None
    shape = [(i.keyword, i.span.start.line) for i in old.instructions]
    if [(i.keyword, i.span.start.line) for i in new.instructions] != shape:
        return "the fixed file would have different instructions"
    return None


def _overlaps(a: tuple[int, int, Edit], b: tuple[int, int, Edit]) -> bool:
    """Two edits overlap when their ranges share a character, or both insert at one place."""
    if a[0] == a[1] == b[0] == b[1]:
        return True
    return a[0] < b[1] and b[0] < a[1]


def report_refusal(file: str, reason: str) -> None:
    """Say on stderr, in one line, that ``file`` was left unchanged and why."""
    message = f"dlint: error: {file}: fixes not applied, the file is unchanged: {reason}"
    print(message, file=sys.stderr)


def fixes_by_file(
    findings: Sequence[Finding],
    read: Callable[[str], str],
    unsafe: bool = False,
    refused: Callable[[str, str], None] = report_refusal,
    dockerfiles: Collection[str] | None = None,
) -> dict[str, tuple[str, FixResult]]:
    """For every file some fix edits: its current text and the fixed result.

    ``read(file)`` returns a file's current text; findings name files as the report does.
    A file whose fixes are refused is left out, and ``refused(file, reason)`` is called;
    by default that prints one line on stderr (the command line has no other channel for
    it yet). ``dockerfiles`` names the files that are Dockerfiles (their fixes must keep
    them parsing; any other file, a ``.dockerignore``, is not parsed); None guesses.
    """
    chosen = [f for f in findings if f.fix and (f.fix.safe or unsafe)]
    files = sorted({file for f in chosen for file in files_of(f)})
    texts = {file: read(file) for file in files}
    # A fix that edits several files is applied to all of them or to none: when one of
    # its files refuses it (an overlap, a refusal of the file's fixes), it is dropped from
    # every file and those files are fixed again without it. Each round drops at least one.
    # A file refused in some round and left with no fix at the end is reported (with the
    # first reason); one whose other fixes went in once a dropped fix was out is not.
    refusals: dict[str, str] = {}
    while True:
        results: dict[str, tuple[str, FixResult]] = {}
        for file in files:
            kind = None if dockerfiles is None else file in dockerfiles
            result = apply_fixes(texts[file], file, chosen, unsafe, kind)
            if result.refused is not None:
                refusals.setdefault(file, result.refused)
            elif result.applied:
                results[file] = (texts[file], result)
        applied_in = {
            (id(f), file) for file, (_, result) in results.items() for f in result.applied
        }
        partial = [
            f
            for f in chosen
            if len(files_of(f)) > 1
            and any((id(f), file) in applied_in for file in files_of(f))
            and not all((id(f), file) in applied_in for file in files_of(f))
        ]
        if not partial:
            break
        dropped = {id(f) for f in partial}
        chosen = [f for f in chosen if id(f) not in dropped]
    for file, reason in refusals.items():
        if file not in results:
            refused(file, reason)
    return results


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, line endings as given) in one step.

    The text goes to a temporary file beside ``path`` that then replaces it, so a crash or
    a full disk never leaves half a Dockerfile; the file keeps its permission bits, and a
    byte-order mark it started with. A file that did not exist (a new ``.dockerignore``)
    gets the permissions a new file gets.
    """
    try:
        mode: int | None = path.stat().st_mode & 0o7777
        bom = path.read_bytes().startswith(b"\xef\xbb\xbf")
    except FileNotFoundError:
        mode, bom = None, False
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
