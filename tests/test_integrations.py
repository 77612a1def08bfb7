"""The pre-commit hook, the GitHub Action and the CI workflow, run and checked by real tools.

pre-commit's own ``try-repo`` installs dlint into a fresh environment and runs the hook in
a throwaway git repository; the action's shell steps run as a runner would run them;
actionlint, shellcheck and check-jsonschema (with GitHub's schemas) validate the YAML. The
README snippets are taken from README.md itself, so the documentation stays runnable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from helpers import REPO

import dlint

BIN = Path(sys.executable).parent
ACTION = REPO / "action.yml"
WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
README_SECTION = "## Pre-commit and GitHub Actions"
REFERENCE = REPO / "reference"
BAD_DOCKERFILE = "FROM python\n"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def tool(name: str) -> str:
    """Path of a command-line tool from the dev extra, installed beside this Python."""
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} is missing: pip install -e '.[dev]'"
    return path


def git_env(home: Path) -> dict[str, str]:
    """An environment where git ignores the caller's configuration and hook state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="dlint tests",
        GIT_AUTHOR_EMAIL="tests@dlint.invalid",
        GIT_COMMITTER_NAME="dlint tests",
        GIT_COMMITTER_EMAIL="tests@dlint.invalid",
        PRE_COMMIT_HOME=str(home / "pre-commit-home"),
        HOME=str(home),
    )
    return env


def copy_reference(destination: Path) -> Path:
    """A copy of reference/, the service that passes ``dlint check`` with zero findings."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    return Path(shutil.copytree(REFERENCE, destination, ignore=ignore))


def git(repo: Path, env: dict[str, str], *args: str) -> None:
    """Run one git command in ``repo``; a failure fails the test with git's message."""
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def readme_section() -> str:
    """The README's section on pre-commit and GitHub Actions, up to the next heading."""
    text = (REPO / "README.md").read_text()
    assert README_SECTION in text
    return text.split(README_SECTION, 1)[1].split("\n## ", 1)[0]


def readme_snippet(name: str) -> str:
    """The fenced block that follows ``<!-- snippet: NAME -->`` in the README section."""
    match = re.search(rf"<!-- snippet: {name} -->\s*```\w*\n(.*?)```", readme_section(), re.S)
    assert match, f"README section {README_SECTION!r} has no snippet {name!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding dlint's working tree as one commit.

    ``pre-commit try-repo`` on a repository with local changes takes HEAD plus staged and
    modified tracked files, but never untracked ones; a commit of exactly what is on disk
    makes the hook run the code under test, whatever the state of the checkout.
    """
    root = tmp_path_factory.mktemp("dlint-snapshot")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    env = git_env(root)
    git(root, env, "init", "-q")
    git(root, env, "add", "-A")
    git(root, env, "commit", "-q", "--no-verify", "-m", "dlint working tree")
    return root


# -- pre-commit ---------------------------------------------------------------------------


def hook_manifest() -> list[dict]:
    """The hooks this repository offers to pre-commit."""
    return yaml.safe_load(HOOKS.read_text())


def test_hook_manifest_is_valid_for_pre_commit():
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("Dockerfile", True),
        ("services/api/Dockerfile", True),
        ("Containerfile", True),
        ("docker/Dockerfile.gpu", True),
        ("train.Dockerfile", True),
        ("serve.dockerfile", True),
        (".dockerignore", True),
        ("api/Dockerfile.dockerignore", True),
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("requirements/requirements.in", True),
        ("constraints.txt", True),
        ("requirements.lock", True),
        ("services/api/poetry.lock", True),
        ("src/app.py", False),
        ("README.md", False),
        ("docs/Dockerfile-guide.md", False),
        ("notes.txt", False),
    ],
)
def test_hook_runs_for_dockerfiles_and_the_files_they_read(path: str, runs: bool):
    hook = next(h for h in hook_manifest() if h["id"] == "dlint")
    assert bool(re.search(hook["files"], path)) is runs


def test_hook_checks_the_repository_not_the_changed_files():
    # A changed lock file alone must re-check the Dockerfile that installs it.
    hook = next(h for h in hook_manifest() if h["id"] == "dlint")
    assert hook["pass_filenames"] is False
    assert hook["entry"].split()[:2] == ["dlint", "check"]


def try_repo(snapshot: Path, project: Path, hook_id: str) -> subprocess.CompletedProcess:
    """``pre-commit try-repo SNAPSHOT HOOK`` on the staged files of ``project``."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), hook_id, "--color=never"],
        cwd=project,
        env=git_env(project.parent),
        capture_output=True,
        text=True,
        timeout=600,
    )


def readme_pre_commit_hook_ids() -> list[str]:
    """Hook ids of the README's .pre-commit-config.yaml snippet, checked against the manifest."""
    config = yaml.safe_load(readme_snippet("pre-commit-config"))
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{dlint.__version__}"
    ids = [hook["id"] for hook in repo["hooks"]]
    assert set(ids) <= {hook["id"] for hook in hook_manifest()}
    return ids


def test_readme_pre_commit_config_passes_a_clean_dockerfile(snapshot: Path, tmp_path: Path):
    project = copy_reference(tmp_path / "project")
    env = git_env(tmp_path)
    git(project, env, "init", "-q")
    git(project, env, "add", ".")
    for hook_id in readme_pre_commit_hook_ids():
        result = try_repo(snapshot, project, hook_id)
        assert result.returncode == 0, result.stdout + result.stderr
        assert re.search(r"^dlint\.+Passed$", result.stdout, re.M), result.stdout


def test_readme_pre_commit_config_fails_when_only_a_file_the_dockerfile_reads_changed(
    snapshot: Path, tmp_path: Path
):
    project = tmp_path / "project"
    project.mkdir()
    env = git_env(tmp_path)
    git(project, env, "init", "-q")
    (project / "Dockerfile").write_text(BAD_DOCKERFILE)
    (project / ".dockerignore").write_text(".git\n")
    git(project, env, "add", "Dockerfile", ".dockerignore")
    git(project, env, "commit", "-q", "--no-verify", "-m", "unpinned base image")
    # Only .dockerignore is staged: the unchanged Dockerfile is still what gets checked.
    (project / ".dockerignore").write_text(".git\n.venv\n")
    git(project, env, "add", ".dockerignore")
    for hook_id in readme_pre_commit_hook_ids():
        result = try_repo(snapshot, project, hook_id)
        assert result.returncode == 1, result.stdout + result.stderr
        assert re.search(r"^dlint\.+Failed$", result.stdout, re.M), result.stdout
        assert "Dockerfile:1:6: " in result.stdout
        assert "base-image-unpinned" in result.stdout


# -- GitHub Actions: validation -----------------------------------------------------------


def check_jsonschema(schema: str, path: Path) -> None:
    """Validate ``path`` with one of check-jsonschema's built-in (vendored) schemas."""
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def actionlint(project: Path, *workflows: Path) -> None:
    """Run actionlint (with shellcheck on PATH, so run: scripts are checked too)."""
    env = dict(
        os.environ, PATH=f"{Path(tool('shellcheck')).parent}{os.pathsep}{os.environ['PATH']}"
    )
    result = subprocess.run(
        [tool("actionlint"), "-oneline", *map(str, workflows)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_metadata_matches_github_schema():
    check_jsonschema("vendor.github-actions", ACTION)


def test_ci_workflow_matches_github_schema():
    check_jsonschema("vendor.github-workflows", WORKFLOW)


def test_ci_workflow_passes_actionlint():
    # actionlint also reads action.yml for `uses: ./` and checks the inputs and outputs used.
    actionlint(REPO, WORKFLOW)


def test_ci_workflow_uses_the_local_action_for_sarif_and_the_harness():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    scripts = " ".join(step.get("run", "") for step in steps)
    local = [step.get("with", {}) for step in steps if step.get("uses") == "./"]
    assert "bash scripts/test.sh" in scripts
    assert any(inputs.get("sarif") for inputs in local)
    assert any(inputs.get("test-dir") == "reference" for inputs in local)
    assert any(
        str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@") for step in steps
    )


def action_steps() -> list[dict]:
    """The composite steps of action.yml."""
    return yaml.safe_load(ACTION.read_text())["runs"]["steps"]


@pytest.mark.parametrize("step", action_steps(), ids=lambda step: step["name"])
def test_action_scripts_pass_shellcheck(step: dict, tmp_path: Path):
    # Inputs reach the scripts only through env:, never as ${{ }} pasted into shell code.
    assert not EXPRESSION.search(step["run"]), "use env: for inputs in run: scripts"
    script = tmp_path / "step.sh"
    script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])
    result = subprocess.run(
        [tool("shellcheck"), "--shell=bash", str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_readme_workflow_snippet_is_valid(tmp_path: Path):
    snippet = readme_snippet("github-workflow")
    workflow = yaml.safe_load(snippet)
    uses = [
        step["uses"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "/dlint@" in step.get("uses", "")
    ]
    assert uses and all(u.endswith(f"@v{dlint.__version__}") for u in uses)
    # In a copy with `uses: ./`, actionlint checks the snippet's inputs against action.yml.
    project = tmp_path / "project"
    (project / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, project / "action.yml")
    local = re.sub(r"uses: [\w.-]+/dlint@\S+", "uses: ./", snippet)
    target = project / ".github" / "workflows" / "dlint.yml"
    target.write_text(local)
    git(project, git_env(tmp_path), "init", "-q")
    check_jsonschema("vendor.github-workflows", target)
    actionlint(project, target)


def test_readme_documents_every_action_input():
    documented = set(re.findall(r"^\| `([\w-]+)` \|", readme_section(), re.M))
    action = yaml.safe_load(ACTION.read_text())
    assert documented == set(action["inputs"]) | set(action["outputs"])


# -- GitHub Actions: the composite steps, run as a runner runs them ----------------------


@pytest.fixture(scope="module")
def runner_temp(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNNER_TEMP after the action's real install step ran (dlint installed from SNAPSHOT)."""
    temp = tmp_path_factory.mktemp("runner-temp")
    result = run_step("Install dlint", {"python": sys.executable}, temp, snapshot, snapshot)
    assert result.returncode == 0, result.stdout + result.stderr
    return temp


def run_step(
    name: str, inputs: dict[str, str], temp: Path, workspace: Path, action_path: Path
) -> subprocess.CompletedProcess:
    """Run one composite step like the runner: env from inputs, ``bash -eo pipefail``."""
    action = yaml.safe_load(ACTION.read_text())
    (step,) = [s for s in action["runs"]["steps"] if s["name"] == name]
    values = {key: spec.get("default", "") for key, spec in action["inputs"].items()}
    values.update(inputs)

    def expand(value: str) -> str:
        def one(match: re.Match[str]) -> str:
            kind, _, key = match.group(1).partition(".")
            assert kind == "inputs", f"the test runner only knows inputs.*: {match.group(0)}"
            return values[key]

        return EXPRESSION.sub(one, str(value))

    output = temp / "github-output"
    output.write_text("")
    env = dict(
        os.environ,
        RUNNER_TEMP=str(temp),
        GITHUB_ACTION_PATH=str(action_path),
        GITHUB_OUTPUT=str(output),
        GITHUB_WORKSPACE=str(workspace),
    )
    env.update({key: expand(value) for key, value in step.get("env", {}).items()})
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def step_outputs(temp: Path) -> dict[str, str]:
    """The name=value lines a step wrote to GITHUB_OUTPUT."""
    lines = (temp / "github-output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_action_check_fails_on_findings_and_reports_the_exit_code(
    runner_temp: Path, project, snapshot: Path
):
    workspace = project({"api/Dockerfile": BAD_DOCKERFILE})
    copy_reference(workspace / "worker")
    result = run_step("dlint check", {"paths": "api\nworker"}, runner_temp, workspace, snapshot)
    assert result.returncode == 1, result.stderr
    assert "api/Dockerfile:1:6: " in result.stdout
    assert step_outputs(runner_temp) == {"exit-code": "1"}


def test_action_check_passes_the_failure_threshold(runner_temp: Path, project, snapshot: Path):
    workspace = project({"Dockerfile": BAD_DOCKERFILE})
    inputs = {"failure-threshold": "none"}
    result = run_step("dlint check", inputs, runner_temp, workspace, snapshot)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "base-image-unpinned" in result.stdout


def test_action_check_writes_sarif_and_still_logs_the_findings(
    runner_temp: Path, project, snapshot: Path
):
    workspace = project({"Dockerfile": BAD_DOCKERFILE})
    inputs = {"sarif": "reports/dlint.sarif", "format": "json"}
    result = run_step("dlint check", inputs, runner_temp, workspace, snapshot)
    assert result.returncode == 1, result.stderr
    assert '"base-image-unpinned"' in result.stdout
    assert step_outputs(runner_temp) == {"sarif": "reports/dlint.sarif", "exit-code": "1"}
    sarif = (workspace / "reports" / "dlint.sarif").read_text()
    assert '"version": "2.1.0"' in sarif and "base-image-unpinned" in sarif


def test_action_check_stops_on_unreadable_input(runner_temp: Path, project, snapshot: Path):
    workspace = project({"Dockerfile": BAD_DOCKERFILE})
    inputs = {"paths": "missing", "sarif": "dlint.sarif"}
    result = run_step("dlint check", inputs, runner_temp, workspace, snapshot)
    assert result.returncode == 2
    assert "missing" in result.stderr
    assert step_outputs(runner_temp) == {"exit-code": "2"}


def test_action_test_step_reports_the_exit_code_of_dlint_test(
    runner_temp: Path, project, snapshot: Path
):
    # Without a Dockerfile dlint test cannot run; the build itself is the harness tests' job.
    workspace = project({"service/app.py": "print('no Dockerfile here')\n"})
    result = run_step("dlint test", {"test-dir": "service"}, runner_temp, workspace, snapshot)
    assert result.returncode == 2, result.stdout + result.stderr
    assert step_outputs(runner_temp) == {"exit-code": "2"}


def sarif_upload_jobs(workflow: dict) -> list[dict]:
    """The jobs of a workflow that upload SARIF to code scanning."""
    return [
        job
        for job in workflow["jobs"].values()
        if any(
            str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
            for step in job["steps"]
        )
    ]


@pytest.mark.parametrize("where", ["ci.yml", "README"])
def test_sarif_upload_works_on_private_repositories_and_skips_forks(where: str):
    """upload-sarif needs ``actions: read`` on a private repository and ``security-events:
    write`` always; a fork's pull request has a read-only token, so the upload is skipped."""
    text = WORKFLOW.read_text() if where == "ci.yml" else readme_snippet("github-workflow")
    workflow = yaml.safe_load(text)
    jobs = sarif_upload_jobs(workflow)
    assert jobs
    for job in jobs:
        permissions = {**workflow.get("permissions", {}), **job.get("permissions", {})}
        assert permissions.get("actions") == "read"
        assert permissions.get("security-events") == "write"
        upload = next(s for s in job["steps"] if "upload-sarif" in str(s.get("uses", "")))
        condition = " ".join(upload["if"].split())
        assert "github.event.pull_request.head.repo.full_name == github.repository" in condition


def test_readme_gitlab_snippet_writes_the_code_quality_report_it_uploads(project) -> None:
    """The GitLab job's dlint command, run as written, writes the file its artifact names."""
    job = yaml.safe_load(readme_snippet("gitlab-ci"))["dlint"]
    report = job["artifacts"]["reports"]["codequality"]
    assert job["artifacts"]["when"] == "always"  # findings fail the job: upload anyway
    (command,) = [line for line in job["script"] if line.startswith("dlint check")]
    root = project({"Dockerfile": BAD_DOCKERFILE})
    result = subprocess.run(
        command.replace("dlint", tool("dlint"), 1), shell=True, cwd=root, capture_output=True
    )
    assert result.returncode == 1, result.stderr
    issues = json.loads((root / report).read_text())
    assert issues and all(issue["fingerprint"] and issue["location"]["path"] for issue in issues)


def test_readme_jenkins_snippet_writes_the_junit_report_it_publishes(project) -> None:
    """The Jenkins stage's dlint command writes the JUnit file that ``junit`` reads."""
    snippet = readme_snippet("jenkins")
    (command,) = [c for c in re.findall(r"sh '([^']*)'", snippet) if "dlint check" in c]
    (published,) = re.findall(r"junit '([^']*)'", snippet)
    root = project({"Dockerfile": BAD_DOCKERFILE})
    result = subprocess.run(
        command.replace(".dlint/bin/dlint", tool("dlint")),
        shell=True,
        cwd=root,
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr  # `|| true`: the junit step marks the build
    suites = ET.fromstring((root / published).read_text())
    cases = list(suites.iter("testcase"))
    assert cases and all(case.find("failure") is not None for case in cases)
