"""Live reads started while the manifests are still being checked.

`plan` knows which kinds (and which fields) it will read as soon as the manifest files have
parsed; checking and normalising 100,000 objects takes about as long again. The reads are
I/O-bound (Intacct answers in tens to hundreds of milliseconds), so a thread starts them at
that moment and the checks run meanwhile. The result is used only where it covers what the
checked manifests turned out to need (every kind, every field to compare); anything it does
not cover is read again the ordinary way, so a guess from unchecked names can cost time but
never correctness. When the manifests are invalid, the reads' outcome is dropped.

Between two writes, a query asked again (the access review's users, role links and roles,
read already for the plan's own kinds) is answered from the rows the first asking returned
(SharedReads): the same query of the same company, moments apart. A plan never writes; an
apply that reads ahead writes through the same clients, and any call that is not a read makes
the wrapper forget every answer, so what apply reads back after a write is Intacct's.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from intacct_reconcile.connect import open_clients
from intacct_reconcile.settings import Target

if TYPE_CHECKING:
    from intacct_reconcile.kinds.base import Kind
    from intacct_reconcile.types import State

# The kinds, the live reader and the engine's values are imported where first used: an
# apply opens its session through this module before the engine has loaded
# (early_session.py).


class SharedReads:
    """A plan's XML gateway that asks Intacct once per query (everything else is the
    gateway's own): a `read_many` spec already answered in this plan gets copies of the rows
    returned then, also when it asks for fewer plain fields of the same object, filter and
    method (the rows cut down to those fields, in their order). Any other call of the
    gateway's that is not a plain read (a write, `call`, an entity's gateway) forgets every
    answer first: after it, Intacct may hold something else."""

    # the gateway's methods that only read (anything else may write)
    READS_ONLY = frozenset({"get_applications", "get_companyprefs", "get_user_permissions"})
    # gateways of their own (an entity's, another user's): their writes are not seen here, so
    # once one is handed out nothing is shared any more
    OTHER_GATEWAYS = frozenset({"entity", "signed_in_as"})

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        self._lock = threading.Lock()
        self._answered: list[tuple[Any, list[dict[str, Any]]]] = []
        self._sharing = True

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._gateway, name)
        if not callable(value) or name in self.READS_ONLY:
            return value
        stop = name in self.OTHER_GATEWAYS

        def forgetting(*args: Any, **kwargs: Any) -> Any:
            self.forget(stop_sharing=stop)
            return value(*args, **kwargs)

        return forgetting

    def forget(self, *, stop_sharing: bool = False) -> None:
        """Answer nothing from earlier answers until asked again (`stop_sharing`: ever)."""
        with self._lock:
            self._answered.clear()
            self._sharing = self._sharing and not stop_sharing

    def _from_earlier(self, spec: Any) -> list[dict[str, Any]] | None:
        fields = list(spec.fields)
        for earlier, rows in self._answered:
            if (earlier.object, repr(earlier.filter), earlier.method) != (
                spec.object,
                repr(spec.filter),
                spec.method,
            ):
                continue
            if list(earlier.fields) == fields:
                return _through_row(spec, [dict(row) for row in rows])
            plain = all("." not in f and f != "*" for f in fields)
            if plain and "*" not in earlier.fields and set(fields) <= set(earlier.fields):
                return _through_row(spec, [{f: row[f] for f in fields if f in row} for row in rows])
        return None

    def read_many(self, reads: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        missing = []
        with self._lock:
            for spec in reads:
                rows = self._from_earlier(spec)
                if rows is None:
                    missing.append(spec)
                else:
                    out[spec.key] = rows
        if missing:
            read = self._gateway.read_many(missing)
            with self._lock:
                for spec in missing:
                    # only records as parsed are kept: a read with a `row` function got them
                    # turned into something else (Resources) page by page
                    if self._sharing and spec.key in read and spec.row is None:
                        # kept as copies: the caller's readers may change the rows they get
                        self._answered.append((spec, [dict(row) for row in read[spec.key]]))
            out.update(read)
        return out

    def read_all(
        self, object: str, fields: Sequence[str], filter: Any = None
    ) -> list[dict[str, Any]]:
        from intacct_reconcile.client.gateway import ReadSpec

        return self.read_many([ReadSpec(object, fields, filter)])[object]


def _through_row(spec: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """The rows as the gateway answers `spec`: through its `row` function when it names one."""
    return rows if spec.row is None else [spec.row(row) for row in rows]


class ReadAhead:
    """Opens the target's clients and reads live state on a thread of its own."""

    def __init__(
        self,
        target: Target,
        progress: Any,
        only_kinds: Sequence[str],
        stack: ExitStack,
        *,
        share_reads: bool = False,
    ) -> None:
        self.target, self.progress, self.only_kinds, self.stack = (
            target,
            progress,
            only_kinds,
            stack,
        )
        # only a plan shares repeated reads: an apply also writes, over REST too, which the
        # XML gateway's wrapper never sees
        self.share_reads = share_reads
        self._clients: Any = None
        self._open_error: BaseException | None = None
        self._open_lock = threading.Lock()  # the reads' thread and clients() open them once
        self.fields: dict[str, frozenset[str]] = {}
        self._thread: threading.Thread | None = None
        self._signing: threading.Thread | None = None
        self._sign_in_error: BaseException | None = None
        self._live: State | None = None
        self._error: BaseException | None = None

    def start(self, names: Mapping[str, set[str]]) -> None:
        """The manifests parsed: `names` are the field names each kind's objects use."""
        from intacct_reconcile.kinds import REGISTRY

        kinds = [
            k for k in names if k in REGISTRY and (not self.only_kinds or k in self.only_kinds)
        ]
        if not kinds:
            return
        self.fields = {k: _fields(REGISTRY[k], names[k]) for k in kinds}
        # the clients open on the reads' thread too: the checks go on meanwhile
        self._thread = threading.Thread(
            target=self._read, args=(kinds,), name="intacct-read-ahead", daemon=True
        )
        self._thread.start()

    def sign_in(self) -> None:
        """Open the clients and the API session on a thread of their own now: the session
        needs only the target, so it is under way while the manifests load and parse (an
        apply's first request no longer waits for them). Its error is raised by the reads,
        or by `clients()` when nothing is read ahead."""
        # opened here, not on the thread: opening is CPU work (loading the HTTP transport)
        # that would only share the interpreter lock with the manifests' parsing; the
        # session's request is the waiting that overlaps it
        clients = self._open()
        if clients is None:
            return  # the error is raised by clients()
        self._signing = threading.Thread(
            target=self._sign_in, args=(clients.xml,), name="intacct-sign-in", daemon=True
        )
        self._signing.start()

    def _sign_in(self, gateway: Any) -> None:
        try:
            gateway.sign_in()
        except BaseException as exc:
            self._sign_in_error = exc

    def _signed_in(self) -> BaseException | None:
        """Wait for an early sign-in; its error, if it failed (never tried twice: a wrong
        password is not sent again)."""
        if self._signing is not None:
            self._signing.join()
        return self._sign_in_error

    def _open(self) -> Any:
        """The clients, opened once; an error opening them (credentials) is kept and raised
        by `clients()`, after the manifests' own problems have had their say."""
        with self._open_lock:
            return self._open_once()

    def _open_once(self) -> Any:
        if self._clients is None and self._open_error is None:
            try:
                clients = self.stack.enter_context(
                    open_clients(self.target, progress=self.progress)
                )
                self._clients = (
                    dataclasses.replace(clients, xml=SharedReads(clients.xml))
                    if self.share_reads
                    else clients
                )
            except Exception as exc:
                self._open_error = exc
        return self._clients

    def _read(self, kinds: Sequence[str]) -> None:
        try:
            if self._open() is None:
                return  # the error is raised by clients()
            failed = self._signed_in()
            if failed is not None:
                self._error = failed
                return
            from intacct_reconcile.live import read_live

            self.progress.step(f"reading live state: {', '.join(kinds)}")
            self._live = read_live(self._clients, list(self.fields), fields=self.fields)
        except BaseException as exc:  # handed to the main thread by result()
            self._error = exc

    def reads_back(self) -> bool:
        """Are the reads done (or were none started)? Asked by work that only fills the wait."""
        return self._thread is None or not self._thread.is_alive()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._signed_in()

    def clients(self) -> Any:
        """The target's clients (opened now if the reads never started)."""
        clients = self._open()
        if self._open_error is not None:
            raise self._open_error
        if self._thread is None and (failed := self._signed_in()) is not None:
            raise failed  # nothing read ahead: the reads would sign in again
        return clients

    def result(self, kinds: Sequence[str], needed: Mapping[str, frozenset[str]]) -> State:
        """What was read of `kinds` that covers the `needed` fields (the others: not in it).
        The reads' error, if they failed, is raised here."""
        from intacct_reconcile.types import State

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
    from intacct_reconcile.live import fields_to_read

    if kind.hooks.resolve is not None:
        return fields_to_read(kind, (f.name for f in kind.fields))
    return fields_to_read(kind, names)
