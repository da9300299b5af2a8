"""Total deadlines: for each request (default 120 s) and, when asked, for the whole run.

httpx's timeouts bound each socket operation, so a server that trickles a byte every few
seconds, or stalls between reads, could hold a request for as long as it likes. Here every
socket operation of a request is given only the time left before its deadline: the
`timeout` request extension is a mapping that httpcore reads before each connect, write and
read, and `RequestTimeouts` answers with the time remaining and raises `DeadlineReached` once
none is left. A trickle therefore ends at the deadline, whatever its pace.

The limits are process-wide (set by the CLI for one command with `limits(...)`) because the
page-fetching threads of both clients share them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

DEFAULT_REQUEST_SECONDS = 120.0
_MIN_SOCKET_TIMEOUT = 0.001  # a socket timeout of 0 would mean "non-blocking"


class DeadlineReached(Exception):
    """Raised inside the HTTP stack when a request's time is up (turned into an IntacctError)."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(limit.describe())
        self.limit = limit


@dataclass(frozen=True)
class Limit:
    """A point in time (monotonic clock) and what set it."""

    at: float
    seconds: float
    whole_run: bool

    def describe(self) -> str:
        if self.whole_run:
            return f"the run's time limit of {self.seconds:g} s (--timeout) ran out"
        return f"no complete answer within {self.seconds:g} s (--request-timeout)"


@dataclass(frozen=True)
class _Settings:
    """The limits in force for the process: each request's length in seconds, and the run's
    limit (None: no run limit)."""

    request_seconds: float = DEFAULT_REQUEST_SECONDS
    run: Limit | None = None


_lock = threading.Lock()
_settings = _Settings()
clock = time.monotonic


@contextmanager
def limits(*, request: float | None = None, run: float | None = None) -> Iterator[None]:
    """Within the block, each request ends after `request` seconds (default 120) and every
    request ends once `run` seconds have passed since the block began (None: no run limit)."""
    global _settings
    for name, value in (("request", request), ("run", run)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} timeout must be a positive number of seconds")
    with _lock:
        previous = _settings
        run_limit = Limit(clock() + run, run, whole_run=True) if run is not None else None
        _settings = _Settings(request or DEFAULT_REQUEST_SECONDS, run_limit)
    try:
        yield
    finally:
        with _lock:
            _settings = previous


def current() -> Any:
    """The limits in force, to hand to another process (a fleet's workers: fleet_workers.py).
    A run's limit is a point on the monotonic clock, which on Linux is one clock for every
    process of the machine (CLOCK_MONOTONIC), so it ends there when it ends here."""
    with _lock:
        return _settings


def adopt(settings: Any) -> None:
    """In a fleet's worker process: the fleet process's limits, for the whole process."""
    global _settings
    if not isinstance(settings, _Settings):
        raise TypeError(f"not deadline settings: {settings!r}")
    with _lock:
        _settings = settings


def start_request() -> Limit:
    """The deadline of a request starting now: its own, or the run's if that comes first."""
    with _lock:
        settings = _settings
    own = Limit(clock() + settings.request_seconds, settings.request_seconds, whole_run=False)
    run = settings.run
    return run if run is not None and run.at <= own.at else own


def check_run() -> None:
    """Raise DeadlineReached if the run's time limit has passed."""
    run = _settings.run
    if run is not None and clock() >= run.at:
        raise DeadlineReached(run)


def run_remaining() -> float | None:
    """Seconds left for the run (None: no run limit)."""
    run = _settings.run
    return None if run is None else run.at - clock()


class RequestTimeouts(dict[str, Any]):
    """httpx/httpcore's per-operation timeouts, each cut to the time left before `limit`."""

    def __init__(self, base: dict[str, float | None], limit: Limit) -> None:
        super().__init__(base)
        self.limit = limit
        # the last operation's timeout was the deadline itself (not the configured one): its
        # timing out means the deadline was reached
        self.cut_short = False

    def get(self, key: str, default: Any = None) -> Any:
        left = self.limit.at - clock()
        if left <= 0:
            raise DeadlineReached(self.limit)
        configured = super().get(key, default)
        self.cut_short = configured is None or left <= configured
        return max(_MIN_SOCKET_TIMEOUT, left if self.cut_short else configured)

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def left(self) -> float:
        return max(0.0, self.limit.at - clock())

    def check(self) -> None:
        """Raise DeadlineReached once the deadline has passed (between body chunks)."""
        if clock() >= self.limit.at:
            raise DeadlineReached(self.limit)
