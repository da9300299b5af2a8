"""apply(plan, clients) -> ApplyReport: execute a plan exactly as reviewed, then verify it.

- Changes run in plan order. Consecutive XML creates (or updates) of one kind that do not
  depend on each other go out together through the gateway's batched writes (≤ 100 records
  per function, several functions per request). REST writes go one object per request;
  those of one kind that do not depend on each other run in parallel within the company's
  concurrency limit.
- Idempotency: every write carries a key derived from the plan checksum and the change refs;
  the clients turn it into deterministic control ids (XML `uniqueid`) or request keys (REST),
  so a retried request, or a re-run of the same saved plan, never creates twice.
- A failure does not stop the run: independent changes still run; a change whose
  `depends_on` names a failed (or not attempted) change is `not_attempted`, with the reason.
- Manual changes are never executed: they are reported as `manual` (or `skipped` when an
  attestation closed them).
- After the writes, touched objects are read again; one that does not hold what the plan
  wrote is a failed change whose error shows the difference.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lxml import etree

from intacct_reconcile.catalog import assignments
from intacct_reconcile.client import xml as xmlb
from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.live import READ_OBJECT, USERS, read_live
from intacct_reconcile.planner import diff_fields
from intacct_reconcile.types import ApplyReport, Change, ChangeResult, Plan, Ref, State

log = logging.getLogger("intacct_reconcile.applier")
Step = Callable[[str], None]
JOURNALS = "journals"
ROLES = "roles"
ROLE_ASSIGNMENTS = "rolePermissionAssignments"
PACKAGES = "custom_packages"


@dataclass
class _Run:
    plan_checksum: str
    clients: Any
    kinds: Mapping[str, Kind]
    results: dict[int, ChangeResult]
    step: Step

    def key(self, *parts: str) -> str:
        text = "\0".join((self.plan_checksum, *parts))
        return "ir-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def apply(
    plan: Plan,
    clients: Any,
    *,
    plan_checksum: str,
    progress: Step | None = None,
    registry: Mapping[str, Kind] | None = None,
    verify: bool = True,
    already_done: frozenset[Ref] = frozenset(),
) -> ApplyReport:
    """Execute `plan` against the clients' company; never raises for a failed change.

    `already_done`: changes found in place before the run (an interrupted earlier run of the
    same saved plan applied them); they are reported as skipped, not written again.
    """
    run = _Run(plan_checksum, clients, registry or REGISTRY, {}, progress or (lambda _m: None))
    changes: Sequence[Change] = plan.changes
    blocked: dict[Ref, str] = {}  # ref -> why its dependants cannot run
    for group in _groups(changes, run.kinds):
        runnable = []
        for index, change in group:
            if change.action == "manual":
                status = "manual" if change.pending else "skipped"
                run.results[index] = ChangeResult(change, status)  # type: ignore[arg-type]
                continue
            if change.ref in already_done:
                run.results[index] = ChangeResult(change, "skipped")
                continue
            reason = _blocked_by(change, blocked)
            if reason:
                run.results[index] = ChangeResult(change, "not_attempted", reason)
                blocked[change.ref] = f"{change.ref} was not attempted"
                continue
            runnable.append((index, change))
        if runnable:
            _execute(run, runnable)
        for index, change in runnable:
            result = run.results[index]
            if result.status != "applied":
                blocked[change.ref] = f"{change.ref} failed"
    if verify:
        _verify(run, changes)
    ordered = tuple(run.results[i] for i in range(len(changes)))
    return ApplyReport(results=ordered, target=plan.target)


# --- grouping --------------------------------------------------------------------------------


def _blocked_by(change: Change, blocked: Mapping[Ref, str]) -> str:
    for dep in change.depends_on:
        if dep in blocked:
            return f"depends on {dep}: {blocked[dep]}"
    return ""


def _batchable(change: Change, kinds: Mapping[str, Kind]) -> bool:
    """XML writes share batched calls; REST writes of a group run in parallel (one per object)."""
    kind = kinds.get(change.ref.kind)
    return (
        kind is not None
        and kind.api in ("xml", "rest")
        and change.action in ("create", "update", "deactivate", "delete")
        and kind.key not in (JOURNALS, PACKAGES)
    )


def _groups(
    changes: Sequence[Change], kinds: Mapping[str, Kind]
) -> Iterator[list[tuple[int, Change]]]:
    """Consecutive batchable changes of one kind, action and entity with no edge between them."""
    group: list[tuple[int, Change]] = []
    refs: set[Ref] = set()
    for index, change in enumerate(changes):
        same = (
            group
            and _batchable(change, kinds)
            and _batchable(group[0][1], kinds)
            and _group_key(change) == _group_key(group[0][1])
            and not refs.intersection(change.depends_on)
        )
        if group and not same:
            yield group
            group, refs = [], set()
        group.append((index, change))
        refs.add(change.ref)
    if group:
        yield group


def _group_key(change: Change) -> tuple[str, str, str]:
    return (change.ref.kind, change.action, _entity(change))


def _entity(change: Change) -> str:
    return str((change.desired or {}).get("entity") or "")


# --- execution -------------------------------------------------------------------------------


def _execute(run: _Run, items: list[tuple[int, Change]]) -> None:
    first = items[0][1]
    kind = run.kinds[first.ref.kind]
    try:
        if kind.api == "rest":
            # independent objects of one kind: parallel within the company's concurrency (the
            # client's limiter still caps requests in flight)
            workers = max(1, min(len(items), _concurrency(run)))
            with ThreadPoolExecutor(workers, thread_name_prefix="intacct-apply") as pool:
                outcomes = pool.map(
                    lambda item: _guard(item[1], lambda: _rest(run, kind, item[1])), items
                )
                for (index, _), outcome in zip(items, outcomes, strict=True):
                    run.results[index] = outcome
        elif kind.key == JOURNALS:
            for index, change in items:
                run.results[index] = _guard(change, lambda c=change: _journal(run, kind, c))
        elif kind.key == PACKAGES:
            for index, change in items:
                run.results[index] = _guard(change, lambda c=change: _package(run, kind, c))
        else:
            _xml_batch(run, kind, items)
    except ReconcileError as exc:  # a whole batch refused (e.g. the session could not open)
        for index, change in items:
            run.results.setdefault(index, ChangeResult(change, "failed", str(exc)))


def _concurrency(run: _Run) -> int:
    return int(getattr(getattr(run.clients, "target", None), "concurrency", 2) or 2)


def _guard(change: Change, action: Callable[[], None]) -> ChangeResult:
    try:
        action()
    except ReconcileError as exc:
        return ChangeResult(change, "failed", str(exc))
    return ChangeResult(change, "applied")


def _gateway(run: _Run, change: Change) -> Any:
    entity = _entity(change)
    return run.clients.xml.entity(entity) if entity else run.clients.xml


def _xml_batch(run: _Run, kind: Kind, items: list[tuple[int, Change]]) -> None:
    first = items[0][1]
    gateway = _gateway(run, first)
    obj = kind.object or ""
    key = run.key(first.action, *(str(c.ref) for _, c in items))
    run.step(f"{first.action} {len(items)} {kind.key} ({obj})")
    if first.action == "delete":
        recordnos = [str(c.live_meta.get("RECORDNO", "")) for _, c in items]
        results = gateway.delete(obj, recordnos, idempotency_key=key)
    else:
        create = first.action == "create"
        records = [_xml_record(kind, c, create=create) for _, c in items]
        if create:
            results = gateway.create(obj, records, idempotency_key=key, key_field=kind.identity.api)
        else:
            results = gateway.update(obj, records, idempotency_key=key)
    links_failed: dict[int, str] = {}
    if kind.key == USERS and first.action in ("create", "update"):
        links_failed = _user_roles(
            run, gateway, [(i, c) for (i, c), r in zip(items, results, strict=True) if r.ok]
        )
    for (index, change), result in zip(items, results, strict=True):
        if not result.ok:
            run.results[index] = ChangeResult(change, "failed", str(result.error))
        elif index in links_failed:
            run.results[index] = ChangeResult(change, "failed", links_failed[index])
        else:
            run.results[index] = ChangeResult(change, "applied")


def _xml_record(kind: Kind, change: Change, *, create: bool) -> dict[str, Any]:
    values = dict(change.desired or {})
    payload = kind.payload(change.ref.key, values, create=create)
    if kind.key == USERS:
        payload.pop("USERROLES", None)  # role links are USERROLES records, written after
    if not create and change.live_meta.get("RECORDNO"):
        payload = {"RECORDNO": str(change.live_meta["RECORDNO"]), **payload}
    return payload


def _user_roles(run: _Run, gateway: Any, items: list[tuple[int, Change]]) -> dict[int, str]:
    """Add missing USERROLES links, remove extra ones; {index: error} for users that failed."""
    adds: list[tuple[int, dict[str, str]]] = []
    removes: list[tuple[int, str]] = []
    for index, change in items:
        desired = change.desired or {}
        if "roles" not in desired:
            continue  # roles not managed for this user
        wanted = set(desired["roles"])
        current = {
            link["ROLENAME"]: link.get("RECORDNO", "")
            for link in change.live_meta.get("USERROLES", ())
        }
        adds += [
            (index, {"USERID": change.ref.key, "ROLENAME": role})
            for role in sorted(wanted - set(current))
        ]
        removes += [(index, current[role]) for role in sorted(set(current) - wanted)]
    errors: dict[int, str] = {}
    if adds:
        results = gateway.create(
            "USERROLES",
            [link for _, link in adds],
            idempotency_key=run.key(
                "userroles-add", *(f"{u['USERID']}/{u['ROLENAME']}" for _, u in adds)
            ),
        )
        for (index, link), result in zip(adds, results, strict=True):
            if not result.ok:
                errors[index] = f"role {link['ROLENAME']}: {result.error}"
    if removes:
        results = gateway.delete(
            "USERROLES",
            [recordno for _, recordno in removes],
            idempotency_key=run.key("userroles-remove", *(r for _, r in removes)),
        )
        for (index, _), result in zip(removes, results, strict=True):
            if not result.ok:
                errors.setdefault(index, f"removing a role: {result.error}")
    return errors


def _rest(run: _Run, kind: Kind, change: Change) -> None:
    rest = run.clients.rest
    if rest is None:
        raise ReconcileError(
            f"{kind.key} is written through the REST API and the target has no REST "
            "credentials — set INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET"
        )
    entity = _entity(change)
    if entity:
        rest = rest.entity(entity)  # created in the entity (X-IA-API-Param-Entity)
    path = kind.object or ""
    key = run.key(change.action, str(change.ref))
    rest_key = str(change.live_meta.get("key") or change.ref.key)
    run.step(f"{change.action} {change.ref}")
    if change.action == "create":
        rest.create(
            path,
            kind.payload(change.ref.key, change.desired or {}, create=True),
            idempotency_key=key,
        )
    elif change.action in ("update", "deactivate"):
        body = kind.to_api(change.desired or {}, create=False)
        if kind.key == ROLES and ROLE_ASSIGNMENTS in body:
            # the permission set goes as owned-array items, and only when it changed (an
            # unchanged set costs no read of the role)
            changed = any(f.name == "permissions" for f in change.fields)
            items = _role_assignments(rest, path, rest_key, change) if changed else []
            if items:
                body[ROLE_ASSIGNMENTS] = items
            else:
                del body[ROLE_ASSIGNMENTS]
        rest.update(path, rest_key, body, idempotency_key=key)
    elif change.action == "delete":
        rest.delete(path, rest_key, idempotency_key=key)


def _role_assignments(rest: Any, path: str, rest_key: str, change: Change) -> list[dict[str, Any]]:
    """The owned-array PATCH items for a role's permissions.

    Intacct adds an item without key, modifies one with key and deletes one marked
    `ia::operation: delete`; items not mentioned stay (reference §5, owned objects). So the
    role's current assignments, with their keys, are read right before the PATCH (the plan's
    live read may have come from the XML gateway, which has no REST keys).
    """
    current = rest.get(path, rest_key).get(ROLE_ASSIGNMENTS) or []
    desired = (change.desired or {}).get("permissions") or {}
    return assignments.owned_patch(current, desired)


def _journal(run: _Run, kind: Kind, change: Change) -> None:
    """Journals: the documented legacy functions (generic GLJOURNAL writes are refused)."""
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
    run.step(f"{change.action} {change.ref}")
    _legacy(run, change, node)


def _package(run: _Run, kind: Kind, change: Change) -> None:
    payload = kind.to_api(change.desired or {}, create=True)
    appxml = payload.get("appxml")
    if not appxml:
        raise ReconcileError(f"{change.ref}: no package file to install")
    run.step(f"install {change.ref}")
    result = _gateway(run, change).install_app(
        appxml, idempotency_key=run.key("install", str(change.ref))
    )
    if not result.ok:
        raise result.error()


def _legacy(run: _Run, change: Change, node: etree._Element) -> None:
    result = _gateway(run, change).legacy(node, idempotency_key=run.key(str(change.ref)))
    if not result.ok:
        raise result.error()


# --- verification ----------------------------------------------------------------------------


def _verify(run: _Run, changes: Sequence[Change]) -> None:
    """Re-read the kinds that were written; a change that did not stick becomes failed."""
    applied = {i: r for i, r in run.results.items() if r.status == "applied"}
    kinds = sorted({r.change.ref.kind for r in applied.values()})
    if not kinds:
        return
    run.step(f"verifying {len(applied)} change(s)")
    try:
        live = read_live(run.clients, kinds, registry=run.kinds)
    except ReconcileError as exc:
        for index, result in applied.items():
            run.results[index] = ChangeResult(
                result.change, "failed", f"applied, but could not be verified: {exc}"
            )
        return
    for index, result in applied.items():
        problem = _mismatch(run.kinds[result.change.ref.kind], result.change, live)
        if problem:
            run.results[index] = ChangeResult(result.change, "failed", problem)


def satisfied(change: Change, live: State, registry: Mapping[str, Kind] | None = None) -> bool:
    """Does live state already hold what this change writes?"""
    kinds = registry or REGISTRY
    kind = kinds.get(change.ref.kind)
    if kind is None or change.action == "manual":
        return False
    if change.action == "create" and live.get(change.ref.kind, change.ref.key) is None:
        return False
    return not _mismatch(kind, change, live)


def _mismatch(kind: Kind, change: Change, live: State) -> str:
    current = live.get(change.ref.kind, change.ref.key)
    if change.action == "delete":
        return "" if current is None else f"{change.ref} still exists after delete"
    if current is None:
        return f"{change.ref} is not in Intacct after {change.action}"
    wanted = {k: v for k, v in (change.desired or {}).items() if not _unverifiable(kind, k)}
    diffs = diff_fields(kind, wanted, current.values)
    if not diffs:
        return ""
    shown = "; ".join(f"{d.name}: wrote {d.after!r}, reads {d.before!r}" for d in diffs)
    return f"{change.ref} does not hold what was written ({shown})"


def _unverifiable(kind: Kind, name: str) -> bool:
    """Fields the live reader cannot see (write-only, placement, computed elsewhere)."""
    if not kind.has_field(name):
        return True
    spec = kind.field(name)
    return spec.write_only or spec.placement or (kind.key == PACKAGES and name == "digest")


__all__ = ["READ_OBJECT", "apply", "satisfied"]
