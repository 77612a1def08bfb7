"""Helpers that more than one output format needs: fingerprints and XML-safe text."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from dlint import regex
from dlint.finding import Finding

# Characters XML 1.0 cannot carry at all, not even escaped.
NOT_XML = regex.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# A line named in a message: "line 7", "lines 3-5", "lines 3→5", and "app.py:12" (a source
# file's line, not a port or an image tag, hence the file extensions).
LINE_REFERENCE = regex.compile(
    r"\b(lines?) \d+(?:\s*(?:-|\u2013|→|to|and)\s*\d+)?"
    r"|(\.(?:py|sh|txt|in|cfg|toml|yaml|yml|json|lock|ini)):\d+(?::\d+)?\b"
)


def _unnumbered(match: re.Match[str]) -> str:
    """A line reference without its number."""
    return f"{match[1]} #" if match[1] else f"{match[2]}:#"


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """One fingerprint per finding, in the order given, for CI systems that track findings.

    A fingerprint hashes the rule, the file, the code and the message (which names what is
    wrong, such as the image or package), not the line: adding a line above a problem keeps its
    fingerprint. Some messages name another line ("on line 7", "app.py:12"); those numbers
    are taken out first (see ``LINE_REFERENCE``). Identical problems in one file are told
    apart by their order in the file.
    """
    result = [""] * len(findings)
    seen: Counter[tuple[str, str, str]] = Counter()
    for index, finding in sorted(enumerate(findings), key=lambda pair: pair[1].sort_key()):
        # The code is hashed as the message once carried it, so older baselines match.
        message = LINE_REFERENCE.sub(_unnumbered, coded_message(finding))
        key = (finding.rule, PurePath(finding.file).as_posix(), message)
        occurrence = seen[key]
        seen[key] += 1
        text = "\0".join(("dlint", *key, str(occurrence)))
        result[index] = hashlib.sha256(text.encode()).hexdigest()[:32]
    return result


def coded_message(finding: Finding) -> str:
    """The message with the finding's code in front (``SC2086: Double quote…``), for the
    formats where the message is all a reader sees of it."""
    return f"{finding.code}: {finding.message}" if finding.code else finding.message


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


def by_file(findings: Iterable[Finding], files: Iterable[str]) -> dict[str, list[Finding]]:
    """Findings per file: every checked file (with or without findings), in order, then
    any other file a finding points into, such as a requirements file."""
    grouped: dict[str, list[Finding]] = {file: [] for file in files}
    for finding in findings:
        grouped.setdefault(finding.file, []).append(finding)
    return grouped
