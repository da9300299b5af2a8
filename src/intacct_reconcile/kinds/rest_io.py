"""The general REST implementation: list keys then fetch each object; one object per write.

Reads: the list answers keys only (as Intacct's does); every object is then fetched whole, in
parallel within the target's concurrency, because kinds read nested values
(accountDetails.expirationMonth/Year) that the core query cannot return as one field each.
Writes: independent objects of one kind go in parallel within the company's concurrency (the
client's limiter still caps requests in flight).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.kinds.io import (
    STOPPED,
    KindReader,
    KindWriter,
    Records,
    WriteContext,
    concurrency,
    entity_of,
    guarded,
    need_rest,
    resource,
)
from intacct_reconcile.types import Change, ChangeResult, Resource


@dataclass(frozen=True)
class RestReader(KindReader):
    """Lists the kind's object keys over REST, then fetches each object whole, in parallel."""

    def prepare(self, kind: Kind, clients: Any) -> None:
        need_rest(clients, kind)

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        rest = need_rest(clients, kind)
        path = kind.object or ""
        keys = [str(row.get("key")) for row in rest.query(path, ["key", "id"])]
        with ThreadPoolExecutor(concurrency(clients), thread_name_prefix="intacct-rest") as pool:
            fetched = list(pool.map(lambda key: rest.get(path, key), keys))
        out: dict[str, Resource] = {}
        for key, record in zip(keys, fetched, strict=True):
            found = resource(kind, record, self.meta(kind, record, key))
            if found is not None:
                out[found.key] = found
        return out

    def meta(self, kind: Kind, record: Mapping[str, Any], key: str) -> dict[str, Any]:
        """What a write needs later: the object's REST key."""
        return {"key": record.get("key", key)}


@dataclass(frozen=True)
class RestWriter(KindWriter):
    """One REST request per change (create, PATCH or delete), the changes sent in parallel
    within the company's concurrency."""

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        workers = max(1, min(len(changes), concurrency(clients)))

        def write(change: Change) -> ChangeResult:
            if context.should_stop():  # stopping: the requests not sent yet stay unsent
                return ChangeResult(change, "not_attempted", STOPPED)
            return guarded(change, lambda: self.write_one(kind, clients, change, context))

        with ThreadPoolExecutor(workers, thread_name_prefix="intacct-apply") as pool:
            # an interrupt closes the map, which cancels the writes still queued
            return list(pool.map(write, changes))

    def write_one(self, kind: Kind, clients: Any, change: Change, context: WriteContext) -> None:
        rest = clients.rest
        if rest is None:
            raise ReconcileError(
                f"{kind.key} is written through the REST API and the target has no REST "
                "credentials — set INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET"
            )
        entity = entity_of(change)
        if entity:
            rest = rest.entity(entity)  # created in the entity (X-IA-API-Param-Entity)
        path = kind.object or ""
        key = context.key(change.action, str(change.ref))
        rest_key = str(change.live_meta.get("key") or change.ref.key)
        context.step(f"{change.action} {change.ref}")
        if change.action == "create":
            rest.create(
                path,
                kind.payload(change.ref.key, change.desired or {}, create=True),
                idempotency_key=key,
            )
        elif change.action in ("update", "deactivate"):
            body = self.update_body(kind, rest, rest_key, change)
            rest.update(path, rest_key, body, idempotency_key=key)
        elif change.action == "delete":
            rest.delete(path, rest_key, idempotency_key=key)

    def update_body(self, kind: Kind, rest: Any, rest_key: str, change: Change) -> dict[str, Any]:
        """The PATCH body of an update or deactivation."""
        return kind.to_api(change.desired or {}, create=False)
