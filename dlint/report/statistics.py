"""``dlint check --statistics``: how many findings each rule raised, most frequent first."""

from __future__ import annotations

from collections import Counter

from dlint.finding import Finding
from dlint.report import RunInfo

FIXABLE = "[*]"


def render(findings: list[Finding], run: RunInfo) -> str:
    """``count  id  [*] name`` per rule, sorted by count, then a total.

    ``[*]`` marks rules whose findings here come with an automatic fix.
    """
    files = len(run.files)
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not findings:
        return f"No problems found ({checked}).\n"
    # A finding with a code (D800:SC2086) is counted under its code.
    counts = Counter(f.shown_id for f in findings)
    names = {f.shown_id: f.name for f in findings}
    fixable = {f.shown_id for f in findings if f.fix is not None}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = len(str(ranked[0][1]))
    id_width = max(len(rule) for rule in counts)
    # Names line up whether or not their rule carries the marker.
    blank = " " * len(f"{FIXABLE} ") if fixable else ""
    lines = [
        f"{count:>{width}}  {rule:<{id_width}}  "
        f"{f'{FIXABLE} ' if rule in fixable else blank}{names[rule]}"
        for rule, count in ranked
    ]
    total = len(findings)
    lines.append(f"Found {total} problem{'s' if total != 1 else ''}; {checked}.")
    if fixable:
        lines.append(f"{FIXABLE} an automatic fix is available.")
    return "\n".join(lines) + "\n"
