"""Build, start, wait for and remove containers through the Docker engine API.

Everything created carries the label ``dlint.run=<run id>``; ``remove_run`` is the one
place that deletes it all again.
"""

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import socket
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import docker
import docker.errors
import requests
from docker.models.containers import Container
from docker.tls import TLSConfig

if TYPE_CHECKING:
    from dlint.harness import buildkit
    from dlint.harness.reach import Endpoint, HelperContainer
    from dlint.model import Dockerfile

LABEL = "dlint.run"
# Who made a run's objects (host:pid), so `dlint clean` can spare a run still in progress.
OWNER_LABEL = "dlint.owner"
# Every stage of a build gets this constant label right after its FROM, so the builder's
# intermediate layers (the layer cache) carry it too. A constant keeps the cache valid
# from run to run; `dlint clean` finds the layers by it.
LAYER_LABEL = "dlint.build"
LAYER_INSTRUCTION = f"LABEL {LAYER_LABEL}=cache"
# A classic build's step line: Docker's "Step 2/9 : RUN ...", Podman's "STEP 2/9: RUN ...".
STEP_LINE = re.compile(r"^(?:Step|STEP) (?P<number>\d+)/(?P<total>\d+) ?: (?P<instruction>.*)$")
# Podman's prefix to the step lines of a multi-stage build: "[2/3] STEP 4/9: ...".
PODMAN_STAGE = re.compile(r"^\[(?P<stage>\d+)/\d+\] (?P<line>.*)$", re.S)
# The cache served the step: Docker's "---> Using cache", Podman's "--> Using cache <id>".
CACHE_LINE = re.compile(r"^-{2,3}> Using cache\b")
BASE_IMAGE_HINT = (
    "make it available to the engine first: `docker pull` it from a registry the engine "
    "can reach, or `docker save` it where it exists and `docker load` it here"
)
# Seconds the engine has to answer the first request: long enough for a busy engine,
# short enough that an address that never answers is reported quickly.
ENGINE_ANSWER_TIMEOUT = 10
# Seconds any later request may take: a build step can be silent for minutes.
ENGINE_REQUEST_TIMEOUT = 600
DEFAULT_SOCKET = "/var/run/docker.sock"
PODMAN_BUILDS = "the engine is Podman, whose API builds with Buildah (buildx is Docker's)"
# Seconds between the HEALTHCHECK runs dlint asks Podman for while it waits (wait_ready).
PODMAN_HEALTH_EVERY = 2.0
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# The engine each client made by ``connect`` talks to.
PODMAN: "weakref.WeakKeyDictionary[docker.DockerClient, bool]" = weakref.WeakKeyDictionary()
ENGINES: "weakref.WeakKeyDictionary[docker.DockerClient, Engine]" = weakref.WeakKeyDictionary()
# What the docker CLI reads from DOCKER_CERT_PATH, and what to do when TLS fails.
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
TLS_HINT = (
    "give the engine's CA and a client certificate as the docker CLI takes them: "
    "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH with ca.pem, cert.pem and key.pem, "
    "or a docker context made with them"
)
# OpenSSL's reason in a failed handshake: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate ...".
TLS_ERROR = re.compile(r"\[SSL: [A-Z0-9_]+\][^()'\"]*")
START_DOCKER_HINT = (
    "start Docker (`sudo systemctl start docker`, `sudo dockerd &`, or Docker Desktop) "
    "or point DOCKER_HOST at a running engine"
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
    # "classic", or "BuildKit (<builder>)"; an image the spec names: "none (given)".
    builder: str = "classic"

    @property
    def cached_steps(self) -> list[BuildStep]:
        """The steps the layer cache served."""
        return [step for step in self.steps if step.cached]


@dataclass(frozen=True)
class Engine:
    """Where the engine is and how to reach it, found the way the docker CLI finds it."""

    address: str
    source: str
    tls: TLSConfig | None = None

    @property
    def local(self) -> bool:
        """True when the engine runs on this machine, so its published ports are ours.

        A unix socket or named pipe is local, and so is TCP to a loopback address; an
        ``ssh://`` engine is remote even on a loopback address (``podman machine``, Lima and
        Colima reach a VM's engine through ``ssh://…@127.0.0.1:PORT``), and so is TCP to
        another host.
        """
        if self.address.startswith(("unix://", "npipe://")):
            return True
        if self.address.startswith("ssh://"):
            return False
        host = urlsplit(self.address).hostname or ""
        return host in LOOPBACK_NAMES


def podman_sockets(environment: Mapping[str, str]) -> list[Path]:
    """Where Podman's Docker-compatible service listens: the user's socket, then root's."""
    runtime = environment.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return [Path(runtime) / "podman" / "podman.sock", Path("/run/podman/podman.sock")]


def _config_dir(environment: Mapping[str, str]) -> Path:
    return Path(environment.get("DOCKER_CONFIG") or Path.home() / ".docker")


def current_context(environment: Mapping[str, str]) -> str:
    """The docker CLI's context: ``DOCKER_CONTEXT``, else its config's ``currentContext``."""
    if environment.get("DOCKER_CONTEXT"):
        return environment["DOCKER_CONTEXT"]
    try:
        config = json.loads((_config_dir(environment) / "config.json").read_text())
    except (OSError, ValueError):
        return "default"
    name = config.get("currentContext") if isinstance(config, dict) else None
    return name if isinstance(name, str) and name else "default"


def context_engine(name: str, environment: Mapping[str, str]) -> Engine:
    """The engine of the docker CLI context ``name``, read from the CLI's context store.

    The store is read directly (``contexts/meta/<sha256 of the name>/meta.json`` and the
    TLS files beside it): the SDK's reader finds it only when ``config.json`` exists.
    """
    store = _config_dir(environment) / "contexts"
    key = hashlib.sha256(name.encode()).hexdigest()
    try:
        meta = json.loads((store / "meta" / key / "meta.json").read_text())
        endpoint = meta["Endpoints"]["docker"]
        host = str(endpoint["Host"])
    except OSError:
        raise CannotRun(f"docker context {name} does not exist (see `docker context ls`)") from None
    except (ValueError, KeyError, TypeError):
        raise CannotRun(f"docker context {name}: its metadata has no docker endpoint") from None
    files = store / "tls" / key / "docker"
    ca, cert, private = (files / "ca.pem", files / "cert.pem", files / "key.pem")
    tls = None
    if ca.is_file() or cert.is_file():
        tls = TLSConfig(
            client_cert=(str(cert), str(private)) if cert.is_file() else None,
            ca_cert=str(ca) if ca.is_file() else None,
            verify=ca.is_file() and not endpoint.get("SkipTLSVerify", False),
        )
    return Engine(host, f"docker context {name}", tls)


def find_engine(environment: Mapping[str, str] | None = None) -> Engine:
    """The engine to use, in the docker CLI's order, then Podman's socket.

    ``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``) first, then the
    context named by ``DOCKER_CONTEXT`` or the ``currentContext`` of the docker CLI's
    config, then the default socket; when that socket does not exist, Podman's
    Docker-compatible socket if it does.
    """
    from docker.utils import kwargs_from_env

    env = os.environ if environment is None else environment
    if env.get("DOCKER_HOST"):
        try:
            settings = kwargs_from_env(environment=dict(env))
        except docker.errors.TLSParameterError:
            folder = Path(env.get("DOCKER_CERT_PATH") or _config_dir(env))
            missing = [name for name in TLS_FILES if not (folder / name).is_file()]
            raise CannotRun(
                f"DOCKER_HOST {env['DOCKER_HOST']} with TLS: {folder} (DOCKER_CERT_PATH) lacks "
                f"{', '.join(missing) or 'usable certificates'}; {TLS_HINT}"
            ) from None
        return Engine(settings["base_url"], "DOCKER_HOST", settings.get("tls"))
    name = current_context(env)
    if name != "default":
        return context_engine(name, env)
    if not Path(DEFAULT_SOCKET).exists():
        for socket_path in podman_sockets(env):
            if socket_path.exists():
                return Engine(f"unix://{socket_path}", "Podman's socket")
    return Engine(f"unix://{DEFAULT_SOCKET}", "the default socket")


class _EngineAPI(docker.APIClient):
    """An API client that verifies the engine with the engine's own TLS settings.

    requests lets ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` replace a session's CA on
    every request (docker/docker-py#2433), so wherever those are set (a corporate proxy's
    bundle, dlint's CI) a TLS engine's ``ca.pem`` was never used and every request failed
    verification, while the docker CLI, which ignores them, connected. Proxies from the
    environment still apply, as in the CLI.
    """

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        """requests' settings for one request, with the session's ``verify`` kept."""
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = self.verify if verify is None else verify
        return settings


class _EngineClient(docker.DockerClient):
    """``docker.DockerClient`` over ``_EngineAPI``."""

    def __init__(self, **settings: Any) -> None:
        self.api = _EngineAPI(**settings)


def _tolerate_exited_ssh() -> None:
    """Let docker-py close an ``ssh://`` connection whose ssh process has exited.

    Its socket over the system's ssh client says goodbye by writing to ssh's stdin, which
    raises BrokenPipeError when ssh is gone, as it is after every ``docker exec`` (the
    engine ends the hijacked connection): every ``exec_run`` over ssh failed after it had
    its answer (docker/docker-py#3218). The SDK looks the class up at each connection.
    """
    from docker.transport import sshconn

    if getattr(sshconn.SSHSocket, "tolerates_exited_ssh", False):
        return

    class TolerantSSHSocket(sshconn.SSHSocket):
        tolerates_exited_ssh = True

        def close(self) -> None:
            try:
                super().close()
            except BrokenPipeError:
                if self.proc is not None:
                    self.proc.terminate()  # already exited: this only reaps it

    sshconn.SSHSocket = TolerantSSHSocket  # type: ignore[misc]


def _client(engine: Engine) -> docker.DockerClient:
    # ssh:// through the system's ssh client (as the docker CLI goes), so ~/.ssh/config,
    # the agent and known_hosts apply; docker-py still imports paramiko for it.
    if engine.address.startswith("ssh://"):
        _tolerate_exited_ssh()
    return _EngineClient(
        base_url=engine.address,
        tls=engine.tls or False,
        timeout=ENGINE_ANSWER_TIMEOUT,
        use_ssh_client=engine.address.startswith("ssh://"),
    )


def connect() -> docker.DockerClient:
    """Return a client for the engine, or raise CannotRun saying how to start one.

    The first request has a short timeout, so an address that accepts connections and
    never answers is reported in seconds; later requests get a long one. An engine found
    on Podman's socket is exported as ``DOCKER_HOST``, so the docker CLI that dlint runs
    (``docker exec``, ``docker buildx``) talks to the same engine.
    """
    engine = find_engine()
    address = engine.address
    try:
        client = _client(engine)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as error:
        text = " ".join(str(error).split())
        if "HTTP request to an HTTPS server" in text:
            raise CannotRun(f"the Docker engine at {address} speaks TLS; {TLS_HINT}") from None
        refused = TLS_ERROR.search(text)
        if refused:
            raise CannotRun(
                f"TLS with the Docker engine at {address} failed ({refused[0].strip()}); {TLS_HINT}"
            ) from None
        if "timed out" in text.lower():
            raise CannotRun(
                f"the Docker engine at {address} accepted the connection but did not answer "
                f"within {ENGINE_ANSWER_TIMEOUT} s; check that DOCKER_HOST names a Docker "
                "engine and that it is not stuck"
            ) from None
        reason = _short(error)
        raise CannotRun(
            f"no Docker engine answers at {address} ({reason}); {START_DOCKER_HINT}"
        ) from None
    client.api.timeout = ENGINE_REQUEST_TIMEOUT
    if engine.source == "Podman's socket":
        os.environ["DOCKER_HOST"] = address
    ENGINES[client] = engine
    return client


def engine_of(client: docker.DockerClient) -> Engine:
    """The engine ``connect`` found for ``client`` (the default socket for other clients)."""
    return ENGINES.get(client) or Engine(client.api.base_url, "a client made elsewhere")


def _short(error: Exception) -> str:
    """The innermost, most specific part of a connection error, on one line."""
    text = " ".join(str(error).split())
    for marker in ("Connection refused", "No such file or directory", "Name or service"):
        if marker in text:
            return marker
    return text[:200]


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


def labelled_dockerfile(dockerfile: Path) -> tuple[str, int]:
    """The Dockerfile's text with ``LAYER_INSTRUCTION`` after every ``FROM``, and how
    many lines were added.

    Lines are split exactly as dlint's parser splits them, so the spans it reports for
    each FROM (continuation lines included) point at the right place.
    """
    from dlint.load import read_text
    from dlint.parse import parse_dockerfile

    text = read_text(dockerfile)
    model = parse_dockerfile(text, str(dockerfile))
    lines = text.replace("\r\n", "\n").split("\n")
    for stage in sorted(model.stages, key=lambda s: -s.from_instruction.span.end.line):
        lines.insert(stage.from_instruction.span.end.line, LAYER_INSTRUCTION)
    return "\n".join(lines), len(model.stages)


def _build_events(
    client: docker.DockerClient, context: Path, dockerfile: Path, tag: str, options: dict
) -> Iterator[dict]:
    """The classic build of ``context`` with ``dockerfile``, a file outside it: its events.

    The Dockerfile goes into the context's archive under a random name, and that name
    alone is the ``dockerfile`` parameter: docker-py's ``build`` sends the parameter twice
    (the name, then the file's whole text), which Docker's engine reads as the name and
    Podman's as the text (it then looked for a file named after the Dockerfile's text).
    Podman's API also keeps no layer cache unless asked (``layers``, its CLI's default).
    """
    from docker.api.build import process_dockerfile

    api: Any = client.api  # the SDK's build() sends the parameter twice; its helpers do not
    name, text = process_dockerfile(str(dockerfile), str(context))
    params: dict[str, Any] = {
        "t": tag,
        "rm": True,
        "forcerm": True,
        "nocache": options["nocache"],
        "dockerfile": name,
        "labels": json.dumps(options["labels"]),
    }
    if options["buildargs"]:
        params["buildargs"] = json.dumps(options["buildargs"])
    if is_podman(client):
        params["layers"] = True
    headers = {"Content-Type": "application/tar"}
    api._set_auth_headers(headers)  # registry credentials for FROM, as docker-py sends them
    exclude = _dockerignore_lines(context)
    archive = docker.utils.tar(context, exclude=exclude, dockerfile=(name, text))
    try:
        # No timeout, as docker-py's build: a step can be silent for longer than any.
        response = api._post(
            api._url("/build"),
            data=archive,
            params=params,
            headers=headers,
            stream=True,
            timeout=None,
        )
        yield from api._stream_helper(response, decode=True)
    finally:
        archive.close()


def _dockerignore_lines(context: Path) -> list[str] | None:
    """The context's ``.dockerignore`` patterns, read as docker-py reads them for a build."""
    try:
        text = (context / ".dockerignore").read_text()
    except FileNotFoundError:
        return None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def owner() -> str:
    """This process as ``host:pid``, the value of ``OWNER_LABEL``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class BuildOptions:
    """How to build, beyond the context and the tag (from the spec and the command line)."""

    nocache: bool = False
    args: Mapping[str, str] = field(default_factory=dict)
    # ``docker buildx build --secret`` values: ``id=NAME,src=PATH`` or ``id=NAME,env=VAR``.
    secrets: tuple[str, ...] = ()
    # A buildx builder (``docker buildx ls``); None: the CLI's current builder.
    builder: str | None = None
    # The engine's classic builder even when BuildKit is there.
    classic: bool = False


def build(
    client: docker.DockerClient,
    context: Path,
    dockerfile: str,
    tag: str,
    run_id: str,
    emit: Callable[[str], None],
    *,
    nocache: bool = False,
    buildargs: Mapping[str, str] | None = None,
    options: BuildOptions | None = None,
) -> BuildResult:
    """Build ``context`` with BuildKit (``docker buildx``), else the classic builder.

    Steps stream through ``emit`` as the builder starts them, numbered as in the user's
    Dockerfile, with ``---> Using cache`` for those the cache served. The classic
    builder is the fallback when buildx cannot build here (or ``options.classic``); it
    refuses, naming them, what only BuildKit builds. Raises CannotRun when the build
    cannot run or fails.
    """
    settings = options or BuildOptions(nocache=nocache, args=dict(buildargs or {}))
    from dlint.harness import buildkit

    podman = is_podman(client)
    if podman:
        problem: str | None = PODMAN_BUILDS
    elif settings.classic:
        problem = "--classic-builder was given"
    else:
        problem = buildkit.buildx_problem(settings.builder, buildkit.environment())
    if problem is None:
        return _build_buildkit(client, context, dockerfile, tag, run_id, emit, settings)
    if settings.builder:
        raise CannotRun(f"buildx builder {settings.builder} cannot build: {problem}")
    if podman and settings.secrets:
        raise CannotRun(
            f"{context / dockerfile}: the spec's build.secrets cannot be passed: dlint hands "
            f"build secrets to BuildKit only, and {problem}"
        )
    refused = [] if podman else classic_limits(context / dockerfile, settings)
    if refused:
        raise CannotRun(
            f"{context / dockerfile}: the classic builder cannot build "
            f"{'; '.join(refused)}; BuildKit can, but here {problem} "
            "(install the docker buildx plugin: Debian/Ubuntu `docker-buildx`, "
            "Docker's `docker-buildx-plugin`)"
        )
    emit(f"building with the engine's classic builder: {problem}")
    return _build_classic(client, context, dockerfile, tag, run_id, emit, settings)


def is_podman(client: docker.DockerClient) -> bool:
    """True when the engine is Podman's Docker-compatible service."""
    if client not in PODMAN:
        components = client.version().get("Components") or []
        PODMAN[client] = any("podman" in str(c.get("Name", "")).lower() for c in components)
    return PODMAN[client]


# BuildKit-only flags of RUN, COPY and ADD, as the Dockerfile reference lists them.
BUILDKIT_FLAGS = {
    "RUN": ("mount", "network", "security"),
    "COPY": ("chmod", "link", "parents", "exclude"),
    "ADD": ("chmod", "link", "checksum", "keep-git-dir", "exclude"),
}


def classic_limits(path: Path, options: BuildOptions) -> list[str]:
    """What the classic builder cannot build in the Dockerfile at ``path`` (with lines)."""
    from dlint.load import InputError, read_text
    from dlint.parse import DockerfileSyntaxError, parse_dockerfile

    try:
        model = parse_dockerfile(read_text(path), str(path))
    except (InputError, DockerfileSyntaxError) as error:
        raise CannotRun(f"{path}: cannot read the Dockerfile: {error}") from None
    found: list[str] = []
    for instruction in model.instructions:
        line = instruction.span.start.line
        if instruction.heredocs:
            found.append(f"a heredoc (line {line})")
        for flag in instruction.flags:
            if flag.name in BUILDKIT_FLAGS.get(instruction.keyword, ()):
                found.append(f"{instruction.keyword} --{flag.name} (line {line})")
    if options.secrets:
        found.append("build secrets (the spec's build.secrets)")
    ignore = path.with_name(f"{path.name}.dockerignore")
    if ignore.is_file():
        found.append(f"{ignore.name} (it reads only the context's .dockerignore)")
    return found


def _build_buildkit(
    client: docker.DockerClient,
    context: Path,
    dockerfile: str,
    tag: str,
    run_id: str,
    emit: Callable[[str], None],
    options: BuildOptions,
) -> BuildResult:
    from dlint.harness import buildkit
    from dlint.load import read_text
    from dlint.parse import parse_dockerfile

    path = context / dockerfile
    model = parse_dockerfile(read_text(path), str(path))
    request = buildkit.Request(
        context=context,
        dockerfile=path,
        tag=tag,
        labels={LABEL: run_id, OWNER_LABEL: owner()},
        args=dict(options.args),
        secrets=options.secrets,
        builder=options.builder,
        nocache=options.nocache,
    )
    environment = buildkit.environment()
    # The cache records the build makes are noted so that `dlint clean` can remove them.
    ledger = buildkit.cache_ledger(client.api, {OWNER_LABEL: owner()})
    try:
        with ledger as seen:
            image_id, steps, seconds = _run_buildkit(request, model, emit, environment, seen)
    except buildkit.BuildFailed as error:
        raise CannotRun(f"build of {context} failed: {error}") from None
    image = client.images.get(image_id)
    return BuildResult(
        image.id or image_id,
        tag,
        seconds,
        [BuildStep(step.number, step.instruction, step.cached) for step in steps],
        int(image.attrs.get("Size", 0)),
        builder=f"BuildKit ({options.builder or 'buildx default builder'})",
    )


def _run_buildkit(
    request: "buildkit.Request",
    model: "Dockerfile",
    emit: Callable[[str], None],
    environment: dict[str, str],
    seen: "list[buildkit.Progress]",
) -> "tuple[str, list[buildkit.Step], float]":
    """Build; when the ``# syntax=`` frontend cannot be fetched, with the built-in one."""
    from dlint.harness import buildkit

    path = request.dockerfile
    try:
        return buildkit.run_build(request, model, emit, environment, seen)
    except buildkit.FrontendUnreachable as error:
        directive = buildkit.syntax_directive(model)
        assert directive is not None
        frontend, line = directive
        if not buildkit.built_in_can_stand_in(frontend):
            raise CannotRun(
                f"{path}:{line}: the builder cannot fetch the `# syntax={frontend}` "
                "frontend; make the image reachable from the builder (a registry or "
                "mirror it can pull from), or delete the line to build with the "
                f"engine's built-in Dockerfile frontend\n{error}"
            ) from None
        emit(
            f"the builder cannot fetch the # syntax={frontend} frontend (line {line}): "
            "building with the engine's built-in Dockerfile frontend"
        )
        with tempfile.TemporaryDirectory(prefix="dlint-syntax-") as scratch:
            copy = buildkit.without_directive(path, line, Path(scratch))
            retry = dataclasses.replace(request, dockerfile=copy)
            return buildkit.run_build(retry, model, emit, environment, seen)


def _build_classic(
    client: docker.DockerClient,
    context: Path,
    dockerfile: str,
    tag: str,
    run_id: str,
    emit: Callable[[str], None],
    options: BuildOptions,
) -> BuildResult:
    """Build with the classic builder through the engine API.

    The engine builds a copy of the Dockerfile with ``LAYER_INSTRUCTION`` after each
    ``FROM``, kept outside the context (sent under a random name that the context's COPY
    never sees); steps are reported as numbered in the user's file.
    """
    labels = {LABEL: run_id, OWNER_LABEL: owner()}
    settings = {
        "labels": labels,
        "nocache": options.nocache,
        "buildargs": dict(options.args),
    }
    steps: list[BuildStep] = []
    output: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dlint-build-") as scratch:
        copy = Path(scratch) / "Dockerfile"
        text, injected = labelled_dockerfile(context / dockerfile)
        copy.write_text(text, encoding="utf-8")
        numbering = _Numbering(injected, labels)
        if is_podman(client):
            numbering = _Numbering.for_podman(injected, context / dockerfile, labels)
        try:
            for event in _build_events(client, context, copy, tag, settings):
                if "error" in event:
                    tail = "".join(output[-15:]).rstrip()
                    error = event["error"].strip()
                    raise CannotRun(f"build of {context} failed: {error}\n{tail}")
                line = numbering.renumber(event.get("stream", ""))
                if line is not None:
                    output.append(line)
                    _record_step(line.strip(), steps, emit)
        except BaseException:
            # Only a closed connection makes the engine cancel the build; left open (the
            # stream lives on in the traceback), the build would finish after the cleanup
            # and tag a labelled image nobody removes. Later requests reconnect.
            client.api.close()
            raise
    seconds = time.monotonic() - started
    image = client.images.get(tag)
    return BuildResult(
        image.id or tag, tag, seconds, steps, int(image.attrs.get("Size", 0)), builder="classic"
    )


def _record_step(line: str, steps: list[BuildStep], emit: Callable[[str], None]) -> None:
    match = STEP_LINE.match(line)
    if match:
        emit(line)
        # FROM makes no layer of its own, so it is never "cached" and is left out.
        if not match["instruction"].upper().startswith("FROM "):
            steps.append(BuildStep(int(match["number"]), match["instruction"], cached=False))
    elif CACHE_LINE.match(line) and steps and not steps[-1].cached:
        last = steps[-1]
        steps[-1] = BuildStep(last.number, last.instruction, cached=True)
        emit("  ---> Using cache")


class _Numbering:
    """Hides the injected LABEL steps and numbers the others as in the user's Dockerfile.

    The engine adds one step for each of the build's ``labels`` after the user's last
    (Docker's ``LABEL key=value``, Podman's ``LABEL "key"="value"``): hidden too.
    ``stage_starts`` (each stage's place among the user's instructions) and ``total``
    number the steps of an engine that counts each stage's steps apart.
    """

    def __init__(
        self,
        injected: int,
        labels: Mapping[str, str] | None = None,
        stage_starts: tuple[int, ...] = (),
        total: int = 0,
    ) -> None:
        self.injected = injected
        self.labels = len(labels or {})
        self.appended = frozenset(
            step
            for key, value in (labels or {}).items()
            for step in (f"LABEL {key}={value}", f'LABEL "{key}"="{value}"')
        )
        self.stage_starts = stage_starts
        self.total = total
        self.injected_seen = 0
        self.in_injected = False

    @classmethod
    def for_podman(cls, injected: int, dockerfile: Path, labels: Mapping[str, str]) -> "_Numbering":
        """Podman's numbering: ``[2/3] STEP 4/9: ...`` (stage 2 of 3, its step 4 of 9) in a
        multi-stage build."""
        from dlint.load import read_text
        from dlint.parse import parse_dockerfile

        model = parse_dockerfile(read_text(dockerfile), str(dockerfile))
        places = {id(instruction): place for place, instruction in enumerate(model.instructions)}
        return cls(
            injected,
            labels,
            tuple(places[id(stage.from_instruction)] for stage in model.stages),
            len(model.instructions),
        )

    def renumber(self, line: str) -> str | None:
        """The line as the user should see it, or None to drop it."""
        stage = PODMAN_STAGE.match(line.strip())
        match = STEP_LINE.match(stage["line"] if stage else line.strip())
        if match is None:
            return None if self.in_injected else line
        self.in_injected = match["instruction"] in {LAYER_INSTRUCTION, *self.appended}
        if self.in_injected:
            self.injected_seen += match["instruction"] == LAYER_INSTRUCTION
            return None
        if stage and self.stage_starts:
            # The stage's FROM is its step 1, the injected LABEL its step 2.
            place = int(match["number"])
            number = self.stage_starts[int(stage["stage"]) - 1] + max(place - 1, 1)
            total = self.total
        else:
            number = int(match["number"]) - self.injected_seen
            total = int(match["total"]) - self.injected - self.labels
        return f"Step {number}/{total} : {match['instruction']}\n"


@dataclass(frozen=True)
class RunOptions:
    """How to start a container: hardened settings come from here."""

    port: int
    memory: str
    pids: int
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    device_requests: list | None = None  # --gpus (dlint.harness.gpu)


def start_hardened(
    client: docker.DockerClient, image: str, run_id: str, name: str, options: RunOptions
) -> Container:
    """Start ``image`` read-only, without capabilities, limited, published on loopback only."""
    return client.containers.run(
        image,
        detach=True,
        name=f"{run_id}-{name}",
        labels={LABEL: run_id, OWNER_LABEL: owner()},
        environment=options.env,
        read_only=True,
        tmpfs={"/tmp": "rw,nosuid,nodev,size=64m"},
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        mem_limit=options.memory,
        pids_limit=options.pids,
        ports=_loopback_port(options.port),
        user=options.user,
        device_requests=options.device_requests,
    )


def _loopback_port(port: int) -> dict[str, Any]:
    # (address, None): a free port on that address; the stubs know only (address, port).
    return {f"{port}/tcp": ("127.0.0.1", None)}


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


def start_helper(
    client: docker.DockerClient, image: str, service: Container, run_id: str, port: int
) -> "HelperContainer":
    """A helper container in ``service``'s network namespace that reaches ``port`` there.

    It runs the image under test (so it has the image's Python) idle, with no health
    check, labelled like everything else the run creates.
    """
    from dlint.harness.reach import HELPER_IDLE, INTERPRETERS, HelperContainer

    problems = []
    for interpreter in INTERPRETERS:
        name = f"{service.name}-reach-{interpreter}"
        try:
            helper = client.containers.run(
                image,
                detach=True,
                name=name,
                labels={LABEL: run_id, OWNER_LABEL: owner()},
                entrypoint=[interpreter, "-c", HELPER_IDLE],
                network_mode=f"container:{service.id}",
                healthcheck={"test": ["NONE"]},
            )
        except docker.errors.APIError as error:
            problems.append(f"{interpreter}: {error.explanation or error}")
            _gone(partial(_remove_container, client, name))
            continue
        return HelperContainer(helper, interpreter, port)
    raise CannotRun(
        "the service is not reachable from here (remote engine) and a helper container "
        f"from the image could not run Python to reach it: {'; '.join(problems)}"
    )


def _probe_http(endpoint: "Endpoint", path: str) -> bool:
    try:
        return endpoint.exchange("GET", path, None, {}, 2).status == 200
    except requests.RequestException:
        return False


def _ready_now(container: Container, endpoint: "Endpoint", http_path: str | None) -> bool:
    state = container.attrs["State"]
    if not state.get("Running"):
        raise TimeoutError("container stopped before it became ready")
    if http_path is not None:
        return _probe_http(endpoint, http_path)
    health = state.get("Health") or {}
    if health.get("Status") == "unhealthy":
        # Docker says so only after the start period and every retry failed: stop waiting.
        streak = health.get("FailingStreak", 0)
        raise TimeoutError(f"HEALTHCHECK reports unhealthy ({streak} failed probes in a row)")
    return health.get("Status") == "healthy"


def run_podman_health_check(container: Container) -> None:
    """Run the container's HEALTHCHECK now, through Podman's own API.

    Podman runs health checks from systemd timers, so where there is no systemd (a CI
    container) none ever runs and the status stays ``starting``. A run asked for counts
    as Podman's own: the same start period, retries and status. A failed request is no
    run: the wait goes on, and its timeout still applies.
    """
    api: Any = container.client.api  # type: ignore[union-attr]  # no SDK call for libpod's API
    path = f"/v4.0.0/libpod/containers/{container.id}/healthcheck"
    with contextlib.suppress(docker.errors.APIError, requests.RequestException):
        api._result(api._get(api._url(path, versioned_api=False)))


def wait_ready(
    container: Container,
    endpoint: "Endpoint",
    timeout: float,
    http_path: str | None,
    emit: Callable[[str], None] = lambda line: None,
) -> float:
    """Wait for HEALTHCHECK healthy (or a 200 from ``http_path``); return seconds waited.

    On Podman the image's health check is run every ``PODMAN_HEALTH_EVERY`` seconds
    meanwhile (``run_podman_health_check``), which ``emit`` says. Raises TimeoutError with
    diagnostics when the service is not ready in time.
    """
    started = time.monotonic()
    container.reload()
    if http_path is None and "Healthcheck" not in container.attrs["Config"]:
        raise TimeoutError("image has no HEALTHCHECK and the spec gives no service.readiness.http")
    check_health = http_path is None and is_podman(container.client)  # type: ignore[arg-type]
    if check_health:
        emit(
            "Podman runs HEALTHCHECK only from systemd timers: dlint runs the health check "
            f"of {container.name} itself, every {PODMAN_HEALTH_EVERY:.0f} s, while it waits"
        )
    checked = float("-inf")
    try:
        while not _ready_now(container, endpoint, http_path):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"not ready after {timeout:.0f} s")
            if check_health and time.monotonic() - checked >= PODMAN_HEALTH_EVERY:
                checked = time.monotonic()
                run_podman_health_check(container)
            else:
                time.sleep(0.5)
            container.reload()
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{diagnostics(container)}") from None
    return time.monotonic() - started


def remove_run(client: docker.DockerClient, run_id: str) -> list[str]:
    """Remove every container, network and image labelled with ``run_id``; return their names.

    Safe to call twice, or on objects that vanish meanwhile: what is already gone is skipped.
    """
    return _remove_labelled(client, f"{LABEL}={run_id}", spare=lambda labels: False)


def remove_everything(client: docker.DockerClient) -> list[str]:
    """Remove what any dlint run left behind, except the objects of runs still in progress.

    That is every container, network and image labelled ``dlint.run`` (of any run), then
    every layer labelled ``dlint.build``: the classic builder stages' layer cache, then the
    BuildKit cache records dlint's builds made (noted by ``buildkit.cache_ledger``).
    """
    from dlint.harness import buildkit

    removed = _remove_labelled(client, LABEL, spare=_in_progress)
    removed += _remove_layers(client)
    return removed + buildkit.forget_cache(client.api, spare=_in_progress)


def _in_progress(labels: dict[str, str]) -> bool:
    """True when the run that made an object is a live process on this host."""
    host, _, pid = labels.get(OWNER_LABEL, "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return int(pid) != os.getpid()


def _remove_container(client: docker.DockerClient, name: str) -> None:
    client.containers.get(name).remove(force=True)


def _gone(action: Callable[[], object]) -> bool:
    """Run a removal; False when the object had already disappeared."""
    try:
        action()
    except docker.errors.NotFound:
        return False
    return True


def _remove_labelled(
    client: docker.DockerClient, label: str, spare: Callable[[dict[str, str]], bool]
) -> list[str]:
    selector: dict[str, str | list[str] | bool] = {"label": label}
    removed: list[str] = []
    for container in client.containers.list(all=True, filters=selector, ignore_removed=True):
        if spare(container.labels):
            continue
        if _gone(partial(container.remove, force=True, v=True)):
            removed.append(f"container {container.name}")
    for network in client.networks.list(filters=selector):
        if _gone(network.remove):
            removed.append(f"network {network.name}")
    for image in client.images.list(filters=selector):
        if spare(image.labels):
            continue
        if _gone(partial(client.images.remove, image.id or "", force=True)):
            removed.append(f"image {', '.join(image.tags) or image.short_id}")
    return removed


def _remove_layers(client: docker.DockerClient) -> list[str]:
    """Remove the labelled build layers, children first; spare those still in use."""
    removed: list[str] = []
    while True:
        layers = client.images.list(all=True, filters={"label": LAYER_LABEL})
        progress = False
        # Newest first: a layer's children are newer than it, so one pass removes a chain.
        # noprune: only labelled layers go, never an untagged parent that is not dlint's.
        for layer in sorted(layers, key=lambda image: image.attrs.get("Created", ""), reverse=True):
            try:
                deleted = client.api.remove_image(layer.id or "", noprune=True)
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as error:
                # 409: in use by a container or a build in progress, or children left.
                if error.status_code == 409:
                    continue
                raise
            for record in deleted or []:
                if "Deleted" in record:
                    removed.append(f"build layer {record['Deleted'].removeprefix('sha256:')[:12]}")
                    progress = True
        if not progress:
            return removed


def existing_image(client: docker.DockerClient, name: str) -> BuildResult:
    """The image ``name`` as the image under test, pulled if the engine lacks it.

    It was not built by this run, so it carries no run label and the cleanup leaves it.
    """
    try:
        image = client.images.get(name)
    except docker.errors.ImageNotFound:
        try:
            image = client.images.pull(name)
        except docker.errors.APIError as error:
            raise CannotRun(
                f"image {name} (the spec's image) is not in the engine and cannot be pulled "
                f"({_short(error)}); {BASE_IMAGE_HINT}"
            ) from None
    return BuildResult(
        image.id or name, name, 0.0, [], int(image.attrs.get("Size", 0)), builder="none (given)"
    )
