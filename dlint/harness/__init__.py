"""The container side of dlint: build, run, wait, check and clean up (``dlint test``).

Importing this package is cheap; docker, requests, testinfra and pytest load in ``run``.
"""

import argparse
import signal
import sys
from pathlib import Path

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``dlint test`` to ``parser`` (the table: ``options.OPTIONS``)."""
    from dlint.harness import options

    parser.add_argument(
        "directory", nargs="?", default=".", metavar="DIR", help="build context (default: .)"
    )
    options.add_arguments(parser)


# What `dlint test` and `dlint clean` import beyond the core install: the `test` extra.
EXTRA_MODULES = ("docker", "requests", "pytest", "testinfra", "jsonschema")


def missing_extra() -> str | None:
    """Why the harness cannot run in this environment (its extra is not installed), or None."""
    from importlib.util import find_spec

    missing = [name for name in EXTRA_MODULES if find_spec(name) is None]
    if not missing:
        return None
    return (
        f"dlint test needs the 'test' extra (missing: {', '.join(missing)}); "
        "install it with: pip install 'dlint[test]'"
    )


def _error(message: str) -> int:
    print(f"dlint: error: {message}", file=sys.stderr)
    return EXIT_CANNOT_RUN


def unwritable_report(path: str | None, option: str = "--junit-xml") -> str | None:
    """Why the JUnit report cannot be written to ``path``, or None when it can.

    Checked before anything is built, so a typo costs a second, not a whole run. Missing
    parent folders are made, as pytest would make them.
    """
    if not path:
        return None
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        existed = target.exists()
        with target.open("a", encoding="utf-8"):
            pass
        if not existed:
            target.unlink()
    except OSError as error:
        return f"{option} {path}: cannot write the report: {error.strerror or error}"
    return None


def run(args: argparse.Namespace) -> int:
    """Run ``dlint test``: 0 all passed, 1 a check failed, 2 could not run, 128 + N when
    stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), after cleaning up."""
    problem = missing_extra()
    if problem:
        return _error(problem)
    from dlint.harness import session, signals

    directory = Path(args.directory)
    if not directory.is_dir():
        return _error(f"{directory}: not a directory")
    for option in ("junit_xml", "json", "markdown", "html"):
        problem = unwritable_report(getattr(args, option), "--" + option.replace("_", "-"))
        if problem:
            return _error(problem)
    if args.unsafe_fixes and not args.verify_fixes:
        return _error("--unsafe-fixes needs --verify-fixes (dlint check --fix applies fixes)")
    cannot_run: str | None = None
    with signals.handling():
        try:
            if args.verify_fixes:
                from dlint.harness import verify_fixes

                code = verify_fixes.run(directory, args)
            else:
                code = session.run_checks(directory, args)
        except session.CannotRun as error:
            cannot_run = str(error)
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        stopped = signals.received()
    if stopped is not None:
        # A signal wins over whatever the checks said: the run did not finish.
        print(f"dlint: interrupted ({signal.Signals(stopped).name})", file=sys.stderr)
        return signals.exit_code(stopped)
    if cannot_run is not None:
        return _error(cannot_run)
    if code == EXIT_INTERRUPTED:
        print("dlint: interrupted", file=sys.stderr)
    return code


def clean() -> int:
    """Run ``dlint clean``: remove what earlier runs left (containers, images, build cache).

    Runs still in progress on this host are spared. Prints one line per removed object and
    a count; exit 0, or 2 when no engine answers.
    """
    from collections import Counter

    problem = missing_extra()
    if problem:
        return _error(problem)
    from dlint.harness import docker_ops

    try:
        client = docker_ops.connect()
        removed = docker_ops.remove_everything(client)
    except docker_ops.CannotRun as error:
        return _error(str(error))
    for line in removed:
        print(f"removed {line}")
    kinds = Counter(
        " ".join(line.split(" ", 2)[:2]) if line.startswith("build ") else line.split(" ", 1)[0]
        for line in removed
    )
    if not removed:
        print("dlint clean: nothing to remove")
    else:
        counts = ", ".join(f"{n} {kind}{'s' * (n != 1)}" for kind, n in sorted(kinds.items()))
        print(f"dlint clean: removed {counts}")
    return EXIT_PASSED
