"""read_live(clients, kinds, desired) -> State: live state of the kinds the manifests use.

Reads go through the clients only, as few requests as the APIs allow: every XML kind (plus the
USERROLES links of users, plus ROLES and ROLEPOLICYASSIGNMENT for roles, see `live_roles`) in
one `read_many`, so the first pages of all of them share one request; other REST kinds with
one paged list each; manual kinds that Intacct can report
(`get_applications`, `get_companyprefs EE`) with one call each. Sender IDs and IP filters
cannot be read at all: they stay absent from live state and the planner closes them with
attestations.

Records are normalised with `Kind.from_api`, so live values compare equal to desired values;
`Resource.meta` keeps what a write needs (RECORDNO, REST key, the user's USERROLES records).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from intacct_reconcile import live_roles
from intacct_reconcile.catalog import assignments
from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.errors import ManifestError, Problem
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.manifest.objects import DeferredRef
from intacct_reconcile.types import Resource, State

log = logging.getLogger("intacct_reconcile.live")

USERS = "web_services_users"
ROLES = "roles"
ROLE_FIELD = "rolePermissionAssignments"
PACKAGES = "custom_packages"
SUBSCRIPTIONS = "module_subscriptions"
TE_SETTINGS = "te_settings"
SINGLETON_KEY = "te_settings"
# XML objects a kind is read from when `Kind.object` names a write function instead
READ_OBJECT = {PACKAGES: "PTAPPLICATION"}
# manual kinds the API can read; the others (sender_ids, ip_allowlist) have no read API
READABLE_MANUAL = frozenset({SUBSCRIPTIONS, TE_SETTINGS})


def read_live(
    clients: Any,
    kinds: Sequence[str],
    desired: State | None = None,
    *,
    registry: Mapping[str, Kind] | None = None,
) -> State:
    """Live state of `kinds` (manifest keys). `desired` is not read; kept for the callers'
    symmetry and so the reader may narrow reads to declared objects later."""
    registry = registry or REGISTRY
    chosen = [registry[k] for k in dict.fromkeys(kinds)]
    resources: dict[str, dict[str, Resource]] = {}
    xml_kinds = [k for k in chosen if k.api == "xml"]
    # roles are written over REST but read in bulk from the XML gateway (ROLES and
    # ROLEPOLICYASSIGNMENT), in the same first request as the XML kinds: one REST GET per
    # role would cost a request per role
    role_kind = next((k for k in chosen if k.key == ROLES), None)
    if role_kind is not None:
        _need_rest(clients, role_kind)
    if xml_kinds or role_kind is not None:
        resources.update(_read_xml(clients.xml, xml_kinds, role_kind))
    for kind in chosen:
        if kind.key == ROLES:
            continue
        if kind.api == "rest":
            resources[kind.key] = _read_rest(clients, kind)
        elif kind.api == "manual" and kind.key in READABLE_MANUAL:
            resources[kind.key] = _read_manual(clients.xml, kind)
        elif kind.api == "manual":
            resources[kind.key] = {}
    if desired is not None:
        for kind in chosen:
            if kind.api_constants and kind.key in resources:
                resources[kind.key] = _own_objects(kind, resources[kind.key], desired)
    return State({k.key: resources.get(k.key, {}) for k in chosen})


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


# --- XML -------------------------------------------------------------------------------------


def select_fields(kind: Kind) -> list[str]:
    """XML fields to select: RECORDNO, the identity, each field's top-level element.

    Nested paths (CONTACTINFO.EMAIL1, USERLOCATIONS.LOCATIONID) select their group, which
    the gateway returns nested; `Kind.from_api` reads the dotted path from it.
    """
    names = ["RECORDNO"]
    for f in (kind.identity, *kind.fields):
        if not f.api or f.write_only or f.placement:
            # placement (entity) is fixed at create and never diffed: not read
            continue
        if kind.key == USERS and f.api == "USERROLES":
            continue  # role links are another object (USERROLES), joined below
        if f.name in PSEUDO_FIELDS:
            # one manifest field that the kind's hooks spread over several API fields
            names += list(kind.extra.get(PSEUDO_FIELDS[f.name], {}).values())
            continue
        names.append(f.api.split(".")[0])
    # constants the kind always writes (USERINFO LOGINDISABLED) are read into meta, so callers
    # can tell the kind's objects (web-services-only users) from others of the same object
    names += list(kind.api_constants)
    return list(dict.fromkeys(names))


# manifest field -> the kind's `extra` table naming the API fields its hooks read
PSEUDO_FIELDS = {"required_dimensions": "dimensions"}


def _read_xml(
    gateway: Any, kinds: Sequence[Kind], role_kind: Kind | None = None
) -> dict[str, dict[str, Resource]]:
    specs = [
        ReadSpec(READ_OBJECT.get(k.key, k.object or ""), select_fields(k), name=k.key)
        for k in kinds
    ]
    if any(k.key == USERS for k in kinds):
        specs.append(ReadSpec("USERROLES", ["RECORDNO", "USERID", "ROLENAME"], name="USERROLES"))
    if role_kind is not None:
        specs += live_roles.specs()
    records = gateway.read_many(specs)
    links = _role_links(records.get("USERROLES", ()))
    out: dict[str, dict[str, Resource]] = {}
    if role_kind is not None:
        out[role_kind.key] = {}
        for record, meta in live_roles.records(records):
            resource = _resource(role_kind, record, meta)
            if resource is not None:
                out[role_kind.key][resource.key] = resource
    for kind in kinds:
        by_key: dict[str, Resource] = {}
        for record in records.get(kind.key, ()):
            if kind.key == USERS:
                login = str(record.get("LOGINID", ""))
                user_links = links.get(login.lower(), [])
                record = {**record, "USERROLES": [link["ROLENAME"] for link in user_links]}
                meta = {"RECORDNO": record.get("RECORDNO"), "USERROLES": user_links}
            else:
                meta = {"RECORDNO": record.get("RECORDNO")}
            meta.update({name: record.get(name) for name in kind.api_constants})
            resource = _resource(kind, record, meta)
            if resource is not None:
                by_key[resource.key] = resource
        out[kind.key] = by_key
    return out


def _role_links(records: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """USERROLES rows by user login (lower case: Intacct login ids are case-insensitive)."""
    links: dict[str, list[dict[str, str]]] = {}
    for row in records:
        user = str(row.get("USERID", "")).strip()
        role = str(row.get("ROLENAME", "")).strip()
        if user and role:
            links.setdefault(user.lower(), []).append(
                {"ROLENAME": role, "RECORDNO": str(row.get("RECORDNO", ""))}
            )
    return links


# --- REST ------------------------------------------------------------------------------------


def _need_rest(clients: Any, kind: Kind) -> Any:
    rest = clients.rest
    if rest is None:
        from intacct_reconcile.errors import ConfigError

        raise ConfigError(
            f"the manifests declare {kind.key}, which only the REST API can write, but "
            f"target {clients.target.name!r} has no REST credentials — set "
            "INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET"
        )
    return rest


def _read_rest(clients: Any, kind: Kind) -> dict[str, Resource]:
    rest = _need_rest(clients, kind)
    path = kind.object or ""
    # The list answers keys only (as Intacct's does); every object is then fetched whole, in
    # parallel within the target's concurrency, because kinds read nested values
    # (accountDetails.expirationMonth/Year) that the core query cannot return as one field
    # each. Roles come from the XML gateway instead (one GET per role is too many).
    keys = [str(row.get("key")) for row in rest.query(path, ["key", "id"])]
    workers = max(1, int(getattr(clients.target, "concurrency", 2) or 2))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intacct-rest") as pool:
        records = list(pool.map(lambda key: rest.get(path, key), keys))
    out: dict[str, Resource] = {}
    for key, record in zip(keys, records, strict=True):
        meta = {"key": record.get("key", key)}
        if kind.key == ROLES:  # roles read over REST (the XML read is the usual path)
            meta.update(live_roles.outside_meta(assignments.from_rest(record.get(ROLE_FIELD))))
        resource = _resource(kind, record, meta)
        if resource is not None:
            out[resource.key] = resource
    return out


# --- manual kinds the API can read ----------------------------------------------------------


def _read_manual(gateway: Any, kind: Kind) -> dict[str, Resource]:
    if kind.key == SUBSCRIPTIONS:
        out: dict[str, Resource] = {}
        for code in gateway.get_applications():
            resource = _resource(kind, {kind.identity.api or "APPLICATION": code}, {})
            if resource is not None:
                out[resource.key] = resource
        return out
    prefs = gateway.get_companyprefs(kind.object or "EE")
    values = kind.from_api(prefs)
    return {SINGLETON_KEY: Resource(kind.key, SINGLETON_KEY, values, meta={})}


# --- shared ----------------------------------------------------------------------------------


def _resource(kind: Kind, record: Mapping[str, Any], meta: Mapping[str, Any]) -> Resource | None:
    try:
        key = kind.key_from_api(record)
        values = kind.from_api(record)
    except (ValueError, KeyError) as exc:
        # one odd live record must not stop the plan: it is left out and said so
        log.warning("skipping a live %s record: %s", kind.key, exc)
        return None
    return Resource(kind.key, key, values, meta=dict(meta))


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
