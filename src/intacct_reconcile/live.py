"""read_live(clients, kinds, desired) -> State: live state of the kinds the manifests use.

Reads go through the clients only, as few requests as the APIs allow, each kind through its
reader (kinds/io.py): every reader's XML reads (the XML kinds, and what other kinds read from
the XML gateway, such as roles' ROLES/ROLEPOLICYASSIGNMENT and users' USERROLES links) go in
one `read_many`, so the first pages of all of them travel together (spread over the company's
concurrent requests); then each reader turns its records into Resources (the general XML
reader page by page, as the pages arrive), making any request of its own (a paged REST list,
one `get_applications` call). Kinds Intacct cannot report read as empty: the planner closes them
with attestations.

Records are normalised with `Kind.from_api`, so live values compare equal to desired values;
`Resource.meta` keeps what a write needs (RECORDNO, REST key, the user's USERROLES records).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from intacct_reconcile.errors import ManifestError, Problem
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.manifest.objects import DeferredRef
from intacct_reconcile.types import Resource, State


def read_live(
    clients: Any,
    kinds: Sequence[str],
    desired: State | None = None,
    *,
    registry: Mapping[str, Kind] | None = None,
    fields: Mapping[str, Collection[str]] | None = None,
    expected: Mapping[str, int] | None = None,
) -> State:
    """Live state of `kinds` (manifest keys). `desired` narrows kinds whose API object holds
    others' objects too (see `_own_objects`). `fields`: the manifest fields to read per kind
    (`fields_to_read`); a kind it does not name is read whole (export, stale checks).
    `expected`: about how many objects a kind holds, when known (apply's verification): a
    kind read in one query hands it to the gateway, which splits a large one over the lanes."""
    registry = registry or REGISTRY
    chosen = [narrowed(registry[k], (fields or {}).get(k)) for k in dict.fromkeys(kinds)]
    for kind in chosen:
        kind.reader.prepare(kind, clients)  # refusals (missing credentials) before any request
    specs: dict[str, Any] = {}
    for kind in chosen:
        kind_specs = kind.reader.specs(kind)
        count = (expected or {}).get(kind.key, 0)
        if count and len(kind_specs) == 1:
            kind_specs = [replace(kind_specs[0], expected=count)]
        for spec in kind_specs:
            # two readers may want the same read (one object's rows serve both); a name may
            # not stand for two different reads
            if specs.setdefault(spec.key, spec) != spec:
                raise ValueError(f"{kind.key}: read {spec.key!r} is already another read")
    # the general XML reader's records arrive as Resources, made page by page as the pages
    # came in (XmlReader.specs); other readers turn their records into Resources here
    records = clients.xml.read_many(list(specs.values())) if specs else {}
    resources = {kind.key: kind.reader.read(kind, clients, records) for kind in chosen}
    del records
    live = State({k.key: resources.get(k.key, {}) for k in chosen})
    return live if desired is None else own_objects(live, desired, registry)


def own_objects(live: State, desired: State, registry: Mapping[str, Kind] | None = None) -> State:
    """Each kind's own objects among those of its API object (see `_own_objects`)."""
    registry = registry or REGISTRY
    return State(
        {
            key: _own_objects(registry[key], objects, desired)
            if key in registry and registry[key].api_constants
            else objects
            for key, objects in live.resources.items()
        }
    )


def fields_to_read(kind: Kind, declared: Iterable[str]) -> frozenset[str]:
    """The manifest fields a plan reads of a kind: those the manifests declare, those the kind
    defaults (desired values hold them), its status (deactivation under full ownership) and
    floor fields. The identity and API constants are always read (xml_io.select_fields)."""
    names = set(declared)
    names.update(f.name for f in kind.fields if f.default is not None)
    names.add(kind.extra.get("status_field", "status"))
    names.update(kind.extra.get("floor_fields", ()))
    return frozenset(n for n in names if kind.has_field(n))


def declared_fields(desired: State) -> dict[str, frozenset[str]]:
    """`fields_to_read` for every kind of a desired state, from its normalised values."""
    out = {}
    for kind_key, objects in desired.resources.items():
        kind = REGISTRY.get(kind_key)
        if kind is None:
            continue
        names: set[str] = set()
        for resource in objects.values():
            names.update(resource.values)
        out[kind_key] = fields_to_read(kind, names)
    return out


def narrowed(kind: Kind, names: Collection[str] | None) -> Kind:
    """The kind restricted to `names` for reading, when its reader is the general XML one
    (it selects exactly the kind's fields: fewer fields, less XML on the wire). Kinds with
    readers of their own, and REST kinds (whole objects per GET), are read as they are."""
    from intacct_reconcile.kinds.xml_io import XmlReader

    if names is None or type(kind.reader) is not XmlReader:
        return kind
    kept = tuple(f for f in kind.fields if f.name in names)
    return kind if len(kept) == len(kind.fields) else replace(kind, fields=kept)


def readable(kind: Kind) -> bool:
    """Can Intacct report this kind's objects (so they can be verified and exported)?"""
    return kind.reader.readable


def _own_objects(kind: Kind, by_key: Mapping[str, Resource], desired: State) -> dict[str, Resource]:
    """Only the kind's own objects among those of its API object.

    USERINFO holds every user, but `web_services_users` is only the web-services-only ones
    (LOGINDISABLED=true): people who sign in to the UI are never listed as unmanaged, and never
    deactivated under `full` ownership. A declared login that exists as a UI user is kept, so
    the plan does not try to create it again, with a note saying the API cannot convert it.
    """
    declared = desired.of(kind.key)
    kept: dict[str, Resource] = {}
    for key, resource in by_key.items():
        if holds_constants(kind, resource):
            kept[key] = resource
        elif key in declared:
            note = (
                f"exists in Intacct but is not a {kind.title} "
                f"({', '.join(f'{n}={v}' for n, v in kind.api_constants.items())} is not set); "
                "the API cannot convert it — change it in the UI or choose another identity"
            )
            notes = (*resource.meta.get("notes", ()), note)
            kept[key] = replace(resource, meta={**resource.meta, "notes": notes})
    return kept


def holds_constants(kind: Kind, resource: Resource) -> bool:
    """Does a live object carry the values the kind always writes (e.g. LOGINDISABLED=true)?"""
    return all(
        str(resource.meta.get(name, "")).lower() == str(value).lower()
        for name, value in kind.api_constants.items()
    )


def check_deferred_refs(deferred: Iterable[DeferredRef], live: State) -> None:
    """Fail before any write when a reference to an undeclared object is missing live too."""
    problems = []
    for ref in deferred:
        target = ref.target
        if live.get(target.kind, target.key) is not None:
            continue
        close = difflib.get_close_matches(target.key, list(live.of(target.kind)), n=1)
        hint = f"declare {target} in the manifests or fix the reference"
        if ref.suggestion or close:
            hint += f" (did you mean {ref.suggestion or close[0]!r}?)"
        problems.append(
            Problem(
                ref.span,
                f"{ref.source} {ref.field}: {target.kind} {target.key!r} does not exist in Intacct",
                hint,
            )
        )
    if problems:
        raise ManifestError(problems)
