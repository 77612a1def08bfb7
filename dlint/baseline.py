"""``--write-baseline`` / ``--baseline``: adopt dlint on a repository with findings today.

A baseline file records the current findings by fingerprint (the one GitLab and SARIF
use: rule, file, code (ShellCheck's ``SC2086``) and message, never the line), so a
finding keeps matching when lines are added or removed above it, and only new findings
are reported. Files are named relative to the baseline's folder, so the check may run
from any directory.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from dlint.config import ConfigError, relative_to_root
from dlint.finding import Finding
from dlint.records import replace

FORMAT = "dlint-baseline/1"


def _as_recorded(findings: Sequence[Finding], folder: Path) -> list[Finding]:
    """The findings with their files named relative to ``folder`` (as the baseline does)."""
    return [replace(f, file=relative_to_root(Path(f.file), folder) or f.file) for f in findings]


def _fingerprints(findings: Sequence[Finding], folder: Path) -> list[str]:
    from dlint.report.shared import fingerprints

    return fingerprints(_as_recorded(findings, folder))


def save_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Write every finding's fingerprint (with its rule, code, file and message, for people)."""
    folder = path.resolve().parent
    recorded = _as_recorded(findings, folder)
    entries = [
        {"fingerprint": fingerprint, "rule": f.name, "file": f.file, "message": f.message}
        | ({"code": f.code} if f.code else {})
        for f, fingerprint in zip(recorded, _fingerprints(findings, folder), strict=True)
    ]
    text = json.dumps({"format": FORMAT, "findings": entries}, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def read_baseline(path: Path) -> Counter[str]:
    """The fingerprints of a baseline file, as often as each occurs; ConfigError when the
    file cannot be read or is not a baseline."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(
            f"{path}: not a dlint baseline (write one with --write-baseline)"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{path}: not a dlint baseline (write one with --write-baseline)")
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigError(f"{path}: not a dlint baseline (write one with --write-baseline)")
    return Counter(e["fingerprint"] for e in entries)


def new_findings(findings: Sequence[Finding], known: Counter[str], folder: Path) -> list[Finding]:
    """The findings the baseline (in ``folder``) does not hold; a fingerprint recorded
    twice covers two findings."""
    remaining = Counter(known)
    kept = []
    for finding, fingerprint in zip(findings, _fingerprints(findings, folder), strict=True):
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
        else:
            kept.append(finding)
    return kept
