"""## What it does
Flags a `# dlint ignore=...` or `# dlint ignore-file=...` comment that names a rule which
did not fire where the comment applies, or names no rule at all.

`# hadolint ignore=` comments and BuildKit's `# check=skip=` directive are honoured but
never reported: they may still serve hadolint or BuildKit. Rules switched off by the
configuration are not reported either, since they did not run, nor are codes a rule's
findings carry (`# dlint ignore=SC2086`): whether ShellCheck runs depends on the machine.

## Why it matters
An ignore that silences nothing is noise that hides intent: the problem was fixed, or the
rule name has a typo and the finding it was meant for is still being reported elsewhere.

## Example
```dockerfile
FROM python:3.11-slim
# dlint ignore=pip-unpinned the version comes from the lock file
RUN pip install --no-cache-dir flask==3.0.3
```

## Instead
Remove the comment, or correct the rule name.

## Fix safety
No automatic fix yet.
"""

from collections.abc import Iterator, Mapping

from dlint.finding import Problem, Severity
from dlint.ignores import Suppression
from dlint.model import Build
from dlint.rule import Rule, code_owner, find_rule, names_for_prefix


def check(
    build: Build,
    suppressions: Mapping[Suppression, set[str]] | None = None,
    ran: frozenset[str] = frozenset(),
) -> Iterator[Problem]:
    """Yield a problem for each name in a dlint ignore comment that silenced nothing."""
    for suppression, used in (suppressions or {}).items():
        if suppression.source != "dlint":
            continue
        for name in suppression.names:
            rule = find_rule(name)
            if rule is None and (code_owner(name) is not None or names_for_prefix(name)):
                # A code (SC2086) or prefix (SC2, DL30) is never reported: whether its tool
                # runs (the optional shellcheck binary) differs between machines.
                continue
            if rule is None:
                message = f"'{name}' is not a dlint rule; see 'dlint rules'"
            elif rule.id in ran and rule.id not in used and rule.id != RULE.id:
                message = f"ignore of '{rule.name}' suppresses nothing here; remove it"
            else:
                continue
            yield Problem(message, suppression.span)


RULE = Rule(
    id="D900",
    name="unused-ignore",
    severity=Severity.INFO,
    summary="an ignore comment names a rule that reports nothing there",
    check=check,
    tags=("hygiene",),
    after_ignores=True,
)
