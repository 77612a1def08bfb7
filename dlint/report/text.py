"""``--format text``: each finding as a compiler line and a code frame, then a summary.

Like ruff's output: the first line is ``path:line:col: severity name (id) message``, with
``[*]`` when ``dlint check --fix`` would fix it; under it the offending line(s) with a caret
under the exact span. The summary counts findings by severity (``1 warning``, ``2
warnings``) and says how many ``--fix`` would fix. Colour only when the check run says so
(a terminal, ``NO_COLOR``/``FORCE_COLOR``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from dlint.finding import Finding, Severity
from dlint.report import RunInfo

# At most this many lines of a multi-line span are shown; the rest is elided.
MAX_FRAME_LINES = 4
RESET = "\033[0m"
STYLES = {
    "path": "\033[1m",
    "error": "\033[1;31m",
    "warning": "\033[1;33m",
    "info": "\033[1;34m",
    "style": "\033[1;36m",
    "rule": "\033[1m",
    "fixable": "\033[36m",
    "gutter": "\033[34m",
    "caret": "\033[1;31m",
}

Paint = Callable[[str, str], str]


def render(findings: list[Finding], run: RunInfo) -> str:
    """Every finding (with its code frame when the file can be read) and a summary."""
    paint = _painter(run.color)
    texts: dict[str, list[str] | None] = {}
    lines: list[str] = []
    for finding in findings:
        lines.append(finding_line(finding, fixable(finding, run.unsafe_fixes), paint))
        if run.read is not None:
            if finding.file not in texts:
                texts[finding.file] = _lines_of(run.read, finding.file)
            source = texts[finding.file]
            if source is not None:
                lines.extend(frame(finding, source, paint))
    if not run.files:
        return ""  # every input failed; the errors on stderr say why
    if not run.quiet:
        lines.extend(summary(findings, run))
    return "".join(line + "\n" for line in lines)


def fixable(finding: Finding, unsafe: bool) -> bool:
    """True when ``dlint check --fix`` (with ``--unsafe-fixes`` when ``unsafe``) fixes it."""
    return finding.fix is not None and (finding.fix.safe or unsafe)


def finding_line(finding: Finding, fix: bool, paint: Paint) -> str:
    """``path:line:col: severity name (id) [*] message``; a finding with a code shows it
    after the id: ``shellcheck (D800:SC2086)``."""
    where = paint("path", f"{finding.file}:{finding.line}:{finding.column}:")
    severity = paint(finding.severity.value, finding.severity.value)
    rule = paint("rule", f"{finding.name} ({finding.shown_id})")
    marker = " " + paint("fixable", "[*]") if fix else ""
    return f"{where} {severity} {rule}{marker} {finding.message}"


def frame(finding: Finding, source: list[str], paint: Paint) -> list[str]:
    """The lines of the finding's span, each with carets under the part the span covers."""
    first, last = finding.line, finding.end_line
    if last > first and finding.end_column == 1:
        last -= 1  # a span that ends at the start of a line ends with the line before
    if not 1 <= first <= len(source):
        return []
    last = min(max(last, first), len(source))
    shown = list(range(first, last + 1))
    elided = len(shown) > MAX_FRAME_LINES
    if elided:
        shown = [*shown[: MAX_FRAME_LINES - 1], last]
    width = len(str(last))
    bar = paint("gutter", " " * width + " |")
    out = [bar]
    for number in shown:
        if elided and number == last:
            out.append(paint("gutter", " " * width + " :"))
        text = source[number - 1].replace("\t", " ")
        start = finding.column if number == first else _indent(text) + 1
        end = finding.end_column if number == finding.end_line else len(text) + 1
        start = min(max(start, 1), len(text) + 1)
        carets = max(min(end, len(text) + 1) - start, 1)
        out.append(paint("gutter", f"{number:>{width}} |") + (" " + text if text else ""))
        out.append(bar + " " * start + paint("caret", "^" * carets))
    out.append(bar)
    return out


def summary(findings: list[Finding], run: RunInfo) -> list[str]:
    """``Found 3 problems (1 error, 2 warnings); 2 files checked.`` and the fixable line."""
    files = len(run.files)
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not findings:
        return [f"No problems found ({checked})."]
    counts = Counter(f.severity for f in findings)
    parts = ", ".join(_count(counts[sev], sev) for sev in Severity if counts[sev])
    total = len(findings)
    lines = [f"Found {total} problem{'s' if total != 1 else ''} ({parts}); {checked}."]
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.safe)
    if run.unsafe_fixes and safe + unsafe:
        lines.append(f"[*] {safe + unsafe} fixable with `--fix --unsafe-fixes`.")
    elif safe and unsafe:
        lines.append(f"[*] {safe} fixable with `--fix` ({unsafe} more with `--unsafe-fixes`).")
    elif safe:
        lines.append(f"[*] {safe} fixable with `--fix`.")
    elif unsafe:
        lines.append(f"No safe fixes ({unsafe} fixable with `--fix --unsafe-fixes`).")
    return lines


def _count(number: int, severity: Severity) -> str:
    """``1 error``, ``2 warnings``, ``3 info``: info and style are not counted nouns."""
    plural = number != 1 and severity in (Severity.ERROR, Severity.WARNING)
    return f"{number} {severity.value}{'s' * plural}"


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _lines_of(read: Callable[[str], str], file: str) -> list[str] | None:
    """The file's lines (without line endings), or None when it cannot be read."""
    try:
        text = read(file)
    except Exception:  # a frame is a courtesy: a file gone or unreadable just has none
        return None
    # Lines as Docker and the findings count them: split at LF only, a CR before it dropped.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _painter(color: bool) -> Paint:
    if not color:
        return lambda _style, text: text
    return lambda style, text: f"{STYLES[style]}{text}{RESET}"
