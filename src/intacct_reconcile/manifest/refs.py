"""Cross-references between declared objects, deferred references, dependency cycles."""

from __future__ import annotations

import difflib
import graphlib
from collections.abc import Iterable, Mapping

from intacct_reconcile.errors import Problem
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.manifest.objects import Declared, DeferredRef
from intacct_reconcile.types import Ref

Objects = Mapping[str, Mapping[str, Declared]]


def _targets(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int)]
    return [str(value)] if isinstance(value, str | int) else []


def check_refs(objects: Objects) -> tuple[list[Problem], list[DeferredRef], dict[Ref, set[Ref]]]:
    problems: list[Problem] = []
    deferred: list[DeferredRef] = []
    edges: dict[Ref, set[Ref]] = {}
    for by_key in objects.values():
        for obj in by_key.values():
            # only objects that refer to others get an edge set (cycles are among those)
            if obj.ensure == "absent" or not obj.clean:
                continue
            values = obj.values
            for f in obj.kind.ref_fields:
                value = values.get(f.name)
                if value is None:
                    continue  # the usual case: the field is not set
                for raw in _targets(value):
                    target_kind = REGISTRY[f.ref or ""]
                    target = Ref(target_kind.key, target_kind.normalize_key(raw))
                    span = obj.field_spans.get(f.name, obj.span)
                    found = objects.get(target.kind, {}).get(target.key)
                    if found is None:
                        problem = _case_slip(obj, f.name, target, objects)
                        if problem:
                            problems.append(problem)
                        else:
                            similar = _similar(target, objects)
                            deferred.append(DeferredRef(obj.ref, f.name, target, span, similar))
                    elif found.ensure == "absent":
                        problems.append(
                            Problem(
                                span,
                                f"{obj.ref} {f.name} refers to {target}, which is declared "
                                f"`ensure: absent` at {found.span}",
                                f"keep {target}, or point {f.name} at another object",
                            )
                        )
                    else:
                        edges.setdefault(obj.ref, set()).add(target)
    return problems, deferred, edges


def _similar(target: Ref, objects: Objects) -> str:
    close = difflib.get_close_matches(
        target.key, list(objects.get(target.kind, {})), n=1, cutoff=0.8
    )
    return close[0] if close else ""


def _case_slip(obj: Declared, field: str, target: Ref, objects: Objects) -> Problem | None:
    # assumption: two identities differing only in case are a typo, not two objects
    for key in objects.get(target.kind, {}):
        if key.lower() == target.key.lower():
            return Problem(
                obj.field_spans.get(field, obj.span),
                f"{obj.ref} {field} refers to {target}, which is not declared",
                f"did you mean '{key}'? (identities are case-sensitive)",
            )
    return None


def check_cycles(edges: Mapping[Ref, Iterable[Ref]], objects: Objects) -> list[Problem]:
    # only objects that refer to others can be part of a cycle
    graph = {node: set(deps) for node, deps in edges.items() if deps}
    problems = []
    while True:
        try:
            graphlib.TopologicalSorter(graph).prepare()
            return problems
        except graphlib.CycleError as exc:
            cycle: list[Ref] = exc.args[1]
            first = objects[cycle[0].kind][cycle[0].key]
            problems.append(
                Problem(
                    first.span,
                    "dependency cycle: " + " -> ".join(str(r) for r in reversed(cycle)),
                    "break the cycle: one of these references must point elsewhere",
                )
            )
            for node in cycle:
                graph.pop(node, None)
            for deps in graph.values():
                deps.difference_update(cycle)
