"""What the shell rules share: the ``SHELL`` a ``RUN`` runs under, and its options.

Docker runs a shell-form ``RUN`` as ``SHELL`` + the script; ``SHELL`` is set per stage and
inherited by the stages built ``FROM`` it (``["/bin/sh", "-c"]`` when none is set).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dlint import regex
from dlint.finding import Span
from dlint.model import Build, Command, Dockerfile, Heredoc, Instruction, Word, kept
from dlint.records import dataclass

DEFAULT_SHELL = ("/bin/sh", "-c")
# Shells whose scripts are not POSIX shell: ShellCheck and the pipe rules leave them alone.
NON_POSIX = frozenset({"pwsh", "powershell", "cmd", "cmd.exe", "powershell.exe", "pwsh.exe"})
PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ksh", "mksh", "ash", "busybox"})


def shell_of(build: Build, run: Instruction) -> tuple[str, ...]:
    """The ``SHELL`` argv in effect for ``run`` (its stage first, then the stages above)."""
    dockerfile = build.dockerfile
    if not dockerfile.of("SHELL"):
        return DEFAULT_SHELL  # most files set none: no stage to walk
    stage = dockerfile.stages[run.stage_index]
    for current in dockerfile.lineage(stage):
        # The stage's SHELLs only: scanning every instruction per RUN is quadratic.
        shells = [i for i in current.of("SHELL") if current is not stage or i.index < run.index]
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


Locate = Callable[[int, int], Span]


def texts(run: Instruction) -> tuple[tuple[str, Locate], ...]:
    """The script texts of ``run`` with a way to place offsets: the value, each heredoc."""
    if not run.heredocs:  # most RUNs
        return ((run.value, run.locate),)
    return ((run.value, run.locate), *((doc.body, _placer(doc)) for doc in run.heredocs))


def _placer(doc: Heredoc) -> Locate:
    """Where offsets of a heredoc's body are in the file."""

    def locate(start: int, end: int) -> Span:
        return Span(doc.place(start), doc.place(end))

    return locate


# ``NAME=value`` as a shell statement or prefix (``export``, ``ENV``-like lines in scripts).
ASSIGNMENT = regex.compile(
    r"(?:^|(?<=[\s;&|(]))(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|)]*)"
)


@dataclass(frozen=True)
class Setting:
    """A variable set by ``ENV``, ``ARG`` or a statement of a ``RUN``, and where."""

    name: str
    value: str
    word: Word
    """The assignment as written; its place is worked out when :attr:`span` is read."""

    @property
    def span(self) -> Span:
        """Where the variable is set."""
        return self.word.span


def settings(build: Build) -> tuple[Setting, ...]:
    """Every variable assignment of the Dockerfile: ``ENV``/``ARG`` and inside ``RUN``s.

    Several rules ask; the answer is kept on the (immutable) Dockerfile.
    """
    return kept(build.dockerfile, _SETTINGS_KEY, lambda: tuple(_settings(build.dockerfile)))


_SETTINGS_KEY = "_dlint_shell_settings"


def _settings(dockerfile: Dockerfile) -> Iterator[Setting]:
    for instruction in (*dockerfile.global_args, *dockerfile.of("ENV", "ARG")):
        words = instruction.arguments
        if instruction.keyword == "ENV" and words and "=" not in words[0].text:
            value = instruction.assignments[0][1] or ""
            yield Setting(words[0].text, value, words[0])
            continue
        for word in words:
            name, sep, value = word.text.partition("=")
            if sep:
                yield Setting(name, value, word)
    for run in dockerfile.of("RUN"):
        for text, locate in texts(run):
            if "=" not in text:  # no assignment (the search is slow on long scripts)
                continue
            for match in ASSIGNMENT.finditer(text):
                value = match[2].strip("\"'")
                written = match[0]
                yield Setting(
                    match[1], value, Word(written, written, None, True, locate, *match.span())
                )
