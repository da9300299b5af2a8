"""plan(desired, live, options) -> Plan: a pure function of two states.

Rules (DESIGN §4-§5):
  - objects match by (kind, key); only the fields a manifest declares are compared;
  - plain equality first, a field-level diff only for objects that differ; role lists and
    permission sets are diffed as added/removed items;
  - `ensure: absent` removes a live object (delete, or deactivate where the kind says so);
    undeclared live objects are removed only when the kind's ownership is `full`, otherwise
    they are listed as unmanaged;
  - manual kinds become UI steps: verified against live state when the API can read them,
    otherwise closed by an attestation whose digest matches the declared value;
  - creates, updates and manual steps run in dependency order, removals last in reverse;
  - effective access per user is derived from role permission and user role-list changes.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from intacct_reconcile.attestations import value_digest
from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.types import (
    AccessChange,
    Change,
    FieldChange,
    Plan,
    PlanOptions,
    Ref,
    Resource,
    State,
)

ABSENT = "absent"
REDACTED = "***"
# Keys a manifest layer may leave in `values` that are not fields of the object.
_NOT_FIELDS = frozenset({"ensure"})
# assumption: kinds that do not say otherwise deactivate by setting status to "inactive".
_STATUS_FIELD = "status"
_INACTIVE = "inactive"
# assumption: the irreversible change the reference names (§11: deleting GL accounts) for kinds
# that do not declare extra["irreversible_delete"] themselves.
_IRREVERSIBLE_DELETE_DEFAULTS = frozenset({"gl_accounts"})


class PlanningError(ReconcileError):
    """The states cannot be planned (unknown kind, dependency cycle)."""


def plan(desired: State, live: State, options: PlanOptions | None = None) -> Plan:
    """Compare desired with live state and return the ordered changes for `options.target`."""
    options = options or PlanOptions()
    kinds = _kinds(options)
    order = kind_order(_planned_kinds(desired, options, kinds), kinds)
    forward: list[Change] = []
    removal_groups: list[list[Change]] = []
    unmanaged: list[Ref] = []
    notes: list[str] = list(_filter_notes(options, order))
    for key in order:
        kind = kinds[key]
        result = _plan_kind(kind, desired.of(key), live.of(key), options)
        forward += _ordered(kind, [c for c in result.changes if not c.removes], live, reverse=False)
        removal_groups.append(
            _ordered(kind, [c for c in result.changes if c.removes], live, reverse=True)
        )
        unmanaged += result.unmanaged
        notes += result.notes
    # removals run last, kinds in reverse dependency order
    changes = (*forward, *(c for group in reversed(removal_groups) for c in group))
    return Plan(
        target=options.target,
        changes=changes,
        unmanaged=tuple(unmanaged),
        access_changes=effective_access(kinds, desired, live, changes),
        live_counts={key: len(live.of(key)) for key in order},
        fingerprints={str(c.ref): fingerprint(live.get(c.ref.kind, c.ref.key)) for c in changes},
        manifest_digest=options.manifest_digest or state_digest(desired),
        notes=tuple(notes),
    )


# --- digests ----------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces, tuples as lists, sets sorted."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)  # dates, decimals: their text is what the API sees too


def fingerprint(resource: Resource | None) -> str:
    """sha256 of a live object's normalised values, or "absent"."""
    if resource is None:
        return ABSENT
    return hashlib.sha256(canonical_json(dict(resource.values)).encode()).hexdigest()


def state_digest(state: State) -> str:
    """sha256 of a whole (desired) state: every declared value and ensure flag."""
    data = {
        kind: {key: {"values": dict(r.values), "ensure": r.ensure} for key, r in objs.items()}
        for kind, objs in state.resources.items()
    }
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


# --- which kinds, in which order ------------------------------------------------------------


def _kinds(options: PlanOptions) -> Mapping[str, Kind]:
    if options.kinds is not None:
        return options.kinds
    from intacct_reconcile.kinds import REGISTRY  # late: the registry imports every kind module

    return REGISTRY


def _planned_kinds(desired: State, options: PlanOptions, kinds: Mapping[str, Kind]) -> list[str]:
    wanted = [k for k in desired.kinds() if not options.only_kinds or k in options.only_kinds]
    unknown = sorted(k for k in (*wanted, *options.only_kinds) if k not in kinds)
    if unknown:
        raise PlanningError(
            f"unknown kind(s): {', '.join(unknown)} — known kinds: {', '.join(sorted(kinds))}"
        )
    return wanted


def kind_dependencies(kind: Kind) -> set[str]:
    """Kinds this kind must come after: declared depends_on plus kinds its fields refer to."""
    refs = {f.ref for f in kind.fields if f.ref and f.ref != kind.key}
    return (set(kind.depends_on) | refs) - {kind.key}  # references inside a kind: _ordered


def kind_order(wanted: Iterable[str], kinds: Mapping[str, Kind]) -> list[str]:
    """`wanted` kinds in dependency order (ties in registry order). A cycle is an error."""
    wanted = set(wanted)
    rank = {key: i for i, key in enumerate(kinds)}
    graph = {key: kind_dependencies(kind) & set(kinds) for key, kind in kinds.items()}
    ordered = _toposort(graph, rank.__getitem__, what="kinds")
    return [key for key in ordered if key in wanted]


def _toposort(graph: Mapping[Any, Iterable[Any]], sort_key: Any, *, what: str) -> list[Any]:
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(str(node) for node in exc.args[1])
        raise PlanningError(f"dependency cycle between {what}: {cycle} — break the cycle") from None
    # one node at a time, smallest key first: keeps the natural order wherever it is valid
    tie = itertools.count()
    ready = [(sort_key(node), next(tie), node) for node in sorter.get_ready()]
    heapq.heapify(ready)
    ordered: list[Any] = []
    while ready:
        node = heapq.heappop(ready)[2]
        ordered.append(node)
        sorter.done(node)
        for nxt in sorter.get_ready():
            heapq.heappush(ready, (sort_key(nxt), next(tie), nxt))
    return ordered


def _ordered(kind: Kind, changes: list[Change], live: State, *, reverse: bool) -> list[Change]:
    """Changes of one kind ordered by references between its own objects (ties by key)."""
    by_key = {c.ref.key: c for c in changes}
    if not any(f.ref == kind.key for f in kind.fields):
        ordered = [by_key[key] for key in sorted(by_key)]  # no references inside the kind
    else:
        graph: dict[str, set[str]] = {}
        for key, change in by_key.items():
            values = _live_values(live, change.ref) if reverse else change.desired or {}
            refs = {r.key for r in object_refs(kind, values) if r.kind == kind.key}
            graph[key] = {r for r in refs if r in by_key}
        ordered = [by_key[key] for key in _toposort(graph, str, what=f"{kind.key} objects")]
    return ordered[::-1] if reverse else ordered


def _live_values(live: State, ref: Ref) -> Mapping[str, Any]:
    resource = live.get(ref.kind, ref.key)
    return resource.values if resource else {}


def object_refs(kind: Kind, values: Mapping[str, Any]) -> tuple[Ref, ...]:
    """Objects these values refer to through `Field.ref` fields."""
    refs: list[Ref] = []
    for f in kind.fields:
        value = values.get(f.name)
        if not f.ref or value in (None, ""):
            continue
        items = value if isinstance(value, list | tuple) else (value,)
        refs += [Ref(f.ref, str(item)) for item in items]
    return tuple(refs)


# --- one kind ---------------------------------------------------------------------------------


@dataclass
class _KindPlan:
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Ref] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _plan_kind(
    kind: Kind,
    desired: Mapping[str, Resource],
    live: Mapping[str, Resource],
    options: PlanOptions,
) -> _KindPlan:
    full = options.ownership.get(kind.key, kind.ownership) == "full"
    out = _KindPlan()
    for key in sorted({*desired, *live}):
        declared, current = desired.get(key), live.get(key)
        if declared is not None:
            change = _plan_declared(kind, declared, current, options)
            if current is not None and declared.ensure == "present":
                out.notes += _fixed_field_notes(kind, declared, current)
                # what the live reader saw but cannot manage (e.g. permissions outside the
                # permission catalogue): said once, never diffed
                out.notes += [f"{current.ref}: {n}" for n in current.meta.get("notes", ())]
        elif full and not kind.read_only:
            change = _removal(kind, current, note=f"not declared and {kind.key} ownership is full")
        else:
            change = None
            out.unmanaged.append(current.ref)
        if change is not None:
            out.changes.append(change)
    return out


def _plan_declared(
    kind: Kind, declared: Resource, current: Resource | None, options: PlanOptions
) -> Change | None:
    if kind.read_only:
        return _missing_read_only(kind, declared) if current is None else None
    if kind.api == "manual":
        return _plan_manual(kind, declared, current, options)
    if declared.ensure == "absent":
        return _removal(kind, current, source=declared) if current else None
    if current is None:
        return _change("create", kind, declared, None, _create_fields(kind, declared.values))
    if _plainly_equal(declared.values, current.values):
        return None  # the common case: no field-level diff needed
    fields = diff_fields(kind, declared.values, current.values)
    return _change("update", kind, declared, current, fields) if fields else None


def _missing_read_only(kind: Kind, declared: Resource) -> Change | None:
    """The tool only checks that read-only objects (entities) exist; an admin creates them."""
    if declared.ensure == "absent":
        return None
    return Change(
        action="manual",
        ref=declared.ref,
        api=kind.api,
        desired=dict(declared.values),
        source=declared.source,
        manual_steps=(f"Create {kind.title} '{declared.key}' in the Intacct UI",),
        note=f"{kind.title} objects are never created through the API by this tool",
    )


def _change(
    action: Any,
    kind: Kind,
    declared: Resource,
    current: Resource | None,
    fields: tuple[FieldChange, ...],
) -> Change:
    values = declared.values
    if current is not None:  # an update writes desired values: never a floor field in sync
        values = _without_floors_in_sync(kind, values, current.values)
    return Change(
        action=action,
        ref=declared.ref,
        api=kind.api,
        fields=fields,
        desired=dict(values),
        live_meta=dict(current.meta) if current else {},
        source=declared.source,
        depends_on=object_refs(kind, values),
        secret_fields=tuple(f.name for f in kind.fields if f.secret and f.name in values),
    )


def _removal(
    kind: Kind, current: Resource, *, source: Resource | None = None, note: str = ""
) -> Change | None:
    """Delete or deactivate a live object; a manual step where the API cannot remove it."""
    base = {
        "ref": current.ref,
        "api": kind.api,
        "live_meta": dict(current.meta),
        "source": source.source if source else None,
        "note": note,
    }
    if kind.delete == "none" or kind.api == "manual":
        why = f"Intacct offers no API to remove a {kind.title}; remove it in the UI"
        return Change(
            action="manual",
            manual_steps=_ui_steps(kind, current.key, "Remove"),
            **{**base, "note": "; ".join(filter(None, (note, why)))},
        )
    if kind.delete == "deactivate":
        status_field = kind.extra.get("status_field", _STATUS_FIELD)
        inactive = kind.extra.get("inactive_value", _INACTIVE)
        before = current.values.get(status_field)
        if before == inactive:
            return None
        fields = (FieldChange(status_field, before, inactive),)
        return Change(action="deactivate", fields=fields, desired={status_field: inactive}, **base)
    return Change(action="delete", irreversible=_irreversible_delete(kind), **base)


def _plan_manual(
    kind: Kind, declared: Resource, current: Resource | None, options: PlanOptions
) -> Change | None:
    """A UI step. API-verifiable kinds are done when live matches; others need an attestation."""
    absent = declared.ensure == "absent"
    if absent:
        fields: tuple[FieldChange, ...] = ()
        verb = "Remove"
    elif current is None:
        fields = _create_fields(kind, declared.values)
        verb = "Add"
    else:
        fields = diff_fields(kind, declared.values, current.values)
        verb = "Update"
    if kind.verify == "api" and (current is None if absent else current is not None and not fields):
        return None  # live state shows the step is done
    attested, note = _attestation(kind, declared, options)
    return Change(
        action="manual",
        ref=declared.ref,
        api=kind.api,
        fields=fields,
        desired=None if absent else dict(declared.values),
        live_meta=dict(current.meta) if current else {},
        source=declared.source,
        depends_on=object_refs(kind, declared.values),
        manual_steps=_ui_steps(kind, declared.key, verb, declared.values),
        attested=attested,
        note=note,
    )


def _attestation(kind: Kind, declared: Resource, options: PlanOptions) -> tuple[Any, str]:
    if kind.verify == "api":
        return None, "verified through the API once done"
    record = options.attestations.get(declared.ref)
    if record is None:
        return None, f"close with `intacct-reconcile attest {declared.ref} --by NAME` once done"
    if record.digest == value_digest(declared):
        return record, ""
    return None, (
        f"re-opened: the declared value changed since {record.by} attested it at {record.at}"
    )


def _ui_steps(
    kind: Kind, key: str, verb: str, values: Mapping[str, Any] | None = None
) -> tuple[str, ...]:
    """The kind's UI navigation with {key}, {field} and {x_name} placeholders filled in."""
    secret = {f.name for f in kind.fields if f.secret}
    shown = {name: REDACTED if name in secret else _shown(v) for name, v in (values or {}).items()}
    context = {"key": key, **shown}
    for name, table in kind.extra.items():  # e.g. module_names -> {module_name}
        if name.endswith("_names") and isinstance(table, Mapping):
            context[name[:-1]] = str(table.get(key, key))
    steps = tuple(_PLACEHOLDER.sub(lambda m: context.get(m[1], _UNSET), s) for s in kind.ui_steps)
    return (f"{verb} {kind.title} '{key}'", *steps)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_UNSET = "(not declared: leave as is)"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- field diffs ------------------------------------------------------------------------------


def diff_fields(
    kind: Kind, desired: Mapping[str, Any], live: Mapping[str, Any]
) -> tuple[FieldChange, ...]:
    """Field changes for the fields `desired` declares (write-only fields are never diffed)."""
    specs = _field_specs(kind)
    floors = _floor_fields(kind)
    changes = []
    for name in _field_names(kind, desired):
        spec = specs.get(name)
        if spec is not None and (spec.write_only or _fixed(spec)):
            continue
        if name in floors and _at_least(live.get(name), desired[name]):
            continue
        before, after = live.get(name), desired[name]
        if not _same(spec, before, after):
            changes.append(_field_change(spec, name, before, after))
    return tuple(changes)


def _floor_fields(kind: Kind) -> frozenset[str]:
    """Fields declared as a minimum: Intacct advances them (a sequence's next number)."""
    return frozenset(kind.extra.get("floor_fields", ()))


def _at_least(live: Any, floor: Any) -> bool:
    """A live value at or above the declared floor is in sync."""
    try:
        return live is not None and floor is not None and int(live) >= int(floor)
    except (TypeError, ValueError):
        return False


def _without_floors_in_sync(
    kind: Kind, desired: Mapping[str, Any], live: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Desired values minus floor fields live already meets, so an update never lowers them."""
    floors = _floor_fields(kind)
    return {
        name: value
        for name, value in desired.items()
        if name not in floors or not _at_least(live.get(name), value)
    }


def _plainly_equal(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    """Every declared value equals its live value, compared as is."""
    return all(name in _NOT_FIELDS or live.get(name) == v for name, v in desired.items())


def _fixed(spec: Field) -> bool:
    """Set at create only: a later difference cannot be applied by an update."""
    return spec.immutable or spec.create_only


def _fixed_field_notes(kind: Kind, declared: Resource, current: Resource) -> list[str]:
    """Drift in create-only fields is shown, not planned (an update cannot change it)."""
    if _plainly_equal(declared.values, current.values):
        return []
    notes = []
    for spec in kind.fields:
        if not _fixed(spec) or spec.write_only or spec.name not in declared.values:
            continue
        before, after = current.values.get(spec.name), declared.values[spec.name]
        if not _same(spec, before, after):
            notes.append(
                f"{declared.ref}: {spec.name} is {before!r} in Intacct but declared {after!r}; it "
                "can only be set at create (remove the object and declare it again to change it)"
            )
    return notes


def _create_fields(kind: Kind, desired: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    specs = _field_specs(kind)
    return tuple(
        _field_change(specs.get(name), name, None, desired[name])
        for name in _field_names(kind, desired)
    )


def _field_specs(kind: Kind) -> dict[str, Field]:
    return {f.name: f for f in kind.fields}


def _field_names(kind: Kind, values: Mapping[str, Any]) -> list[str]:
    """Declared field names in the kind's field order, unknown ones after, by name."""
    skip = {*_NOT_FIELDS, *kind.extra.get("manifest_only_fields", ())}
    known = [f.name for f in kind.fields if f.name in values and f.name not in skip]
    return known + sorted(n for n in values if n not in known and n not in skip)


def _same(spec: Field | None, before: Any, after: Any) -> bool:
    if before == after:
        return True
    if spec is not None and spec.case != "exact" and isinstance(before, str):
        return isinstance(after, str) and before.casefold() == after.casefold()
    if spec is not None and spec.type in ("string_list", "cidr"):
        return _items(before) == _items(after)
    return False


def _field_change(spec: Field | None, name: str, before: Any, after: Any) -> FieldChange:
    if spec is not None and spec.secret:  # plans are shown and saved: never the value itself
        return FieldChange(name, None if before is None else REDACTED, REDACTED)
    if (spec is not None and spec.type == "permissions") or _is_permission_set(after):
        old, new = permission_items(before), permission_items(after)
    elif isinstance(after, list | tuple) or isinstance(before, list | tuple):
        old, new = _items(before), _items(after)
    else:
        return FieldChange(name, before, after)
    return FieldChange(
        name, before, after, added=tuple(sorted(new - old)), removed=tuple(sorted(old - new))
    )


def _items(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return {str(value)}


def _is_permission_set(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values())


def permission_items(perms: Any) -> set[str]:
    """A permission set {module: {permission: rights}} as "module.permission.right" items."""
    if not perms:
        return set()
    return {
        f"{module}.{permission}.{right}"
        for module, permissions in perms.items()
        for permission, rights in (permissions or {}).items()
        for right in _items(rights)
    }


def _irreversible_delete(kind: Kind) -> tuple[str, ...]:
    if kind.extra.get("irreversible_delete", kind.key in _IRREVERSIBLE_DELETE_DEFAULTS):
        return (f"deleting a {kind.title} cannot be undone (its history goes with it)",)
    return ()


def _filter_notes(options: PlanOptions, order: Sequence[str]) -> tuple[str, ...]:
    if not options.only_kinds:
        return ()
    return (
        f"--kind filter: only {', '.join(order) or 'no kinds'} planned; other kinds "
        "were not compared",
    )


# --- effective access -----------------------------------------------------------------------

Access = dict[tuple[str, str], set[str]]  # (module, permission) -> rights
RoleAccess = dict[tuple[str, str], frozenset[str]]


def permission_field(kind: Kind) -> str | None:
    """The field holding a role's permission set, if the kind has one."""
    return next((f.name for f in kind.fields if f.type == "permissions"), None)


def role_list_field(kind: Kind, kinds: Mapping[str, Kind]) -> Field | None:
    """The field holding a user's roles: a string list referring to a kind with permissions."""
    for f in kind.fields:
        if f.type == "string_list" and f.ref in kinds and permission_field(kinds[f.ref]):
            return f
    return None


def effective_access(
    kinds: Mapping[str, Kind], desired: State, live: State, changes: Sequence[Change]
) -> tuple[AccessChange, ...]:
    """Per user and permission: the rights granted through roles before and after the plan."""
    by_ref = {c.ref: c for c in changes}
    out: list[AccessChange] = []
    for kind in kinds.values():
        roles_field = role_list_field(kind, kinds)
        if roles_field is None or not (live.of(kind.key) or desired.of(kind.key)):
            continue
        role_kind = kinds[roles_field.ref]
        before_perms, after_perms = _role_permissions(role_kind, live, by_ref)
        changed = {
            r for r in {*before_perms, *after_perms} if before_perms.get(r) != after_perms.get(r)
        }
        for key in sorted({*live.of(kind.key), *desired.of(kind.key)}):
            user = Ref(kind.key, key)
            before_roles = _items(_live_values(live, user).get(roles_field.name))
            after_roles = _post_roles(user, roles_field.name, live, by_ref)
            if before_roles == after_roles and not changed & before_roles:
                continue  # same roles, none of them changed: same access
            before = _merge(before_perms, before_roles)
            after = _merge(after_perms, after_roles)
            out += _access_diff(user, before, after)
    return tuple(out)


def _role_permissions(
    role_kind: Kind, live: State, by_ref: Mapping[Ref, Change]
) -> tuple[dict[str, RoleAccess], dict[str, RoleAccess]]:
    """Each role's grants before and after the plan (a removed role grants nothing)."""
    field_name = permission_field(role_kind)
    before = {k: _role_access(r.values.get(field_name)) for k, r in live.of(role_kind.key).items()}
    after = dict(before)
    for ref, change in by_ref.items():
        if ref.kind != role_kind.key:
            continue
        if change.removes:
            after.pop(ref.key, None)
        elif change.desired is not None and field_name in change.desired:
            after[ref.key] = _role_access(change.desired[field_name])
    return before, after


def _role_access(perms: Any) -> RoleAccess:
    return {
        (module, permission): frozenset(_items(rights))
        for module, permissions in (perms or {}).items()
        for permission, rights in (permissions or {}).items()
    }


def _post_roles(user: Ref, field_name: str, live: State, by_ref: Mapping[Ref, Change]) -> set[str]:
    change = by_ref.get(user)
    if change is not None and change.removes:
        return set()
    if change is not None and change.desired is not None and field_name in change.desired:
        return _items(change.desired[field_name])
    return _items(_live_values(live, user).get(field_name))


def _merge(access_by_role: Mapping[str, RoleAccess], roles: Iterable[str]) -> Access:
    access: Access = {}
    for role in roles:
        for key, rights in access_by_role.get(role, {}).items():
            access.setdefault(key, set()).update(rights)
    return access


def _access_diff(user: Ref, before: Access, after: Access) -> list[AccessChange]:
    return [
        AccessChange(
            user,
            module,
            permission,
            tuple(sorted(before.get((module, permission), ()))),
            tuple(sorted(after.get((module, permission), ()))),
        )
        for module, permission in sorted({*before, *after})
        if before.get((module, permission), set()) != after.get((module, permission), set())
    ]
