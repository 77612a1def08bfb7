"""Apply the text edits that findings carry, refusing overlapping ones.

Only the edits of fixes marked safe are applied unless unsafe fixes are asked for. Edits
are applied from the end of the file backwards so earlier positions stay valid; a fix
whose edits overlap an edit already taken is skipped whole (a later run can apply it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dlint.finding import Edit, Finding, Position


@dataclass(frozen=True)
class FixResult:
    """The new text of one file and which findings' fixes went into it."""

    text: str
    applied: tuple[Finding, ...]
    skipped: tuple[Finding, ...]


def offset(lines: Sequence[str], position: Position) -> int:
    """Character offset of a 1-based line/column in text split into ``lines`` (newlines kept)."""
    line = min(position.line, len(lines))
    before = sum(len(text) for text in lines[: line - 1])
    return before + position.column - 1


def fixable(finding: Finding, file: str, unsafe: bool) -> bool:
    """True when ``finding`` has a fix for ``file`` that may be applied."""
    return (
        finding.fix is not None
        and (finding.fix.safe or unsafe)
        and all(edit.file == file for edit in finding.fix.edits)
    )


def apply_fixes(
    text: str, file: str, findings: Sequence[Finding], unsafe: bool = False
) -> FixResult:
    """Apply the fixes of ``findings`` that target ``file``; return the new text."""
    crlf = "\r\n" in text
    body = text.replace("\r\n", "\n") if crlf else text
    lines = body.splitlines(keepends=True) or [""]
    taken: list[tuple[int, int, Edit]] = []
    applied, skipped = [], []
    for finding in findings:
        if not fixable(finding, file, unsafe):
            continue
        ranges = [
            (offset(lines, e.span.start), offset(lines, e.span.end), e) for e in finding.fix.edits
        ]
        if any(_overlaps(r, t) for r in ranges for t in taken):
            skipped.append(finding)
            continue
        taken.extend(ranges)
        applied.append(finding)
    for start, end, edit in sorted(taken, key=lambda r: (r[0], r[1]), reverse=True):
        body = body[:start] + edit.replacement + body[end:]
    if crlf:
        body = body.replace("\n", "\r\n")
    return FixResult(body, tuple(applied), tuple(skipped))


def _overlaps(a: tuple[int, int, Edit], b: tuple[int, int, Edit]) -> bool:
    """Two edits overlap when their ranges share a character, or both insert at one place."""
    if a[0] == a[1] == b[0] == b[1]:
        return True
    return a[0] < b[1] and b[0] < a[1]


def fixes_by_file(
    findings: Sequence[Finding], read, unsafe: bool = False
) -> dict[str, tuple[str, FixResult]]:
    """For every file some fix edits: its current text and the fixed result.

    ``read(file)`` returns a file's current text; findings name files as the report does.
    """
    files = {
        edit.file for f in findings if f.fix and (f.fix.safe or unsafe) for edit in f.fix.edits
    }
    results = {}
    for file in sorted(files):
        before = read(file)
        result = apply_fixes(before, file, findings, unsafe)
        if result.applied:
            results[file] = (before, result)
    return results
