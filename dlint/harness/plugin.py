"""pytest plugin that turns a ``dlint test`` spec into pytest items.

Never registered as an entry point (it would load in every pytest run of every project
installed next to dlint): ``dlint test`` loads it with ``-p dlint.harness.plugin``, and a
project may do the same, or write ``pytest_plugins = ["dlint.harness.plugin"]`` in its
``conftest.py``. Every option is prefixed ``--dlint-`` so none can clash with a project's
own, and the plugin stays inert unless ``--dlint-spec`` is given.
"""

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dlint.harness.lab import Lab, Service
    from dlint.harness.spec import Spec  # noqa: F401  (named in a string annotation)

SPEC_KEY = pytest.StashKey["Spec"]()
RUN_ID_KEY = pytest.StashKey[str]()
LAB_KEY = pytest.StashKey["Lab"]()
CANNOT_RUN_KEY = pytest.StashKey[str]()
EXIT_CANNOT_RUN = 2


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options of the dlint harness; nothing happens unless --dlint-spec is given."""
    from dlint.harness.options import OPTIONS

    group = parser.getgroup("dlint", "dlint container checks")
    for option in OPTIONS:
        if option.in_plugin:
            group.addoption(option.pytest, dest=option.plugin_dest, **option.parse_keywords())


def pytest_configure(config: pytest.Config) -> None:
    """Load the spec when --dlint-spec is given and make it the collection target."""
    spec_option = config.getoption("dlint_spec", None)
    if not spec_option:
        return
    from dlint.harness.spec import SpecError, load_spec

    spec_path = Path(spec_option).resolve()
    context = Path(config.getoption("dlint_context") or spec_path.parent).resolve()
    try:
        config.stash[SPEC_KEY] = load_spec(spec_path, context)
    except SpecError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[RUN_ID_KEY] = config.getoption("dlint_run_id") or new_run_id()
    reports = [config.getoption(f"dlint_{kind}") for kind in ("json", "markdown", "html")]
    if any(reports) or os.environ.get("GITHUB_STEP_SUMMARY"):
        from dlint.harness.reports import Recorder

        config.pluginmanager.register(Recorder(config, *reports), "dlint-reports")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(spec_path)]


def new_run_id() -> str:
    """A fresh run id, used as the label value and image tag."""
    return f"dlint-{secrets.token_hex(4)}"


def pytest_report_header(config: pytest.Config) -> str | None:
    """Name the spec and run id at the top of the report."""
    if SPEC_KEY not in config.stash:
        return None
    return f"dlint: spec {config.stash[SPEC_KEY].path}, run {config.stash[RUN_ID_KEY]}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect the spec file given by --dlint-spec."""
    spec = parent.config.stash.get(SPEC_KEY, None)
    if spec is None or file_path.resolve() != spec.path:
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

        spec = self.config.stash[SPEC_KEY]
        for name, function in items.checks(spec):
            yield CheckItem.from_parent(self, name=name, callobj=function)


def _cannot_run(config: pytest.Config, message: str) -> None:
    config.stash[CANNOT_RUN_KEY] = message
    pytest.exit(message, returncode=EXIT_CANNOT_RUN)


def _emitter(config: pytest.Config) -> Callable[[str], None]:
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def emit(line: str) -> None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(f"dlint: {line}")

    return emit


@pytest.fixture(scope="session")
def dlint_lab(request: pytest.FixtureRequest) -> Iterator["Lab"]:
    """The run's shared state; its teardown removes everything labelled with the run id."""
    from dlint.harness import docker_ops
    from dlint.harness.lab import Lab

    config = request.config
    spec = config.stash[SPEC_KEY]
    try:
        client = docker_ops.connect()
    except docker_ops.CannotRun as error:
        _cannot_run(config, str(error))
    lab = Lab(
        spec=spec,
        client=client,
        run_id=config.stash[RUN_ID_KEY],
        emit=_emitter(config),
        readiness_timeout=config.getoption("dlint_timeout") or spec.service.readiness.timeout,
        nocache=config.getoption("dlint_no_cache"),
        builder=config.getoption("dlint_builder"),
        classic=config.getoption("dlint_classic_builder"),
        reach=config.getoption("dlint_reach"),
    )
    config.stash[LAB_KEY] = lab
    try:
        yield lab
    finally:
        _clean_up(lab, keep=config.getoption("dlint_keep"))


def _clean_up(lab: "Lab", keep: bool) -> None:
    from dlint.harness import docker_ops

    if keep:
        lab.emit(f"--keep: leaving everything labelled {docker_ops.LABEL}={lab.run_id}")
        return
    from dlint.harness import signals

    with signals.shielded():
        removed = docker_ops.remove_run(lab.client, lab.run_id)
    lab.emit(f"removed {len(removed)} objects labelled {docker_ops.LABEL}={lab.run_id}")


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
    import docker.errors
    import requests

    from dlint.harness.docker_ops import CannotRun
    from dlint.harness.lab import Service
    from dlint.harness.verdict import CheckFailed

    try:
        container = dlint_image.start("service", dlint_image.run_options())
    except (docker.errors.DockerException, requests.RequestException) as error:
        # Reported by the readiness check; the checks that need the service skip.
        return Service(None, None, f"the engine could not start the service: {error}")
    try:
        return Service(container, dlint_image.wait(container, "service"), None)
    except (CheckFailed, CannotRun) as error:
        return Service(container, None, str(error))
    except (docker.errors.DockerException, requests.RequestException) as error:
        return Service(container, None, f"waiting for the service failed: {error}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Cold build, warm rebuild, image size and number of checks."""
    lab = config.stash.get(LAB_KEY, None)
    if lab is None:
        return
    from dlint.harness.items import summary_lines

    terminalreporter.section("dlint summary")
    for line in summary_lines(lab, terminalreporter.stats):
        terminalreporter.write_line(line)
