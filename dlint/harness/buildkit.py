"""BuildKit builds through ``docker buildx build --progress=rawjson``.

The docker CLI's buildx plugin drives the engine's BuildKit (or whichever buildx builder
the user selects) and reports progress as a stream of JSON objects: vertices (one per
Dockerfile step, with ``cached``, ``started``, ``completed``, ``error``) and their logs.
Why the CLI and not a BuildKit API client: docs/design.md.
"""

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests

from dlint.model import Dockerfile, Instruction

# "[builder 3/5] RUN pip install ..." : the stage (its name, or stage-N), the step's place
# among the stage's vertex-making instructions, and BuildKit's text for it. A file of one
# stage gets no stage name: "[3/5] RUN pip install ...".
VERTEX = re.compile(
    r"^\[(?:(?P<stage>[^\]\s]+) )?(?P<step>\d+)/(?P<total>\d+)\] (?P<text>.*)$", re.S
)
# The instructions BuildKit turns into a numbered vertex; the others only change metadata.
VERTEX_KEYWORDS = ("FROM", "RUN", "COPY", "ADD", "WORKDIR")
# Official Dockerfile frontends the engine's built-in one stands in for offline:
# docker/dockerfile:1, :1.N, :1.N.M (not -labs or -upstream builds, not other images).
BUILT_IN_FRONTEND = re.compile(
    r"^(?:docker\.io/)?docker/dockerfile(?::1(?:\.\d+){0,2})?(?:@sha256:[0-9a-f]{64})?$"
)
FRONTEND_UNREACHABLE = ("failed to resolve source metadata", "failed to resolve image", "pull")
LOG_TAIL = 15
# The label of the empty volumes that note which BuildKit cache records dlint's builds made.
CACHE_LABEL = "dlint.build-cache"
CLI_TIMEOUT = 30
# How a BuildKit cache record names the command of a RUN: "mount / from exec /bin/sh -c ...".
EXEC_RECORD = "mount / from exec "
# The records of the context and Dockerfile a build sent (one per folder sent).
LOCAL_SOURCES = ("local source for context", "local source for dockerfile")
PARAMS = {"type": "build-cache"}
# Characters of a record's description `dlint clean` shows.
SHOWN_DESCRIPTION = 60
# Record ids per prune request (they make one regular expression).
PRUNE_BATCH = 100


class BuildFailed(Exception):
    """The build ran and failed; the message names the step and ends with its output."""


class FrontendUnreachable(BuildFailed):
    """The ``# syntax=`` frontend image could not be fetched."""


@dataclass(frozen=True)
class Step:
    """One numbered Dockerfile step as BuildKit reported it."""

    number: int
    total: int
    instruction: str
    keyword: str
    cached: bool


def buildx_problem(builder: str | None, environment: dict[str, str]) -> str | None:
    """Why ``docker buildx`` cannot build here, or None when it can."""
    if shutil.which("docker") is None:
        return "the docker CLI is not on PATH"
    command = ["docker", "buildx", "inspect"] + ([builder] if builder else [])
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            env=environment,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`{' '.join(command)}` did not answer: {error}"
    if done.returncode == 0:
        return None
    message = " ".join((done.stderr or done.stdout).split())[:300]
    if "unknown command" in message or "is not a docker command" in message:
        return "the docker buildx plugin is not installed"
    return f"`{' '.join(command)}` failed: {message}"


def step_text(instruction: Instruction) -> str:
    """The instruction on one line, with the bodies of its heredocs."""
    parts = [instruction.keyword, *instruction.value.split()]
    for heredoc in instruction.heredocs:
        parts.extend(heredoc.body.split())
    return " ".join(parts)


def step_table(model: Dockerfile) -> dict[tuple[str, int], Instruction]:
    """BuildKit's (stage, step) names for the instructions of ``model``.

    A stage is named by its ``AS`` name (lower case, as BuildKit prints it) and by
    ``stage-N``; its steps count FROM as 1 and then every RUN, COPY, ADD and WORKDIR.
    """
    table: dict[tuple[str, int], Instruction] = {}
    for stage in model.stages:
        names = {f"stage-{stage.index}"} | ({stage.name.lower()} if stage.name else set())
        number = 0
        for instruction in stage.instructions:
            if instruction.keyword in VERTEX_KEYWORDS and not instruction.onbuild:
                number += 1
                for name in names:
                    table[(name, number)] = instruction
    return table


@dataclass
class _Vertex:
    name: str
    cached: bool = False
    started: bool = False
    error: str = ""
    announced: bool = False
    cache_announced: bool = False
    log: list[str] = field(default_factory=list)


class Progress:
    """Follows a rawjson progress stream: announces steps, keeps logs, collects steps."""

    def __init__(self, model: Dockerfile, emit: Callable[[str], None]) -> None:
        """Steps are numbered as in ``model``'s file (1 = its first instruction)."""
        self.table = step_table(model)
        self.total = len(model.instructions)
        self.emit = emit
        self.vertices: dict[str, _Vertex] = {}
        self.text: list[str] = []

    def feed(self, event: dict) -> None:
        """Take one JSON object of the stream."""
        for update in event.get("vertexes") or []:
            vertex = self.vertices.setdefault(update["digest"], _Vertex(update.get("name", "")))
            vertex.cached = vertex.cached or bool(update.get("cached"))
            vertex.started = vertex.started or "started" in update
            vertex.error = update.get("error") or vertex.error
            self._announce(vertex)
        for log in event.get("logs") or []:
            vertex = self.vertices.setdefault(log.get("vertex", ""), _Vertex(""))
            data = base64.b64decode(log.get("data") or "").decode("utf-8", "replace")
            vertex.log.extend(data.splitlines())
            del vertex.log[:-LOG_TAIL]

    def _step(self, vertex: _Vertex) -> Step | None:
        match = VERTEX.match(vertex.name)
        if match is None:
            return None
        instruction = self.table.get((match["stage"] or "stage-0", int(match["step"])))
        text = " ".join(match["text"].split())
        if instruction is None or not text.upper().startswith(instruction.keyword):
            # Not a step of this file (an ONBUILD trigger of the base image): BuildKit's words.
            return Step(0, self.total, text, text.split(" ", 1)[0].upper(), vertex.cached)
        return Step(
            instruction.index + 1,
            self.total,
            step_text(instruction),
            instruction.keyword,
            vertex.cached,
        )

    def _announce(self, vertex: _Vertex) -> None:
        step = self._step(vertex)
        if step is None:
            return
        if not vertex.announced and (vertex.started or vertex.cached):
            vertex.announced = True
            self.emit(f"Step {step.number}/{step.total} : {step.instruction}")
        if vertex.cached and not vertex.cache_announced:
            vertex.cache_announced = True
            self.emit("  ---> Using cache")

    def made(self, record: dict) -> bool:
        """True when this build can have made the cache record ``record`` (the engine's
        ``/system/df`` entry): a file step or RUN of its own, or the context it sent.

        A cache mount (``RUN --mount=type=cache``) is never this build's alone: every
        build naming the same mount id shares it.
        """
        description = str(record.get("Description") or "")
        if record.get("Type") == "source.local":
            return description in LOCAL_SOURCES
        if record.get("Type") != "regular":
            return False
        names = [vertex.name for vertex in self.vertices.values()]
        if description in names:
            return True
        if not description.startswith(EXEC_RECORD):
            return False
        command = " ".join(description.removeprefix(EXEC_RECORD).split())
        # The shell the RUN went through (/bin/sh -c, or SHELL's) comes before the command.
        runs = [run for run in map(_run_command, names) if run]
        return any(command == run or command.endswith(f" {run}") for run in runs)

    def steps(self) -> list[Step]:
        """The file's steps that ran or came from the cache, in file order, FROM left out."""
        found: dict[int, Step] = {}
        for vertex in self.vertices.values():
            step = self._step(vertex)
            if step is not None and step.keyword != "FROM" and step.number:
                found[step.number] = step
        return [found[number] for number in sorted(found)]

    def failure(self) -> str:
        """The failed step, its error and last output lines, and buildx's own error text."""
        lines = []
        for vertex in self.vertices.values():
            if vertex.error and "context canceled" not in vertex.error:
                step = self._step(vertex)
                where = f"step {step.number}: {step.instruction}" if step else vertex.name
                lines.append(f"{where}: {vertex.error.strip()}")
                lines.extend(vertex.log)
                break
        lines.extend(line for line in self.text if line.strip())
        return "\n".join(lines[-(LOG_TAIL + 2) :]) or "(no output)"


def _run_command(name: str) -> str:
    """The command a RUN vertex runs, spaced as its cache record writes it ('' if no RUN).

    ``[base 4/6] RUN --mount=... pip install x`` -> ``pip install x``; the exec form's JSON
    list is joined with spaces; a heredoc (``RUN <<EOT (body)``) runs its body.
    """
    match = VERTEX.match(name)
    if match is None or not match["text"].startswith("RUN "):
        return ""
    words = match["text"].removeprefix("RUN ").split(" ")
    while words and words[0].startswith("--"):
        words.pop(0)
    text = " ".join(words)
    if text.startswith("["):
        with contextlib.suppress(json.JSONDecodeError, TypeError):
            text = " ".join(str(word) for word in json.loads(text))
    elif text.startswith("<<") and "(" in text and text.endswith(")"):
        text = text[text.index("(") + 1 : -1]
    return " ".join(text.split())


def json_objects(lines: Iterable[str], text: list[str]) -> Iterator[dict]:
    """The JSON objects of a rawjson stream; other lines (buildx's errors) go to ``text``.

    buildx writes each object indented over several lines, opening with ``{`` and closing
    with ``}`` at the start of a line.
    """
    pending: list[str] = []
    for line in lines:
        if not pending and not line.startswith("{"):
            text.append(line.rstrip("\n"))
            continue
        pending.append(line)
        if line.rstrip() == "}":
            try:
                yield json.loads("".join(pending))
            except json.JSONDecodeError:
                text.extend(part.rstrip("\n") for part in pending)
            pending = []
    text.extend(part.rstrip("\n") for part in pending)


@dataclass(frozen=True)
class Request:
    """Everything ``docker buildx build`` is asked to do."""

    context: Path
    dockerfile: Path
    tag: str
    labels: dict[str, str]
    args: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    builder: str | None = None
    nocache: bool = False

    def command(self, iidfile: Path) -> list[str]:
        """The buildx command line."""
        command = ["docker", "buildx", "build", "--progress=rawjson", "--load"]
        command += ["--iidfile", str(iidfile), "--tag", self.tag, "--file", str(self.dockerfile)]
        if self.builder:
            command += ["--builder", self.builder]
        if self.nocache:
            command.append("--no-cache")
        for key, value in self.labels.items():
            command += ["--label", f"{key}={value}"]
        for key, value in self.args.items():
            command += ["--build-arg", f"{key}={value}"]
        for secret in self.secrets:
            command += ["--secret", secret]
        return [*command, str(self.context)]


def run_build(
    request: Request,
    model: Dockerfile,
    emit: Callable[[str], None],
    environment: dict[str, str],
    seen: list[Progress] | None = None,
) -> tuple[str, list[Step], float]:
    """Build; return the image id, the steps and the seconds taken, or raise BuildFailed.

    The build's progress is appended to ``seen`` (when given) before it starts, so a
    caller can tell its cache records even from a build that failed or was interrupted.
    """
    progress = Progress(model, emit)
    if seen is not None:
        seen.append(progress)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dlint-buildx-") as scratch:
        iidfile = Path(scratch) / "iid"
        process = subprocess.Popen(
            request.command(iidfile),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=environment,
        )
        assert process.stderr is not None
        try:
            for event in json_objects(process.stderr, progress.text):
                progress.feed(event)
            code = process.wait()
        except BaseException:
            # Ctrl-C or SIGTERM: buildx cancels the build on SIGINT, so no image is tagged
            # after the cleanup has run.
            _stop(process)
            raise
        seconds = time.monotonic() - started
        if code != 0 or not iidfile.is_file():
            message = progress.failure()
            if frontend_unreachable(model, message):
                raise FrontendUnreachable(message)
            raise BuildFailed(message)
        return iidfile.read_text().strip(), progress.steps(), seconds


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def syntax_directive(model: Dockerfile) -> tuple[str, int] | None:
    """The ``# syntax=`` frontend the file asks for and its line, if it asks for one."""
    for directive in model.directives:
        if directive.name.lower() == "syntax":
            return directive.value.strip(), directive.span.start.line
    return None


def frontend_unreachable(model: Dockerfile, message: str) -> bool:
    """True when the build failed because its ``# syntax=`` frontend could not be fetched."""
    directive = syntax_directive(model)
    if directive is None:
        return False
    frontend = directive[0].split("@", 1)[0].split(":", 1)[0].removeprefix("docker.io/")
    lowered = message.lower()
    return frontend.lower() in lowered and any(word in lowered for word in FRONTEND_UNREACHABLE)


def built_in_can_stand_in(frontend: str) -> bool:
    """True for an official ``docker/dockerfile:1.x`` frontend, which the built-in one is."""
    return BUILT_IN_FRONTEND.match(frontend) is not None


def without_directive(dockerfile: Path, line: int, scratch: Path) -> Path:
    """A copy of ``dockerfile`` in ``scratch`` with line ``line`` blanked (numbers kept).

    The copy keeps the file's name, and its ``<name>.dockerignore`` goes beside it, so
    BuildKit sends the same context it would for the original.
    """
    lines = dockerfile.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = "#"
    copy = scratch / dockerfile.name
    copy.write_text("\n".join(lines), encoding="utf-8")
    ignore = dockerfile.with_name(f"{dockerfile.name}.dockerignore")
    if ignore.is_file():
        shutil.copyfile(ignore, scratch / ignore.name)
    return copy


def environment() -> dict[str, str]:
    """The environment buildx runs in: ours (DOCKER_HOST, DOCKER_CONTEXT, TLS, config)."""
    return dict(os.environ)


def cache_record_list(api: docker.APIClient) -> dict[str, dict] | None:
    """The engine's BuildKit cache records by id; None when the engine cannot list them."""
    client: Any = api  # the SDK has no call for the build cache alone (type=build-cache)
    try:
        usage = client._result(client._get(client._url("/system/df"), params=PARAMS), True)
    except (docker.errors.APIError, requests.RequestException):
        return None
    return {record["ID"]: record for record in usage.get("BuildCache") or [] if "ID" in record}


@contextlib.contextmanager
def cache_ledger(api: docker.APIClient, labels: dict[str, str]) -> Iterator[list[Progress]]:
    """Note the cache records the builds inside the block make, for ``dlint clean``.

    BuildKit's records carry no labels, so the ids of the records that appear during the
    block and that its builds' steps explain are kept in the labels of an empty volume
    (``CACHE_LABEL``) on the same engine. Records of a builder that is not the engine's
    own BuildKit never show in the engine's list, so nothing is noted for them.
    """
    before = cache_record_list(api)
    seen: list[Progress] = []
    try:
        yield seen
    finally:
        after = cache_record_list(api) if before is not None else None
        made = [
            record_id
            for record_id, record in (after or {}).items()
            if record_id not in (before or {}) and any(p.made(record) for p in seen)
        ]
        if made:
            with contextlib.suppress(docker.errors.APIError, requests.RequestException):
                api.create_volume(
                    name=f"dlint-build-cache-{made[0]}",
                    labels={**labels, CACHE_LABEL: ",".join(sorted(made))},
                )


def forget_cache(api: docker.APIClient, spare: Callable[[dict[str, str]], bool]) -> list[str]:
    """Prune the cache records noted by ``cache_ledger`` (except where ``spare`` says);
    return a line per record removed. A record still in use stays noted for next time."""
    records = cache_record_list(api)
    if records is None:
        return []
    noted: dict[str, list[str]] = {}
    for volume in api.volumes(filters={"label": CACHE_LABEL}).get("Volumes") or []:
        labels = volume.get("Labels") or {}
        if not spare(labels):
            ids = labels.get(CACHE_LABEL, "").split(",")
            noted[volume["Name"]] = [i for i in ids if re.fullmatch(r"[a-z0-9]+", i)]
    present = sorted({i for ids in noted.values() for i in ids if i in records})
    removed: list[str] = []
    for start in range(0, len(present), PRUNE_BATCH):
        # The engine takes one id filter, a regular expression: name a batch at once.
        only: Any = {"id": f"^({'|'.join(present[start : start + PRUNE_BATCH])})$"}
        for record_id in api.prune_builds(filters=only, all=True).get("CachesDeleted") or []:
            words = " ".join(str(records.get(record_id, {}).get("Description")).split())
            shown = words if len(words) <= SHOWN_DESCRIPTION else f"{words[:SHOWN_DESCRIPTION]}..."
            removed.append(f"build record {record_id} ({shown})")
    left = (cache_record_list(api) or {}) if present else records
    for name, ids in noted.items():
        if not any(i in left for i in ids):
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_volume(name)
    return removed
