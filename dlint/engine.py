"""Runs the rules over builds and turns their problems into findings.

The engine knows nothing about what a rule checks: it finds the rules, feeds each one
the model, and stamps every problem with the rule's identity and severity.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
from dlint.records import dataclass, field
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


def rule_options(rule: Rule, config: Config) -> dict[str, Any]:
    """The rule's options: its defaults, then what the configuration sets."""
    return {**rule.options, **config.options.get(rule.id, {})}


def run_rule(rule: Rule, build: Build, config: Config, **extra: object) -> list[Finding]:
    """Run one rule with its configured options; stamp its problems as findings."""
    options = rule_options(rule, config)
    try:
        problems = list(rule.check(build, **options, **extra))
    except Exception as error:
        raise RuleCrash(
            f"{build.dockerfile.path}: rule {rule.name} ({rule.id}) failed with "
            f"{type(error).__name__}: {error}; this is a bug in dlint, please report it"
        ) from error
    placed = (p.placed(build.dockerfile.path) for p in problems)
    return [
        Finding(
            rule.id,
            rule.name,
            rule.aliases,
            config.severity_of(rule, p.code),
            _with_onbuild_note(build, p),
            p.file or "",
            p.span,
            p.fix,
            p.code,
        )
        for p in placed
    ]


def _with_onbuild_note(build: Build, problem: Problem) -> str:
    """Say so when a problem lies in an ``ONBUILD`` trigger: it fires in another build."""
    dockerfile = build.dockerfile
    if "ONBUILD" in problem.message:
        return problem.message
    if problem.file == dockerfile.path and dockerfile.onbuild_at(problem.span.start):
        return f"{problem.message} (in ONBUILD: runs when an image is built FROM this one)"
    return problem.message


def check_build(
    build: Build,
    rules: Sequence[Rule],
    config: Config = DEFAULT,
    batched: Mapping[str, object] | None = None,
) -> list[Finding]:
    """Run ``rules`` on one build, then apply inline and per-path ignores.

    Rules marked ``after_ignores`` (such as unused-ignore) run last, with what each ignore
    comment suppressed; their findings can be ignored like any other. ``batched`` holds
    what rules' batch steps returned (by rule id), handed to their checks.
    """
    suppressions = ignores.collect(build.dockerfile, rules)
    plain = [f for found in _run_plain(build, rules, config, batched or {}) for f in found]
    kept, used = ignores.apply(plain, suppressions, build.dockerfile.path)
    ran = frozenset(r.id for r in rules)
    meta = [
        f
        for r in rules
        if r.after_ignores
        for f in run_rule(r, build, config, suppressions=used, ran=ran)
    ]
    kept += ignores.apply(meta, suppressions, build.dockerfile.path)[0]
    return [f for f in kept if not config.leaves_out(f)]


def _run_plain(
    build: Build, rules: Sequence[Rule], config: Config, batched: Mapping[str, object]
) -> list[list[Finding]]:
    """The findings of each rule that runs before the ignores, in the order of ``rules``.

    A rule that ``waits`` on another program (ShellCheck) has its batch step running in a
    thread (see :func:`_batch`) and is checked after the other rules, so the program's
    wait overlaps their work; its findings keep their place.
    """

    def run(rule: Rule) -> list[Finding]:
        if rule.id not in batched:
            return run_rule(rule, build, config)
        step = batched[rule.id]
        if isinstance(step, _BatchStep):
            done, value = step.result()
            if not done:  # the batch step failed: the check does the work itself
                return run_rule(rule, build, config)
            return run_rule(rule, build, config, batched=value)
        return run_rule(rule, build, config, batched=step)

    plain = [r for r in rules if not r.after_ignores]
    # A rule that waits runs last, so that the others run while its batch step works.
    found = {r.id: run(r) for r in sorted(plain, key=lambda r: r.waits)}
    return [found[r.id] for r in plain]


class _BatchStep:
    """A rule's batch step running in a thread; :meth:`result` waits for it.

    The step of a rule that ``waits`` (ShellCheck over every script of the run) runs while
    the other rules check the first files, instead of before them.
    """

    def __init__(self, rule: Rule, builds: list[tuple[Build, Mapping[str, Any]]]) -> None:
        import threading

        self._value: object = None
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(rule, builds), daemon=True)
        self._thread.start()

    def _run(self, rule: Rule, builds: list[tuple[Build, Mapping[str, Any]]]) -> None:
        assert rule.batch is not None
        try:
            self._value, self._done = rule.batch(builds), True
        except Exception:  # the check runs without it, and reports a bug in its file
            self._done = False

    def result(self) -> tuple[bool, object]:
        """Whether the step succeeded, and what it returned."""
        self._thread.join()
        return self._done, self._value


ConfigFor = Callable[[Target], Config]


def source_text(target: Target) -> str:
    """The Dockerfile text of ``target``: the text it carries (stdin, a fixed text) or its file."""
    if target.text is not None:
        return target.text
    if target.path is None:
        raise InputError(f"{target.name}: no file and no text to check")
    return read_text(target.path)


def check_targets(targets: Sequence[Target], config_for: ConfigFor = lambda _: DEFAULT) -> Result:
    """Parse and check every target; a file that cannot be read or parsed is an error."""
    return check_groups([targets], config_for)[0]


Loaded = tuple[Target, Config, Build]
# A target checked before, as the result cache keeps it: errors, or its name and findings
# with whether each fails.
Cached = tuple[tuple[str, ...], str | None, tuple[tuple[Finding, bool], ...]]
_cache_on = False


@contextmanager
def caching(on: bool = True) -> Iterator[None]:
    """Serve and keep results through :mod:`dlint.resultcache` while the block runs
    (``dlint check`` without ``--no-cache``; never for fixes or the engine's facts)."""
    global _cache_on
    before, _cache_on = _cache_on, on
    try:
        yield
    finally:
        _cache_on = before


class _Item:
    """One target through a check: loaded (or an error line), or served from the cache."""

    __slots__ = ("cached", "findings", "key", "loaded", "recorder", "target")

    def __init__(self, target: Target) -> None:
        self.target = target
        self.loaded: Loaded | str | None = None
        self.cached: Cached | None = None
        self.findings: list[Finding] = []
        self.key: str | None = None
        self.recorder: Any = None


@without_cyclic_gc()
def check_groups(
    groups: Sequence[Sequence[Target]], config_for: ConfigFor = lambda _: DEFAULT
) -> list[Result]:
    """:func:`check_targets` for each group, with every file read before any is checked,
    so that rules' batch steps (ShellCheck) run once for all the groups. The cyclic
    garbage collector is paused for the run (see ``without_cyclic_gc``). With
    :func:`caching` on, a target whose inputs did not change is served from the cache."""
    cache = _result_cache() if _cache_on else None
    items = [[_Item(target) for target in group] for group in groups]
    every = [item for group in items for item in group]
    if cache is not None:
        tool = _shellcheck_identity()
        for item in every:
            _look_up(cache, item, config_for, tool)
    for item in every:
        if item.cached is None:
            item.loaded = _recorded(item, _load, item.target, config_for)
    batched = _batch([item.loaded for item in every if isinstance(item.loaded, tuple)])
    results = [_check_loaded(group, batched) for group in items]
    if cache is not None:
        # A failed batch step (ShellCheck) left its rule to work alone: not worth keeping.
        failed = any(isinstance(s, _BatchStep) and not s.result()[0] for s in batched.values())
        for item in every:
            if item.recorder is not None and not failed:
                cache.put(item.key, item.recorder, _payload(item))
    return results


def _result_cache() -> Any:
    from dlint.resultcache import open_cache

    return open_cache()


def _shellcheck_identity() -> object:
    """Which ShellCheck the shellcheck rule would run (and its stamp): part of every key."""
    from dlint import resultcache, shellcheck

    found = shellcheck.binary()
    return (found, resultcache.stamp_of(found, True)) if found else None


def _look_up(cache: Any, item: _Item, config_for: ConfigFor, tool: object) -> None:
    """Serve ``item`` from the cache, or note its key so that its result is kept."""
    from dlint import resultcache

    target = item.target
    if target.text is not None or target.path is None or target.error is not None:
        return
    try:
        config = config_for(target)
    except ConfigError:
        return
    item.key = cache.key(target.name, str(target.path), str(target.context), config, tool)
    item.cached = cache.get(item.key)
    if item.cached is None:
        item.recorder = resultcache.Recorder()


def _recorded(item: _Item, work: Callable[..., Any], *args: Any) -> Any:
    """``work(*args)``, with what it looks at on disk noted for the item's cache entry."""
    if item.recorder is None:
        return work(*args)
    from dlint.resultcache import recording

    with recording(item.recorder):
        return work(*args)


def _payload(item: _Item) -> Cached:
    """What the cache keeps for a checked item (see :data:`Cached`)."""
    loaded = item.loaded
    if isinstance(loaded, str):
        return ((loaded,), None, ())
    assert loaded is not None
    target, config, _ = loaded
    return ((), target.name, tuple((f, config.fails(f)) for f in item.findings))


def _load(target: Target, config_for: ConfigFor) -> Loaded | str:
    """The target's configuration and build, or the one error line that stops it."""
    try:
        config = config_for(target)
        dockerfile = parse_dockerfile(source_text(target), target.name)
        return target, config, load_build(dockerfile, target.context, target.path)
    except (InputError, ConfigError) as error:
        return str(error)
    except DockerfileSyntaxError as error:
        return f"{target.name}:{error.line}:{error.column}: {error.message}"


def _batch(loaded: Sequence[Loaded]) -> dict[str, object]:
    """Each batch step's result (by rule id), over the builds that run its rule.

    A batch step that fails is left out: its rule's check then does the work itself (and
    reports a bug as a :class:`RuleCrash`, with the file it happened in).
    """
    jobs: dict[str, tuple[Rule, list[tuple[Build, Mapping[str, Any]]]]] = {}
    for _, config, build in loaded:
        for rule in config.rules():
            if rule.batch is not None:
                jobs.setdefault(rule.id, (rule, []))[1].append((build, rule_options(rule, config)))
    batched: dict[str, object] = {}
    for rule_id, (rule, builds) in jobs.items():
        assert rule.batch is not None
        if rule.waits:
            batched[rule_id] = _BatchStep(rule, builds)
            continue
        try:
            batched[rule_id] = rule.batch(builds)
        except Exception:  # the check runs without it, and reports a bug in its file
            continue
    return batched


def _check_loaded(group: Sequence[_Item], batched: Mapping[str, object]) -> Result:
    """Check loaded targets (an error line for each that could not be loaded)."""
    result = Result()
    for item in group:
        if item.cached is not None:
            errors, name, kept = item.cached
            result.errors.extend(errors)
            if name is not None:
                result.files.append(name)
                for finding, fails in kept:
                    result.findings.append(finding)
                    if fails:
                        result.failing += 1
                        result.failed.append(finding)
            continue
        loaded = item.loaded
        if isinstance(loaded, str):
            result.errors.append(loaded)
            continue
        assert loaded is not None
        target, config, build = loaded
        result.files.append(target.name)
        try:
            findings = _recorded(item, check_build, build, config.rules(), config, batched)
        except RuleCrash as error:
            result.errors.append(str(error))
            if item.recorder is not None:
                item.recorder.spoiled = True
            continue
        item.findings = findings
        failed = [f for f in findings if config.fails(f)]
        result.failing += len(failed)
        result.failed.extend(failed)
        result.findings.extend(findings)
    result.findings.sort(key=Finding.sort_key)
    return result
