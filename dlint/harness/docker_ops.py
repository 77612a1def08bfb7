"""Build, start, wait for and remove containers through the Docker engine API.

Everything created carries the label ``dlint.run=<run id>``; ``remove_run`` is the one
place that deletes it all again.
"""

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
import requests
from docker.models.containers import Container

LABEL = "dlint.run"
STEP_LINE = re.compile(r"^Step (?P<number>\d+)/\d+ : (?P<instruction>.*)$")
BASE_IMAGE_HINT = (
    "run `bash scripts/ensure-docker.sh` to build a local stand-in, "
    "or provide it with `docker pull` / `docker load`"
)


class CannotRun(Exception):
    """The checks cannot run at all (engine down, base image missing, build failed)."""


@dataclass(frozen=True)
class BuildStep:
    """One Dockerfile step of a classic build and whether the layer cache served it."""

    number: int
    instruction: str
    cached: bool


@dataclass
class BuildResult:
    """What a build produced and how long it took."""

    image_id: str
    tag: str
    seconds: float
    steps: list[BuildStep] = field(default_factory=list)
    size_bytes: int = 0

    @property
    def cached_steps(self) -> list[BuildStep]:
        """The steps the layer cache served."""
        return [step for step in self.steps if step.cached]


def connect() -> docker.DockerClient:
    """Return a client for the local engine, or raise CannotRun saying how to start one."""
    try:
        client = docker.from_env(timeout=300)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as error:
        raise CannotRun(
            f"no Docker engine answers ({error}); start one with `bash scripts/ensure-docker.sh`"
        ) from None
    return client


def base_images(dockerfile: Path) -> list[str]:
    """Images the build starts FROM that are not earlier stages (unresolved ARGs skipped)."""
    from dlint.load import InputError, read_text
    from dlint.parse import DockerfileSyntaxError, parse_dockerfile

    try:
        model = parse_dockerfile(read_text(dockerfile), str(dockerfile))
    except (InputError, DockerfileSyntaxError) as error:
        raise CannotRun(f"{dockerfile}: cannot read the Dockerfile: {error}") from None
    return [
        stage.base.raw
        for stage in model.stages
        if stage.parent_stage is None and stage.base_resolved and not stage.base.is_scratch
    ]


def ensure_base_images(client: docker.DockerClient, dockerfile: Path) -> None:
    """Make sure every base image exists locally, pulling if a registry answers."""
    for image in base_images(dockerfile):
        try:
            client.images.get(image)
            continue
        except docker.errors.ImageNotFound:
            pass
        try:
            client.images.pull(image)
        except docker.errors.APIError as error:
            raise CannotRun(
                f"base image {image} is not available locally and cannot be pulled "
                f"({error.explanation or error}); {BASE_IMAGE_HINT}"
            ) from None


def _build_events(
    client: docker.DockerClient, context: Path, dockerfile: str, tag: str, options: dict
) -> Iterator[dict]:
    return client.api.build(
        path=str(context),
        dockerfile=dockerfile,
        tag=tag,
        rm=True,
        forcerm=True,
        decode=True,
        **options,
    )


def build(
    client: docker.DockerClient,
    context: Path,
    dockerfile: str,
    tag: str,
    run_id: str,
    emit: Callable[[str], None],
    *,
    nocache: bool = False,
    buildargs: dict[str, str] | None = None,
) -> BuildResult:
    """Build ``context`` with the classic builder, streaming steps through ``emit``."""
    options = {"labels": {LABEL: run_id}, "nocache": nocache, "buildargs": buildargs or {}}
    steps: list[BuildStep] = []
    output: list[str] = []
    started = time.monotonic()
    for event in _build_events(client, context, dockerfile, tag, options):
        if "error" in event:
            tail = "".join(output[-15:]).rstrip()
            raise CannotRun(f"build of {context} failed: {event['error'].strip()}\n{tail}")
        line = event.get("stream", "")
        output.append(line)
        _record_step(line.strip(), steps, emit)
    seconds = time.monotonic() - started
    image = client.images.get(tag)
    return BuildResult(image.id, tag, seconds, steps, int(image.attrs.get("Size", 0)))


def _record_step(line: str, steps: list[BuildStep], emit: Callable[[str], None]) -> None:
    match = STEP_LINE.match(line)
    if match:
        emit(line)
        # FROM makes no layer of its own, so it is never "cached" and is left out.
        if not match["instruction"].upper().startswith("FROM "):
            steps.append(BuildStep(int(match["number"]), match["instruction"], cached=False))
    elif line == "---> Using cache" and steps and not steps[-1].cached:
        last = steps[-1]
        steps[-1] = BuildStep(last.number, last.instruction, cached=True)
        emit("  ---> Using cache")


@dataclass(frozen=True)
class RunOptions:
    """How to start a container: hardened settings come from here."""

    port: int
    env: dict[str, str] = field(default_factory=dict)
    memory: str = "512m"
    pids: int = 256
    user: str | None = None


def start_hardened(
    client: docker.DockerClient, image: str, run_id: str, name: str, options: RunOptions
) -> Container:
    """Start ``image`` read-only, without capabilities, limited, published on loopback only."""
    extra = {"user": options.user} if options.user else {}
    return client.containers.run(
        image,
        detach=True,
        name=f"{run_id}-{name}",
        labels={LABEL: run_id},
        environment=options.env,
        read_only=True,
        tmpfs={"/tmp": "rw,nosuid,nodev,size=64m"},
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        mem_limit=options.memory,
        pids_limit=options.pids,
        ports={f"{options.port}/tcp": ("127.0.0.1", None)},
        **extra,
    )


def host_port(container: Container, port: int) -> int:
    """The loopback port the engine published for the container's ``port``."""
    container.reload()
    bindings = container.attrs["NetworkSettings"]["Ports"].get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostIp") == "127.0.0.1":
            return int(binding["HostPort"])
    raise CannotRun(f"container {container.name} has no loopback port for {port}/tcp")


def diagnostics(container: Container, lines: int = 20) -> str:
    """Last log lines, state and health-check output of a container, for failure messages."""
    container.reload()
    state = container.attrs["State"]
    log = container.logs(tail=lines).decode("utf-8", "replace").rstrip()
    parts = [f"state: {state.get('Status')} (exit code {state.get('ExitCode')})"]
    health = state.get("Health") or {}
    for probe in (health.get("Log") or [])[-3:]:
        output = probe.get("Output", "").strip() or "(no output)"
        parts.append(f"health check exit {probe.get('ExitCode')}: {output}")
    parts.append(f"last {lines} log lines:\n{log or '(empty)'}")
    return "\n".join(parts)


def _probe_http(port: int, path: str) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _ready_now(container: Container, port: int, http_path: str | None) -> bool:
    state = container.attrs["State"]
    if not state.get("Running"):
        raise TimeoutError("container stopped before it became ready")
    if http_path is not None:
        return _probe_http(host_port(container, port), http_path)
    health = state.get("Health") or {}
    if health.get("Status") == "unhealthy":
        # Docker says so only after the start period and every retry failed: stop waiting.
        streak = health.get("FailingStreak", 0)
        raise TimeoutError(f"HEALTHCHECK reports unhealthy ({streak} failed probes in a row)")
    return health.get("Status") == "healthy"


def wait_ready(container: Container, port: int, timeout: float, http_path: str | None) -> float:
    """Wait for HEALTHCHECK healthy (or a 200 from ``http_path``); return seconds waited.

    Raises TimeoutError with diagnostics when the service is not ready in time.
    """
    started = time.monotonic()
    container.reload()
    if http_path is None and "Healthcheck" not in container.attrs["Config"]:
        raise TimeoutError("image has no HEALTHCHECK and the spec gives no service.readiness.http")
    try:
        while not _ready_now(container, port, http_path):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"not ready after {timeout:.0f} s")
            time.sleep(0.5)
            container.reload()
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{diagnostics(container)}") from None
    return time.monotonic() - started


def remove_run(client: docker.DockerClient, run_id: str) -> list[str]:
    """Remove every container, network and image labelled with ``run_id``; return their names."""
    selector = {"label": f"{LABEL}={run_id}"}
    removed: list[str] = []
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True, v=True)
        removed.append(f"container {container.name}")
    for network in client.networks.list(filters=selector):
        network.remove()
        removed.append(f"network {network.name}")
    for image in client.images.list(filters=selector):
        client.images.remove(image.id, force=True)
        removed.append(f"image {', '.join(image.tags) or image.short_id}")
    return removed
