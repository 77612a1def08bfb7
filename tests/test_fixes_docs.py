"""docs/fixes.md lists every fixable rule once, with the safety its fixes really have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import REPO, case_engine
from test_rule_cases import load_cases, write_case

from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.rule import Rule, all_rules

ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (safe|unsafe|safe or unsafe) \|", re.M)
TABLE = {
    name: set(safety.split(" or "))
    for name, safety in ROW.findall((REPO / "docs" / "fixes.md").read_text())
}


def test_every_fixable_rule_is_in_the_table_once() -> None:
    """The table names exactly the rules that declare ``fixable``."""
    rows = ROW.findall((REPO / "docs" / "fixes.md").read_text())
    assert len(rows) == len(TABLE)
    assert set(TABLE) == {r.name for r in all_rules() if r.fixable}


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.fixable], ids=lambda r: r.name)
def test_the_table_states_the_safety_the_fixes_have(
    rule: Rule, tmp_path: Path, monkeypatch
) -> None:
    """Every fix the rule's cases offer is of a safety its row names, and the row names
    no safety that none of its fixes has."""
    seen: set[str] = set()
    for number, case in enumerate(load_cases(rule)):
        root = tmp_path / str(number)
        root.mkdir()
        monkeypatch.chdir(root)
        dockerfile = write_case(root, case)
        context = None if case.get("no_context") else root
        config = from_mapping({**(case.get("config") or {}), "select": [rule.id]}, "case")
        with case_engine(case):
            result = check_targets(
                [Target(dockerfile.name, dockerfile, context)], lambda _, chosen=config: chosen
            )
        seen |= {
            "safe" if f.fix.safe else "unsafe"
            for f in result.findings
            if f.rule == rule.id and f.fix is not None
        }
    assert seen == TABLE.get(rule.name), rule.name
