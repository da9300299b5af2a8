"""What the safety gate decides on, derived again for a saved plan at apply time.

A plan file is data anyone with write access can edit, and its plain checksum can be
recomputed by anyone (only a signature, planfile.py, binds it to its review). So apply trusts
the file only for what it asks to do — each change's action, object and desired values —
and derives everything the gate judges from the live state read at apply time and the kinds:

- live counts per kind (the percentage thresholds) from the apply-time read;
- each change's field changes (before, after, items added and removed), by diffing its
  desired values against the live object, exactly as the planner does;
- irreversibility from the action and the kind;
- effective access per user from the re-derived changes and live roles and users;
- the live identity a writer targets (RECORDNO, REST key) from the live object, so a change
  cannot name one object and write another;
- attestations only ever close manual steps: on a change the applier executes they are
  dropped, so the gate never skips a change that will run.
Segregation-of-duties findings are evaluated again by workflow (they need the live access
read and the mitigations in the manifests).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from intacct_reconcile.access import effective_access
from intacct_reconcile.errors import PlanFileError
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.planner import create_fields, diff_fields, irreversible_delete
from intacct_reconcile.safety_policy import ACTIONS
from intacct_reconcile.types import Change, FieldChange, Plan, Resource, State

_REGENERATE = "run `intacct-reconcile plan --out FILE` again and review the new plan"


def for_gate(plan: Plan, live: State, kinds: Mapping[str, Kind], *, source: str) -> Plan:
    """`plan` with every input of the gate derived from `live` (which must cover the kinds
    of the plan's changes) and `kinds`; `source` names the plan file in errors."""
    changes = tuple(_change(c, live, kinds, plan, source) for c in plan.changes)
    desired = _desired(changes)
    return dataclasses.replace(
        plan,
        changes=changes,
        live_counts={kind: len(live.of(kind)) for kind in live.kinds()},
        access_changes=effective_access(kinds, desired, live, changes),
    )


def _change(
    change: Change, live: State, kinds: Mapping[str, Kind], plan: Plan, source: str
) -> Change:
    kind = kinds.get(change.ref.kind)
    if kind is None or change.action not in ACTIONS:
        raise PlanFileError(
            f"{source}: {change.action} {change.ref} is not a change this tool makes (unknown "
            f"kind or action) — {_REGENERATE}"
        )
    if change.action == "manual":
        return change  # never executed: what a person does in the UI
    if str(change.ref) not in plan.fingerprints:
        # the planner fingerprints every object it changes; without one, staleness of the
        # object could not be checked
        raise PlanFileError(
            f"{source}: {change.action} {change.ref} has no live fingerprint — {_REGENERATE}"
        )
    current = live.get(kind.key, change.ref.key)
    desired = dict(change.desired or {})
    if change.action == "delete":
        fields: tuple[FieldChange, ...] = ()
    elif current is None:
        fields = create_fields(kind, desired)
    else:
        fields = diff_fields(kind, desired, current.values)
    return dataclasses.replace(
        change,
        api=kind.api,
        fields=fields,
        live_meta=dict(current.meta) if current is not None else {},
        irreversible=irreversible_delete(kind) if change.action == "delete" else (),
        attested=None,
        stale_attestation=None,
    )


def written(plan: Plan) -> State:
    """The objects the plan writes, with the values it writes, as a desired state."""
    return _desired(plan.changes)


def touched(plan: Plan) -> State:
    """Every object the plan changes, as a desired state: what narrows a kind's live read to
    its own objects (web services users among all users) as the plan's declared state did."""
    return _desired(plan.changes, writes_only=False)


def _desired(changes: tuple[Change, ...], *, writes_only: bool = True) -> State:
    """The objects the plan writes, as a desired state (effective access enumerates users
    from it, next to the live ones)."""
    by_kind: dict[str, dict[str, Resource]] = {}
    for change in changes:
        writes = change.action != "manual" and not change.removes and change.desired is not None
        if writes or not writes_only:
            by_kind.setdefault(change.ref.kind, {})[change.ref.key] = Resource(
                change.ref.kind, change.ref.key, dict(change.desired or {})
            )
    return State(by_kind)
