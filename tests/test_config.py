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
    assert ".dlint.yaml: unknown key 'selekt' (allowed: extend-select," in message
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
