"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

GitLab shows the findings in merge requests and compares them with the target branch by
fingerprint, so fingerprints stay put when lines move (see ``shared.fingerprints``).
"""

from __future__ import annotations

import json
from pathlib import PurePath

from dlint.finding import Finding, Severity
from dlint.report import RunInfo
from dlint.report.shared import fingerprints

# GitLab's scale is info < minor < major < critical < blocker. Nothing dlint finds stops
# a service from working the way a blocker would, so errors are critical.
SEVERITIES = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.INFO: "minor",
    Severity.STYLE: "info",
}


def render(findings: list[Finding], run: RunInfo) -> str:
    """A JSON array with one Code Quality issue per finding."""
    issues = [
        issue(finding, fingerprint)
        for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def issue(finding: Finding, fingerprint: str) -> dict:
    """One Code Quality issue."""
    return {
        "check_name": finding.shown_name,
        "description": f"{finding.shown_name}: {finding.message}",
        "severity": SEVERITIES[finding.severity],
        "fingerprint": fingerprint,
        "location": {
            "path": PurePath(finding.file).as_posix(),
            "lines": {"begin": finding.line, "end": finding.end_line},
        },
    }
