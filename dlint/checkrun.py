"""The check run: targets -> read -> parse -> load -> rules -> fix loop -> report.

``run_check`` is all of ``dlint check`` once the arguments are parsed. It writes only to
the streams it is handed (and to the files that ``--fix`` and ``--output`` name), so tests
call it in-process and nothing global is changed when it returns.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from dlint.config import (
    HADOLINT_NAMES,
    Config,
    ConfigError,
    discover_config,
    discover_hadolint_config,
    from_mapping,
    merge_settings,
    path_matches,
    read_settings,
)
from dlint.engine import Result, Target, targets_for
from dlint.load import InputError, display, read_text
from dlint.parallel import check_all
from dlint.records import dataclass, replace
from dlint.report import RunInfo, render
from dlint.rule import Rule, RulePackError, all_rules

if TYPE_CHECKING:
    from dlint.fix import FixResult

# Set by the command line: the process exits when the run ends (see ``checked``).
EXITS_AFTER = False

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
    from_engine: bool = False
    from_index: bool = False
    config: str | None = None
    isolated: bool = False
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    severity: Sequence[str] = ()
    failure_threshold: str | None = None
    quiet: bool = False
    exit_zero: bool = False
    show_files: bool = False
    exclude: str | None = None
    extend_exclude: str | None = None
    add_ignore: bool = False
    baseline: str | None = None
    write_baseline: str | None = None
    no_cache: bool = False


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
        if "-" in options.paths:
            all_rules()  # a broken rule pack is one error line, before stdin is read
        config_for = config_resolver(options, err)
        targets = targets_for(paths_to_check(options.paths, options.context, err), options.context)
        known = load_baseline(options.baseline) if options.baseline else None
    except (InputError, ConfigError, RulePackError) as error:
        return fail(err, str(error))
    found = len(targets)
    targets = not_excluded(targets, config_for, options)
    if found and not targets:
        print("dlint: warning: every Dockerfile found is excluded", file=err)
    if options.show_files:
        return show_files(targets, out)
    for asked, name in ((options.from_engine, "engine"), (options.from_index, "index")):
        if asked and not options.unsafe_fixes:
            return fail(err, f"--from-{name} only feeds unsafe fixes; add --unsafe-fixes")
    if options.unsafe_fixes and not (options.fix or options.diff):
        return fail(err, "--unsafe-fixes only widens --fix or --diff; add one of them")
    # The rule pack is loaded when a file needs checking (a run served from the result
    # cache needs none); a broken pack is one error line, before anything is reported.
    try:
        with ExitStack() as stack:
            engine = index = None
            if options.from_engine:
                from dlint.enginefacts import asking

                engine = stack.enter_context(asking())
            if options.from_index:
                from dlint.indexfacts import asking as asking_index

                index = stack.enter_context(asking_index())
            code = checked(targets, config_for, known, options, out, err)
        if engine is not None and engine.answered is False:
            print("dlint: note: no Docker engine answered; no fix used one", file=err)
        if index is not None and index.answered is False:
            print(
                "dlint: note: the package index did not resolve some requirements (no pip, "
                "no network, or no wheel for the base image's Python); no fix used them",
                file=err,
            )
        return code
    except RulePackError as error:
        return fail(err, str(error))


def checked(
    targets: list[Target],
    config_for: ConfigFor,
    known: Counter[str] | None,
    options: CheckOptions,
    out: TextIO,
    err: TextIO,
) -> int:
    """Check ``targets``, then fix, report and count as ``options`` say; the exit code."""
    from dlint.engine import caching

    # Findings kept from an earlier run are served while their inputs are unchanged
    # (dlint/resultcache.py); never when the engine's answers feed the fixes.
    with caching(not (options.no_cache or options.from_engine or options.from_index)):
        result = check_all(targets, config_for)
    # What the check made (the model, its caches, the findings) lives until the report is
    # written: the collector need not scan it again while the report is made (a full
    # collection of a 100,000-line file's model costs 0.2-0.3 s, and Python collects once
    # more as it exits). Unfrozen after, unless the process ends with the run, so that one
    # that checks again and again (tests, an editor's server) collects it.
    with _frozen():
        if options.write_baseline:
            return write_baseline(options.write_baseline, result, err)
        if options.add_ignore:
            return add_ignores(targets, result, err)
        if known is not None:
            result = without_baseline(result, known, Path(str(options.baseline)).resolve().parent)
        report_to = out
        fixable = False
        fixed = 0
        if options.diff:
            fixable = show_diff(targets, result, options.unsafe_fixes, out, err)
        elif options.fix:
            unsafe = options.unsafe_fixes
            targets, result, fixed = fix_loop(targets, result, config_for, unsafe, err)
            for target in targets:
                if target.path is None and target.text is not None:
                    out.write(target.text)
                    report_to = err
        for problem in result.errors:
            print(f"dlint: error: {problem}", file=err)
        if options.diff:
            return 2 if result.errors else int(fixable)
        # Only SARIF describes the rules; the others need none loaded.
        rules = all_rules() if options.format == "sarif" else ()
        run = report_run(result, rules, targets, options, report_to)
        report = render_report(result, run, options)
        if options.fix and options.format == "text" and not options.statistics and fixed:
            # What is left is reported above, with what --fix or --unsafe-fixes would still do.
            report += f"Fixed {fixed} problem{'s' * (fixed != 1)}.\n"
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
        return 1 if result.failing and not options.exit_zero else 0


@contextmanager
def _frozen() -> Iterator[None]:
    """``gc.freeze()`` for the block; undone after it unless the process ends with the run."""
    gc.freeze()
    try:
        yield
    finally:
        if not EXITS_AFTER:
            gc.unfreeze()


def not_excluded(
    targets: Sequence[Target], config_for: ConfigFor, options: CheckOptions
) -> list[Target]:
    """The targets that no ``exclude``/``extend-exclude`` covers (before anything is parsed).

    ``--exclude`` replaces the configuration file's ``exclude``; ``extend-exclude`` from
    either adds to it. Command-line globs are relative to the working directory, a file's
    to its folder.
    """
    given = _globs(options.exclude)
    extra = _globs(options.extend_exclude)
    kept = []
    for target in targets:
        if target.path is None or target.error is not None:
            kept.append(target)
            continue
        if any(path_matches(target.path, g, None) for g in (*(given or ()), *(extra or ()))):
            continue
        try:
            config = config_for(target)
        except ConfigError:
            kept.append(target)  # the check reports the broken file
            continue
        patterns = (
            config.extend_exclude if given is not None else config.exclude + config.extend_exclude
        )
        if not any(path_matches(target.path, g, config.root) for g in patterns):
            kept.append(target)
    return kept


def _globs(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated option as a tuple of globs (None when not given)."""
    if value is None:
        return None
    return tuple(g.strip() for g in value.split(",") if g.strip())


def load_baseline(path: str) -> Counter[str]:
    """The fingerprints a ``--write-baseline`` file holds (each as often as it occurs)."""
    from dlint.baseline import read_baseline

    return read_baseline(Path(path))


def write_baseline(path: str, result: Result, err: TextIO) -> int:
    """``--write-baseline FILE``: record every current finding; exit 0 (2 on errors)."""
    from dlint.baseline import save_baseline

    for problem in result.errors:
        print(f"dlint: error: {problem}", file=err)
    try:
        save_baseline(Path(path), result.findings)
    except OSError as error:
        return fail(err, f"{path}: cannot write the baseline: {error.strerror or error}")
    count = len(result.findings)
    print(f"dlint: wrote {count} finding{'s' * (count != 1)} to {path}", file=err)
    return 2 if result.errors else 0


def without_baseline(result: Result, known: Counter[str], folder: Path) -> Result:
    """The result without the findings a baseline holds (matched by fingerprint, not line)."""
    from dlint.baseline import new_findings

    kept = new_findings(result.findings, known, folder)
    new = {id(f) for f in kept}
    still_failing = [f for f in result.failed if id(f) in new]
    return replace(result, findings=kept, failed=still_failing, failing=len(still_failing))


def add_ignores(targets: Sequence[Target], result: Result, err: TextIO) -> int:
    """``--add-ignore``: write an ignore comment above every finding; exit 0 (2 on errors)."""
    from dlint.ignores import add_ignore_comments

    for problem in result.errors:
        print(f"dlint: error: {problem}", file=err)
    texts = reader(targets)
    total = 0
    for target in targets:
        if target.path is None or target.name not in result.files:
            continue
        here = [f for f in result.findings if f.file == target.name]
        if not here:
            continue
        text = texts(target.name)
        changed, added = add_ignore_comments(text, target.name, here)
        if added:
            with open(target.path, "w", encoding="utf-8", newline="") as file:
                file.write(changed)
            print(
                f"dlint: added {added} ignore comment{'s' * (added != 1)} to {target.name}",
                file=err,
            )
            total += added
    others = [f for f in result.findings if f.file not in result.files]
    if others:
        print(
            f"dlint: {len(others)} finding{'s' * (len(others) != 1)} in files that take no "
            "comments (requirements files, .dockerignore) left as they are; "
            "use --write-baseline for those",
            file=err,
        )
    return 2 if result.errors else 0


def show_files(targets: Sequence[Target], out: TextIO) -> int:
    """``--show-files``: the Dockerfiles a check would read, one a line; nothing is parsed."""
    for target in targets:
        out.write(f"{target.name}\n")
    return 0


def use_color(stream: TextIO, to_file: bool) -> bool:
    """Colour for a terminal; ``NO_COLOR`` (set, not empty) turns it off, then
    ``FORCE_COLOR`` turns it on, as pytest reads them. Never in an ``--output`` file."""
    import os

    if to_file or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def report_run(
    result: Result,
    rules: Sequence[Rule],
    targets: Sequence[Target],
    options: CheckOptions,
    stream: TextIO,
) -> RunInfo:
    """What the formats get besides the findings; the text format's choices are made here."""
    return RunInfo(
        tuple(result.files),
        tuple(rules),
        read=reader(targets),
        color=use_color(stream, bool(options.output)),
        quiet=options.quiet,
        unsafe_fixes=options.unsafe_fixes,
    )


def paths_to_check(paths: Sequence[str], context: str | None, err: TextIO) -> list[str]:
    """The paths to check: a requirements file, ``.dockerignore`` or configuration file
    stands for the Dockerfiles that read it (what editors and pre-commit send)."""
    from dlint.load import dockerfiles_reading, is_dependency_name

    chosen: dict[str, str] = {}
    for arg in paths:
        path = Path(arg)
        if arg == "-" or not path.is_file() or not is_dependency_name(path):
            chosen.setdefault(os.path.realpath(arg) if path.is_file() else arg, arg)
            continue
        users = dockerfiles_reading(path, Path(context) if context else None)
        if not users:
            print(f"dlint: {arg}: no Dockerfile reads it; nothing to check", file=err)
        for user in users:
            chosen.setdefault(os.path.realpath(user), str(user))
    return list(chosen.values())


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
        if text is not None:
            return text
        path = Path(file)
        # A fix may create a file (a .dockerignore): it starts empty.
        return read_text(path) if path.exists() or path.is_symlink() else ""

    return read


def fix_loop(
    targets: Sequence[Target],
    result: Result,
    config_for: ConfigFor,
    unsafe: bool,
    err: TextIO,
    record: Callable[[dict[str, tuple[str, FixResult]]], None] | None = None,
) -> tuple[list[Target], Result, int]:
    """Apply fixes and re-check until nothing changes; return the targets, result and count.

    Each pass applies every fix that does not overlap another, writes the files it changed
    and re-checks, since a fix can make room for (or reveal) another; the passes stop when
    one changes nothing, or after ``MAX_FIX_PASSES``. Stdin's text is kept in its target.
    The returned result is a check of the fixed texts: what the report shows is what is left.
    ``record`` sees each pass's changes (file -> text before, fix result): ``dlint test
    --verify-fixes`` rebuilds fixes one by one from them.
    """
    from dlint.fix import fixes_by_file, write_atomically  # only --fix and --diff need it

    targets = list(targets)
    counts: Counter[str] = Counter()
    for _ in range(MAX_FIX_PASSES):
        changed = fixes_by_file(
            result.findings, reader(targets), unsafe, dockerfiles=dockerfile_names(targets)
        )
        changed = {file: both for file, both in changed.items() if both[1].text != both[0]}
        if not changed:
            break
        if record is not None:
            record(changed)
        counts.update(fixes_per_file(changed))
        for file, (_, fixed) in changed.items():
            if not any(t.path is None and t.name == file for t in targets):
                write_atomically(Path(file), fixed.text)
        targets = [
            replace(t, text=changed[t.name][1].text) if t.path is None and t.name in changed else t
            for t in targets
        ]
        result = check_all(targets, config_for)
    for file, count in counts.items():
        if not count:
            continue
        print(f"dlint: fixed {count} problem{'s' * (count != 1)} in {file}", file=err)
    return targets, result, sum(counts.values())


def fixes_per_file(changed: Mapping[str, tuple[str, FixResult]]) -> Counter[str]:
    """How many fixes one pass made in each file. A fix that edits two files (a new
    constraints file and the Dockerfile) is one fix, counted in the file of its finding."""
    counts: Counter[str] = Counter()
    counted: set[int] = set()
    for file, (_, fixed) in changed.items():
        for finding in fixed.applied:
            if id(finding) not in counted:
                counted.add(id(finding))
                counts[finding.file if finding.file in changed else file] += 1
    return counts


def dockerfile_names(targets: Sequence[Target]) -> set[str]:
    """The names the findings give the checked Dockerfiles (their fixes must keep them parsing)."""
    return {t.name for t in targets}


def show_diff(
    targets: Sequence[Target], result: Result, unsafe: bool, out: TextIO, err: TextIO
) -> bool:
    """``--diff``: print the fixes of one pass as a unified diff; True when there are any."""
    import difflib

    from dlint.fix import fixes_by_file

    changed = fixes_by_file(
        result.findings, reader(targets), unsafe, dockerfiles=dockerfile_names(targets)
    )
    counts = fixes_per_file(changed)
    for file, (before, fixed) in changed.items():
        out.writelines(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                fixed.text.splitlines(keepends=True),
                f"a/{file}",
                f"b/{file}",
            )
        )
        count = counts[file]
        if count:
            print(f"dlint: would fix {count} problem{'s' * (count != 1)} in {file}", file=err)
    return bool(changed)


def config_resolver(options: CheckOptions, err: TextIO | None = None) -> ConfigFor:
    """A function from a check target to its Config: file settings, then command-line options.

    Each configuration file is read and validated once, however many Dockerfiles use it;
    ``--config`` is validated up front so that a bad file fails before any checking. Its
    warnings (peer codes dlint has no rule for) go to ``err`` once per file.
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
    # The file search is cached for one run; a new run (the language server, tests in one
    # process) must see files created since.
    discover_config.cache_clear()
    discover_hadolint_config.cache_clear()

    @cache
    def settle(path: Path | None) -> Config:
        settings = read_settings(path) if path is not None else {}
        source = str(path) if path is not None else "command line"
        root = path.parent if path is not None else None
        config = from_mapping(merge_settings(settings, overrides), source, root)
        if path is not None and path.name in HADOLINT_NAMES:
            note = (
                f"no dlint configuration found; read hadolint's {display(path)} "
                "(ignored, trustedRegistries, failure-threshold, override)"
            )
            config = replace(config, notes=(note,))
        if err is not None:
            for warning in config.warnings:
                print(f"dlint: warning: {warning}", file=err)
            for note in config.notes:
                print(f"dlint: note: {note}", file=err)
        return config

    chosen = Path(options.config) if options.config else None
    if chosen is not None:
        settle(chosen)

    def config_for(target: Target) -> Config:
        if options.isolated:
            return settle(None)
        if chosen is not None:
            return settle(chosen)
        folder = target.path.resolve().parent if target.path else Path.cwd()
        return settle(discover_config(folder) or discover_hadolint_config(folder))

    return config_for
