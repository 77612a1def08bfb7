"""The rule contract, checked for every rule so that nobody has to remember it."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import case_engine
from test_rule_cases import load_cases, write_case

from dlint import rule as rule_module
from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.finding import Finding, Severity
from dlint.rule import ALIAS, RULE_ID, RULE_NAME, Rule, all_rules, areas

RULES = all_rules()
PACK = Path(str(RULES[0].source)).parents[1]
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


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_lives_where_its_id_and_name_say(rule: Rule) -> None:
    """The id is in its area's range (its ID_PREFIX) and the file is named after the rule."""
    assert rule.area in areas(), f"{rule.source}: area {rule.area!r} has no ID_PREFIX"
    assert rule.id[:-2] == areas()[rule.area], f"{rule.name}: {rule.id} is not in {rule.area}"
    assert rule.source is not None and rule.source.stem == rule.name.replace("-", "_")
    assert rule.cases_file is not None and rule.cases_file.is_file(), f"{rule.name}: no cases"


def test_every_cases_file_belongs_to_a_rule() -> None:
    """A cases file whose rule module is missing (or misnamed) is never run silently."""
    sources = {r.cases_file for r in RULES}
    assert sorted(set(PACK.rglob("*.yml")) - sources) == []


@pytest.mark.parametrize("rule", [r for r in RULES if r.options], ids=lambda r: r.name)
def test_every_option_is_documented(rule: Rule) -> None:
    """Each key of ``Rule.options`` appears in the rule's documentation as a word of its own."""
    for key in rule.options:
        assert re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", rule.doc), (rule.name, key)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_fixable_means_a_case_shows_the_fix(rule: Rule) -> None:
    """``fixable`` <=> a case has ``fixed:`` text that differs from its Dockerfile (or
    ``fixed_files:``, for a fix that edits or creates another file: a ``.dockerignore``).

    tests/test_rule_cases.py applies the rule's fixes to each such case and compares the
    result with ``fixed:`` and ``fixed_files:``, so the fix really produces it.
    """
    cases = load_cases(rule)
    fixed = [c for c in cases if "fixed" in c or "fixed_files" in c]
    assert bool(fixed) == rule.fixable, f"{rule.name}: fixable={rule.fixable}"
    assert all(c["fixed"] != c["dockerfile"] for c in fixed if "fixed" in c)
    for case in (c for c in fixed if "fixed_files" in c):
        files = case.get("files") or {}
        assert all(files.get(name) != text for name, text in case["fixed_files"].items())


def run_case(rule: Rule, case: dict, root: Path) -> list[Finding]:
    """The findings of ``rule`` alone on one of its cases, written into ``root``."""
    dockerfile = write_case(root, case)
    config = from_mapping({**(case.get("config") or {}), "select": [rule.id]}, "case")
    context = None if case.get("no_context") else root
    target = Target(dockerfile.name, dockerfile, context)
    with case_engine(case):
        return check_targets([target], lambda _: config).findings


@pytest.mark.parametrize("rule", [r for r in RULES if not r.fixable], ids=lambda r: r.name)
def test_a_rule_not_fixable_offers_no_fix(rule: Rule, tmp_path: Path, monkeypatch) -> None:
    """No finding of a rule that does not declare ``fixable`` carries a fix."""
    for number, case in enumerate(c for c in load_cases(rule) if c["expect"]):
        root = tmp_path / str(number)
        root.mkdir()
        monkeypatch.chdir(root)
        fixes = [f for f in run_case(rule, case, root) if f.fix is not None]
        assert fixes == [], case["name"]


COPY = "copied_pack"


@pytest.fixture
def copied_pack(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """A copy of the rule pack that ``all_rules`` loads instead of the real one."""
    root = tmp_path / COPY
    shutil.copytree(PACK, root)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(rule_module, "PACK", COPY)
    all_rules.cache_clear()
    rule_module._areas.cache_clear()
    yield root
    all_rules.cache_clear()
    rule_module._areas.cache_clear()
    for name in [m for m in sys.modules if m == COPY or m.startswith(COPY + ".")]:
        del sys.modules[name]


def dlint_in_process(capsys, *args: str) -> tuple[int, str]:
    """Run ``dlint ARGS`` in this process; return the exit code and the one stderr line."""
    from dlint.cli import main

    code = main(list(args))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    return code, err[0]


def test_copied_pack_loads_every_rule(copied_pack: Path) -> None:
    """The copy loads the same rules, so the broken-pack tests below test only the break."""
    assert [r.name for r in all_rules()] == [r.name for r in RULES]


def test_a_rule_in_a_folder_without_init_is_a_loud_error(copied_pack: Path, capsys) -> None:
    """A new area folder that lacks __init__.py: dlint rules and check exit 2 naming the file."""
    area = copied_pack / "gpu"
    area.mkdir()
    shutil.copy(copied_pack / "runtime" / "root_user.py", area / "cuda_unpinned.py")
    for args in (["rules"], ["check", "-"]):
        code, line = dlint_in_process(capsys, *args)
        assert code == 2
        assert line.startswith(f"dlint: error: {area / 'cuda_unpinned.py'}: ")
        assert "__init__.py" in line


TENTH_AREA_RULE = '''"""## What it does
Reports a CUDA base image without a full version tag.

## Why it matters
A floating CUDA tag changes the driver requirement under you.

## Example
```dockerfile
FROM nvidia/cuda
```

## Instead
```dockerfile
FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04
```

## Fix safety
No automatic fix.
"""

from dlint.finding import Problem, Severity
from dlint.rule import Rule


def check(build):
    for stage in build.dockerfile.stages:
        if stage.base.name.endswith("cuda") and stage.base.tag is None:
            yield Problem("CUDA base image without a version tag", stage.from_instruction.span)


RULE = Rule(id="D1000", name="cuda-unpinned", severity=Severity.WARNING,
            summary="CUDA base image without a version tag", check=check, tags=("gpu",))
'''


def test_a_tenth_area_is_its_folder_init_and_the_rule_s_two_files(
    copied_pack: Path, capsys, tmp_path: Path
) -> None:
    """A new area: a folder whose __init__.py declares ID_PREFIX, and the rule's two files."""
    area = copied_pack / "accelerators"
    area.mkdir()
    (area / "__init__.py").write_text('"""GPU rules."""\n\nID_PREFIX = "D10"\n')
    (area / "cuda_unpinned.py").write_text(TENTH_AREA_RULE)
    (area / "cuda_unpinned.yml").write_text("cases: []\n")
    assert areas()["accelerators"] == "D10"
    assert rules_listed(capsys)[1][-1] == "cuda-unpinned"  # ordered by id: after D999
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM nvidia/cuda\nCMD ["python"]\n')
    from dlint.cli import main

    code = main(["check", "--isolated", "--select", "D1000", "--format", "json", str(dockerfile)])
    import json

    findings = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["rule"], f["name"]) for f in findings] == [("D1000", "cuda-unpinned")]


@pytest.mark.parametrize(
    ("init", "rule_id", "says"),
    [
        ('"""No prefix."""\n', "D1000", "declares the prefix of its rule ids"),
        ('ID_PREFIX = "D4"\n', "D1000", "a prefix of its own"),
        ('ID_PREFIX = "D10"\n', "D299", "outside area 'accelerators'"),
    ],
)
def test_an_area_without_its_own_prefix_is_a_loud_error(
    copied_pack: Path, capsys, init: str, rule_id: str, says: str
) -> None:
    area = copied_pack / "accelerators"
    area.mkdir()
    (area / "__init__.py").write_text(init)
    (area / "cuda_unpinned.py").write_text(TENTH_AREA_RULE.replace('"D1000"', f'"{rule_id}"'))
    code, line = dlint_in_process(capsys, "rules")
    assert code == 2 and line.startswith("dlint: error: ") and says in line, line


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('"""A rule someone forgot to finish."""\n', "no RULE"),
        ('"""A rule with the wrong record."""\nRULE = {"id": "D299"}\n', "RULE is a dict"),
    ],
)
def test_a_rule_module_without_its_record_is_a_loud_error(
    copied_pack: Path, capsys, body: str, says: str
) -> None:
    """A module with no RULE, or a RULE that is not a Rule, is never silently skipped."""
    (copied_pack / "packages" / "conda_unpinned.py").write_text(body)
    code, line = dlint_in_process(capsys, "check", "-")
    assert code == 2
    assert line.startswith(f"dlint: error: {copied_pack / 'packages' / 'conda_unpinned.py'}: ")
    assert says in line


def rules_listed(capsys, *args: str) -> tuple[int, list[str], str]:
    """Run ``dlint rules ARGS`` in-process: exit code, the rule names listed, stderr."""
    from dlint.cli import main

    code = main(["rules", "--format", "json", *args])
    captured = capsys.readouterr()
    import json

    names = [r["name"] for r in json.loads(captured.out)] if captured.out else []
    return code, names, captured.err


def test_rules_filter_by_alias_code_or_prefix(capsys) -> None:
    code, names, _ = rules_listed(capsys, "--alias", "DL3020")
    assert (code, names) == (0, ["add-instead-of-copy"])
    # Trivy's spellings DS005 / DS-0005 and a prefix of Checkov's codes all find rules.
    assert rules_listed(capsys, "--alias", "ds005")[1] == ["add-instead-of-copy"]
    checkov = rules_listed(capsys, "--alias", "CKV_DOCKER")[1]
    assert "add-instead-of-copy" in checkov and "base-image-unpinned" in checkov
    assert all(
        any(a.startswith("CKV_DOCKER") for a in r.aliases) for r in all_rules() if r.name in checkov
    )
    buildkit = rules_listed(capsys, "--alias", "JSONArgsRecommended")[1]
    assert len(buildkit) == 1


def test_rules_filter_by_tag_and_fixable(capsys) -> None:
    code, names, _ = rules_listed(capsys, "--tag", "apt", "--fixable")
    assert code == 0 and "apt-recommends" in names
    assert all(r.fixable and "apt" in r.tags for r in all_rules() if r.name in names)
    assert "apt-upgrade" not in names  # tagged apt, but has no fix
    code, names, err = rules_listed(capsys, "--tag", "no-such-tag")
    assert code == 2 and names == [] and "unknown tag 'no-such-tag'" in err and "security" in err
