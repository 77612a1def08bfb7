"""Inline ignores: dlint's own comments and the ones teams already have.

- ``# dlint ignore=NAME[,NAME] reason`` on the line(s) just before an instruction ignores
  those rules for that instruction; ``# dlint ignore-file=NAME[,NAME]`` anywhere ignores
  them for the whole build (the Dockerfile and the files it reads). A NAME may be a code
  that a rule's findings carry (ShellCheck's ``SC2086``): only that code is ignored.
- ``# hadolint ignore=DL3008,DL3013`` and ``# hadolint global ignore=...`` are honoured
  through each rule's hadolint aliases.
- BuildKit's ``# check=skip=JSONArgsRecommended,...`` parser directive skips the rules
  that carry those check names as aliases (``skip=all`` skips every such rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dlint import regex
from dlint.finding import Finding, Span
from dlint.model import Dockerfile
from dlint.records import dataclass
from dlint.rule import CODE_PREFIX, Rule, code_owner, find_rule, names_for_prefix

DLINT = regex.compile(r"^#\s*dlint\s+(ignore|ignore-file)\s*=\s*([\w,\- ]+?)(?:\s+(.*))?$")
HADOLINT = regex.compile(r"^#\s*hadolint\s+(global\s+)?ignore\s*=\s*([\w,\- ]+?)(?:\s+(.*))?$")


@dataclass(frozen=True)
class Suppression:
    """One ignore comment: which rules, where it applies, and what it suppressed."""

    rules: frozenset[str]
    names: tuple[str, ...]
    span: Span
    first_line: int | None
    last_line: int | None
    source: str

    def covers(self, finding: Finding, dockerfile: str) -> bool:
        """True when this suppression applies to ``finding`` (by its rule or its code)."""
        if not finding.named_in(self.rules):
            return False
        if self.first_line is None:
            return True
        return finding.file == dockerfile and self.first_line <= finding.line <= (
            self.last_line or 0
        )


def _rule_ids(names: Iterable[str]) -> frozenset[str]:
    """The ids of the rules ``names`` name, and the codes among them (``SC2086``)."""
    ids = set()
    for name in names:
        rule = find_rule(name)
        if rule is not None:
            ids.add(rule.id)
        if code_owner(name) is not None:
            ids.add(name.upper())
        elif rule is None and CODE_PREFIX.match(name.upper()):
            ids.update(names_for_prefix(name))
    return frozenset(ids)


def collect(dockerfile: Dockerfile, rules: Sequence[Rule]) -> list[Suppression]:
    """Every ignore comment and ``check=skip`` directive of the Dockerfile."""
    found: list[Suppression] = []
    starts = sorted((i.span.start.line, i.span.end.line) for i in dockerfile.instructions)
    for comment in dockerfile.comments:
        match = DLINT.match(comment.text) or HADOLINT.match(comment.text)
        if not match:
            continue
        names = tuple(n.strip() for n in match[2].split(",") if n.strip())
        whole_file = match[1] is not None and match[1].strip() in ("ignore-file", "global")
        first = last = None
        if not whole_file:
            following = [s for s in starts if s[0] > comment.span.start.line]
            if not following:
                continue
            first, last = following[0]
        source = "hadolint" if comment.text.lstrip("# ").startswith("hadolint") else "dlint"
        found.append(Suppression(_rule_ids(names), names, comment.span, first, last, source))
    for directive in dockerfile.directives:
        if directive.name != "check":
            continue
        for part in directive.value.split(";"):
            key, _, value = part.partition("=")
            if key.strip() != "skip":
                continue
            names = tuple(v.strip() for v in value.split(",") if v.strip())
            if any(n.lower() == "all" for n in names):
                ids = frozenset(r.id for r in rules if any(a[:2] != "DL" for a in r.aliases))
            else:
                ids = _rule_ids(names)
            found.append(Suppression(ids, names, directive.span, None, None, "buildkit"))
    return found


def apply(
    findings: Sequence[Finding], suppressions: Sequence[Suppression], dockerfile: str
) -> tuple[list[Finding], dict[Suppression, set[str]]]:
    """Drop suppressed findings; return the rest and, per suppression, the rules (and the
    codes) it silenced."""
    used: dict[Suppression, set[str]] = {s: set() for s in suppressions}
    kept = []
    for finding in findings:
        covering = [s for s in suppressions if s.covers(finding, dockerfile)]
        for suppression in covering:
            used[suppression].add(finding.rule)
            if finding.code is not None:
                used[suppression].add(finding.code)
        if not covering:
            kept.append(finding)
    return kept, used


ADDED_REASON = "added by dlint check --add-ignore"


def add_ignore_comments(text: str, name: str, findings: Sequence[Finding]) -> tuple[str, int]:
    """``text`` with a ``# dlint ignore=RULE reason`` comment above each instruction that
    has findings; return it and how many comments were added or extended.

    A ``# dlint ignore=`` comment already just above the instruction gets the new rules
    added to it, so a second run adds nothing. Findings outside every instruction get one
    ``# dlint ignore-file=`` comment at the end. Line endings and indentation are kept.
    """
    from dlint.parse import parse_dockerfile

    dockerfile = parse_dockerfile(text, name)
    spans = [(i.span.start.line, i.span.end.line) for i in dockerfile.instructions]
    above: dict[int, set[str]] = {}
    whole_file: set[str] = set()
    for finding in findings:
        start = next((s for s, e in spans if s <= finding.line <= e), None)
        # A finding with a code (SC2086) is ignored by its code, not its whole rule.
        name = finding.code or finding.name
        if start is None:
            whole_file.add(name)
        else:
            above.setdefault(start, set()).add(name)
    lines = text.split("\n")
    newline = "\r\n" if lines[0].endswith("\r") else "\n"
    cr = newline[:-1]
    changed = 0
    for start in sorted(above, reverse=True):
        line = lines[start - 1]
        indent = line[: len(line) - len(line.lstrip())]
        previous = lines[start - 2].rstrip("\r").strip() if start >= 2 else ""
        existing = DLINT.match(previous)
        if existing and existing[1] == "ignore":
            names = [n.strip() for n in existing[2].split(",") if n.strip()]
            new = sorted(above[start] - set(names))
            if not new:
                continue
            reason = existing[3] or ADDED_REASON
            lines[start - 2] = f"{indent}# dlint ignore={','.join(names + new)} {reason}{cr}"
        else:
            comment = f"{indent}# dlint ignore={','.join(sorted(above[start]))} {ADDED_REASON}{cr}"
            lines.insert(start - 1, comment)
        changed += 1
    if whole_file:
        if lines[-1].rstrip("\r"):
            lines[-1] += cr
            lines.append("")
        comment = f"# dlint ignore-file={','.join(sorted(whole_file))} {ADDED_REASON}{cr}"
        lines.insert(len(lines) - 1, comment)
        changed += 1
    return "\n".join(lines), changed
