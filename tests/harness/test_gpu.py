"""``service.gpus``: without a GPU the GPU check is reported as not run, never passed."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dlint.harness import gpu


class FakeClient:
    def __init__(self, runtimes: dict[str, object]) -> None:
        self.runtimes = runtimes

    def info(self) -> dict[str, object]:
        return {"Runtimes": self.runtimes}


def test_a_gpu_needs_the_nvidia_runtime():
    assert gpu.available(FakeClient({"runc": {}, "nvidia": {"path": "nvidia-container-runtime"}}))  # type: ignore[arg-type]
    assert not gpu.available(FakeClient({"runc": {}}))  # type: ignore[arg-type]


@pytest.mark.docker
def test_without_a_gpu_the_check_is_not_run_and_the_run_cannot_pass(
    docker_client, dlint_test, leftovers, tmp_path: Path
):
    if gpu.available(docker_client):
        pytest.skip("this engine has a GPU; the test is about one without")
    context = tmp_path / "service"
    context.mkdir()
    (context / "Dockerfile").write_text(
        'FROM python:3.11-slim\nCMD ["python", "-m", "http.server", "8000"]\n'
    )
    (context / "dlint-test.yaml").write_text(
        "version: 1\nservice: {port: 8000, gpus: all, readiness: {http: /}}\n"
    )
    junit = tmp_path / "junit.xml"
    result = dlint_test(str(context), "-k", "readiness or visible", "--junit-xml", str(junit))
    assert result.code == 2, result.stdout + result.stderr
    assert "SKIPPED" in result.stdout and gpu.NO_GPU in result.stdout
    assert "only 1 of 2 selected checks ran and passed" in result.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "1"
    assert leftovers(result.run_id) == []
