#!/usr/bin/env python3
"""Collect public Dockerfiles from git mirrors and run dlint over them.

The files are not kept in the repository (their licences vary); this script is. Mirrors
are bare git directories of public repositories (on the project's machines the search
tool's ``fetch`` brings them to ``/work/.mirror/OWNER+NAME/repo``).

    python scripts/corpus.py collect /work/.mirror/*/repo --out /tmp/corpus
    python scripts/corpus.py run /tmp/corpus

``collect`` writes every Dockerfile of each mirror's HEAD, with the ``.dockerignore`` and
requirements files beside it, under ``OUT/OWNER+NAME/PATH``. ``run`` checks the whole tree
with ``python -m dlint check --isolated --format json`` and prints the findings per rule,
the files dlint refused (one line each) and any crash (a traceback or "bug in dlint"),
exiting 1 when something crashed.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

DOCKERFILE = re.compile(
    r"(^|/)(Dockerfile|Containerfile)([._-][^/]*)?$|\.(dockerfile|Dockerfile)$", re.IGNORECASE
)
NOT_DOCKERFILE = re.compile(r"\.(dockerignore|md|txt|orig|bak|swp|sh|py|yml|yaml|json)$")
COMPANIONS = re.compile(r"(^|/)(\.dockerignore|requirements[^/]*\.(txt|in)|constraints[^/]*\.txt)$")
MAX_BYTES = 1_000_000


def git(repo: Path, *args: str) -> bytes:
    """Run git against a bare mirror and return its output."""
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, check=True
    ).stdout


def collect(mirrors: list[Path], out: Path) -> int:
    """Write the Dockerfiles (and their companions) of every mirror under ``out``."""
    written = 0
    for repo in mirrors:
        name = repo.parent.name if repo.name == "repo" else repo.name
        listing = git(repo, "ls-tree", "-r", "-l", "HEAD").decode("utf-8", "replace")
        entries = []
        for line in listing.splitlines():
            meta, _, path = line.partition("\t")
            mode, kind, sha, size = meta.split()
            if kind != "blob" or mode == "120000" or not size.isdigit() or int(size) > MAX_BYTES:
                continue
            entries.append((path, sha))
        dockerfiles = [
            (p, s) for p, s in entries if DOCKERFILE.search(p) and not NOT_DOCKERFILE.search(p)
        ]
        folders = {str(PurePosixPath(p).parent) for p, _ in dockerfiles}
        companions = [
            (p, s)
            for p, s in entries
            if COMPANIONS.search(p) and str(PurePosixPath(p).parent) in folders
        ]
        for path, sha in dockerfiles + companions:
            target = out / name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(git(repo, "cat-file", "blob", sha))
        written += len(dockerfiles)
        print(f"{name}: {len(dockerfiles)} Dockerfiles", file=sys.stderr)
    print(f"collected {written} Dockerfiles under {out}", file=sys.stderr)
    return 0


def run(folder: Path, dlint: list[str]) -> int:
    """Check ``folder`` with dlint; report findings per rule, refusals and crashes."""
    started = time.perf_counter()
    result = subprocess.run(
        [*dlint, "check", "--isolated", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    elapsed = time.perf_counter() - started
    findings = json.loads(result.stdout or "[]")
    per_rule = collections.Counter(f["name"] for f in findings)
    files = {f["file"] for f in findings}
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    crashes = [e for e in errors if "bug in dlint" in e or "Traceback" in e]
    print(f"dlint exit {result.returncode} in {elapsed:.2f} s")
    print(f"{len(findings)} findings in {len(files)} files; {len(errors)} stderr lines")
    for rule, count in per_rule.most_common():
        print(f"  {count:6d}  {rule}")
    for line in errors[:40]:
        print(f"  stderr: {line}")
    print(f"crashes: {len(crashes)}")
    return 1 if crashes else 0


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    collect_cmd = commands.add_parser("collect", help="extract Dockerfiles from git mirrors")
    collect_cmd.add_argument("mirrors", nargs="+", type=Path)
    collect_cmd.add_argument("--out", type=Path, required=True)
    run_cmd = commands.add_parser("run", help="run dlint over a collected tree")
    run_cmd.add_argument("folder", type=Path)
    run_cmd.add_argument("--dlint", default=f"{sys.executable} -m dlint")
    args = parser.parse_args()
    if args.command == "collect":
        return collect(args.mirrors, args.out)
    return run(args.folder, args.dlint.split())


if __name__ == "__main__":
    sys.exit(main())
