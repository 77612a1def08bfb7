"""What the local Docker engine says about a build's base images, for fixes that pin them.

A linter that talks to an engine must never slow down or break a check that did not ask.
So the engine is asked only inside :func:`asking`, which ``dlint check --from-engine``
opens (it needs ``--unsafe-fixes``: only unsafe fixes use the answers), never by default,
never in the language server or a pre-commit hook. Inside it, :attr:`Build.engine
<dlint.model.Build.engine>` is an :class:`Engine` that rules ask lazily, and every
answer is cached for the whole run (the fix passes ask again).

It goes through the docker CLI (``docker image inspect``, and ``docker run`` of the base
image itself for ``apt-cache policy``), so ``DOCKER_HOST``, contexts and TLS work as the
user's ``docker`` does, and nothing heavy is imported on the lint path. Everything is
time-bounded: the engine has ``PROBE_SECONDS`` to answer at all, and all questions of one
run share ``BUDGET_SECONDS``; a question past the budget, a missing CLI, an engine that
is down, an image that is not there or a command that fails is no answer: no fix, no
error (one note on stderr says the engine did not answer). Nothing is ever pulled
(``--pull never``); the one container runs with no network, is removed by the engine on
exit (``--rm``) or by name when its time runs out, and carries the harness's
``dlint.run`` label so ``dlint clean`` finds it if this process is killed.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from dlint import regex
from dlint.records import dataclass

PROBE_SECONDS = 3.0
BUDGET_SECONDS = 30.0
RUN_LABEL = "dlint.run"
PACKAGE = regex.compile(r"[a-z0-9][a-z0-9+.-]{0,100}")
DEB_VERSION = regex.compile(r"(?:[0-9]{1,9}:)?[A-Za-z0-9.+~-]{1,100}")
DIGEST = regex.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class ImageFacts:
    """What ``docker image inspect`` reports about one local image."""

    env: Mapping[str, str]
    repo_digests: tuple[str, ...]
    """``name@sha256:…`` entries: the image as a registry served it (none for a local build)."""

    def digest_of(self, name: str) -> str | None:
        """The ``sha256:…`` digest the registry gave the image under repository ``name``."""
        for entry in self.repo_digests:
            repository, _, digest = entry.rpartition("@")
            if _repository(repository) == _repository(name) and DIGEST.fullmatch(digest):
                return digest
        return None


@dataclass(frozen=True)
class AptPolicy:
    """``apt-cache policy`` of one package in a base image: installed and candidate versions."""

    installed: str | None
    candidate: str | None


def _repository(name: str) -> str:
    """``python`` and ``docker.io/library/python`` as one repository."""
    for prefix in ("docker.io/", "index.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


class Engine:
    """The questions a run may ask the engine, each answered once and within the budget."""

    def __init__(self, budget: float = BUDGET_SECONDS) -> None:
        self.deadline = time.monotonic() + budget
        self.answered: bool | None = None
        self._images: dict[str, ImageFacts | None] = {}
        self._policies: dict[tuple[str, str], AptPolicy | None] = {}
        self._runs = 0

    def _docker(self, *args: str, seconds: float) -> str | None:
        """stdout of ``docker ARGS`` when it succeeds in time; None otherwise."""
        if self.answered is None:
            self.answered = (
                self._call(("version", "--format", "{{.Server.APIVersion}}"), PROBE_SECONDS)
                is not None
            )
        if not self.answered:
            return None
        return self._call(args, seconds)

    def _call(self, args: tuple[str, ...], seconds: float) -> str | None:
        left = min(seconds, self.deadline - time.monotonic())
        if left <= 0:
            return None
        try:
            done = subprocess.run(
                ["docker", *args],
                capture_output=True,
                timeout=left,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "LC_ALL": "C"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None

    def image(self, reference: str) -> ImageFacts | None:
        """What the engine's local image ``reference`` reports, or None."""
        if reference not in self._images:
            self._images[reference] = self._inspect(reference)
        return self._images[reference]

    def _inspect(self, reference: str) -> ImageFacts | None:
        output = self._docker(
            "image", "inspect", "--format", "{{json .}}", "--", reference, seconds=10
        )
        try:
            data = json.loads(output) if output else None
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        config = data.get("Config")
        env = {}
        for item in (config.get("Env") if isinstance(config, dict) else None) or ():
            if isinstance(item, str) and "=" in item:
                key, _, value = item.partition("=")
                env[key] = value
        listed = data.get("RepoDigests")
        digests = tuple(d for d in listed if isinstance(d, str)) if isinstance(listed, list) else ()
        return ImageFacts(env, digests)

    def apt_policy(self, reference: str, packages: Iterable[str]) -> dict[str, AptPolicy]:
        """``apt-cache policy`` of ``packages`` in the image ``reference`` (one container
        for all names not asked before); packages it does not know are left out."""
        names = sorted({p for p in packages if PACKAGE.fullmatch(p)})
        missing = [n for n in names if (reference, n) not in self._policies]
        if missing and self.image(reference) is not None:
            found = self._run_policy(reference, missing)
            for name in missing:
                self._policies[(reference, name)] = found.get(name)
        return {
            n: policy for n in names if (policy := self._policies.get((reference, n))) is not None
        }

    def _run_policy(self, reference: str, names: list[str]) -> dict[str, AptPolicy]:
        self._runs += 1
        container = f"dlint-facts-{os.getpid()}-{self._runs}"
        args = (
            *("run", "--rm", "--pull", "never", "--network", "none", "--name", container),
            *("--label", f"{RUN_LABEL}={container}", "-e", "LC_ALL=C"),
            *("--entrypoint", "apt-cache", "--", reference, "policy", *names),
        )
        output = self._docker(*args, seconds=20)
        if output is None:
            # Out of time (or failed): make sure the container does not outlive the run.
            self._call(("rm", "--force", container), PROBE_SECONDS)
            return {}
        return parse_policy(output)


def parse_policy(output: str) -> dict[str, AptPolicy]:
    """The installed and candidate version of each package in ``apt-cache policy`` output."""
    found: dict[str, AptPolicy] = {}
    name: str | None = None
    versions: dict[str, str | None] = {}
    for line in [*output.splitlines(), "end:"]:
        if line and not line.startswith(" ") and line.endswith(":"):
            if name is not None:
                found[name] = AptPolicy(versions.get("Installed"), versions.get("Candidate"))
            name, versions = line[:-1], {}
            continue
        key, _, value = line.strip().partition(": ")
        if key in ("Installed", "Candidate"):
            value = value.strip()
            versions[key] = value if DEB_VERSION.fullmatch(value) and value != "(none)" else None
    return {n: p for n, p in found.items() if PACKAGE.fullmatch(n)}


_current: Engine | None = None


def current() -> Engine | None:
    """The engine of the run that asked for it (``--from-engine``), else None."""
    return _current


@contextmanager
def asking(engine: Engine | None = None) -> Iterator[Engine]:
    """Let the builds checked inside ask ``engine`` (by default the local one, within
    ``BUDGET_SECONDS`` in all)."""
    global _current
    previous, _current = _current, engine or Engine()
    try:
        yield _current
    finally:
        _current = previous
