"""Remote engines for real: TLS, a docker context, ssh:// and Podman's API service.

Each runs ``dlint test`` with nothing but the engine settings a user would give
(``DOCKER_HOST`` with ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``, ``DOCKER_CONTEXT``,
``DOCKER_HOST=ssh://…``, ``DOCKER_HOST=unix://…/podman.sock``) against engines the tests
start once per session (tests/harness/engine_setups.py), and then requires that engine
to be left with no container and no image but the base one.
"""

import re
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import pytest
from engine_setups import BASE_IMAGE, EC_KEY, run_events, through
from test_buildkit import write_buildkit_service

from dlint.harness.docker_ops import LAYER_INSTRUCTION, _Numbering

# What every engine test below runs beside the build: the readiness wait, a check from
# inside, the HTTP contract and the cached rebuild (a second build on the same engine).
SUBSET = "readiness or inside-user or http or rebuild"
# Over ssh every engine request logs in anew (docker/docker-py#2966): fewer HTTP checks, the
# bodies too large for one argument (put into the helper as files) among them.
SSH_SUBSET = "readiness or inside-user or health or setosa or oversized or rebuild"
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _leaves_only_the_base(client: docker.DockerClient) -> None:
    assert client.containers.list(all=True) == []
    assert [image.tags for image in client.images.list(filters={"label": "dlint.run"})] == []
    tags = [tag for image in client.images.list() for tag in image.tags]
    assert [tag.removeprefix("docker.io/library/") for tag in tags] == [BASE_IMAGE]


def _passed_all(result, at_least: int) -> None:
    assert result.code == 0, result.stdout + result.stderr
    match = re.search(r"^(\d+) checks: \1 passed$", result.stdout, re.M)
    assert match and int(match[1]) >= at_least, result.stdout


def _ran_there(engine: docker.DockerClient, elsewhere: docker.DockerClient, result, since):
    """The run's containers were made on ``engine`` and never on ``elsewhere``."""
    assert "container create" in run_events(engine, result.run_id, since)
    assert run_events(elsewhere, result.run_id, since) == set()


@pytest.mark.docker
@pytest.mark.second_engine
def test_reference_passes_on_a_tls_engine_given_by_docker_host_and_cert_path(
    second_engine, docker_client, dlint_test, reference, tmp_path
):
    """The whole reference spec; the service is published on this machine (loopback TCP).

    REQUESTS_CA_BUNDLE names another CA bundle, as behind a TLS-inspecting proxy (and on
    dlint's CI): requests would let it replace the engine's ca.pem.
    """
    report = tmp_path / "junit.xml"
    since = time.time()
    result = dlint_test(
        str(reference),
        "--junit-xml",
        str(report),
        env=through(
            DOCKER_HOST=second_engine.tls_address,
            DOCKER_TLS_VERIFY="1",
            DOCKER_CERT_PATH=str(second_engine.certificates),
            REQUESTS_CA_BUNDLE=HOST_CA_BUNDLE,
        ),
        timeout=1200,
    )
    _passed_all(result, at_least=60)
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    assert "through helper container" not in result.stdout
    _ran_there(second_engine.client, docker_client, result, since)
    _leaves_only_the_base(second_engine.client)


@pytest.mark.docker
@pytest.mark.second_engine
def test_tls_settings_that_cannot_work_are_one_line_each(
    second_engine, dlint_test, reference, tmp_path
):
    address = second_engine.tls_address
    # No TLS settings: the engine answers that it speaks TLS.
    plain = dlint_test(str(reference), env=through(DOCKER_HOST=address))
    # A folder without the client's certificate and key.
    only_ca = tmp_path / "only-ca"
    only_ca.mkdir()
    (only_ca / "ca.pem").write_bytes((second_engine.certificates / "ca.pem").read_bytes())
    missing = dlint_test(
        str(reference),
        env=through(DOCKER_HOST=address, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(only_ca)),
    )
    # Another CA than the engine's.
    other = tmp_path / "other"
    other.mkdir()
    written = ("-keyout", "key.pem", "-out", "cert.pem")
    subprocess.run(
        ["openssl", "req", "-x509", *EC_KEY, "-subj", "/CN=another CA", *written],
        cwd=other,
        check=True,
        capture_output=True,
    )
    (other / "ca.pem").write_bytes((other / "cert.pem").read_bytes())
    foreign = dlint_test(
        str(reference),
        env=through(DOCKER_HOST=address, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(other)),
    )
    for result, says in (
        (plain, f"the Docker engine at {address} speaks TLS; "),
        (missing, f"{only_ca} (DOCKER_CERT_PATH) lacks cert.pem, key.pem; "),
        (foreign, "failed ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    ):
        assert result.code == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
        assert "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH with ca.pem" in result.stderr
    assert second_engine.client.containers.list(all=True) == []


@pytest.mark.docker
@pytest.mark.second_engine
def test_a_docker_context_with_tls_files_is_followed(
    second_engine, docker_client, dlint_test, reference, tmp_path
):
    """``docker context create … --docker host=…,ca=…,cert=…,key=…``, then DOCKER_CONTEXT."""
    certificates = second_engine.certificates
    endpoint = (
        f"host={second_engine.tls_address},ca={certificates / 'ca.pem'},"
        f"cert={certificates / 'cert.pem'},key={certificates / 'key.pem'}"
    )
    config = {"DOCKER_CONFIG": str(tmp_path / "docker-config")}
    made = subprocess.run(
        ["docker", "context", "create", "dlint-e2-tls", "--docker", endpoint],
        env=through(**config),
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    since = time.time()
    result = dlint_test(
        str(reference),
        "-k",
        SUBSET,
        env=through(**config, DOCKER_CONTEXT="dlint-e2-tls", REQUESTS_CA_BUNDLE=HOST_CA_BUNDLE),
        timeout=900,
    )
    _passed_all(result, at_least=20)
    _ran_there(second_engine.client, docker_client, result, since)
    _leaves_only_the_base(second_engine.client)


@pytest.mark.docker
@pytest.mark.second_engine
def test_an_ssh_engine_is_reached_through_the_ssh_client_and_a_helper(
    second_engine, engine_over_ssh, docker_client, dlint_test, reference
):
    """``DOCKER_HOST=ssh://root@127.0.0.1:PORT``: the SDK's and the CLI's connections go
    through the system's ssh (docker system dial-stdio on the far side); the service is
    reached through a helper, as on any ssh engine, even one on a loopback address."""
    since = time.time()
    logins_before = engine_over_ssh.log.read_text().count("Accepted publickey for root")
    result = dlint_test(
        str(reference),
        "-k",
        SSH_SUBSET,
        env=through(
            DOCKER_HOST=engine_over_ssh.address,
            PATH=f"{engine_over_ssh.path}:{through()['PATH']}",
        ),
        timeout=900,
    )
    _passed_all(result, at_least=6)
    assert f"reaching {result.run_id}-service through helper container" in result.stdout
    assert "BuildKit (buildx default builder)" in result.stdout
    logins = engine_over_ssh.log.read_text().count("Accepted publickey for root")
    assert logins > logins_before
    _ran_there(second_engine.client, docker_client, result, since)
    _leaves_only_the_base(second_engine.client)


@pytest.mark.docker
@pytest.mark.second_engine
def test_reference_passes_on_podmans_api_service(
    podman_engine, docker_client, dlint_test, reference
):
    """The whole reference spec on Podman, built by its API (Buildah): the steps are
    numbered as in the Dockerfile, the cached rebuild is proven, and the HEALTHCHECK,
    which Podman runs only from systemd timers (none here), is run by dlint."""
    since = time.time()
    result = dlint_test(
        str(reference), env=through(DOCKER_HOST=podman_engine.address), timeout=1200
    )
    _passed_all(result, at_least=60)
    assert "building with the engine's classic builder: the engine is Podman" in result.stdout
    assert "Step 20/24 : COPY service /app/service" in result.stdout
    assert "Podman runs HEALTHCHECK only from systemd timers" in result.stdout
    _ran_there(podman_engine.client, docker_client, result, since)
    _leaves_only_the_base(podman_engine.client)


@pytest.mark.docker
@pytest.mark.second_engine
def test_what_podman_cannot_do_is_one_line(podman_engine, dlint_test, reference, tmp_path):
    """buildx builders and build secrets are BuildKit's; neither is tried on Podman."""
    environment = through(DOCKER_HOST=podman_engine.address)
    builder = dlint_test(str(reference), "--builder", "default", env=environment)
    service = write_buildkit_service(tmp_path / "service")
    secrets = dlint_test(str(service), env=environment)
    for result, says in (
        (builder, "buildx builder default cannot build: the engine is Podman, whose API"),
        (secrets, "the spec's build.secrets cannot be passed: dlint hands build secrets to"),
    ):
        assert result.code == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
    assert podman_engine.client.containers.list(all=True) == []


def test_podmans_step_lines_are_numbered_as_in_the_dockerfile(tmp_path: Path):
    """Podman numbers each stage's steps apart and shows the build's labels as steps."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("ARG BASE=a\nFROM $BASE AS b\nRUN x\nFROM c\nCOPY --from=b /x /x\n")
    numbering = _Numbering.for_podman(2, dockerfile, {"dlint.run": "r1"})
    stream = [
        "[1/2] STEP 1/3: FROM a AS b\n",
        f"[1/2] STEP 2/3: {LAYER_INSTRUCTION}\n",
        "--> Using cache 0c907eab2836\n",
        "[1/2] STEP 3/3: RUN x\n",
        "--> Using cache 00f629a3f169\n",
        "[2/2] STEP 1/4: FROM c\n",
        f"[2/2] STEP 2/4: {LAYER_INSTRUCTION}\n",
        "[2/2] STEP 3/4: COPY --from=b /x /x\n",
        '[2/2] STEP 4/4: LABEL "dlint.run"="r1"\n',
        "[2/2] COMMIT dlint-test/x:r1\n",
    ]
    shown = [line for line in map(numbering.renumber, stream) if line is not None]
    assert shown == [
        "Step 2/5 : FROM a AS b\n",
        "Step 3/5 : RUN x\n",
        "--> Using cache 00f629a3f169\n",
        "Step 4/5 : FROM c\n",
        "Step 5/5 : COPY --from=b /x /x\n",
    ]


def test_the_steps_docker_adds_for_the_build_labels_are_hidden():
    """Docker's classic builder shows the run's labels as steps after the user's last."""
    numbering = _Numbering(1, {"dlint.run": "r1", "dlint.owner": "host:1"})
    stream = [
        "Step 1/5 : FROM a\n",
        f"Step 2/5 : {LAYER_INSTRUCTION}\n",
        "Step 3/5 : CMD y\n",
        "Step 4/5 : LABEL dlint.owner=host:1\n",
        " ---> Running in 1234\n",
        "Step 5/5 : LABEL dlint.run=r1\n",
        "Successfully built 5678\n",
    ]
    shown = [line for line in map(numbering.renumber, stream) if line is not None]
    assert shown == ["Step 1/2 : FROM a\n", "Step 2/2 : CMD y\n"]
