"""Command-line interface: argument parsing only; each subcommand calls one function.

Exit codes (documented in the README and ``dlint --help``):
  0  no findings (or every check passed)
  1  findings at or above the failure threshold (or a check failed)
  2  usage error, input that cannot be read or parsed, or an --output file that cannot
     be written; ``dlint test``: could not run
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dlint import __version__

EPILOG = """exit codes:
  0    no findings / every check passed
  1    findings / a check failed
  2    usage error, unreadable or unparsable input, unwritable --output;
       dlint test could not run
  130  interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``dlint`` argument parser with its subcommands."""
    from dlint.report import FORMATS

    parser = argparse.ArgumentParser(
        prog="dlint",
        description="Lint Dockerfiles for ML services, and prove a reference image on a "
        "real Docker engine.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "--diff",
        action="store_true",
        help="show the fixes as a unified diff without writing; exit 1 if there are any",
    )
    add_config_arguments(check)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = commands.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("rule", metavar="RULE", help="rule name, id or hadolint alias")

    test = commands.add_parser(
        "test",
        help="build the image of DIR on a Docker engine and check it from inside and outside",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from dlint import harness

    harness.add_arguments(test)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlint`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "rules":
            return run_rules(args)
        if args.command == "explain":
            return run_explain(args)
        if args.command == "test":
            from dlint import harness

            return harness.run(args)
    except KeyboardInterrupt:
        print("dlint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    parser.print_help()
    return 2


def fail(message: str) -> int:
    """Print one error line and return exit code 2."""
    print(f"dlint: error: {message}", file=sys.stderr)
    return 2


def run_check(args: argparse.Namespace) -> int:
    """``dlint check``: lint the given paths and print the findings."""
    from dataclasses import replace

    from dlint.config import ConfigError
    from dlint.engine import check_targets, targets_for
    from dlint.load import InputError
    from dlint.report import RunInfo, render
    from dlint.rule import all_rules

    if args.statistics and args.format != "text":
        return fail("--statistics prints its own text summary; leave out --format")
    try:
        config_for = config_resolver(args)
        targets = targets_for(args.paths, args.context)
    except (InputError, ConfigError) as error:
        return fail(str(error))
    result = check_targets(targets, config_for)
    if args.fix or args.diff:
        fixed = apply_fixes_to_files(targets, result.findings, args)
        if args.diff:
            return 1 if fixed else 0
        if fixed:
            targets = [
                replace(t, text=fixed[t.name]) if t.text is not None and t.name in fixed else t
                for t in targets
            ]
            result = check_targets(targets, config_for)
    for error in result.errors:
        print(f"dlint: error: {error}", file=sys.stderr)
    run = RunInfo(tuple(result.files), all_rules())
    if args.statistics:
        from dlint.report import statistics

        report = statistics.render(result.findings, run)
    else:
        report = render(args.format, result.findings, run)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as output:
                output.write(report)
        except OSError as error:
            return fail(f"{args.output}: cannot write the report: {error.strerror or error}")
    else:
        sys.stdout.write(report)
    if result.errors:
        return 2
    return 1 if result.failing else 0


def apply_fixes_to_files(targets, findings, args: argparse.Namespace) -> dict[str, str]:
    """Write (``--fix``) or show (``--diff``) the fixed files; return their new texts.

    With ``-`` the fixed Dockerfile goes to standard output and the report to stderr.
    """
    import difflib

    from dlint.fix import fixes_by_file
    from dlint.load import read_text

    stdin = {t.name: t.text for t in targets if t.text is not None}

    def read(file: str) -> str:
        return stdin[file] if file in stdin else read_text(Path(file))

    changed = fixes_by_file(findings, read, args.unsafe_fixes)
    for file, (before, result) in changed.items():
        if args.diff:
            diff = difflib.unified_diff(
                before.splitlines(keepends=True),
                result.text.splitlines(keepends=True),
                f"a/{file}",
                f"b/{file}",
            )
            sys.stdout.writelines(diff)
        elif file in stdin:
            sys.stdout.write(result.text)
            sys.stdout = sys.stderr
        else:
            Path(file).write_text(result.text, encoding="utf-8")
        count = len(result.applied)
        verb = "would fix" if args.diff else "fixed"
        print(f"dlint: {verb} {count} problem{'s' * (count != 1)} in {file}", file=sys.stderr)
    return {file: result.text for file, (_, result) in changed.items()}


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


def config_resolver(args: argparse.Namespace):
    """A function from a check target to its Config: file settings, then command-line options."""
    from functools import cache

    from dlint.config import discover_config, from_mapping, merge_settings, read_settings

    overrides: dict = {
        key: value
        for key, value in (
            ("select", args.select),
            ("extend-select", args.extend_select),
            ("ignore", args.ignore),
            ("failure-threshold", args.failure_threshold),
        )
        if value is not None
    }
    if args.severity:
        pairs = [item.partition("=") for item in args.severity]
        overrides["severity"] = {rule: level for rule, _, level in pairs}
    from_mapping(overrides, "command line")

    @cache
    def settle(path: Path | None):
        settings = read_settings(path) if path is not None else {}
        source = str(path) if path is not None else "command line"
        return from_mapping(merge_settings(settings, overrides), source)

    fixed = Path(args.config) if args.config else None
    if fixed is not None:
        settle(fixed)

    def config_for(target):
        if args.isolated:
            return settle(None)
        if fixed is not None:
            return settle(fixed)
        folder = target.path.resolve().parent if target.path else Path.cwd()
        return settle(discover_config(folder))

    return config_for


def run_rules(args: argparse.Namespace) -> int:
    """``dlint rules``: list the rule catalogue."""
    import json

    from dlint.rule import all_rules

    rules = all_rules()
    if args.format == "json":
        records = [
            {
                "id": r.id,
                "name": r.name,
                "aliases": list(r.aliases),
                "severity": r.severity.value,
                "summary": r.summary,
                "tags": list(r.tags),
                "fixable": r.fixable,
            }
            for r in rules
        ]
        print(json.dumps(records, indent=2))
        return 0
    width = max(len(r.name) for r in rules)
    for r in rules:
        aliases = f" [{', '.join(r.aliases)}]" if r.aliases else ""
        print(f"{r.id}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}{aliases}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    """``dlint explain RULE``: print the rule's documentation."""
    from dlint.rule import find_rule

    rule = find_rule(args.rule)
    if rule is None:
        return fail(f"unknown rule {args.rule!r} (see 'dlint rules')")
    aliases = f" (aliases: {', '.join(rule.aliases)})" if rule.aliases else ""
    print(f"{rule.name} ({rule.id}){aliases}, default severity {rule.severity.value}\n")
    print(rule.summary + "\n")
    print(rule.doc)
    return 0
