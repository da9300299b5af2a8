"""An apply's API session, asked for before the engine has loaded.

The session needs only the config and the target. Loading the engine (every kind, the
planner, the renderers, the applier) takes about as long as the session's round trip, so
`apply` resolves its target, opens its clients and sends the session request first (on a
thread of its own: ReadAhead.sign_in), then loads the engine and the manifests while the
request is on the wire. The reads start once both are done.

What would stop an apply before it signs in (a saved plan file, which is checked against live
state its own way; a config that does not load) is left to the engine, which reports it in
its usual order: `start` then returns None, having sent nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intacct_reconcile.connect import warm_tls
from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.readahead import ReadAhead
from intacct_reconcile.run_context import Context, is_plan_file, resolve_context


class LateProgress:
    """The progress callback of clients opened before the verb's progress display exists:
    what they report before `attach` is held, then shown there in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: Any = None
        self._held: list[Callable[[Any], None]] = []

    def __call__(self, event: Any) -> None:
        self._tell(lambda progress: progress(event))

    def step(self, message: str) -> None:
        self._tell(lambda progress: progress.step(message))

    def _tell(self, say: Callable[[Any], None]) -> None:
        with self._lock:  # held while saying it: the held lines cannot be overtaken
            if self._progress is None:
                self._held.append(say)
            else:
                say(self._progress)

    def attach(self, progress: Any) -> None:
        with self._lock:
            self._progress = progress
            held, self._held = self._held, []
            for say in held:
                say(progress)


@dataclass
class EarlyApply:
    """A target resolved and signing in; its clients close with `stack`."""

    context: Context
    ahead: ReadAhead
    progress: LateProgress
    stack: ExitStack = field(default_factory=ExitStack)

    def reads_for(self, progress: Any, only_kinds: tuple[str, ...] | list[str]) -> ReadAhead:
        """The read-ahead, reporting to the verb's `progress` from now on."""
        self.progress.attach(progress)
        self.ahead.only_kinds = only_kinds
        return self.ahead


def start(
    path: Path,
    *,
    config: Path | None,
    target: str | None,
    concurrency: int | None,
    sandbox: bool,
) -> EarlyApply | None:
    """Resolve the target of `apply PATH` and start signing in; None when the engine must
    have its say first (see the module's note)."""
    try:
        if is_plan_file(path):
            return None
        context = resolve_context(path, config, target, concurrency, sandbox=sandbox)
    except (ReconcileError, OSError):
        return None  # raised again, in order, by workflow.apply
    warm_tls(context.target)
    progress = LateProgress()
    stack = ExitStack()
    ahead = ReadAhead(context.target, progress, (), stack)
    ahead.sign_in()
    return EarlyApply(context, ahead, progress, stack)
