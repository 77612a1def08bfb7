"""Test-only rules with fixes, for proving what ``dlint test --verify-fixes`` reports.

Like every real rule, the first two stop firing once their fix is applied (the fix loop
re-checks and repeats until nothing changes). The last two do not, the bugs a second
``--fix`` would show: ``never_settles`` adds a flag on every pass, and ``renames_again``
keeps reporting the file it fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dlint import rule
from dlint.finding import Edit, Fix, Problem, Severity
from dlint.model import Build, Instruction


def renames_page(build: Build) -> Iterator[Problem]:
    """A broken fix: it means to change nothing, but the page lands under another name."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword == "COPY" and instruction.value == "index.html .":
            yield _rename(instruction)


def binds_all(build: Build) -> Iterator[Problem]:
    """An unsafe fix that changes the CMD, and declares it."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword == "CMD" and instruction.value.endswith('"8000"]'):
            yield _bind(instruction, "binds every address")


def never_settles(build: Build) -> Iterator[Problem]:
    """The CMD fix of a rule that finds its own work again: every pass adds the flag."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword == "CMD" and '"8000"' in instruction.value:
            yield _bind(instruction, "binds again")


def renames_again(build: Build) -> Iterator[Problem]:
    """The renaming fix of a rule that still fires on the file it fixed (its fix then
    writes back the text it replaces)."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword == "COPY" and "index.html" in instruction.value:
            yield _rename(instruction)


def _rename(instruction: Instruction) -> Problem:
    destination = instruction.arguments[-1]
    fix = Fix("tidy the destination", (Edit(destination.span, "./page.html"),))
    return Problem("test rule: renames the page", destination.span, fix)


def _bind(instruction: Instruction, message: str) -> Problem:
    start = instruction.value.index('"8000"')
    span = instruction.locate(start, start + 6)
    edit = Edit(span, '"8000", "--bind", "0.0.0.0"')
    fix = Fix("bind every address", (edit,), safe=False, changes=("Cmd",))
    return Problem(f"test rule: {message}", span, fix)


def _rule(check: Callable[[Build], Iterator[Problem]], id: str, name: str) -> rule.Rule:
    return rule.Rule(
        id=id, name=name, severity=Severity.INFO, summary=name, check=check, fixable=True
    )


ADDED = (
    _rule(renames_page, "D798", "test-renames-page"),
    _rule(binds_all, "D799", "test-binds-all"),
    _rule(never_settles, "D797", "test-never-settles"),
    _rule(renames_again, "D796", "test-renames-again"),
)


def pack_with_test_rules() -> Callable[[], tuple[rule.Rule, ...]]:
    """The rule pack with the test rules added, to stand in for ``all_rules``."""
    pack = rule.all_rules
    return lambda: (*pack(), *ADDED)
