"""Runs the rules over builds and turns their problems into findings.

The engine knows nothing about what a rule checks: it finds the rules, feeds each one
the model, and stamps every problem with the rule's identity and severity.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dlint.finding import Finding
from dlint.load import InputError, decode, discover, display, load_build, read_text
from dlint.model import Build
from dlint.parse import DockerfileSyntaxError, parse_dockerfile
from dlint.rule import Rule, all_rules


@dataclass(frozen=True)
class Target:
    """One Dockerfile to check: where its text comes from and its build context."""

    name: str
    path: Path | None
    context: Path | None
    text: str | None = None


@dataclass
class Result:
    """What a check run produced: findings, the files checked and errors per file."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def targets_for(paths: Sequence[str], context: str | None) -> list[Target]:
    """Expand command-line paths into Dockerfiles; ``-`` reads stdin."""
    targets = []
    for arg in paths:
        if arg == "-":
            text = decode(sys.stdin.buffer.read(), "<stdin>")
            ctx = Path(context) if context else None
            targets.append(Target("-", None, ctx, text))
            continue
        for path in discover(Path(arg)):
            ctx = Path(context) if context else path.parent
            targets.append(Target(display(path), path, ctx))
    if context and not Path(context).is_dir():
        raise InputError(f"{context}: build context is not a directory")
    return targets


def check_build(build: Build, rules: Iterable[Rule]) -> list[Finding]:
    """Run ``rules`` on one build."""
    findings = []
    for rule in rules:
        for problem in rule.check(build):
            findings.append(
                Finding(
                    rule.id,
                    rule.name,
                    rule.aliases,
                    rule.severity,
                    problem.message,
                    problem.file,
                    problem.span,
                    problem.fix,
                )
            )
    return findings


def check_targets(targets: Sequence[Target], rules: Sequence[Rule] | None = None) -> Result:
    """Parse and check every target; a file that cannot be read or parsed is an error."""
    rules = all_rules() if rules is None else rules
    result = Result()
    for target in targets:
        try:
            text = target.text if target.text is not None else read_text(target.path)
            dockerfile = parse_dockerfile(text, target.name)
            build = load_build(dockerfile, target.context, target.path)
        except InputError as error:
            result.errors.append(str(error))
            continue
        except DockerfileSyntaxError as error:
            result.errors.append(f"{target.name}:{error.line}:{error.column}: {error.message}")
            continue
        result.files.append(target.name)
        result.findings.extend(check_build(build, rules))
    result.findings.sort(key=Finding.sort_key)
    return result
