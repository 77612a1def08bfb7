"""Runtime proofs: cached rebuild after a code edit, graceful stop, arbitrary non-root uid."""

import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dlint.harness import contract, inside
from dlint.harness.docker_ops import BuildResult
from dlint.harness.lab import Lab
from dlint.harness.verdict import expect

# The run id makes each run's edit new: BuildKit's cache outlives the images of earlier
# runs and would serve a rebuild of the same edit, so nothing would be rebuilt.
EDIT_LINE = "\n# dlint: code edit made to prove the dependency layers stay cached ({run_id})\n"
DEFAULT_GRACE = 10
DEFAULT_STOP_AFTER = 0.5


def rebuild_after_edit(lab: Lab, settings: dict[str, Any]) -> BuildResult:
    """Copy the context, append a comment to the edited file, rebuild and return the result."""
    with tempfile.TemporaryDirectory(prefix="dlint-edit-") as scratch:
        context = Path(scratch) / "context"
        shutil.copytree(lab.spec.context, context, ignore=shutil.ignore_patterns(".git"))
        with (context / settings["edit"]).open("a", encoding="utf-8") as edited:
            edited.write(EDIT_LINE.format(run_id=lab.run_id))
        lab.emit(f"rebuilding after editing {settings['edit']}")
        return lab.build(context, f"{lab.tag}-edit")


def check_cached_rebuild(result: BuildResult, settings: dict[str, Any]) -> None:
    """The expected steps came from the cache, the edit changed the build, and it was quick."""
    for pattern in settings["expect_cached"]:
        steps = [step for step in result.steps if pattern in step.instruction]
        expect(bool(steps), f"no build step contains {pattern!r}")
        rebuilt = [f"step {step.number}: {step.instruction}" for step in steps if not step.cached]
        expect(not rebuilt, f"rebuilt instead of cached after a code edit: {'; '.join(rebuilt)}")
    expect(
        len(result.cached_steps) < len(result.steps),
        f"every step was cached: the edit to {settings['edit']} did not reach the image "
        "(is it excluded by .dockerignore?)",
    )
    budget = settings.get("max_seconds")
    expect(
        budget is None or result.seconds <= budget,
        f"rebuild took {result.seconds:.1f} s, budget {budget} s",
    )


def check_graceful_stop(lab: Lab, settings: dict[str, Any]) -> None:
    """A request in flight when ``docker stop`` arrives completes; the exit code is 0."""
    grace = settings.get("grace", DEFAULT_GRACE)
    container, endpoint = lab.start_ready("graceful-stop", env=settings.get("env", {}))
    exchange = settings["exchange"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_flight = pool.submit(contract.send, endpoint, exchange["request"])
        time.sleep(settings.get("stop_after", DEFAULT_STOP_AFTER))
        expect(not in_flight.done(), "the request finished before the stop; raise the delay")
        started = time.monotonic()
        container.stop(timeout=grace)
        stop_seconds = time.monotonic() - started
        answer = in_flight.result()
    exit_code = container.wait(timeout=grace)["StatusCode"]
    found = contract.problems(exchange["expect"], answer)
    expect(not found, f"in-flight request during stop: {'; '.join(found)}")
    expect(
        exit_code == 0,
        f"exit code {exit_code} after docker stop (137 means killed after the {grace} s grace)",
    )
    expect(stop_seconds < grace, f"stop took {stop_seconds:.1f} s, grace is {grace} s")


def check_arbitrary_uid(lab: Lab, settings: dict[str, Any]) -> None:
    """The image serves the exchange when run as an arbitrary non-root uid."""
    container, endpoint = lab.start_ready("arbitrary-uid", user=settings["user"])
    uid = int(settings["user"].split(":")[0])
    running_as = inside.pid1_uid(inside.host_for(container.id))
    expect(running_as == uid, f"PID 1 runs as uid {running_as}, expected {uid}")
    contract.check(endpoint, settings["exchange"])
