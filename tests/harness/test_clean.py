"""``dlint clean`` removes what runs left: containers, images and the labelled build layers.

It empties the layer cache the other Docker tests reuse, so conftest runs it last.
"""

import os
import socket
import subprocess
import sys

from dlint.harness.docker_ops import LAYER_LABEL, OWNER_LABEL, _in_progress


def test_clean_removes_a_kept_run_and_the_build_layers(
    docker_client, dlint_test, reference, leftovers
):
    # The classic builder's layers are images, labelled dlint.build; BuildKit's cache is not.
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
