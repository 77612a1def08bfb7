"""pytest plugin that turns a ``dlint test`` spec into pytest items.

Never registered as an entry point (it would load in every pytest run of every project
installed next to dlint): ``dlint test`` loads it with ``-p dlint.harness.plugin``, and a
project may do the same, or write ``pytest_plugins = ["dlint.harness.plugin"]`` in its
``conftest.py``. Every option is prefixed ``--dlint-`` so none can clash with a project's
own, and the plugin stays inert unless ``--dlint-spec`` is given (or ``dlint test`` hands
it the run's Lab: ``GivenLab``). The run's lifecycle is the Lab's (lab.py); the fixtures
open it, build, start the service, and close it in their teardown.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dlint.harness.lab import Lab, Service

LAB_KEY = pytest.StashKey["Lab"]()
CANNOT_RUN_KEY = pytest.StashKey[str]()
EXIT_CANNOT_RUN = 2


class GivenLab:
    """Hands the plugin the Lab ``dlint test`` made (spec loaded, engine reached), so the
    run has one Lab: the fixtures use it and ``dlint test`` closes it when pytest returns."""

    def __init__(self, lab: "Lab") -> None:
        """The Lab of this run."""
        self.lab = lab

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Put the Lab where the plugin's own ``pytest_configure`` finds it."""
        config.stash[LAB_KEY] = self.lab


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options of the dlint harness; nothing happens unless --dlint-spec is given."""
    from dlint.harness.options import OPTIONS

    group = parser.getgroup("dlint", "dlint container checks")
    for option in OPTIONS:
        if option.pytest is not None and option.in_plugin:
            group.addoption(option.pytest, dest=option.plugin_dest, **option.parse_keywords())


def pytest_configure(config: pytest.Config) -> None:
    """Make the run's Lab (unless ``dlint test`` gave one) and collect its spec."""
    lab = config.stash.get(LAB_KEY, None)
    if lab is None:
        lab = _lab_of_options(config)
        if lab is None:
            return
        config.stash[LAB_KEY] = lab
    settings = lab.settings
    reports = (settings.json, settings.markdown, settings.html)
    if any(reports) or os.environ.get("GITHUB_STEP_SUMMARY"):
        from dlint.harness.reports import Recorder

        config.pluginmanager.register(Recorder(config, *reports), "dlint-reports")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(lab.spec.path)]


def _lab_of_options(config: pytest.Config) -> "Lab | None":
    """The Lab the ``--dlint-*`` options describe; None without ``--dlint-spec``."""
    spec_option = config.getoption("dlint_spec", None)
    if not spec_option:
        return None
    from dlint.harness import options
    from dlint.harness.lab import Lab, new_run_id
    from dlint.harness.spec import SpecError, load_spec

    spec_path = Path(spec_option).resolve()
    context = Path(config.getoption("dlint_context") or spec_path.parent).resolve()
    try:
        spec = load_spec(spec_path, context)
    except SpecError as error:
        raise pytest.UsageError(str(error)) from None
    settings = options.settings(lambda option: config.getoption(option.plugin_dest))
    return Lab(spec, config.getoption("dlint_run_id") or new_run_id(), settings)


def pytest_report_header(config: pytest.Config) -> str | None:
    """Name the spec and run id at the top of the report."""
    lab = config.stash.get(LAB_KEY, None)
    if lab is None:
        return None
    return f"dlint: spec {lab.spec.path}, run {lab.run_id}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect the spec file of the run."""
    lab = parent.config.stash.get(LAB_KEY, None)
    if lab is None or file_path.resolve() != lab.spec.path:
        return None
    return SpecFile.from_parent(parent, path=file_path)


class CheckItem(pytest.Function):
    """One named check; a failed assertion reads as its message, not a traceback."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Show the reason of a failed check as one message.

        Any other exception (a request that timed out, an invalid ``json_schema``, a reset
        connection) fails only this check, named by its type and message and where it
        was raised; pytest's own ``repr_failure`` takes no ``style`` and is not called.
        """
        from dlint.harness.verdict import CheckFailed

        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return describe_error(excinfo)

    def reportinfo(self) -> tuple[Path, None, str]:
        """Point reports at the spec file."""
        return self.path, None, self.name


def describe_error(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """``could not finish: Type: message (at file:line)`` for an unexpected exception."""
    error = excinfo.value
    message = " ".join(str(error).split())[:500] or "(no message)"
    where = ""
    if excinfo.traceback:
        entry = excinfo.traceback[-1]
        where = f" (at {Path(entry.path).name}:{entry.lineno + 1})"
    return f"could not finish: {type(error).__name__}: {message}{where}"


class SpecFile(pytest.File):
    """The spec file: yields one item per check it declares."""

    def collect(self) -> Iterator[CheckItem]:
        """Items in run order: readiness, inside, HTTP contract, runtime proofs."""
        from dlint.harness import items

        for name, function in items.checks(self.config.stash[LAB_KEY].spec):
            yield CheckItem.from_parent(self, name=name, callobj=function)


def _cannot_run(config: pytest.Config, message: str) -> None:
    config.stash[CANNOT_RUN_KEY] = message
    pytest.exit(message, returncode=EXIT_CANNOT_RUN)


def _emitter(config: pytest.Config) -> Callable[[str], None]:
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:  # pytest without its terminal (-p no:terminal)
        from dlint.harness.lab import say

        return say

    def emit(line: str) -> None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(f"dlint: {line}")

    return emit


@pytest.fixture(scope="session")
def dlint_lab(request: pytest.FixtureRequest) -> Iterator["Lab"]:
    """The run's Lab, connected; its teardown removes everything labelled with the run id."""
    from dlint.harness.docker_ops import CannotRun

    config = request.config
    lab = config.stash[LAB_KEY]
    try:
        lab.open(_emitter(config))
    except CannotRun as error:
        _cannot_run(config, str(error))
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="session")
def dlint_image(dlint_lab: "Lab", request: pytest.FixtureRequest) -> "Lab":
    """Builds the image under test once per run."""
    from dlint.harness.docker_ops import CannotRun

    try:
        dlint_lab.build_image()
    except CannotRun as error:
        _cannot_run(request.config, str(error))
    return dlint_lab


@pytest.fixture(scope="session")
def dlint_service(dlint_image: "Lab") -> "Service":
    """Starts the image hardened and waits until it is ready (or records why not)."""
    return dlint_image.service()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Cold build, warm rebuild, image size and number of checks."""
    lab = config.stash.get(LAB_KEY, None)
    if lab is None or not lab.opened:
        return
    from dlint.harness.items import summary_lines

    terminalreporter.section("dlint summary")
    for line in summary_lines(lab, terminalreporter.stats):
        terminalreporter.write_line(line)
