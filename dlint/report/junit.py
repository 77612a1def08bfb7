"""``--format junit``: JUnit XML, which most CI systems show as a test report.

A test suite per file, a test case per finding, as CI dashboards (and hadolint) list
them: each finding is a failed case named after its rule and place, so a dashboard counts
and tracks problems one by one. A checked file with no findings is one passing case, so a
clean run still shows what was checked. Files a finding points into that were not checked
themselves (a requirements file, a .dockerignore) get a suite of their own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dlint.finding import Finding
from dlint.report import RunInfo
from dlint.report.shared import by_file, coded_message, xml_text


def render(findings: list[Finding], run: RunInfo) -> str:
    """A ``<testsuites>`` document with one ``<testsuite>`` per file."""
    grouped = by_file(findings, run.files)
    tests = sum(max(len(problems), 1) for problems in grouped.values())
    totals = {"tests": str(tests), "failures": str(len(findings)), "errors": "0"}
    suites = ET.Element("testsuites", {"name": "dlint", **totals})
    for file, problems in grouped.items():
        name = xml_text(file)
        counts = {"tests": str(max(len(problems), 1)), "failures": str(len(problems))}
        suite = ET.SubElement(
            suites, "testsuite", {"name": name, **counts, "errors": "0", "skipped": "0"}
        )
        if not problems:
            ET.SubElement(suite, "testcase", classname=name, name="no problems")
        for finding in problems:
            case = ET.SubElement(suite, "testcase", classname=name, name=_case_name(finding))
            failure = ET.SubElement(
                case,
                "failure",
                type=finding.severity.value,
                message=xml_text(coded_message(finding)),
            )
            failure.text = xml_text(_line(finding) + "\n")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _case_name(finding: Finding) -> str:
    """``base-image-unpinned (D100) at 1:6``: the rule, then where, as a dashboard lists it."""
    return f"{finding.name} ({finding.shown_id}) at {finding.line}:{finding.column}"


def _line(finding: Finding) -> str:
    """``file:line:col: severity name (id) message``, as the text format prints it."""
    return (
        f"{finding.file}:{finding.line}:{finding.column}: {finding.severity.value} "
        f"{finding.name} ({finding.shown_id}) {finding.message}"
    )
