"""One run of ``dlint test``, from its spec to its cleanup: the ``Lab``.

The Lab owns the run's lifecycle: it connects to the engine, builds (or finds) the image
under test, starts the main service and waits for it, hands the checks what they need,
and removes everything it made with ``close()``. ``dlint test`` makes it (session.py) and
closes it when pytest returns; the pytest plugin uses it in its fixtures and closes it in
their teardown, which pytest runs on success, failure, ``pytest.exit`` and Ctrl-C, and
which a stopping signal reaches (signals.py turns the first into a KeyboardInterrupt).
Closing twice is harmless: the second close does nothing, and a close that failed is
tried again. Everything made carries the run's labels, for ``dlint clean``.
"""

import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import docker
import docker.errors
from docker.models.containers import Container

from dlint.harness import docker_ops, signals
from dlint.harness.docker_ops import BuildOptions, BuildResult, CannotRun, RunOptions
from dlint.harness.kinds import kind
from dlint.harness.options import Settings
from dlint.harness.reach import Endpoint, HelperContainer, PublishedPort, uses_helper
from dlint.harness.spec import Spec
from dlint.harness.verdict import CheckFailed

NOT_READY = "the service is not ready (see the readiness check)"


def new_run_id() -> str:
    """A fresh run id, used as the label value and image tag."""
    return f"dlint-{secrets.token_hex(4)}"


def image_tag(spec: Spec, run_id: str) -> str:
    """Repository:tag for the image built from the spec's context in this run."""
    name = re.sub(r"[^a-z0-9._-]+", "-", spec.context.resolve().name.lower()).strip("-._")
    return f"dlint-test/{name or 'context'}:{run_id}"


def say(line: str) -> None:
    """Print a ``dlint:`` line (what the Lab says before pytest's terminal takes over)."""
    print(f"dlint: {line}", file=sys.stdout, flush=True)


@dataclass
class Lab:
    """One run: its spec, run id and settings, what it built and started, and its cleanup.

    ``opened`` says the checks started using it (the plugin's fixtures); the summary and
    the reports show the run's figures only then.
    """

    spec: Spec
    run_id: str
    settings: Settings
    emit: Callable[[str], None] = say
    image: BuildResult | None = None
    rebuild: BuildResult | None = None
    ready_seconds: dict[str, float] = field(default_factory=dict)
    helpers: dict[str, HelperContainer] = field(default_factory=dict)
    opened: bool = False
    closed: bool = False
    _client: docker.DockerClient | None = None
    _service: "Service | None" = None

    @property
    def tag(self) -> str:
        """Tag of the image under test."""
        return image_tag(self.spec, self.run_id)

    @property
    def client(self) -> docker.DockerClient:
        """The engine's client (``connect()`` first)."""
        assert self._client is not None, "the lab is not connected to an engine"
        return self._client

    @property
    def readiness_timeout(self) -> float:
        """Seconds to wait for readiness: ``--timeout``, else the spec's."""
        return self.settings.timeout or self.spec.service.readiness.timeout

    def connect(self) -> docker.DockerClient:
        """Reach the engine, once (CannotRun when none answers)."""
        if self._client is None:
            self._client = docker_ops.connect()
        return self._client

    def open(self, emit: Callable[[str], None]) -> None:
        """The checks start: connect, and say what happens through ``emit``."""
        self.emit = emit
        self.connect()
        self.opened = True

    def close(self, quiet: bool = False) -> None:
        """Remove everything labelled with the run id (not with ``--keep``) and say so.

        Stopping signals wait until it is done. Once it has succeeded, later calls do
        nothing; ``quiet`` says nothing (``dlint test`` closing after pytest).
        """
        if self.closed or self._client is None:
            self.closed = True
            return
        if self.settings.keep:
            if not quiet:
                self.emit(f"--keep: leaving everything labelled {docker_ops.LABEL}={self.run_id}")
        else:
            with signals.shielded():
                removed = docker_ops.remove_run(self._client, self.run_id)
            if not quiet:
                self.emit(
                    f"removed {len(removed)} objects labelled {docker_ops.LABEL}={self.run_id}"
                )
        self.closed = True

    def __enter__(self) -> "Lab":
        """The Lab itself; leaving the block closes it, quietly."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close quietly, however the block ended."""
        self.close(quiet=True)

    def build_options(self) -> BuildOptions:
        """How every build of this run is made: the spec's args and secrets, the builder."""
        return BuildOptions(
            nocache=self.settings.no_cache,
            args=self.spec.build_args,
            secrets=self.spec.build_secrets,
            builder=self.settings.builder,
            classic=self.settings.classic_builder,
        )

    def build(self, context: Path, tag: str) -> BuildResult:
        """Build ``context`` (the spec's or an edited copy of it) as ``tag``."""
        return docker_ops.build(
            self.client,
            context,
            self.spec.dockerfile,
            tag,
            self.run_id,
            self.emit,
            options=self.build_options(),
        )

    def build_image(self) -> BuildResult:
        """Build the spec's context, or find the image it names (CannotRun when missing)."""
        if self.spec.image is not None:
            self.emit(f"testing the image {self.spec.image} (the spec names it; not built)")
            self.image = docker_ops.existing_image(self.client, self.spec.image)
            return self.image
        if self.settings.builder is None:
            # A buildx builder of its own (docker-container, remote, kubernetes) pulls its
            # base images itself and does not see the engine's.
            docker_ops.ensure_base_images(self.client, self.spec.context / self.spec.dockerfile)
        self.emit(f"building {self.spec.context} as {self.tag}")
        self.image = self.build(self.spec.context, self.tag)
        return self.image

    def run_options(self, env: dict[str, str] | None = None, user: str | None = None) -> RunOptions:
        """Hardened run settings from the spec, with extra environment or another user."""
        from dlint.harness import gpu

        service = self.spec.service
        gpus = gpu.requested(self.spec) and gpu.available(self.client)
        return RunOptions(
            port=service.port,
            env={**service.env, **(env or {})},
            memory=service.memory,
            pids=service.pids,
            user=user,
            device_requests=gpu.device_requests(self.spec) if gpus else None,
        )

    def start(self, name: str, options: RunOptions) -> Container:
        """Start the image under test hardened, as container ``<run id>-<name>``."""
        assert self.image is not None, "start called before the image was built"
        return docker_ops.start_hardened(
            self.client, self.image.image_id, self.run_id, name, options
        )

    def endpoint(self, container: Container) -> Endpoint:
        """Where the checks send requests to ``container``'s service port.

        The port the engine published on this machine's loopback, or, for a remote engine
        (or ``--reach helper``), a helper container in the container's network namespace.
        """
        port = self.spec.service.port
        engine = docker_ops.engine_of(self.client)
        if not uses_helper(self.settings.reach, engine.local):
            return PublishedPort(docker_ops.host_port(container, port))
        key = container.id or ""
        if key not in self.helpers:
            assert self.image is not None, "endpoint asked for before the image was built"
            self.helpers[key] = docker_ops.start_helper(
                self.client, self.image.image_id, container, self.run_id, port
            )
            self.emit(
                f"reaching {container.name} through helper container "
                f"{self.helpers[key].helper.name} (its network namespace, port {port})"
            )
        return self.helpers[key]

    def wait(self, container: Container, name: str) -> Endpoint:
        """Wait until ``container`` is ready and return where to reach its service.

        Raises CheckFailed with logs and health output when it never gets ready.
        """
        probe = self.spec.service.readiness.http
        endpoint = self.endpoint(container)
        try:
            self.ready_seconds[name] = docker_ops.wait_ready(
                container, endpoint, self.readiness_timeout, probe, self.emit
            )
        except TimeoutError as error:
            raise CheckFailed(f"{container.name} never became ready: {error}") from None
        return endpoint

    def start_ready(
        self, name: str, env: dict[str, str] | None = None, user: str | None = None
    ) -> tuple[Container, Endpoint]:
        """Start a container and wait until it is ready; return it and its endpoint."""
        container = self.start(name, self.run_options(env, user))
        return container, self.wait(container, name)

    def service(self) -> "Service":
        """The main hardened container, started and waited for once per run.

        When it cannot start or never gets ready, the record says why: the readiness
        check reports it, and the checks that need the service are skipped.
        """
        if self._service is None:
            self._service = self._start_service()
        return self._service

    def _start_service(self) -> "Service":
        import requests

        try:
            container = self.start("service", self.run_options())
        except (docker.errors.DockerException, requests.RequestException) as error:
            return Service(None, None, f"the engine could not start the service: {error}")
        try:
            return Service(container, self.wait(container, "service"), None)
        except (CheckFailed, CannotRun) as error:
            return Service(container, None, str(error))
        except (docker.errors.DockerException, requests.RequestException) as error:
            return Service(container, None, f"waiting for the service failed: {error}")


@dataclass
class Service:
    """The main hardened container, where to reach it, and why it is not ready (if so)."""

    container: Container | None
    endpoint: Endpoint | None
    problem: str | None

    def ready(self) -> "Ready":
        """The container and its endpoint; skips the calling check when it is not ready."""
        if self.problem is not None or self.container is None or self.endpoint is None:
            import pytest

            pytest.skip(NOT_READY)
        return Ready(self.container, self.endpoint)


@dataclass(frozen=True)
class Ready:
    """The main container once it is ready, and where its service answers."""

    container: Container
    endpoint: Endpoint

    @property
    def container_id(self) -> str:
        """The container's id, for ``docker exec``."""
        return self.container.id or ""


@kind("readiness", needs=("service",))
def readiness(service: Service) -> None:
    """The service becomes ready: the image's `HEALTHCHECK` reports `healthy`, or the
    `service.readiness.http` path answers 200, within `service.readiness.timeout`. When it
    fails, it shows the container state, the last health-check outputs and the last 20 log
    lines, and every check that needs the service is skipped."""
    if service.problem is not None:
        raise CheckFailed(service.problem)
