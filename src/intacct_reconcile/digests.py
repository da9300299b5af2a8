"""Digests of states and objects: canonical JSON, live fingerprints, manifest digests.

A saved plan records the fingerprint of every live object it changes; apply compares them
with live state again to refuse a stale plan (planfile.py).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from intacct_reconcile.types import Resource, State

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
