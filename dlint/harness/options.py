"""The options of ``dlint test`` and of the pytest plugin, each declared once.

``OPTIONS`` is the one table. A row with ``flags`` is an option of ``dlint test``
(argparse); a row whose ``pytest`` starts with ``--dlint-`` is an option of the pytest
plugin (``pytest -p dlint.harness.plugin --dlint-...``). A row with both is a setting of
the run (``Settings``), whichever of the two set it. A row with ``flags`` and one of
pytest's own options (``-k``, ``-x``, ``-q``, ``--junit-xml``) is handed to pytest as it is.

Light on purpose: ``dlint --help`` and ``dlint test --help`` import it.
"""

import argparse
from collections.abc import Callable
from typing import Any, NamedTuple

PLUGIN_PREFIX = "--dlint-"
REACH_MODES = ("auto", "published", "helper")


class Option(NamedTuple):
    """One option: its name, where it is offered, and how argparse and pytest parse it."""

    dest: str
    flags: tuple[str, ...]
    """``dlint test``'s option strings; empty for an option of the pytest plugin only."""
    help: str
    metavar: str | None = None
    switch: bool = False
    """A flag without a value (``store_true``)."""
    type: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    default: Any = None
    pytest: str | None = None
    """The pytest option it is: the plugin's ``--dlint-NAME``, or pytest's own."""

    @property
    def in_plugin(self) -> bool:
        """True when the pytest plugin declares it (``--dlint-NAME``)."""
        return self.pytest is not None and self.pytest.startswith(PLUGIN_PREFIX)

    @property
    def plugin_dest(self) -> str:
        """The name pytest keeps its value under (``config.getoption``)."""
        return f"dlint_{self.dest}"

    def parse_keywords(self) -> dict[str, Any]:
        """What argparse and pytest's ``addoption`` (argparse underneath) are given."""
        if self.switch:
            return {"action": "store_true", "help": self.help}
        keywords: dict[str, Any] = {"metavar": self.metavar, "help": self.help}
        if self.type is not None:
            keywords["type"] = self.type
        if self.choices is not None:
            keywords["choices"] = self.choices
        if self.default is not None:
            keywords["default"] = self.default
        return keywords


def _report(kind: str, what: str) -> Option:
    return Option(
        kind, (f"--{kind}",), f"also write {what}", metavar="FILE", pytest=f"--dlint-{kind}"
    )


OPTIONS: tuple[Option, ...] = (
    # The pytest plugin's own: what dlint test works out from DIR, and the run id.
    Option("spec", (), "run the checks of this dlint spec", metavar="FILE", pytest="--dlint-spec"),
    Option(
        "context",
        (),
        "build context (default: the spec's directory)",
        metavar="DIR",
        pytest="--dlint-context",
    ),
    Option(
        "run_id", (), "label value for everything created", metavar="ID", pytest="--dlint-run-id"
    ),
    # dlint test's, in the order its --help lists them.
    Option("spec", ("--spec",), "spec file (default: DIR/dlint-test.yaml)", metavar="FILE"),
    Option(
        "junit_xml",
        ("--junit-xml",),
        "also write a JUnit XML report",
        metavar="FILE",
        pytest="--junit-xml",
    ),
    _report("json", "the run as JSON"),
    _report("markdown", "a Markdown summary"),
    _report("html", "a self-contained HTML report"),
    Option(
        "keep",
        ("--keep",),
        "keep the containers and images for inspection",
        switch=True,
        pytest="--dlint-keep",
    ),
    Option(
        "timeout",
        ("--timeout",),
        "readiness timeout (default: the spec's)",
        metavar="SECONDS",
        type=float,
        pytest="--dlint-timeout",
    ),
    Option(
        "no_cache",
        ("--no-cache",),
        "build the image without the layer cache",
        switch=True,
        pytest="--dlint-no-cache",
    ),
    Option(
        "keyword",
        ("-k",),
        "only run checks matching EXPR (as pytest -k)",
        metavar="EXPR",
        pytest="-k",
    ),
    Option(
        "exitfirst",
        ("-x", "--exitfirst"),
        "stop at the first failed check",
        switch=True,
        pytest="-x",
    ),
    Option("quiet", ("-q", "--quiet"), "one character per check", switch=True, pytest="-q"),
    Option(
        "builder",
        ("--builder",),
        "build with this buildx builder (docker buildx ls; default: the current one)",
        metavar="NAME",
        pytest="--dlint-builder",
    ),
    Option(
        "classic_builder",
        ("--classic-builder",),
        "build with the engine's classic builder instead of BuildKit",
        switch=True,
        pytest="--dlint-classic-builder",
    ),
    Option(
        "reach",
        ("--reach",),
        "reach the service on the port the engine publishes here, or from a helper "
        "container in its network namespace (default auto: helper for a remote engine)",
        choices=REACH_MODES,
        default="auto",
        pytest="--dlint-reach",
    ),
    Option(
        "verify_fixes",
        ("--verify-fixes",),
        "fix a copy of DIR, build both images, check that each fix changed only what it "
        "declares, then run the checks against the fixed image",
        switch=True,
    ),
    Option(
        "unsafe_fixes",
        ("--unsafe-fixes",),
        "with --verify-fixes, verify unsafe fixes too",
        switch=True,
    ),
)


class Settings(NamedTuple):
    """How one run builds, runs, reports and cleans up: the options ``dlint test`` and the
    pytest plugin both offer (the rows of ``OPTIONS`` with flags and a ``--dlint-`` name,
    in this order; their defaults are the rows')."""

    json: str | None
    markdown: str | None
    html: str | None
    keep: bool
    timeout: float | None
    no_cache: bool
    builder: str | None
    classic_builder: bool
    reach: str


def settings_options() -> tuple[Option, ...]:
    """The rows that are settings of the run, in ``Settings`` order."""
    return tuple(option for option in OPTIONS if option.flags and option.in_plugin)


def settings(value: Callable[[Option], Any]) -> Settings:
    """The settings, each read with ``value(row)`` (from argparse's or pytest's options)."""
    return Settings(**{option.dest: value(option) for option in settings_options()})


def from_arguments(args: argparse.Namespace) -> Settings:
    """The settings of a ``dlint test`` command line."""
    return settings(lambda option: getattr(args, option.dest))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``dlint test``'s options (after its ``DIR``)."""
    for option in OPTIONS:
        if option.flags:
            parser.add_argument(*option.flags, dest=option.dest, **option.parse_keywords())


def pytest_arguments(args: argparse.Namespace) -> list[str]:
    """pytest's own options as ``dlint test`` was given them (``-k EXPR``, ``-x``, ``-q``,
    ``--junit-xml FILE``); the settings reach the plugin with the run's Lab instead."""
    arguments: list[str] = []
    for option in OPTIONS:
        value = getattr(args, option.dest) if option.flags else None
        if option.pytest is None or option.in_plugin or not value:
            continue
        arguments += [option.pytest] if option.switch else [option.pytest, str(value)]
    return arguments
