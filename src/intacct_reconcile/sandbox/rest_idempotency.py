"""``Idempotency-Key`` on REST writes.

Sage's error-handling guide lists 409 Conflict for idempotency-key conflicts (reference §5);
FYR sends the header on ``post(data, idempotent_key=...)``. A key names one request:

- the same key with a different request (method, path or payload) answers 409 and writes
  nothing — a second create with a new id under a used key is refused;
- the same key with the same request is a retry: it answers what the first one answered and
  writes nothing again;
- a request that failed gives its key back, so the corrected request may use it;
- while a request runs its key is taken: a concurrent one with the same key answers 409.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from intacct_reconcile.sandbox.rest_errors import RestError

Response = tuple[str, list[tuple[str, str]], bytes]


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


@dataclass
class _Use:
    """One use of an idempotency key: the request it was given for, and that request's answer."""

    request: str  # digest of method, path and payload
    answer: Response | None = None  # None while the request runs


def request_digest(method: str, path: str, payload: bytes) -> str:
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), payload))).hexdigest()


class IdempotencyKeys:
    """Keys of writes that succeeded (or are running); thread-safe."""

    def __init__(self) -> None:
        # assumption: keys are remembered for the life of the serving process (the real
        # retention window is not documented)
        self._uses: dict[str, _Use] = {}
        self._lock = threading.Lock()

    def run(self, key: str | None, request: str, write: Callable[[], Response]) -> Response:
        """`write()` under `key` (see the module docstring); without a key, just `write()`."""
        if not key:
            return write()
        with self._lock:
            use = self._uses.get(key)
            if use is not None:
                # assumption: a retry of the same request is answered, not refused (the guide
                # names only the conflict)
                if use.request == request and use.answer is not None:
                    return use.answer
                raise key_reused(key)
            use = self._uses[key] = _Use(request)
        try:
            answer = write()
        except BaseException:
            with self._lock:
                del self._uses[key]
            raise
        with self._lock:
            use.answer = answer
        return answer
