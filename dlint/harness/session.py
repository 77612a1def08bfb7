"""Drive pytest with the dlint plugin for one ``dlint test`` run and map its exit code."""

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dlint.harness import options, plugin
from dlint.harness.docker_ops import CannotRun
from dlint.harness.lab import Lab, new_run_id
from dlint.harness.spec import SpecError, find_spec, load_spec

__all__ = ["CannotRun", "run_checks"]


# Environment variables through which a user's pytest setup would reach into the run.
PYTEST_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


class Outcome:
    """A pytest plugin object that remembers the config, a Ctrl-C and what ran."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self.config: pytest.Config | None = None
        self.interrupted = False
        self.selected = 0
        self.passed = 0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Count the checks selected to run (after -k)."""
        self.selected = len(session.items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count the checks that ran to the end and passed."""
        if report.when == "call" and report.passed:
            self.passed += 1

    def pytest_configure(self, config: pytest.Config) -> None:
        """Keep the config to read the plugin's stash after the run."""
        self.config = config

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Tell a real Ctrl-C from pytest.exit, which pytest reports the same way."""
        self.interrupted = excinfo.type is KeyboardInterrupt

    @property
    def cannot_run(self) -> str | None:
        """The reason the plugin gave up before running checks, if it did."""
        if self.config is None:
            return None
        return self.config.stash.get(plugin.CANNOT_RUN_KEY, None)


def pytest_arguments(spec_path: Path, args: argparse.Namespace) -> list[str]:
    """Command line for pytest: only the spec, isolated from the user's pytest setup.

    The run's settings reach the plugin with its Lab (``plugin.GivenLab``); pytest gets
    its own options only (``-k``, ``-x``, ``-q``, ``--junit-xml``).
    """
    arguments = [str(spec_path), "-c", "/dev/null", "--rootdir", str(spec_path.parent)]
    # Isolated from the user's pytest setup: with PYTEST_DISABLE_PLUGIN_AUTOLOAD set (see
    # isolated_environment), only the plugins named here load: ours, under its module name.
    arguments += ["--noconftest", "-p", "no:cacheprovider", "-p", "no:dlint"]
    arguments += ["-p", "dlint.harness.plugin", "--assert=plain", "-rfEs"]
    arguments += [] if args.quiet else ["-v"]
    return arguments + options.pytest_arguments(args)


@contextmanager
def isolated_environment() -> Iterator[None]:
    """No PYTEST_ADDOPTS or PYTEST_PLUGINS, and no plugin autoloading, inside the block.

    ``PYTEST_ADDOPTS=--collect-only`` would otherwise make every run pass without
    building anything, and any installed plugin could change what runs.
    """
    names = (*PYTEST_ENVIRONMENT, "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    saved = {name: os.environ.get(name) for name in names}
    for name in PYTEST_ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def exit_code(code: int, outcome: Outcome) -> int:
    """0 or 1 from pytest's exit code; CannotRun or KeyboardInterrupt otherwise.

    0 only when every selected check ran and passed: a pass with checks that were
    skipped or never ran is "could not run".
    """
    if outcome.interrupted:
        raise KeyboardInterrupt
    if outcome.cannot_run:
        raise CannotRun(outcome.cannot_run)
    if code == pytest.ExitCode.OK and (outcome.selected == 0 or outcome.passed < outcome.selected):
        raise CannotRun(
            f"only {outcome.passed} of {outcome.selected} selected checks ran and passed"
        )
    if code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return int(code)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        raise CannotRun("no checks selected")
    raise CannotRun(f"pytest stopped with exit code {int(code)}")


def run_checks(directory: Path, args: argparse.Namespace, run_id: str | None = None) -> int:
    """Validate the spec, check the engine, run the checks; return 0 or 1 (raise otherwise).

    ``run_id`` labels what the run creates (a new one by default; ``--verify-fixes`` passes
    its own, so one label covers its builds and the checks). The run's Lab is made here,
    handed to the plugin, and closed when pytest returns, however it returns.
    """
    try:
        spec_path = find_spec(directory, Path(args.spec) if args.spec else None).resolve()
        spec = load_spec(spec_path, directory.resolve())
    except SpecError as error:
        raise CannotRun(str(error)) from None
    lab = Lab(spec, run_id or new_run_id(), options.from_arguments(args))
    lab.connect()
    outcome = Outcome()
    with lab:
        with isolated_environment():
            code = pytest.main(
                pytest_arguments(spec_path, args), plugins=[outcome, plugin.GivenLab(lab)]
            )
        return exit_code(code, outcome)
