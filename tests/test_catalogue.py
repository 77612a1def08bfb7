"""The rule contract, checked for every rule so that nobody has to remember it."""

from __future__ import annotations

import re

import pytest
import yaml

from dlint.finding import Severity
from dlint.rule import ALIAS, RULE_ID, RULE_NAME, all_rules

RULES = all_rules()
DOC_HEADINGS = ("## What it does", "## Why it matters", "## Example", "## Instead", "## Fix safety")


def test_ids_and_names_are_unique() -> None:
    """Two rules never share an id, a name or an alias."""
    keys = [k for r in RULES for k in (r.id, r.name, *r.aliases)]
    assert len(keys) == len(set(keys))


def test_the_pack_has_every_rule_of_the_spec() -> None:
    """The names in the issue are part of the interface."""
    names = {r.name for r in RULES}
    assert {
        "base-image-unpinned",
        "pip-unpinned",
        "requirements-unpinned",
        "apt-unpinned",
        "apt-lists-kept",
        "apt-recommends",
        "pip-cache-kept",
        "copy-before-install",
        "root-user",
        "missing-healthcheck",
        "shell-form-cmd",
        "full-base-image",
        "build-tools-in-final-stage",
        "python-env-unset",
        "dockerignore-missing",
        "dockerignore-incomplete",
    } <= names


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_contract(rule) -> None:
    """Id, name, aliases, severity, summary, docs and cases are all well-formed."""
    assert RULE_ID.match(rule.id), rule.id
    assert RULE_NAME.match(rule.name), rule.name
    assert all(ALIAS.match(a) for a in rule.aliases), rule.aliases
    assert isinstance(rule.severity, Severity)
    assert rule.summary and "\n" not in rule.summary and len(rule.summary) <= 100
    assert rule.tags
    for heading in DOC_HEADINGS:
        assert heading in rule.doc, f"{rule.name}: docs lack {heading!r}"
    assert rule.check.__doc__, f"{rule.name}: check() needs a docstring"
    cases = yaml.safe_load(rule.cases_file.read_text())["cases"]
    assert any(c["expect"] for c in cases), f"{rule.name}: no case that raises it"
    assert any(not c["expect"] for c in cases), f"{rule.name}: no case that passes"
    assert all(
        re.match(r"^\d+:\d+$", str(e if isinstance(e, str) else e["at"]))
        for c in cases
        for e in c["expect"]
    )
