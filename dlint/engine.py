"""Runs the rules over builds and turns their problems into findings.

The engine knows nothing about what a rule checks: it finds the rules, feeds each one
the model, and stamps every problem with the rule's identity and severity.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import field
from pathlib import Path

from dlint import ignores
from dlint.config import Config, ConfigError
from dlint.finding import Finding, Problem
from dlint.load import (
    ContextChoice,
    InputError,
    UnreadablePath,
    decode,
    detect_context,
    discover,
    display,
    load_build,
    read_text,
)
from dlint.model import Build
from dlint.parse import DockerfileSyntaxError, parse_dockerfile, without_cyclic_gc
from dlint.records import dataclass
from dlint.rule import Rule

DEFAULT = Config()


@dataclass(frozen=True)
class Target:
    """One Dockerfile to check: where its text comes from and its build context.

    ``error`` is set for a path that cannot be checked: a FIFO, a looping symlink, an
    unreadable folder, a Dockerfile linked out of the checked folder. It is one line for
    the user; the other targets are still checked. Its ``path`` is then an
    :class:`~dlint.load.UnreadablePath`, which raises ``error`` when read.
    ``reason`` says why ``context`` is the build context.
    """

    name: str
    path: Path | None
    context: Path | None
    text: str | None = None
    error: str | None = None
    reason: str = ""


class RuleCrash(Exception):
    """A rule raised an exception: a bug in dlint, reported as one line, never a traceback."""


@dataclass
class Result:
    """What a check run produced: findings, the files checked and errors per file."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failing: int = 0
    failed: list[Finding] = field(default_factory=list)
    """The findings at or above their file's failure threshold (``failing`` counts them)."""


def targets_for(paths: Sequence[str], context: str | None) -> list[Target]:
    """Expand command-line paths into Dockerfiles; ``-`` reads stdin."""
    targets = []
    for arg in paths:
        if arg == "-":
            text = decode(sys.stdin.buffer.read(), "<stdin>")
            ctx = Path(context) if context else None
            targets.append(Target("-", None, ctx, text))
            continue
        for found in discover(Path(arg)):
            if found.problem is not None:
                unreadable = UnreadablePath.of(found.path, found.problem)
                targets.append(Target(str(found.path), unreadable, None, error=found.problem))
                continue
            if context:
                chosen = ContextChoice(Path(context), "given with --context")
            else:
                chosen = detect_context(str(found.path))
            name = display(found.path)
            targets.append(Target(name, found.path, chosen.folder, reason=chosen.reason))
    if context and not Path(context).is_dir():
        raise InputError(f"{context}: build context is not a directory")
    return targets


def run_rule(rule: Rule, build: Build, config: Config, **extra: object) -> list[Finding]:
    """Run one rule with its configured options; stamp its problems as findings."""
    options = {**rule.options, **config.options.get(rule.id, {})}
    severity = config.severity_of(rule)
    try:
        problems = list(rule.check(build, **options, **extra))
    except Exception as error:
        raise RuleCrash(
            f"{build.dockerfile.path}: rule {rule.name} ({rule.id}) failed with "
            f"{type(error).__name__}: {error}; this is a bug in dlint, please report it"
        ) from error
    placed = (p.placed(build.dockerfile.path) for p in problems)
    return [
        Finding(rule.id, rule.name, rule.aliases, severity, message, p.file or "", p.span, p.fix)
        for p in placed
        for message in [_with_onbuild_note(build, p)]
    ]


def _with_onbuild_note(build: Build, problem: Problem) -> str:
    """Say so when a problem lies in an ``ONBUILD`` trigger: it fires in another build."""
    dockerfile = build.dockerfile
    if "ONBUILD" in problem.message:
        return problem.message
    if problem.file == dockerfile.path and dockerfile.onbuild_at(problem.span.start):
        return f"{problem.message} (in ONBUILD: runs when an image is built FROM this one)"
    return problem.message


def check_build(build: Build, rules: Sequence[Rule], config: Config = DEFAULT) -> list[Finding]:
    """Run ``rules`` on one build, then apply inline and per-path ignores.

    Rules marked ``after_ignores`` (such as unused-ignore) run last, with what each ignore
    comment suppressed; their findings can be ignored like any other.
    """
    suppressions = ignores.collect(build.dockerfile, rules)
    plain = [f for r in rules if not r.after_ignores for f in run_rule(r, build, config)]
    kept, used = ignores.apply(plain, suppressions, build.dockerfile.path)
    ran = frozenset(r.id for r in rules)
    meta = [
        f
        for r in rules
        if r.after_ignores
        for f in run_rule(r, build, config, suppressions=used, ran=ran)
    ]
    kept += ignores.apply(meta, suppressions, build.dockerfile.path)[0]
    return [f for f in kept if not config.ignored_in(f)]


ConfigFor = Callable[[Target], Config]


def source_text(target: Target) -> str:
    """The Dockerfile text of ``target``: the text it carries (stdin, a fixed text) or its file."""
    if target.text is not None:
        return target.text
    if target.path is None:
        raise InputError(f"{target.name}: no file and no text to check")
    return read_text(target.path)


@without_cyclic_gc()
def check_targets(targets: Sequence[Target], config_for: ConfigFor = lambda _: DEFAULT) -> Result:
    """Parse and check every target; a file that cannot be read or parsed is an error.

    The cyclic garbage collector is paused for the run (see ``without_cyclic_gc``).
    """
    result = Result()
    for target in targets:
        try:
            config = config_for(target)
            text = source_text(target)
            dockerfile = parse_dockerfile(text, target.name)
            build = load_build(dockerfile, target.context, target.path)
        except (InputError, ConfigError) as error:
            result.errors.append(str(error))
            continue
        except DockerfileSyntaxError as error:
            result.errors.append(f"{target.name}:{error.line}:{error.column}: {error.message}")
            continue
        result.files.append(target.name)
        try:
            findings = check_build(build, config.rules(), config)
        except RuleCrash as error:
            result.errors.append(str(error))
            continue
        failed = [f for f in findings if config.fails(f)]
        result.failing += len(failed)
        result.failed.extend(failed)
        result.findings.extend(findings)
    result.findings.sort(key=Finding.sort_key)
    return result
