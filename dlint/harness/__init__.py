"""The container side of dlint: build, run, wait, check and clean up (``dlint test``).

Importing this package is cheap; docker, requests, testinfra and pytest load in ``run``.
"""

import argparse
import sys
from pathlib import Path

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``dlint test`` to ``parser``."""
    parser.add_argument(
        "directory", nargs="?", default=".", metavar="DIR", help="build context (default: .)"
    )
    parser.add_argument("--spec", metavar="FILE", help="spec file (default: DIR/dlint-test.yaml)")
    parser.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report")
    parser.add_argument(
        "--keep", action="store_true", help="keep the containers and images for inspection"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="readiness timeout (default: the spec's)"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="build the image without the layer cache"
    )
    parser.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only run checks matching EXPR (as pytest -k)"
    )
    parser.add_argument(
        "-x", "--exitfirst", action="store_true", help="stop at the first failed check"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="one character per check")


def _error(message: str) -> int:
    print(f"dlint: error: {message}", file=sys.stderr)
    return EXIT_CANNOT_RUN


def run(args: argparse.Namespace) -> int:
    """Run ``dlint test``: 0 all passed, 1 a check failed, 2 could not run, 130 interrupted."""
    from dlint.harness import session

    directory = Path(args.directory)
    if not directory.is_dir():
        return _error(f"{directory}: not a directory")
    try:
        return session.run_checks(directory, args)
    except session.CannotRun as error:
        return _error(str(error))
    except KeyboardInterrupt:
        print("dlint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
