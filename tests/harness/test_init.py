"""``dlint init``: a starter spec read from the project, never overwriting, always valid."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dlint.harness.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
NAIVE = REPO / "examples" / "naive-ml-service"


def dlint_init(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlint", "init", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def copy_without_spec(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    (target / "dlint-test.yaml").unlink()
    return target


def test_reference_spec_has_the_reference_values(tmp_path):
    project = copy_without_spec(REPO / "reference", tmp_path)
    done = dlint_init(str(project))
    assert done.returncode == 0, done.stderr
    assert f"wrote {project / 'dlint-test.yaml'}" in done.stdout
    load_spec(project / "dlint-test.yaml", project)  # valid
    spec = yaml.safe_load((project / "dlint-test.yaml").read_text())
    assert spec["service"] == {"port": 8080, "readiness": {"timeout": 120, "http": "/health"}}
    assert spec["inside"]["user"] == {"uid": 10001, "gid": 10001}
    assert spec["inside"]["pid1"] == "gunicorn"
    assert spec["inside"]["packages_lock"] == "requirements.lock"
    cases = {case["name"]: case for case in spec["http"]}
    assert cases["health"]["request"] == {"method": "GET", "path": "/health"}
    assert cases["predict"]["request"]["json"] == {"features": [0.5, 0.5, 0.5, 0.5]}
    assert cases["malformed-json"]["expect"] == {"status": 400}
    assert spec["runtime"]["cached_rebuild"] == {
        "edit": "service/app.py",
        "expect_cached": ["requirements.lock"],
    }
    assert spec["runtime"]["graceful_stop"]["env"] == {"PREDICT_DELAY_SECONDS": "3"}
    # The reference has its own .dockerignore: left alone. It has no .dlint.yaml.
    assert (project / ".dockerignore").read_text() == (REPO / "reference/.dockerignore").read_text()
    assert (project / ".dlint.yaml").is_file()
    assert "&id" not in (project / "dlint-test.yaml").read_text()


def test_naive_example_spec_is_what_init_writes(tmp_path):
    """The example's committed spec is dlint init's output, so one engine run proves both."""
    project = copy_without_spec(NAIVE, tmp_path)
    done = dlint_init(str(project))
    assert done.returncode == 0, done.stderr
    assert "note: pid1: the image starts app.run(), a development server" in done.stdout
    written = (project / "dlint-test.yaml").read_text()
    assert written == (NAIVE / "dlint-test.yaml").read_text()
    spec = yaml.safe_load(written)
    assert spec["inside"]["user"] == {}  # no USER: the spec still demands non-root
    assert "packages_lock" not in spec["inside"]  # requirements.txt is not a lock
    assert spec["service"]["readiness"]["http"] == "/health"
    assert ".git" in (project / ".dockerignore").read_text().split()


def test_never_overwrites_without_force(tmp_path):
    project = copy_without_spec(NAIVE, tmp_path)
    (project / "dlint-test.yaml").write_text("mine\n")
    done = dlint_init(str(project))
    assert done.returncode == 2
    assert (
        done.stderr
        == f"dlint: error: {project / 'dlint-test.yaml'} exists; pass --force to overwrite it\n"
    )
    assert (project / "dlint-test.yaml").read_text() == "mine\n"
    assert not (project / ".dockerignore").exists()
    forced = dlint_init(str(project), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (project / "dlint-test.yaml").read_text().startswith("# Starter spec")


def test_bad_directories_are_one_line_and_exit_2(tmp_path):
    missing = dlint_init(str(tmp_path / "absent"))
    assert (missing.returncode, missing.stderr.count("\n")) == (2, 1)
    assert "not a directory" in missing.stderr
    empty = dlint_init(str(tmp_path))
    assert (empty.returncode, empty.stderr.count("\n")) == (2, 1)
    assert "no Dockerfile" in empty.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "Dockerfile").write_bytes(b"\xff\xfe not utf-8 \x00")
    result = dlint_init(str(broken))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.docker
def test_generated_reference_spec_passes_on_the_engine(
    docker_client, dlint_test, tmp_path, leftovers
):
    project = copy_without_spec(REPO / "reference", tmp_path)
    assert dlint_init(str(project)).returncode == 0
    result = dlint_test(str(project))
    assert result.code == 0, result.stdout + result.stderr
    assert "runtime-graceful-stop PASSED" in result.stdout
    assert "http[predict] PASSED" in result.stdout
    assert leftovers(result.run_id) == []
