"""A second ``--fix`` changes nothing: every ``fixed:`` case of every rule, linted again.

tests/test_rule_cases.py proves that a rule's fixes turn a case's Dockerfile into its
``fixed:`` text; here that text is linted again with the same rule (and the same context
files, a created ``.dockerignore`` included), and whatever fixes the rule still offers must
leave every file as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import case_engine
from test_rule_cases import load_cases, write_case

from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.fix import apply_fixes
from dlint.rule import Rule, all_rules

FIXED = [
    pytest.param(rule, case, id=f"{rule.name}/{case['name']}")
    for rule in all_rules()
    for case in load_cases(rule)
    if "fixed" in case or "fixed_files" in case
]


@pytest.mark.parametrize(("rule", "case"), FIXED)
def test_fixing_the_fixed_text_changes_nothing(
    rule: Rule, case: dict, tmp_path: Path, monkeypatch
) -> None:
    """The rule's fixes on the fixed text (and its fixed files) are no-ops."""
    monkeypatch.chdir(tmp_path)
    files = {**(case.get("files") or {}), **(case.get("fixed_files") or {})}
    dockerfile = write_case(
        tmp_path, {**case, "dockerfile": case.get("fixed", case["dockerfile"]), "files": files}
    )
    context = None if case.get("no_context") else tmp_path
    settings = {**(case.get("config") or {}), "select": [rule.id]}
    config = from_mapping(settings, "case")
    with case_engine(case):
        result = check_targets([Target(dockerfile.name, dockerfile, context)], lambda _: config)
    assert not result.errors, result.errors
    findings = [f for f in result.findings if f.rule == rule.id]
    edited = {e.file for f in findings if f.fix for e in f.fix.edits if e.file}
    for file in edited:
        path = tmp_path / file
        text = path.read_text() if path.exists() else ""
        again = apply_fixes(text, file, findings, unsafe=True)
        assert again.text == text, f"a second fix of {file} changed it:\n{again.text}"
