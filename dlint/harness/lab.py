"""The state of one ``dlint test`` run: client, spec, run id, image and containers."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import docker
from docker.models.containers import Container

from dlint.harness import docker_ops
from dlint.harness.docker_ops import BuildResult, RunOptions
from dlint.harness.spec import Spec
from dlint.harness.verdict import CheckFailed


def image_tag(spec: Spec, run_id: str) -> str:
    """Repository:tag for the image built from the spec's context in this run."""
    name = re.sub(r"[^a-z0-9._-]+", "-", spec.context.resolve().name.lower()).strip("-._")
    return f"dlint-test/{name or 'context'}:{run_id}"


@dataclass
class Lab:
    """Everything the checks share within one run; summary numbers are collected here."""

    spec: Spec
    client: docker.DockerClient
    run_id: str
    emit: Callable[[str], None]
    readiness_timeout: float
    nocache: bool = False
    image: BuildResult | None = None
    rebuild: BuildResult | None = None
    ready_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """Tag of the image under test."""
        return image_tag(self.spec, self.run_id)

    def build_image(self) -> BuildResult:
        """Build the spec's context (CannotRun when the base image is missing or it fails)."""
        docker_ops.ensure_base_images(self.client, self.spec.context / self.spec.dockerfile)
        self.emit(f"building {self.spec.context} as {self.tag}")
        self.image = docker_ops.build(
            self.client,
            self.spec.context,
            self.spec.dockerfile,
            self.tag,
            self.run_id,
            self.emit,
            nocache=self.nocache,
            buildargs=self.spec.data.get("build", {}).get("args"),
        )
        return self.image

    def run_options(self, env: dict[str, str] | None = None, user: str | None = None) -> RunOptions:
        """Hardened run settings from the spec, with extra environment or another user."""
        from dlint.harness import gpu

        service = self.spec.service
        gpus = gpu.requested(self.spec) and gpu.available(self.client)
        return RunOptions(
            port=service["port"],
            env={**service.get("env", {}), **(env or {})},
            memory=service.get("memory", "512m"),
            pids=service.get("pids", 256),
            user=user,
            device_requests=gpu.device_requests(self.spec) if gpus else None,
        )

    def start(self, name: str, options: RunOptions) -> Container:
        """Start the image under test hardened, as container ``<run id>-<name>``."""
        assert self.image is not None, "start called before the image was built"
        return docker_ops.start_hardened(
            self.client, self.image.image_id, self.run_id, name, options
        )

    def wait(self, container: Container, name: str) -> int:
        """Wait until ``container`` is ready and return its loopback port.

        Raises CheckFailed with logs and health output when it never gets ready.
        """
        port = self.spec.service["port"]
        probe = self.spec.service.get("readiness", {}).get("http")
        try:
            self.ready_seconds[name] = docker_ops.wait_ready(
                container, port, self.readiness_timeout, probe
            )
        except TimeoutError as error:
            raise CheckFailed(f"{container.name} never became ready: {error}") from None
        return docker_ops.host_port(container, port)

    def start_ready(
        self, name: str, env: dict[str, str] | None = None, user: str | None = None
    ) -> tuple[Container, int]:
        """Start a container and wait until it is ready; return it and its loopback port."""
        container = self.start(name, self.run_options(env, user))
        return container, self.wait(container, name)
