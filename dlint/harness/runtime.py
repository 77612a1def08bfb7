"""Runtime proofs: cached rebuild after a code edit, graceful stop, arbitrary non-root uid,
idle connections that must not starve the service, and a log free of errors."""

import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from docker.models.containers import Container

from dlint.harness import contract, inside
from dlint.harness.docker_ops import BuildResult
from dlint.harness.kinds import kind
from dlint.harness.lab import Lab, Ready
from dlint.harness.spec import ArbitraryUid, CachedRebuild, CleanLog, GracefulStop, IdleConnections
from dlint.harness.verdict import CheckFailed, expect

if TYPE_CHECKING:
    from dlint.harness.reach import Endpoint

# The run id makes each run's edit new: BuildKit's cache outlives the images of earlier
# runs and would serve a rebuild of the same edit, so nothing would be rebuilt.
EDIT_LINE = "\n# dlint: code edit made to prove the dependency layers stay cached ({run_id})\n"
IDLE_SETTLE_SECONDS = 0.5
IDLE_REQUEST_TIMEOUT = 10.0
# Log lines shown when a container is killed at the end of its grace.
LOG_TAIL = 8


def rebuild_after_edit(lab: Lab, settings: CachedRebuild) -> BuildResult:
    """Copy the context, append a comment to the edited file, rebuild and return the result."""
    with tempfile.TemporaryDirectory(prefix="dlint-edit-") as scratch:
        context = Path(scratch) / "context"
        shutil.copytree(lab.spec.context, context, ignore=shutil.ignore_patterns(".git"))
        with (context / settings.edit).open("a", encoding="utf-8") as edited:
            edited.write(EDIT_LINE.format(run_id=lab.run_id))
        lab.emit(f"rebuilding after editing {settings.edit}")
        return lab.build(context, f"{lab.tag}-edit")


def check_cached_rebuild(result: BuildResult, settings: CachedRebuild) -> None:
    """The expected steps came from the cache, the edit changed the build, and it was quick."""
    for pattern in settings.expect_cached:
        steps = [step for step in result.steps if pattern in step.instruction]
        expect(bool(steps), f"no build step contains {pattern!r}")
        rebuilt = [f"step {step.number}: {step.instruction}" for step in steps if not step.cached]
        expect(not rebuilt, f"rebuilt instead of cached after a code edit: {'; '.join(rebuilt)}")
    expect(
        len(result.cached_steps) < len(result.steps),
        f"every step was cached: the edit to {settings.edit} did not reach the image "
        "(is it excluded by .dockerignore?)",
    )
    budget = settings.max_seconds
    expect(
        budget is None or result.seconds <= budget,
        f"rebuild took {result.seconds:.1f} s, budget {budget} s",
    )


def check_graceful_stop(lab: Lab, settings: GracefulStop) -> None:
    """A request in flight when ``docker stop`` arrives completes; the exit code is 0."""
    grace = settings.grace
    container, endpoint = lab.start_ready("graceful-stop", env=dict(settings.env))
    exchange = settings.exchange
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_flight = pool.submit(contract.send, endpoint, exchange.request)
        time.sleep(settings.stop_after)
        expect(not in_flight.done(), "the request finished before the stop; raise the delay")
        started = time.monotonic()
        answered: list[float] = []
        in_flight.add_done_callback(lambda _: answered.append(time.monotonic() - started))
        container.stop(timeout=grace)
        stop_seconds = time.monotonic() - started
        answer = in_flight.result()
    exit_code = container.wait(timeout=grace)["StatusCode"]
    found = contract.problems(exchange.expect, answer)
    expect(not found, f"in-flight request during stop: {'; '.join(found)}")
    if exit_code == 137:
        before_kill = answered and answered[0] < stop_seconds
        raise CheckFailed(_killed(container, grace, answered[0] if before_kill else None))
    expect(exit_code == 0, f"exit code {exit_code} after docker stop")
    expect(stop_seconds < grace, f"stop took {stop_seconds:.1f} s, grace is {grace} s")


def _killed(container: Container, grace: float, answered: float | None) -> str:
    """Why the container was killed at the end of the grace, as far as the run can tell;
    ``answered``: seconds from the stop to the answer, when it came before the kill."""
    message = f"exit code 137 after docker stop: killed after the {grace} s grace"
    if answered is not None:
        # The signal reached the server (it finished the request and let the client go),
        # but its processes were still exiting: Python's interpreter shutdown of a
        # numpy/scikit-learn worker is CPU work that a starved container does slowly.
        message += (
            f", though the request in flight was answered {answered:.1f} s after the stop: "
            "the service was still exiting (on a loaded machine, give `grace` more "
            "seconds; in production, give the orchestrator's grace period the same margin)"
        )
    tail = container.logs(timestamps=True, tail=LOG_TAIL).decode("utf-8", "replace")
    return f"{message}\nits last log lines:\n{tail.rstrip()}"


def check_arbitrary_uid(lab: Lab, settings: ArbitraryUid) -> None:
    """The image serves the exchange when run as an arbitrary non-root uid."""
    container, endpoint = lab.start_ready("arbitrary-uid", user=settings.user)
    uid = int(settings.user.split(":")[0])
    running_as = inside.pid1_uid(inside.host_for(container.id or ""))
    expect(running_as == uid, f"PID 1 runs as uid {running_as}, expected {uid}")
    contract.check(endpoint, settings.exchange)


def check_idle_connections(endpoint: "Endpoint", settings: IdleConnections) -> None:
    """With ``connections`` TCP connections open that never send a byte, the exchange is
    answered as expected (``max_ms`` makes it "answered fast").

    A sync worker serves one connection at a time, so a few idle clients hold every
    worker and the service stops answering until the workers time out.
    """
    count = settings.connections
    close = endpoint.hold_idle(count, IDLE_SETTLE_SECONDS + IDLE_REQUEST_TIMEOUT + 5)
    try:
        time.sleep(IDLE_SETTLE_SECONDS)
        try:
            answer = contract.send(endpoint, settings.exchange.request, IDLE_REQUEST_TIMEOUT)
        except requests.Timeout:
            raise CheckFailed(
                f"no answer within {IDLE_REQUEST_TIMEOUT:.0f} s while {count} idle "
                "connections were open: they hold every worker"
            ) from None
    finally:
        close()
    found = contract.problems(settings.exchange.expect, answer)
    expect(not found, f"with {count} idle connections open: {'; '.join(found)}")


def check_clean_log(container: Container, settings: CleanLog) -> None:
    """No line the service logged so far matches one of the ``forbid`` regexes."""
    patterns = [re.compile(pattern) for pattern in settings.forbid]
    lines = container.logs().decode("utf-8", "replace").splitlines()
    bad = [line for line in lines if any(pattern.search(line) for pattern in patterns)]
    expect(not bad, f"{len(bad)} log lines match {list(settings.forbid)}: " + " | ".join(bad[:3]))


# --- the check kinds of ``runtime`` ------------------------------------------------------


@kind("runtime-cached-rebuild", section="runtime.cached_rebuild", needs=("image",))
def runtime_cached_rebuild(settings: CachedRebuild, lab: Lab) -> None:
    """DIR is copied to a temp dir, a comment line is appended to `edit` (an application
    source file), and the copy is rebuilt. Passes when every step whose instruction contains
    one of the `expect_cached` texts came from the layer cache, at least one step was rebuilt
    (so the edit reached the image), and the rebuild took at most `max_seconds` (optional)."""
    lab.rebuild = rebuild_after_edit(lab, settings)
    check_cached_rebuild(lab.rebuild, settings)


@kind("runtime-graceful-stop", section="runtime.graceful_stop", needs=("image", "ready"))
def runtime_graceful_stop(settings: GracefulStop, lab: Lab, ready: Ready) -> None:
    """A second container starts with `env` added; once ready, the `exchange` request is
    sent, and `stop_after` seconds later `docker stop` with `grace` seconds. Passes when the
    request was still in flight at the stop, its answer meets `expect`, the container exits
    with code 0 (137 means it was killed), and the stop took less than `grace`. The service
    needs a way to keep a request in flight: the reference uses its `PREDICT_DELAY_SECONDS`
    test hook (off by default)."""
    check_graceful_stop(lab, settings)


@kind("runtime-arbitrary-uid", section="runtime.arbitrary_uid", needs=("image", "ready"))
def runtime_arbitrary_uid(settings: ArbitraryUid, lab: Lab, ready: Ready) -> None:
    """A third container runs as `user` (`UID[:GID]`, non-zero uid), e.g. `12345:0` like
    OpenShift. Passes when PID 1 has that uid and the `exchange` answer meets `expect`."""
    check_arbitrary_uid(lab, settings)


@kind("runtime-idle-connections", section="runtime.idle_connections", needs=("ready",))
def runtime_idle_connections(settings: IdleConnections, ready: Ready) -> None:
    """On the main service container: `connections` TCP connections are opened that never
    send a byte, then the `exchange` is sent (answer within 10 s). Passes when its answer
    meets `expect` (give `max_ms` to demand a fast one). A server with a few sync workers
    fails: each idle client holds a whole worker. The connections are closed afterwards."""
    check_idle_connections(ready.endpoint, settings)


@kind("runtime-clean-log", section="runtime.clean_log", needs=("ready",))
def runtime_clean_log(settings: CleanLog, ready: Ready) -> None:
    r"""The main service container's log so far (start-up and every exchange above) has no
    line matching one of the `forbid` regular expressions (Python `re`, searched anywhere
    in the line), e.g. `["\\[ERROR\\]", "Traceback"]`."""
    check_clean_log(ready.container, settings)
