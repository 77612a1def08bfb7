"""An immutable view of one build: the Dockerfile, its context, .dockerignore and requirements.

Rules receive a :class:`Build` and nothing else. Every piece of text in it knows its exact
place in its file, so a rule can point at one package name inside a long ``RUN``.
"""

from __future__ import annotations

import bisect
import fnmatch
import itertools
import json
import posixpath
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, overload

from dlint.context import (
    Context,
    Dockerignore,
    RequirementsFile,
)
from dlint.finding import Position, Span
from dlint.records import dataclass, field

if TYPE_CHECKING:
    from dlint.app import App
    from dlint.enginefacts import Engine
    from dlint.indexfacts import Index
    from dlint.locks import LockFile
from dlint import regex
from dlint.script import SHELLS, ShellCommand, ShellWord, parse_script
from dlint.shell import HEREDOC_OPERATORS, Substituted, Token, iter_tokens, substitute, tokenize

T = TypeVar("T")
_MISSING: Any = object()


class cached(Generic[T]):
    """A property computed once per object, like ``functools.cached_property``.

    The value is stored as an ordinary attribute of the object (``object.__setattr__``,
    which a frozen record allows), not by writing into its ``__dict__``: reading the
    ``__dict__`` of an object turns its compact attribute storage into a full dictionary
    (about 700 bytes), once per instruction of a 100,000-line file. There is no lock
    either (Python 3.11's cached_property takes one per first read); the model is not
    shared between threads.
    """

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.__doc__ = compute.__doc__
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        # The attribute now hides this descriptor (it defines no __set__).
        object.__setattr__(instance, self.name, value)
        return value


def share_keys(cls: type, *extra: str) -> None:
    """Make room on every ``cls`` object for its fields, its :class:`cached` values and
    the ``extra`` names that :func:`kept` stores.

    CPython keeps an object's attributes in a compact array whose names the class shares;
    a name first stored after the objects were made (a cached value) does not fit, and
    the object gets a dictionary of its own (about 650 bytes: 50 MB for the instructions
    of a 100,000-line file). Storing every name once, on a blank object, adds them to
    the class's shared names, so the values fit in each object's array.
    """
    names = [*getattr(cls, "__dataclass_fields__", {})]
    names += [name for name, value in vars(cls).items() if isinstance(value, cached)]
    blank: object = object.__new__(cls)
    for name in (*names, *extra):
        object.__setattr__(blank, name, None)


def kept(owner: object, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``owner``, kept on it as attribute ``key``.

    For answers that other modules (recognisers, rule helpers) keep on the immutable
    model, stored as :class:`cached` stores its values.
    """
    value = getattr(owner, key, _MISSING)
    if value is _MISSING:
        value = compute()
        object.__setattr__(owner, key, value)
    return value


# Segment is a NamedTuple, like Position and Span: the model of a 100,000-line file holds
# hundreds of thousands of them, and a tuple is made faster and is smaller than a frozen
# record.
class Segment(NamedTuple):
    """Maps ``length`` characters of an instruction's value, from ``offset``, to a file place."""

    offset: int
    line: int
    column: int
    length: int


class Word:
    """A word of an instruction with its place in the file (quotes removed in ``text``).

    ``known`` is False for a shell word whose value dlint cannot know: it uses a variable
    that no ``ARG``/``ENV`` gives a value, or the output of a command. Such a word is never
    taken for a package name.

    The model makes its words with ``locate`` and offsets instead of a span: the span (a
    tuple and two positions, 170 bytes) is worked out the first time it is read, and most
    words' never are; a 100,000-line file has 300,000 words. A word behaves as the tuple
    ``(text, raw, span, known)``: equal, hashed, ordered and unpacked as one.
    """

    __slots__ = ("_end", "_locate", "_span", "_start", "known", "raw", "text")
    __match_args__ = ("text", "raw", "span", "known")

    def __init__(
        self,
        text: str,
        raw: str,
        span: Span | None = None,
        known: bool = True,
        locate: Callable[[int, int], Span] | None = None,
        start: int = 0,
        end: int = 0,
    ) -> None:
        self.text = text
        self.raw = raw
        self.known = known
        self._span = span
        self._locate = locate
        self._start = start
        self._end = end

    @property
    def span(self) -> Span:
        """Where the word is in the file."""
        span = self._span
        if span is None:
            assert self._locate is not None, "a word needs a span or a way to find it"
            span = self._span = self._locate(self._start, self._end)
            self._locate = None
        return span

    def _tuple(self) -> tuple[str, str, Span, bool]:
        return (self.text, self.raw, self.span, self.known)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._tuple())

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> Any:
        return self._tuple()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Word):
            return self._tuple() == other._tuple()
        return NotImplemented

    def __lt__(self, other: Word) -> bool:
        return self._tuple() < other._tuple()

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __repr__(self) -> str:
        return (
            f"Word(text={self.text!r}, raw={self.raw!r}, span={self.span!r}, known={self.known!r})"
        )

    def __reduce__(self) -> tuple[type[Word], tuple[str, str, Span, bool]]:
        return (Word, self._tuple())

    def _replace(self, **changes: Any) -> Word:
        """A copy with some of ``text``, ``raw``, ``span``, ``known`` changed."""
        return Word(
            changes.get("text", self.text),
            changes.get("raw", self.raw),
            changes.get("span", self.span),
            changes.get("known", self.known),
        )


@dataclass(frozen=True)
class Flag:
    """An instruction flag such as ``--from=builder``."""

    name: str
    value: str | None
    span: Span
    end_offset: int = 0
    """Where the flag ends in the instruction's value."""


@dataclass(frozen=True)
class Heredoc:
    """A here-document attached to a ``RUN``, ``COPY`` or ``ADD``."""

    delimiter: str
    body: str
    body_line: int
    strip_tabs: bool

    def place(self, offset: int) -> Position:
        """File position of ``offset`` within the body."""
        before = self.body[:offset]
        line = self.body_line + before.count("\n")
        column = offset - (before.rfind("\n") + 1) + 1
        return Position(line, column)


@dataclass(frozen=True)
class Command:
    """A simple shell command that a ``RUN`` runs, its words placed in the file.

    ``within`` names the shell constructs around it, outermost first (see
    :class:`dlint.script.ShellCommand`): ``if-condition``, ``if``, ``else``, ``for``,
    ``while-condition``, ``while``, ``||``, ``pipeline``, ``$()``, ``sh -c``, ``subshell``,
    ``group``, ``function``, ``case``, ``negated``. Variables with a value in scope are
    expanded as the shell would (an unquoted ``$DEPS`` becomes one word per item).
    """

    words: tuple[Word, ...]
    assignments: tuple[Word, ...] = ()
    within: tuple[str, ...] = ()
    wrappers: tuple[Word, ...] = ()
    """``sudo``, ``env``, ``exec``… (and their options) that run the program."""

    @property
    def argv(self) -> list[str]:
        """The words as plain strings."""
        return [w.text for w in self.words]

    @property
    def arguments(self) -> tuple[Word, ...]:
        """The words after the program."""
        return self.words[1:]

    @cached
    def program(self) -> str:
        """The program's base name: ``pip`` for ``/opt/venv/bin/pip``."""
        return self.words[0].text.rsplit("/", 1)[-1] if self.words else ""

    @property
    def span(self) -> Span:
        """From the first word to the last."""
        return Span(self.words[0].span.start, self.words[-1].span.end)

    @property
    def conditional(self) -> bool:
        """True when the shell may skip this command (a branch, a loop body, after ``||``)."""
        return any(label in CONDITIONAL for label in self.within)


CONDITIONAL = frozenset({"if", "else", "||", "while", "for", "case", "function"})
HEREDOC_MARKER = regex.compile(r"\d*<<-?")
TRIGGER_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction with exact places.

    ``value`` is the argument text as written, continuation lines joined and comment lines
    between them dropped; ``segments`` map each character of ``value`` back to the file.
    ``variables`` holds the ARG and ENV values in scope *before* this instruction runs.
    """

    keyword: str
    value: str
    span: Span
    keyword_place: Span | int
    """The keyword's span, or its length when it starts the span on one line (most do):
    :attr:`keyword_span` is then made only when it is read."""
    segments: tuple[Segment, ...]
    index: int
    stage_index: int
    heredocs: tuple[Heredoc, ...] = ()
    variables: Mapping[str, str | None] = field(default_factory=dict)
    onbuild: bool = False
    """True for the instruction an ``ONBUILD`` carries (see :attr:`trigger`)."""

    @cached
    def keyword_span(self) -> Span:
        """Where the keyword is (``RUN``, ``from``)."""
        place = self.keyword_place
        if isinstance(place, int):
            start = self.span.start
            return Span(start, Position(start.line, start.column + place))
        return place

    def locate(self, start: int, end: int) -> Span:
        """The file span of ``value[start:end]``."""
        segments = self.segments
        if len(segments) == 1:
            # Most instructions are one line: _place without the search, inlined.
            seg = segments[0]
            room = max(seg.length - 1, 0)
            last = max(start, end - 1)
            return Span(
                Position(seg.line, seg.column + min(start - seg.offset, room)),
                Position(seg.line, seg.column + min(last - seg.offset, room) + 1),
            )
        return Span(self._place(start), self._place(max(start, end - 1), after=True))

    @cached
    def _segment_offsets(self) -> list[int]:
        return [s.offset for s in self.segments]

    def _place(self, offset: int, after: bool = False) -> Position:
        if not self.segments:
            return self.keyword_span.end
        index = bisect.bisect_right(self._segment_offsets, offset) - 1
        seg = self.segments[max(0, index)]
        column = seg.column + min(offset - seg.offset, max(seg.length - 1, 0))
        return Position(seg.line, column + (1 if after else 0))

    @cached
    def tokens(self) -> tuple[Token, ...]:
        """Words of ``value``: shell words and operators for ``RUN``, else Docker's words
        (split at whitespace only)."""
        return _tokens(self.value, self.keyword == "RUN")

    @cached
    def flags(self) -> tuple[Flag, ...]:
        """Leading ``--name[=value]`` flags."""
        if not self.value.lstrip().startswith("--"):
            return ()
        locate = self.locate
        return tuple(
            [
                Flag(name, value, locate(start, end), end)
                for name, value, start, end in _flag_places(self.value, self.keyword == "RUN")
            ]
        )

    def flag(self, name: str) -> str | None:
        """Value of flag ``name`` (``""`` for a bare flag), or None when absent."""
        for f in self.flags:
            if f.name == name:
                return f.value if f.value is not None else ""
        return None

    @cached
    def exec_form(self) -> tuple[Word, ...] | None:
        """The elements of a JSON-array (exec form) argument, or None for shell form."""
        places = _exec_places(self.value)
        return None if places is None else self._words(places)

    @cached
    def arguments(self) -> tuple[Word, ...]:
        """Words after the flags (exec-form elements when the value is a JSON array)."""
        if self.exec_form is not None:
            return self.exec_form
        return self._words(self._argument_places())

    def _argument_places(self) -> tuple[WordPlace, ...]:
        """What :attr:`arguments` are made of, without making them."""
        places = _exec_places(self.value)
        if places is not None:
            return places
        return _word_places(self.value, self.keyword == "RUN")[len(self.flags) :]

    def _words(self, places: tuple[WordPlace, ...]) -> tuple[Word, ...]:
        locate = self.locate
        return tuple(
            [Word(text, raw, None, True, locate, start, end) for text, raw, start, end in places]
        )

    @cached
    def commands(self) -> tuple[Command, ...]:
        """Simple commands this ``RUN`` runs, wherever they sit in its shell script.

        Shell form, exec form, ``sh -c`` strings, ``$(…)`` and heredoc scripts (``RUN <<EOF``,
        ``RUN bash -e <<EOF``) all count; a heredoc fed to another program
        (``RUN python3 <<EOF``) is that program's input, not shell.
        """
        if self.keyword != "RUN":
            return ()
        if self.exec_form is not None:
            return self._exec_commands(self.exec_form)
        script = self.script_text()
        found = _commands(parse_script(script), self.locate, self.variables)
        if not self.heredocs or not all(is_script_reader(c) for c in found):
            return tuple(found)
        # The line only starts the shell that reads the heredoc: its body is the script.
        found = []
        for doc in self.heredocs:

            def locate(start: int, end: int, doc: Heredoc = doc) -> Span:
                return Span(doc.place(start), doc.place(end))

            found += _commands(parse_script(doc.body), locate, self.variables)
        return tuple(found)

    def script_text(self) -> str:
        """The shell text of the ``RUN``: flags and heredoc markers blanked, offsets kept."""
        start = self.flags[-1].end_offset if self.flags else 0
        text = " " * start + self.value[start:]
        if not self.heredocs:
            return text
        names = {doc.delimiter for doc in self.heredocs}
        for marker, word in itertools.pairwise(self.tokens):
            # The parser's heredocs: `<<EOF`, `<<-EOF`, `3<<"EOF"`, followed by its name.
            if marker.operator and HEREDOC_MARKER.fullmatch(marker.text) and word.text in names:
                blank = " " * (word.end - marker.start)
                text = text[: marker.start] + blank + text[word.end :]
        return text

    def _exec_commands(self, words: tuple[Word, ...]) -> tuple[Command, ...]:
        """``RUN ["pip", "install", "x"]``, and the script of ``["sh", "-c", "…"]``."""
        if not words:
            return ()
        found = [Command(words)]
        script = exec_script(words)
        if script is not None:
            linear = script.raw[1:-1] == script.text
            start = script.span.start

            def locate(begin: int, end: int) -> Span:
                if not linear:
                    return script.span
                return Span(
                    Position(start.line, start.column + 1 + begin),
                    Position(start.line, start.column + 1 + end),
                )

            found += _commands(parse_script(script.text), locate, self.variables, "sh -c")
        return tuple(found)

    @cached
    def trigger(self) -> Instruction | None:
        """For ``ONBUILD RUN …`` (or ``COPY``/``ADD``), the instruction it carries.

        It runs when another image is built ``FROM`` this one, and is judged like the same
        instruction written there; its words keep their places in this file.
        """
        if self.keyword != "ONBUILD":
            return None
        match = re.match(r"\s*([A-Za-z]+)(?:\s+|$)", self.value)
        if not match or match[1].upper() not in TRIGGER_KEYWORDS:
            return None
        cut = match.end()
        segments = []
        for seg in self.segments:
            if seg.offset + seg.length <= cut:
                continue
            skip = max(0, cut - seg.offset)
            segments.append(
                Segment(max(0, seg.offset - cut), seg.line, seg.column + skip, seg.length - skip)
            )
        return Instruction(
            match[1].upper(),
            self.value[cut:],
            self.span,
            self.locate(match.start(1), match.end(1)),
            tuple(segments),
            self.index,
            self.stage_index,
            self.heredocs,
            self.variables,
            onbuild=True,
        )

    @cached
    def assignments(self) -> tuple[tuple[str, str | None], ...]:
        """The ``name=value`` pairs of an ``ENV`` or ``ARG``, values as written.

        Handles ``ENV a=1 b=2``, the legacy ``ENV key value with spaces`` and ``ARG name``
        without a default (value None).
        """
        places = self._argument_places()  # the texts only: no words made while parsing
        if self.keyword == "ENV" and places and "=" not in places[0][0]:
            text, raw, _, _ = places[0]
            return ((text, self.value.strip()[len(raw) :].strip()),)
        pairs = (place[0].partition("=") for place in places)
        return tuple((name, value if sep else None) for name, sep, value in pairs)

    def resolve(self, text: str) -> Substituted:
        """Substitute the variables in scope at this instruction into ``text``."""
        return substitute(text, self.variables)


@lru_cache(maxsize=4096)
def _tokens(value: str, shell: bool) -> tuple[Token, ...]:
    """The tokens of an instruction's value: offsets into it only, so equal values share."""
    return tuple(tokenize(value, shell=shell))


# A word as the value's text gives it: its text, as written, and its offsets in the value.
WordPlace = tuple[str, str, int, int]


@lru_cache(maxsize=4096)
def _flag_places(value: str, shell: bool) -> tuple[tuple[str, str | None, int, int], ...]:
    """The leading ``--name[=value]`` flags of a value: name, value, start and end offsets."""
    found = []
    # Only the leading words are read: a long RUN need not be tokenized for its flags.
    for token in iter_tokens(value, shell=shell):
        if token.operator or not token.text.startswith("--"):
            break
        name, sep, flag_value = token.text[2:].partition("=")
        found.append((name, flag_value if sep else None, token.start, token.end))
    return tuple(found)


@lru_cache(maxsize=4096)
def _word_places(value: str, shell: bool) -> tuple[WordPlace, ...]:
    """The words of a shell-form value, flags included; a heredoc marker is one word with
    its name (``<<EOF``). Offsets into the value only, so equal values share."""
    words: list[WordPlace] = []
    heredoc_marker: Token | None = None
    for token in _tokens(value, shell):
        if token.operator:
            heredoc_marker = token if token.text in HEREDOC_OPERATORS else None
        elif heredoc_marker is not None:
            text = heredoc_marker.text + token.text
            words.append((text, text, heredoc_marker.start, token.end))
            heredoc_marker = None
        else:
            words.append((token.text, token.raw, token.start, token.end))
    return tuple(words)


@lru_cache(maxsize=4096)
def _exec_places(value: str) -> tuple[WordPlace, ...] | None:
    """The elements of a JSON-array value (exec form), or None for shell form."""
    text = value.strip()
    if not text.startswith("["):
        return None
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    base = value.index("[")
    return tuple(
        (json.loads(match.group(0)), match.group(0), base + match.start(), base + match.end())
        for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', value[base:])
    )


share_keys(Command)
share_keys(Instruction)


def is_script_reader(command: Command) -> bool:
    """True for a shell reading its script from a heredoc: ``RUN <<EOF``, ``RUN bash -e <<EOF``."""
    return command.program in SHELLS and all(w.text.startswith("-") for w in command.words[1:])


def exec_script(words: tuple[Word, ...]) -> Word | None:
    """The script element of an exec-form ``["sh", "-c", "script"]``, if any."""
    if words[0].text.rsplit("/", 1)[-1] not in SHELLS:
        return None
    for index, word in enumerate(words[1:], start=1):
        if word.text.startswith("-") and "c" in word.text[1:] and not word.text.startswith("--"):
            return words[index + 1] if index + 1 < len(words) else None
        if not word.text.startswith("-"):
            return None
    return None


Locator = Callable[[int, int], Span]


def _commands(
    parsed: tuple[ShellCommand, ...],
    locate: Locator,
    variables: Mapping[str, str | None],
    outer: str | None = None,
) -> list[Command]:
    """Place parsed shell commands in the file and expand the variables the shell knows.

    ``ARG``/``ENV`` values in scope and plain assignments earlier in the script
    (``DEPS="gcc make"; apt-get install $DEPS``) are expanded; an unquoted expansion splits
    into words as the shell splits it. A word whose value cannot be known stays as written,
    marked ``known=False``.
    """
    # The scope is copied at the script's first assignment (most scripts make none).
    assigned: dict[str, str | None] | None = None
    found = []
    within_outer = (outer,) if outer else ()
    for command in parsed:
        if not command.words:
            if assigned is None:
                assigned = dict(variables)
            for assignment in command.assignments:
                name, _, value = assignment.text.partition("=")
                result = substitute(value, assigned) if "=" in assignment.text else None
                known = result is not None and result.complete and not _has_command(result.text)
                assigned[name] = result.text if result is not None and known else None
            continue
        scope = variables if assigned is None else assigned
        words: list[Word] = []
        for word in command.words:
            if word.dynamic:
                words += _expand(word, locate, scope)
            else:
                words.append(Word(word.text, word.raw, None, True, locate, word.start, word.end))
        if not words:
            continue
        assignments = tuple(
            [
                Word(a.text, a.raw, None, not a.dynamic, locate, a.start, a.end)
                for a in command.assignments
            ]
        )
        wrappers = tuple(
            [Word(w.text, w.raw, None, True, locate, w.start, w.end) for w in command.wrappers]
        )
        found.append(Command(tuple(words), assignments, (*within_outer, *command.within), wrappers))
    return found


def _has_command(text: str) -> bool:
    """True when ``text`` still holds a command substitution, whose output is unknown."""
    return "$(" in text or "`" in text


def _expand(word: ShellWord, locate: Locator, scope: Mapping[str, str | None]) -> list[Word]:
    """The words the shell makes of a ``word`` with expansions, placed at its span."""
    start, end = word.start, word.end
    result = substitute(word.text, scope)
    if not result.complete or _has_command(result.text):
        return [Word(word.text, word.raw, None, False, locate, start, end)]
    if word.quoted:
        return [Word(result.text, word.raw, None, True, locate, start, end)]
    parts = result.text.split()
    if len(parts) == 1:
        return [Word(parts[0], word.raw, None, True, locate, start, end)]
    # The words of one expansion share one span.
    span = locate(start, end)
    return [Word(part, word.raw, span) for part in parts]


IMAGE_REF = regex.compile(
    r"^(?:(?P<registry>[^/]+[.:][^/]*|localhost)/)?(?P<name>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>.+))?$"
)


@dataclass(frozen=True)
class ImageRef:
    """A base image reference split into its parts."""

    raw: str
    registry: str | None
    name: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        """Split ``registry/name:tag@digest``; the registry needs a dot, colon or localhost."""
        match = IMAGE_REF.match(text)
        if not match:
            return cls(text, None, text, None, None)
        return cls(text, match["registry"], match["name"], match["tag"], match["digest"])

    def with_tag(self, tag: str) -> str:
        """The reference with ``tag`` instead of its tag and digest, registry kept."""
        registry = f"{self.registry}/" if self.registry else ""
        return f"{registry}{self.name}:{tag}"

    @property
    def is_scratch(self) -> bool:
        """True for the empty ``scratch`` image."""
        return self.name == "scratch" and self.registry is None

    @property
    def repository(self) -> str:
        """The last path part of the name, e.g. ``python`` for ``library/python``."""
        return self.name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Stage:
    """One build stage: ``FROM`` and the instructions up to the next ``FROM``."""

    index: int
    name: str | None
    from_instruction: Instruction
    base: ImageRef
    base_resolved: bool
    parent_stage: int | None
    instructions: tuple[Instruction, ...]
    is_final: bool

    def __iter__(self) -> Iterator[Instruction]:
        return iter(self.instructions)

    def of(self, *keywords: str) -> list[Instruction]:
        """Instructions of this stage with one of ``keywords``, in order.

        The ``RUN``/``COPY``/``ADD`` that an ``ONBUILD`` carries count as that instruction
        (``onbuild`` is True on them): they are judged by what they do. An ``ONBUILD USER``
        or ``CMD`` is not: it configures another image, not this one.
        """
        if len(keywords) == 1:
            return list(self._by_keyword.get(keywords[0], ()))
        found = self._by_keywords.get(keywords)
        if found is None:
            found = self._by_keywords[keywords] = [
                i for i in self._with_triggers if i.keyword in keywords
            ]
        return list(found)

    @cached
    def _by_keywords(self) -> dict[tuple[str, ...], list[Instruction]]:
        # Many rules ask each stage for the same few keyword sets ("COPY", "ADD").
        return {}

    @cached
    def _with_triggers(self) -> tuple[Instruction, ...]:
        """The instructions in order, each ``ONBUILD`` followed by the one it carries."""
        found = []
        for instruction in self.instructions:
            found.append(instruction)
            if instruction.keyword == "ONBUILD" and instruction.trigger is not None:
                found.append(instruction.trigger)
        return tuple(found)

    @cached
    def _by_keyword(self) -> dict[str, list[Instruction]]:
        # Rules ask every stage for its RUNs, COPYs...: one pass answers them all.
        index: dict[str, list[Instruction]] = {}
        for instruction in self._with_triggers:
            index.setdefault(instruction.keyword, []).append(instruction)
        return index

    @property
    def copies_from(self) -> tuple[str, ...]:
        """The ``--from`` sources (stage names, indices or images) of its COPY instructions."""
        sources = (i.flag("from") for i in self.of("COPY", "ADD"))
        return tuple(s for s in sources if s)


share_keys(Stage)


@dataclass(frozen=True)
class Directive:
    """A parser directive such as ``# syntax=`` or ``# check=``."""

    name: str
    value: str
    span: Span


@dataclass(frozen=True)
class Comment:
    """A comment line in the Dockerfile."""

    text: str
    span: Span


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile."""

    path: str
    text: str
    directives: tuple[Directive, ...]
    escape: str
    instructions: tuple[Instruction, ...]
    global_args: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    comments: tuple[Comment, ...]

    @property
    def final_stage(self) -> Stage | None:
        """The stage that ``docker build`` produces without ``--target``."""
        return self.stages[-1] if self.stages else None

    @property
    def final_lineage(self) -> list[Stage]:
        """The final stage and the stages it is built ``FROM``, nearest first."""
        final = self.final_stage
        return self.lineage(final) if final is not None else []

    def in_final_image(self, *keywords: str) -> list[Instruction]:
        """Instructions with ``keywords`` whose effect reaches the final image, in build order.

        Those of the final stage and of the stages it is built ``FROM``; a builder stage
        that the final stage only copies from does not count.
        """
        return [i for stage in reversed(self.final_lineage) for i in stage.of(*keywords)]

    def onbuild_at(self, position: Position) -> bool:
        """True when ``position`` lies inside an ``ONBUILD`` instruction."""
        return any(span.start <= position < span.end for span in self._onbuild_spans)

    @cached
    def _onbuild_spans(self) -> tuple[Span, ...]:
        return tuple(i.span for i in self.instructions if i.keyword == "ONBUILD")

    def of(self, *keywords: str) -> list[Instruction]:
        """Instructions of every stage with one of ``keywords`` (``ONBUILD`` ones too)."""
        if len(keywords) == 1:
            return list(self._by_keyword.get(keywords[0], ()))
        found = self._of.get(keywords)
        if found is None:
            found = self._of[keywords] = [
                i for stage in self.stages for i in stage._with_triggers if i.keyword in keywords
            ]
        return list(found)

    @cached
    def _of(self) -> dict[tuple[str, ...], list[Instruction]]:
        # Rules ask for every COPY and ADD of a file of thousands of stages: answer once.
        return {}

    @cached
    def _by_keyword(self) -> dict[str, list[Instruction]]:
        # One keyword (most questions): one pass over the stages answers them all.
        index: dict[str, list[Instruction]] = {}
        for stage in self.stages:
            for instruction in stage._with_triggers:
                index.setdefault(instruction.keyword, []).append(instruction)
        return index

    @cached
    def copies(self) -> tuple[Copy, ...]:
        """Every ``COPY``/``ADD`` (``ONBUILD`` ones included), with sources and destination.

        The one model of what a copy takes: rules and the requirements follower use it.
        Destinations are resolved against the ``WORKDIR`` in effect, inherited through the
        stages a stage is built ``FROM`` (a base image's own ``WORKDIR`` is unknown: ``/``).
        """
        found = []
        for stage in self.stages:
            workdir = "/"
            for parent in reversed(self.lineage(stage)[1:]):
                workdir = _workdir_after(parent.instructions, workdir)
            for instruction in stage.instructions:
                keyword = instruction.keyword
                if keyword == "WORKDIR":
                    workdir = _workdir_after((instruction,), workdir)
                elif keyword in ("COPY", "ADD"):
                    found.append(Copy.of(instruction, workdir))
                elif keyword == "ONBUILD":
                    trigger = instruction.trigger
                    if trigger is not None and trigger.keyword in ("COPY", "ADD"):
                        found.append(Copy.of(trigger, workdir))
        return tuple(found)

    @property
    def context_sources(self) -> tuple[CopySource, ...]:
        """Every source, in any stage, that reads the build context."""
        return tuple(s for copy in self.copies for s in copy.context_sources)

    def copy_of(self, instruction: Instruction) -> Copy | None:
        """The :class:`Copy` of a ``COPY``/``ADD`` instruction of this Dockerfile."""
        return self._copy_index.get(id(instruction))

    @cached
    def _copy_index(self) -> dict[int, Copy]:
        return {id(copy.instruction): copy for copy in self.copies}

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it is built ``FROM``, nearest first."""
        chain = [stage]
        while chain[-1].parent_stage is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[chain[-1].parent_stage])
        return chain


def _workdir_after(instructions: tuple[Instruction, ...], workdir: str) -> str:
    """The ``WORKDIR`` after ``instructions`` run, starting from ``workdir``."""
    for instruction in instructions:
        if instruction.keyword == "WORKDIR" and instruction.arguments:
            path = instruction.resolve(instruction.arguments[0].text).text
            workdir = posixpath.normpath(posixpath.join(workdir, path))
    return workdir


# Sources that take the whole context: "." (also "./", "/", "src/..") and "*", which
# matches every top-level entry, dotfiles included.
WHOLE_CONTEXT = frozenset({".", "*"})
GIT_SOURCE = regex.compile(r"^(git@|git://|ssh://|https?://[^#\s]+\.git(#|$))")


@dataclass(frozen=True)
class CopySource:
    """One source of a ``COPY``/``ADD``.

    ``kind`` is ``context`` (a path in the build context), ``url`` (``ADD https://…``),
    ``git`` (``ADD git@…`` or a ``.git`` URL), ``heredoc`` (``COPY <<EOF``), ``stage``
    (a path in another stage or image, with ``--from``) or ``unresolved`` (it uses a
    variable with no value at lint time). ``path`` is the normalised context-relative
    path (``.`` for the context root) for ``context`` sources, the path in the other
    stage for ``stage`` ones, else None. ``outside`` is True when the path climbs out of
    the context (``../x``): Docker refuses it.
    """

    word: Word
    text: str
    kind: str
    path: str | None
    outside: bool = False

    @property
    def whole_context(self) -> bool:
        """True for ``COPY . .`` and its spellings (``./``, ``${SRC}`` set to ``.``, ``*``)."""
        return self.kind == "context" and self.path in WHOLE_CONTEXT

    @property
    def is_glob(self) -> bool:
        """True when the path has wildcards."""
        return self.path is not None and any(c in self.path for c in "*?[")

    def needs(self, path: str) -> bool:
        """True when excluding context ``path`` would break this copy: it names ``path`` or
        something inside it.

        Excluding ``src/__pycache__`` does not break ``COPY src``; excluding ``data`` does
        break ``COPY data/vocab.txt``. A whole-context copy needs nothing in particular.
        """
        if self.kind != "context" or self.path is None or self.whole_context:
            return False
        if self.path.startswith(path + "/"):
            return True
        wanted, parts = self.path.split("/"), path.split("/")
        return len(wanted) == len(parts) and all(map(fnmatch.fnmatchcase, parts, wanted))


@dataclass(frozen=True)
class Copy:
    """A ``COPY`` or ``ADD``: what it takes, where it puts it, and its flags."""

    instruction: Instruction
    sources: tuple[CopySource, ...]
    destination: str
    destination_word: Word | None
    from_stage: str | None
    chown: str | None
    chmod: str | None
    link: bool
    parents: bool
    excludes: tuple[str, ...]

    @classmethod
    def of(cls, instruction: Instruction, workdir: str) -> Copy:
        """Read a ``COPY``/``ADD`` instruction; ``workdir`` is the ``WORKDIR`` in effect."""
        words = instruction.arguments
        from_stage = instruction.flag("from")
        heredoc_names = {f"<<{d.delimiter}" for d in instruction.heredocs}
        heredoc_names |= {f"<<-{d.delimiter}" for d in instruction.heredocs}
        sources = tuple(
            _copy_source(instruction, word, from_stage, heredoc_names) for word in words[:-1]
        )
        destination_word = words[-1] if len(words) >= 2 else None
        destination = workdir
        if destination_word is not None:
            target = instruction.resolve(destination_word.text).text
            destination = posixpath.normpath(posixpath.join(workdir, target))
            # A destination that is a folder already (".", the WORKDIR) takes the sources
            # inside it, as one written with a trailing slash does.
            folder = target.endswith(("/", "/.", "/..")) or target in (".", "..")
            destination += "/" if folder or destination == workdir else ""
        excludes = tuple(f.value for f in instruction.flags if f.name == "exclude" and f.value)
        return cls(
            instruction,
            sources,
            destination,
            destination_word,
            from_stage,
            instruction.flag("chown") or None,
            instruction.flag("chmod") or None,
            instruction.flag("link") not in (None, "false"),
            instruction.flag("parents") not in (None, "false"),
            excludes,
        )

    @property
    def context_sources(self) -> tuple[CopySource, ...]:
        """The sources read from the build context."""
        return tuple(s for s in self.sources if s.kind == "context")

    @property
    def whole_context(self) -> bool:
        """True when the copy takes the whole build context."""
        return any(s.whole_context for s in self.sources)

    @property
    def into_folder(self) -> bool:
        """True when the destination is a folder the sources go into, as Docker decides it:
        a trailing ``/``, several sources, or a wildcard."""
        return (
            self.destination.endswith("/")
            or len(self.sources) > 1
            or any(s.is_glob for s in self.sources)
        )

    def candidates(self, image_path: str) -> list[str]:
        """Context-relative paths that this copy may have put at ``image_path``.

        Whether each is a file or a folder (and so whether it really lands there) is for the
        caller to check on disk; the most specific candidates come first.
        """
        target = posixpath.normpath(image_path)
        folder = self.destination.rstrip("/") or "/"
        inside = target[len(folder) :].lstrip("/") if _under(target, folder) else None
        found: list[str] = []
        for source in self.context_sources:
            path = source.path
            if path is None or source.outside:
                continue
            base = "" if path == "." else path
            if target == folder and not self.into_folder and not source.is_glob:
                found.append(path)
            if inside:
                name = inside.split("/", 1)[0]
                if self.into_folder and fnmatch.fnmatchcase(name, posixpath.basename(path)):
                    found.append(posixpath.join(posixpath.dirname(path), inside))
                if not source.is_glob:
                    found.append(posixpath.join(base, inside) if base else inside)
        return list(dict.fromkeys(found))


def _under(path: str, folder: str) -> bool:
    return folder == "/" or path == folder or path.startswith(folder + "/")


def _copy_source(
    instruction: Instruction, word: Word, from_stage: str | None, heredocs: set[str]
) -> CopySource:
    """Classify one source word of a ``COPY``/``ADD``."""
    if word.text in heredocs or word.text.startswith("<<"):
        return CopySource(word, word.text, "heredoc", None)
    resolved = instruction.resolve(word.text)
    text = resolved.text
    if not resolved.complete:
        return CopySource(word, text, "unresolved", None)
    if from_stage is not None:
        return CopySource(word, text, "stage", posixpath.normpath("/" + text.lstrip("/")))
    if instruction.keyword == "ADD" and GIT_SOURCE.match(text):
        return CopySource(word, text, "git", None)
    if "://" in text:
        return CopySource(word, text, "url", None)
    path = posixpath.normpath(text.lstrip("/") or ".")
    outside = path == ".." or path.startswith("../")
    if path in ("./*", "*"):
        path = "*"
    return CopySource(word, text, "context", path, outside)


@dataclass(frozen=True)
class Build:
    """Everything a rule may look at for one Dockerfile."""

    dockerfile: Dockerfile
    context: Context | None
    dockerignore: Dockerignore | None
    requirements: tuple[RequirementsFile, ...]

    @cached
    def app(self) -> App | None:
        """What the final image runs, read from the context (``dlint.appload``).

        Read lazily, the first time a rule asks, like the context's entries: most rules
        never need the application code. None without a build context.
        """
        if self.context is None:
            return None
        from dlint.appload import load_app

        return load_app(self)

    @cached_property
    def locks(self) -> tuple[LockFile, ...]:
        """The ``uv.lock`` / ``poetry.lock`` at the top of the context (``dlint.locks``).

        Read lazily, the first time a rule asks: only pin fixes need them.
        """
        if self.context is None:
            return ()
        from dlint.locks import read_locks

        return read_locks(self.context.root)

    @cached_property
    def engine(self) -> Engine | None:
        """The local Docker engine, when the run asked for it (``--from-engine``), else None.

        Only unsafe fixes ask it (``dlint.enginefacts``), and each answer is bounded in time.
        """
        from dlint.enginefacts import current

        return current()

    @cached_property
    def index(self) -> Index | None:
        """The package index, when the run asked for it (``--from-index``), else None.

        Only unsafe fixes ask it (``dlint.indexfacts``), and each answer is bounded in time.
        A run that never imported that module never opened ``asking()``: the lint path
        does not import it just to hear None.
        """
        facts = sys.modules.get("dlint.indexfacts")
        return None if facts is None else facts.current()

    def locked_version(self, name: str) -> tuple[str, str] | None:
        """(version, lock file) of the first lock that pins project ``name``, or None."""
        for lock in self.locks:
            version = lock.pins.get(name)
            if version is not None:
                return version, lock.path
        return None
