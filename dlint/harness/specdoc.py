"""The tables of docs/test-spec.md, made from the spec's records and the check kinds.

Each table sits between ``<!-- generated: WHAT -->`` and ``<!-- end generated -->``:
``keys NAME`` lists the keys of a section with their defaults and meanings (from the
records of ``dlint.harness.spec``), ``checks NAME`` the items the keys of a section turn
on and what each demands (from the kinds of ``dlint.harness.kinds``).
``python -m dlint.harness.specdoc`` names the tables that are out of date (exit 1);
``--write`` rewrites them. tests/harness/test_spec.py fails when one is stale.
"""

import re
import sys
from collections.abc import Mapping
from dataclasses import MISSING, Field, is_dataclass
from pathlib import Path
from typing import Any

from dlint.harness import spec
from dlint.harness.kinds import all_kinds

PAGE = Path(__file__).resolve().parents[2] / "docs" / "test-spec.md"
BLOCK = re.compile(r"(<!-- generated: ([a-z]+) ([a-z_]+) -->\n)(.*?)(<!-- end generated -->)", re.S)
# The sections a keys table can show, and how deep it spells nested sections out
# (``readiness.timeout`` under ``service``; ``graceful_stop.exchange`` stays one key).
SECTIONS: dict[str, tuple[type, int]] = {
    "spec": (spec.Spec, 0),
    "build": (spec.Build, 0),
    "service": (spec.Service, 1),
    "request": (spec.Request, 0),
    "expect": (spec.Expect, 0),
    "runtime": (spec.Runtime, 1),
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default(each: Field[Any]) -> str:
    if spec.required(each):
        return "required"
    value = each.default if each.default_factory is MISSING else each.default_factory()
    if value is None or is_dataclass(value):  # absent, or a section with defaults of its own
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Mapping):
        return "`{}`" if not value else f"`{dict(value)}`"
    if isinstance(value, tuple):
        return "`[]`" if not value else f"`{list(value)}`"
    return f"`{value}`"


def _rows(record: type, depth: int, prefix: str = "") -> list[tuple[str, str, str]]:
    rows = []
    for each, hint in spec.keys(record):
        name = prefix + each.name
        nested = spec.optional(hint)
        if depth > 0 and spec.is_record(nested):
            rows += _rows(nested, depth - 1, f"{name}.")
        else:
            rows.append((f"`{name}`", _default(each), _cell(each.metadata["doc"])))
    return rows


def keys_table(name: str) -> str:
    """The keys of a section: ``| key | default | meaning |``."""
    record, depth = SECTIONS[name]
    lines = ["| key | default | meaning |", "|---|---|---|"]
    lines += [f"| {key} | {default} | {doc} |" for key, default, doc in _rows(record, depth)]
    return "\n".join(lines) + "\n"


def checks_table(name: str) -> str:
    """The items a section's keys turn on: ``| key | item | passes when |``."""
    lines = ["| key | item | passes when |", "|---|---|---|"]
    for check_kind in all_kinds():
        section = check_kind.section or ""
        if section.startswith(f"{name}."):
            key = section.removeprefix(f"{name}.")
            lines.append(f"| `{key}` | `{check_kind.item}` | {_cell(check_kind.doc)} |")
    return "\n".join(lines) + "\n"


TABLES = {"keys": keys_table, "checks": checks_table}


def rendered(text: str) -> str:
    """``text`` with every generated table made anew."""

    def fill(block: re.Match[str]) -> str:
        return block[1] + TABLES[block[2]](block[3]) + block[5]

    return BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    """Check (or with ``--write`` rewrite) the generated tables of docs/test-spec.md."""
    text = PAGE.read_text(encoding="utf-8")
    current = rendered(text)
    if current == text:
        return 0
    if "--write" in argv:
        PAGE.write_text(current, encoding="utf-8")
        print(f"wrote {PAGE}")
        return 0
    print(f"{PAGE} is out of date: python -m dlint.harness.specdoc --write", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
