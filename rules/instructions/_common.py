"""What the instruction rules share: text as written, stage names, variable uses.

The model keeps keywords upper-cased and stage names lower-cased, as Docker reads them;
the casing rules need them as the author wrote them, which the file's text still holds
at the exact spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dlint.finding import Span
from dlint.model import Dockerfile, Instruction, Stage, Word


def written(dockerfile: Dockerfile, span: Span) -> str:
    """The text of ``span`` in the Dockerfile, exactly as written (one line)."""
    line = dockerfile.text.split("\n")[span.start.line - 1]
    end = span.end.column - 1 if span.end.line == span.start.line else len(line)
    return line[span.start.column - 1 : end]


def keyword_as_written(dockerfile: Dockerfile, instruction: Instruction) -> str:
    """The instruction's keyword in the author's casing (``From``, ``run``)."""
    return written(dockerfile, instruction.keyword_span)


def stage_name_word(stage: Stage) -> Word | None:
    """The word naming the stage (``builder`` in ``FROM x AS builder``), as written."""
    words = stage.from_instruction.arguments
    return words[2] if len(words) >= 3 and words[1].text.lower() == "as" else None


def all_instructions(dockerfile: Dockerfile) -> Iterator[Instruction]:
    """Every instruction, and after each ``ONBUILD`` the ``RUN``/``COPY``/``ADD`` it carries."""
    for instruction in dockerfile.instructions:
        yield instruction
        if instruction.trigger is not None:
            yield instruction.trigger


# $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}, ${NAME-word}, ${NAME+word}
VARIABLE_USE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class VariableUse:
    """One ``$NAME`` in an instruction's value; ``guarded`` when it carries a default."""

    name: str
    start: int
    end: int
    guarded: bool


def variable_uses(value: str, escape: str = "\\") -> Iterator[VariableUse]:
    """The variables Docker substitutes in ``value``: not inside single quotes, not escaped."""
    quote = ""
    index = 0
    while index < len(value):
        char = value[index]
        if char == escape and quote != "'":
            index += 2
            continue
        if char in "'\"" and (not quote or quote == char):
            quote = "" if quote else char
        elif char == "$" and quote != "'":
            match = VARIABLE_USE.match(value, index)
            if match:
                name = match[1] or match[3]
                yield VariableUse(name, match.start(), match.end(), bool(match[2]))
                index = match.end()
                continue
        index += 1


# The build arguments BuildKit defines in the global scope; a stage sees one only after
# declaring it with ``ARG NAME`` (without a value).
PLATFORM_ARGS = frozenset(
    {
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETARCH",
        "TARGETVARIANT",
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDARCH",
        "BUILDVARIANT",
    }
)
# Predefined proxy arguments: usable without a declaration.
PROXY_ARGS = frozenset(
    {
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "FTP_PROXY",
        "ftp_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    }
)
