"""Configuration: ``.dlint.yaml`` / ``.dlint.yml`` / ``[tool.dlint]`` -> one frozen Config.

The file is found by walking up from the checked file's folder; ``--config FILE``
overrides the search and ``--isolated`` ignores every file. Command-line options are
applied on top of whatever the file says.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from dlint.finding import Finding, Severity
from dlint.rule import Rule, all_rules, find_rule

CONFIG_NAMES = (".dlint.yaml", ".dlint.yml")
SEVERITIES = tuple(s.value for s in Severity)
KEYS = {
    "select": "list of rule names, ids or hadolint aliases to run (default: all)",
    "extend-select": "list of rules to run in addition to 'select'",
    "ignore": "list of rules never to run",
    "severity": "map of rule -> one of " + ", ".join(SEVERITIES),
    "per-path-ignores": "map of path glob -> list of rules to ignore in matching files",
    "failure-threshold": "the mildest severity that makes the exit code 1: "
    + ", ".join(SEVERITIES)
    + " or none",
    "trusted-registries": "list of registries base images may come from",
    "rules": "map of rule -> map of that rule's options",
}


class ConfigError(Exception):
    """A configuration problem; the CLI prints it as one line and exits 2."""


@dataclass(frozen=True)
class Config:
    """Everything configurable about a check run."""

    select: frozenset[str] | None = None
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_path_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    failure_threshold: Severity | None = Severity.STYLE
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str | None = None

    def rules(self) -> tuple[Rule, ...]:
        """The rules this configuration runs (ids), in id order."""
        chosen = self.select if self.select is not None else {r.id for r in all_rules()}
        chosen = (chosen | self.extend_select) - self.ignore
        return tuple(r for r in all_rules() if r.id in chosen)

    def severity_of(self, rule: Rule) -> Severity:
        """The rule's severity after overrides."""
        return self.severity.get(rule.id, rule.severity)

    def ignored_in(self, finding: Finding) -> bool:
        """True when a per-path ignore covers this finding."""
        return any(
            finding.rule in rules and fnmatch.fnmatch(finding.file, pattern)
            for pattern, rules in self.per_path_ignores
        )

    def fails(self, finding: Finding) -> bool:
        """True when the finding is at or above the failure threshold."""
        return self.failure_threshold is not None and finding.severity.at_least(
            self.failure_threshold
        )


def rule_ids(values: Any, where: str) -> frozenset[str]:
    """Turn a list of rule names, ids or aliases into rule ids, refusing unknown ones."""
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: expected a list of rule names")
    ids = set()
    for value in values:
        if value.upper() == "ALL":
            ids.update(r.id for r in all_rules())
            continue
        rule = find_rule(value)
        if rule is None:
            raise ConfigError(f"{where}: unknown rule {value!r} (see 'dlint rules')")
        ids.add(rule.id)
    return frozenset(ids)


def parse_severity(value: Any, where: str, allow_none: bool = False) -> Severity | None:
    """A severity name, or None for ``none`` when allowed."""
    if allow_none and value == "none":
        return None
    if value not in SEVERITIES:
        allowed = ", ".join(SEVERITIES) + (", none" if allow_none else "")
        raise ConfigError(f"{where}: {value!r} is not a severity (allowed: {allowed})")
    return Severity(value)


def from_mapping(data: Any, source: str) -> Config:
    """Validate a configuration mapping and build a Config."""
    if data is None:
        return Config(source=source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings")
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (allowed: {', '.join(sorted(KEYS))})")
    config = Config(source=source)
    if "select" in data:
        config = replace(config, select=rule_ids(data["select"], f"{source}: select"))
    if "extend-select" in data:
        extra = rule_ids(data["extend-select"], f"{source}: extend-select")
        config = replace(config, extend_select=extra)
    if "ignore" in data:
        config = replace(config, ignore=rule_ids(data["ignore"], f"{source}: ignore"))
    if "severity" in data:
        config = replace(config, severity=_severities(data["severity"], source))
    if "per-path-ignores" in data:
        config = replace(config, per_path_ignores=_per_path(data["per-path-ignores"], source))
    if "failure-threshold" in data:
        where = f"{source}: failure-threshold"
        config = replace(
            config, failure_threshold=parse_severity(data["failure-threshold"], where, True)
        )
    options = _rule_options(data.get("rules", {}), source)
    if "trusted-registries" in data:
        registries = data["trusted-registries"]
        if not isinstance(registries, list) or not all(isinstance(r, str) for r in registries):
            raise ConfigError(f"{source}: trusted-registries: expected a list of registry names")
        trusted = find_rule("untrusted-registry")
        if trusted is not None:
            options = {
                **options,
                trusted.id: {**options.get(trusted.id, {}), "registries": registries},
            }
    return replace(config, options=options)


def _severities(data: Any, source: str) -> dict[str, Severity]:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: severity: expected a map of rule -> severity")
    result = {}
    for key, value in data.items():
        where = f"{source}: severity: {key}"
        (rule_id,) = rule_ids([key], where)
        result[rule_id] = parse_severity(value, where)
    return result


def _per_path(data: Any, source: str) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: per-path-ignores: expected a map of glob -> rules")
    return tuple(
        (str(glob), rule_ids(rules, f"{source}: per-path-ignores: {glob}"))
        for glob, rules in data.items()
    )


def _rule_options(data: Any, source: str) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: rules: expected a map of rule -> options")
    result = {}
    for key, options in data.items():
        rule = find_rule(str(key))
        if rule is None:
            raise ConfigError(f"{source}: rules: unknown rule {key!r} (see 'dlint rules')")
        if not isinstance(options, dict):
            raise ConfigError(f"{source}: rules: {key}: expected a map of options")
        for name, value in options.items():
            if name not in rule.options:
                allowed = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(
                    f"{source}: rules: {key}: unknown option {name!r} (allowed: {allowed})"
                )
            default = rule.options[name]
            if default is not None and not isinstance(value, type(default)):
                raise ConfigError(
                    f"{source}: rules: {key}: {name}: expected {type(default).__name__}"
                )
        result[rule.id] = options
    return result


def read_settings(path: Path) -> dict[str, Any]:
    """The raw settings of one configuration file (YAML, or pyproject.toml's [tool.dlint]).

    The parsers are imported here: most runs have no configuration file, and every
    millisecond of start-up counts in a pre-commit hook.
    """
    import tomllib

    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read configuration: {error.strerror}") from None
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text).get("tool", {}).get("dlint")
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: invalid TOML: {error}") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}{where}: invalid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def merge_settings(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Command-line settings over file settings: ``ignore`` adds up, ``severity`` merges."""
    merged = dict(base)
    for key, value in overrides.items():
        if key == "ignore" and key in base:
            merged[key] = _as_list(base[key]) + _as_list(value)
        elif key == "severity" and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def _as_list(value: Any) -> list:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value) if isinstance(value, list) else [value]


@cache
def discover_config(folder: Path) -> Path | None:
    """The nearest configuration file at or above ``folder``."""
    for directory in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.dlint" in pyproject.read_text(errors="replace"):
            return pyproject
    return None
