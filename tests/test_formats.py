"""The CI output formats, each produced by ``dlint check`` from the same real findings.

Expected values come from ``--format json`` of the same run, so the tests keep holding as
rules are added; the Dockerfiles are chosen so that base-image-unpinned always fires.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from helpers import run_dlint

from dlint.finding import Edit, Finding, Fix, Severity, Span
from dlint.report import RunInfo
from dlint.report import sarif as sarif_format
from dlint.report.github import escape_data, escape_property
from dlint.rule import all_rules

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
# Two stages from the same untagged image: two findings with the same message.
BAD = """\
FROM python AS build
RUN pip install flask
FROM python
COPY --from=build /usr/local /usr/local
"""
CLEAN = "FROM python:3.11-slim\n"
ANNOTATION = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def dlint_check(folder: Path, *args: str) -> str:
    """Run ``dlint check`` in ``folder`` and return its standard output."""
    done = run_dlint("check", *args, cwd=folder)
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.stdout.decode()


def findings(folder: Path, *args: str) -> list[dict]:
    """The findings of a run, from ``--format json``."""
    return json.loads(dlint_check(folder, "--format", "json", *args))


@pytest.fixture
def bad(project) -> Path:
    """A folder with one Dockerfile that has findings."""
    return project({"Dockerfile": BAD})


@pytest.fixture
def two_files(project) -> Path:
    """A failing Dockerfile and, with only base-image-unpinned selected, a passing one."""
    return project({"Dockerfile": BAD, "clean/Dockerfile": CLEAN})


ONLY_PINNING = ("--select", "base-image-unpinned")


def test_sarif_is_valid_against_the_official_schema(bad: Path) -> None:
    log = json.loads(dlint_check(bad, "--format", "sarif"))
    schema = json.loads(SCHEMA.read_text())
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft4Validator(schema).iter_errors(log)
    ]
    assert errors == []
    assert log["version"] == "2.1.0"


def test_sarif_results_are_the_findings(bad: Path) -> None:
    expected = findings(bad)
    run = json.loads(dlint_check(bad, "--format", "sarif"))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dlint"
    assert driver["version"] == driver["semanticVersion"]
    got = [
        (
            r["ruleId"],
            r["level"],
            r["message"]["text"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"],
        )
        for r in run["results"]
    ]
    assert got == [
        (
            f["rule"],
            SARIF_LEVELS[f["severity"]],
            f["message"],
            f["file"],
            {
                "startLine": f["line"],
                "startColumn": f["column"],
                "endLine": f["end_line"],
                "endColumn": f["end_column"],
            },
        )
        for f in expected
    ]
    assert ("D100", "warning", "Dockerfile") in {(g[0], g[1], g[3]) for g in got}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_rules_carry_summary_docs_level_and_tags(bad: Path) -> None:
    rules = json.loads(dlint_check(bad, "--format", "sarif"))["runs"][0]["tool"]["driver"]["rules"]
    pinning = next(r for r in rules if r["name"] == "base-image-unpinned")
    rule = next(r for r in all_rules() if r.name == "base-image-unpinned")
    assert pinning["id"] == rule.id
    assert pinning["shortDescription"]["text"] == rule.summary
    assert pinning["fullDescription"]["text"].startswith("Flags a `FROM`")
    assert pinning["help"]["markdown"] == rule.doc
    assert "## " not in pinning["help"]["text"]
    assert "```" not in pinning["help"]["text"]
    assert pinning["defaultConfiguration"]["level"] == "warning"
    assert pinning["properties"]["tags"] == list(rule.tags)
    assert len({r["id"] for r in rules}) == len(rules) == len(all_rules())


def test_sarif_fingerprints_do_not_follow_line_numbers(bad: Path) -> None:
    def fingerprints() -> list[tuple[str, int, str]]:
        results = json.loads(dlint_check(bad, "--format", "sarif"))["runs"][0]["results"]
        return [
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"]["dlintFindingHash/v1"],
            )
            for r in results
        ]

    before = fingerprints()
    (bad / "Dockerfile").write_text("# syntax=docker/dockerfile:1\n\n" + BAD)
    after = fingerprints()
    assert [(rule, line + 2, fp) for rule, line, fp in before] == after
    pinning = [fp for rule, _, fp in before if rule == "D100"]
    assert len(pinning) == len(set(pinning)) == 2


def test_sarif_carries_fixes_as_replacements() -> None:
    edit = Edit(Span.of(1, 6, 1, 12), "python:3.11-slim", "Dockerfile")
    finding = Finding(
        "D100",
        "base-image-unpinned",
        (),
        Severity.WARNING,
        "base image 'python' has no tag",
        "Dockerfile",
        Span.of(1, 6, 1, 12),
        Fix("pin python:3.11-slim", (edit,), safe=False),
    )
    log = json.loads(sarif_format.render([finding], RunInfo(("Dockerfile",), all_rules())))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    (fix,) = log["runs"][0]["results"][0]["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "Dockerfile"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 12},
            "insertedContent": {"text": "python:3.11-slim"},
        }
    ]
    assert fix["description"]["text"] == "pin python:3.11-slim"


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """Undo a workflow command the way the Actions runner reads it."""
    match = ANNOTATION.match(line)
    assert match, line
    command, props, message = match.groups()

    def unescape(text: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            text = text.replace(code, char)
        return text

    properties = dict(item.split("=", 1) for item in props.split(","))
    return command, {k: unescape(v) for k, v in properties.items()}, unescape(message)


def test_github_annotations_point_at_each_finding(project) -> None:
    # A folder name with the characters GitHub's command syntax reserves.
    folder = project({"odd%dir,v2:x/Dockerfile": BAD})
    expected = findings(folder)
    lines = dlint_check(folder, "--format", "github").splitlines()
    assert len(lines) == len(expected)
    for line, finding in zip(lines, expected, strict=True):
        command, properties, message = parse_annotation(line)
        assert properties["file"] == finding["file"] == "odd%dir,v2:x/Dockerfile"
        assert int(properties["line"]) == finding["line"]
        assert int(properties["col"]) == finding["column"]
        assert properties["title"] == f"{finding['name']} ({finding['rule']})"
        assert message == finding["message"]
        assert command == {"error": "error", "warning": "warning"}.get(
            finding["severity"], "notice"
        )


def test_github_escaping_keeps_commands_on_one_line() -> None:
    assert escape_data("100% sure\r\nnext: a, b") == "100%25 sure%0D%0Anext: a, b"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_junit_has_a_test_case_per_file_and_counts_failures(two_files: Path) -> None:
    expected = Counter(f["file"] for f in findings(two_files, *ONLY_PINNING))
    suites = ET.fromstring(dlint_check(two_files, "--format", "junit", *ONLY_PINNING))
    (suite,) = suites.iter("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"Dockerfile", "clean/Dockerfile"}
    assert suite.get("tests") == suites.get("tests") == "2"
    assert suite.get("failures") == suites.get("failures") == "1"
    assert cases["clean/Dockerfile"].find("failure") is None
    failure = cases["Dockerfile"].find("failure")
    assert failure is not None
    assert failure.get("message") == f"{expected['Dockerfile']} problems"
    assert len(failure.text.strip().splitlines()) == expected["Dockerfile"] == 2


def test_checkstyle_lists_every_file_and_finding(two_files: Path) -> None:
    expected = findings(two_files)
    root = ET.fromstring(dlint_check(two_files, "--format", "checkstyle"))
    assert root.tag == "checkstyle" and root.get("version")
    names = [file.get("name") for file in root.iter("file")]
    assert names == ["Dockerfile", "clean/Dockerfile"]
    got = [
        (
            file.get("name"),
            int(error.get("line")),
            int(error.get("column")),
            error.get("severity"),
            error.get("message"),
        )
        for file in root.iter("file")
        for error in file.iter("error")
    ]
    assert got == [
        (
            f["file"],
            f["line"],
            f["column"],
            "info" if f["severity"] == "style" else f["severity"],
            f["message"],
        )
        for f in expected
    ]


def test_gitlab_fingerprints_are_unique_and_stable(bad: Path) -> None:
    first = json.loads(dlint_check(bad, "--format", "gitlab"))
    second = json.loads(dlint_check(bad, "--format", "gitlab"))
    assert first == second
    prints = [issue["fingerprint"] for issue in first]
    assert len(set(prints)) == len(prints) == len(findings(bad))
    (bad / "Dockerfile").write_text("# moved down by a comment\n" + BAD)
    moved = json.loads(dlint_check(bad, "--format", "gitlab"))
    assert [i["fingerprint"] for i in moved] == prints
    assert [i["location"]["lines"]["begin"] for i in moved] == [
        i["location"]["lines"]["begin"] + 1 for i in first
    ]


def test_gitlab_issues_name_rule_place_and_severity(bad: Path) -> None:
    expected = findings(bad)
    issues = json.loads(dlint_check(bad, "--format", "gitlab"))
    for issue, finding in zip(issues, expected, strict=True):
        assert issue["check_name"] == finding["name"]
        assert finding["message"] in issue["description"]
        assert issue["location"]["path"] == finding["file"]
        assert issue["location"]["lines"]["begin"] == finding["line"]
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert {i["severity"] for i in issues if i["check_name"] == "base-image-unpinned"} == {"major"}


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_output_writes_the_report_to_a_file(bad: Path, fmt: str) -> None:
    printed = dlint_check(bad, "--format", fmt)
    done = run_dlint("check", "--format", fmt, "--output", "report.out", cwd=bad)
    assert done.returncode == 1
    assert done.stdout == b""
    assert (bad / "report.out").read_text(encoding="utf-8") == printed


def test_output_to_an_unwritable_place_is_one_clear_error(bad: Path) -> None:
    done = run_dlint("check", "--output", "missing/folder/report.txt", cwd=bad)
    assert done.returncode == 2
    errors = done.stderr.decode().splitlines()
    assert errors == [errors[0]]
    assert errors[0].startswith("dlint: error: missing/folder/report.txt")
    assert "Traceback" not in done.stderr.decode()


def test_statistics_counts_findings_by_rule(bad: Path) -> None:
    expected = Counter((f["rule"], f["name"]) for f in findings(bad))
    lines = dlint_check(bad, "--statistics").splitlines()
    rows = [line.split() for line in lines[: len(expected)]]
    assert [(row[1], row[-1], int(row[0])) for row in rows] == sorted(
        ((rule, name, n) for (rule, name), n in expected.items()),
        key=lambda item: (-item[2], item[0]),
    )
    assert ["2", "D100", "base-image-unpinned"] in rows
    assert lines[len(expected)].startswith(f"Found {expected.total()} problems")


def test_statistics_refuses_another_format(bad: Path) -> None:
    done = run_dlint("check", "--statistics", "--format", "json", cwd=bad)
    assert done.returncode == 2
    assert b"--statistics" in done.stderr


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit", "checkstyle", "gitlab"])
def test_a_clean_file_reports_no_problems(project, fmt: str) -> None:
    folder = project({"Dockerfile": CLEAN})
    done = run_dlint("check", "--format", fmt, *ONLY_PINNING, cwd=folder)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    if fmt == "sarif":
        log = json.loads(out)
        jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
        assert log["runs"][0]["results"] == []
    elif fmt == "gitlab":
        assert json.loads(out) == []
    elif fmt == "github":
        assert out == ""
    else:
        root = ET.fromstring(out)
        assert root.find(".//failure") is None and root.find(".//error") is None
        assert len(root.findall(".//testcase") or root.findall(".//file")) == 1


def test_sarif_names_a_file_outside_the_working_directory_by_file_uri(bad: Path) -> None:
    (bad / "elsewhere").mkdir()
    log = json.loads(dlint_check(bad / "elsewhere", "--format", "sarif", str(bad / "Dockerfile")))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {(bad / "Dockerfile").resolve().as_uri()}
