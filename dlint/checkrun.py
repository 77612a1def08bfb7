"""The check run: targets -> read -> parse -> load -> rules -> fix loop -> report.

``run_check`` is all of ``dlint check`` once the arguments are parsed. It writes only to
the streams it is handed (and to the files that ``--fix`` and ``--output`` name), so tests
call it in-process and nothing global is changed when it returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from dlint.config import (
    Config,
    ConfigError,
    discover_config,
    from_mapping,
    merge_settings,
    read_settings,
)
from dlint.engine import Result, Target, targets_for
from dlint.load import InputError, read_text
from dlint.parallel import check_all
from dlint.records import dataclass
from dlint.report import RunInfo, render
from dlint.rule import RulePackError, all_rules

# A fix skipped because it overlapped another one gets applied on the next pass; a few
# passes settle any real Dockerfile, and the bound stops two fixes that undo each other.
MAX_FIX_PASSES = 10


@dataclass(frozen=True)
class CheckOptions:
    """What ``dlint check`` was asked to do; the fields are its command-line options."""

    paths: Sequence[str] = (".",)
    context: str | None = None
    format: str = "text"
    output: str | None = None
    statistics: bool = False
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    config: str | None = None
    isolated: bool = False
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    severity: Sequence[str] = ()
    failure_threshold: str | None = None


ConfigFor = Callable[[Target], Config]


def run_check(options: CheckOptions, out: TextIO, err: TextIO) -> int:
    """Lint what ``options`` names; return the exit code (0, 1 or 2, as the README says).

    The report goes to ``out`` (or to ``options.output``), errors and fix notes to ``err``.
    With ``--fix`` and ``-``, ``out`` carries the Dockerfile (fixed or as read) and the
    report goes to ``err``, so ``dlint check --fix - < in > out`` is a filter.
    """
    if options.statistics and options.format != "text":
        return fail(err, "--statistics prints its own text summary; leave out --format")
    try:
        rules = all_rules()
        config_for = config_resolver(options)
        targets = targets_for(options.paths, options.context)
    except (InputError, ConfigError, RulePackError) as error:
        return fail(err, str(error))
    result = check_all(targets, config_for)
    report_to = out
    fixable = False
    if options.diff:
        fixable = show_diff(targets, result, options.unsafe_fixes, out, err)
    elif options.fix:
        targets, result = fix_loop(targets, result, config_for, options.unsafe_fixes, err)
        for target in targets:
            if target.path is None and target.text is not None:
                out.write(target.text)
                report_to = err
    for problem in result.errors:
        print(f"dlint: error: {problem}", file=err)
    if options.diff:
        return 2 if result.errors else int(fixable)
    report = render_report(result, RunInfo(tuple(result.files), rules), options)
    if options.output:
        try:
            with open(options.output, "w", encoding="utf-8") as output:
                output.write(report)
        except OSError as error:
            return fail(
                err, f"{options.output}: cannot write the report: {error.strerror or error}"
            )
    else:
        report_to.write(report)
    if result.errors:
        return 2
    return 1 if result.failing else 0


def fail(err: TextIO, message: str) -> int:
    """Print one error line to ``err`` and return exit code 2."""
    print(f"dlint: error: {message}", file=err)
    return 2


def render_report(result: Result, run: RunInfo, options: CheckOptions) -> str:
    """The report text in the chosen format, or the per-rule counts of ``--statistics``."""
    if options.statistics:
        from dlint.report import statistics

        return statistics.render(result.findings, run)
    return render(options.format, result.findings, run)


def reader(targets: Sequence[Target]) -> Callable[[str], str]:
    """Current text of a file a fix edits: stdin's text as read, anything else from disk."""
    stdin = {t.name: t.text for t in targets if t.path is None and t.text is not None}

    def read(file: str) -> str:
        text = stdin.get(file)
        return text if text is not None else read_text(Path(file))

    return read


def fix_loop(
    targets: Sequence[Target],
    result: Result,
    config_for: ConfigFor,
    unsafe: bool,
    err: TextIO,
) -> tuple[list[Target], Result]:
    """Apply fixes and re-check until no skipped fix is left; return the targets and the result.

    Files are written as each pass fixes them; stdin's text is kept in its target. The
    returned result is a check of the fixed texts: what the report shows is what is left.
    """
    from dlint.fix import fixes_by_file  # only --fix and --diff need it

    targets = list(targets)
    counts: Counter[str] = Counter()
    for _ in range(MAX_FIX_PASSES):
        changed = fixes_by_file(result.findings, reader(targets), unsafe)
        if not changed:
            break
        for file, (_, fixed) in changed.items():
            counts[file] += len(fixed.applied)
            if not any(t.path is None and t.name == file for t in targets):
                Path(file).write_text(fixed.text, encoding="utf-8")
        targets = [
            replace(t, text=changed[t.name][1].text) if t.path is None and t.name in changed else t
            for t in targets
        ]
        result = check_all(targets, config_for)
        if not any(fixed.skipped for _, fixed in changed.values()):
            break
    for file, count in counts.items():
        print(f"dlint: fixed {count} problem{'s' * (count != 1)} in {file}", file=err)
    return targets, result


def show_diff(
    targets: Sequence[Target], result: Result, unsafe: bool, out: TextIO, err: TextIO
) -> bool:
    """``--diff``: print the fixes of one pass as a unified diff; True when there are any."""
    import difflib

    from dlint.fix import fixes_by_file

    changed = fixes_by_file(result.findings, reader(targets), unsafe)
    for file, (before, fixed) in changed.items():
        out.writelines(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                fixed.text.splitlines(keepends=True),
                f"a/{file}",
                f"b/{file}",
            )
        )
        count = len(fixed.applied)
        print(f"dlint: would fix {count} problem{'s' * (count != 1)} in {file}", file=err)
    return bool(changed)


def config_resolver(options: CheckOptions) -> ConfigFor:
    """A function from a check target to its Config: file settings, then command-line options.

    Each configuration file is read and validated once, however many Dockerfiles use it;
    ``--config`` is validated up front so that a bad file fails before any checking.
    """
    overrides: dict[str, Any] = {
        key: value
        for key, value in (
            ("select", options.select),
            ("extend-select", options.extend_select),
            ("ignore", options.ignore),
            ("failure-threshold", options.failure_threshold),
        )
        if value is not None
    }
    if options.severity:
        pairs = [item.partition("=") for item in options.severity]
        overrides["severity"] = {rule: level for rule, _, level in pairs}
    from_mapping(overrides, "command line")

    @cache
    def settle(path: Path | None) -> Config:
        settings = read_settings(path) if path is not None else {}
        source = str(path) if path is not None else "command line"
        return from_mapping(merge_settings(settings, overrides), source)

    chosen = Path(options.config) if options.config else None
    if chosen is not None:
        settle(chosen)

    def config_for(target: Target) -> Config:
        if options.isolated:
            return settle(None)
        if chosen is not None:
            return settle(chosen)
        folder = target.path.resolve().parent if target.path else Path.cwd()
        return settle(discover_config(folder))

    return config_for
