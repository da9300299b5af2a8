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
  - creates, updates and manual steps run in dependency order, removals last in reverse
    (ordering.py);
  - effective access per user is derived from role permission and user role-list changes
    (access.py); live fingerprints and the manifest digest come from digests.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intacct_reconcile.access import (
    as_items,
    effective_access,
    is_permission_set,
    permission_items,
)
from intacct_reconcile.attestations import expired, value_digest
from intacct_reconcile.digests import fingerprint, fingerprint_fields, state_digest
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.ordering import (
    PlanningError,
    kind_order,
    object_refs,
    ordered_changes,
)
from intacct_reconcile.types import (
    Change,
    FieldChange,
    Plan,
    PlanOptions,
    Ref,
    Resource,
    State,
)

REDACTED = "***"
# Keys a manifest layer may leave in `values` that are not fields of the object.
_NOT_FIELDS = frozenset({"ensure"})
# assumption: kinds that do not say otherwise deactivate by setting status to "inactive".
_STATUS_FIELD = "status"
_INACTIVE = "inactive"


def plan(
    desired: State,
    live: State,
    options: PlanOptions | None = None,
    creates: Creates | None = None,
) -> Plan:
    """Compare desired with live state and return the ordered changes for `options.target`.
    `creates`: what `creates_ahead` worked out for these desired objects (used where an
    object turns out not to exist)."""
    options = options or PlanOptions()
    kinds = _kinds(options)
    order = kind_order(_planned_kinds(desired, options, kinds), kinds)
    forward: list[Change] = []
    removal_groups: list[list[Change]] = []
    unmanaged: list[Ref] = []
    notes: list[str] = list(_filter_notes(options, order))
    for key in order:
        kind = kinds[key]
        result = _plan_kind(kind, desired.of(key), live.of(key), options, creates)
        forward += ordered_changes(
            kind, [c for c in result.changes if not c.removes], live, reverse=False
        )
        removal_groups.append(
            ordered_changes(kind, [c for c in result.changes if c.removes], live, reverse=True)
        )
        unmanaged += result.unmanaged
        notes += result.notes
        if kind.hooks.plan_notes is not None:
            notes += kind.hooks.plan_notes(kind, desired, live)
    # removals run last, kinds in reverse dependency order
    changes = (*forward, *(c for group in reversed(removal_groups) for c in group))
    return Plan(
        target=options.target,
        changes=changes,
        unmanaged=tuple(unmanaged),
        access_changes=effective_access(kinds, desired, live, changes),
        live_counts={key: len(live.of(key)) for key in order},
        fingerprints=_fingerprints(changes, live),
        manifest_digest=options.manifest_digest or state_digest(desired),
        notes=tuple(notes),
    )


def _fingerprints(changes: Sequence[Change], live: State) -> dict[str, str]:
    covered = fingerprint_fields(changes)
    return {
        str(c.ref): fingerprint(live.get(c.ref.kind, c.ref.key), covered[c.ref.kind])
        for c in changes
    }


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


# --- one kind ---------------------------------------------------------------------------------


@dataclass
class _KindPlan:
    """What planning one kind gives: its changes, the live objects left unmanaged, and notes."""

    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Ref] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _plan_kind(
    kind: Kind,
    desired: Mapping[str, Resource],
    live: Mapping[str, Resource],
    options: PlanOptions,
    creates: Creates | None = None,
) -> _KindPlan:
    full = options.ownership.get(kind.key, kind.ownership) == "full"
    # a kind without create-only fields has no drift to note in them (most kinds)
    fixed = any(_fixed(spec) and not spec.write_only for spec in kind.fields)
    out = _KindPlan()
    for key in sorted({*desired, *live}):
        declared, current = desired.get(key), live.get(key)
        if declared is not None:
            ahead = creates.of(kind, declared) if creates and current is None else None
            change = ahead or _plan_declared(kind, declared, current, options)
            if current is not None and declared.ensure == "present":
                if fixed:
                    out.notes += _fixed_field_notes(kind, declared, current)
                # what the live reader saw but cannot manage (e.g. permissions outside the
                # permission catalogue): said once, never diffed
                seen = current.meta.get("notes")
                if seen:
                    out.notes += [f"{current.ref}: {n}" for n in seen]
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
        return _create(kind, declared)
    if _plainly_equal(declared.values, current.values):
        return None  # the common case: no field-level diff needed
    fields = diff_fields(kind, declared.values, current.values)
    return _change("update", kind, declared, current, fields) if fields else None


def _create(kind: Kind, declared: Resource) -> Change:
    return _change("create", kind, declared, None, create_fields(kind, declared.values))


class Creates:
    """The create of each declared object, worked out before live state is known (see
    `creates_ahead`). Only what the planner would make of the object were it missing from
    Intacct, and only for the very objects (and kinds) it was worked out for."""

    def __init__(self) -> None:
        # id(declared) -> (declared, kind, its create): kept, so the ids cannot be reused
        self._changes: dict[int, tuple[Resource, Kind, Change]] = {}

    def add(self, kind: Kind, declared: Resource) -> None:
        """`declared`'s create, if a missing `declared` is planned as one of its own."""
        if not kind.read_only and kind.api != "manual" and declared.ensure == "present":
            self._changes[id(declared)] = (declared, kind, _create(kind, declared))

    def of(self, kind: Kind, declared: Resource) -> Change | None:
        found = self._changes.get(id(declared))
        return found[2] if found is not None and found[0] is declared and found[1] is kind else None

    def changes(self) -> list[Change]:
        return [change for _, _, change in self._changes.values()]


def creates_ahead(
    desired: State,
    kinds_used: Sequence[str],
    kinds: Mapping[str, Kind],
    *,
    until: Callable[[], bool],
    most: int = 5_000,
) -> Creates:
    """The creates the plan would hold for the declared objects that turn out missing, worked
    out while the live reads are in flight (`until()` says they are back): an apply of new
    objects then finds them made. At most `most` objects, and none once the reads are back,
    so a company that already holds everything costs little that was not idle time."""
    out = Creates()
    done = 0
    for key in kinds_used:
        kind = kinds.get(key)
        if kind is None:
            continue
        for declared in desired.of(key).values():
            if done % 100 == 0 and (done >= most or until()):
                return out
            done += 1
            out.add(kind, declared)
    return out


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
    return Change(action="delete", irreversible=irreversible_delete(kind), **base)


def _plan_manual(
    kind: Kind, declared: Resource, current: Resource | None, options: PlanOptions
) -> Change | None:
    """A UI step. API-verifiable kinds are done when live matches; others need an attestation."""
    absent = declared.ensure == "absent"
    if absent:
        fields: tuple[FieldChange, ...] = ()
        verb = "Remove"
    elif current is None:
        fields = create_fields(kind, declared.values)
        verb = "Add"
    else:
        fields = diff_fields(kind, declared.values, current.values)
        verb = "Update"
    if kind.verify == "api" and (current is None if absent else current is not None and not fields):
        return None  # live state shows the step is done
    attested, stale, note = _attestation(kind, declared, options)
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
        stale_attestation=stale,
    )


def _attestation(kind: Kind, declared: Resource, options: PlanOptions) -> tuple[Any, Any, str]:
    """(valid attestation, stale attestation, note) of a manual step."""
    if kind.verify == "api":
        return None, None, "verified through the API once done"
    record = options.attestations.get(declared.ref)
    if record is None:
        return (
            None,
            None,
            f"close with `intacct-reconcile attest {declared.ref} --by NAME` once done",
        )
    if record.digest != value_digest(declared):
        return (
            None,
            record,
            f"re-opened: the declared value changed since {record.by} attested it at {record.at}",
        )
    if expired(record, options.now):
        return (
            None,
            record,
            f"re-opened: attestation expired on {record.expires[:10]} ({record.by} attested it "
            f"at {record.at}) — check the setting in the UI, then attest again",
        )
    return record, None, ""


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


def create_fields(kind: Kind, desired: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    specs = _field_specs(kind)
    return tuple(
        _field_change(specs.get(name), name, None, desired[name])
        for name in _field_names(kind, desired)
    )


def _field_specs(kind: Kind) -> dict[str, Field]:
    # once per kind value (a plan or a verification asks per object); the kind is kept with
    # its fields so that its id is not reused while remembered
    found = _SPECS.get(id(kind))
    if found is None or found[0] is not kind:
        if len(_SPECS) > 256:
            _SPECS.clear()
        found = _SPECS[id(kind)] = (kind, {f.name: f for f in kind.fields})
    return found[1]


_SPECS: dict[int, tuple[Kind, dict[str, Field]]] = {}


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
        return as_items(before) == as_items(after)
    return False


def _field_change(spec: Field | None, name: str, before: Any, after: Any) -> FieldChange:
    if spec is not None and spec.secret:  # plans are shown and saved: never the value itself
        return FieldChange(name, None if before is None else REDACTED, REDACTED)
    if (spec is not None and spec.type == "permissions") or is_permission_set(after):
        old, new = permission_items(before), permission_items(after)
    elif isinstance(after, list | tuple) or isinstance(before, list | tuple):
        old, new = as_items(before), as_items(after)
    else:
        return FieldChange(name, before, after)
    return FieldChange(
        name, before, after, added=tuple(sorted(new - old)), removed=tuple(sorted(old - new))
    )


def irreversible_delete(kind: Kind) -> tuple[str, ...]:
    if kind.extra.get("irreversible_delete"):  # e.g. GL accounts (reference §11)
        return (f"deleting a {kind.title} cannot be undone (its history goes with it)",)
    return ()


def _filter_notes(options: PlanOptions, order: Sequence[str]) -> tuple[str, ...]:
    if not options.only_kinds:
        return ()
    return (
        f"--kind filter: only {', '.join(order) or 'no kinds'} planned; other kinds "
        "were not compared",
    )
