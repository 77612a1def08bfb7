"""``--format text``: one line per finding, like a compiler, then a summary."""

from __future__ import annotations

from collections import Counter

from dlint.finding import Finding, Severity
from dlint.report import RunInfo


def render(findings: list[Finding], run: RunInfo) -> str:
    """``path:line:col: severity name (id) message`` lines and a one-line summary."""
    lines = [
        f"{f.file}:{f.line}:{f.column}: {f.severity.value} {f.name} ({f.rule}) {f.message}"
        for f in findings
    ]
    files = len(run.files)
    if not files:
        return ""  # every input failed; the errors on stderr say why
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not findings:
        lines.append(f"No problems found ({checked}).")
    else:
        counts = Counter(f.severity for f in findings)
        parts = ", ".join(_count(counts[sev], sev) for sev in Severity if counts[sev])
        total = len(findings)
        lines.append(f"Found {total} problem{'s' if total != 1 else ''} ({parts}); {checked}.")
    return "\n".join(lines) + "\n"


def _count(number: int, severity: Severity) -> str:
    """``1 error``, ``2 warnings``, ``3 info``: info and style are not counted nouns."""
    plural = number != 1 and severity in (Severity.ERROR, Severity.WARNING)
    return f"{number} {severity.value}{'s' * plural}"
