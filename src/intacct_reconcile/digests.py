"""Digests of states and objects: canonical JSON, live fingerprints, manifest digests.

A saved plan records the fingerprint of every live object it changes; apply compares them
with live state again to refuse a stale plan (planfile.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intacct_reconcile.types import Change, Resource, State

ABSENT = "absent"


def canonical_json(value: Any, *, ascii_only: bool = False) -> str:
    """Stable JSON text: sorted keys, no spaces, tuples as lists, sets sorted."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=ascii_only,
        default=_jsonable,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)  # dates, decimals: their text is what the API sees too


def fingerprint(resource: Resource | None, fields: Collection[str] | None = None) -> str:
    """sha256 of a live object's normalised values (only `fields`, when given), or "absent"."""
    if resource is None:
        return ABSENT
    values = dict(resource.values)
    if fields is not None:
        values = {k: v for k, v in values.items() if k in fields}
    return hashlib.sha256(canonical_json(values).encode()).hexdigest()


def fingerprint_fields(changes: Iterable[Change]) -> dict[str, frozenset[str]]:
    """The fields a plan's fingerprints cover, per kind: every field any of the kind's changes
    declares or changes. Worked out from the plan's changes alone, so `apply PLANFILE` checks
    exactly what `plan` recorded, however many fields either of them read: a plan reads only
    the declared fields, and drift on any of them makes the plan stale."""
    out: dict[str, set[str]] = {}
    for change in changes:
        names = out.setdefault(change.ref.kind, set())
        names.update(change.desired or ())
        names.update(f.name for f in change.fields)
    return {kind: frozenset(names) for kind, names in out.items()}


def state_digest(state: State) -> str:
    """sha256 of a whole (desired) state: every declared value and ensure flag."""
    data = {
        kind: {key: {"values": dict(r.values), "ensure": r.ensure} for key, r in objs.items()}
        for kind, objs in state.resources.items()
    }
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()
