"""Dockerfile text -> :class:`dlint.model.Dockerfile`, keeping every position.

Why not only dockerfile-parse: it drops columns, reads heredoc bodies as instructions
(``RUN <<EOF`` followed by a line ``pip install x`` becomes an instruction ``PIP``), and its
word splitter does not know ``${VAR:-default}``. This module is a small line lexer that
follows Docker's own rules (parser directives, the escape character, comment lines inside
continuations, heredocs) and records where every character of an instruction came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
DIRECTIVE = re.compile(r"^#\s*(syntax|escape|check)\s*=\s*(.*?)\s*$", re.IGNORECASE)
HEREDOC = re.compile(r"(?<!<)<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
KEYWORD = re.compile(r"^(\s*)([A-Za-z]+)(\s+|$)")


class DockerfileSyntaxError(ValueError):
    """The Dockerfile cannot be parsed; carries the place of the problem."""

    def __init__(self, message: str, line: int, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class _Raw:
    """An instruction as read from the lines, before variables are known."""

    keyword: str
    value: str
    span: Span
    keyword_span: Span
    segments: tuple[Segment, ...]
    heredocs: tuple[Heredoc, ...]


def parse_dockerfile(text: str, path: str) -> Dockerfile:
    """Parse Dockerfile ``text``; ``path`` is how findings will name the file."""
    lines = text.replace("\r\n", "\n").split("\n")
    directives, first = _directives(lines)
    escape = next((d.value for d in directives if d.name == "escape"), "\\")
    if escape not in ("\\", "`"):
        raise DockerfileSyntaxError(
            f"invalid escape directive {escape!r}", directives[0].span.start.line
        )
    raws, comments = _lex(lines, first, escape)
    return _assemble(path, text, directives, escape, raws, comments)


def _directives(lines: list[str]) -> tuple[tuple[Directive, ...], int]:
    found = []
    for number, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if not match:
            return tuple(found), number
        found.append(
            Directive(match[1].lower(), match[2], Span.of(number + 1, 1, number + 1, len(line) + 1))
        )
    return tuple(found), len(lines)


def _lex(lines: list[str], first: int, escape: str) -> tuple[list[_Raw], list[Comment]]:
    raws: list[_Raw] = []
    comments: list[Comment] = []
    i = first
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            col = line.index("#") + 1
            comments.append(Comment(stripped, Span.of(i + 1, col, i + 1, len(line.rstrip()) + 1)))
            i += 1
            continue
        match = KEYWORD.match(line)
        if not match or match[2].upper() not in KEYWORDS:
            word = stripped.split()[0]
            raise DockerfileSyntaxError(
                f"unknown instruction {word!r}", i + 1, len(line) - len(line.lstrip()) + 1
            )
        keyword = match[2].upper()
        keyword_span = Span.of(i + 1, match.start(2) + 1, i + 1, match.end(2) + 1)
        parts: list[str] = []
        segments: list[Segment] = []
        offset = 0
        piece_start = match.end()
        last_line, last_col = i + 1, match.end(2) + 1
        while True:
            piece = lines[i][piece_start:]
            body = piece.rstrip()
            continued = body.endswith(escape) and not body.endswith(escape * 2)
            if continued:
                body = body[:-1]
            if body:
                segments.append(Segment(offset, i + 1, piece_start + 1, len(body)))
                parts.append(body)
                offset += len(body)
                if body.strip():
                    last_line, last_col = i + 1, piece_start + len(body.rstrip()) + 1
            i += 1
            if not continued:
                break
            while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                if lines[i].strip():
                    col = lines[i].index("#") + 1
                    comments.append(
                        Comment(
                            lines[i].strip(), Span.of(i + 1, col, i + 1, len(lines[i].rstrip()) + 1)
                        )
                    )
                i += 1
            if i >= len(lines):
                break
            piece_start = 0
        value = "".join(parts)
        heredocs: list[Heredoc] = []
        if keyword in ("RUN", "COPY", "ADD"):
            for doc in HEREDOC.finditer(value):
                body_start = i
                strip = doc[1] == "-"
                while i < len(lines) and (lines[i].lstrip("\t") if strip else lines[i]) != doc[3]:
                    i += 1
                if i >= len(lines):
                    raise DockerfileSyntaxError(
                        f"heredoc <<{doc[3]} is never closed", keyword_span.start.line
                    )
                body = [ln.lstrip("\t") if strip else ln for ln in lines[body_start:i]]
                heredocs.append(Heredoc(doc[3], "\n".join(body) + "\n", body_start + 1, strip))
                last_line, last_col = i + 1, len(lines[i]) + 1
                i += 1
        raws.append(
            _Raw(
                keyword,
                value,
                Span(keyword_span.start, Position(last_line, last_col)),
                keyword_span,
                tuple(segments),
                tuple(heredocs),
            )
        )
    return raws, comments


def _assemble(path, text, directives, escape, raws, comments) -> Dockerfile:
    instructions: list[Instruction] = []
    global_args: list[Instruction] = []
    global_values: dict[str, str | None] = {}
    variables: dict[str, str | None] = {}
    stage_info: list[tuple[Instruction, ImageRef, bool, str | None, int | None]] = []
    stage_env: list[dict[str, str | None]] = []

    def close_stage() -> None:
        if stage_info:
            stage_env.append({k: v for k, v in variables.items()})

    for index, raw in enumerate(raws):
        stage_index = len(stage_info) - 1
        inst = Instruction(
            raw.keyword,
            raw.value,
            raw.span,
            raw.keyword_span,
            raw.segments,
            index,
            stage_index if raw.keyword != "FROM" else stage_index + 1,
            raw.heredocs,
            dict(variables if stage_info else global_values),
        )
        if raw.keyword == "FROM":
            close_stage()
            words = inst.arguments
            if not words:
                raise DockerfileSyntaxError("FROM needs an image", inst.span.start.line)
            image = substitute(words[0].text, global_values)
            name = None
            if len(words) >= 3 and words[1].text.lower() == "as":
                name = words[2].text.lower()
            elif len(words) > 1:
                raise DockerfileSyntaxError(
                    "FROM takes an image and optionally 'AS name'", inst.span.start.line
                )
            parent = next(
                (n for n, info in enumerate(stage_info) if info[3] == image.text.lower()), None
            )
            stage_info.append((inst, ImageRef.parse(image.text), image.complete, name, parent))
            variables = dict(stage_env[parent]) if parent is not None else {}
        elif not stage_info:
            if raw.keyword != "ARG":
                raise DockerfileSyntaxError(
                    f"{raw.keyword} before the first FROM (only ARG may come first)",
                    raw.span.start.line,
                    raw.keyword_span.start.column,
                )
            global_args.append(inst)
            _declare_args(inst, global_values, global_values)
        elif raw.keyword == "ARG":
            _declare_args(inst, variables, global_values)
        elif raw.keyword == "ENV":
            _declare_env(inst, variables)
        instructions.append(inst)
    if not stage_info:
        raise DockerfileSyntaxError("no FROM instruction", max(1, len(text.splitlines())))
    final = len(stage_info) - 1
    built = tuple(
        Stage(
            n,
            info[3],
            info[0],
            info[1],
            info[2],
            info[4],
            tuple(i for i in instructions if i.stage_index == n),
            n == final,
        )
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
    inst: Instruction, scope: dict[str, str | None], global_values: dict[str, str | None]
) -> None:
    """``ARG a=1 b``: a default, or the global default re-declared inside a stage."""
    for name, default in inst.assignments:
        if default is not None:
            scope[name] = substitute(default, scope).text
        else:
            scope[name] = global_values.get(name)


def _declare_env(inst: Instruction, scope: dict[str, str | None]) -> None:
    """``ENV a=1 b=2`` or the legacy ``ENV key value with spaces``."""
    for name, value in inst.assignments:
        scope[name] = substitute(value or "", scope).text
