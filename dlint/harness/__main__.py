"""Run ``dlint test`` as ``python -m dlint.harness`` (same options)."""

import argparse
import sys

from dlint import harness


def main() -> int:
    """Parse the ``dlint test`` options and run it."""
    parser = argparse.ArgumentParser(prog="dlint test", description=harness.__doc__)
    harness.add_arguments(parser)
    return harness.run(parser.parse_args())


sys.exit(main())
