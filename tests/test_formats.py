"""The output formats: every format rendered in-process from one fixed list of findings and
compared with its golden file, plus the properties CI systems rely on.

The golden files are in tests/golden/, one per format. After an intended change of a
format, rewrite them with ``DLINT_UPDATE_GOLDEN=1 pytest tests/test_formats.py`` and read
the diff before committing it. The tests after them run the check in-process on real
Dockerfiles; the last few run the ``dlint`` command itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from helpers import run_dlint

from dlint.checkrun import run_check
from dlint.cli import build_parser, check_options
from dlint.finding import Edit, Finding, Fix, Problem, Severity, Span
from dlint.model import Build
from dlint.report import FORMATS, RunInfo, render, statistics
from dlint.report import sarif as sarif_format
from dlint.report.github import escape_data, escape_property
from dlint.rule import Rule, all_rules

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
GOLDEN = Path(__file__).parent / "golden"
# Every other format is .txt.
EXTENSIONS = {
    "json": "json",
    "sarif": "sarif",
    "gitlab": "json",
    "junit": "xml",
    "checkstyle": "xml",
}


def no_check(build: Build) -> Iterator[Problem]:
    """Stands in for a rule's check: the golden findings are made by hand."""
    yield from ()


def golden_rule(
    id: str, name: str, severity: Severity, aliases: tuple[str, ...], tags: tuple[str, ...]
) -> Rule:
    """A rule record for the golden run, independent of the real pack's wording."""
    doc = (
        f"## What it does\nFlags what {name} flags.\n\n## Why it matters\nIt costs.\n\n"
        "## Example\n```dockerfile\nFROM python\n```\n\n## Instead\nPin it.\n"
    )
    return Rule(id, name, severity, f"summary of {name}", no_check, aliases, tags, doc=doc)


GOLDEN_RULES = (
    golden_rule("D100", "base-image-unpinned", Severity.WARNING, ("DL3006",), ("pinning",)),
    golden_rule("D201", "requirements-unpinned", Severity.WARNING, (), ("pinning", "python")),
    golden_rule("D205", "pip-cache-kept", Severity.INFO, ("DL3042",), ("size",)),
    golden_rule("D300", "copy-before-install", Severity.WARNING, (), ("cache",)),
    golden_rule("D400", "root-user", Severity.WARNING, ("DL3002",), ("security",)),
    golden_rule("D800", "shellcheck", Severity.WARNING, (), ("shell",)),
)
PIN = Edit(Span.of(1, 6, 1, 12), "python:3.11-slim", "Dockerfile")
# One finding of each severity; a multi-line span; a safe and an unsafe fix; a finding in a
# requirements file and one in a second Dockerfile; non-ASCII text and characters that
# XML, JSON and workflow commands must escape; a finding with a code of its own (SC2086).
# In the order the engine sorts findings.
GOLDEN_FINDINGS = [
    Finding(
        "D100", "base-image-unpinned", ("DL3006",), Severity.ERROR,
        "base image 'python' has no tag; pin it, e.g. python:3.11-slim",
        "Dockerfile", Span.of(1, 6, 1, 12),
        Fix("pin python:3.11-slim", (PIN,), safe=False),
    ),
    Finding(
        "D300", "copy-before-install", (), Severity.WARNING,
        "COPY . . (lines 3→5) comes before «pip install»: every edit reinstalls <all> & more",
        "Dockerfile", Span.of(3, 1, 5, 24),
    ),
    Finding(
        "D205", "pip-cache-kept", ("DL3042",), Severity.INFO,
        "pip keeps its download cache in the image; add --no-cache-dir (100% of it, a, b: c)",
        "Dockerfile", Span.of(6, 9, 6, 16),
        Fix("add --no-cache-dir", (Edit(Span.of(6, 16, 6, 16), " --no-cache-dir", "Dockerfile"),)),
    ),
    Finding(
        "D800", "shellcheck", (), Severity.WARNING,
        "Double quote to prevent globbing and word splitting.",
        "Dockerfile", Span.of(6, 17, 6, 22), code="SC2086",
    ),
    Finding(
        "D201", "requirements-unpinned", (), Severity.STYLE,
        "torch>=2 is not pinned with ==; café 日本語",
        "requirements.txt", Span.of(2, 1, 2, 9),
    ),
    Finding(
        "D400", "root-user", ("DL3002",), Severity.WARNING,
        "the final image runs as root",
        "services/api/Dockerfile", Span.of(1, 1, 1, 22),
    ),
]  # fmt: skip
GOLDEN_RUN = RunInfo(("Dockerfile", "clean/Dockerfile", "services/api/Dockerfile"), GOLDEN_RULES)
# The files the golden findings point into, for the text format's code frames.
GOLDEN_SOURCES = {
    "Dockerfile": "FROM python\nWORKDIR /app\nCOPY . .\nRUN echo one \\\n"
    "    && pip install -r requirements.txt\nRUN pip install flask\n",
    "requirements.txt": "flask==3.0.3\ntorch>=2\n",
    "services/api/Dockerfile": "FROM python:3.11-slim\r\n",
}


def rendered(fmt: str) -> str:
    """The golden findings in format ``fmt`` (``statistics`` is ``--statistics``)."""
    if fmt == "statistics":
        return statistics.render(GOLDEN_FINDINGS, GOLDEN_RUN)
    if fmt == "text":
        return render(fmt, GOLDEN_FINDINGS, replace(GOLDEN_RUN, read=GOLDEN_SOURCES.__getitem__))
    return render(fmt, GOLDEN_FINDINGS, GOLDEN_RUN)


@pytest.mark.parametrize("fmt", [*FORMATS, "statistics"])
def test_format_matches_its_golden_file(fmt: str) -> None:
    """Every format of the fixed findings is byte for byte its golden file."""
    golden = GOLDEN / f"{fmt}.{EXTENSIONS.get(fmt, 'txt')}"
    text = rendered(fmt)
    if os.environ.get("DLINT_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        with golden.open("w", encoding="utf-8", newline="") as file:
            file.write(text)
    assert golden.is_file(), f"no {golden}: run with DLINT_UPDATE_GOLDEN=1 to write it"
    with golden.open(encoding="utf-8", newline="") as file:
        assert text == file.read(), f"{fmt} differs from {golden}"


def test_golden_files_are_all_used() -> None:
    """A golden file of a format that no longer exists is a stale contract."""
    names = {f"{fmt}.{EXTENSIONS.get(fmt, 'txt')}" for fmt in [*FORMATS, "statistics"]}
    assert {p.name for p in GOLDEN.iterdir()} == names


def test_golden_sarif_is_valid_against_the_official_schema() -> None:
    """The golden SARIF, fixes and all, validates against SARIF 2.1.0."""
    log = json.loads(rendered("sarif"))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).iter_errors(log)
    ]
    assert errors == []
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == [f.rule for f in GOLDEN_FINDINGS]
    assert [r["level"] for r in results] == [
        "error",
        "warning",
        "note",
        "warning",
        "note",
        "warning",
    ]
    # A finding's own code rides along; the ruleId stays the rule GitHub has help for.
    assert [r.get("properties", {}).get("code") for r in results] == [
        f.code for f in GOLDEN_FINDINGS
    ]
    assert results[3]["message"]["text"].startswith("SC2086: Double quote")


def test_golden_xml_formats_parse_and_keep_the_text() -> None:
    """JUnit and Checkstyle are well-formed XML that carries the messages unchanged."""
    for fmt in ("junit", "checkstyle"):
        root = ET.fromstring(rendered(fmt))
        text = ET.tostring(root, encoding="unicode", method="text") + " ".join(
            e.get("message", "") for e in root.iter()
        )
        for finding in GOLDEN_FINDINGS:
            assert finding.message in text, (fmt, finding.message)


def test_golden_annotations_round_trip() -> None:
    """Each GitHub annotation reads back as the finding it came from."""
    lines = rendered("github").splitlines()
    for line, finding in zip(lines, GOLDEN_FINDINGS, strict=True):
        _, properties, message = parse_annotation(line)
        assert message == finding.message and properties["file"] == finding.file
        if finding.line != finding.end_line:
            assert "col" not in properties and properties["endLine"] == str(finding.end_line)


def check_in_process(folder: Path, *args: str) -> tuple[int, str, str]:
    """Run ``dlint check ARGS`` in ``folder``, in this process: exit code, stdout, stderr."""
    options = check_options(build_parser().parse_args(["check", *args]))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(folder):
        code = run_check(options, out, err)
    return code, out.getvalue(), err.getvalue()


def dlint_check(folder: Path, *args: str) -> str:
    """The report of ``dlint check ARGS`` in ``folder``, which must not fail."""
    code, out, err = check_in_process(folder, *args)
    assert code in (0, 1), err
    return out


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


def test_junit_has_a_suite_per_file_and_a_case_per_finding(two_files: Path) -> None:
    expected = [f for f in findings(two_files, *ONLY_PINNING)]
    suites = ET.fromstring(dlint_check(two_files, "--format", "junit", *ONLY_PINNING))
    by_name = {suite.get("name"): suite for suite in suites.iter("testsuite")}
    assert set(by_name) == {"Dockerfile", "clean/Dockerfile"}
    # A clean file is one passing case.
    (clean,) = by_name["clean/Dockerfile"].iter("testcase")
    assert clean.find("failure") is None
    assert by_name["clean/Dockerfile"].get("failures") == "0"
    # One failed case per finding, named by rule and place.
    cases = list(by_name["Dockerfile"].iter("testcase"))
    assert [c.get("name") for c in cases] == [
        f"{f['name']} ({f['rule']}) at {f['line']}:{f['column']}" for f in expected
    ]
    assert len(cases) == 2
    failures = [c.find("failure") for c in cases]
    assert [f.get("message") if f is not None else None for f in failures] == [
        f["message"] for f in expected
    ]
    assert by_name["Dockerfile"].get("failures") == by_name["Dockerfile"].get("tests") == "2"
    assert suites.get("tests") == "3" and suites.get("failures") == "2"


def test_checkstyle_lists_every_file_and_finding(two_files: Path) -> None:
    expected = findings(two_files)
    root = ET.fromstring(dlint_check(two_files, "--format", "checkstyle"))
    assert root.tag == "checkstyle" and root.get("version")
    names = [file.get("name") for file in root.iter("file")]
    assert names == ["Dockerfile", "clean/Dockerfile"]
    got = [
        (
            file.get("name"),
            int(error.get("line", "")),
            int(error.get("column", "")),
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
    code, out, err = check_in_process(folder, "--format", fmt, *ONLY_PINNING)
    assert code == 0, err
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


def _shifted(dockerfile: str) -> str | None:
    """The Dockerfile with a comment line before its first FROM (parser directives and
    the lines above stay put), or None when it has no FROM."""
    lines = dockerfile.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if re.match(r"\s*from\b", line, re.IGNORECASE):
            return "".join([*lines[:index], "# a line added above\n", *lines[index:]])
    return None


def _rule_case_fingerprints(rule: Rule, case: dict, root: Path, text: str) -> list[str]:
    from test_rule_cases import write_case

    from dlint.config import from_mapping
    from dlint.engine import Target, check_targets
    from dlint.report.shared import fingerprints

    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    os.chdir(root)  # findings name files relative to the working directory
    dockerfile = write_case(root, {**case, "dockerfile": text})
    context = None if case.get("no_context") else root
    settings = dict(case.get("config") or {})
    if not rule.after_ignores:
        settings["select"] = [rule.id]
    config = from_mapping(settings, "case")
    result = check_targets([Target(dockerfile.name, dockerfile, context)], lambda _: config)
    found = [f for f in result.findings if f.rule == rule.id]
    return sorted(fingerprints(found))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.name)
def test_fingerprints_of_every_rule_ignore_a_line_added_above(
    rule: Rule, tmp_path: Path, monkeypatch
) -> None:
    """For every failing case of every rule: a line added above the first FROM moves the
    findings but keeps their fingerprints (GitLab and code scanning track them by it)."""
    from test_rule_cases import load_cases

    monkeypatch.chdir(tmp_path)
    compared = 0
    for number, case in enumerate(load_cases(rule)):
        shifted = _shifted(case["dockerfile"])
        if not case["expect"] or shifted is None:
            continue
        root = tmp_path / str(number)
        before = _rule_case_fingerprints(rule, case, root, case["dockerfile"])
        after = _rule_case_fingerprints(rule, case, root, shifted)
        assert before == after, case["name"]
        compared += 1
    if not any(case["expect"] for case in load_cases(rule)):
        pytest.skip(f"{rule.name} has no failing case")
    assert compared or rule.after_ignores
