"""``dlint test`` always reports and cleans up: faults, signals, hostile environments.

The Docker tests reuse the reference's layer cache, select few checks and send their
signal as soon as the service container exists, so each costs seconds.
"""

import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest
import yaml

NO_ENGINE = "unix:///nonexistent/docker.sock"


def _environment(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def test_unwritable_junit_path_fails_first_with_one_line(dlint_test, reference, tmp_path):
    """Checked before the spec's engine is even asked for: no engine needed, no traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for report in (blocker / "report.xml", tmp_path):
        result = dlint_test(
            str(reference), "--junit-xml", str(report), env=_environment(DOCKER_HOST=NO_ENGINE)
        )
        assert result.code == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"dlint: error: --junit-xml {report}: cannot write")


def test_no_engine_says_how_to_start_docker(dlint_test, reference):
    """A pip install has no scripts/ folder: the hint must not point there."""
    result = dlint_test(str(reference), env=_environment(DOCKER_HOST=NO_ENGINE))
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"no Docker engine answers at {NO_ENGINE}" in result.stderr
    assert "start Docker" in result.stderr
    assert "ensure-docker" not in result.stderr


def test_engine_that_accepts_and_never_answers_is_reported_in_bounded_time(dlint_test, reference):
    """The kernel completes the handshake on a listening socket nobody reads from."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = dlint_test(str(reference), env=_environment(DOCKER_HOST=address), timeout=90)
        elapsed = time.monotonic() - started
    assert result.code == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"the Docker engine at {address} accepted the connection but did not" in result.stderr
    assert elapsed < 30, f"took {elapsed:.0f} s"


def _spy_plugin(folder: Path, marker: Path) -> dict[str, str]:
    """A pytest plugin reachable through PYTEST_PLUGINS and through an entry point."""
    (folder / "dlint_spy_plugin.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('loaded')\n"
    )
    info = folder / "dlint_spy-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dlint-spy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nspy = dlint_spy_plugin\n")
    return {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
        "PYTEST_PLUGINS": "dlint_spy_plugin",
        "PYTEST_ADDOPTS": "--collect-only",
    }


def test_unexpected_error_fails_one_check_and_the_environment_stays_out(
    dlint_test, variant, leftovers, tmp_path
):
    """An invalid json_schema fails its check by name; the others still run and pass.

    The same run has PYTEST_ADDOPTS=--collect-only and a plugin offered both through
    PYTEST_PLUGINS and an installed entry point: neither may reach the run.
    """
    context = variant()
    spec_path = context / "dlint-test.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["http"].append(
        {
            "name": "broken-schema",
            "request": {"method": "GET", "path": "/health"},
            "expect": {"status": 200, "json_schema": {"type": 12}},
        }
    )
    spec_path.write_text(yaml.safe_dump(spec))
    marker = tmp_path / "spy-loaded"
    spy = tmp_path / "spy"
    spy.mkdir()
    result = dlint_test(
        str(context),
        "-k",
        "http and (health or broken)",
        env=_environment(**_spy_plugin(spy, marker)),
    )
    output = result.stdout + result.stderr
    assert result.code == 1, output
    assert "INTERNALERROR" not in output
    assert result.failed == {"http[broken-schema]"}
    # The exception's type depends on the jsonschema version; its place is named.
    assert re.search(r"could not finish: \w+: .* \(at \w+\.py:\d+\)", result.stdout)
    assert "http[health] PASSED" in result.stdout
    assert not marker.exists(), "a plugin from the environment was loaded into the run"
    assert leftovers(result.run_id) == []


@pytest.mark.parametrize(
    ("stop", "code"),
    [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
    ids=["SIGTERM", "SIGINT"],
)
def test_stop_signal_then_more_during_cleanup_leaves_nothing(
    docker_client, start_dlint_test, first_container, reference, leftovers, stop, code
):
    """A CI cancel (SIGTERM) or Ctrl-C once the service runs, then the same signal again
    and again while dlint cleans up: documented exit code, no traceback, nothing left
    labelled with the run id."""
    process, run_id = start_dlint_test(str(reference), "-k", "readiness")
    first_container(process, run_id)
    process.send_signal(stop)
    for _ in range(5):
        time.sleep(0.15)
        if process.poll() is not None:
            break
        process.send_signal(stop)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert f"dlint: interrupted ({stop.name})" in stderr
    assert leftovers(run_id) == []
    assert docker_client.containers.list(all=True, filters={"label": f"dlint.run={run_id}"}) == []


def test_sighup_during_the_build_cancels_it(docker_client, start_dlint_test, variant, leftovers):
    """A closed terminal mid-build: exit 129, and the engine must not finish the build
    after dlint left, tagging a labelled image nobody removes."""
    context = variant(("Dockerfile", "WORKDIR /app\n", "WORKDIR /app\nRUN sleep 8\n"))
    process, run_id = start_dlint_test(str(context), "-k", "readiness")
    for line in process.stdout:
        if "RUN sleep 8" in line:
            break
    else:
        pytest.fail(f"the build never reached the slow step: {process.communicate()}")
    signalled = time.monotonic()
    process.send_signal(signal.SIGHUP)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 129, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "dlint: interrupted (SIGHUP)" in stderr
    # Had the build gone on, its image would be tagged by now.
    time.sleep(max(0.0, 11 - (time.monotonic() - signalled)))
    assert leftovers(run_id) == []
    sleeping = [c for c in docker_client.containers.list(all=True) if "sleep 8" in str(c.attrs)]
    assert sleeping == []
