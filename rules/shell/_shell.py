"""What the shell rules share: the ``SHELL`` a ``RUN`` runs under, and its options.

Docker runs a shell-form ``RUN`` as ``SHELL`` + the script; ``SHELL`` is set per stage and
inherited by the stages built ``FROM`` it (``["/bin/sh", "-c"]`` when none is set).
"""

from __future__ import annotations

from dlint.model import Build, Command, Instruction

DEFAULT_SHELL = ("/bin/sh", "-c")
# Shells whose scripts are not POSIX shell: ShellCheck and the pipe rules leave them alone.
NON_POSIX = frozenset({"pwsh", "powershell", "cmd", "cmd.exe", "powershell.exe", "pwsh.exe"})
PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ksh", "mksh", "ash", "busybox"})


def shell_of(build: Build, run: Instruction) -> tuple[str, ...]:
    """The ``SHELL`` argv in effect for ``run`` (its stage first, then the stages above)."""
    dockerfile = build.dockerfile
    stage = dockerfile.stages[run.stage_index]
    for current in dockerfile.lineage(stage):
        shells = [
            i
            for i in current.instructions
            if i.keyword == "SHELL" and (current is not stage or i.index < run.index)
        ]
        if shells and shells[-1].exec_form:
            return tuple(w.text for w in shells[-1].exec_form or ())
    return DEFAULT_SHELL


def program(argv: tuple[str, ...] | list[str]) -> str:
    """The base name of a shell's path: ``bash`` for ``/usr/bin/bash``."""
    return argv[0].rsplit("/", 1)[-1] if argv else ""


def sets_pipefail(argv: tuple[str, ...] | list[str]) -> bool:
    """True when options such as ``-o pipefail``, ``-eo pipefail``, ``-euxo pipefail`` are given."""
    return any(
        word == "pipefail"
        and index > 0
        and argv[index - 1].startswith("-")
        and argv[index - 1].endswith("o")
        for index, word in enumerate(argv)
    )


def shell_sets_pipefail(build: Build, run: Instruction) -> bool:
    """True when the ``SHELL`` of ``run`` is a shell that knows pipefail and turns it on."""
    shell = shell_of(build, run)
    return program(shell) in PIPEFAIL_SHELLS and sets_pipefail(shell)


def is_posix(build: Build, run: Instruction) -> bool:
    """False for ``RUN``s under PowerShell or cmd."""
    return program(shell_of(build, run)).lower() not in NON_POSIX


def script_sets_pipefail(commands: tuple[Command, ...], before: Command) -> bool:
    """True when ``set -o pipefail`` (or a shell started with it) runs before ``before``."""
    for command in commands:
        if command is before:
            return False
        if command.program in ("set", *PIPEFAIL_SHELLS) and sets_pipefail(command.argv):
            return True
    return False
