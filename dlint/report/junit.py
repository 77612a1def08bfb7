"""``--format junit``: JUnit XML, which most CI systems show as a test report.

One test case per file: a checked Dockerfile with no findings passes, and a file with
findings (a Dockerfile, or a requirements file or .dockerignore it uses) fails with one
``<failure>`` listing all of them. A file is the unit people fix and re-run, and CI test
reports stay the same size however many findings there are.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dlint.finding import Finding
from dlint.report import RunInfo
from dlint.report.shared import by_file, xml_text


def render(findings: list[Finding], run: RunInfo) -> str:
    """A ``<testsuites>`` document with one ``<testsuite name="dlint">``."""
    grouped = by_file(findings, run.files)
    failures = sum(1 for problems in grouped.values() if problems)
    counts = {"tests": str(len(grouped)), "failures": str(failures), "errors": "0"}
    suites = ET.Element("testsuites", {"name": "dlint", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "dlint", "skipped": "0", **counts})
    for file, problems in grouped.items():
        case = ET.SubElement(suite, "testcase", classname="dlint", name=xml_text(file))
        if problems:
            failure = ET.SubElement(
                case,
                "failure",
                type=min((f.severity for f in problems), key=lambda s: s.rank).value,
                message=xml_text(_count(problems)),
            )
            failure.text = xml_text("".join(_line(f) + "\n" for f in problems))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _count(problems: list[Finding]) -> str:
    """``1 problem``, ``3 problems``."""
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"


def _line(finding: Finding) -> str:
    """``line:col: severity name (id) message``; the file is the test case's name."""
    return (
        f"{finding.line}:{finding.column}: {finding.severity.value} "
        f"{finding.name} ({finding.rule}) {finding.message}"
    )
