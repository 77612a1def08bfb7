"""``dlint test --verify-fixes`` on the real engine.

tests/harness/data/fixable has five findings whose fixes are safe: verifying them builds
the original and the fixed image, finds them the same, and runs the spec on the fixed
one. Then two test-only rules are added to the pack: one whose "fix" renames a file the
image ships (the kind of bug the verifier exists for) and one unsafe fix that changes the
CMD and says so. The first must be reported as broke, with what changed, and fail the run
even though the spec still passes; the second is shown as changed as intended.
"""

from __future__ import annotations

import io
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dlint.checkrun import MAX_FIX_PASSES
from dlint.harness import verify_fixes

FIXABLE = Path(__file__).parent / "data" / "fixable"
CHAPTER = Path(__file__).parent / "data" / "chapter"

# Runs dlint's command line with the test rules of fix_rules.py in the pack (a test cannot
# reach into the process `dlint test` is, so the rules are added before main() runs).
WITH_TEST_RULES = f"""
import sys

sys.path.insert(0, {str(Path(__file__).parent)!r})

from dlint import config, rule
import fix_rules

rule.all_rules = config.all_rules = fix_rules.pack_with_test_rules()

from dlint.cli import main

sys.exit(main(sys.argv[1:]))
"""


def verdicts(stdout: str) -> dict[str, tuple[str, list[str]]]:
    """Rule name -> (outcome, detail lines) from the verify report.

    A fix listed twice fails the test: each fix is verified once, and a report that lists
    one again (a fix the fix loop kept applying) must not hide behind the last verdict.
    """
    found: dict[str, tuple[str, list[str]]] = {}
    labels: set[str] = set()
    last = None
    for line in stdout.splitlines():
        for outcome in ("kept", "changed as intended", "broke"):
            if line.startswith(f"  {outcome} "):
                label = line[len(f"  {outcome} ") :].strip()
                assert label not in labels, f"{label} is verified twice:\n{stdout}"
                labels.add(label)
                name = label.split(" (", 1)[0].rsplit(" ", 1)[1]
                found[name] = (outcome, [])
                last = name
                break
        else:
            if last and line.startswith("      "):
                found[last][1].append(line.strip())
            elif not line.startswith("      "):
                last = None
    return found


@pytest.fixture
def project_with(tmp_path, monkeypatch):
    """A copy of the fixable project selecting the given rules, the test rules in the pack."""
    from dlint import config, rule

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    import fix_rules

    pack = fix_rules.pack_with_test_rules()
    monkeypatch.setattr(rule, "all_rules", pack)
    monkeypatch.setattr(config, "all_rules", pack)

    def make(*rules: str) -> Path:
        project = tmp_path / "project"
        shutil.copytree(FIXABLE, project)
        (project / ".dlint.yaml").write_text(f"select: [{', '.join(rules)}]\n")
        return project

    return make


def _fixed(project: Path) -> verify_fixes.Fixes:
    return verify_fixes.fix_copy(project, "Dockerfile", project.parent / "fixed", unsafe=True)


def test_each_fix_is_verified_once_though_the_fix_loop_checks_again(project_with):
    # The fix loop re-checks after every pass: a fix applied in the first is not verified
    # again in the next, and fixes that settle leave nothing reported.
    fixes = _fixed(project_with("expose-protocol-casing", "test-renames-page", "test-binds-all"))
    assert [fix.label for fix in fixes.applied] == [
        "Dockerfile:10:17 test-renames-page (safe): tidy the destination",
        "Dockerfile:11:8 expose-protocol-casing (safe): write 8000/tcp",
        "Dockerfile:12:37 test-binds-all (unsafe): bind every address",
    ]
    assert fixes.unsettled == []


def test_a_fix_that_never_settles_is_reported_and_fails_the_verification(project_with):
    # The loop stops at its bound with the rule still firing: every pass is one more
    # "fix", and the finding is still there on the fixed copy.
    fixes = _fixed(project_with("test-never-settles"))
    label = "Dockerfile:12:37 test-never-settles (unsafe): bind every address"
    assert [fix.label for fix in fixes.applied] == [label] * MAX_FIX_PASSES
    assert fixes.unsettled == [label]
    out = io.StringIO()
    assert verify_fixes.report_unsettled(fixes.unsettled, out) is True
    assert out.getvalue().splitlines()[1:] == [f"  {label}"]
    assert verify_fixes.summary([], [], fixes.unsettled).endswith("; 1 still reported after fixing")


def test_a_fix_that_writes_back_what_it_replaces_is_not_verified_as_kept(project_with):
    # A rule that still fires on the file it fixed: while another fix keeps changing the
    # file, its "fix" of each later pass rewrites the same text. Verified, each would
    # read "kept" (the first, which renames the page, is the one to judge).
    fixes = _fixed(project_with("test-renames-again", "test-never-settles"))
    renames = "Dockerfile:10:17 test-renames-again (safe): tidy the destination"
    binds = "Dockerfile:12:37 test-never-settles (unsafe): bind every address"
    assert [fix.label for fix in fixes.applied] == [renames] + [binds] * MAX_FIX_PASSES
    assert fixes.unsettled == [renames, binds]
    assert "COPY index.html ./page.html\n" in (fixes.folder / "Dockerfile").read_text()


def test_the_verify_report_refuses_a_fix_listed_twice():
    twice = "  kept  Dockerfile:10:17 test-renames-page (safe): tidy the destination\n" * 2
    with pytest.raises(AssertionError, match="verified twice"):
        verdicts(twice)


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


# Both builders: BuildKit (the default where buildx is) and the engine's classic builder.
@pytest.mark.parametrize("builder", [[], ["--classic-builder"]], ids=["default", "classic"])
@pytest.mark.docker
def test_a_fix_that_changes_the_image_is_reported_as_broke_and_fails_the_run(
    tmp_path, leftovers, builder
):
    project = tmp_path / "project"
    shutil.copytree(FIXABLE, project)
    (project / ".dlint.yaml").write_text(
        "select: [expose-protocol-casing, test-renames-page, test-binds-all]\n"
    )
    arguments = ["test", str(project), "--verify-fixes", "--unsafe-fixes", "-q", *builder]
    done = subprocess.run(
        [sys.executable, "-c", WITH_TEST_RULES, *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    built_with = "classic" if builder else "BuildKit (buildx default builder)"
    assert f"dlint: the original built with {built_with}, as every build" in done.stdout
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
        # Asked of the local engine, as `dlint check --from-engine` does: the package is
        # pinned to the version the base image's own apt installs, so nothing changes.
        "apt-unpinned": "kept",
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
    # Thirteen fixes (python-env-unset twice); then the spec passes on the fixed image.
    assert "verify-fixes: 4 kept, 9 changed as intended, 0 broke" in result.stdout
    assert "4 checks: 4 passed" in result.stdout
    assert leftovers(result.run_id) == []
    assert CHAPTER.joinpath("Dockerfile").read_text() == original, "only a copy is fixed"


def test_unsafe_fixes_need_verify_fixes(dlint_test):
    result = dlint_test(str(FIXABLE), "--unsafe-fixes")
    assert result.code == 2
    assert result.stderr.strip() == (
        "dlint: error: --unsafe-fixes needs --verify-fixes (dlint check --fix applies fixes)"
    )


def test_a_spec_naming_an_image_cannot_verify_fixes(tmp_path, dlint_test):
    # The spec would test that image, not the fixed build: one line, exit 2.
    project = tmp_path / "project"
    shutil.copytree(FIXABLE, project)
    spec = project / "dlint-test.yaml"
    spec.write_text(spec.read_text() + "image: example/service:1.0\n")
    result = dlint_test(str(project), "--verify-fixes")
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr == (
        f"dlint: error: {spec}: the spec names an image (example/service:1.0) instead of a "
        "build; --verify-fixes builds the context and its fixed copy\n"
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


NAIVE = Path(__file__).resolve().parents[2] / "examples" / "naive-ml-service"


@pytest.mark.docker
def test_the_naive_service_fixed_loses_gcc_and_passes_what_it_failed(
    python_311, tmp_path, dlint_test, leftovers
):
    """examples/naive-ml-service with every fix, engine-informed ones included: the
    build-tools fix purges gcc in the pip RUN, and the fixed image passes every check
    the draft failed (root, PID 1, gcc present, docker stop) except the two its own code
    fails (bad input answers 500). pip downloads its packages, as the naive run does.

    The copy's .dockerignore excludes the Dockerfile (docs/harness.md: a whole-context
    COPY ships it, and every fix would then change /app/Dockerfile). The cached rebuild is
    left out for CI time (one more full pip install)."""
    project = tmp_path / "naive-ml-service"
    shutil.copytree(NAIVE, project)
    (project / ".dockerignore").write_text("Dockerfile\n.dockerignore\n")
    original = (project / "Dockerfile").read_text()
    result = dlint_test(
        str(project), "--verify-fixes", "--unsafe-fixes", "-k", "not cached", timeout=1500
    )
    # Not verdicts(): two pip-cache-kept fixes of two passes land on the same line:col.
    lines = result.stdout.splitlines()
    label = "build-tools-in-final-stage (unsafe): install gcc only for the pip install"
    at = next(n for n, line in enumerate(lines) if label in line)
    assert lines[at].startswith("  changed as intended "), result.stdout
    details = [line.strip() for line in lines[at + 1 : at + 9]]
    assert "/etc/alternatives/cc removed (symlink 0777 0:0 -> /usr/bin/gcc)" in details, details
    assert not [line for line in lines if line.startswith("  broke ")], result.stdout
    assert re.search(r"verify-fixes: \d+ kept, \d+ changed as intended, 0 broke", result.stdout)
    assert result.failed == {"http[malformed-json]", "http[missing-input]"}, result.stdout
    assert "inside-no-command[gcc] PASSED" in result.stdout
    assert result.code == 1  # the spec's two failures, which the draft's code has too
    assert leftovers(result.run_id) == []
    assert (project / "Dockerfile").read_text() == original, "only a copy is fixed"


CHAPTER_SPEC = """\
version: 1
service:
  port: 5000
  readiness: {timeout: 120, http: /health}
inside:
  user: {}
  pid1: gunicorn
http:
- name: health
  request: {method: GET, path: /health}
  expect: {status: 200}
- name: predict
  request:
    method: POST
    path: /predict
    json: {features: [1, 2, 3]}
  expect: {status: 200}
"""


@pytest.mark.docker
@pytest.mark.parametrize("name", ["single-stage", "two-stage production", "shell-form and chown"])
def test_the_chapter_dockerfiles_fixed_with_the_index_build_and_pass_their_contract(
    name, python_311, tmp_path, dlint_test, leftovers
):
    """Issue 13's chapter files (naive layer order, shell-form CMD, root user, no
    HEALTHCHECK, chown -R, the two-stage production build), each with the chapter's Flask
    app, come out of ``--fix --unsafe-fixes --from-index`` lint-clean (tests/
    test_fixes_chapter.py), and on the engine every fix keeps the image or changes it as
    it declares, the fixed image runs gunicorn as a non-root user, and its contract passes.
    The constraints file pins what pip installs in the image: no site-packages change.
    (Flask only: scikit-learn's 280 MB would make no other point, at CI's expense.)"""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from test_fixes_chapter import chapter_context

    (tmp_path / "project").mkdir()
    project = chapter_context(name, tmp_path / "project")
    (project / "requirements.txt").write_text("flask==3.0.3\n")
    (project / "dlint-test.yaml").write_text(CHAPTER_SPEC)
    # A whole-context COPY ships the Dockerfile, and every fix would then change it.
    (project / ".dockerignore").write_text("Dockerfile\n.dockerignore\ndlint-test.yaml\n")
    result = dlint_test(str(project), "--verify-fixes", "--unsafe-fixes", timeout=900)
    found = verdicts(result.stdout)
    assert not [n for n, (outcome, _) in found.items() if outcome == "broke"], result.stdout
    outcome, details = found["requirements-not-locked"]
    assert outcome == "changed as intended", result.stdout
    assert [d for d in details if "constraints.txt added" in d], details
    assert not [d for d in details if "packages" in d], details
    assert {"dev-server", "pip-unpinned"} <= set(found), result.stdout
    assert result.failed == set(), result.stdout
    assert result.code == 0
    assert re.search(r"verify-fixes: \d+ kept, \d+ changed as intended, 0 broke", result.stdout)
    assert leftovers(result.run_id) == []
