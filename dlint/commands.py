"""Recognise package-manager commands inside ``RUN``: pip (and friends) and apt.

Shared by the rules and by the loader (which follows ``pip install -r FILE`` into the
context), so that every rule agrees on what counts as an install.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dlint.model import Command, Instruction, Word

PIP_VALUE_OPTIONS = frozenset(
    [
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--src",
        "--upgrade-strategy",
        "--cache-dir",
        "--trusted-host",
        "--global-option",
        "-C",
        "--config-settings",
        "--only-binary",
        "--no-binary",
        "--report",
        "--log",
        "--timeout",
        "--retries",
        "--proxy",
        "--progress-bar",
        "--python",
        "--cert",
        "--client-cert",
        "--exists-action",
        "--build-option",
        "--use-feature",
        "--group",
        "-p",
    ]
)
PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
PIP = re.compile(r"^pip(\d(\.\d+)?)?$")


@dataclass(frozen=True)
class PipInstall:
    """A ``pip install`` (or ``uv pip install``) command and what it installs."""

    command: Command
    packages: tuple[Word, ...]
    requirement_files: tuple[Word, ...]
    constraint_files: tuple[Word, ...]
    editables: tuple[Word, ...]
    options: frozenset[str]

    def has_option(self, *names: str) -> bool:
        """True when any of the ``--options`` is given."""
        return any(n in self.options for n in names)


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def pip_install(command: Command) -> PipInstall | None:
    """Recognise ``pip install``, ``pip3 install``, ``python -m pip install``, ``uv pip install``.

    Returns None for any other command.
    """
    argv = command.argv
    start = _pip_subcommand_index(argv)
    if start is None or start >= len(command.words) or argv[start] != "install":
        return None
    packages, requirements, constraints, editables, options = [], [], [], [], set()
    words = command.words[start + 1 :]
    i = 0
    while i < len(words):
        text = words[i].text
        name, eq, inline = text.partition("=") if text.startswith("--") else (text, "", "")
        if text.startswith("-") and len(text) > 1:
            options.add(name)
            value = None
            if name in PIP_VALUE_OPTIONS and not eq:
                value = words[i + 1] if i + 1 < len(words) else None
                i += 1
            elif eq:
                value = Word(inline, words[i].raw, words[i].span)
            elif len(text) > 2 and text[:2] in ("-r", "-c", "-e") and not text.startswith("--"):
                value = Word(text[2:], words[i].raw, words[i].span)
                options.add(text[:2])
                name = text[:2]
            if value is not None:
                if name in ("-r", "--requirement"):
                    requirements.append(value)
                elif name in ("-c", "--constraint"):
                    constraints.append(value)
                elif name in ("-e", "--editable"):
                    editables.append(value)
        else:
            packages.append(words[i])
        i += 1
    return PipInstall(
        command,
        tuple(packages),
        tuple(requirements),
        tuple(constraints),
        tuple(editables),
        frozenset(options),
    )


def _pip_subcommand_index(argv: list[str]) -> int | None:
    """Index of pip's subcommand in ``argv``, or None when this is not pip."""
    if not argv:
        return None
    program = _basename(argv[0])
    if PIP.match(program):
        return 1
    if program == "uv" and argv[1:2] == ["pip"]:
        return 2
    if PYTHON.match(program):
        for i, arg in enumerate(argv[1:-1], start=1):
            if arg == "-m" and argv[i + 1] == "pip":
                return i + 2
    return None


def pip_installs(instruction: Instruction) -> list[PipInstall]:
    """Every pip install in one ``RUN``."""
    return [p for p in map(pip_install, instruction.commands) if p is not None]


APT_VALUE_OPTIONS = frozenset(["-o", "-t", "-c", "--option", "--target-release", "--config-file"])


@dataclass(frozen=True)
class AptInstall:
    """An ``apt-get install`` / ``apt install`` command."""

    command: Command
    packages: tuple[Word, ...]
    options: frozenset[str]
    install_word: Word

    def has_option(self, *names: str) -> bool:
        """True when one of the options is given (``-o`` values count as options too)."""
        return any(n in self.options for n in names)


def apt_install(command: Command) -> AptInstall | None:
    """Recognise ``apt-get install`` and ``apt install`` (with options before or after)."""
    argv = command.argv
    if not argv or _basename(argv[0]) not in ("apt-get", "apt"):
        return None
    packages: list[Word] = []
    options: set[str] = set()
    install: Word | None = None
    words = command.words[1:]
    i = 0
    while i < len(words):
        text = words[i].text
        if text.startswith("-"):
            options.add(text)
            if text in APT_VALUE_OPTIONS and i + 1 < len(words):
                options.add(words[i + 1].text)
                i += 1
        elif install is None:
            if text != "install":
                return None
            install = words[i]
        else:
            packages.append(words[i])
        i += 1
    if install is None:
        return None
    return AptInstall(command, tuple(packages), frozenset(options), install)


def apt_installs(instruction: Instruction) -> list[AptInstall]:
    """Every apt install in one ``RUN``."""
    return [a for a in map(apt_install, instruction.commands) if a is not None]
