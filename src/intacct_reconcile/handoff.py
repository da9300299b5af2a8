"""Hand the interpreter to threads waiting on the network promptly.

An apply computes on its main thread (loading the engine and the manifests, planning,
journaling) while other threads send requests and read answers. A thread waiting for the
interpreter lock gets it only when the running one blocks, or after the switch interval
(5 ms by default): a request ready to leave, or an answer ready to be read, waited up to that
long each time, several times per request. With a shorter interval the waiting thread runs
within half a millisecond; the main thread's computing is hardly slowed (a switch happens
only when another thread asks for the lock).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PROMPT_S = 0.0005


class _Prompt:
    """Nested or concurrent holders restore the interval once, when the last one leaves."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.before = 0.0


_PROMPT = _Prompt()


@contextmanager
def network_first() -> Iterator[None]:
    with _PROMPT.lock:
        if _PROMPT.depth == 0:
            _PROMPT.before = sys.getswitchinterval()
            sys.setswitchinterval(PROMPT_S)
        _PROMPT.depth += 1
    try:
        yield
    finally:
        with _PROMPT.lock:
            _PROMPT.depth -= 1
            if _PROMPT.depth == 0:
                sys.setswitchinterval(_PROMPT.before)
