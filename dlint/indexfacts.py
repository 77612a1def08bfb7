"""What the package index resolves a build's Python requirements to, for fixes that pin them.

``dlint check --fix --unsafe-fixes --from-index`` lets the pin fixes ask pip's own
resolver what the image's ``pip install`` would install today: the requirements go to
``pip install --dry-run --report`` for the Python version, C library and architecture of
the stage's base image, wheels only, and the versions in the report become pins or a
constraints file. The answer is what the build would fetch on the day it is asked: a
real resolution, not a guess, but nobody has tested it yet, so only unsafe fixes use it
(``dlint test --verify-fixes --unsafe-fixes`` builds and tests it).

As with the engine (``dlint.enginefacts``), nothing is asked unless the run opened
:func:`asking`: never by default, in the language server or in a hook. Every question is
time-bounded (``CALL_SECONDS`` each, ``BUDGET_SECONDS`` for the run), answered once per
run, and any failure (no pip, no network, a package with no wheel for the target, a
timeout) is no answer: no fix and one note on stderr. Requirements are passed to pip as
arguments, never as files, so pip reads nothing dlint did not read itself; pip runs with
this machine's pip configuration (its index, certificates, proxy), minus the environment
variables that would change what it resolves (``PIP_CONSTRAINT``, ``PIP_PRE``, ...).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dlint import regex
from dlint.records import dataclass
from dlint.requirements import canonical_name

if TYPE_CHECKING:
    from dlint.model import Build

CALL_SECONDS = 60.0
BUDGET_SECONDS = 180.0
VERSION = regex.compile(r"[0-9][A-Za-z0-9.+!_-]{0,60}")
NAME = regex.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,100}[A-Za-z0-9])?")
# Settings that change what pip resolves rather than where it fetches from.
RESOLVING_ENV = (
    *("PIP_CONSTRAINT", "PIP_REQUIREMENT", "PIP_PRE", "PIP_NO_DEPS", "PIP_ONLY_BINARY"),
    *("PIP_NO_BINARY", "PIP_TARGET", "PIP_PREFIX", "PIP_USER", "PIP_REQUIRE_HASHES"),
    *("PIP_UPGRADE", "PIP_UPGRADE_STRATEGY", "PIP_EDITABLE", "PIP_ROOT", "PIP_SRC"),
)
# The C library of a Python base image by its Debian release (the glibc it ships).
GLIBC = {"buster": 28, "bullseye": 31, "bookworm": 36, "trixie": 41}
DEFAULT_GLIBC = 36
PYTHON_TAG = regex.compile(
    r"(3\.[0-9]{1,2})(?:\.[0-9]{1,3})?(?:[a-z][a-z0-9]*)?"
    r"(?:-(?:slim-?|alpine(3\.[0-9]{1,2})?-?)?(buster|bullseye|bookworm|trixie)?)?"
)
PYTHON_IMAGES = frozenset({"python", "library/python", "docker.io/library/python"})
ENGINE_PLATFORM_ARGS = frozenset({"BUILDPLATFORM", "TARGETPLATFORM"})
ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


@dataclass(frozen=True)
class PythonTarget:
    """The interpreter and platform a ``pip install`` in the image runs on."""

    python: str
    """``3.11``."""
    platforms: tuple[str, ...]
    """Wheel platform tags it accepts (``manylinux_2_36_x86_64`` and below)."""
    label: str
    """``Python 3.11, linux x86_64 (glibc 2.36)``, for messages and the lock's header."""


def python_target(image: str, tag: str | None, platform_flag: str | None) -> PythonTarget | None:
    """The target of the official ``python`` image ``image:tag``; None for other images
    (their Python is whatever they install) and for tags that do not name a version."""
    if image not in PYTHON_IMAGES or not tag:
        return None
    match = PYTHON_TAG.fullmatch(tag)
    if match is None:
        return None
    machine = platform_flag.rpartition("/")[2] if platform_flag else os.uname().machine
    arch = ARCHES.get(machine.lower())
    if arch is None:
        return None
    if "alpine" in tag:
        tags = tuple(f"musllinux_1_{n}_{arch}" for n in (2, 1))
        return PythonTarget(match[1], tags, f"Python {match[1]}, linux {arch} (musl)")
    glibc = GLIBC.get(match[3] or "", DEFAULT_GLIBC)
    tags = tuple(f"manylinux_2_{n}_{arch}" for n in range(glibc, 16, -1))
    tags += (f"manylinux2014_{arch}",)
    if arch == "x86_64":
        tags += ("manylinux2010_x86_64", "manylinux1_x86_64")
    return PythonTarget(match[1], tags, f"Python {match[1]}, linux {arch} (glibc 2.{glibc})")


class Index:
    """The questions a run may ask the package index, each answered once and in time."""

    def __init__(self, budget: float = BUDGET_SECONDS) -> None:
        self.deadline = time.monotonic() + budget
        self.answered: bool | None = None
        """None: never asked; False: asked, and some question got no answer."""
        self._resolved: dict[tuple[tuple[str, ...], PythonTarget], dict[str, str] | None] = {}

    def resolve(self, requirements: Sequence[str], target: PythonTarget) -> dict[str, str] | None:
        """Canonical name -> version of everything ``pip install REQUIREMENTS`` installs on
        ``target`` today (dependencies included); None when pip could not say."""
        key = (tuple(sorted(set(requirements))), target)
        if key not in self._resolved:
            found = self._ask(key[0], target) if key[0] else None
            if found is None:
                self.answered = False
            elif self.answered is None:
                self.answered = True
            self._resolved[key] = found
        return self._resolved[key]

    def _ask(self, requirements: tuple[str, ...], target: PythonTarget) -> dict[str, str] | None:
        # Only a run that asks the index pays for these (the lint path never imports them).
        import json
        import shutil
        import subprocess
        import tempfile

        left = min(CALL_SECONDS, self.deadline - time.monotonic())
        if left <= 0:
            return None
        folder = tempfile.mkdtemp(prefix="dlint-index-")
        report = os.path.join(folder, "report.json")
        args = [
            *(sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"),
            *("--quiet", "--no-input", "--disable-pip-version-check", "--report", report),
            *("--target", os.path.join(folder, "never-written"), "--only-binary=:all:"),
            *("--python-version", target.python, "--implementation", "cp"),
        ]
        for tag in target.platforms:
            args += ["--platform", tag]
        env = {k: v for k, v in os.environ.items() if k not in RESOLVING_ENV}
        try:
            done = subprocess.run(
                [*args, *requirements],
                capture_output=True,
                timeout=left,
                stdin=subprocess.DEVNULL,
                env=env,
            )
            if done.returncode != 0:
                return None
            with open(report, encoding="utf-8") as stream:
                return parse_report(json.load(stream))
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return None
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def parse_report(data: object) -> dict[str, str] | None:
    """Canonical name -> version of what a ``pip install --report`` installs."""
    if not isinstance(data, dict) or not isinstance(data.get("install"), list):
        return None
    found = {}
    for item in data["install"]:
        metadata = item.get("metadata") if isinstance(item, dict) else None
        if not isinstance(metadata, dict):
            return None
        name, version = metadata.get("name"), metadata.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            return None
        if not NAME.fullmatch(name) or not VERSION.fullmatch(version):
            return None
        found[canonical_name(name)] = version
    return found


_current: Index | None = None


def current() -> Index | None:
    """The index of the run that asked for it (``--from-index``), else None."""
    return _current


@contextmanager
def asking(index: Index | None = None) -> Iterator[Index]:
    """Let the builds checked inside ask ``index`` (by default the one pip is configured
    with, within ``BUDGET_SECONDS`` in all)."""
    global _current
    previous, _current = _current, index or Index()
    try:
        yield _current
    finally:
        _current = previous


def stage_target(build: Build, stage_index: int) -> PythonTarget | None:
    """The Python that a ``pip install`` in stage ``stage_index`` runs, when its base image
    (through the stages it is built ``FROM``) is an official ``python`` image."""
    dockerfile = build.dockerfile
    root = dockerfile.lineage(dockerfile.stages[stage_index])[-1]
    if not root.base_resolved or root.parent_stage is not None:
        return None
    if root.base.registry not in (None, "docker.io", "index.docker.io"):
        return None
    flag = root.from_instruction.flag("platform")
    if flag is not None:
        resolved = root.from_instruction.resolve(flag)
        # The platform arguments BuildKit sets are the engine's own (this machine's).
        if set(resolved.unresolved) - ENGINE_PLATFORM_ARGS or "$" in resolved.text:
            return None
        flag = resolved.text or None
    return python_target(root.base.name, root.base.tag, flag)
