"""Progress on stderr: a rich progress bar on a terminal, plain lines otherwise.

The clients report progress through a callback (pages read, records written); `Progress` is
that callback. Events are read by attribute name so the reporter does not depend on the exact
event class: `phase` ("read" / "write" / ...), `object` (XML object or REST path), `done`
and `total` (records, total may be unknown). Anything else is shown as its `str()`.
Results never go here: stdout stays clean for plans and reports.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

ProgressCallback = Callable[[Any], None]


def _field(event: Any, *names: str) -> Any:
    for name in names:
        if isinstance(event, dict) and name in event:
            return event[name]
        value = getattr(event, name, None)
        if value is not None:
            return value
    return None


class Progress:
    """Context manager and client progress callback."""

    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool = True, console: Console | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._console = console
        self._tty = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        # a dumb terminal cannot move the cursor: plain lines there too
        if self._tty and console is not None and console.is_dumb_terminal:
            self._tty = False
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._last_plain: dict[str, int] = {}

    def __enter__(self) -> Progress:
        self._start()
        return self

    def _start(self) -> None:
        if self._tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self._console or Console(file=self.stream),
                transient=True,
            )
            self._tasks = {}
            self._bar.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()  # transient: the bar is erased, lines printed above it stay
            self._bar = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No live display inside: nothing redraws the terminal while a question waits."""
        live = self._bar is not None
        self._stop()
        try:
            yield
        finally:
            if live:
                self._start()

    def step(self, message: str) -> None:
        """A one-off line (e.g. "reading live state")."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
            self._bar.refresh()  # flush the line above the bar before it redraws
        else:
            print(message, file=self.stream, flush=True)

    def __call__(self, event: Any) -> None:
        if not self.enabled:
            return
        phase = _field(event, "phase", "action", "kind") or "progress"
        obj = _field(event, "object", "path", "name") or ""
        done = _field(event, "done", "count", "records")
        total = _field(event, "total", "totalcount")
        label = f"{phase} {obj}".strip()
        if not isinstance(done, int):
            self.step(f"{label}: {event}")
            return
        if self._bar is not None:
            task = self._tasks.get(label)
            if task is None:
                task = self._tasks[label] = self._bar.add_task(
                    label, total=total if isinstance(total, int) else None
                )
            if isinstance(total, int):
                self._bar.update(task, total=total)
            self._bar.update(task, completed=done)
            return
        if self._last_plain.get(label) == done:
            return
        self._last_plain[label] = done
        of = f"/{total}" if isinstance(total, int) else ""
        print(f"{label}: {done}{of}", file=self.stream, flush=True)
