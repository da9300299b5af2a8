"""Ctrl-C and SIGTERM: exit codes, and a graceful stop while changes are being written.

Outside an apply's writes, SIGINT raises KeyboardInterrupt (exit 130) and SIGTERM raises
`Terminated` (exit 143), so every `except KeyboardInterrupt` path handles both alike.

While changes are written, `stop_on_signal()` turns the first SIGINT or SIGTERM into a request
to stop: the request in flight gets its answer, nothing new is sent, and the report says
exactly what was applied, what failed and what was never attempted. A second signal stops at
once (the changes in flight are then reported as interrupted: sent, answer unknown).

Signals reach only the main thread. A fleet apply runs its targets in worker threads: it
installs `stop_on_signal()` in the main thread around the whole run, and each target's own
`stop_on_signal()` in a worker shares that request, so the first signal stops every running
target between requests. A fleet's worker processes (fleet_workers.py) ignore signals: the
fleet process relays its request, and `share()` hands it to every thread of the worker.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGINT_EXIT = 130
SIGTERM_EXIT = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM: handled like Ctrl-C, with its own exit code (128 + 15)."""

    exit_code = SIGTERM_EXIT


def exit_code(exc: BaseException) -> int:
    return int(getattr(exc, "exit_code", SIGINT_EXIT))


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def handle_sigterm() -> None:
    """SIGTERM raises Terminated in the main thread (Python's default ends without cleanup)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


class StopRequest:
    """Set by the first signal; read by the applier between requests."""

    def __init__(self) -> None:
        self.signum: int | None = None
        # told the signal as it lands, in the signal handler (a fleet's worker processes:
        # fleet_workers.py); must not take locks
        self.listeners: list[Callable[[int], None]] = []

    def __call__(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return SIGTERM_EXIT if self.signum == signal.SIGTERM else SIGINT_EXIT


# the request installed by the main thread, shared with worker threads while it is installed
_installed: StopRequest | None = None


def share(request: StopRequest) -> None:
    """In a fleet's worker process (no signal handlers of its own): every thread's
    `stop_on_signal()` answers with `request`, the fleet process's request relayed."""
    global _installed
    _installed = request


@contextmanager
def stop_on_signal(announce: Callable[[str], None]) -> Iterator[StopRequest]:
    """Inside: the first SIGINT/SIGTERM asks to stop, the second interrupts at once. In a
    worker thread: the main thread's request when one is installed (nothing to install)."""
    global _installed
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield _installed or request
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if request.signum is not None:
            raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        request.signum = signum
        for listener in list(request.listeners):
            listener(signum)
        announce(
            "stopping: waiting for the answer to the request in flight, sending nothing more "
            "(press Ctrl-C again to stop at once)"
        )

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, on_signal)
    outer, _installed = _installed, request
    try:
        yield request
    finally:
        _installed = outer
        for signum, handler in previous.items():
            signal.signal(signum, handler)
