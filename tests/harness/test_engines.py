"""Any engine: how dlint finds it, and the reference spec on a second engine.

The second engine is a dockerd of its own (socket, data root, exec root, bridge) that
``dlint test`` reaches only through DOCKER_HOST, with the service reached through a
helper container in its network namespace, as on a remote engine.
"""

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from engine_setups import BASE_IMAGE, through
from test_buildkit import write_buildkit_service

from dlint.harness import docker_ops
from dlint.harness.docker_ops import Engine, find_engine
from dlint.harness.reach import uses_helper

DEFAULT_NETWORKS = {"bridge", "host", "none"}


def test_docker_host_with_tls_variables(tmp_path: Path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("")
    engine = find_engine(
        {
            "DOCKER_HOST": "tcp://build-host.example:2376",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(tmp_path),
        }
    )
    assert engine.address == "tcp://build-host.example:2376"
    assert engine.source == "DOCKER_HOST"
    assert engine.tls is not None and engine.tls.verify is True
    assert engine.tls.ca_cert == str(tmp_path / "ca.pem")
    assert engine.tls.cert == (str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
    assert not engine.local


def test_docker_context_is_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    done = subprocess.run(
        ["docker", "context", "create", "fleet", "--docker", "host=ssh://ci@builder.example"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = {"DOCKER_CONFIG": str(tmp_path)}
    engine = find_engine({**config, "DOCKER_CONTEXT": "fleet"})
    assert (engine.address, engine.source) == ("ssh://ci@builder.example", "docker context fleet")
    assert not engine.local
    # `docker context use` writes currentContext; DOCKER_HOST still wins, as in the CLI.
    (tmp_path / "config.json").write_text('{"currentContext": "fleet"}')
    assert find_engine(config).source == "docker context fleet"
    assert find_engine({**config, "DOCKER_HOST": "unix:///x.sock"}).source == "DOCKER_HOST"
    with pytest.raises(docker_ops.CannotRun, match="docker context absent does not exist"):
        find_engine({**config, "DOCKER_CONTEXT": "absent"})


def test_podmans_socket_when_there_is_no_docker_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(docker_ops, "DEFAULT_SOCKET", str(tmp_path / "no-docker.sock"))
    socket_path = tmp_path / "podman" / "podman.sock"
    socket_path.parent.mkdir()
    socket_path.write_text("")
    engine = find_engine({"XDG_RUNTIME_DIR": str(tmp_path), "DOCKER_CONFIG": str(tmp_path)})
    assert engine == Engine(f"unix://{socket_path}", "Podman's socket")
    assert engine.local


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("unix:///var/run/docker.sock", True),
        ("tcp://127.0.0.1:2375", True),
        ("http://localhost:2375", True),
        ("tcp://10.0.0.5:2375", False),
        ("ssh://ci@builder.example", False),
        # podman machine, Lima and Colima: a VM's engine through a forwarded local port.
        ("ssh://core@127.0.0.1:2222", False),
    ],
)
def test_only_a_local_engine_uses_published_ports_by_default(address: str, local: bool):
    assert Engine(address, "test").local is local
    assert uses_helper("auto", Engine(address, "test").local) is not local
    assert uses_helper("helper", True) and not uses_helper("published", False)


@pytest.mark.docker
@pytest.mark.second_engine
def test_a_buildkit_service_passes_through_a_helper_on_the_second_engine(
    second_engine, dlint_test, tmp_path
):
    """Every kind of check (readiness probe, inside, HTTP, cached rebuild) through a helper."""
    address, client = second_engine.socket, second_engine.client
    context = write_buildkit_service(tmp_path / "service", dockerignore=False)
    result = dlint_test(
        str(context), "--reach", "helper", env=through(DOCKER_HOST=address), timeout=900
    )
    assert result.code == 0, result.stdout + result.stderr
    assert "8 checks: 8 passed" in result.stdout  # the image report included
    assert f"reaching {result.run_id}-service through helper container" in result.stdout
    assert client.containers.list(all=True) == []


@pytest.mark.docker
@pytest.mark.second_engine
def test_reference_passes_on_a_second_engine_reached_only_through_docker_host(
    second_engine, docker_client, dlint_test, reference, tmp_path
):
    address, client = second_engine.socket, second_engine.client
    report = tmp_path / "junit.xml"
    result = dlint_test(
        str(reference),
        "--reach",
        "helper",
        "--junit-xml",
        str(report),
        env=through(DOCKER_HOST=address),
        timeout=1200,
    )
    assert result.code == 0, result.stdout + result.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) >= 60
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    assert f"reaching {result.run_id}-service through helper container" in result.stdout
    # The second engine is as it was: no container, no image but the base, no network.
    assert client.containers.list(all=True) == []
    assert [image.tags for image in client.images.list(all=True)] == [[BASE_IMAGE]]
    assert {network.name for network in client.networks.list()} == DEFAULT_NETWORKS
    # And the first engine never saw the run.
    selector = {"label": f"dlint.run={result.run_id}"}
    assert docker_client.containers.list(all=True, filters=selector) == []
    assert docker_client.images.list(filters=selector) == []
