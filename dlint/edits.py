"""Building blocks for the fixes rules offer: exec-form arrays, new lines, removed lines.

Rules build their :class:`~dlint.finding.Fix` from these so that every fix writes the same
way: JSON arrays as Docker reads them, new instructions with the indentation of the line
they join, line endings left to the fixer (it writes ``\\r\\n`` into a CRLF file).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from dlint import regex
from dlint.finding import Edit, Position, Span
from dlint.model import Dockerfile, Instruction
from dlint.parse import split_lines

# A word the shell passes on as written: no quoting, expansion, glob, redirection or
# operator (and no leading '~', which the shell expands, or '#', which starts a comment).
PLAIN = regex.compile(r"[A-Za-z0-9_./:=@%+,^-][A-Za-z0-9_./:=@%+,^~-]*")
# A quoted word whose quotes are the shell's only work: nothing expands inside.
SINGLE_QUOTED = regex.compile(r"'([^']*)'")
DOUBLE_QUOTED = regex.compile(r'"([^"$`\\!]*)"')


def plain_words(command: str) -> list[str] | None:
    """The words ``sh -c command`` would run, when the shell does nothing but split them.

    None when the command uses a shell feature (a variable, a glob, a pipe, ``&&``, a
    redirection, a backslash, a comment...): then only a shell runs it as written.
    """
    words = []
    for raw in command.split():
        match = PLAIN.fullmatch(raw) or SINGLE_QUOTED.fullmatch(raw) or DOUBLE_QUOTED.fullmatch(raw)
        if match is None:
            return None
        words.append(match.group(1) if match.groups() else raw)
    return words or None


def exec_array(words: Sequence[str]) -> str:
    """``["a", "b"]``: the JSON array of an exec-form instruction."""
    return json.dumps(list(words), ensure_ascii=False)


def line_text(dockerfile: Dockerfile, line: int) -> str:
    """The text of ``line`` (1-based), without its line ending."""
    return split_lines(dockerfile.text)[line - 1].removesuffix("\r")


def indentation(dockerfile: Dockerfile, instruction: Instruction) -> str:
    """The whitespace before ``instruction``'s keyword on its line."""
    text = line_text(dockerfile, instruction.span.start.line)
    return text[: len(text) - len(text.lstrip())]


def insert_before(
    dockerfile: Dockerfile,
    instruction: Instruction,
    lines: Sequence[str],
    verbatim: Sequence[str] = (),
) -> Edit:
    """An edit putting ``lines`` (instructions, indented as ``instruction`` is) and then
    ``verbatim`` (lines as written elsewhere in the file) just above ``instruction``."""
    indent = indentation(dockerfile, instruction)
    start = Position(instruction.span.start.line, 1)
    text = "".join(f"{indent}{line}\n" for line in lines) + "".join(f"{v}\n" for v in verbatim)
    return Edit(Span(start, start), text)


def insert_after(dockerfile: Dockerfile, instruction: Instruction, lines: Sequence[str]) -> Edit:
    """An edit putting ``lines`` on their own lines just below ``instruction``."""
    indent = indentation(dockerfile, instruction)
    line = instruction.span.end.line  # its heredocs included
    end = Position(line, len(line_text(dockerfile, line)) + 1)
    return Edit(Span(end, end), "".join(f"\n{indent}{text}" for text in lines))


def append_to_run(run: Instruction, command: str) -> Edit | None:
    """An edit adding `` && command`` at the end of ``run``'s shell script, so that it runs
    in the same layer after everything else; None for an exec-form ``RUN``, a heredoc, or
    a script whose end is an operator, a continuation or a comment (the command would
    join it, or be commented out)."""
    script = run.value.rstrip()
    if run.exec_form is not None or run.heredocs or not script or script[-1] in "&;|\\":
        return None
    if "#" in script.rsplit("\n", 1)[-1]:
        return None
    end = run.locate(len(script) - 1, len(script)).end
    return Edit(Span(end, end), f" && {command}")


def remove_lines(dockerfile: Dockerfile, first: int, last: int) -> Edit:
    """An edit removing whole lines ``first``..``last`` (1-based, inclusive) and their endings."""
    count = len(split_lines(dockerfile.text))
    if last < count:
        return Edit(Span.of(first, 1, last + 1, 1), "")
    if first == 1:
        return Edit(Span.of(1, 1, last, len(line_text(dockerfile, last)) + 1), "")
    # The last line of the file: remove the ending of the line before instead.
    before = len(line_text(dockerfile, first - 1)) + 1
    return Edit(Span.of(first - 1, before, last, len(line_text(dockerfile, last)) + 1), "")


def instruction_lines(dockerfile: Dockerfile, instruction: Instruction) -> list[str]:
    """The file's lines that ``instruction`` takes, as written (continuations, heredocs)."""
    lines = split_lines(dockerfile.text)
    first, last = instruction.span.start.line, instruction.span.end.line
    return [line.removesuffix("\r") for line in lines[first - 1 : last]]
