"""``--format github``: workflow commands that GitHub Actions shows as annotations.

Printed in a workflow step, each line becomes an annotation on the file and line of the
finding, in the job summary and in the pull request's diff.
"""

from __future__ import annotations

from dlint.finding import Finding, Severity
from dlint.report import RunInfo

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def render(findings: list[Finding], run: RunInfo) -> str:
    """One ``::error``/``::warning``/``::notice`` line per finding."""
    return "".join(annotation(finding) + "\n" for finding in findings)


def annotation(finding: Finding) -> str:
    """The workflow command for one finding."""
    properties = [("file", finding.file), ("line", str(finding.line))]
    if finding.end_line == finding.line:
        # GitHub takes columns only for an annotation that stays on one line.
        properties += [("col", str(finding.column)), ("endColumn", str(finding.end_column))]
    else:
        properties.append(("endLine", str(finding.end_line)))
    properties.append(("title", f"{finding.name} ({finding.shown_id})"))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def escape_data(text: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value, where ``:`` and ``,`` also delimit."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
