"""Engines of their own for the any-engine tests, each started once per test session.

- A second dockerd (its own bridge, data root, exec root and pidfile, as
  docs/harness.md says: never ``--bridge none``) listening on a unix socket and, with
  ``--tlsverify``, on ``tcp://127.0.0.1:PORT``, with certificates made here by openssl.
- An sshd in front of it (its own port, host key and configuration, key-only login)
  whose sessions have ``DOCKER_HOST`` set to that engine's socket, so
  ``DOCKER_HOST=ssh://root@127.0.0.1:PORT`` reaches it as a remote machine's default
  engine is reached.
- A rootful Podman API service (``podman system service``) on a socket of its own,
  with its own storage and configuration.

Each gets the base image through ``docker save | docker load``, and is stopped and
deleted when the session ends.
"""

import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from helpers import require

BASE_IMAGE = "python:3.11-slim"
# Podman's default network makes this bridge when its first container starts.
PODMAN_BRIDGE = "cni-podman0"
SSHD = Path("/usr/sbin/sshd")
SSH = Path("/usr/bin/ssh")
SSHD_RUN_DIR = Path("/run/sshd")  # sshd's privilege separation folder
EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")


@dataclass(frozen=True)
class SecondEngine:
    """A dockerd of the tests' own, on a unix socket and on TLS-verified TCP."""

    socket: str  # unix:///…/docker.sock
    tls_address: str  # tcp://127.0.0.1:PORT
    certificates: Path  # the client's ca.pem, cert.pem, key.pem (DOCKER_CERT_PATH)
    client: docker.DockerClient  # over the socket, for the tests' own looks
    root: Path


@dataclass(frozen=True)
class SshAccess:
    """``address`` reaches the second engine through the tests' sshd.

    ``path`` is a folder to put first on PATH: its ``ssh`` is the system's with the
    tests' client configuration (key, known host), as ``~/.ssh/config`` would give it.
    """

    address: str
    path: Path
    log: Path


@dataclass(frozen=True)
class PodmanEngine:
    """Podman's Docker-compatible API service on a socket of its own."""

    address: str
    client: docker.DockerClient


def through(**settings: str) -> dict[str, str]:
    """This process's environment without engine settings (DOCKER_HOST, DOCKER_CONTEXT,
    DOCKER_TLS_VERIFY, DOCKER_CERT_PATH…), with ``settings`` instead."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DOCKER_") or name == "DOCKER_CONFIG"
    }
    return {**kept, **settings}


def run_events(client: docker.DockerClient, run_id: str, since: float) -> set[str]:
    """``TYPE ACTION`` of each event the engine recorded for the objects of ``run_id``."""
    events = client.events(
        since=int(since),
        until=int(time.time()) + 1,
        decode=True,
        filters={"label": f"dlint.run={run_id}"},
    )
    return {f"{event.get('Type')} {event.get('Action')}" for event in events}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], log: Path, environment: dict[str, str] | None = None):
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=environment,
        )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _connect(address: str, process: subprocess.Popen, log: Path) -> docker.DockerClient:
    """A client for an engine started here, once it answers."""
    deadline = time.monotonic() + 90
    while True:
        try:
            client = docker.DockerClient(base_url=address, timeout=300)
            client.ping()
            return client
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{address} did not answer:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)


def _load_base_image(address: str) -> None:
    moved = subprocess.run(
        f"docker save {BASE_IMAGE} | DOCKER_HOST={address} docker load",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert moved.returncode == 0, moved.stderr


def _run(*command: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr}"


def make_certificates(folder: Path) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl
    in ``folder``; returns the client's folder, which holds what the docker CLI reads
    from ``DOCKER_CERT_PATH``: ``ca.pem``, ``cert.pem`` and ``key.pem``.
    """
    folder.mkdir(parents=True)
    ca = ("-subj", "/CN=dlint test CA", "-keyout", "ca-key.pem", "-out", "ca.pem")
    _run("openssl", "req", "-x509", *EC_KEY, "-days", "2", *ca, cwd=folder)
    for name, extensions in (
        ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ):
        request = ("-subj", f"/CN=dlint test {name}", "-keyout", f"{name}-key.pem")
        _run("openssl", "req", *EC_KEY, *request, "-out", f"{name}.csr", cwd=folder)
        (folder / f"{name}.ext").write_text(extensions)
        signing = ("-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2")
        certificate = ("-extfile", f"{name}.ext", "-out", f"{name}-cert.pem")
        _run("openssl", "x509", "-req", "-in", f"{name}.csr", *signing, *certificate, cwd=folder)
    client = folder / "client"
    client.mkdir()
    for source, target in (
        ("ca.pem", "ca.pem"),
        ("client-cert.pem", "cert.pem"),
        ("client-key.pem", "key.pem"),
    ):
        shutil.copy(folder / source, client / target)
    return client


def _ip(*arguments: str) -> str:
    return subprocess.run(["ip", *arguments], check=True, capture_output=True, text=True).stdout


def _free_network() -> tuple[str, str, str]:
    """A bridge, its address and an address pool for the second dockerd that nothing on
    this machine uses now (another test run's second engine has its own).

    Never docker0, and never `--bridge none`: that deletes the first engine's docker0.
    """
    links, routes = _ip("-o", "link", "show"), _ip("-4", "route", "show")
    for number in range(249, 199, -1):
        bridge = f"dlint-e2-{number}"
        taken = f" {bridge}:" in links or f"172.31.{number}." in routes
        if not taken and f"10.{number}." not in routes:
            return bridge, f"172.31.{number}.1/24", f"base=10.{number}.0.0/16,size=24"
    pytest.fail("no free bridge name and address range for a second engine")


@contextmanager
def second_engine() -> Iterator[SecondEngine]:
    """Start the second dockerd with the base image loaded; stop and delete it after."""
    dockerd = os.environ.get("DLINT_DOCKERD") or shutil.which("dockerd")
    if dockerd is None or shutil.which("ip") is None or shutil.which("openssl") is None:
        require("a second engine needs dockerd, ip and openssl")
    if os.geteuid() != 0:
        require("a second engine needs root")
    assert dockerd is not None
    root = Path(tempfile.mkdtemp(prefix="dlint-e2-", dir="/tmp"))
    address = f"unix://{root}/docker.sock"
    tls_address = f"tcp://127.0.0.1:{_free_port()}"
    log = root / "dockerd.log"
    bridge, bridge_address, address_pool = _free_network()
    process = client = None
    try:
        certificates = make_certificates(root / "certificates")
        server = root / "certificates"
        _ip("link", "add", "name", bridge, "type", "bridge")
        _ip("addr", "add", bridge_address, "dev", bridge)
        _ip("link", "set", bridge, "up")
        process = _start(
            [
                dockerd,
                "--host",
                address,
                "--host",
                tls_address,
                "--tlsverify",
                "--tlscacert",
                str(server / "ca.pem"),
                "--tlscert",
                str(server / "server-cert.pem"),
                "--tlskey",
                str(server / "server-key.pem"),
                "--data-root",
                str(root / "data"),
                "--exec-root",
                str(root / "exec"),
                "--pidfile",
                str(root / "docker.pid"),
                "--bridge",
                bridge,
                "--default-address-pool",
                address_pool,
            ],
            log,
        )
        client = _connect(address, process, log)
        _load_base_image(address)
        yield SecondEngine(address, tls_address, certificates, client, root)
    finally:
        if client is not None:
            client.close()
        if process is not None:
            _stop(process)
        subprocess.run(["ip", "link", "delete", bridge], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _sshd_config(folder: Path, port: int, engine: SecondEngine) -> Path:
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {folder / 'host_key'}\n"
        f"PidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "PubkeyAuthentication yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        "UsePAM no\n"
        # The keys live below /tmp, which anyone may write to.
        "StrictModes no\n"
        # What the remote machine's default engine would be.
        f"SetEnv DOCKER_HOST={engine.socket}\n"
    )
    return config


@contextmanager
def sshd_in_front(engine: SecondEngine) -> Iterator[SshAccess]:
    """An sshd of the tests' own on 127.0.0.1 whose root logins reach ``engine``."""
    if not SSHD.is_file() or not SSH.is_file():
        require(f"DOCKER_HOST=ssh:// needs {SSHD} and {SSH} (scripts/ensure-remote-engines.sh)")
    folder = engine.root / "ssh"
    folder.mkdir()
    for key in ("host_key", "client_key"):
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / key))
    shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
    port = _free_port()
    host_key = " ".join((folder / "host_key.pub").read_text().split()[:2])
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    (folder / "ssh_config").write_text(
        "Host 127.0.0.1\n"
        f"  IdentityFile {folder / 'client_key'}\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {folder / 'known_hosts'}\n"
        "  StrictHostKeyChecking yes\n"
        "  BatchMode yes\n"
    )
    path = folder / "bin"
    path.mkdir()
    (path / "ssh").write_text(f'#!/bin/sh\nexec {SSH} -F {folder / "ssh_config"} "$@"\n')
    (path / "ssh").chmod(0o755)
    made_run_dir = not SSHD_RUN_DIR.exists()
    SSHD_RUN_DIR.mkdir(mode=0o755, exist_ok=True)
    log = folder / "sshd.log"
    config = _sshd_config(folder, port, engine)
    process = _start([str(SSHD), "-D", "-e", "-f", str(config)], log)
    try:
        deadline = time.monotonic() + 30
        while "Server listening" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"sshd did not listen:\n{log.read_text()}"
            time.sleep(0.1)
        yield SshAccess(f"ssh://root@127.0.0.1:{port}", path, log)
    finally:
        _stop(process)
        if made_run_dir:
            shutil.rmtree(SSHD_RUN_DIR, ignore_errors=True)


def _podman_configuration(root: Path) -> Path:
    """Podman's containers.conf for the service: no systemd here (cgroupfs, a file for
    events), and root's own resource limits for containers.

    Rootful Podman raises every container's open files and processes limits to 1048576
    and 4194304; root on the project's machines lacks CAP_SYS_RESOURCE, so that fails
    ("error setting rlimit type 7: operation not permitted") and no container starts.
    Podman itself runs with at most kernel.pid_max processes (32768 here, where root may
    have 96363), and a container may not have more than Podman.
    """
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    limits = (resource.getrlimit(resource.RLIMIT_NPROC)[1], pid_max)
    processes = min(limit for limit in limits if limit != resource.RLIM_INFINITY)
    configuration = root / "containers.conf"
    configuration.write_text(
        "[containers]\n"
        f'default_ulimits = ["nofile={files}:{files}", "nproc={processes}:{processes}"]\n'
        "[engine]\n"
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
    )
    return configuration


def _end_processes_of(root: Path) -> None:
    """End what Podman left running for the service below ``root``: the conmon of each
    exec session waits minutes for an exit command that will never come."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"{root}/" in command:
            with suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _unmount_below(root: Path) -> None:
    """Unmount what Podman's storage left mounted below ``root`` (its overlay folder and
    layers still in use), deepest first, so the folder can be deleted."""
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(f"{root}/")), reverse=True):
        subprocess.run(["umount", mount], check=False, capture_output=True)


@contextmanager
def podman_service() -> Iterator[PodmanEngine]:
    """Podman's API service on a socket of its own, with the base image loaded."""
    podman = shutil.which("podman")
    if podman is None or os.geteuid() != 0:
        require("Podman's API service needs root and podman (scripts/ensure-remote-engines.sh)")
    assert podman is not None
    root = Path(tempfile.mkdtemp(prefix="dlint-podman-", dir="/tmp"))
    address = f"unix://{root}/podman.sock"
    log = root / "service.log"
    bridge_before = Path(f"/sys/class/net/{PODMAN_BRIDGE}").exists()
    process = _start(
        [
            podman,
            "--root",
            str(root / "storage"),
            "--runroot",
            str(root / "run"),
            "--tmpdir",
            str(root / "tmp"),
            "--network-config-dir",
            str(root / "networks"),
            "system",
            "service",
            "--time=0",
            address,
        ],
        log,
        {**os.environ, "CONTAINERS_CONF": str(_podman_configuration(root))},
    )
    client = None
    try:
        client = _connect(address, process, log)
        _load_base_image(address)
        yield PodmanEngine(address, client)
    finally:
        if client is not None:
            client.close()
        _stop(process)
        _end_processes_of(root)
        _unmount_below(root)
        if not bridge_before:
            subprocess.run(["ip", "link", "delete", PODMAN_BRIDGE], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
