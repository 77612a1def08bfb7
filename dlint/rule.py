"""The rule contract: a frozen metadata record plus one pure check function.

A rule module in ``rules/<area>/<name>.py`` defines ``RULE = Rule(...)``; its module
docstring is the rule's documentation (shown by ``dlint explain``), and ``<name>.yml``
beside it holds the cases that must and must not raise it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from dlint.finding import Problem, Severity
from dlint.model import Build

RULE_ID = re.compile(r"^D\d{3}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
ALIAS = re.compile(r"^(DL\d{4}|[A-Z]+[a-z]+(?:[A-Z][a-z]+)+)$")

Check = Callable[[Build], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """What every rule declares about itself."""

    id: str
    name: str
    severity: Severity
    summary: str
    check: Check = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fixable: bool = False
    options: Mapping[str, Any] = field(default_factory=dict, compare=False)
    after_ignores: bool = False
    doc: str = field(default="", repr=False, compare=False)
    source: Path | None = field(default=None, repr=False, compare=False)

    @property
    def cases_file(self) -> Path | None:
        """The YAML file with this rule's cases, beside the rule's module."""
        return self.source.with_suffix(".yml") if self.source else None


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule of the pack, ordered by id. Imports each rule module once."""
    import dlint.rules as pack

    rules = []
    for info in pkgutil.walk_packages(pack.__path__, prefix="dlint.rules."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            doc = (module.__doc__ or "").strip()
            rules.append(replace(rule, doc=doc, source=Path(module.__file__ or "")))
    return tuple(sorted(rules, key=lambda r: r.id))


def find_rule(key: str) -> Rule | None:
    """A rule by id, name or alias (case-insensitive for ids and aliases)."""
    for rule in all_rules():
        aliases = (a.upper() for a in rule.aliases)  # BuildKit check names are CamelCase
        if key in (rule.name, rule.id) or key.upper() in (rule.id, *aliases):
            return rule
    return None
