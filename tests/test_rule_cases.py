"""Runs every case of every rule: the YAML file beside each rule in rules/.

A case writes a Dockerfile (and any other files it names) into a fresh build context,
runs that one rule, and compares where it fired with the case's ``expect`` list.

Case keys: ``name``; ``dockerfile`` (its text); ``files`` (other context files, path ->
text); ``dockerfile_name``; ``no_context: true`` (lint as stdin would); ``config``
(.dlint.yaml settings); ``expect``, a list of ``"line:col"`` strings or maps with ``at``,
``end``, ``file``, a ``message`` substring and the finding's ``code`` (``SC2086``);
``fixed``, the Dockerfile after every fix; ``fixed_files``, other files after every fix
(path -> text; a file a fix creates too); ``safe``, whether every fix the case offers is
safe (true) or unsafe (false); ``no_fix: true``, that the findings carry no fix at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import case_engine

from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.fix import apply_fixes
from dlint.rule import Rule, all_rules


def load_cases(rule: Rule) -> list[dict]:
    """The cases of ``rule`` (empty when it has no cases file; the catalogue test catches that)."""
    if rule.cases_file is None or not rule.cases_file.is_file():
        return []
    return yaml.safe_load(rule.cases_file.read_text())["cases"]


CASES = [
    pytest.param(rule, case, id=f"{rule.name}/{case['name']}")
    for rule in all_rules()
    for case in load_cases(rule)
]


def expected(entry: str | dict) -> dict:
    """Normalise an ``expect`` entry: ``"3:1"`` or ``{at, end, file, message, code}``."""
    return {"at": entry} if isinstance(entry, str) else entry


def write_case(root: Path, case: dict) -> Path:
    """Write the case's Dockerfile and other files; return the Dockerfile's path."""
    for name, text in (case.get("files") or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    dockerfile = root / case.get("dockerfile_name", "Dockerfile")
    dockerfile.write_text(case["dockerfile"])
    return dockerfile


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_rule_case(rule: Rule, case: dict, tmp_path: Path, monkeypatch) -> None:
    """The rule fires exactly where the case says, and nowhere else."""
    monkeypatch.chdir(tmp_path)
    dockerfile = write_case(tmp_path, case)
    context = None if case.get("no_context") else tmp_path
    # Rules that judge other rules' results (unused-ignore) need every rule to run.
    settings = dict(case.get("config") or {})
    if not rule.after_ignores:
        settings["select"] = [rule.id]
    config = from_mapping(settings, "case")
    with case_engine(case):
        result = check_targets([Target(dockerfile.name, dockerfile, context)], lambda _: config)
    assert not result.errors, result.errors
    result.findings = [f for f in result.findings if f.rule == rule.id]
    wanted = [expected(e) for e in case["expect"]]
    got = [f"{f.line}:{f.column}" for f in result.findings]
    assert got == [w["at"] for w in wanted], [f.message for f in result.findings]
    for finding, want in zip(result.findings, wanted, strict=True):
        assert finding.rule == rule.id
        if "end" in want:
            assert f"{finding.end_line}:{finding.end_column}" == want["end"]
        assert finding.file == want.get("file", dockerfile.name)
        assert want.get("message", "") in finding.message
        if "code" in want:
            assert finding.code == want["code"]
    if "fixed" in case:
        fixed = apply_fixes(case["dockerfile"], dockerfile.name, result.findings, unsafe=True)
        assert fixed.text == case["fixed"]
        assert not fixed.skipped
    edited = {e.file for f in result.findings if f.fix for e in f.fix.edits if e.file}
    for name, text in (case.get("fixed_files") or {}).items():
        path = tmp_path / name
        # The edit names the file as the findings do (relative, or under the context root).
        file = next((e for e in edited if (tmp_path / e).resolve() == path.resolve()), name)
        before = path.read_text() if path.exists() else ""
        other = apply_fixes(before, file, result.findings, unsafe=True, dockerfile=False)
        assert other.text == text, name
    if case.get("no_fix"):
        assert [f.fix for f in result.findings if f.fix is not None] == []
    if "safe" in case:
        offered = [f.fix.safe for f in result.findings if f.fix is not None]
        assert offered and all(safe is case["safe"] for safe in offered), offered
