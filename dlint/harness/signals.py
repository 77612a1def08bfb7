"""Ctrl-C, SIGTERM and SIGHUP during ``dlint test``: stop once, always clean up.

The first of these signals stops the run the way Ctrl-C does (as a KeyboardInterrupt,
which pytest turns into teardown, so the fixtures remove what they created). Every later
one is ignored with a note: it would only interrupt the cleanup and leave containers and
images behind. While ``shielded()`` runs (the cleanup itself), even the first signal is
held back until the block ends. The exit code is 128 + the signal number: 130 for
SIGINT, 143 for SIGTERM, 129 for SIGHUP. After a stopping signal the handlers are not put
back: the process is on its way out, and more signals are ignored until it exits.
"""

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _State:
    """What has been received, and whether the handlers are ours."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.installed = False
        self.shields = 0
        self.noted = False


_state = _State()


def received() -> int | None:
    """The first stopping signal received during ``handling()``, or None."""
    return _state.received


def exit_code(signum: int) -> int:
    """The shell's convention for a process stopped by ``signum``."""
    return 128 + signum


def _note() -> None:
    if not _state.noted:
        _state.noted = True
        print("dlint: stopping; cleaning up first, please wait", file=sys.stderr, flush=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _state.received is not None:
        _note()
        return
    _state.received = signum
    if _state.shields:
        _note()
        return
    raise KeyboardInterrupt


@contextmanager
def handling() -> Iterator[None]:
    """Handle the stopping signals as described above for the duration of the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _on_signal) for signum in STOPPING}
    _state.received, _state.installed, _state.noted = None, True, False
    try:
        yield
    finally:
        # Once stopped, the run only reports and exits: a signal repeated in that moment
        # (CI sends SIGTERM again and again) must not kill it with the default action
        # after cleanup and before the documented exit code.
        stopping = _state.received is not None
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if stopping else handler)
        _state.installed = False


@contextmanager
def shielded() -> Iterator[None]:
    """Hold back stopping signals while the block runs (a short, bounded cleanup).

    Under ``dlint test`` the signal is remembered and decides the exit code. Under a
    plain pytest run (the plugin used directly) it is delivered again once the block
    ends, to whatever handler pytest or the user had.
    """
    main = threading.current_thread() is threading.main_thread()
    if _state.installed or not main:
        _state.shields += 1
        try:
            yield
        finally:
            _state.shields -= 1
        return
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda n, _f: held.append(n)) for signum in STOPPING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if held:
            signal.raise_signal(held[0])
