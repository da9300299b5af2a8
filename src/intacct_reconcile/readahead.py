"""Live reads started while the manifests are still being checked.

`plan` knows which kinds (and which fields) it will read as soon as the manifest files have
parsed; checking and normalising 100,000 objects takes about as long again. The reads are
I/O-bound (Intacct answers in tens to hundreds of milliseconds), so a thread starts them at
that moment and the checks run meanwhile. The result is used only where it covers what the
checked manifests turned out to need (every kind, every field to compare); anything it does
not cover is read again the ordinary way, so a guess from unchecked names can cost time but
never correctness. When the manifests are invalid, the reads' outcome is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from intacct_reconcile.connect import open_clients
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.live import fields_to_read, read_live
from intacct_reconcile.settings import Target
from intacct_reconcile.types import State


class ReadAhead:
    """Opens the target's clients and reads live state on a thread of its own."""

    def __init__(
        self, target: Target, progress: Any, only_kinds: Sequence[str], stack: ExitStack
    ) -> None:
        self.target, self.progress, self.only_kinds, self.stack = (
            target,
            progress,
            only_kinds,
            stack,
        )
        self._clients: Any = None
        self._open_error: BaseException | None = None
        self.fields: dict[str, frozenset[str]] = {}
        self._thread: threading.Thread | None = None
        self._live: State | None = None
        self._error: BaseException | None = None

    def start(self, names: Mapping[str, set[str]]) -> None:
        """The manifests parsed: `names` are the field names each kind's objects use."""
        kinds = [
            k for k in names if k in REGISTRY and (not self.only_kinds or k in self.only_kinds)
        ]
        if not kinds or self._open() is None:
            return
        self.fields = {k: _fields(REGISTRY[k], names[k]) for k in kinds}
        self.progress.step(f"reading live state: {', '.join(kinds)}")
        self._thread = threading.Thread(target=self._read, name="intacct-read-ahead", daemon=True)
        self._thread.start()

    def _open(self) -> Any:
        """The clients, opened once; an error opening them (credentials) is kept and raised
        by `clients()`, after the manifests' own problems have had their say."""
        if self._clients is None and self._open_error is None:
            try:
                self._clients = self.stack.enter_context(
                    open_clients(self.target, progress=self.progress)
                )
            except Exception as exc:
                self._open_error = exc
        return self._clients

    def _read(self) -> None:
        try:
            self._live = read_live(self._clients, list(self.fields), fields=self.fields)
        except BaseException as exc:  # handed to the main thread by result()
            self._error = exc

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def clients(self) -> Any:
        """The target's clients (opened now if the reads never started)."""
        clients = self._open()
        if self._open_error is not None:
            raise self._open_error
        return clients

    def result(self, kinds: Sequence[str], needed: Mapping[str, frozenset[str]]) -> State:
        """What was read of `kinds` that covers the `needed` fields (the others: not in it).
        The reads' error, if they failed, is raised here."""
        self.join()
        if self._error is not None:
            raise self._error
        if self._live is None:
            return State({})
        return State(
            {
                k: self._live.of(k)
                for k in kinds
                if k in self.fields and needed.get(k, frozenset()) <= self.fields[k]
            }
        )


def _fields(kind: Kind, names: set[str]) -> frozenset[str]:
    """The fields to read of a kind whose objects write `names`. A kind whose checks derive
    values from what is written (a package file's sha256 `digest`) needs fields the names do
    not show: all of its fields are read, or the plan would read it a second time."""
    if kind.hooks.resolve is not None:
        return fields_to_read(kind, (f.name for f in kind.fields))
    return fields_to_read(kind, names)
