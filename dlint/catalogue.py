"""``dlint rules`` and ``dlint explain``: the rule catalogue as people and tools read it.

The README's rules table is ``dlint rules --format markdown``; a test keeps the two equal,
so the table never drifts from the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from dlint.rule import Rule, RulePackError, all_rules, canonical_code, code_owner, find_rule

FORMATS = ("text", "json", "markdown")


def list_rules(
    format: str,
    out: TextIO,
    err: TextIO,
    tags: Sequence[str] = (),
    aliases: Sequence[str] = (),
    fixable: bool = False,
) -> int:
    """Print the rules in ``format`` (one of :data:`FORMATS`); return the exit code.

    ``tags`` keeps the rules carrying any of them; ``aliases`` the rules with a peer code
    that is, or starts with, any of them (``DL3008``, ``DL30``, ``CKV_DOCKER``,
    ``JSONArgsRecommended``; case does not matter); ``fixable`` the rules with a fix.
    """
    try:
        rules = all_rules()
    except RulePackError as error:
        print(f"dlint: error: {error}", file=err)
        return 2
    known = sorted({tag for r in rules for tag in r.tags})
    unknown = [tag for tag in tags if tag.lower() not in known]
    if unknown:
        print(
            f"dlint: error: unknown tag {unknown[0]!r} (tags: {', '.join(known)})",
            file=err,
        )
        return 2
    selected = select_rules(rules, tags, aliases, fixable)
    if not selected:
        print("dlint: no rule matches", file=err)
        return 0
    render = {"text": text_table, "json": json_records, "markdown": markdown_table}[format]
    out.write(render(selected))
    return 0


def select_rules(
    rules: Sequence[Rule], tags: Sequence[str], aliases: Sequence[str], fixable: bool
) -> list[Rule]:
    """The rules that pass every filter given (see :func:`list_rules`)."""
    wanted_tags = {tag.lower() for tag in tags}
    prefixes = tuple(code.upper().replace("-", "") for code in aliases)
    exact = {canonical_code(code) for code in aliases}
    kept = []
    for rule in rules:
        if wanted_tags and not wanted_tags.intersection(rule.tags):
            continue
        if prefixes and not any(
            canonical_code(alias) in exact or alias.upper().replace("-", "").startswith(prefixes)
            for alias in rule.aliases
        ):
            continue
        if fixable and not rule.fixable:
            continue
        kept.append(rule)
    return kept


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
    """Print the documentation of the rule named ``key`` (name, id or alias, or a code its
    findings carry: ``SC2086`` explains the shellcheck rule)."""
    try:
        rule = find_rule(key) or code_owner(key)
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
