"""``--format checkstyle``: Checkstyle XML, read by Jenkins, reviewdog and many CI plugins.

Every checked file gets a ``<file>`` element, empty when it has no findings, so tools that
count checked files see them all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dlint.finding import Finding, Severity
from dlint.report import RunInfo
from dlint.report.shared import by_file, coded_message, xml_text

# The format version tools expect to see; Checkstyle 4.3 fixed this layout.
VERSION = "4.3"
SEVERITIES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
    Severity.STYLE: "info",
}


def render(findings: list[Finding], run: RunInfo) -> str:
    """A ``<checkstyle>`` document with one ``<file>`` per file and an ``<error>`` per finding."""
    root = ET.Element("checkstyle", version=VERSION)
    for file, problems in by_file(findings, run.files).items():
        element = ET.SubElement(root, "file", name=xml_text(file))
        for finding in problems:
            ET.SubElement(
                element,
                "error",
                line=str(finding.line),
                column=str(finding.column),
                severity=SEVERITIES[finding.severity],
                message=xml_text(coded_message(finding)),
                source=".".join(
                    ("dlint", finding.rule, finding.name, *filter(None, [finding.code]))
                ),
            )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
