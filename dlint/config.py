"""Configuration: ``.dlint.yaml`` / ``.dlint.yml`` / ``[tool.dlint]`` -> one frozen Config.

The file is found by walking up from the checked file's folder; ``--config FILE``
overrides the search and ``--isolated`` ignores every file. Command-line options are
applied on top of whatever the file says.
"""

from __future__ import annotations

import fnmatch
import os
import reprlib
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dlint import regex
from dlint.finding import Finding, Severity, code_named
from dlint.records import dataclass, field, replace
from dlint.rule import (
    CODE_PREFIX,
    RULE_ID,
    Rule,
    all_rules,
    canonical_code,
    code_owner,
    find_rule,
    names_for_prefix,
    prefix_suggestion,
)

CONFIG_NAMES = (".dlint.yaml", ".dlint.yml")
# hadolint's own file, read when no dlint configuration applies (see hadolint_settings).
HADOLINT_NAMES = (".hadolint.yaml", ".hadolint.yml")
# Far above any real configuration or test spec, far below what takes seconds to walk.
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 50_000
SEVERITIES = tuple(s.value for s in Severity)
KEYS = {
    "select": "list of rule names, ids or hadolint aliases to run (default: all)",
    "extend-select": "list of rules to run in addition to 'select'",
    "ignore": "list of rules never to run",
    "severity": "map of rule -> one of " + ", ".join(SEVERITIES),
    "per-path-ignores": "map of path glob (relative to this file's folder) -> list of rules "
    "to ignore in matching files",
    "exclude": "list of path globs (relative to this file's folder) never to check",
    "extend-exclude": "list of path globs to exclude in addition to 'exclude'",
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
    """Everything configurable about a check run.

    ``select``, ``extend_select``, ``ignore``, the per-path sets and ``severity``'s keys
    hold rule ids and the codes that rules' findings carry (``SC2086``): a code there
    selects, ignores or rates that code's findings only.
    """

    select: frozenset[str] | None = None
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_path_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    failure_threshold: Severity | None = Severity.STYLE
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str | None = None
    warnings: tuple[str, ...] = ()
    """Lines to show the user once: peer codes dlint has no rule for, settings read from
    another tool's file."""
    notes: tuple[str, ...] = ()
    """Lines that say where the settings came from (hadolint's file)."""
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    root: Path | None = None
    """The folder of the configuration file: paths in it are relative to this folder
    (None: to the working directory)."""

    def rules(self) -> tuple[Rule, ...]:
        """The rules this configuration runs (ids), in id order.

        A code in ``select`` (``SC2086``) runs the rule that carries it, for that code only
        (see :meth:`leaves_out`); a code in ``ignore`` never stops its rule from running.
        """
        chosen = self._chosen()
        codes = (name for name in chosen if not RULE_ID.match(name))
        wanted = chosen | {owner.id for code in codes if (owner := code_owner(code))}
        return tuple(r for r in all_rules() if r.id in wanted and r.id not in self.ignore)

    def _chosen(self) -> frozenset[str]:
        """The rule ids and codes selected (``select``, else the default rules, and
        ``extend-select``), before ``ignore``."""
        if self.select is None:
            return frozenset(r.id for r in all_rules() if not r.opt_in) | self.extend_select
        return self.select | self.extend_select

    def severity_of(self, rule: Rule, code: str | None = None) -> Severity:
        """The severity of the rule's findings (with ``code``: of that code) after overrides."""
        if code is not None:
            if code in self.severity:
                return self.severity[code]
            for name, severity in self.severity.items():
                if code_named(code, (name,)):
                    return severity
        return self.severity.get(rule.id, rule.severity)

    def leaves_out(self, finding: Finding) -> bool:
        """True when the configuration drops this finding after its rule ran: its code is
        ignored, or only other codes of its rule are selected, or a per-path ignore
        (globs relative to ``root``) names its rule or code."""
        if finding.code is not None:
            if code_named(finding.code, self.ignore):
                return True
            if not (self._whole(finding.rule) or code_named(finding.code, self._chosen())):
                return True
        return self.ignored_in(finding)

    def _whole(self, rule_id: str) -> bool:
        """True when the rule itself is selected, not only some of its codes."""
        if rule_id in self.extend_select:
            return True
        if self.select is None:
            rule = find_rule(rule_id)
            return rule is not None and not rule.opt_in
        return rule_id in self.select

    def ignored_in(self, finding: Finding) -> bool:
        """True when a per-path ignore covers this finding (globs relative to ``root``)."""
        relevant = [p for p, names in self.per_path_ignores if finding.named_in(names)]
        if not relevant:
            return False
        relative = relative_to_root(Path(finding.file), self.root)
        return relative is not None and any(fnmatch.fnmatch(relative, p) for p in relevant)

    def fails(self, finding: Finding) -> bool:
        """True when the finding is at or above the failure threshold."""
        return self.failure_threshold is not None and finding.severity.at_least(
            self.failure_threshold
        )


def relative_to_root(path: Path, root: Path | None) -> str | None:
    """``path`` relative to ``root`` (the working directory when None) in POSIX form, or
    None when it lies outside."""
    # realpath, unlike Path.resolve, never raises: a looping symlink keeps its own name.
    base = Path(os.path.realpath(root or Path.cwd()))
    try:
        return Path(os.path.realpath(path)).relative_to(base).as_posix()
    except ValueError:
        return None


def path_matches(path: Path, pattern: str, root: Path | None) -> bool:
    """True when the glob ``pattern`` covers ``path`` or a folder above it, as ruff reads
    ``exclude``: a pattern without a slash matches any file or folder name
    (``fixtures``, ``*.test.Dockerfile``); one with a slash matches the path from ``root``
    (``tests/fixtures``, ``services/*/Dockerfile.dev``)."""
    relative = relative_to_root(path, root)
    if relative is None:
        return False
    parts = relative.split("/")
    pattern = pattern.strip("/")
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    return any(
        fnmatch.fnmatchcase("/".join(parts[:count]), pattern) for count in range(1, len(parts) + 1)
    )


# Codes of the linters dlint stands next to: hadolint (DL3008), ShellCheck (SC2086), Trivy
# (DS-0005) and BuildKit's check names (JSONArgsRecommended). One dlint has no rule for is
# a warning, not an error, so a configuration carried over from them keeps working.
PEER_CODE = regex.compile(r"^(?:DL\d{4}|SC\d{4}|DS-\d{4})$")
BUILDKIT_CHECK = regex.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")


def rule_ids(values: Any, where: str, warnings: list[str] | None = None) -> frozenset[str]:
    """Turn a list of rule names, ids, aliases or code prefixes into rule ids, and codes
    that a rule's findings carry (``SC2086``) into those codes, upper case.

    A value can be both: a ShellCheck code that a dlint rule also carries as an alias names
    that rule and ShellCheck's findings of the code. An unknown name is an error with the
    closest rule name as a suggestion; a peer code that no dlint rule carries is skipped
    with a line added to ``warnings``.
    """
    values = _listed(values)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: expected a list of rule names")
    ids: set[str] = set()
    for value in values:
        if value.upper() == "ALL":
            ids.update(r.id for r in all_rules())
            continue
        rule = find_rule(value)
        if rule is not None:
            ids.add(rule.id)
        code = canonical_code(value)
        if code_owner(code) is not None:
            ids.add(code)
        if rule is not None or code in ids:
            continue
        if PEER_CODE.match(code) or BUILDKIT_CHECK.match(value):
            if warnings is not None:
                warnings.append(f"{where}: no dlint rule has the code {value!r}; skipped it")
            continue
        is_prefix = CODE_PREFIX.match(code) is not None
        prefixed = names_for_prefix(code) if is_prefix else set()
        if not prefixed:
            hint = (prefix_suggestion(code) if is_prefix else "") or rule_suggestion(value)
            raise ConfigError(f"{where}: unknown rule {value!r}{hint}")
        ids.update(prefixed)
    return frozenset(ids)


def rule_suggestion(value: str) -> str:
    """`` (did you mean 'NAME'?)`` for the closest rule name or id, else where to look."""
    import difflib

    rules = all_rules()
    names = [r.name for r in rules]
    close = difflib.get_close_matches(value.lower(), names, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(value.upper(), [r.id for r in rules], n=1, cutoff=0.75)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return " (see 'dlint rules')"


def parse_severity(value: Any, where: str, allow_none: bool = False) -> Severity | None:
    """A severity name, or None for ``none`` when allowed."""
    if allow_none and value == "none":
        return None
    if value not in SEVERITIES:
        allowed = ", ".join(SEVERITIES) + (", none" if allow_none else "")
        raise ConfigError(f"{where}: {_shown(value)} is not a severity (allowed: {allowed})")
    return Severity(value)


def from_mapping(data: Any, source: str, root: Path | None = None) -> Config:
    """Validate a configuration mapping and build a Config (paths in it relative to
    ``root``)."""
    if data is None:
        return Config(source=source, root=root)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings")
    for key in data:
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), list(KEYS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            allowed = ", ".join(sorted(KEYS))
            raise ConfigError(f"{source}: unknown key {key!r} ({hint}allowed: {allowed})")
    config = Config(source=source, root=root)
    warnings: list[str] = []
    for key in ("exclude", "extend-exclude"):
        if key in data:
            globs = data[key]
            if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
                raise ConfigError(f"{source}: {key}: expected a list of path globs")
            config = replace(config, **{key.replace("-", "_"): tuple(globs)})
    if "select" in data:
        config = replace(config, select=rule_ids(data["select"], f"{source}: select", warnings))
    if "extend-select" in data:
        extra = rule_ids(data["extend-select"], f"{source}: extend-select", warnings)
        config = replace(config, extend_select=extra)
    if "ignore" in data:
        config = replace(config, ignore=rule_ids(data["ignore"], f"{source}: ignore", warnings))
    if "severity" in data:
        config = replace(config, severity=_severities(data["severity"], source, warnings))
    if "per-path-ignores" in data:
        ignores = _per_path(data["per-path-ignores"], source, warnings)
        config = replace(config, per_path_ignores=ignores)
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
    return replace(config, options=options, warnings=tuple(warnings))


def _listed(values: Any) -> Any:
    """A comma-separated string of rule names as a list; anything else as it is."""
    if isinstance(values, str):
        return [v.strip() for v in values.split(",") if v.strip()]
    return values


def _severities(data: Any, source: str, warnings: list[str]) -> dict[str, Severity]:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: severity: expected a map of rule -> severity")
    result = {}
    for key, value in data.items():
        where = f"{source}: severity: {key}"
        level = parse_severity(value, where)
        for rule_id in rule_ids([str(key)], f"{source}: severity", warnings):
            if level is not None:  # always: "none" is not allowed here
                result[rule_id] = level
    return result


def _per_path(
    data: Any, source: str, warnings: list[str]
) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: per-path-ignores: expected a map of glob -> rules")
    return tuple(
        (str(glob), rule_ids(rules, f"{source}: per-path-ignores: {glob}", warnings))
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
    if path.name in HADOLINT_NAMES:
        return hadolint_settings(path)
    text = read_config_text(path, ConfigError)
    if path.name == "pyproject.toml":
        data = _tool_dlint(_load_toml(text, path), path)
    else:
        data = load_yaml(text, path, ConfigError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def read_config_text(path: Path, error: type[Exception]) -> str:
    """The text of a configuration file, or ``error`` naming the file and the problem."""
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror or problem}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        byte = data[problem.start]
        raise error(
            f"{path}: not valid UTF-8 (byte 0x{byte:02x} at offset {problem.start})"
        ) from None


def _load_toml(text: str, path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise ConfigError(f"{path}: invalid TOML: {problem}") from None
    except ValueError as problem:
        # tomllib lets int()'s digit limit through as a plain ValueError.
        raise ConfigError(f"{path}: invalid TOML: {_first_line(problem)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def _tool_dlint(document: dict[str, Any], path: Path) -> Any:
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table ([tool.dlint]), not {_shown(tool)}")
    return tool.get("dlint")


@cache
def _bounded_loader() -> type:
    """The loader class, made on first use so that ``dlint check`` without a config
    file never imports PyYAML."""
    import yaml

    class _BoundedLoader(yaml.SafeLoader):
        """A SafeLoader that refuses documents that nest or expand past fixed limits.

        PyYAML shares an aliased node instead of copying it, so a "billion laughs" file loads
        in milliseconds; the exponential cost comes later, in whatever walks the result
        (validation, error messages). The loader therefore weighs every node as if its
        aliases were expanded, and refuses once the whole document outweighs the limit.
        """

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0
            self._weights: dict[int, int] = {}

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                anchored = self.anchors.get(event.anchor)
                if anchored is not None and id(anchored) not in self._weights:
                    raise _TooLarge(f"alias *{event.anchor} refers to itself", event.start_mark)
                return super().compose_node(parent, index)
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooLarge(f"nested deeper than {MAX_YAML_DEPTH} levels", mark)
            node = super().compose_node(parent, index)
            self._depth -= 1
            self._weights[id(node)] = self._weigh(node)
            return node

        def _weigh(self, node: Any) -> int:
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            else:
                return 1
            weight = 1 + sum(self._weights[id(child)] for child in children)
            if weight > MAX_YAML_NODES:
                raise _TooLarge(
                    f"expands to more than {MAX_YAML_NODES} values (aliases counted as copies)",
                    node.start_mark,
                )
            return weight

    class _TooLarge(yaml.YAMLError):
        def __init__(self, problem: str, mark: Any) -> None:
            super().__init__(problem)
            self.problem = problem
            self.problem_mark = mark

    return _BoundedLoader


def load_yaml(text: str, path: Path, error: type[Exception]) -> Any:
    """Parse one YAML document with bounded depth and alias expansion.

    Every problem, including a number too long for ``int``, is raised as ``error`` with
    one line naming the file and, where known, the line.
    """
    import yaml

    loader = _bounded_loader()(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        reason = getattr(problem, "problem", None) or "syntax error"
        raise error(f"{path}{where}: invalid YAML: {reason}") from None
    except ValueError as problem:
        raise error(f"{path}: invalid YAML: {_first_line(problem)}") from None
    finally:
        loader.dispose()


def _first_line(problem: Exception) -> str:
    text = str(problem)
    if "integer string conversion" in text:
        # Python refuses to parse integers this long (a guard against quadratic int()).
        return f"a number with more than {sys.get_int_max_str_digits()} digits"
    return text.splitlines()[0] if text else type(problem).__name__


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so an error message stays one line."""
    text = reprlib.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
        if pyproject.is_file() and "[tool.dlint" in _peek(pyproject):
            return pyproject
    return None


@cache
def discover_hadolint_config(folder: Path) -> Path | None:
    """The nearest ``.hadolint.yaml`` at or above ``folder``."""
    for directory in (folder, *folder.parents):
        for name in HADOLINT_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


# hadolint's failure threshold has "ignore" where dlint says "none".
HADOLINT_THRESHOLDS = {"error": "error", "warning": "warning", "info": "info", "style": "style"}


def hadolint_settings(path: Path) -> dict[str, Any]:
    """dlint settings from a ``.hadolint.yaml``: ``ignored`` rules, ``trustedRegistries``,
    ``failure-threshold`` (and ``no-fail``) and ``override`` severities; hadolint's codes
    reach dlint's rules through their aliases. Its other keys have no dlint meaning."""
    data = load_yaml(read_config_text(path, ConfigError), path, ConfigError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    settings: dict[str, Any] = {}
    if isinstance(data.get("ignored"), list):
        settings["ignore"] = [str(code) for code in data["ignored"]]
    if isinstance(data.get("trustedRegistries"), list):
        settings["trusted-registries"] = [str(r) for r in data["trustedRegistries"]]
    threshold = data.get("failure-threshold")
    if threshold is not None:
        settings["failure-threshold"] = HADOLINT_THRESHOLDS.get(str(threshold).lower(), "none")
    if data.get("no-fail") is True:
        settings["failure-threshold"] = "none"
    override = data.get("override")
    if isinstance(override, dict):
        severity: dict[str, str] = {}
        for level, codes in override.items():
            if str(level) in HADOLINT_THRESHOLDS and isinstance(codes, list):
                severity.update({str(code): str(level) for code in codes})
        if severity:
            settings["severity"] = severity
    return settings


def _peek(pyproject: Path) -> str:
    try:
        return pyproject.read_text(errors="replace")
    except OSError as problem:
        raise ConfigError(f"{pyproject}: cannot read: {problem.strerror or problem}") from None
