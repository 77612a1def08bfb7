"""Configuration files, command-line overrides and inline ignores, as a team adopts dlint."""

from __future__ import annotations

import json
import time

import pytest
from helpers import run_dlint

BAD = "FROM python\nRUN pip install flask\n"


def names(result) -> list[str]:
    """Rule names of a JSON run, in order."""
    return [f["name"] for f in json.loads(result.stdout)]


def test_config_found_walking_up_from_the_file(project) -> None:
    """A .dlint.yaml at the repository root applies to a Dockerfile two folders down."""
    root = project(
        {
            ".dlint.yaml": "ignore: [DL3006, root-user]\n",
            "services/api/Dockerfile": BAD,
        }
    )
    result = run_dlint("check", "services", "--format", "json", cwd=root)
    assert "base-image-unpinned" not in names(result)
    assert "root-user" not in names(result)
    assert "pip-unpinned" in names(result)


def test_pyproject_section_and_explicit_config_and_isolated(project) -> None:
    """[tool.dlint] is read; --config replaces the search; --isolated ignores everything."""
    root = project(
        {
            "pyproject.toml": '[tool.dlint]\nselect = ["pip-unpinned"]\n',
            "other.yaml": "select: [base-image-unpinned]\n",
            "Dockerfile": BAD,
        }
    )
    assert names(run_dlint("check", "--format", "json", cwd=root)) == ["pip-unpinned"]
    explicit = run_dlint("check", "--format", "json", "--config", "other.yaml", cwd=root)
    assert names(explicit) == ["base-image-unpinned"]
    isolated = run_dlint("check", "--format", "json", "--isolated", cwd=root)
    assert len(names(isolated)) > 2


def test_severity_override_and_failure_threshold(project) -> None:
    """Severities can be raised; the threshold decides the exit code, findings still print."""
    root = project(
        {
            ".dlint.yaml": "select: [pip-unpinned, base-image-unpinned]\n"
            "severity: {pip-unpinned: error}\nfailure-threshold: error\n",
            "Dockerfile": BAD,
        }
    )
    result = run_dlint("check", "--format", "json", cwd=root)
    findings = {f["name"]: f["severity"] for f in json.loads(result.stdout)}
    assert findings == {"pip-unpinned": "error", "base-image-unpinned": "warning"}
    assert result.returncode == 1
    relaxed = run_dlint("check", "--ignore", "pip-unpinned", cwd=root)
    assert relaxed.returncode == 0
    assert "base-image-unpinned" in relaxed.stdout.decode()


def test_command_line_select_and_severity(project) -> None:
    """--select and --severity RULE=LEVEL work without a file."""
    root = project({"Dockerfile": BAD})
    result = run_dlint(
        "check", "--select", "DL3013", "--severity", "pip-unpinned=style", "--format", "json",
        cwd=root,
    )  # fmt: skip
    assert [(f["name"], f["severity"]) for f in json.loads(result.stdout)] == [
        ("pip-unpinned", "style")
    ]


def test_per_path_ignores(project) -> None:
    """A glob maps to the rules it silences."""
    root = project(
        {
            ".dlint.yaml": "per-path-ignores:\n  'legacy/*': [pip-unpinned]\n",
            "legacy/Dockerfile": BAD,
            "new/Dockerfile": BAD,
        }
    )
    findings = json.loads(run_dlint("check", "--format", "json", cwd=root).stdout)
    unpinned = {f["file"] for f in findings if f["name"] == "pip-unpinned"}
    assert unpinned == {"new/Dockerfile"}


def test_trusted_registries_setting(project) -> None:
    """trusted-registries turns on untrusted-registry."""
    root = project({".dlint.yaml": "trusted-registries: [ghcr.io]\n", "Dockerfile": BAD})
    assert "untrusted-registry" in names(run_dlint("check", "--format", "json", cwd=root))


def error_of(result) -> str:
    """The one error line of a failed run."""
    assert result.returncode == 2
    assert "Traceback" not in result.stderr.decode()
    return result.stderr.decode().strip()


def test_bad_configuration_is_one_line_naming_file_key_and_allowed(project) -> None:
    """Unknown keys, unknown rules and wrong types exit 2 with a clear line."""
    root = project({"Dockerfile": BAD, ".dlint.yaml": "selekt: [pip-unpinned]\n"})
    message = error_of(run_dlint("check", cwd=root))
    assert ".dlint.yaml: unknown key 'selekt' (did you mean 'select'? allowed: exclude," in message
    (root / ".dlint.yaml").write_text("ignore: [no-such-rule]\n")
    assert "ignore: unknown rule 'no-such-rule'" in error_of(run_dlint("check", cwd=root))
    (root / ".dlint.yaml").write_text("severity: {pip-unpinned: fatal}\n")
    message = error_of(run_dlint("check", cwd=root))
    assert "'fatal' is not a severity (allowed: error, warning, info, style)" in message
    (root / ".dlint.yaml").write_text("rules: {untrusted-registry: {registries: ghcr.io}}\n")
    assert "registries: expected list" in error_of(run_dlint("check", cwd=root))
    (root / ".dlint.yaml").write_text("select: [unclosed\n")
    assert "invalid YAML" in error_of(run_dlint("check", cwd=root))


def test_inline_ignores_dlint_hadolint_and_buildkit(project) -> None:
    """Teams keep the suppressions they already have when switching to dlint."""
    dockerfile = """# check=skip=JSONArgsRecommended
# hadolint ignore=DL3006
FROM python
# dlint ignore=pip-unpinned flask is pinned by the platform image
RUN pip install --no-cache-dir flask
# hadolint ignore=DL3013
RUN pip install --no-cache-dir requests
RUN pip install --no-cache-dir numpy
CMD python app.py
"""
    root = project({"Dockerfile": dockerfile})
    findings = json.loads(run_dlint("check", "--format", "json", cwd=root).stdout)
    placed = {(f["name"], f["line"]) for f in findings}
    assert ("pip-unpinned", 8) in placed
    assert not {("pip-unpinned", 5), ("pip-unpinned", 7), ("base-image-unpinned", 3)} & placed
    assert "shell-form-cmd" not in {name for name, _ in placed}


def test_ignore_file_covers_the_whole_build(project) -> None:
    """``# dlint ignore-file=`` silences a rule everywhere, also in requirements files."""
    root = project(
        {
            "Dockerfile": "# dlint ignore-file=requirements-unpinned,root-user\n"
            "FROM python:3.11-slim\nCOPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\n",
            "requirements.txt": "flask\n",
        }
    )
    got = names(run_dlint("check", "--format", "json", cwd=root))
    assert "requirements-unpinned" not in got and "root-user" not in got


def _billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 strings once expanded, a few hundred bytes."""
    levels = ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        levels.append(f"&a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "[" + ", ".join(levels) + "]"


HOSTILE_CONFIGS = {
    "yaml-bomb": (".dlint.yaml", f"failure-threshold: {_billion_laughs()}\n", "expands to more"),
    "yaml-self-alias": (".dlint.yaml", "failure-threshold: &a [*a]\n", "alias *a refers to"),
    "yaml-deep": (".dlint.yaml", "select: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested"),
    "yaml-long-int": (".dlint.yaml", "failure-threshold: " + "9" * 5_000 + "\n", "digits"),
    "yaml-bad-utf8": (".dlint.yaml", b"ignore: [\xff\xfe]\n", "not valid UTF-8 (byte 0xff"),
    "toml-bad-utf8": ("pyproject.toml", b'[tool.dlint]\nignore = ["\xff"]\n', "not valid UTF-8"),
    "toml-tool-string": ("pyproject.toml", 'tool = "x"\n', "'tool' must be a table"),
    "toml-deep": (
        "pyproject.toml",
        "[tool.dlint]\nselect = " + "[" * 20_000 + "]" * 20_000 + "\n",
        "nested too deeply",
    ),
    "toml-long-int": ("pyproject.toml", "[tool.dlint]\nx = " + "9" * 5_000 + "\n", "digits"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_CONFIGS))
def test_hostile_configuration_is_one_line_in_bounded_time(project, case) -> None:
    """Bombs, deep nesting, huge numbers, bad UTF-8 and odd TOML: one line, exit 2, fast."""
    name, content, needle = HOSTILE_CONFIGS[case]
    root = project({"Dockerfile": BAD, name: content})
    started = time.monotonic()
    result = run_dlint("check", "--config", name, cwd=root)
    elapsed = time.monotonic() - started
    message = error_of(result)
    assert message.count("\n") == 0, message
    assert message.startswith(f"dlint: error: {name}"), message
    assert needle in message
    assert elapsed < 10, f"took {elapsed:.1f} s"


def test_yaml_anchors_within_the_limits_still_work(project) -> None:
    """Ordinary anchors and aliases are fine: only expansion past the bound is refused."""
    root = project(
        {
            ".dlint.yaml": "select: &picked [pip-unpinned]\nextend-select: *picked\n",
            "Dockerfile": BAD,
        }
    )
    assert names(run_dlint("check", "--format", "json", cwd=root)) == ["pip-unpinned"]


# -- adopting dlint on an existing repository -------------------------------------------

BROKEN = "FROM python:3.11-slim\n  FORM x\n"  # a syntax error: exit 2 if it is ever parsed


def check(root, *args: str, monkeypatch, capsys, cwd=None) -> tuple[int, str, str]:
    """``dlint check ARGS`` in-process in ``cwd`` (default ``root``)."""
    from dlint.cli import main

    monkeypatch.chdir(cwd or root)
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_exclude_in_config_and_on_the_command_line_skips_files_unparsed(
    project, monkeypatch, capsys
) -> None:
    root = project(
        {
            "Dockerfile": BAD,
            "tests/fixtures/broken/Dockerfile": BROKEN,
            "old/Dockerfile": BROKEN,
            "svc/Dockerfile.dev": BROKEN,
        }
    )
    code, _, err = check(root, "-q", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and "FORM" in err
    (root / ".dlint.yaml").write_text("exclude: [fixtures, old]\nextend-exclude: ['svc/*.dev']\n")
    code, out, err = check(root, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)
    assert (code, err) == (1, "")
    assert {f["file"] for f in json.loads(out)} == {"Dockerfile"}
    # From a subfolder the file's globs still count from the file's folder.
    code, out, _ = check(
        root, "--show-files", "..", monkeypatch=monkeypatch, capsys=capsys, cwd=root / "svc"
    )
    assert out.splitlines() == ["../Dockerfile"]
    # --exclude replaces the file's exclude (old/ comes back); extend-exclude still applies.
    _, out, _ = check(
        root, "--show-files", "--exclude", "tests", monkeypatch=monkeypatch, capsys=capsys
    )
    assert sorted(out.splitlines()) == ["Dockerfile", "old/Dockerfile"]
    _, out, _ = check(
        root,
        "--show-files",
        "--extend-exclude",
        "Dockerfile",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert out == ""
    code, _, err = check(
        root, "--extend-exclude", "Dockerfile", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0 and "every Dockerfile found is excluded" in err


def test_per_path_ignores_are_relative_to_the_config_files_folder(
    project, monkeypatch, capsys
) -> None:
    root = project(
        {
            "repo/.dlint.yaml": "per-path-ignores:\n  'legacy/*': [pip-unpinned]\n",
            "repo/legacy/Dockerfile": BAD,
            "repo/new/Dockerfile": BAD,
        }
    )
    for cwd, prefix in ((root, "repo/"), (root / "repo" / "new", "../")):
        target = "repo" if cwd == root else ".."
        _, out, _ = check(
            root, "--format", "json", target, monkeypatch=monkeypatch, capsys=capsys, cwd=cwd
        )
        unpinned = {f["file"] for f in json.loads(out) if f["name"] == "pip-unpinned"}
        assert unpinned == {f"{prefix}new/Dockerfile" if cwd == root else "Dockerfile"}


def test_add_ignore_comments_every_finding_once_and_keeps_line_endings(
    project, monkeypatch, capsys
) -> None:
    crlf = (
        "FROM python\r\n  # dlint ignore=root-user reviewed in #12\r\n"
        "  RUN pip install flask \\\r\n      numpy\r\n"
    )
    root = project({"Dockerfile": BAD, "crlf/Dockerfile": crlf.encode()})
    code, _, err = check(root, "--add-ignore", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "added 2 ignore comments to Dockerfile" in err
    assert (root / "Dockerfile").read_text().splitlines()[0].startswith("# dlint ignore=")
    fixed = (root / "crlf" / "Dockerfile").read_bytes().decode()
    assert fixed.count("\r\n") == fixed.count("\n")  # every line still ends in CRLF
    lines = fixed.split("\r\n")
    # The existing comment above the RUN got the RUN's rules; its reason is kept.
    assert lines[2].startswith("  # dlint ignore=root-user,") and lines[2].endswith(
        " reviewed in #12"
    )
    assert "pip-unpinned" in lines[2]
    code, out, _ = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and out.startswith("No problems found")
    before = {p: p.read_bytes() for p in root.rglob("Dockerfile")}
    code, _, err = check(root, "--add-ignore", monkeypatch=monkeypatch, capsys=capsys)
    assert (code, err) == (0, "")
    assert {p: p.read_bytes() for p in root.rglob("Dockerfile")} == before


def test_a_baseline_hides_known_findings_even_after_lines_move(
    project, monkeypatch, capsys
) -> None:
    root = project({"Dockerfile": BAD, "requirements.txt": "flask\n"})
    code, _, err = check(
        root, "--write-baseline", "dlint-baseline.json", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0 and "wrote" in err
    recorded = json.loads((root / "dlint-baseline.json").read_text())["findings"]
    assert recorded and all(e["fingerprint"] and e["rule"] for e in recorded)
    code, out, _ = check(
        root, "--baseline", "dlint-baseline.json", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0 and out.startswith("No problems found")
    # Lines added above and a new problem: only the new one is reported.
    (root / "Dockerfile").write_text("# moved\n\n" + BAD + "RUN pip install numpy\n")
    code, out, _ = check(
        root,
        "--baseline",
        "dlint-baseline.json",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 1
    assert {(f["name"], f["line"]) for f in json.loads(out)} == {
        ("pip-unpinned", 5),
        ("pip-cache-kept", 5),
    }
    # From another folder the baseline still matches (its files are relative to it).
    (root / "sub").mkdir()
    code, out, _ = check(
        root, "--baseline", "../dlint-baseline.json", "--format", "json", "..",
        monkeypatch=monkeypatch, capsys=capsys, cwd=root / "sub",
    )  # fmt: skip
    assert {f["line"] for f in json.loads(out)} == {5}
    (root / "bad.json").write_text("[]")
    code, _, err = check(root, "--baseline", "bad.json", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and err.strip() == (
        "dlint: error: bad.json: not a dlint baseline (write one with --write-baseline)"
    )


def test_hadolint_yaml_is_read_when_no_dlint_config_exists(project, monkeypatch, capsys) -> None:
    hadolint = (
        "ignored: [DL3006]\nfailure-threshold: error\noverride:\n  error: [DL3013]\n"
        "trustedRegistries: [registry.example.com]\n"
    )
    root = project({"Dockerfile": BAD, ".hadolint.yaml": hadolint})
    code, out, err = check(root, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)
    found = {f["name"]: f["severity"] for f in json.loads(out)}
    assert "base-image-unpinned" not in found  # DL3006 ignored
    assert found["pip-unpinned"] == "error"  # DL3013 overridden
    assert found["untrusted-registry"]  # python comes from Docker Hub, not the trusted one
    assert code == 1  # an error finding, at the threshold
    assert err.splitlines() == [
        "dlint: note: no dlint configuration found; read hadolint's .hadolint.yaml "
        "(ignored, trustedRegistries, failure-threshold, override)"
    ]
    (root / ".hadolint.yaml").write_text("ignored: [DL3006]\nfailure-threshold: error\n")
    code, _, _ = check(root, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0  # only warnings and below: under hadolint's threshold
    (root / ".dlint.yaml").write_text("select: [base-image-unpinned]\n")
    code, out, err = check(root, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)
    assert err == "" and [f["name"] for f in json.loads(out)] == ["base-image-unpinned"]
