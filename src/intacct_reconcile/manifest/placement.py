"""Where declared objects live in a multi-entity company: top level, one entity, or a copy in
each of several entities.

    gl_accounts:
      "1950-{entity}":                 # one object per entity: ids are unique company-wide
        title: Pleo Wallet {entity}
        type: balance_sheet
        normal_balance: debit
        entity: [E100, E200]          # -> 1950-E100 in E100, 1950-E200 in E200

A kind whose objects can live in an entity has a placement field (`entity`, kinds/base.py
`entity_field`). Written as one entity ID it places the object there; written as a list it
declares one object per entity: `{entity}` in the key and in text values becomes that entity's
ID. Each copy is an object of its own (own key, own plan line, all pointing at the declaring
line), so the planner, the safety gate and the applier need nothing new: the applier already
scopes each create to the copy's entity.

Kinds Intacct keeps at the top level (`Kind.top_level`: web services users, roles, company
settings) refuse `entity:` with a located error saying why and what to write instead.
"""

from __future__ import annotations

from typing import Any

from intacct_reconcile.errors import Problem
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.types import Span

PLACEHOLDER = "{entity}"


def placement_field(kind: Kind) -> Field | None:
    return next((f for f in kind.fields if f.placement), None)


def top_level_problems(kind: Kind, key: Any, obj: Any, span_of: Any) -> tuple[Any, list[Problem]]:
    """For a top-level-only kind: the object without `entity:` and the error it earned."""
    if not kind.top_level or not isinstance(obj, dict) or "entity" in kind.fields_by_name:
        return obj, []
    if "entity" not in obj:
        return obj, []
    problem = Problem(
        span_of("entity"),
        f"{kind.key}/{key}: {kind.title}s live at the top level of an Intacct company, "
        "not in an entity",
        f"remove `entity:`: {kind.top_level}",
    )
    return {k: v for k, v in obj.items() if k != "entity"}, [problem]


def copies(
    kind: Kind, raw_key: str, values: dict[str, Any], key_span: Span | None
) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """(key, values) of each object an entry declares: itself, or one copy per entity."""
    field = placement_field(kind)
    placed = values.get(field.name) if field is not None else None
    if field is None or not isinstance(placed, list):
        if PLACEHOLDER in raw_key:
            return [], [
                Problem(
                    key_span,
                    f"{kind.key}/{raw_key}: {PLACEHOLDER} in a key needs a list of entities",
                    f"add `{field.name}: [E100, E200]` to place a copy in each entity"
                    if field is not None
                    else f"{kind.key} objects are not placed in entities: write the key "
                    "without {entity}",
                )
            ]
        return [(raw_key, values)], []
    entities = [str(e) for e in placed]
    if len(entities) > 1 and PLACEHOLDER not in raw_key:
        return [], [
            Problem(
                key_span,
                f"{kind.key}/{raw_key}: placed in {len(entities)} entities with one id; "
                "Intacct ids are unique across a company",
                f'put {PLACEHOLDER} in the key so each entity gets its own, e.g. "{raw_key}-'
                f'{PLACEHOLDER}"',
            )
        ]
    out = []
    for entity in entities:
        copy = {k: _fill(v, entity) for k, v in values.items() if k != field.name}
        copy[field.name] = entity
        out.append((raw_key.replace(PLACEHOLDER, entity), copy))
    return out, []


def _fill(value: Any, entity: str) -> Any:
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, entity)
    if isinstance(value, list):
        return [_fill(v, entity) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, entity) for k, v in value.items()}
    return value


def entity_schema(base: dict[str, Any]) -> dict[str, Any]:
    """A placement field's schema: one entity ID, or a list of them (a copy in each)."""
    description = base.pop("description", "")
    many = {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}
    out: dict[str, Any] = {"anyOf": [base, many]}
    if description:
        out["description"] = (
            f"{description} A list places a copy in each entity ({PLACEHOLDER} in the key and "
            "text values stands for the entity ID)."
        )
    return out
