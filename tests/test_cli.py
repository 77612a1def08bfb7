"""The command line as a user meets it: exit codes, stdin, directories, bad input."""

from __future__ import annotations

import json

from helpers import run_dlint

from dlint.config import Config
from dlint.finding import Severity

BAD = "FROM python\nRUN pip install flask\n"
GOOD = """FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN pip install --no-cache-dir flask==3.0.3
USER 10001
CMD ["python", "-c", "print(1)"]
"""


def test_clean_dockerfile_exits_0(project) -> None:
    """A Dockerfile with nothing to report: exit 0 and a one-line summary."""
    root = project({"Dockerfile": GOOD})
    result = run_dlint("check", "Dockerfile", cwd=root)
    assert result.returncode == 0, result.stdout.decode()
    assert result.stdout.decode().startswith("No problems found (1 file checked)")


def test_findings_exit_1_with_compiler_style_lines(project) -> None:
    """Each finding is ``path:line:col: severity name (id) message``."""
    root = project({"Dockerfile": BAD})
    result = run_dlint("check", cwd=root)
    out = result.stdout.decode().splitlines()
    assert result.returncode == 1
    expected = "Dockerfile:1:6: warning base-image-unpinned (D100) base image 'python' has no tag"
    assert any(line.startswith(expected) for line in out)
    assert any(line.startswith("Dockerfile:2:17: warning pip-unpinned (D200)") for line in out)
    found = [line for line in out if line.startswith("Found ")]
    assert len(found) == 1 and out.index(found[0]) >= len(out) - 2


def test_stdin_is_read_with_dash() -> None:
    """``dlint check -`` lints standard input and names it ``-``."""
    result = run_dlint("check", "-", "--format", "json", stdin=BAD)
    findings = json.loads(result.stdout)
    assert result.returncode == 1
    assert {f["name"] for f in findings} >= {"base-image-unpinned", "pip-unpinned"}
    assert all(f["file"] == "-" for f in findings)


def test_directory_is_searched_recursively_skipping_venvs(project) -> None:
    """Every Dockerfile name pattern is found; .git and virtualenvs are skipped."""
    root = project(
        {
            "svc/Dockerfile": BAD,
            "train.Dockerfile": BAD,
            "Dockerfile.gpu": BAD,
            "Containerfile": GOOD,
            "Dockerfile.dockerignore": "*.pyc\n",
            ".git/Dockerfile": BAD,
            ".venv/pyvenv.cfg": "home = /usr\n",
            ".venv/lib/Dockerfile": BAD,
        }
    )
    result = run_dlint("check", ".", "--format", "json", cwd=root)
    files = {f["file"] for f in json.loads(result.stdout)}
    assert files == {"svc/Dockerfile", "train.Dockerfile", "Dockerfile.gpu"}
    assert "4 files checked" in run_dlint("check", cwd=root).stdout.decode()


def test_json_output_has_the_documented_fields(project) -> None:
    """The JSON contract other tools read."""
    root = project({"Dockerfile": BAD})
    finding = json.loads(run_dlint("check", "--format", "json", cwd=root).stdout)[0]
    assert set(finding) == {
        "rule", "name", "aliases", "code", "severity", "message", "file",
        "line", "column", "end_line", "end_column", "fix",
    }  # fmt: skip
    pinned = next(f for f in json.loads(run_dlint("check", "--format", "json", cwd=root).stdout)
                  if f["name"] == "base-image-unpinned")  # fmt: skip
    assert (pinned["line"], pinned["column"], pinned["end_line"], pinned["end_column"]) == (
        1, 6, 1, 12,
    )  # fmt: skip
    assert {"DL3006", "DL3007"} <= set(pinned["aliases"])


def one_error_line(result) -> str:
    """The single stderr line of a failed run (never a traceback)."""
    err = result.stderr.decode()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_missing_path_exits_2(tmp_path) -> None:
    """A path that does not exist is one clear line, exit 2."""
    result = run_dlint("check", "nope/Dockerfile", cwd=tmp_path)
    assert result.returncode == 2
    assert one_error_line(result) == "dlint: error: nope/Dockerfile: no such file or directory"


def test_directory_without_dockerfile_exits_2(project) -> None:
    """An empty project is an error, not a silent pass."""
    root = project({"README.md": "hi"})
    result = run_dlint("check", cwd=root)
    assert result.returncode == 2
    assert "no Dockerfile found" in one_error_line(result)


def test_binary_and_undecodable_files_exit_2(project) -> None:
    """Binary data and invalid UTF-8 are refused with the file named."""
    root = project({"Dockerfile": b"\x7fELF\x00\x00\x01", "Dockerfile.latin": b"FROM caf\xe9\n"})
    binary = run_dlint("check", "Dockerfile", cwd=root)
    assert binary.returncode == 2
    assert one_error_line(binary) == "dlint: error: Dockerfile: binary file, not a Dockerfile"
    latin = run_dlint("check", "Dockerfile.latin", cwd=root)
    assert latin.returncode == 2
    assert "not valid UTF-8" in one_error_line(latin)


def test_syntax_error_names_the_place(project) -> None:
    """An unknown instruction is reported at its line and column, exit 2."""
    root = project({"Dockerfile": "FROM python:3.11-slim\n  FORM x\n"})
    result = run_dlint("check", cwd=root)
    assert result.returncode == 2
    assert one_error_line(result) == "dlint: error: Dockerfile:2:3: unknown instruction 'FORM'"


def test_one_broken_file_does_not_hide_the_others(project) -> None:
    """Other Dockerfiles are still checked; the exit code says something could not be read."""
    root = project({"a/Dockerfile": "RUN echo\n", "b/Dockerfile": BAD})
    result = run_dlint("check", cwd=root)
    assert result.returncode == 2
    assert "b/Dockerfile:1:6" in result.stdout.decode()
    assert "a/Dockerfile:1:1: RUN before the first FROM" in one_error_line(result)


def test_rules_lists_the_catalogue_as_json() -> None:
    """``dlint rules --format json`` has the documented keys for every rule."""
    rules = json.loads(run_dlint("rules", "--format", "json").stdout)
    assert {"id", "name", "aliases", "severity", "summary", "tags", "fixable"} == set(rules[0])
    assert "copy-before-install" in {r["name"] for r in rules}


def test_explain_by_alias_and_unknown_rule() -> None:
    """``dlint explain DL3025`` finds the rule by its hadolint alias."""
    shown = run_dlint("explain", "DL3025")
    assert shown.returncode == 0
    assert shown.stdout.decode().startswith("shell-form-cmd (D402)")
    assert "## Why it matters" in shown.stdout.decode()
    unknown = run_dlint("explain", "no-such-rule")
    assert unknown.returncode == 2
    assert "unknown rule 'no-such-rule'" in one_error_line(unknown)


def test_version_and_help() -> None:
    """``--version`` names the tool; ``--help`` documents the exit codes."""
    assert run_dlint("--version").stdout.decode().startswith("dlint ")
    help_text = run_dlint("check", "--help").stdout.decode()
    assert "exit codes:" in help_text and "--failure-threshold" in help_text


FIXABLE = "FROM python:3.11-slim\nRUN apt-get install -y gcc\nRUN pip install flask==3.0.3\n"


def test_diff_shows_safe_fixes_without_writing(project) -> None:
    """--diff prints a unified diff, exits 1, and leaves the file alone."""
    root = project({"Dockerfile": FIXABLE})
    result = run_dlint("check", "--diff", cwd=root)
    assert result.returncode == 1
    assert "+RUN pip install --no-cache-dir flask==3.0.3" in result.stdout.decode()
    assert "no-install-recommends" not in result.stdout.decode()  # unsafe: not without the flag
    assert (root / "Dockerfile").read_text() == FIXABLE


def test_fix_writes_the_file_and_reports_what_is_left(project) -> None:
    """--fix applies safe fixes; --unsafe-fixes adds the unsafe ones; the report is re-run."""
    root = project({"Dockerfile": FIXABLE})
    rules = ("--select", "pip-cache-kept,apt-lists-kept,apt-recommends")
    result = run_dlint("check", "--fix", "--format", "json", *rules, cwd=root)
    # pip-cache-kept and apt-lists-kept have safe fixes; apt-recommends' is unsafe.
    assert "fixed 2 problems in Dockerfile" in result.stderr.decode()
    fixed = (root / "Dockerfile").read_text()
    assert "RUN pip install --no-cache-dir flask==3.0.3" in fixed
    assert "rm -rf /var/lib/apt/lists/*" in fixed
    left = {f["name"] for f in json.loads(result.stdout)}
    assert "pip-cache-kept" not in left and "apt-recommends" in left
    run_dlint("check", "--fix", "--unsafe-fixes", *rules, cwd=root)
    assert "apt-get install --no-install-recommends -y gcc" in (root / "Dockerfile").read_text()


def test_fix_from_stdin_prints_the_fixed_dockerfile() -> None:
    """With '-', the fixed text goes to stdout and the report to stderr."""
    result = run_dlint("check", "--fix", "--select", "pip-cache-kept", "-", stdin=FIXABLE)
    assert result.stdout.decode() == FIXABLE.replace(
        "install flask", "install --no-cache-dir flask"
    )
    assert "No problems found" in result.stderr.decode()


def test_json_carries_the_fix_edits(project) -> None:
    """Fixable findings carry their edits in the JSON output."""
    root = project({"Dockerfile": FIXABLE})
    findings = json.loads(run_dlint("check", "--format", "json", cwd=root).stdout)
    fix = next(f["fix"] for f in findings if f["name"] == "pip-cache-kept")
    assert fix["safe"] is True
    assert fix["edits"] == [
        {"file": "Dockerfile", "line": 3, "column": 16, "end_line": 3, "end_column": 16,
         "replacement": " --no-cache-dir"}
    ]  # fmt: skip


def test_a_crashing_rule_is_one_line_not_a_traceback(project, monkeypatch) -> None:
    """A bug in a rule names the rule and the file, and the run exits 2."""
    from dlint.engine import Target, check_targets
    from dlint.rule import Rule

    def broken(build):
        raise KeyError("boom")

    rule = Rule(id="D999", name="broken", severity=Severity.INFO, summary="x", check=broken)
    root = project({"Dockerfile": GOOD})
    config = Config(select=frozenset({"D999"}))
    monkeypatch.setattr(Config, "rules", lambda self: (rule,))
    result = check_targets([Target("Dockerfile", root / "Dockerfile", root)], lambda _: config)
    assert result.errors == [
        "Dockerfile: rule broken (D999) failed with KeyError: 'boom'; "
        "this is a bug in dlint, please report it"
    ]


def test_errors_only_print_no_misleading_summary(tmp_path) -> None:
    """When nothing could be checked, stdout stays empty (no 'No problems found')."""
    result = run_dlint("check", "-", stdin="")
    assert result.returncode == 2
    assert result.stdout == b""
    assert one_error_line(result) == "dlint: error: -:1:1: no FROM instruction"


def test_context_option_finds_requirements_and_dockerignore_elsewhere(project) -> None:
    """--context makes the repository root the build context of docker/Dockerfile."""
    root = project(
        {
            "docker/Dockerfile": "FROM python:3.11-slim\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\n",
            "requirements.txt": "flask\n",
        }
    )
    alone = run_dlint("check", "docker", "--format", "json", cwd=root)
    assert "requirements-unpinned" not in {f["name"] for f in json.loads(alone.stdout)}
    with_context = run_dlint("check", "docker", "--context", ".", "--format", "json", cwd=root)
    unpinned = [f for f in json.loads(with_context.stdout) if f["name"] == "requirements-unpinned"]
    assert [(f["file"], f["line"], f["column"]) for f in unpinned] == [("requirements.txt", 1, 1)]
    missing = run_dlint("check", "docker", "--context", "nowhere", cwd=root)
    assert missing.returncode == 2
    assert one_error_line(missing) == "dlint: error: nowhere: build context is not a directory"


def stdin_of(monkeypatch, text: str) -> None:
    """Make ``text`` the standard input of an in-process run (read as bytes, like a pipe)."""
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def test_fix_from_stdin_in_process_leaves_sys_stdout_alone(monkeypatch, capsys) -> None:
    """``main()`` for ``--fix -`` writes to the streams it was given and swaps none of them."""
    import sys

    from dlint.cli import main

    stdin_of(monkeypatch, FIXABLE)
    before = sys.stdout, sys.stderr
    assert main(["check", "--fix", "--select", "pip-cache-kept", "-"]) == 0
    assert (sys.stdout, sys.stderr) == before
    out, err = capsys.readouterr()
    assert out == FIXABLE.replace("install flask", "install --no-cache-dir flask")
    assert "fixed 1 problem in -" in err and "No problems found" in err


def test_fix_from_stdin_with_nothing_to_fix_still_prints_the_dockerfile(monkeypatch) -> None:
    """``dlint check --fix - < in > out`` is a filter: ``out`` is a Dockerfile either way."""
    import io

    from dlint.checkrun import CheckOptions, run_check

    stdin_of(monkeypatch, BAD)
    out, err = io.StringIO(), io.StringIO()
    options = CheckOptions(paths=["-"], fix=True, select="base-image-unpinned")
    assert run_check(options, out, err) == 1
    assert out.getvalue() == BAD
    assert "-:1:6: warning base-image-unpinned" in err.getvalue()


def test_check_run_in_process_writes_only_to_its_streams(project, monkeypatch) -> None:
    """The check run takes its output streams: the report in one, errors in the other."""
    import io

    from dlint.checkrun import CheckOptions, run_check

    root = project({"a/Dockerfile": "RUN echo\n", "b/Dockerfile": BAD})
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    assert run_check(CheckOptions(format="json"), out, err) == 2
    assert {f["file"] for f in json.loads(out.getvalue())} == {"b/Dockerfile"}
    assert err.getvalue().startswith("dlint: error: a/Dockerfile:1:1: RUN before the first FROM")
    assert len(err.getvalue().splitlines()) == 1


def test_diff_with_an_unparsable_file_exits_2(project) -> None:
    """--diff still names a file it could not read, and the exit code says so."""
    root = project({"a/Dockerfile": "RUN echo\n", "b/Dockerfile": FIXABLE})
    result = run_dlint("check", "--diff", cwd=root)
    assert result.returncode == 2
    assert "+RUN pip install --no-cache-dir flask==3.0.3" in result.stdout.decode()
    assert "dlint: error: a/Dockerfile:1:1: RUN before the first FROM" in result.stderr.decode()


def test_fix_writes_a_file_once_per_pass_and_counts_every_fix(project) -> None:
    """Two fixable findings in one file: one note with the total, the file fixed in place."""
    text = "FROM python:3.11-slim\nRUN pip install flask==3.0.3\nRUN pip install numpy==2.0.1\n"
    root = project({"Dockerfile": text})
    result = run_dlint("check", "--fix", "--select", "pip-cache-kept", cwd=root)
    assert result.returncode == 0, result.stdout.decode()
    assert result.stderr.decode() == "dlint: fixed 2 problems in Dockerfile\n"
    assert (root / "Dockerfile").read_text() == text.replace("install", "install --no-cache-dir")


def test_fix_applies_a_fix_skipped_for_overlapping_on_the_next_pass(project) -> None:
    """Two fixes insert right after ``install``: one pass takes one, the next takes the other."""
    text = "FROM python:3.11-slim\nRUN apt-get install gcc\n"
    root = project({"Dockerfile": text})
    rules = ("--select", "apt-recommends,apt-interactive", "--unsafe-fixes", "--isolated")
    result = run_dlint("check", "--fix", *rules, cwd=root)
    assert result.returncode == 0, result.stdout.decode()
    assert result.stderr.decode() == "dlint: fixed 2 problems in Dockerfile\n"
    fixed = (root / "Dockerfile").read_text().splitlines()[1]
    assert fixed in (
        "RUN apt-get install -y --no-install-recommends gcc",
        "RUN apt-get install --no-install-recommends -y gcc",
    )


def test_help_loads_no_rule_or_check_machinery() -> None:
    """``dlint check --help`` (argument parsing) imports neither the rules nor the check run.

    Start-up time is a feature of a pre-commit hook; cli.py parses, the rest loads on use.
    """
    import subprocess
    import sys

    code = (
        "import sys\nfrom dlint.cli import main\ntry:\n    main(['check', '--help'])\n"
        "except SystemExit:\n    pass\nprint(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    loaded = set(done.stdout.split())
    assert "dlint.cli" in loaded, done.stderr
    heavy = {"dlint.checkrun", "dlint.rule", "dlint.engine", "dlint.model", "yaml", "docker"}
    assert heavy & loaded == set()


# -- text output as ruff prints it -------------------------------------------------------


def check(root, *args: str, monkeypatch, capsys) -> tuple[int, str, str]:
    """``dlint check ARGS`` in-process in ``root``: exit code, stdout and stderr."""
    import pytest

    from dlint.cli import main

    monkeypatch.chdir(root)
    try:
        code = main(["check", *args])
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code if isinstance(stop.code, int) else 2
    captured = capsys.readouterr()
    assert not isinstance(code, pytest.ExitCode)
    return code, captured.out, captured.err


def test_text_shows_each_finding_with_its_line_and_a_caret_under_the_span(
    project, monkeypatch, capsys
) -> None:
    root = project({"Dockerfile": "FROM python\nRUN pip install flask  numpy\n"})
    _, out, _ = check(root, "--select", "pip-unpinned", monkeypatch=monkeypatch, capsys=capsys)
    lines = out.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("Dockerfile:2:24:")))
    assert lines[first + 1 : first + 5] == [
        "  |",
        "2 | RUN pip install flask  numpy",
        "  |                        ^^^^^",
        "  |",
    ]
    second = lines.index(next(line for line in lines if line.startswith("Dockerfile:2:17:")))
    assert lines[second + 3] == "  |                 ^^^^^"


def test_fixable_findings_are_marked_and_counted(project, monkeypatch, capsys) -> None:
    root = project({"Dockerfile": BAD + "RUN apt-get update && apt-get install -y curl\n"})
    _, report, _ = check(root, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)
    found = json.loads(report)
    safe = [f for f in found if f["fix"] and f["fix"]["safe"]]
    unsafe = [f for f in found if f["fix"] and not f["fix"]["safe"]]
    assert safe and unsafe  # pip-cache-kept's fix is safe, apt-recommends' is not
    code, out, _ = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1
    marked = [line for line in out.splitlines() if " [*] " in line and line[0] != "["]
    assert [line.split(":")[1:3] for line in marked] == [
        [str(f["line"]), str(f["column"])] for f in safe
    ]
    assert out.splitlines()[-1] == (
        f"[*] {len(safe)} fixable with `--fix` ({len(unsafe)} more with `--unsafe-fixes`)."
    )
    # --unsafe-fixes only widens --fix or --diff: alone it is refused rather than ignored.
    code, out, err = check(root, "--unsafe-fixes", monkeypatch=monkeypatch, capsys=capsys)
    assert (code, out) == (2, "") and "--unsafe-fixes only widens --fix or --diff" in err


def test_summary_counts_are_plural_only_when_they_should_be(project, monkeypatch, capsys) -> None:
    root = project({"Dockerfile": "FROM python\nRUN pip install flask numpy\n"})
    _, out, _ = check(root, "--select", "D200", monkeypatch=monkeypatch, capsys=capsys)
    assert "Found 2 problems (2 warnings); 1 file checked." in out.splitlines()
    _, out, _ = check(root, "--select", "D100", monkeypatch=monkeypatch, capsys=capsys)
    assert "Found 1 problem (1 warning); 1 file checked." in out.splitlines()


def test_colour_on_a_terminal_and_with_force_color_never_with_no_color(
    project, monkeypatch, capsys
) -> None:
    import os
    import pty
    import subprocess
    import sys

    root = project({"Dockerfile": BAD})
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    _, out, _ = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert "\033[" not in out  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert "\033[1;33mwarning\033[0m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert "\033[" not in out
    # A real terminal: colour without being asked for.
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    leader, follower = pty.openpty()
    process = subprocess.run(
        [sys.executable, "-m", "dlint", "check"], cwd=root, env=env, stdout=follower, timeout=60
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.returncode == 1
    assert b"\033[1;33mwarning\033[0m" in seen


def test_quiet_prints_findings_without_the_summary(project, monkeypatch, capsys) -> None:
    root = project({"Dockerfile": BAD})
    code, out, _ = check(root, "-q", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1
    assert "Dockerfile:1:6: warning base-image-unpinned (D100)" in out
    assert "Found " not in out and "fixable" not in out
    code, out, _ = check(
        root, "--quiet", "--select", "D100", monkeypatch=monkeypatch, capsys=capsys
    )
    assert out.startswith("Dockerfile:1:6:")
    root = project({"Dockerfile": GOOD})
    code, out, _ = check(root, "-q", monkeypatch=monkeypatch, capsys=capsys)
    assert (code, out) == (0, "")


def test_exit_zero_reports_findings_but_exits_0_and_still_2_for_broken_input(
    project, monkeypatch, capsys
) -> None:
    root = project({"Dockerfile": BAD})
    code, out, _ = check(root, "--exit-zero", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "Found " in out
    root = project({"broken/Dockerfile": "FROM python:3.11-slim\n  FORM x\n"})
    code, _, err = check(root, "--exit-zero", "broken", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "broken/Dockerfile" in err


def test_show_files_lists_what_would_be_checked_without_parsing(
    project, monkeypatch, capsys
) -> None:
    root = project(
        {
            "Dockerfile": BAD,
            "svc/api.Dockerfile": GOOD,
            "broken/Dockerfile": "FROM python:3.11-slim\n  FORM x\n",
            "notes.txt": "not a Dockerfile",
        }
    )
    code, out, err = check(root, "--show-files", monkeypatch=monkeypatch, capsys=capsys)
    assert (code, err) == (0, "")
    assert sorted(out.splitlines()) == ["Dockerfile", "broken/Dockerfile", "svc/api.Dockerfile"]


def test_did_you_mean_for_options_formats_commands_and_rules(project, monkeypatch, capsys) -> None:
    root = project({"Dockerfile": BAD})
    cases = {
        ("--selct", "D100"): "unrecognized arguments: --selct (did you mean --select?)",
        ("--format", "jsn"): "(did you mean json?)",
        ("--select", "base-image-unpined"): "unknown rule 'base-image-unpined' "
        "(did you mean 'base-image-unpinned'?)",
        ("--ignore", "pip-unpined"): "(did you mean 'pip-unpinned'?)",
    }
    for args, expected in cases.items():
        code, out, err = check(root, *args, monkeypatch=monkeypatch, capsys=capsys)
        assert code == 2 and out == ""
        assert expected in err.splitlines()[-1], err
    command = run_dlint("chek", cwd=root)
    assert command.returncode == 2
    assert (
        b"invalid choice: 'chek'" in command.stderr and b"(did you mean check?)" in command.stderr
    )
    explained = run_dlint("explain", "root-usr")
    assert explained.returncode == 2
    assert explained.stderr.decode().strip() == (
        "dlint: error: unknown rule 'root-usr' (did you mean 'root-user'?)"
    )


def test_select_takes_prefixes_of_ids_and_of_hadolint_codes(project, monkeypatch, capsys) -> None:
    from dlint.rule import all_rules

    root = project({"Dockerfile": BAD + "RUN apt-get install -y curl\nUSER 0\n"})
    _, report, _ = check(
        root, "--select", "D4", "--format", "json", monkeypatch=monkeypatch, capsys=capsys
    )
    rules = {f["rule"] for f in json.loads(report)}
    assert rules and all(rule.startswith("D4") for rule in rules)
    _, report, _ = check(
        root, "--select", "DL30", "--format", "json", monkeypatch=monkeypatch, capsys=capsys
    )
    found = json.loads(report)
    by_id = {r.id: r for r in all_rules()}
    assert found
    assert all(any(a.startswith("DL30") for a in by_id[f["rule"]].aliases) for f in found)
    code, _, err = check(root, "--select", "Q9", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "unknown rule 'Q9'" in err


def test_peer_codes_dlint_lacks_are_a_warning_not_an_error(project, monkeypatch, capsys) -> None:
    root = project(
        {"Dockerfile": BAD, ".dlint.yaml": "ignore: [DL3006, DL9999, SC9999, NoSuchCheck]\n"}
    )
    code, out, err = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 1
    assert "base-image-unpinned" not in out  # DL3006 is its alias: ignored
    warnings = [line for line in err.splitlines() if line.startswith("dlint: warning:")]
    # SC9999 is a ShellCheck code: the shellcheck rule leaves it out, no warning needed.
    assert len(warnings) == 2 and not any("SC9999" in line for line in warnings)
    assert "no dlint rule has the code 'DL9999'; skipped it" in warnings[0]
