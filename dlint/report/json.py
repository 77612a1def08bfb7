"""``--format json``: a stable JSON array of findings that other tools read."""

from __future__ import annotations

import json

from dlint.finding import Finding
from dlint.report import RunInfo


def finding_record(finding: Finding) -> dict:
    """One finding as the JSON object documented in the README."""
    return {
        "rule": finding.rule,
        "name": finding.name,
        "aliases": list(finding.aliases),
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "fix": fix_record(finding),
    }


def fix_record(finding: Finding) -> dict | None:
    """The finding's fix: what it does, whether it is safe, and its text edits."""
    if finding.fix is None:
        return None
    return {
        "description": finding.fix.description,
        "safe": finding.fix.safe,
        "edits": [
            {
                "file": edit.file,
                "line": edit.span.start.line,
                "column": edit.span.start.column,
                "end_line": edit.span.end.line,
                "end_column": edit.span.end.column,
                "replacement": edit.replacement,
            }
            for edit in finding.fix.edits
        ],
    }


def render(findings: list[Finding], run: RunInfo) -> str:
    """All findings as one JSON array."""
    return json.dumps([finding_record(f) for f in findings], indent=2) + "\n"
