"""An immutable view of one build: the Dockerfile, its context, .dockerignore and requirements.

Rules receive a :class:`Build` and nothing else. Every piece of text in it knows its exact
place in its file, so a rule can point at one package name inside a long ``RUN``.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from dlint.context import (
    Context,
    Dockerignore,
    RequirementsFile,
)
from dlint.finding import Position, Span
from dlint.shell import (
    HEREDOC_OPERATORS,
    SimpleCommand,
    Substituted,
    Token,
    split_commands,
    substitute,
    tokenize,
)


@dataclass(frozen=True)
class Segment:
    """Maps ``length`` characters of an instruction's value, from ``offset``, to a file place."""

    offset: int
    line: int
    column: int
    length: int


@dataclass(frozen=True)
class Word:
    """A word of an instruction with its place in the file (quotes removed in ``text``)."""

    text: str
    raw: str
    span: Span


@dataclass(frozen=True)
class Flag:
    """An instruction flag such as ``--from=builder``."""

    name: str
    value: str | None
    span: Span


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
    """A shell command found in a ``RUN`` (or exec-form array), words placed in the file."""

    words: tuple[Word, ...]

    @property
    def argv(self) -> list[str]:
        """The words as plain strings."""
        return [w.text for w in self.words]

    @property
    def span(self) -> Span:
        """From the first word to the last."""
        return Span(self.words[0].span.start, self.words[-1].span.end)


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
    keyword_span: Span
    segments: tuple[Segment, ...]
    index: int
    stage_index: int
    heredocs: tuple[Heredoc, ...] = ()
    variables: Mapping[str, str | None] = field(default_factory=dict)

    def locate(self, start: int, end: int) -> Span:
        """The file span of ``value[start:end]``."""
        return Span(self._place(start), self._place(max(start, end - 1), after=True))

    @cached_property
    def _segment_offsets(self) -> list[int]:
        return [s.offset for s in self.segments]

    def _place(self, offset: int, after: bool = False) -> Position:
        if not self.segments:
            return self.keyword_span.end
        index = bisect.bisect_right(self._segment_offsets, offset) - 1
        seg = self.segments[max(0, index)]
        column = seg.column + min(offset - seg.offset, max(seg.length - 1, 0))
        return Position(seg.line, column + (1 if after else 0))

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """Shell-style words and operators of ``value``."""
        return tuple(tokenize(self.value))

    @cached_property
    def flags(self) -> tuple[Flag, ...]:
        """Leading ``--name[=value]`` flags."""
        found = []
        for token in self.tokens:
            if token.operator or not token.text.startswith("--"):
                break
            name, sep, value = token.text[2:].partition("=")
            found.append(Flag(name, value if sep else None, self.locate(token.start, token.end)))
        return tuple(found)

    def flag(self, name: str) -> str | None:
        """Value of flag ``name`` (``""`` for a bare flag), or None when absent."""
        for f in self.flags:
            if f.name == name:
                return f.value if f.value is not None else ""
        return None

    @cached_property
    def exec_form(self) -> tuple[Word, ...] | None:
        """The elements of a JSON-array (exec form) argument, or None for shell form."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            items = json.loads(text)
        except ValueError:
            return None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            return None
        words = []
        base = self.value.index("[")
        for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', self.value[base:]):
            start, end = base + match.start(), base + match.end()
            words.append(Word(json.loads(match.group(0)), match.group(0), self.locate(start, end)))
        return tuple(words)

    @cached_property
    def arguments(self) -> tuple[Word, ...]:
        """Words after the flags (exec-form elements when the value is a JSON array)."""
        if self.exec_form is not None:
            return self.exec_form
        words: list[Word] = []
        heredoc_marker: Token | None = None
        for token in self.tokens:
            if token.operator:
                heredoc_marker = token if token.text in HEREDOC_OPERATORS else None
            elif heredoc_marker is not None:
                text = heredoc_marker.text + token.text
                words.append(Word(text, text, self.locate(heredoc_marker.start, token.end)))
                heredoc_marker = None
            else:
                words.append(Word(token.text, token.raw, self.locate(token.start, token.end)))
        return tuple(words[len(self.flags) :])

    @cached_property
    def commands(self) -> tuple[Command, ...]:
        """Shell commands this instruction runs (``RUN`` only), including heredoc scripts."""
        if self.keyword != "RUN":
            return ()
        if self.exec_form is not None:
            return (Command(self.exec_form),) if self.exec_form else ()
        tokens = list(self.tokens[len(self.flags) :])
        result = [self._command(c, self.locate) for c in split_commands(tokens)]
        result = [c for c in result if c is not None and not is_script_reader(c)]
        if self.heredocs and not result:
            for doc in self.heredocs:

                def locate(start: int, end: int, doc: Heredoc = doc) -> Span:
                    return Span(doc.place(start), doc.place(end))

                for c in split_commands(tokenize(doc.body)):
                    result.append(self._command(c, locate))
        return tuple(c for c in result if c is not None)

    @staticmethod
    def _command(command: SimpleCommand, locate) -> Command | None:
        words = tuple(Word(t.text, t.raw, locate(t.start, t.end)) for t in command.words)
        return Command(words) if words else None

    @cached_property
    def assignments(self) -> tuple[tuple[str, str | None], ...]:
        """The ``name=value`` pairs of an ``ENV`` or ``ARG``, values as written.

        Handles ``ENV a=1 b=2``, the legacy ``ENV key value with spaces`` and ``ARG name``
        without a default (value None).
        """
        words = self.arguments
        if self.keyword == "ENV" and words and "=" not in words[0].text:
            return ((words[0].text, self.value.strip()[len(words[0].raw) :].strip()),)
        pairs = (w.text.partition("=") for w in words)
        return tuple((name, value if sep else None) for name, sep, value in pairs)

    def resolve(self, text: str) -> Substituted:
        """Substitute the variables in scope at this instruction into ``text``."""
        return substitute(text, self.variables)


SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})


def is_script_reader(command: Command) -> bool:
    """True for a shell reading its script from a heredoc: ``RUN <<EOF``, ``RUN bash -e <<EOF``."""
    program, *rest = command.argv
    return program.rsplit("/", 1)[-1] in SHELLS and all(a.startswith("-") for a in rest)


IMAGE_REF = re.compile(
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
        """Instructions of this stage with one of ``keywords``."""
        return [i for i in self.instructions if i.keyword in keywords]

    @property
    def copies_from(self) -> tuple[str, ...]:
        """The ``--from`` sources (stage names, indices or images) of its COPY instructions."""
        sources = (i.flag("from") for i in self.of("COPY", "ADD"))
        return tuple(s for s in sources if s)


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

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it is built ``FROM``, nearest first."""
        chain = [stage]
        while chain[-1].parent_stage is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[chain[-1].parent_stage])
        return chain


@dataclass(frozen=True)
class Build:
    """Everything a rule may look at for one Dockerfile."""

    dockerfile: Dockerfile
    context: Context | None
    dockerignore: Dockerignore | None
    requirements: tuple[RequirementsFile, ...]
