"""The rule contract: a frozen metadata record plus one pure check function.

A rule module in ``rules/<area>/<name>.py`` defines ``RULE = Rule(...)``; its module
docstring is the rule's documentation (shown by ``dlint explain``), and ``<name>.yml``
beside it holds the cases that must and must not raise it.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from dlint import regex
from dlint.finding import PREFIX_MARK, Problem, Severity
from dlint.model import Build
from dlint.records import dataclass, field, replace

RULE_ID = regex.compile(r"^D\d{3,4}$")
RULE_NAME = regex.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# Peer codes a rule may carry: hadolint (DL3008), ShellCheck (SC2086), Trivy (DS-0002, and
# its older DS002), Checkov (CKV_DOCKER_3, CKV2_DOCKER_1) and BuildKit check names.
ALIAS = regex.compile(
    r"^(DL\d{4}|SC\d{4}|DS-?\d{3,4}|CKV2?_DOCKER_\d+|[A-Z]+[a-z]+(?:[A-Z][a-z]+)+)$"
)

# A prefix of rule ids or peer codes: ``D4`` (D400-D499), ``DL30`` (DL3000-DL3099), ``SC2``
# (every ShellCheck code SC2xxx the shellcheck rule reports).
CODE_PREFIX = regex.compile(r"^[A-Z]{1,3}\d{0,3}$")
CODE_HEAD = regex.compile(r"[A-Z]+")

Check = Callable[[Build], Iterable[Problem]]
# A rule's batch step: every build of the run (with the rule's options for it) at once;
# what it returns reaches the rule's check as ``batched=``.
Batch = Callable[[Sequence[tuple[Build, Mapping[str, Any]]]], object]


@dataclass(frozen=True)
class Rule:
    """What every rule declares about itself."""

    id: str
    name: str
    severity: Severity
    summary: str
    check: Check = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fixable: bool = False
    options: Mapping[str, Any] = field(default_factory=dict, compare=False)
    after_ignores: bool = False
    opt_in: bool = False
    """A matter of taste: runs only when selected by name, id, alias, prefix or ``ALL``."""
    waits: bool = False
    """Mostly waits on another program (ShellCheck): the engine runs its batch step in a
    thread and checks it after the other rules, so the wait overlaps their work."""
    codes: str = ""
    """A regular expression of the codes this rule's findings carry (``SC\\d{4}``: the
    shellcheck rule passes ShellCheck's on); every selection and ignore takes them."""
    batch: Batch | None = field(default=None, repr=False, compare=False)
    """Work done once for every build of a run before any check (ShellCheck over all the
    scripts of a tree in one process per core); its result is the check's ``batched``.
    The check must give the same problems without it (``batched=None``)."""
    doc: str = field(default="", repr=False, compare=False)
    source: Path | None = field(default=None, repr=False, compare=False)

    @property
    def cases_file(self) -> Path | None:
        """The YAML file with this rule's cases, beside the rule's module."""
        return self.source.with_suffix(".yml") if self.source else None

    @property
    def area(self) -> str | None:
        """The folder of the pack the rule lives in (``packages``, ``runtime``, ...)."""
        return self.source.parent.name if self.source else None


class RulePackError(Exception):
    """A file in the rule pack that would not load as a rule: one line naming the file."""


# Where rule ids come from: each area (a folder under rules/) declares its prefix in its
# __init__.py (``ID_PREFIX = "D4"``), and its rules' ids are that prefix and two digits.
# D1-D9 are taken; a tenth area takes D10 (ids D1000-D1099), and so on.
AREA_PREFIX = regex.compile(r"^D[1-9]\d?$")

# The rule pack's package; tests point it at a copy to prove that a broken pack is loud.
PACK = "dlint.rules"


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule of the pack, ordered by id (D999 before D1000). Imports each rule module once.

    Every ``.py`` file of the pack whose name does not start with ``_`` (those are helpers
    shared by an area's rules) is a rule. A rule file that cannot be imported as part of
    the pack (a folder without ``__init__.py``), or that defines no ``RULE`` record, raises
    :class:`RulePackError`: a rule is never silently left out.
    """
    from dlint.packload import serving

    pack = importlib.import_module(PACK)
    root = Path(next(iter(pack.__path__)))
    with serving(PACK, str(root)):
        return _load_all(root)


def _load_all(root: Path) -> tuple[Rule, ...]:
    prefixes = areas()
    rules = []
    for parts, unpackaged in _pack_files(str(root)):
        path = root.joinpath(*parts)
        rule = load_rule(path, parts, unpackaged)
        if rule is None:
            continue
        area = parts[0]
        prefix = prefixes.get(area)
        if prefix is None:
            raise RulePackError(f"{path}: a rule file lives in an area folder under {root}")
        if not (RULE_ID.match(rule.id) and rule.id[:-2] == prefix):
            raise RulePackError(
                f"{path}: id {rule.id!r} is outside area {area!r}, whose ids are "
                f"{prefix}00-{prefix}99 (ID_PREFIX in its __init__.py)"
            )
        rules.append(rule)
    return tuple(sorted(rules, key=lambda r: (len(r.id), r.id)))  # D999 before D1000


def _pack_files(root: str) -> list[tuple[tuple[str, ...], str | None]]:
    """Every ``.py`` file under ``root`` as its path parts, in path order, with the first
    folder on its way that has no ``__init__.py`` (None when every one has it).

    One ``os.scandir`` per folder: this runs on every ``dlint check``.
    """
    found: list[tuple[tuple[str, ...], str | None]] = []

    def walk(folder: str, parts: tuple[str, ...], unpackaged: str | None) -> None:
        with os.scandir(folder) as entries:
            listing = sorted((entry.name, entry.is_dir()) for entry in entries)
        names = {name for name, _ in listing}
        if unpackaged is None and parts and "__init__.py" not in names:
            unpackaged = folder
        for name, is_dir in listing:
            if is_dir:
                if name != "__pycache__":
                    walk(os.path.join(folder, name), (*parts, name), unpackaged)
            elif name.endswith(".py"):
                found.append(((*parts, name), unpackaged))

    walk(root, (), None)
    return sorted(found)


def areas() -> dict[str, str]:
    """Each area of the pack and the id prefix its ``__init__.py`` declares (``{"base": "D1"}``)."""
    return _areas(PACK)


@cache
def _areas(pack_name: str) -> dict[str, str]:
    pack = importlib.import_module(pack_name)
    root = next(iter(pack.__path__))
    found: dict[str, str] = {}
    owner: dict[str, str] = {}
    with os.scandir(root) as entries:
        folders = sorted(entry.name for entry in entries if entry.is_dir())
    for area in folders:
        init = os.path.join(root, area, "__init__.py")
        if area.startswith(("_", ".")) or not os.path.isfile(init):
            continue
        prefix = getattr(importlib.import_module(f"{pack_name}.{area}"), "ID_PREFIX", None)
        if not isinstance(prefix, str) or not AREA_PREFIX.match(prefix):
            raise RulePackError(
                f"{init}: an area's __init__.py declares the prefix of its rule ids, "
                f'e.g. ID_PREFIX = "D10" (got {prefix!r})'
            )
        if prefix in owner:
            raise RulePackError(
                f"{init}: ID_PREFIX {prefix!r} is area {owner[prefix]!r}'s too; "
                "each area has a prefix of its own"
            )
        found[area], owner[prefix] = prefix, area
    return found


def load_rule(path: Path, parts: tuple[str, ...], unpackaged: str | None) -> Rule | None:
    """The rule defined in ``path`` (``parts`` from the pack's folder); None for a helper.

    ``unpackaged`` is the first folder on the way without ``__init__.py`` (None when every
    one has it), as :func:`_pack_files` found it.
    """
    if path.name.startswith("_"):
        return None
    if unpackaged is not None:
        raise RulePackError(
            f"{path}: rule file in {unpackaged}, which has no __init__.py, so it would "
            "never be loaded; add an empty __init__.py there"
        )
    module = importlib.import_module(".".join((PACK, *parts[:-1], parts[-1][:-3])))
    rule = getattr(module, "RULE", None)
    if not isinstance(rule, Rule):
        found = "no RULE" if rule is None else f"RULE is a {type(rule).__name__}, not a Rule"
        raise RulePackError(
            f"{path}: {found}; a rule module defines RULE = Rule(...) "
            "(a helper module's name starts with _)"
        )
    return replace(rule, doc=(module.__doc__ or "").strip(), source=path)


def find_rule(key: str) -> Rule | None:
    """A rule by id, name or alias (case-insensitive for ids and aliases).

    Trivy's codes match in every spelling it has used: ``DS005``, ``DS-0005`` and
    ``AVD-DS-0005`` are one code.
    """
    return _rule_index().get(key) or _rule_index().get(canonical_code(key))


def code_owner(code: str) -> Rule | None:
    """The rule whose findings carry ``code`` (``SC2086``: shellcheck), or None; for a code
    prefix (``SC2*``), the rule some of whose codes start with it."""
    upper = code.upper()
    if upper.endswith(PREFIX_MARK):
        return next(iter(rules_with_codes_starting(upper[:-1])), None)
    return next((r for r in all_rules() if r.codes and _pattern(r.codes).fullmatch(upper)), None)


def rules_with_codes_starting(prefix: str) -> tuple[Rule, ...]:
    """The rules some of whose finding codes start with ``prefix`` (``SC2``: shellcheck).

    A rule's codes are a pattern, not a list: the prefix counts when the pattern takes it
    completed with a digit and zeros (``SC2`` + ``000``, ``SC`` + ``1000``).
    """
    upper = prefix.upper()
    endings = ["", *(d + "0" * n for d in "0123456789" for n in range(8))]
    return tuple(
        r
        for r in all_rules()
        if r.codes and any(_pattern(r.codes).fullmatch(upper + end) for end in endings)
    )


def names_for_prefix(prefix: str) -> set[str]:
    """What a prefix selects or ignores: the ids of the rules whose id or a peer code
    starts with it (``D4``, ``DL30``), and ``PREFIX*`` for the finding codes that do
    (``SC2``: every ShellCheck code SC2xxx). Empty when it matches nothing."""
    upper = prefix.upper()
    found = {
        r.id
        for r in all_rules()
        if r.id.startswith(upper) or any(a.upper().startswith(upper) for a in r.aliases)
    }
    if rules_with_codes_starting(upper):
        found.add(upper + PREFIX_MARK)
    return found


def prefix_suggestion(prefix: str) -> str:
    """`` (did you mean 'DL30'?)`` for the closest prefix of the same length that matches
    something, else ""."""
    import difflib

    upper = prefix.upper()
    width = len(upper)
    known = {c.upper()[:width] for r in all_rules() for c in (r.id, *r.aliases)}
    # A rule's codes are a pattern: its leading letters (``SC`` of ``SC\d{4}``) and a digit.
    heads = {m[0] for r in all_rules() if r.codes and (m := CODE_HEAD.match(r.codes))}
    known |= {
        (head + digit)[:width]
        for head in heads
        for digit in ("", *map(str, range(10)))
        if rules_with_codes_starting(head + digit)
    }
    close = difflib.get_close_matches(upper, sorted(c for c in known if len(c) == width), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@cache
def _pattern(codes: str) -> re.Pattern[str]:
    return regex.compile(codes)


def canonical_code(code: str) -> str:
    """An id or peer code in one spelling: upper case, Trivy codes as ``DS-0005``."""
    upper = code.upper()
    trivy = TRIVY_CODE.match(upper)
    return f"DS-{int(trivy[1]):04d}" if trivy else upper


TRIVY_CODE = regex.compile(r"^(?:AVD-)?DS-?(\d{1,4})$")


_INDEX: list[tuple[tuple[Rule, ...], dict[str, Rule]]] = []


def _rule_index() -> dict[str, Rule]:
    """Rules by canonical code and by name, rebuilt when the pack is reloaded."""
    rules = all_rules()
    if not _INDEX or _INDEX[0][0] is not rules:
        index: dict[str, Rule] = {}
        for rule in rules:
            for code in (rule.id, *rule.aliases):
                index.setdefault(canonical_code(code), rule)
            index.setdefault(rule.name, rule)
        _INDEX[:] = [(rules, index)]
    return _INDEX[0][1]
