"""Checking many Dockerfiles on every core, with the output of a serial run.

A tree of a few hundred Dockerfiles is checked in worker processes forked after the rule
pack is loaded, so a worker starts with everything imported and costs one ``fork``; the
targets and the configuration reach it through the fork, and only its results come back
(pickled, through a pipe). Each worker reads all its slices of the targets first, so
rules' batch steps run once per worker (ShellCheck: one process per worker for all the
scripts of its files), then checks them; the slices' results
are joined in target order and the findings sorted as :func:`~dlint.engine.check_targets`
sorts them, so the report is byte for byte the serial one. Workers ignore Ctrl-C: the
parent kills and reaps them and reports the interrupt once.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from dlint.config import Config
from dlint.engine import Result, Target, check_groups, check_targets
from dlint.finding import Finding

ConfigFor = Callable[[Target], Config]

# Below this many Dockerfiles a serial run is faster than starting workers.
MIN_TARGETS = 16
# Slices per worker: small enough to balance uneven files, large enough to be cheap.
SLICES_PER_WORKER = 8


def workers(count: int) -> int:
    """How many processes to check ``count`` targets with (1: check them here)."""
    if count < MIN_TARGETS or not hasattr(os, "fork") or not hasattr(signal, "pthread_sigmask"):
        return 1
    if os.environ.get("DLINT_JOBS", "").isdigit():
        return max(1, int(os.environ["DLINT_JOBS"]))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, count // (MIN_TARGETS // 2)))


def check_all(targets: Sequence[Target], config_for: ConfigFor) -> Result:
    """:func:`~dlint.engine.check_targets` over ``targets``, in worker processes if many."""
    jobs = workers(len(targets))
    if jobs == 1:
        return check_targets(targets, config_for)
    import pickle  # only a run with workers needs it

    size = max(1, -(-len(targets) // (jobs * SLICES_PER_WORKER)))
    slices = [(start, min(start + size, len(targets))) for start in range(0, len(targets), size)]
    # Worker n takes slices n, n + jobs, n + 2 * jobs...: uneven folders spread over all.
    shares = [list(range(n, len(slices), jobs)) for n in range(jobs)]
    parts: dict[int, Result] = {}
    running: dict[int, int] = {}  # pid -> the pipe its results come through
    previous = _on_sigterm(_terminated)
    try:
        for share in shares:
            # Ctrl-C waits until the new worker is on the list of those to stop.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                pid, pipe = _fork(targets, config_for, [slices[i] for i in share])
                running[pid] = pipe
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        for (pid, pipe), share in zip(list(running.items()), shares, strict=True):
            with os.fdopen(pipe, "rb") as reader:
                try:
                    outcome = pickle.load(reader)
                except EOFError:
                    outcome = RuntimeError("a worker process ended without its results")
            os.waitpid(pid, 0)
            del running[pid]
            if isinstance(outcome, BaseException):
                raise outcome
            parts.update(zip(share, outcome, strict=True))
    finally:
        for pid, pipe in running.items():
            _stop(pid)
            with contextlib.suppress(OSError):
                os.close(pipe)
        if previous is not None:
            _on_sigterm(previous)
    return merge([parts[i] for i in range(len(slices))])


def _fork(
    targets: Sequence[Target], config_for: ConfigFor, slices: list[tuple[int, int]]
) -> tuple[int, int]:
    """Start a worker that checks ``slices`` of ``targets``; its pid and result pipe."""
    import pickle

    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        with contextlib.suppress(OSError):  # the child may have done it already
            os.setpgid(pid, pid)
        return pid, reader
    # A group of its own: stopping the worker stops the ShellCheck it may be running.
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    os.close(reader)
    code = 0
    try:
        # All the worker's slices at once: a rule's batch step (ShellCheck) runs once here.
        outcome: object = check_groups([targets[a:b] for a, b in slices], config_for)
    except BaseException as error:  # handed to the parent, which raises it
        outcome, code = error, 1
    try:
        with os.fdopen(writer, "wb") as out:
            pickle.dump(outcome, out)
    finally:
        # Never return into the parent's code, nor flush the parent's buffered output.
        os._exit(code)


def _stop(pid: int) -> None:
    """End a worker (and its ShellCheck) that is no longer wanted, and reap it."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


def merge(parts: Sequence[Result]) -> Result:
    """One result from the results of consecutive slices, as one serial run would give."""
    result = Result()
    for part in parts:
        result.findings.extend(part.findings)
        result.files.extend(part.files)
        result.errors.extend(part.errors)
        result.failing += part.failing
    result.findings.sort(key=Finding.sort_key)
    return result


SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def _on_sigterm(handler: SignalHandler) -> SignalHandler:
    """Install ``handler`` for SIGTERM and return the one before (main thread only)."""
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals are the main thread's business
        return None


def _terminated(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM (CI cancelling a job) while workers run: stop them, exit 128 + 15."""
    raise SystemExit(128 + signum)
