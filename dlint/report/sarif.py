"""``--format sarif``: SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

Every rule dlint has is described once under ``tool.driver.rules`` (with its documentation
as help); each finding is a result pointing at its rule by id and index. Paths are
relative to the directory dlint ran in (``%SRCROOT%``), which in CI is the checkout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path, PurePath
from urllib.parse import quote

from dlint import __version__, regex
from dlint.finding import Edit, Finding, Fix, Severity, Span
from dlint.report import RunInfo
from dlint.report.shared import coded_message, fingerprints
from dlint.rule import Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}
# SARIF asks for fingerprint names with a version, so that a change of scheme is visible.
FINGERPRINT = "dlintFindingHash/v1"
HEADING = regex.compile(r"^#{1,6}\s+(.*)$")
FENCE = regex.compile(r"^\s*(```|~~~)")


def render(findings: list[Finding], run: RunInfo) -> str:
    """One SARIF log with one run: the rules that ran and a result per finding."""
    index = {rule.id: position for position, rule in enumerate(run.rules)}
    driver = {
        "name": "dlint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_descriptor(rule) for rule in run.rules],
    }
    homepage = _homepage()
    if homepage:
        driver["informationUri"] = homepage
    results = [
        result(finding, index.get(finding.rule), fingerprint)
        for finding, fingerprint in zip(findings, fingerprints(findings), strict=True)
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                # Our columns count characters, not the UTF-16 units SARIF assumes by default.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def rule_descriptor(rule: Rule) -> dict:
    """A SARIF reportingDescriptor for ``rule``, with its documentation as help."""
    descriptor: dict = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": _first_section(rule.doc) or rule.summary or rule.name},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }
    if rule.doc:
        descriptor["help"] = {"text": _plain(rule.doc), "markdown": rule.doc}
    properties: dict = {}
    if rule.tags:
        properties["tags"] = list(dict.fromkeys(rule.tags))
    if rule.aliases:
        properties["aliases"] = list(rule.aliases)
    if properties:
        descriptor["properties"] = properties
    return descriptor


def result(finding: Finding, rule_index: int | None, fingerprint: str) -> dict:
    """A SARIF result for one finding; ``rule_index`` is None for a rule not in the run."""
    record: dict = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": coded_message(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(finding.file),
                    "region": region(finding.span),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }
    if rule_index is not None:
        record["ruleIndex"] = rule_index
    if finding.fix is not None:
        record["fixes"] = [fix(finding.fix)]
    if finding.code is not None:
        # The rule stays the ruleId (GitHub looks its help up by it); the code rides along.
        record["properties"] = {"code": finding.code}
    return record


def fix(proposed: Fix) -> dict:
    """A SARIF fix: the fix's edits grouped by the file they change."""
    by_file: dict[str, list[Edit]] = {}
    for edit in proposed.edits:
        # The engine names the file of every edit; "" would be the checked Dockerfile.
        by_file.setdefault(edit.file or "", []).append(edit)
    return {
        "description": {"text": proposed.description},
        "artifactChanges": [
            {
                "artifactLocation": artifact_location(file),
                "replacements": [
                    {
                        "deletedRegion": region(edit.span),
                        "insertedContent": {"text": edit.replacement},
                    }
                    for edit in edits
                ],
            }
            for file, edits in by_file.items()
        ],
        "properties": {"safe": proposed.safe},
    }


def artifact_location(file: str) -> dict:
    """Where ``file`` is: a URI relative to ``%SRCROOT%``, or a file URI when absolute."""
    path = PurePath(file)
    if path.is_absolute():
        return {"uri": Path(file).as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def region(span: Span) -> dict:
    """A SARIF region; both use 1-based lines and columns with an exclusive end column."""
    return {
        "startLine": span.start.line,
        "startColumn": span.start.column,
        "endLine": span.end.line,
        "endColumn": span.end.column,
    }


def _first_section(doc: str) -> str:
    """The first paragraph of prose in the documentation (its *What it does*), on one line."""
    paragraph: list[str] = []
    for kind, line in _classify(doc):
        if kind == "prose" and line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    return " ".join(paragraph)


def _plain(doc: str) -> str:
    """The documentation as plain text: headings in capitals, code blocks unfenced."""
    lines = []
    for kind, line in _classify(doc):
        if kind == "heading":
            lines.append(HEADING.sub(r"\1", line).upper())
        elif kind != "fence":
            lines.append(line)
    return "\n".join(lines).strip()


def _classify(doc: str) -> Iterator[tuple[str, str]]:
    """Each line of markdown ``doc`` as ``heading``, ``fence``, ``code`` or ``prose``."""
    in_code = False
    for line in doc.splitlines():
        if FENCE.match(line):
            in_code = not in_code
            yield "fence", line
        elif in_code:
            yield "code", line
        elif HEADING.match(line):
            yield "heading", line
        else:
            yield "prose", line


def _homepage() -> str | None:
    """The project's home page, as packaging metadata declares it (None if it does not)."""
    from importlib import metadata

    try:
        meta = metadata.metadata("dlint")
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return url.strip()
    return next(iter(meta.get_all("Home-page") or []), None)
