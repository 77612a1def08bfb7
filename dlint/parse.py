"""Dockerfile text -> :class:`dlint.model.Dockerfile`, keeping every position.

Why not only dockerfile-parse: it drops columns, reads heredoc bodies as instructions
(``RUN <<EOF`` followed by a line ``pip install x`` becomes an instruction ``PIP``), and its
word splitter does not know ``${VAR:-default}``. This module is a line lexer that follows
BuildKit's own parser rule for rule (parser directives, the escape character, comment and
blank lines inside continuations, heredocs, Go's idea of white space, the 64 KiB line
limit), checked against it by ``tests/test_differential.py``, and records where every
character of an instruction came from.

Every step is linear in the size of the file: lines are read once, an instruction's text
is joined once, and the ARG/ENV scope each instruction sees is a view over one assignment
log instead of a copy of every variable.
"""

from __future__ import annotations

import bisect
import gc
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache

from dlint import regex
from dlint.finding import Position, Span
from dlint.model import (
    Comment,
    Directive,
    Dockerfile,
    Heredoc,
    ImageRef,
    Instruction,
    Segment,
    Stage,
)
from dlint.shell import substitute

KEYWORDS = frozenset(
    [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    ]
)
# Instructions whose arguments Docker reads as a JSON array when they look like one.
# Each instruction's keyword is one of these strings, not a copy made by upper().
KEYWORD_NAMES = {name: name for name in KEYWORDS}
JSON_KEYWORDS = frozenset(["RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"])
HEREDOC_KEYWORDS = frozenset(["RUN", "COPY", "ADD"])
# Go's unicode.IsSpace, which BuildKit uses to trim lines; Python's str.isspace also counts
# \x1c-\x1f, which Docker reads as ordinary characters.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
GO_SPACE_RUN = regex.compile(f"[{GO_SPACE}]+")
# What separates an instruction's keyword from its arguments (BuildKit's reWhitespace).
ARG_SPACE = regex.compile(r"[\t\v\f\r ]+")
# Go's regexp \s is [\t\n\f\r ]: no vertical tab.
GO_S = r"[\t\n\f\r ]"
# BuildKit's "(.+?)\s*$" for the value is quadratic in Python's backtracking regex on a
# long run of spaces (69 s for one 60,000-space line): the value is trimmed by hand.
DIRECTIVE = regex.compile(rf"#{GO_S}*([a-zA-Z][a-zA-Z0-9]*){GO_S}*=(.*)")
GO_S_CHARS = "\t\n\f\r "
KNOWN_DIRECTIVES = frozenset(["syntax", "escape", "check"])
HEREDOC_WORD = regex.compile(r"(\d*)<<(-?)([^<]*)")
# BuildKit's bufio.Scanner refuses a line longer than this many bytes.
MAX_LINE_BYTES = 65535
NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"


class DockerfileSyntaxError(ValueError):
    """The Dockerfile cannot be parsed; carries the place of the problem."""

    def __init__(self, message: str, line: int, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` exactly as Docker's parser reads them.

    Only ``\\n`` ends a line (a ``\\r`` before it belongs to the line ending); a form feed,
    vertical tab, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 or U+2029 is an ordinary character,
    unlike in :meth:`str.splitlines`. Line ``n`` of a position is ``split_lines(text)[n - 1]``
    and its column ``c`` is the character at index ``c - 1`` of that line: parser, findings
    and :mod:`dlint.fix` all map places with this one function.
    """
    return text.split("\n")


def parse_dockerfile(text: str, path: str) -> Dockerfile:
    """Parse Dockerfile ``text``; ``path`` is how findings will name the file."""
    with without_cyclic_gc():
        return _parse(text, path)


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector paused.

    The model is many small acyclic objects (refcounting frees them): the cyclic collector
    finds nothing to free but rescans them all as they pile up. That cost 40% of a
    100,000-line parse, and 40% of the whole check of that file once rules fill the
    model's caches. The few cycles there are (a command and its cached recognition) are
    collected once the block ends.

    On the way out the objects made in the block move to the oldest generation
    (``gc.freeze`` then ``gc.unfreeze``, which scans nothing). Left in the youngest one,
    the first allocation after the block would scan them all: 0.1-0.15 s for that file's
    million objects. A full collection still finds any cycle among them.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _parse(text: str, path: str) -> Dockerfile:
    lines = split_lines(text)
    if lines and lines[-1] == "":
        # The text after the last newline is not a line (Docker counts no line there).
        lines.pop()
    _check_line_lengths(lines)
    directives, first = _directives(lines)
    escape = next((d.value for d in directives if d.name == "escape"), "\\")
    raws, comments = _Lexer(lines, escape).run(first)
    return _assemble(path, text, directives, escape, raws, comments)


def _content(lines: list[str], index: int) -> str:
    """Line ``index`` without its line ending (Go's trimNewline) or a leading BOM."""
    line = lines[index].rstrip("\r")
    return line[1:] if index == 0 and line.startswith("\ufeff") else line


def _check_line_lengths(lines: list[str]) -> None:
    if not lines or max(map(len, lines)) * 4 <= MAX_LINE_BYTES:
        return  # no line can be too long
    for number, line in enumerate(lines, 1):
        # A character is at most 4 bytes in UTF-8: only long lines need encoding.
        if len(line) * 4 > MAX_LINE_BYTES and len(line.encode("utf-8", "surrogatepass")) > (
            MAX_LINE_BYTES
        ):
            raise DockerfileSyntaxError(
                f"line is longer than Docker's limit of {MAX_LINE_BYTES} bytes", number
            )


def _directives(lines: list[str]) -> tuple[tuple[Directive, ...], int]:
    """Parser directives at the top: ``# syntax=``, ``# escape=``, ``# check=``.

    As in BuildKit, the first line that is not a known directive (an instruction, a blank
    line, any other comment) ends them; each may be given once.
    """
    found: list[Directive] = []
    for index in range(len(lines)):
        content = _content(lines, index)
        match = DIRECTIVE.fullmatch(content.lstrip(GO_SPACE))
        if not match or not match[2] or match[1].lower() not in KNOWN_DIRECTIVES:
            return tuple(found), index
        # As "\s*(.+?)\s*$": trimmed, but never empty (all white space leaves its last).
        value = match[2].strip(GO_S_CHARS) or match[2][-1]
        name, line = match[1].lower(), index + 1
        if any(d.name == name for d in found):
            raise DockerfileSyntaxError(f"only one {name} parser directive can be used", line)
        if name == "escape" and value not in ("\\", "`"):
            raise DockerfileSyntaxError(
                f"invalid escape token {value!r} does not match ` or \\", line
            )
        found.append(Directive(name, value, Span.of(line, 1, line, len(content) + 1)))
    return tuple(found), len(lines)


# An instruction as read from the lines, before variables are known: its keyword, value,
# span, keyword place, segments and heredocs (a plain tuple: one is made per instruction).
_Raw = tuple[str, str, Span, Span | int, tuple[Segment, ...], tuple[Heredoc, ...]]


class _Logical:
    """One instruction's logical line: its pieces joined, each piece's file place kept."""

    def __init__(self, first: Position) -> None:
        self.first = first
        self.pieces: list[tuple[int, int, int, int]] = []  # (offset, length, line, column)
        self.parts: list[str] = []
        self.length = 0
        self._starts: list[int] = []

    def add(self, text: str, line: int, column: int) -> None:
        if text:
            self.pieces.append((self.length, len(text), line, column))
            self._starts.append(self.length)
            self.parts.append(text)
            self.length += len(text)

    def place(self, offset: int, after: bool = False) -> Position:
        """The file position of character ``offset`` of the logical line (or just past it)."""
        # Most instructions are one line: no search needed.
        index = 0 if len(self.pieces) == 1 else bisect.bisect_right(self._starts, offset) - 1
        start, _, line, column = self.pieces[index]
        return Position(line, column + offset - start + after)

    def after(self, offset: int) -> Position:
        """The position just past character ``offset``."""
        return self.place(offset, after=True)

    def segments(self, start: int, end: int) -> tuple[Segment, ...]:
        """Segments mapping ``text[start:end]`` to the file, offsets relative to ``start``."""
        found = []
        for offset, length, line, column in self.pieces:
            low, high = max(offset, start), min(offset + length, end)
            if low < high:
                found.append(Segment(low - start, line, column + low - offset, high - low))
        return tuple(found)


class _Lexer:
    """Reads instructions, comments and heredoc bodies line by line, as BuildKit does."""

    def __init__(self, lines: list[str], escape: str) -> None:
        self.lines = lines
        self.escape = escape
        # The last characters of a line that may continue it (after them, spaces and tabs).
        self.line_ends = frozenset((escape, " ", "\t"))
        self.raws: list[_Raw] = []
        self.comments: list[Comment] = []

    def run(self, first: int) -> tuple[list[_Raw], list[Comment]]:
        i = first
        while i < len(self.lines):
            i = self._instruction(i)
        return self.raws, self.comments

    def _column(self, index: int, token: str) -> int:
        """Column of ``token``, the end of line ``index``; a BOM on line 1 counts as a column."""
        return len(self.lines[index].rstrip("\r")) - len(token) + 1

    def _comment(self, index: int, content: str) -> None:
        text = content.strip(GO_SPACE)
        column = self._column(index, content.lstrip(GO_SPACE))
        line = index + 1
        self.comments.append(Comment(text, Span.of(line, column, line, column + len(text))))

    def _continued(self, text: str) -> tuple[str, bool]:
        """BuildKit's trimContinuationCharacter: a lone escape at the end (then spaces/tabs)."""
        if text[-1:] not in self.line_ends:
            return text, False  # most lines: no escape and no blank at the end
        body = text.rstrip(" \t")
        if body.endswith(self.escape) and not body[:-1].endswith(self.escape):
            return body[:-1], True
        return text, False

    def _instruction(self, i: int) -> int:
        """Read the instruction (or blank/comment line) starting at line ``i``; next line."""
        content = _content(self.lines, i)
        token = content.lstrip(GO_SPACE)
        if token.startswith("#"):
            self._comment(i, content)
            return i + 1
        body, continued = self._continued(token)
        if not continued and not body:
            return i + 1
        column = self._column(i, token)
        if not continued:
            return self._build(body, None, i + 1, column, i + 1)
        logical = _Logical(Position(i + 1, column))
        logical.add(body, i + 1, column)
        i += 1
        while continued and i < len(self.lines):
            content = _content(self.lines, i)
            stripped = content.lstrip(GO_SPACE)
            if stripped.startswith("#"):
                self._comment(i, content)
            elif stripped:
                body, continued = self._continued(content)
                logical.add(body, i + 1, self._column(i, content))
            i += 1
        first = logical.first
        return self._build("".join(logical.parts), logical, first.line, first.column, i)

    def _build(self, text: str, logical: _Logical | None, line: int, column: int, i: int) -> int:
        """Make the instruction of ``text``: its lines' ``logical`` pieces, or None for one
        line (``line``, text from ``column``); ``i`` is the line after it."""
        start = len(text) - len(text.lstrip(GO_SPACE))
        end = len(text.rstrip(GO_SPACE))
        if start >= end:
            # An escape character continued into nothing: BuildKit makes that an
            # instruction with no name, which docker build refuses.
            raise DockerfileSyntaxError("a line continuation with no instruction", line, column)
        gap = ARG_SPACE.search(text, start, end)
        keyword_end = gap.start() if gap else end
        value_start = gap.end() if gap else end
        word = text[start:keyword_end]
        keyword = word.upper()
        value = text[value_start:end]
        if logical is None or len(logical.pieces) == 1:
            # One line (most instructions): its places without a search.
            if logical is not None:
                _, _, line, column = logical.pieces[0]
            begin = Position(line, column + start)
            keyword_place: Span | int = keyword_end - start  # the span is made when asked for
            last = Position(line, column + (end if value else keyword_end))
            segments: tuple[Segment, ...] = (
                (Segment(0, line, column + value_start, end - value_start),) if value else ()
            )
        else:
            begin = logical.place(start)
            keyword_place = Span(begin, logical.after(keyword_end - 1))
            last = logical.after(end - 1) if value else keyword_place.end
            segments = logical.segments(value_start, end)
        if not word.isascii() or keyword not in KEYWORDS:
            raise DockerfileSyntaxError(f"unknown instruction {word!r}", begin.line, begin.column)
        keyword = KEYWORD_NAMES[keyword]
        heredoc_allowed = _check_arguments(keyword, value, self.escape, begin)
        heredocs: list[Heredoc] = []
        if heredoc_allowed and "<<" in text:
            for name, strip_tabs in _heredoc_names(text):
                body_start = i
                while i < len(self.lines):
                    candidate = self.lines[i].rstrip("\r")
                    if (candidate.lstrip("\t") if strip_tabs else candidate) == name:
                        break
                    i += 1
                if i >= len(self.lines):
                    raise DockerfileSyntaxError(
                        f"heredoc <<{name} is never closed", begin.line, begin.column
                    )
                heredocs.append(_heredoc(self.lines, body_start, i, name, strip_tabs))
                last = Position(i + 1, len(self.lines[i].rstrip("\r")) + 1)
                i += 1
        self.raws.append(
            (
                keyword,
                value,
                Span(begin, last),
                keyword_place,
                segments,
                tuple(heredocs) if heredocs else (),
            )
        )
        return i


def _heredoc(lines: list[str], start: int, end: int, name: str, strip_tabs: bool) -> Heredoc:
    """The body of a heredoc from line ``start`` up to its terminator at line ``end``.

    The body is what the shell or file receives: with ``<<-`` leading tabs are removed, and
    the ``\\r`` of a CRLF line ending is dropped, as everywhere else in dlint's model.
    """
    body = [line.rstrip("\r") for line in lines[start:end]]
    if strip_tabs:
        body = [line.lstrip("\t") for line in body]
    return Heredoc(name, "".join(line + "\n" for line in body), start + 1, strip_tabs)


def _check_arguments(keyword: str, value: str, escape: str, place: Position) -> bool:
    """Raise what BuildKit's parser refuses in an instruction's arguments.

    Returns True when the instruction may carry heredocs (``RUN``/``COPY``/``ADD``, also
    behind ``ONBUILD``, in shell form).
    """
    try:
        return _heredocs_allowed(keyword, value, escape)
    except ValueError as error:
        raise DockerfileSyntaxError(str(error), place.line, place.column) from None


@lru_cache(maxsize=4096)
def _heredocs_allowed(keyword: str, value: str, escape: str) -> bool:
    """:func:`_check_arguments` without the place: a ValueError for what BuildKit refuses.

    It depends on the text only, so equal instructions are checked once.
    """
    rest = _strip_flags(value).strip(GO_SPACE)
    if keyword == "ONBUILD":
        inner = rest.lstrip(GO_SPACE)
        if not inner:
            return False
        gap = ARG_SPACE.search(inner)
        sub = inner[: gap.start()] if gap else inner
        sub_value = inner[gap.end() :] if gap else ""
        if not sub.isascii() or sub.upper() not in KEYWORDS:
            return False
        if sub.upper() == "ONBUILD":
            # docker build refuses it too; checking it would recurse once per ONBUILD.
            raise ValueError("chaining ONBUILD via ONBUILD ONBUILD is not allowed")
        return _heredocs_allowed(sub.upper(), sub_value, escape)
    if keyword in JSON_KEYWORDS:
        return _json_array(rest) is None and keyword in HEREDOC_KEYWORDS
    if keyword == "HEALTHCHECK":
        gap = re.search(r"[\t\n\v\f\r ]", rest)
        if gap:
            _json_array(rest[gap.start() :].lstrip("\t\n\v\f\r "))
    elif keyword in ("ENV", "LABEL"):
        _check_name_values(keyword, rest, escape)
    return False


def _strip_flags(value: str) -> str:
    """The arguments after BuildKit's builder flags (``--name[=value]``, ``--`` ends them)."""
    if not value.lstrip(GO_SPACE).startswith("--"):
        return value
    pos = 0
    while True:
        while pos < len(value) and value[pos] in GO_SPACE:
            pos += 1
        if not value.startswith("--", pos):
            return value[pos:]
        word_start = pos
        quote = ""
        while pos < len(value):
            char = value[pos]
            if quote:
                if char == quote:
                    quote = ""
                elif char == "\\":
                    pos += 1
            elif char in GO_SPACE:
                break
            elif char in "'\"":
                quote = char
            elif char == "\\":
                pos += 1
            pos += 1
        if value[word_start:pos] == "--":
            return value[pos:]
        if pos >= len(value):
            return ""


def _reject_constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return number


# Go's encoding/json: no NaN/Infinity and numbers must fit a float64.
_JSON = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_finite, parse_int=_finite, strict=True
)


def _json_array(rest: str) -> list[str] | None:
    """The JSON array Docker would read from ``rest``, or None for shell form.

    Like Go's json.Decoder, only the first JSON value counts (text after it is ignored);
    an array holding anything but strings is an error, as in BuildKit.
    """
    if not rest.startswith("["):
        return None
    try:
        items, _ = _JSON.raw_decode(rest)
    except (ValueError, RecursionError):
        return None
    if not all(isinstance(item, str) for item in items):
        raise ValueError(NOT_STRINGS)
    return items


def _check_name_values(keyword: str, rest: str, escape: str) -> None:
    """BuildKit's parseNameVal: ``KEY name value`` or ``KEY a=1 b=2``, nothing else."""
    words = _words(rest, escape)
    if not words:
        return
    if "=" not in words[0]:
        if len(ARG_SPACE.split(rest, maxsplit=1)) < 2:
            raise ValueError(f"{keyword} must have two arguments")
        return
    for word in words:
        if "=" not in word:
            raise ValueError(
                f"Syntax error - can't find = in {word!r}. Must be of the form: name=value"
            )


def _words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: split at white space outside quotes, keeping the quotes."""
    if "'" not in rest and '"' not in rest and escape not in rest:
        return [w for w in GO_SPACE_RUN.split(rest) if w]
    words: list[str] = []
    word: list[str] = []
    quote = ""
    started = False
    pos = 0
    while pos < len(rest):
        char = rest[pos]
        if not quote and char in GO_SPACE:
            if started:
                words.append("".join(word))
            word, started = [], False
        elif char == escape and quote != "'":
            # An escape at the very end is dropped; otherwise it keeps the next character.
            if pos + 1 < len(rest):
                word.append(rest[pos : pos + 2])
                started = True
            elif quote:
                quote = ""
            pos += 1
        else:
            if quote and char == quote:
                quote = ""
            elif not quote and char in "'\"":
                quote = char
            word.append(char)
            started = True
        pos += 1
    if started:
        words.append("".join(word))
    return words


@lru_cache(maxsize=4096)
def _heredoc_names(line: str) -> tuple[tuple[str, bool], ...]:
    """The heredocs an instruction's logical line opens, in order: (name, strip tabs).

    As BuildKit: the line is split into shell words (quotes kept); a word that is
    ``[n]<<[-]NAME`` opens one, NAME unquoted. An unterminated quote anywhere in the line
    means no heredocs at all.
    """
    found = []
    for word in _shell_words(line) or ():
        match = HEREDOC_WORD.fullmatch(word)
        if match and match[3]:
            name = _unquote(match[3])
            if name:
                found.append((name, match[2] == "-"))
    return tuple(found)


def _shell_words(line: str) -> list[str] | None:
    """Shell words of ``line`` with quotes and escapes kept; None when a quote is unclosed."""
    words: list[str] = []
    start = None
    pos = 0
    while pos < len(line):
        char = line[pos]
        if char in GO_SPACE:
            if start is not None:
                words.append(line[start:pos])
                start = None
            pos += 1
            continue
        if start is None:
            start = pos
        if char == "\\":
            pos += 2
        elif char == "'":
            close = line.find("'", pos + 1)
            if close < 0:
                return None
            pos = close + 1
        elif char == '"':
            pos += 1
            while pos < len(line) and line[pos] != '"':
                pos += 2 if line[pos] == "\\" else 1
            if pos >= len(line):
                return None
            pos += 1
        elif line.startswith("${", pos):
            close = line.find("}", pos)
            name = re.match(r"\$\{[A-Za-z0-9_]*", line[pos:])
            after = pos + (name.end() if name else 2)
            if close < 0 or (after < len(line) and line[after] in GO_SPACE):
                return None
            pos = after
        else:
            pos += 1
    if start is not None:
        words.append(line[start:])
    return words


def _unquote(text: str) -> str:
    """Remove shell quoting from a heredoc name (``"EOF"``, ``'EOF'``, ``E"O"F``, ``\\EOF``)."""
    out: list[str] = []
    quote = ""
    pos = 0
    while pos < len(text):
        char = text[pos]
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                out.append(char)
        elif char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 1
        elif (quote == '"' and char == '"') or (not quote and char in "'\""):
            quote = "" if quote else char
        else:
            out.append(char)
        pos += 1
    return "".join(out)


class _Scope:
    """The ARG/ENV values of one stage (or of the global ARGs), assignment by assignment.

    Every instruction sees the values in scope before it runs. Copying the scope for each
    instruction is quadratic (100,000 ``ENV`` lines would copy 5e9 entries), so assignments
    are logged once and each instruction gets a :class:`_ScopeView` at its point in the log.
    """

    def __init__(self, inherited: Mapping[str, str | None]) -> None:
        self.inherited = dict(inherited)
        self.current: dict[str, str | None] = dict(inherited)
        self.log: dict[str, list[tuple[int, str | None]]] = {}
        self.order: list[str] = []
        self.count = 0
        # Names ENV set (or the parent stage's environment): they outlive the stage, and an
        # ARG of the same name does not override them.
        self.env_names: set[str] = set(inherited)
        self._last_view: _ScopeView | None = None

    def set(self, name: str, value: str | None) -> None:
        self.count += 1
        if name not in self.log:
            self.log[name] = []
            self.order.append(name)
        self.log[name].append((self.count, value))
        self.current[name] = value

    def view(self) -> _ScopeView:
        # Instructions between two assignments see the same values: one view for them all.
        last = self._last_view
        if last is None or last._count != self.count:
            last = self._last_view = _ScopeView(self, self.count, len(self.order))
        return last


class _ScopeView(Mapping[str, str | None]):
    """The values of a :class:`_Scope` as they were after ``count`` assignments."""

    __slots__ = ("_count", "_names", "_scope")

    def __init__(self, scope: _Scope, count: int, names: int) -> None:
        self._scope = scope
        self._count = count
        self._names = names

    def __getitem__(self, name: str) -> str | None:
        entries = self._scope.log.get(name)
        if entries and entries[0][0] <= self._count:
            if entries[-1][0] <= self._count:
                return entries[-1][1]
            index = bisect.bisect_right(entries, self._count, key=lambda e: e[0]) - 1
            return entries[index][1]
        return self._scope.inherited[name]

    # Rules and substitution ask mostly for names that are not set: answered without the
    # KeyError that Mapping's own get and "in" go through.
    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        entries = self._scope.log.get(name)
        if entries and entries[0][0] <= self._count:
            return self[name]
        return self._scope.inherited.get(name, default)

    def __contains__(self, name: object) -> bool:
        entries = self._scope.log.get(name)  # type: ignore[call-overload]
        if entries and entries[0][0] <= self._count:
            return True
        return name in self._scope.inherited

    def __iter__(self) -> Iterator[str]:
        yield from self._scope.inherited
        for name in self._scope.order[: self._names]:
            if name not in self._scope.inherited:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


def _assemble(
    path: str,
    text: str,
    directives: tuple[Directive, ...],
    escape: str,
    raws: list[_Raw],
    comments: list[Comment],
) -> Dockerfile:
    instructions: list[Instruction] = []
    global_args: list[Instruction] = []
    global_scope = _Scope({})
    scope = global_scope
    stage_info: list[tuple[Instruction, ImageRef, bool, str | None, int | None]] = []
    stage_env: list[dict[str, str | None]] = []
    stage_members: list[list[Instruction]] = []
    named: dict[str, int] = {}

    for index, (keyword, value, span, keyword_place, segments, heredocs) in enumerate(raws):
        raws[index] = None  # type: ignore[call-overload]  # each is dropped once it is used
        stage_index = len(stage_info) - 1
        inst = Instruction(
            keyword,
            value,
            span,
            keyword_place,
            segments,
            index,
            stage_index if keyword != "FROM" else stage_index + 1,
            heredocs,
            scope.view(),
        )
        if keyword == "FROM":
            if stage_info:
                # A stage built FROM this one inherits its environment, not its ARGs.
                stage_env.append({n: v for n, v in scope.current.items() if n in scope.env_names})
            words = inst.arguments
            if not words:
                raise DockerfileSyntaxError("FROM needs an image", inst.span.start.line)
            image = substitute(words[0].text, global_scope.current)
            name = None
            if len(words) >= 3 and words[1].text.lower() == "as":
                name = words[2].text.lower()
            elif len(words) > 1:
                raise DockerfileSyntaxError(
                    "FROM takes an image and optionally 'AS name'", inst.span.start.line
                )
            parent = named.get(image.text.lower())
            if name is not None:
                named.setdefault(name, len(stage_info))
            stage_info.append((inst, ImageRef.parse(image.text), image.complete, name, parent))
            stage_members.append([])
            scope = _Scope(stage_env[parent] if parent is not None else {})
        elif not stage_info:
            if keyword != "ARG":
                raise DockerfileSyntaxError(
                    f"{keyword} before the first FROM (only ARG may come first)",
                    span.start.line,
                    span.start.column,
                )
            global_args.append(inst)
            _declare_args(inst, global_scope, global_scope.current)
        elif keyword == "ARG":
            _declare_args(inst, scope, global_scope.current)
        elif keyword == "ENV":
            _declare_env(inst, scope)
        if stage_members:
            stage_members[-1].append(inst)
        instructions.append(inst)
    if not stage_info:
        raise DockerfileSyntaxError(
            "no FROM instruction", max(1, text.count("\n") + (not text.endswith("\n")))
        )
    final = len(stage_info) - 1
    built = tuple(
        Stage(n, info[3], info[0], info[1], info[2], info[4], tuple(stage_members[n]), n == final)
        for n, info in enumerate(stage_info)
    )
    return Dockerfile(
        path,
        text,
        tuple(directives),
        escape,
        tuple(instructions),
        tuple(global_args),
        built,
        tuple(sorted(comments, key=lambda c: c.span.start)),
    )


def _declare_args(
    inst: Instruction, scope: _Scope, global_values: Mapping[str, str | None]
) -> None:
    """``ARG a=1 b``: a default, or the global default re-declared inside a stage."""
    for name, default in inst.assignments:
        if name in scope.env_names:
            continue  # ENV always wins over an ARG of the same name
        if default is not None:
            scope.set(name, substitute(default, scope.current).text)
        else:
            scope.set(name, global_values.get(name))


def _declare_env(inst: Instruction, scope: _Scope) -> None:
    """``ENV a=1 b=2`` or the legacy ``ENV key value with spaces``."""
    for name, value in inst.assignments:
        scope.set(name, substitute(value or "", scope.current).text)
        scope.env_names.add(name)
