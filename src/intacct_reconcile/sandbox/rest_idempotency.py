"""``Idempotency-Key`` on REST writes: a key already used answers 409 Conflict.

Sage's error-handling guide lists 409 for "idempotency/unique key" conflicts (reference §5);
FYR sends the header on ``post(data, idempotent_key=...)``. A key is reserved while its
request runs, so two concurrent requests with one key cannot both write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from intacct_reconcile.sandbox.rest_errors import RestError


def key_reused(key: str) -> RestError:
    # assumption: errorId and messageId of a reused key (the guide gives only the status)
    return RestError(
        409,
        "conflict",
        f"The Idempotency-Key '{key}' was already used for another request",
        "REST-1409",
        "IA.IDEMPOTENCY_KEY_ALREADY_USED",
        {"KEY": key},
    )


class IdempotencyKeys:
    """Keys of writes that succeeded (or are running); thread-safe."""

    def __init__(self) -> None:
        # assumption: keys are remembered for the life of the serving process (the real
        # retention window is not documented)
        self._used: set[str] = set()
        self._lock = threading.Lock()

    @contextmanager
    def claim(self, key: str | None) -> Iterator[None]:
        """Run one write under `key`; raises 409 if the key was used. A write that fails
        gives its key back, so the client may retry it with the same key."""
        if not key:
            yield
            return
        with self._lock:
            if key in self._used:
                raise key_reused(key)
            self._used.add(key)
        try:
            yield
        except BaseException:
            with self._lock:
                self._used.discard(key)
            raise
