"""``dlint test --verify-fixes`` on the real engine.

tests/harness/data/fixable has five findings whose fixes are safe: verifying them builds
the original and the fixed image, finds them the same, and runs the spec on the fixed
one. Then two test-only rules are added to the pack: one whose "fix" renames a file the
image ships (the kind of bug the verifier exists for) and one unsafe fix that changes the
CMD and says so. The first must be reported as broke, with what changed, and fail the run
even though the spec still passes; the second is shown as changed as intended.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

FIXABLE = Path(__file__).parent / "data" / "fixable"
CHAPTER = Path(__file__).parent / "data" / "chapter"

# Runs dlint's command line with two extra rules in the pack (a test cannot reach into
# the process `dlint test` is, so the rules are added before main() runs).
WITH_TEST_RULES = '''
import sys

from dlint import config, rule
from dlint.finding import Edit, Fix, Problem, Severity


def renames_page(build):
    """A broken fix: it means to change nothing, but the page lands under another name."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword == "COPY" and "index.html" in instruction.value:
            destination = instruction.arguments[-1]
            fix = Fix("tidy the destination", (Edit(destination.span, "./page.html"),))
            yield Problem("test rule: renames the page", destination.span, fix)


def binds_all(build):
    """An unsafe fix that changes the CMD, and declares it."""
    for instruction in build.dockerfile.instructions:
        if instruction.keyword == "CMD" and '"8000"' in instruction.value:
            start = instruction.value.index('"8000"')
            span = instruction.locate(start, start + 6)
            edit = Edit(span, '"8000", "--bind", "0.0.0.0"')
            fix = Fix("bind every address", (edit,), safe=False, changes=("Cmd",))
            yield Problem("test rule: binds every address", span, fix)


def extra(check, id, name):
    return rule.Rule(id=id, name=name, severity=Severity.INFO, summary=name, check=check,
                     fixable=True)


pack = rule.all_rules
added = (extra(renames_page, "D798", "test-renames-page"),
         extra(binds_all, "D799", "test-binds-all"))
rule.all_rules = config.all_rules = lambda: (*pack(), *added)

from dlint.cli import main

sys.exit(main(sys.argv[1:]))
'''


def verdicts(stdout: str) -> dict[str, tuple[str, list[str]]]:
    """Rule name -> (outcome, detail lines) from the verify report."""
    found: dict[str, tuple[str, list[str]]] = {}
    last = None
    for line in stdout.splitlines():
        for outcome in ("kept", "changed as intended", "broke"):
            if line.startswith(f"  {outcome} "):
                name = line.split(" (", 1)[0].rsplit(" ", 1)[1]
                found[name] = (outcome, [])
                last = name
                break
        else:
            if last and line.startswith("      "):
                found[last][1].append(line.strip())
            elif not line.startswith("      "):
                last = None
    return found


@pytest.mark.docker
def test_verify_fixes_keeps_the_image_and_runs_the_spec_on_the_fixed_one(dlint_test, leftovers):
    original = FIXABLE.joinpath("Dockerfile").read_text()
    result = dlint_test(str(FIXABLE), "--verify-fixes", "-q")
    assert result.code == 0, result.stdout + result.stderr
    assert {name: outcome for name, (outcome, _) in verdicts(result.stdout).items()} == {
        "from-as-casing": "kept",
        "legacy-key-value": "kept",
        "instruction-casing": "kept",
        "pip-cache-kept": "kept",
        "expose-protocol-casing": "kept",
    }
    assert "4 checks: 4 passed" in result.stdout  # and the image report
    assert "verify-fixes: 5 kept, 0 changed as intended, 0 broke" in result.stdout
    assert leftovers(result.run_id) == []
    assert FIXABLE.joinpath("Dockerfile").read_text() == original, "only a copy is fixed"


def _buildx() -> bool:
    """True when this machine builds with BuildKit (the docker CLI has its buildx plugin)."""
    if shutil.which("docker") is None:
        return False
    found = subprocess.run(["docker", "buildx", "version"], capture_output=True, check=False)
    return found.returncode == 0


# A known bug, kept visible: with BuildKit builds, the fix that renames the copied page is
# reported "kept" (the classic builder reports it "broke", as it must). strict: the test
# fails as soon as the bug is fixed, so the mark cannot outlive it.
@pytest.mark.xfail(
    _buildx(), strict=True, reason="verify-fixes misses an undeclared rename under BuildKit"
)
@pytest.mark.docker
def test_a_fix_that_changes_the_image_is_reported_as_broke_and_fails_the_run(tmp_path, leftovers):
    project = tmp_path / "project"
    shutil.copytree(FIXABLE, project)
    (project / ".dlint.yaml").write_text(
        "select: [expose-protocol-casing, test-renames-page, test-binds-all]\n"
    )
    arguments = ["test", str(project), "--verify-fixes", "--unsafe-fixes", "-q"]
    done = subprocess.run(
        [sys.executable, "-c", WITH_TEST_RULES, *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    found = verdicts(done.stdout)
    assert found["expose-protocol-casing"] == ("kept", [])
    outcome, details = found["test-renames-page"]
    assert outcome == "broke"
    assert any(d.startswith("/srv/app/index.html removed") for d in details), details
    assert any(d.startswith("/srv/app/page.html added") for d in details), details
    outcome, details = found["test-binds-all"]
    assert outcome == "changed as intended"
    assert details == [
        'Cmd changed: ["python", "-m", "http.server", "8000"] -> '
        '["python", "-m", "http.server", "8000", "--bind", "0.0.0.0"]'
    ]
    # The spec alone would not have caught it: the page is still served as a listing.
    assert "4 checks: 4 passed" in done.stdout  # and the image report
    assert "verify-fixes: 1 kept, 1 changed as intended, 1 broke" in done.stdout
    run_id = re.search(r"run (dlint-[0-9a-f]+)", done.stdout)
    assert run_id is not None, done.stdout
    assert leftovers(run_id[1]) == []


@pytest.mark.docker
def test_the_chapter_draft_fixed_safe_and_unsafe_changes_only_what_each_fix_declares(
    dlint_test, leftovers
):
    # Naive layer order, shell-form CMD, root, no HEALTHCHECK, chown -R, MAINTAINER, apt
    # lists kept, a notebook sent to the image: every fix either keeps the image or
    # changes exactly what it declares, and the service still passes its spec.
    original = CHAPTER.joinpath("Dockerfile").read_text()
    result = dlint_test(str(CHAPTER), "--verify-fixes", "--unsafe-fixes", "-q")
    assert result.code == 0, result.stdout + result.stderr
    found = verdicts(result.stdout)
    assert {name: outcome for name, (outcome, _) in found.items()} == {
        "dockerignore-incomplete": "changed as intended",
        "root-user": "changed as intended",
        "missing-healthcheck": "changed as intended",
        "python-env-unset": "changed as intended",
        "maintainer-deprecated": "changed as intended",
        "apt-lists-kept": "changed as intended",
        "apt-recommends": "changed as intended",
        "copy-before-install": "kept",
        "chown-copy": "kept",
        "shell-form-cmd": "changed as intended",
        "pip-cache-kept": "kept",
    }
    assert (
        "/app/explore.ipynb removed (file 0644 65534:65534 66 B)"
        in (found["dockerignore-incomplete"][1])
    )
    assert found["shell-form-cmd"][1] == [
        'Cmd: shell form -> exec form, same words (["/bin/sh", "-c", "python app.py"] -> '
        '["python", "app.py"])'
    ]
    assert found["maintainer-deprecated"][1] == [
        'Labels org.opencontainers.image.authors added: (none) -> "Jane Doe <jane@example.com>"',
        'Author changed: "Jane Doe <jane@example.com>" -> (none)',
    ]
    assert found["root-user"][1][0] == 'User changed: (none) -> "10001:10001"'
    assert found["missing-healthcheck"][1][0].startswith("Healthcheck changed: (none) -> {")
    assert "/var/lib/apt/lists/auxfiles removed (dir 0755 42:0)" in found["apt-lists-kept"][1]
    # Twelve fixes (python-env-unset twice); then the spec passes on the fixed image.
    assert "verify-fixes: 3 kept, 9 changed as intended, 0 broke" in result.stdout
    assert "4 checks: 4 passed" in result.stdout
    assert leftovers(result.run_id) == []
    assert CHAPTER.joinpath("Dockerfile").read_text() == original, "only a copy is fixed"


def test_unsafe_fixes_need_verify_fixes(dlint_test):
    result = dlint_test(str(FIXABLE), "--unsafe-fixes")
    assert result.code == 2
    assert result.stderr.strip() == (
        "dlint: error: --unsafe-fixes needs --verify-fixes (dlint check --fix applies fixes)"
    )


@pytest.mark.docker
def test_sigterm_while_verifying_leaves_nothing(start_dlint_test, leftovers):
    """A CI cancel after the original image is built: exit 143, no traceback, nothing
    left labelled with the run id (builds, export containers)."""
    process, run_id = start_dlint_test(str(FIXABLE), "--verify-fixes")
    for line in process.stdout:
        if "building fixed" in line:
            break
    else:
        raise AssertionError(f"the fixed image was never built: {process.communicate()}")
    assert leftovers(run_id), "the original image exists, labelled, when the signal comes"
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "dlint: interrupted (SIGTERM)" in stderr
    assert leftovers(run_id) == []


@pytest.mark.docker
def test_an_original_that_does_not_build_is_one_line_and_exit_2(tmp_path, dlint_test, leftovers):
    """Nothing to compare with: could not run, one line saying why, nothing left."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text(
        'FROM python:3.11-slim\nworkdir /srv\nRUN false\nCMD ["python", "-m", "http.server"]\n'
    )
    (project / "dlint-test.yaml").write_text("version: 1\nservice: {port: 8000}\n")
    (project / ".dlint.yaml").write_text("select: [instruction-casing]\n")
    result = dlint_test(str(project), "--verify-fixes")
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        "dlint: error: the original context does not build, nothing to compare: build of "
    ), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert leftovers(result.run_id) == []
