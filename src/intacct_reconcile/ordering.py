"""Dependency order: kinds after the kinds they refer to, objects after objects of their kind.

Creates, updates and manual steps run in this order; removals run in reverse (planner.py).
Ties keep the registry order for kinds and key order for objects, so plans are stable.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter
from typing import Any

from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.types import Change, Ref, State


class PlanningError(ReconcileError):
    """The states cannot be planned (unknown kind, dependency cycle)."""


def kind_dependencies(kind: Kind) -> set[str]:
    """Kinds this kind must come after: declared depends_on plus kinds its fields refer to."""
    refs = {f.ref for f in kind.fields if f.ref and f.ref != kind.key}
    return (set(kind.depends_on) | refs) - {kind.key}  # references inside a kind: ordered_changes


def kind_order(wanted: Iterable[str], kinds: Mapping[str, Kind]) -> list[str]:
    """`wanted` kinds in dependency order (ties in registry order). A cycle is an error.

    Only the kinds `wanted` depend on, directly or not, are looked at: the others cannot
    make one wanted kind wait for another, and the smallest-first order among these is the
    one the whole graph gives them (a registry loads a kind when it is looked at)."""
    wanted = {key for key in wanted if key in kinds}
    rank = {key: i for i, key in enumerate(kinds)}
    graph: dict[str, set[str]] = {}
    todo = list(wanted)
    while todo:
        key = todo.pop()
        if key not in graph:
            graph[key] = {d for d in kind_dependencies(kinds[key]) if d in kinds}
            todo += graph[key]
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


def ordered_changes(
    kind: Kind, changes: list[Change], live: State, *, reverse: bool
) -> list[Change]:
    """Changes of one kind ordered by references between its own objects (ties by key)."""
    by_key = {c.ref.key: c for c in changes}
    if not any(f.ref == kind.key for f in kind.fields):
        ordered = [by_key[key] for key in sorted(by_key)]  # no references inside the kind
    else:
        graph: dict[str, set[str]] = {}
        for key, change in by_key.items():
            values = live_values(live, change.ref) if reverse else change.desired or {}
            refs = {r.key for r in object_refs(kind, values) if r.kind == kind.key}
            graph[key] = {r for r in refs if r in by_key}
        ordered = [by_key[key] for key in _toposort(graph, str, what=f"{kind.key} objects")]
    return ordered[::-1] if reverse else ordered


def live_values(live: State, ref: Ref) -> Mapping[str, Any]:
    """The live values of an object, or none when it does not exist."""
    resource = live.get(ref.kind, ref.key)
    return resource.values if resource else {}


def object_refs(kind: Kind, values: Mapping[str, Any]) -> tuple[Ref, ...]:
    """Objects these values refer to through `Field.ref` fields."""
    refs: list[Ref] = []
    for f in kind.ref_fields:
        value = values.get(f.name)
        if value in (None, ""):
            continue
        items = value if isinstance(value, list | tuple) else (value,)
        refs += [Ref(f.ref, str(item)) for item in items]
    return tuple(refs)
