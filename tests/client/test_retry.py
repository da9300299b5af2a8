import random

import pytest

from intacct_reconcile.client.errors import (
    RateLimitedError,
    SessionExpiredError,
    TransientError,
    ValidationError,
)
from intacct_reconcile.client.retry import RetryPolicy


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def policy(clock: Clock, **kw) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, rng=random.Random(1), **kw)


def failing(times: int, exc: Exception):
    calls = []

    def call(attempt: int):
        calls.append(attempt)
        if len(calls) <= times:
            raise exc
        return "ok"

    return call, calls


def test_transient_failures_are_retried_with_growing_delays():
    clock = Clock()
    call, calls = failing(4, TransientError("502"))
    assert policy(clock, base_delay=1.0, max_delay=100).run(call) == "ok"
    assert calls == [1, 2, 3, 4, 5]
    # full jitter within [cap/2, cap], cap doubling each time
    for n, wait in enumerate(clock.sleeps, start=1):
        cap = 2 ** (n - 1)
        assert cap / 2 <= wait <= cap


def test_attempts_are_bounded():
    clock = Clock()
    call, calls = failing(100, RateLimitedError("429"))
    with pytest.raises(RateLimitedError):
        policy(clock, attempts=6).run(call)
    assert len(calls) == 6
    assert len(clock.sleeps) == 5


def test_total_time_is_bounded():
    clock = Clock()
    call, calls = failing(100, TransientError("503"))
    with pytest.raises(TransientError):
        policy(clock, attempts=50, base_delay=10, max_delay=10, total_time=35).run(call)
    assert clock.now <= 35
    assert len(calls) < 50


def test_business_errors_are_never_retried():
    clock = Clock()
    call, calls = failing(1, ValidationError("bad"))
    with pytest.raises(ValidationError):
        policy(clock).run(call)
    assert calls == [1]
    assert clock.sleeps == []


def test_retry_after_is_respected():
    clock = Clock()
    call, _ = failing(1, RateLimitedError("429", retry_after=7))
    policy(clock, base_delay=0.1).run(call)
    assert clock.sleeps == [7]


def test_expired_session_is_renewed_once_without_waiting():
    clock = Clock()
    renewed = []
    call, _ = failing(1, SessionExpiredError("expired"))
    assert policy(clock).run(call, on_session_expired=lambda: renewed.append(1)) == "ok"
    assert renewed == [1]
    assert clock.sleeps == []


def test_expiring_again_after_renewal_backs_off_and_stays_bounded():
    clock = Clock()
    renewed = []
    call, calls = failing(100, SessionExpiredError("expired"))
    with pytest.raises(SessionExpiredError):
        policy(clock, attempts=3).run(call, on_session_expired=lambda: renewed.append(1))
    assert len(calls) == 4  # one free renewal + 3 attempts
    assert len(clock.sleeps) == 2


def test_without_a_renewer_an_expired_session_is_not_retried():
    call, calls = failing(1, SessionExpiredError("expired"))
    with pytest.raises(SessionExpiredError):
        policy(Clock()).run(call)
    assert calls == [1]
