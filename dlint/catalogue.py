"""``dlint rules`` and ``dlint explain``: the rule catalogue as people and tools read it.

The README's rules table is ``dlint rules --format markdown``; a test keeps the two equal,
so the table never drifts from the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from dlint.rule import Rule, RulePackError, all_rules, find_rule

FORMATS = ("text", "json", "markdown")


def list_rules(format: str, out: TextIO, err: TextIO) -> int:
    """Print every rule in ``format`` (one of :data:`FORMATS`); return the exit code."""
    try:
        rules = all_rules()
    except RulePackError as error:
        print(f"dlint: error: {error}", file=err)
        return 2
    out.write({"text": text_table, "json": json_records, "markdown": markdown_table}[format](rules))
    return 0


def text_table(rules: Sequence[Rule]) -> str:
    """One aligned line per rule: id, name, severity, summary and aliases."""
    width = max(len(r.name) for r in rules)
    lines = []
    for r in rules:
        aliases = f" [{', '.join(r.aliases)}]" if r.aliases else ""
        lines.append(f"{r.id}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}{aliases}")
    return "".join(line + "\n" for line in lines)


def json_records(rules: Sequence[Rule]) -> str:
    """The catalogue as a JSON array, for tools."""
    records = [
        {
            "id": r.id,
            "name": r.name,
            "aliases": list(r.aliases),
            "severity": r.severity.value,
            "summary": r.summary,
            "tags": list(r.tags),
            "fixable": r.fixable,
        }
        for r in rules
    ]
    return json.dumps(records, indent=2) + "\n"


def markdown_table(rules: Sequence[Rule]) -> str:
    """The catalogue as the Markdown table of the README."""
    lines = [
        "| id | name | severity | reports | fix | hadolint / BuildKit |",
        "|---|---|---|---|---|---|",
    ]
    for r in rules:
        cells = (
            r.id,
            f"`{r.name}`",
            r.severity.value,
            r.summary.replace("|", "\\|"),
            "yes" if r.fixable else "",
            ", ".join(r.aliases),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "".join(line + "\n" for line in lines)


def explain(key: str, out: TextIO, err: TextIO) -> int:
    """Print the documentation of the rule named ``key`` (name, id or alias)."""
    try:
        rule = find_rule(key)
    except RulePackError as error:
        print(f"dlint: error: {error}", file=err)
        return 2
    if rule is None:
        from dlint.config import rule_suggestion

        print(f"dlint: error: unknown rule {key!r}{rule_suggestion(key)}", file=err)
        return 2
    aliases = f" (aliases: {', '.join(rule.aliases)})" if rule.aliases else ""
    print(f"{rule.name} ({rule.id}){aliases}, default severity {rule.severity.value}\n", file=out)
    print(rule.summary + "\n", file=out)
    print(rule.doc, file=out)
    return 0
