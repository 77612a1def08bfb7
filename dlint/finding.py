"""Findings: what a rule reports, with exact places and optional fixes."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import NamedTuple

from dlint.records import dataclass, replace

# A code prefix in a set of selected or ignored names: ``SC2*`` stands for every code a
# rule's findings carry that starts with ``SC2`` (``--ignore SC2``).
PREFIX_MARK = "*"


def code_named(code: str, names: Collection[str]) -> bool:
    """True when ``names`` holds ``code`` itself or a prefix of it (``SC2*``)."""
    return code in names or any(
        name.endswith(PREFIX_MARK) and code.startswith(name[:-1]) for name in names
    )


class Severity(StrEnum):
    """How bad a finding is; ordered from worst to mildest."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """0 for the worst severity, larger for milder ones."""
        return _RANKS[self]

    def at_least(self, threshold: Severity) -> bool:
        """True when this severity is as bad as ``threshold`` or worse."""
        return self.rank <= threshold.rank


# Asked of every finding (its file's failure threshold): worked out once.
_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


# Position and Span are tuples: a 100,000-line Dockerfile's model holds a million of them,
# and a tuple is made in a third of a frozen record's time and memory. They order as
# (line, column), as a record with order=True would.
class Position(NamedTuple):
    """A 1-based line and column in a file."""

    line: int
    column: int


class Span(NamedTuple):
    """A range of text: start inclusive, end exclusive, 1-based lines and columns."""

    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, column: int, end_line: int, end_column: int) -> Span:
        """Build a span from four numbers."""
        return cls(Position(line, column), Position(end_line, end_column))


@dataclass(frozen=True)
class Edit:
    """Replace the text in ``span`` of ``file`` with ``replacement``.

    A rule leaves ``file`` as None for an edit of the Dockerfile being checked; the engine
    fills it in, so rules never pass the path around.
    """

    span: Span
    replacement: str
    file: str | None = None


@dataclass(frozen=True)
class Fix:
    """A set of edits that together resolve a finding.

    ``changes`` names what the image built from the fixed file may differ in; anything
    else must stay as it was (``dlint test --verify-fixes`` checks it on a real engine).
    The forms are listed in docs/harness.md, "Intended changes": a config key (``User``),
    one item of one (``Env:PYTHONUNBUFFERED``), a form-only change (``Cmd.form``), or paths
    (``files:GLOB``, ``removed:GLOB``, ``owners:GLOB``). Empty: the image stays the same.
    """

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True
    reshapes: bool = False
    """The fix adds, removes, moves or renames instructions (a ``USER``, a reorder); the
    fixer then checks only that the fixed Dockerfile parses, not that its shape is kept."""
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """What a rule yields: a message at a place, optionally with a fix.

    Rules know nothing about severities, configuration or output; the engine turns a
    problem into a :class:`Finding` by adding the rule's identity and severity.
    """

    message: str
    span: Span
    fix: Fix | None = None
    file: str | None = None
    """The file the span points into; None (the default) means the Dockerfile checked."""
    code: str | None = None
    """The finding's own code within its rule (ShellCheck's ``SC2086`` for the shellcheck
    rule), one the rule's ``codes`` pattern matches; None: the rule's id says it all."""

    def placed(self, default_file: str) -> Problem:
        """This problem with ``default_file`` filled in wherever no file was named."""
        fix = self.fix
        if fix is not None and any(e.file is None for e in fix.edits):
            edits = tuple(replace(e, file=e.file or default_file) for e in fix.edits)
            fix = replace(fix, edits=edits)
        return replace(self, file=self.file or default_file, fix=fix)


@dataclass(frozen=True)
class Finding:
    """One reported problem, as every output format sees it."""

    rule: str
    name: str
    aliases: tuple[str, ...]
    severity: Severity
    message: str
    file: str
    span: Span
    fix: Fix | None = None
    code: str | None = None
    """A code within the rule (``SC2086``); selection, ignores and baselines read it."""

    @property
    def shown_id(self) -> str:
        """The id as reports show it: ``D800:SC2086`` for a finding with a code, else ``D800``."""
        return f"{self.rule}:{self.code}" if self.code else self.rule

    @property
    def shown_name(self) -> str:
        """The name with the code: ``shellcheck:SC2086``, else the rule's name."""
        return f"{self.name}:{self.code}" if self.code else self.name

    def named_in(self, names: Collection[str]) -> bool:
        """True when ``names`` (rule ids, codes and code prefixes) holds this finding's rule
        or its code."""
        return self.rule in names or (self.code is not None and code_named(self.code, names))

    @property
    def line(self) -> int:
        """First line of the problem (1-based)."""
        return self.span.start.line

    @property
    def column(self) -> int:
        """First column of the problem (1-based)."""
        return self.span.start.column

    @property
    def end_line(self) -> int:
        """Last line of the problem (1-based)."""
        return self.span.end.line

    @property
    def end_column(self) -> int:
        """Column just past the problem on its last line (1-based)."""
        return self.span.end.column

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order findings by file, place, then rule and code."""
        return (self.file, self.line, self.column, self.rule, self.code or "")


def insert_option_after(
    word_raw: str, span: Span, option: str, safe: bool = True, changes: tuple[str, ...] = ()
) -> Fix:
    """A fix that adds ``option`` right after a command word (JSON-array aware)."""
    text = f', "{option}"' if word_raw.startswith('"') else f" {option}"
    return Fix(f"add {option}", (Edit(Span(span.end, span.end), text),), safe, changes=changes)
