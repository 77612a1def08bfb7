"""JSON Schemas for editors: ``.dlint.yaml``, ``[tool.dlint]`` and the ``dlint test`` spec.

The schemas are generated from what dlint itself accepts (the keys of ``dlint.config``,
every rule's name, id, aliases and options, the records of the ``dlint test`` spec) and
shipped in this folder, so an editor completes rule names and flags a typo before ``dlint check``
does. ``python -m dlint.schemas --write`` regenerates them; tests/test_schemas.py fails
when a file differs from what this module generates, or when the schema and
``dlint.config`` disagree on a configuration.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dlint.config import BUILDKIT_CHECK, CODE_PREFIX, KEYS, PEER_CODE, SEVERITIES
from dlint.rule import CODE_HEAD, Rule, all_rules

FOLDER = Path(__file__).parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"
CONFIG = "dlint-config.schema.json"
PYPROJECT = "pyproject-dlint.schema.json"
SPEC = "dlint-test.schema.json"
RULE = {"$ref": "#/$defs/rule"}
SEVERITY = {"enum": list(SEVERITIES)}
OPTION_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}
OPTION_TYPES.update({list: "array", dict: "object"})


class SchemaOutOfDate(Exception):
    """``dlint.config`` accepts a key that this module has no schema for."""


def rule_codes(rules: tuple[Rule, ...]) -> list[str]:
    """Every spelling of a rule the schema offers: ``ALL``, names, ids, aliases, prefixes.

    dlint also accepts ids, aliases and prefixes in any letter case (and Trivy's other
    spellings); the schema lists them as dlint writes them, which is what completion
    should offer. A prefix (``D4``, ``DL30``) is listed when it selects a rule.
    """
    codes = ["ALL", "all"]
    for rule in rules:
        codes += [rule.name, rule.id, *rule.aliases]
    return list(dict.fromkeys(codes + code_prefixes(rules)))


def code_prefixes(rules: tuple[Rule, ...]) -> list[str]:
    """The id and peer-code prefixes that select at least one rule, in order."""
    found = []
    for rule in rules:
        for code in (rule.id, *(alias.upper() for alias in rule.aliases)):
            found += [code[:end] for end in range(1, len(code)) if CODE_PREFIX.match(code[:end])]
        head = CODE_HEAD.match(rule.codes) if rule.codes else None
        if head:  # the finding codes' prefixes: SC, SC1, SC2... (codes are a pattern)
            found += [head[0]] + [f"{head[0]}{d}" for d in "0123456789"]
    return sorted(set(found))


# Codes of the peers (hadolint, ShellCheck, Trivy, BuildKit checks) that no dlint rule
# carries: dlint skips them with a warning, so a config shared with hadolint stays valid.
PEER_CODES = (PEER_CODE.pattern, BUILDKIT_CHECK.pattern)


def rule_list(codes: list[str]) -> dict[str, Any]:
    """A list of rules, or the comma-separated string the command line also takes."""
    one = "|".join([*(re.escape(code) for code in codes), *(p.strip("^$") for p in PEER_CODES)])
    return {
        "anyOf": [
            {"type": "array", "items": RULE},
            {"type": "string", "pattern": rf"^\s*({one})(\s*,\s*({one}))*\s*,?\s*$"},
        ]
    }


def option_schema(rule: Rule) -> dict[str, Any]:
    """The options a rule takes under ``rules:``, typed by their defaults."""
    properties = {}
    for name, default in rule.options.items():
        kind = OPTION_TYPES.get(type(default))
        properties[name] = {"type": kind} if kind else {}
    return {
        "type": "object",
        "description": f"options of {rule.name} ({rule.id})",
        "properties": properties,
        "additionalProperties": False,
    }


def config_body(rules: tuple[Rule, ...]) -> dict[str, Any]:
    """The schema of the settings mapping (``.dlint.yaml`` or ``[tool.dlint]``)."""
    rules_value = {"$ref": "#/$defs/rules"}
    option_refs = {
        code: {"$ref": f"#/$defs/options/{rule.id}"}
        for rule in rules
        for code in (rule.name, rule.id, *rule.aliases)
    }
    values: dict[str, dict[str, Any]] = {
        "select": rules_value,
        "extend-select": rules_value,
        "ignore": rules_value,
        "severity": {
            "type": "object",
            "propertyNames": RULE,
            "additionalProperties": SEVERITY,
        },
        "per-path-ignores": {"type": "object", "additionalProperties": rules_value},
        "failure-threshold": {"enum": [*SEVERITIES, "none"]},
        "trusted-registries": {"type": "array", "items": {"type": "string"}},
        "exclude": {"type": "array", "items": {"type": "string"}},
        "extend-exclude": {"type": "array", "items": {"type": "string"}},
        "rules": {"type": "object", "properties": option_refs, "additionalProperties": False},
    }
    missing = sorted(set(KEYS) - set(values))
    if missing:
        raise SchemaOutOfDate(
            f"dlint.config accepts {', '.join(map(repr, missing))}, which dlint/schemas has "
            "no schema for: add it to config_body()"
        )
    return {
        "type": ["object", "null"],
        "properties": {key: {"description": KEYS[key], **values[key]} for key in KEYS},
        "additionalProperties": False,
    }


def definitions(rules: tuple[Rule, ...]) -> dict[str, Any]:
    """The shared ``$defs``: a rule reference, a list of them and each rule's options."""
    return {
        "rule": {
            "description": "a rule name, id, alias or id prefix, or a peer's code",
            "anyOf": [
                {"enum": rule_codes(rules)},
                *({"type": "string", "pattern": pattern} for pattern in PEER_CODES),
            ],
        },
        "rules": rule_list(rule_codes(rules)),
        "options": {rule.id: option_schema(rule) for rule in rules},
    }


def config_schema() -> dict[str, Any]:
    """The schema of ``.dlint.yaml`` / ``.dlint.yml``."""
    rules = all_rules()
    return {
        "$schema": DRAFT,
        "title": "dlint configuration (.dlint.yaml)",
        **config_body(rules),
        "$defs": definitions(rules),
    }


def pyproject_schema() -> dict[str, Any]:
    """A schema for ``pyproject.toml`` that checks ``[tool.dlint]`` and allows the rest."""
    rules = all_rules()
    body = config_body(rules)
    body["type"] = "object"  # TOML has no null
    return {
        "$schema": DRAFT,
        "title": "pyproject.toml with dlint's [tool.dlint]",
        "type": "object",
        "properties": {
            "tool": {"type": "object", "properties": {"dlint": {"$ref": "#/$defs/dlint"}}}
        },
        "$defs": {"dlint": body, **definitions(rules)},
    }


def spec_schema() -> dict[str, Any]:
    """The ``dlint test`` spec schema: the one the harness validates specs with, made from
    the spec's records (``dlint.harness.spec``), so that every schema is in one folder."""
    from dlint.harness.spec import schema

    return schema()


GENERATORS = {CONFIG: config_schema, PYPROJECT: pyproject_schema, SPEC: spec_schema}


def rendered() -> dict[str, str]:
    """Every schema file's name and the text it must hold."""
    return {name: json.dumps(make(), indent=2) + "\n" for name, make in GENERATORS.items()}


def load(name: str) -> Any:
    """A shipped schema, parsed."""
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))
