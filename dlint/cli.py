"""Command-line interface: argument parsing only; each subcommand calls one function.

Exit codes (documented in the README and ``dlint --help``):
  0  no findings (or every check passed)
  1  findings at or above the failure threshold (or a check failed)
  2  usage error, input that cannot be read or parsed, or an --output file that cannot
     be written; ``dlint test``: could not run
  130 interrupted (Ctrl-C); ``dlint test``: 143 on SIGTERM, 129 on SIGHUP
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from dlint import __version__

if TYPE_CHECKING:  # the check run's modules load only when a check runs
    from dlint.checkrun import CheckOptions

EPILOG = """exit codes:
  0    no findings / every check passed
  1    findings / a check failed
  2    usage error, unreadable or unparsable input, unwritable --output;
       dlint test could not run
  130  interrupted (Ctrl-C)
  143  dlint test terminated (SIGTERM); 129 hung up (SIGHUP)
"""


def _translate_once() -> None:
    """Look argparse's message catalogue up once, not once per message.

    argparse passes each of its texts through ``gettext.gettext``, which searches the
    locale folders for a catalogue on every call (some thirty calls while the parser is
    built: a twentieth of a one-file run). The same catalogue (or none, as on most
    systems) is found once here and its methods given to argparse.
    """
    import gettext

    if getattr(argparse, "_", None) is not gettext.gettext:
        return  # already done, or an argparse that translates otherwise
    translation = gettext.translation(gettext.textdomain(), fallback=True)
    argparse._ = translation.gettext  # type: ignore[attr-defined]
    if getattr(argparse, "ngettext", None) is gettext.ngettext:
        argparse.ngettext = translation.ngettext  # type: ignore[attr-defined]


def _terminal_width() -> int:
    """The width argparse would use (``shutil.get_terminal_size``), without importing shutil.

    argparse builds a help formatter for every ``add_argument``, and its formatter imports
    ``shutil`` (and with it zlib, bz2 and lzma): a sixth of a pre-commit run's imports.
    """
    import os

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


class Formatter(argparse.HelpFormatter):
    """argparse's help layout, sized as argparse sizes it but without importing shutil."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=_terminal_width())


class RawFormatter(Formatter, argparse.RawDescriptionHelpFormatter):
    """:class:`Formatter` that prints descriptions and epilogs as written (exit codes)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors suggest the closest option or choice.

    argparse in Python 3.11 says only "unrecognized arguments: --selct" or "invalid
    choice: 'jsn'"; this adds "(did you mean --select?)" as ruff and git do.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error with a suggestion, then exit 2."""
        super().error(message + suggestion(message, self))


def suggestion(message: str, parser: argparse.ArgumentParser) -> str:
    """`` (did you mean X?)`` for an unknown option or an invalid choice in ``message``."""
    import difflib
    import re

    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        wanted, candidates = choice[1], [c.strip(" '") for c in choice[2].split(",")]
    else:
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if not unknown or not unknown[1].startswith("-"):
            return ""
        wanted, candidates = unknown[1].split("=", 1)[0], sorted(_option_strings(parser))
    close = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option of ``parser`` and of its subcommands (the top parser reports them)."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _option_strings(sub)
    return found


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``dlint`` argument parser with its subcommands.

    Given the ``command`` being run, ``dlint test``'s options (which import the harness
    package) are added only when it is that command or unknown.
    """
    from dlint.report import FORMATS

    parser = Parser(
        prog="dlint",
        description="Lint Dockerfiles for ML services, and prove a reference image on a "
        "real Docker engine.",
        epilog=EPILOG,
        formatter_class=RawFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="lint Dockerfiles, their .dockerignore and requirements files",
        description="Lint Dockerfiles together with the .dockerignore and the requirements "
        "files they install. A directory is searched recursively for Dockerfile, "
        "Containerfile, Dockerfile.*, *.Dockerfile and *.dockerfile; '-' reads one "
        "Dockerfile from standard input.",
        epilog=EPILOG,
        formatter_class=RawFormatter,
    )
    check.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files or directories to check (default: the current directory)",
    )
    check.add_argument(
        "--context",
        metavar="DIR",
        help="build context for every Dockerfile "
        "(default: the Dockerfile's own directory; none for stdin)",
    )
    check.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="output format (default: text)"
    )
    check.add_argument(
        "--output",
        metavar="FILE",
        help="write the report to FILE instead of standard output",
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print how many findings each rule raised instead of the findings",
    )
    check.add_argument(
        "--fix",
        action="store_true",
        help="apply safe fixes to the files, then report what is left "
        "(with '-', print the fixed Dockerfile and report on stderr)",
    )
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff, apply unsafe fixes too"
    )
    check.add_argument(
        "--from-engine",
        action="store_true",
        help="with --unsafe-fixes, let fixes pin versions the local Docker engine reports "
        "(base image env and digest, apt-cache policy in the base image); time-bounded",
    )
    check.add_argument(
        "--from-index",
        action="store_true",
        help="with --unsafe-fixes, let fixes pin Python packages to what pip's resolver "
        "installs from the package index today for the base image's Python (and write "
        "constraints files); needs the index, time-bounded",
    )
    check.add_argument(
        "--diff",
        action="store_true",
        help="show the fixes as a unified diff without writing; exit 1 if there are any",
    )
    check.add_argument(
        "-q", "--quiet", action="store_true", help="print the findings only, no summary"
    )
    check.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even with findings (2 still means input that could not be checked)",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file afresh: do not serve or keep findings of earlier runs "
        "(also DLINT_NO_CACHE=1; DLINT_CACHE_DIR moves the cache, default ~/.cache/dlint)",
    )
    check.add_argument(
        "--show-files",
        action="store_true",
        help="list the Dockerfiles that would be checked, then exit",
    )
    adopt = check.add_argument_group(
        "adopting on an existing repository",
        "Globs without a slash match any file or folder name; with one, the path from the "
        "working directory (from a configuration file's folder for its own globs).",
    )
    adopt.add_argument(
        "--exclude",
        metavar="GLOBS",
        help="comma-separated globs never to check (replaces the configuration's exclude)",
    )
    adopt.add_argument(
        "--extend-exclude", metavar="GLOBS", help="globs to exclude as well as the configured ones"
    )
    adopt.add_argument(
        "--add-ignore",
        action="store_true",
        help="write a '# dlint ignore=RULE reason' comment above every current finding",
    )
    adopt.add_argument(
        "--write-baseline", metavar="FILE", help="record every current finding in FILE, then exit"
    )
    adopt.add_argument(
        "--baseline", metavar="FILE", help="report only findings that FILE does not record"
    )
    add_config_arguments(check)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text for people, json for tools, markdown for the README's table",
    )
    rules.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only the rules with this tag (repeatable: any of them), e.g. security",
    )
    rules.add_argument(
        "--alias",
        action="append",
        default=[],
        metavar="CODE",
        help="only the rules with a peer code that is or starts with CODE "
        "(repeatable), e.g. DL3008, DL30, CKV_DOCKER, SC, JSONArgsRecommended",
    )
    rules.add_argument("--fixable", action="store_true", help="only the rules with a fix")

    explain = commands.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("rule", metavar="RULE", help="rule name, id or hadolint alias")

    test = commands.add_parser(
        "test",
        help="build the image of DIR on a Docker engine and check it from inside and outside",
        epilog=EPILOG,
        formatter_class=RawFormatter,
    )
    if command in (None, "test"):
        from dlint import harness

        harness.add_arguments(test)
    commands.add_parser(
        "lsp",
        help="run the language server (stdio) for editors; needs pip install 'dlint[lsp]'",
        description="A language server on stdin/stdout: diagnostics as you type, fixes as code "
        "actions, rule documentation on hover. Editor set-up: docs/editors.md.",
    )
    commands.add_parser(
        "clean", help="remove the containers, images and build cache left by dlint test runs"
    )
    init = commands.add_parser(
        "init",
        help="write a starter dlint-test.yaml (and .dockerignore, .dlint.yaml) for a project",
    )
    init.add_argument("directory", nargs="?", default=".", metavar="DIR", help="(default: .)")
    init.add_argument("--force", action="store_true", help="overwrite an existing spec")
    return parser


def _command(words: Sequence[str]) -> str | None:
    """The subcommand ``words`` run when it is plainly the first word, else None."""
    first = words[0] if words else None
    return first if first in ("check", "rules", "explain", "lsp", "clean", "init") else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlint`` command; returns the exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    _translate_once()
    parser = build_parser(_command(words))
    args = parser.parse_args(words)
    try:
        if args.command == "check":
            from dlint import checkrun

            checkrun.EXITS_AFTER = True  # the process ends with the run: keep the model frozen
            return checkrun.run_check(check_options(args), sys.stdout, sys.stderr)
        if args.command == "rules":
            from dlint.catalogue import list_rules

            return list_rules(
                args.format, sys.stdout, sys.stderr, args.tag, args.alias, args.fixable
            )
        if args.command == "explain":
            from dlint.catalogue import explain

            return explain(args.rule, sys.stdout, sys.stderr)
        if args.command == "test":
            from dlint import harness

            return harness.run(args)
        if args.command == "lsp":
            return run_lsp()
        if args.command == "clean":
            from dlint import harness

            return harness.clean()
        if args.command == "init":
            from pathlib import Path

            from dlint.init import run_init

            return run_init(Path(args.directory), args.force, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        print("dlint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    parser.print_help()
    return 2


def run_lsp() -> int:
    """``dlint lsp``; without pygls installed, one line and exit code 2."""
    try:
        from dlint.lsp import serve
    except ImportError as error:
        if error.name not in ("pygls", "lsprotocol") and not str(error.name).startswith("pygls."):
            raise
        print(
            "dlint: error: dlint lsp needs pygls; install it with: pip install 'dlint[lsp]'",
            file=sys.stderr,
        )
        return 2
    return serve()


def check_options(args: argparse.Namespace) -> CheckOptions:
    """The parsed ``dlint check`` arguments as the check run's options."""
    from dlint.checkrun import CheckOptions
    from dlint.records import fields

    return CheckOptions(**{f.name: getattr(args, f.name) for f in fields(CheckOptions)})


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that select rules and set severities; they override the configuration file."""
    group = parser.add_argument_group(
        "configuration",
        "By default the nearest .dlint.yaml, .dlint.yml or pyproject.toml with [tool.dlint] "
        "above each checked file is read. These options override it.",
    )
    group.add_argument("--config", metavar="FILE", help="read this configuration file only")
    group.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    rules_help = "comma-separated rule names, ids or hadolint aliases"
    group.add_argument("--select", metavar="RULES", help=f"run only these rules ({rules_help})")
    group.add_argument("--extend-select", metavar="RULES", help="run these rules as well")
    group.add_argument("--ignore", metavar="RULES", help="never run these rules")
    group.add_argument(
        "--severity",
        metavar="RULE=LEVEL",
        action="append",
        default=[],
        help="override a rule's severity (repeatable)",
    )
    group.add_argument(
        "--failure-threshold",
        metavar="LEVEL",
        choices=("error", "warning", "info", "style", "none"),
        help="the mildest severity that makes the exit code 1 (default: style, i.e. any finding)",
    )
