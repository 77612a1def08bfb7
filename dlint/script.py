"""Shell scripts of ``RUN`` as simple commands, from a real shell grammar.

A rule needs to see ``pip install flask`` wherever the shell would run it: after ``if``,
``then``, ``do`` or ``else``, inside ``{ …; }``, ``( … )``, ``$(…)``, a pipeline, a
function, or the string of ``sh -c '…'``. A hand-written splitter misses those, so the
script is parsed with tree-sitter-bash (MIT; wheels for every platform; error-tolerant,
so a half-valid script still yields the commands it has) and walked into flat
:class:`ShellCommand` records. Every word keeps its character offsets in the text given
to :func:`parse_script`; the model maps them to Dockerfile lines and columns.

This module knows shell syntax only; what a command *means* (an install, a cleanup) is
for :mod:`dlint.commands`.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from dlint import regex
from dlint.records import dataclass, replace
from dlint.shell import unquote

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
# Programs that run the rest of their arguments as a command; their own options are skipped.
WRAPPERS = frozenset({"sudo", "env", "time", "exec", "nice", "nohup", "command", "builtin"})
WRAPPER_VALUE_OPTIONS = frozenset({"-u", "-g", "-n", "--user", "--group", "-C", "--chdir"})
ASSIGNMENT = regex.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
EXPANSIONS = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
    }
)
# Node types whose children are statements, and the label a command inside gets.
BLOCKS = {
    "subshell": "subshell",
    "compound_statement": "group",
    "function_definition": "function",
    "negated_command": "negated",
    "pipeline": "pipeline",
    "command_substitution": "$()",
    "process_substitution": "$()",
    "case_item": "case",
    "for_statement": "for",
    "c_style_for_statement": "for",
}


@dataclass(frozen=True)
class ShellWord:
    """A word of a command: ``text`` without quotes, expansions kept as written.

    ``start``/``end`` are character offsets into the parsed source. ``dynamic`` is True when
    the word holds an expansion or a command substitution; ``quoted`` when any part of it
    was quoted (an unquoted expansion is split into several words by the shell).
    """

    text: str
    raw: str
    start: int
    end: int
    dynamic: bool = False
    quoted: bool = False


@dataclass(frozen=True)
class ShellCommand:
    """One simple command: its words (program first), the assignments before it, and
    ``within``, the constructs around it from the outermost in (``if-condition``, ``if``,
    ``else``, ``for``, ``while``, ``||``, ``pipeline``, ``$()``, ``sh -c``…).

    A statement that only assigns variables (``A=1``, ``export A=1``) has no words.
    """

    words: tuple[ShellWord, ...]
    assignments: tuple[ShellWord, ...] = ()
    within: tuple[str, ...] = ()
    wrappers: tuple[ShellWord, ...] = ()
    """The ``sudo``, ``env``, ``exec``… words (and their options) before the program."""


@cache
def _parser() -> Parser:
    from tree_sitter import Language, Parser

    return Parser(Language(_bash_language()))


def _bash_language() -> Any:
    """The compiled bash grammar.

    ``tree_sitter_bash/__init__.py`` imports ``importlib.resources`` (which pulls in
    ``tempfile``, about 10 ms) only to offer highlight queries dlint never reads; loading
    its binding module directly keeps ``dlint check`` quick to start.
    """
    spec = importlib.util.find_spec("tree_sitter_bash")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            if name.startswith("_binding") and name.endswith(tuple(_extension_suffixes())):
                path = os.path.join(folder, name)
                loader = importlib.machinery.ExtensionFileLoader("tree_sitter_bash._binding", path)
                binding_spec = importlib.util.spec_from_loader(loader.name, loader)
                if binding_spec is None:
                    break
                module = importlib.util.module_from_spec(binding_spec)
                loader.exec_module(module)
                return module.language()
    import tree_sitter_bash  # a layout this shortcut does not know: the normal way

    return tree_sitter_bash.language()


def _extension_suffixes() -> list[str]:
    return importlib.machinery.EXTENSION_SUFFIXES


# A long Dockerfile says the same RUN many times (one per stage, one per service): the
# result holds offsets into ``source`` only, so equal scripts share one parse.
@lru_cache(maxsize=4096)
def parse_script(source: str) -> tuple[ShellCommand, ...]:
    """Every simple command of the shell script ``source``, in the order the shell starts
    them (the commands of a ``$(…)`` before the command that uses its output).

    ``sh -c 'script'`` strings are parsed too; their words point into the string when it
    maps character for character onto the source, else at the whole string.
    """
    if not source.strip():
        return ()
    data = source.encode("utf-8")
    tree = _parser().parse(data)
    walker = _Walker(source, data)
    walker.statement(tree.root_node, ())
    return tuple(walker.found)


class _Walker:
    """Collects simple commands from a tree-sitter-bash tree."""

    def __init__(self, source: str, data: bytes) -> None:
        self.source = source
        self.ascii = len(source) == len(data)
        self.found: list[ShellCommand] = []
        self._chars: list[int] | None = None

    def offset(self, byte: int) -> int:
        """Character offset of a byte offset (tree-sitter counts UTF-8 bytes)."""
        if self.ascii:
            return byte
        if self._chars is None:
            self._chars = []
            for index, char in enumerate(self.source):
                self._chars.extend([index] * len(char.encode("utf-8")))
            self._chars.append(len(self.source))
        return self._chars[min(byte, len(self._chars) - 1)]

    def raw(self, node: Node) -> tuple[str, int, int]:
        start, end = self.offset(node.start_byte), self.offset(node.end_byte)
        return self.source[start:end], start, end

    def statement(self, node: Node, within: tuple[str, ...]) -> None:
        """Walk a statement (or any node that may hold statements)."""
        kind = node.type
        if kind == "command":
            self.command(node, within)
        elif kind in ("variable_assignment", "declaration_command", "unset_command"):
            self.assignment(node, within)
        elif kind == "list":
            self.list(node, within)
        elif kind == "if_statement" or kind in ("elif_clause", "else_clause"):
            self.conditional(node, within)
        elif kind in ("while_statement", "until_statement"):
            self.loop(node, within)
        elif kind in BLOCKS:
            label = BLOCKS[kind]
            for child in node.named_children:
                if kind in ("for_statement", "c_style_for_statement") and child.type != "do_group":
                    self.substitutions(child, within)
                elif kind == "case_item" and node.child_by_field_name("value") == child:
                    continue
                else:
                    self.statement(child, (*within, label))
        elif kind in ("test_command", "heredoc_body", "comment", "file_redirect"):
            self.substitutions(node, within)
        else:
            for child in node.named_children:
                self.statement(child, within)

    def list(self, node: Node, within: tuple[str, ...]) -> None:
        """``a && b || c``: the command after ``||`` runs only when the one before fails."""
        after_or = False
        for child in node.children:
            if child.type == "||":
                after_or = True
            elif child.type == "&&":
                after_or = False
            elif child.is_named:
                self.statement(child, (*within, "||") if after_or else within)

    def conditional(self, node: Node, within: tuple[str, ...]) -> None:
        """``if``/``elif``: the condition, then the branch; ``else``: its branch."""
        label = "else" if node.type == "else_clause" else "if"
        condition = node.child_by_field_name("condition")
        in_condition = node.type != "else_clause"
        for child in node.children:
            if child.type in ("then", "fi", "if", "elif", "else", ";", "\n"):
                if child.type == "then":
                    in_condition = False
                continue
            if not child.is_named:
                continue
            if child.type in ("elif_clause", "else_clause"):
                self.statement(child, within)
            elif in_condition or child == condition:
                self.statement(child, (*within, "if-condition"))
            else:
                self.statement(child, (*within, label))

    def loop(self, node: Node, within: tuple[str, ...]) -> None:
        """``while``/``until``: the condition runs at least once, the body maybe never."""
        for child in node.named_children:
            label = "while" if child.type == "do_group" else "while-condition"
            self.statement(child, (*within, label))

    def assignment(self, node: Node, within: tuple[str, ...]) -> None:
        """``A=1``, ``export A=1 B``: a statement that only sets variables."""
        words = []
        targets = [node] if node.type == "variable_assignment" else node.named_children
        for child in targets:
            if child.type == "variable_assignment":
                words.append(self.word(child))
            self.substitutions(child, within)
        if words:
            self.found.append(ShellCommand((), tuple(words), within))

    def command(self, node: Node, within: tuple[str, ...]) -> None:
        """A simple command: assignments, the name, the arguments; redirections dropped."""
        assignments: list[ShellWord] = []
        words: list[ShellWord] = []
        for child in node.named_children:
            if child.type == "variable_assignment":
                assignments.append(self.word(child))
            elif child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                pass
            elif child.type == "command_name":
                words.append(self.word(child))
            else:
                words.append(self.word(child))
            self.substitutions(child, within)
        wrappers = _unwrap(words, assignments)
        if not words and not assignments:
            return
        self.found.append(ShellCommand(tuple(words), tuple(assignments), within, wrappers))
        script = _shell_string(words)
        if script is not None:
            self.nested(script, (*within, "sh -c"))

    def nested(self, word: ShellWord, within: tuple[str, ...]) -> None:
        """Parse the string of ``sh -c 'script'`` and place its words in this source."""
        inner = parse_script(word.text)
        linear = word.raw[1:-1] == word.text and word.raw[:1] in ("'", '"')
        base = word.start + 1

        def moved(w: ShellWord) -> ShellWord:
            if linear:
                return replace(w, start=base + w.start, end=base + w.end)
            return replace(w, start=word.start, end=word.end)

        for command in inner:
            self.found.append(
                ShellCommand(
                    tuple(map(moved, command.words)),
                    tuple(map(moved, command.assignments)),
                    (*within, *command.within),
                    tuple(map(moved, command.wrappers)),
                )
            )

    def substitutions(self, node: Node, within: tuple[str, ...]) -> None:
        """Commands inside ``$(…)``, backticks and ``<(…)`` at or below ``node``."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type in ("command_substitution", "process_substitution"):
                self.statement(current, within)
            else:
                stack.extend(reversed(current.named_children))

    def word(self, node: Node) -> ShellWord:
        raw, start, end = self.raw(node)
        dynamic = node.type in EXPANSIONS or _has_expansion(node)
        return ShellWord(unquote(raw), raw, start, end, dynamic, any(q in raw for q in "'\"\\"))


def _has_expansion(node: Node) -> bool:
    stack = list(node.named_children)
    while stack:
        child = stack.pop()
        if child.type in EXPANSIONS:
            return True
        stack.extend(child.named_children)
    return False


def _unwrap(words: list[ShellWord], assignments: list[ShellWord]) -> tuple[ShellWord, ...]:
    """Take ``sudo -E``, ``env A=1``, ``exec``… off the front of ``words`` (in place) so the
    real program comes first; return the words taken (``env``'s assignments move to
    ``assignments``)."""
    taken: list[ShellWord] = []
    while words and words[0].text.rsplit("/", 1)[-1] in WRAPPERS:
        taken.append(words.pop(0))
        wrapper = taken[-1].text.rsplit("/", 1)[-1]
        while words and (words[0].text.startswith("-") or ASSIGNMENT.match(words[0].text)):
            option = words.pop(0)
            if ASSIGNMENT.match(option.text) and wrapper == "env":
                assignments.append(option)
                continue
            taken.append(option)
            if option.text in WRAPPER_VALUE_OPTIONS and words:
                taken.append(words.pop(0))
    return tuple(taken)


def _shell_string(words: list[ShellWord]) -> ShellWord | None:
    """The script word of ``sh -c 'script'`` (``bash -ec``, ``sh -x -c`` too), if any."""
    if not words or words[0].text.rsplit("/", 1)[-1] not in SHELLS:
        return None
    for index, word in enumerate(words[1:], start=1):
        text = word.text
        if text.startswith("-") and not text.startswith("--") and "c" in text[1:]:
            return words[index + 1] if index + 1 < len(words) else None
        if not text.startswith("-"):
            return None
    return None
