"""Helpers shared by dlint's tests (imported by name; conftest.py only holds fixtures)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import NoReturn

from dlint.enginefacts import AptPolicy, Engine, ImageFacts
from dlint.indexfacts import Index, PythonTarget

REPO = Path(__file__).resolve().parent.parent


def require(message: str) -> NoReturn:
    """Skip the test, or fail it where everything must run (``DLINT_REQUIRE_DOCKER=1``,
    as in CI): for an engine, a browser or a builder the machine lacks."""
    import os

    import pytest

    if os.environ.get("DLINT_REQUIRE_DOCKER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def run_dlint(*args: str, cwd: Path | None = None, stdin: str | bytes | None = None):
    """Run the installed ``dlint`` as a user would (``python -m dlint``), capturing output."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "dlint", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def case_engine(case: dict) -> Iterator[None]:
    """Run a rule case with the engine answers its ``engine:`` key records, as if
    ``--from-engine`` had asked a Docker engine that gave them (none: no engine at all).

    ``engine: {images: {REF: {env: {K: V}, digests: [NAME@sha256:...]}}, apt: {REF: {PKG:
    [installed, candidate]}}}``. tests/test_engine_facts.py asks a real engine.
    """
    answers = case.get("engine")
    resolutions = case.get("index")
    from dlint.enginefacts import asking
    from dlint.indexfacts import asking as asking_index

    with ExitStack() as stack:
        if answers:
            stack.enter_context(asking(RecordedEngine(answers)))
        if resolutions:
            stack.enter_context(asking_index(RecordedIndex(resolutions)))
        yield


class RecordedIndex(Index):
    """A package index that answers from a case's ``index:`` record, as if
    ``--from-index`` had asked pip: a list of ``{requires: [SPEC, ...], installs: {NAME:
    VERSION}}``, matched on the set of requirements asked (anything else: no answer).
    tests/test_index_facts.py asks the real resolver."""

    def __init__(self, resolutions: list[dict]) -> None:
        super().__init__()
        self.resolutions = resolutions

    def _ask(self, requirements: tuple[str, ...], target: PythonTarget) -> dict[str, str] | None:
        for resolution in self.resolutions:
            if sorted(resolution["requires"]) == list(requirements):
                return dict(resolution["installs"])
        return None


class RecordedEngine(Engine):
    """An engine that answers from a case's record instead of the docker CLI."""

    def __init__(self, answers: dict) -> None:
        super().__init__()
        self.answers = answers

    def _docker(self, *args: str, seconds: float) -> str | None:
        raise AssertionError(f"a recorded engine runs no docker command: {args}")

    def image(self, reference: str) -> ImageFacts | None:
        image = (self.answers.get("images") or {}).get(reference)
        if image is None and reference not in (self.answers.get("apt") or {}):
            return None
        image = image or {}
        return ImageFacts(image.get("env") or {}, tuple(image.get("digests") or ()))

    def _run_policy(self, reference: str, names: list[str]) -> dict[str, AptPolicy]:
        recorded = (self.answers.get("apt") or {}).get(reference) or {}
        return {n: AptPolicy(*recorded[n]) for n in names if n in recorded}
