"""GL journals (XML GLJOURNAL; legacy create_journal / update_journal / delete_journal)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from intacct_reconcile.client import xml as xmlb
from intacct_reconcile.kinds.base import Field, Kind, entity_field, status_field
from intacct_reconcile.kinds.io import KindWriter, WriteContext, gateway_for, guarded
from intacct_reconcile.kinds.xml_io import XmlReader
from intacct_reconcile.types import Change, ChangeResult


@dataclass(frozen=True)
class JournalWriter(KindWriter):
    """The documented legacy functions, one journal per call (generic GLJOURNAL writes are
    refused)."""

    batches: ClassVar[bool] = False

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        return [guarded(c, lambda c=c: _write(clients, c, context)) for c in changes]


def _write(clients: Any, change: Change, context: WriteContext) -> None:
    values = change.desired or {}
    symbol = change.ref.key
    if change.action == "create":
        node = xmlb.element("create_journal")
        xmlb.sub(node, "symbol", symbol)
        xmlb.sub(node, "title", values.get("title", symbol))
        if values.get("status"):
            xmlb.sub(node, "status", values["status"])
    elif change.action in ("update", "deactivate"):
        node = xmlb.element("update_journal", symbol=symbol)
        if values.get("title"):
            xmlb.sub(node, "title", values["title"])
        if values.get("status"):
            xmlb.sub(node, "status", values["status"])
    else:
        node = xmlb.element("delete_journal", symbol=symbol)
    context.step(f"{change.action} {change.ref}")
    result = gateway_for(clients, change).legacy(node, idempotency_key=context.key(str(change.ref)))
    if not result.ok:
        raise result.error()


KIND = Kind(
    key="journals",
    title="GL journal",
    api="xml",
    # assumption: generic object GLJOURNAL with SYMBOL/TITLE/STATUS (reference §3.8 UNCONFIRMED);
    # writes go through the documented legacy functions (JournalWriter, extra["legacy"])
    object="GLJOURNAL",
    # assumption: Intacct keeps journal symbols upper-case, so `pleo` and `PLEO` are one journal
    identity=Field("symbol", "SYMBOL", case="upper", description="Journal symbol, e.g. PLEO."),
    fields=(
        Field("title", "TITLE", required=True),
        status_field(),
        entity_field("MEGAENTITYID"),
    ),
    depends_on=("entities",),
    delete="delete",
    reader=XmlReader(),
    writer=JournalWriter(),
    extra={
        "legacy": {
            "create": "create_journal",
            "update": "update_journal",
            "delete": "delete_journal",
        }
    },
)
