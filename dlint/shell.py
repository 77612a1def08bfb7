"""Shell words with exact offsets, and Docker-style variable substitution.

Docker's own parser (and dockerfile-parse) joins continuation lines and forgets where each
word came from. Rules need the place of one package name inside a ten-line ``RUN``, so this
tokenizer keeps the offset of every word in the text it was given; the model maps those
offsets back to file lines and columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dlint import regex
from dlint.records import dataclass

CONTROL_OPERATORS = ("&&", "||", ";;", ";", "|&", "|", "&", "(", ")", "\n")
REDIRECT = regex.compile(r"\d*(>>|>&|<&|<<<|<<-|<<|&>|>\||>|<)")
HEREDOC_OPERATORS = ("<<", "<<-")


@dataclass(frozen=True)
class Token:
    """A shell word (quotes removed in ``text``) or an operator, with offsets into the source."""

    text: str
    raw: str
    start: int
    end: int
    operator: bool = False


def tokenize(source: str, shell: bool = True) -> list[Token]:
    """Every token of ``source`` (see :func:`iter_tokens`)."""
    return list(iter_tokens(source, shell))


def iter_tokens(source: str, shell: bool = True) -> Iterator[Token]:
    """Split text into words (and, for shell text, operators), keeping offsets.

    Handles single and double quotes, backslash escapes, ``$(...)`` and backticks (kept
    inside the word). With ``shell`` (a ``RUN``), also comments at the start of a word and
    the control operators and redirections that separate commands. Without it, words are
    split at whitespace only, as Docker splits the arguments of ``COPY``, ``ADD``, ``ENV``
    and the other instructions: ``ADD https://x?a=1&b=2 /tmp/`` is two words. It is a
    lint-grade tokenizer: it never executes or expands.
    """
    stops = WORD_STOPS if shell else WHITESPACE
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in " \t\r" or (ch == "\n" and not shell):
            i += 1
            continue
        if ch == "\\" and i + 1 < n and source[i + 1] == "\n":
            i += 2
            continue
        if shell and ch == "#":
            while i < n and source[i] != "\n":
                i += 1
            continue
        if shell and ch in OPERATOR_STARTS:
            op = next((o for o in CONTROL_OPERATORS if source.startswith(o, i)), None)
            if op is not None:
                yield Token(op, op, i, i + len(op), operator=True)
                i += len(op)
                continue
        if shell and ch in REDIRECT_STARTS:
            redirect = REDIRECT.match(source, i)
            if redirect:
                yield Token(redirect.group(0), redirect.group(0), i, redirect.end(), True)
                i = redirect.end()
                continue
        start = i
        text, i = _read_word(source, i, stops)
        yield Token(text, source[start:i], start, i)


OPERATOR_STARTS = frozenset(o[0] for o in CONTROL_OPERATORS)
REDIRECT_STARTS = frozenset("0123456789<>&")
# Runs of characters that are neither a stop nor the start of a quote, an escape, ``$(``
# or backticks: each is one step of the word loop, so a run is read in one match.
PLAIN_WORD = regex.compile(r"(?:[^\s;&|()<>'\"\\$`]|\$(?!\())+")
PLAIN_DOCKER_RUN = regex.compile(r"(?:[^\s'\"\\$`]|\$(?!\())+")
QUOTING = regex.compile(r"['\"\\]")
WORD_STOPS = frozenset(" \t\r\n;&|()<>")
WHITESPACE = frozenset(" \t\r\n")


def _read_word(source: str, i: int, stops: frozenset[str] = WORD_STOPS) -> tuple[str, int]:
    """Read one word starting at ``i``; return its unquoted text and the end offset."""
    plain = PLAIN_WORD.match(source, i)
    end = plain.end() if plain else i
    if end > i and (end == len(source) or source[end] in stops):
        return source[i:end], end  # no quotes, escapes or substitutions: the common word
    start, n = i, len(source)
    plain_run = PLAIN_WORD if stops is WORD_STOPS else PLAIN_DOCKER_RUN
    while i < n and source[i] not in stops:
        run = plain_run.match(source, i)
        i = run.end() if run else _construct_end(source, i)
    i = min(i, n)
    return unquote(source[start:i]), i


def _construct_end(source: str, i: int) -> int:
    """Offset just past the quoted string, escape, ``$(…)`` or backticks at ``i`` (or ``i + 1``)."""
    char, n = source[i], len(source)
    if char == "\\":
        return i + 2
    if char == "'":
        end = source.find("'", i + 1)
        return n if end < 0 else end + 1
    if char == '"':
        i += 1
        while i < n and source[i] != '"':
            i += 2 if source[i] == "\\" else 1
        return i + 1
    if source.startswith("$(", i):
        return _matching_paren(source, i + 1)
    if char == "`":
        end = source.find("`", i + 1)
        return n if end < 0 else end + 1
    return i + 1


def unquote(raw: str) -> str:
    """The text of a shell word without its quotes and escapes.

    ``$…``, ``$(…)`` and backticks are kept as written: their value is the shell's to
    compute (see :func:`substitute` for the variables Docker itself knows).
    """
    if not QUOTING.search(raw):
        return raw
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        end = _construct_end(raw, i)
        if char == "\\":
            out.append("" if raw[i + 1 : i + 2] == "\n" else raw[i + 1 : i + 2])
        elif char == "'":
            out.append(
                raw[i + 1 : end - 1] if end <= n and raw[end - 1 : end] == "'" else raw[i + 1 :]
            )
        elif char == '"':
            out.append(_unquote_double(raw[i + 1 : min(end - 1, n)]))
        else:
            out.append(raw[i:end])
        i = end
    return "".join(out)


def _unquote_double(body: str) -> str:
    """The text inside double quotes, where a backslash escapes only ``"``, itself, ``$``,
    a backtick and a newline."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        if body[i] == "\\" and i + 1 < n and body[i + 1] in '"\\$`\n':
            out.append("" if body[i + 1] == "\n" else body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _matching_paren(source: str, i: int) -> int:
    """Offset just past the parenthesis that closes the one at ``i``."""
    depth = 0
    for j in range(i, len(source)):
        if source[j] == "(":
            depth += 1
        elif source[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(source)


VARIABLE = regex.compile(
    r"\$(?:\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class Substituted:
    """The result of substituting variables: the text and the names that had no value."""

    text: str
    unresolved: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every variable had a value."""
        return not self.unresolved


def substitute(text: str, variables: Mapping[str, str | None]) -> Substituted:
    """Replace ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR:+alt}`` as Docker does.

    A name declared without a value (``ARG TAG``) or not declared at all is reported in
    ``unresolved``, because a ``--build-arg`` may give it a value at build time.
    """
    if "$" not in text:
        return Substituted(text)  # most words: nothing to look up
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group("name") or match.group("bare")
        value = variables.get(name)
        op, word = match.group("op"), match.group("word") or ""
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return substitute(word, variables).text
            return value
        if op in (":+", "+"):
            is_set = value is not None and (op == "+" or value != "")
            return substitute(word, variables).text if is_set else ""
        if value is None:
            unresolved.append(name)
            return ""
        return value

    result = VARIABLE.sub(replace, text.replace("\\$", "\0"))
    return Substituted(result.replace("\0", "$"), tuple(unresolved))
