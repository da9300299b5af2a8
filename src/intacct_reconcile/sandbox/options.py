"""Knobs of one sandbox instance (realism for benchmarks and chaos tests, session length)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxOptions:
    """How realistic the sandbox is: latency, server work, concurrency limit, injected faults,
    request log and session lifetime."""

    latency_ms: float = 0  # added to every request
    # server work on top of the flat latency (realism.processing_seconds): per function a
    # request carries, per record it sends or returns; the sandbox's own time answering
    # counts towards it (a request takes the longer of the two)
    function_ms: float = 0
    record_ms: float = 0
    concurrency: int = 2  # requests in flight per company before 429 / GW-0010
    queue_wait_s: float = 2.0  # how long an excess request waits for a slot first
    fault_rate: float = 0.0  # share of requests failing transiently (5xx, drops, expiry)
    seed: int | None = None  # makes fault injection reproducible
    log_path: str | None = None  # JSON-lines request log
    session_minutes: int = 120  # getAPISession lifetime, reset by every call that uses it
