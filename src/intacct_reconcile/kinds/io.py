"""How a kind reads and writes Intacct: the protocol the live reader and the applier drive.

Every kind has a reader and a writer (`Kind.reader`, `Kind.writer`). Ordinary kinds get the
general implementation of their API (xml_io, rest_io, manual_io); a kind with its own API calls
(roles, web-services users, journals, custom packages, manual kinds Intacct can report)
subclasses one in its own module, next to its fields.

Reading happens in two steps so that every XML read shares one batched request:
`KindReader.specs` contributes `ReadSpec`s to the one `read_many` call, then `KindReader.read`
turns the records returned under those specs' names into Resources (and makes any further
request of its own, e.g. a REST list). Writing: the applier hands a writer the clients and one
group of changes (several when the writer `batches`); the writer returns one ChangeResult per
change, in order, and raises ReconcileError only when the whole group failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from intacct_reconcile.errors import ConfigError, ReconcileError
from intacct_reconcile.types import NO_SPANS, ChangeResult, Resource

if TYPE_CHECKING:
    from intacct_reconcile.client.gateway import ReadSpec
    from intacct_reconcile.kinds.base import Kind
    from intacct_reconcile.types import Change

# the live reader's logger: skipped live records are reported under it
log = logging.getLogger("intacct_reconcile.live")

# records of the batched XML read, by ReadSpec name
Records = Mapping[str, Sequence[Mapping[str, Any]]]


def never() -> bool:
    return False


STOPPED = "not sent: the apply was stopped (Ctrl-C or SIGTERM) before this change"


@dataclass(frozen=True)
class WriteContext:
    """What a writer needs from the run besides the clients."""

    # idempotency key from the plan checksum and the given parts (stable across re-runs)
    key: Callable[..., str]
    step: Callable[[str], None]  # progress line for the operator
    # true once the operator asked to stop: a writer sending several requests checks it
    # before each one and reports the changes it did not send as not_attempted (STOPPED)
    should_stop: Callable[[], bool] = never


class KindReader:
    """Reads a kind's live objects. Subclasses override what differs."""

    # can Intacct report this kind at all? (UI-only settings cannot be read or exported)
    readable: ClassVar[bool] = True

    def prepare(self, kind: Kind, clients: Any) -> None:
        """Refuse before any request is sent (e.g. missing REST credentials)."""

    def specs(self, kind: Kind) -> list[ReadSpec]:
        """XML reads to add to the one batched `read_many` request."""
        return []

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        """Live objects by key, from the batched records and any request of the reader's own."""
        raise NotImplementedError


class KindWriter:
    """Writes a kind's changes (create, update, deactivate, delete). Manual ones never run."""

    # may consecutive independent changes of one action and entity go to one `write` call?
    batches: ClassVar[bool] = True

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        raise NotImplementedError


# --- shared by the implementations ------------------------------------------------------------


def resource(kind: Kind, record: Mapping[str, Any], meta: Mapping[str, Any]) -> Resource | None:
    """A live record as a Resource, or None (said in the log) when it cannot be read."""
    try:
        key = kind.key_from_api(record)
        values = kind.from_api(record)
    except (ValueError, KeyError) as exc:
        # one odd live record must not stop the plan: it is left out and said so
        log.warning("skipping a live %s record: %s", kind.key, exc)
        return None
    # by position (kind, key, values, source, ensure, field_spans, meta): made for every record
    return Resource(kind.key, key, values, None, "present", NO_SPANS, dict(meta))


def entity_of(change: Change) -> str:
    """The entity a change's object lives in ("" = top level)."""
    return str((change.desired or {}).get("entity") or "")


def gateway_for(clients: Any, change: Change) -> Any:
    """The XML gateway, scoped to the change's entity when it has one."""
    entity = entity_of(change)
    return clients.xml.entity(entity) if entity else clients.xml


def guarded(change: Change, action: Callable[[], None]) -> ChangeResult:
    """Run one change's write; a refusal is that change's failure, not the run's."""
    try:
        action()
    except ReconcileError as exc:
        return ChangeResult(change, "failed", str(exc))
    return ChangeResult(change, "applied")


def need_rest(clients: Any, kind: Kind) -> Any:
    """The REST client, or a ConfigError before any request when the target has none."""
    rest = clients.rest
    if rest is None:
        raise ConfigError(
            f"the manifests declare {kind.key}, which only the REST API can write, but "
            f"target {clients.target.name!r} has no REST credentials — set "
            "INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET"
        )
    return rest


def concurrency(clients: Any) -> int:
    """The target's concurrent request limit (2, Intacct's standard, when unknown)."""
    return max(1, int(getattr(getattr(clients, "target", None), "concurrency", 2) or 2))


def general_io(api: str) -> tuple[KindReader, KindWriter]:
    """The general reader and writer of an API (what a kind uses unless it brings its own)."""
    from intacct_reconcile.kinds.manual_io import ManualReader, ManualWriter
    from intacct_reconcile.kinds.rest_io import RestReader, RestWriter
    from intacct_reconcile.kinds.xml_io import XmlReader, XmlWriter

    if api == "xml":
        return XmlReader(), XmlWriter()
    if api == "rest":
        return RestReader(), RestWriter()
    return ManualReader(), ManualWriter()
