"""``dlint clean`` removes what runs left: containers, images and the build cache they made.

It empties the layer cache the other Docker tests reuse, so conftest runs it last.
"""

import os
import socket
import subprocess
import sys
import uuid

import pytest
from helpers import require

from dlint.harness import buildkit
from dlint.harness.docker_ops import LAYER_LABEL, OWNER_LABEL, _in_progress


@pytest.mark.docker
def test_clean_removes_a_kept_run_and_the_build_layers(
    docker_client, dlint_test, reference, leftovers
):
    # The classic builder's layers are images, labelled dlint.build (BuildKit's: below).
    kept = dlint_test(str(reference), "--keep", "--classic-builder", "-k", "readiness")
    assert kept.code == 0, kept.stdout + kept.stderr
    assert leftovers(kept.run_id), "--keep left nothing to clean"
    labelled = docker_client.images.list(all=True, filters={"label": LAYER_LABEL})
    layers = {image.id for image in labelled}
    assert layers, "the build layers carry no label"

    done = subprocess.run(
        [sys.executable, "-m", "dlint", "clean"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"removed container {kept.run_id}-service" in done.stdout
    assert f"removed image dlint-test/reference:{kept.run_id}" in done.stdout
    assert "removed build layer " in done.stdout
    assert done.stdout.splitlines()[-1].startswith("dlint clean: removed ")
    assert leftovers(kept.run_id) == []
    remaining = {image.id for image in docker_client.images.list(all=True)}
    assert not layers & remaining, "labelled build layers survived dlint clean"

    again = subprocess.run(
        [sys.executable, "-m", "dlint", "clean"], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr


def test_clean_spares_runs_still_in_progress():
    host = socket.gethostname()
    assert _in_progress({OWNER_LABEL: f"{host}:{os.getppid()}"})
    assert not _in_progress({OWNER_LABEL: f"{host}:999999999"})
    assert not _in_progress({OWNER_LABEL: f"elsewhere:{os.getppid()}"})
    assert not _in_progress({})


def _record(client, marker: str) -> str | None:
    """The id of the BuildKit cache record of the RUN that wrote ``marker``, if it exists."""
    for record_id, record in (buildkit.cache_record_list(client.api) or {}).items():
        if f"echo {marker} " in record.get("Description", ""):
            return record_id
    return None


def _service(folder, marker: str):
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM python:3.11-slim\nRUN echo {marker} > /marker\n"
        'CMD ["python", "-m", "http.server", "8000"]\n'
    )
    (folder / "dlint-test.yaml").write_text(
        "version: 1\nservice: {port: 8000, readiness: {http: /, timeout: 30}}\n"
    )
    return folder


@pytest.mark.docker
def test_clean_removes_the_buildkit_cache_dlint_made_and_only_that(
    docker_client, dlint_test, tmp_path
):
    if buildkit.buildx_problem(None, buildkit.environment()):
        require("no docker buildx here: nothing builds with BuildKit")
    # A build of the user's own, on the same engine, with the same base image.
    theirs = f"user-{uuid.uuid4().hex}"
    control = _service(tmp_path / "theirs", theirs)
    tag = f"dlint-clean-control:{theirs}"
    command = ["docker", "buildx", "build", "--progress=quiet", "--load", "-t", tag]
    subprocess.run([*command, str(control)], check=True, capture_output=True, timeout=300)
    try:
        assert _record(docker_client, theirs), "the user's build made no cache record"
        ours = f"dlint-{uuid.uuid4().hex}"
        run = dlint_test(str(_service(tmp_path / "ours", ours)), "-k", "readiness")
        assert "BuildKit" in run.stdout, run.stdout + run.stderr
        record = _record(docker_client, ours)
        assert record, "dlint's build made no cache record"
        noted = docker_client.volumes.list(filters={"label": buildkit.CACHE_LABEL})
        assert any(record in v.attrs["Labels"][buildkit.CACHE_LABEL] for v in noted)

        done = subprocess.run(
            [sys.executable, "-m", "dlint", "clean"], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"removed build record {record} (mount / from exec /bin/sh -c echo dlint-" in (
            done.stdout
        )
        assert " build record" in done.stdout.splitlines()[-1]
        assert _record(docker_client, ours) is None, "dlint's cache record survived"
        assert _record(docker_client, theirs), "dlint clean removed the user's cache"
        noted = docker_client.volumes.list(filters={"label": buildkit.CACHE_LABEL})
        assert not any(record in v.attrs["Labels"][buildkit.CACHE_LABEL] for v in noted)
    finally:
        docker_client.images.remove(tag, force=True)
        left = _record(docker_client, theirs)
        if left:
            docker_client.api.prune_builds(filters={"id": f"^{left}$"}, all=True)
