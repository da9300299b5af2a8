"""The general XML implementation: read with the batched gateway query, write in batches.

Reads select RECORDNO, the identity and each field's top-level element from the kind's object;
writes send `create`/`update`/`delete` functions through the gateway's batched writes (≤ 100
records per function, several functions per request).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.kinds.io import (
    KindReader,
    KindWriter,
    Records,
    WriteContext,
    gateway_for,
    log,
    resource,
)
from intacct_reconcile.kinds.normalize import identity_from_api, values_from_api
from intacct_reconcile.types import NO_SPANS, Change, ChangeResult, Resource

# manifest field -> the kind's `extra` table naming the API fields its hooks read
PSEUDO_FIELDS = {"required_dimensions": "dimensions"}


def select_fields(kind: Kind, *, skip: Sequence[str] = ()) -> list[str]:
    """XML fields to select: RECORDNO, the identity, each field's top-level element.

    Nested paths (CONTACTINFO.EMAIL1, USERLOCATIONS.LOCATIONID) select their group, which
    the gateway returns nested; `Kind.from_api` reads the dotted path from it. `skip`: API
    fields the kind's reader gets from another object.
    """
    names = ["RECORDNO"]
    for f in (kind.identity, *kind.fields):
        if not f.api or f.write_only:
            # placement (MEGAENTITYID) is read though never diffed: export writes it back
            continue
        if f.api in skip:
            continue
        if f.name in PSEUDO_FIELDS:
            # one manifest field that the kind's hooks spread over several API fields
            names += list(kind.extra.get(PSEUDO_FIELDS[f.name], {}).values())
            continue
        names.append(f.api.split(".")[0])
    # constants the kind always writes (USERINFO LOGINDISABLED) are read into meta, so callers
    # can tell the kind's objects (web-services-only users) from others of the same object
    names += list(kind.api_constants)
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class XmlReader(KindReader):
    """One paged query of the kind's object, sharing the first request with the other kinds."""

    # the object to read when `Kind.object` names a write function (installApp)
    object: str | None = None

    def fields(self, kind: Kind) -> list[str]:
        return select_fields(kind)

    def specs(self, kind: Kind) -> list[ReadSpec]:
        # records become Resources page by page as they arrive, while later pages are still
        # on their way; a reader that joins rows of other reads (its own `rows`) waits for all
        row = _Row(kind) if type(self).rows is XmlReader.rows else None
        return [
            ReadSpec(self.object or kind.object or "", self.fields(kind), name=kind.key, row=row)
        ]

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        if type(self).rows is not XmlReader.rows or type(self).resources is not (
            XmlReader.resources
        ):
            return by_key(self.resources(kind, records))
        # what `resources` and `by_key` do, in one pass: the rows came as Resources, made page
        # by page as they arrived (`_Row`), tens of thousands of them
        out: dict[str, Resource] = {}
        for record in records.get(kind.key, ()):
            if type(record) is not Resource:
                if record is None:
                    continue  # a record `_Row` could not read (said in the log)
                found = _resource(kind, record, {"RECORDNO": record.get("RECORDNO")})
                if found is None:
                    continue
                record = found
            out[record.key] = record
        return out

    def resources(self, kind: Kind, records: Records) -> list[Resource]:
        """The rows of the kind's object as Resources (a row it cannot read is left out)."""
        out = []
        for record, meta in self.rows(kind, records):
            found = record if type(record) is Resource else _resource(kind, record, meta)
            if found is not None:
                out.append(found)
        return out

    def rows(
        self, kind: Kind, records: Records
    ) -> Iterator[tuple[Mapping[str, Any], dict[str, Any]]]:
        """(record for `from_api`, meta a write needs) for each row of the kind's object."""
        for record in records.get(kind.key, ()):
            if record is None:
                continue  # a record `_Row` could not read (said in the log)
            yield record, {} if type(record) is Resource else {"RECORDNO": record.get("RECORDNO")}


def _resource(kind: Kind, record: Mapping[str, Any], meta: dict[str, Any]) -> Resource | None:
    meta.update({name: record.get(name) for name in kind.api_constants})
    return resource(kind, record, meta)


@dataclass(frozen=True)
class _Row:
    """One record of the kind's object -> its Resource (None when unreadable), run by the
    gateway on the thread that fetched the page: what `_resource` does, without its detours
    (tens of thousands of records a read)."""

    kind: Kind

    def __call__(self, record: dict[str, Any]) -> Resource | None:
        kind = self.kind
        try:
            key = identity_from_api(kind, record)
            values = values_from_api(kind, record)
        except (ValueError, KeyError) as exc:
            # one odd live record must not stop the read: it is left out and said so
            log.warning("skipping a live %s record: %s", kind.key, exc)
            return None
        meta = {"RECORDNO": record.get("RECORDNO")}
        for name in kind.api_constants:
            meta[name] = record.get(name)
        # by position (kind, key, values, source, ensure, field_spans, meta): one per record
        return Resource(kind.key, key, values, None, "present", NO_SPANS, meta)


def by_key(resources: Iterable[Resource]) -> dict[str, Resource]:
    """Resources by key (the last of two with one key wins, as Intacct's rows come)."""
    return {found.key: found for found in resources}


@dataclass(frozen=True)
class XmlWriter(KindWriter):
    """Batched generic writes: all changes of one call share an action and an entity."""

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        first = changes[0]
        gateway = gateway_for(clients, first)
        obj = kind.object or ""
        key = context.key(first.action, *(str(c.ref) for c in changes))
        context.step(f"{first.action} {len(changes)} {kind.key} ({obj})")
        # creates and updates: the applier never puts a change and one it depends on in one
        # call, so the requests carrying them may be in flight together. Deletes run in reverse
        # dependency order, and a call may hold an object and the one it refers to (a child
        # location deleted before its parent): theirs go one after another.
        if first.action == "delete":
            recordnos = [str(c.live_meta.get("RECORDNO", "")) for c in changes]
            results = gateway.delete(obj, recordnos, idempotency_key=key)
        else:
            create = first.action == "create"
            records = [self.record(kind, c, create=create) for c in changes]
            if create:
                results = gateway.create(
                    obj,
                    records,
                    idempotency_key=key,
                    key_field=kind.identity.api,
                    independent=True,
                )
            else:
                results = gateway.update(obj, records, idempotency_key=key, independent=True)
        written = [(i, c) for i, (c, r) in enumerate(zip(changes, results, strict=True)) if r.ok]
        after_failed = self.after(kind, gateway, first.action, written, context)
        out = []
        for index, (change, result) in enumerate(zip(changes, results, strict=True)):
            if not result.ok:
                out.append(ChangeResult(change, "failed", str(result.error)))
            elif index in after_failed:
                out.append(ChangeResult(change, "failed", after_failed[index]))
            else:
                out.append(ChangeResult(change, "applied"))
        return out

    def record(self, kind: Kind, change: Change, *, create: bool) -> dict[str, Any]:
        """The record sent for one change (RECORDNO first on updates)."""
        payload = kind.payload(change.ref.key, dict(change.desired or {}), create=create)
        if not create and change.live_meta.get("RECORDNO"):
            payload = {"RECORDNO": str(change.live_meta["RECORDNO"]), **payload}
        return payload

    def after(
        self,
        kind: Kind,
        gateway: Any,
        action: str,
        written: list[tuple[int, Change]],
        context: WriteContext,
    ) -> dict[int, str]:
        """Follow-up writes for the records written (e.g. links in another object);
        {position in the call: error} for changes whose follow-up failed."""
        return {}
