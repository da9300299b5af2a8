"""A process-wide setting changed by the first of nested or concurrent holders and put back
by the last (the garbage collector paused, the interpreter's switch interval)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class SharedHold:
    """`take()` when the first holder enters (what it returns is kept), `give_back(kept)`
    when the last one leaves, whichever threads they are on."""

    def __init__(self, take: Callable[[], Any], give_back: Callable[[Any], None]) -> None:
        self._take, self._give_back = take, give_back
        self._lock = threading.Lock()
        self._depth = 0
        self._kept: Any = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._kept = self._take()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._give_back(self._kept)
