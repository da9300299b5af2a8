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
from collections.abc import Iterator
from contextlib import contextmanager

from intacct_reconcile.sharedhold import SharedHold

PROMPT_S = 0.0005


def _shorten() -> float:
    before = sys.getswitchinterval()
    sys.setswitchinterval(PROMPT_S)
    return before


# nested or concurrent holders put the interval back once, when the last one leaves
_PROMPT = SharedHold(_shorten, sys.setswitchinterval)


@contextmanager
def network_first() -> Iterator[None]:
    with _PROMPT.held():
        yield
