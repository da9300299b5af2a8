"""Retries with exponential backoff and full jitter, bounded in attempts and total time.

Only TransientError (HTTP 429/GW-0010, 5xx except 524, dropped connections, service off-line)
and SessionExpiredError (after the caller drops the session) are retried; business errors
never are. Sleep, clock and randomness are injectable so tests do not wait.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from intacct_reconcile.client import deadline
from intacct_reconcile.client.errors import IntacctError, SessionExpiredError, TransientError

T = TypeVar("T")
log = logging.getLogger("intacct_reconcile.client")


@dataclass(frozen=True)
class RetryPolicy:
    """How a failed request is retried: attempts, backoff delays and a time budget, with sleep,
    clock and randomness injectable."""

    attempts: int = 6  # total tries, including the first
    base_delay: float = 0.25
    max_delay: float = 20.0
    total_time: float = 300.0  # give up once this much time has passed since the first try
    session_refreshes: int = 1  # an expired session is renewed and retried this many times
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, error: IntacctError) -> float:
        """Seconds to wait before try `attempt + 1` (attempt counts from 1)."""
        retry_after = getattr(error, "retry_after", None)
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        jittered = self.rng.uniform(cap / 2, cap)
        return max(jittered, min(retry_after, self.max_delay)) if retry_after else jittered

    def run(
        self,
        call: Callable[[int], T],
        *,
        on_session_expired: Callable[[], None] | None = None,
        what: str = "request",
    ) -> T:
        """Run `call(attempt)` until it succeeds or the failure is not worth retrying."""
        started = self.clock()
        free_refreshes = self.session_refreshes
        attempt = 1
        while True:
            try:
                return call(attempt)
            except SessionExpiredError as exc:
                if on_session_expired is None:
                    raise
                on_session_expired()
                if free_refreshes > 0:
                    free_refreshes -= 1
                    log.info("%s: session expired; renewed it and retrying", what)
                    continue
                # expiring again right after a renewal: back off like any transient failure
                self._wait_or_raise(exc, attempt, started, what)
            except TransientError as exc:
                self._wait_or_raise(exc, attempt, started, what)
            attempt += 1

    def _wait_or_raise(self, exc: IntacctError, attempt: int, started: float, what: str) -> None:
        wait = self.delay(attempt, exc)
        if attempt >= self.attempts or self.clock() - started + wait > self.total_time:
            raise exc
        run_left = deadline.run_remaining()
        if run_left is not None and wait >= run_left:
            raise exc  # the run's --timeout would pass while waiting: fail now, not later
        log.info(
            "%s: attempt %d failed (%s); retrying in %.2fs", what, attempt, type(exc).__name__, wait
        )
        self.sleep(wait)


NO_RETRY = RetryPolicy(attempts=1, session_refreshes=0)
