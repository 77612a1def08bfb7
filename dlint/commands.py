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
    if start is None:
        return None
    # General options may come before the subcommand: `pip --python /venv/bin/python install`.
    general = start
    while start < len(argv) and argv[start].startswith("-"):
        start += 2 if argv[start] in PIP_VALUE_OPTIONS else 1
    if start >= len(argv) or argv[start] != "install":
        return None
    packages, requirements, constraints, editables, options = [], [], [], [], set()
    words = command.words[general:start] + command.words[start + 1 :]
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


def apt_install(command: Command) -> AptInstall | None:
    """Recognise ``apt-get install`` and ``apt install`` (with options before or after)."""
    found = _package_command(command, ("apt-get", "apt"), ("install",), APT_VALUE_OPTIONS)
    if found is None:
        return None
    verb, packages, options = found
    return AptInstall(command, packages, options, verb)


def _package_command(
    command: Command, programs: tuple[str, ...], verbs: tuple[str, ...], value_options: frozenset
) -> tuple[Word, tuple[Word, ...], frozenset[str]] | None:
    """Split ``program [options] verb [options] packages`` into verb, packages and options.

    The value of an option that takes one (``-o X``, ``--virtual NAME``) is kept among the
    options, never taken for a package. None when the program or the verb differs.
    """
    argv = command.argv
    if not argv or _basename(argv[0]) not in programs:
        return None
    packages: list[Word] = []
    options: set[str] = set()
    verb: Word | None = None
    words = command.words[1:]
    i = 0
    while i < len(words):
        text = words[i].text
        if text.startswith("-"):
            options.add(text)
            if text in value_options and i + 1 < len(words):
                options.add(words[i + 1].text)
                i += 1
        elif verb is None:
            if text not in verbs:
                return None
            verb = words[i]
        else:
            packages.append(words[i])
        i += 1
    if verb is None:
        return None
    return verb, tuple(packages), frozenset(options)


def apt_installs(instruction: Instruction) -> list[AptInstall]:
    """Every apt install in one ``RUN``."""
    return [a for a in map(apt_install, instruction.commands) if a is not None]


SYSTEM_MANAGERS = {
    "apt-get": ("apt-get", "apt"),
    "apk": ("apk",),
    "dnf": ("dnf", "yum", "microdnf", "tdnf"),
}
SYSTEM_VALUE_OPTIONS = {
    "apt-get": APT_VALUE_OPTIONS,
    "apk": frozenset(["-t", "--virtual", "-X", "--repository", "-p", "--root", "--arch"]),
    "dnf": frozenset(["-x", "--exclude", "--repo", "--enablerepo", "--disablerepo", "-c"]),
}
SYSTEM_INSTALL_VERBS = ("install", "add")
SYSTEM_REMOVE_VERBS = ("remove", "purge", "del", "erase", "autoremove")


@dataclass(frozen=True)
class SystemPackages:
    """A system package manager command (apt-get/apt, apk, dnf/yum/microdnf) that adds or
    removes packages; ``manager`` is ``apt-get``, ``apk`` or ``dnf``."""

    command: Command
    manager: str
    verb: Word
    packages: tuple[Word, ...]
    options: frozenset[str]

    @property
    def installs(self) -> bool:
        """True for ``install``/``add``, False for a removal."""
        return self.verb.text in SYSTEM_INSTALL_VERBS


def system_packages(instruction: Instruction) -> list[SystemPackages]:
    """Every system package install or removal in one ``RUN``, in order."""
    found = []
    for command in instruction.commands:
        for manager, programs in SYSTEM_MANAGERS.items():
            verbs = SYSTEM_INSTALL_VERBS + SYSTEM_REMOVE_VERBS
            parts = _package_command(command, programs, verbs, SYSTEM_VALUE_OPTIONS[manager])
            if parts is not None:
                found.append(SystemPackages(command, manager, *parts))
    return found
