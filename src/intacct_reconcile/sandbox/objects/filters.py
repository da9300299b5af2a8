"""Filter expressions over one object's records, compiled to SQL over the `records` table.

    Cmp("equalto", "STATUS", ("active",))          one field, operator, operand values
    And((a, b)), Or((a, b)), Not(a)                 nesting
    compile_where(obj, expr, case_insensitive) -> (sql, params)

Operators are the `query` ones (reference §2): equalto, notequalto, lessthan,
lessthanorequalto, greaterthan, greaterthanorequalto, between, in, notin, like, notlike,
isnull, isnotnull. readByQuery's SQL-like strings parse into the same tree (xml_query_string).
Values are compared as text, numerically for integer fields and RECORDNO, in time order for
dates (mm/dd/yyyy, and the WHENCREATED/WHENMODIFIED timestamps), case-sensitively
unless `case_insensitive` (the `caseinsensitive` query option).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.sandbox.objects.errors import ILLEGAL, SandboxError
from intacct_reconcile.sandbox.objects.model import ObjectDef


@dataclass(frozen=True)
class Cmp:
    """One comparison: a `query` operator on a field, with its operand values."""

    op: str
    field: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class And:
    """Matches the records that every part matches."""

    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    """Matches the records that any part matches."""

    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    """Matches the records that `part` does not match."""

    part: Filter


Filter = Cmp | And | Or | Not

_BINARY = {
    "equalto": "=",
    "notequalto": "IS NOT",  # missing values count as "not equal"
    "lessthan": "<",
    "lessthanorequalto": "<=",
    "greaterthan": ">",
    "greaterthanorequalto": ">=",
    "like": "LIKE",
    "notlike": "NOT LIKE",
}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
OPERATORS = frozenset({*_BINARY, "between", "in", "notin", "isnull", "isnotnull"})
NUMERIC_TYPES = frozenset({"integer"})


def bad_field(obj: ObjectDef, name: str) -> SandboxError:
    # assumption: wording and number for an unknown field in select/filter/orderby
    return SandboxError(
        [
            (
                ILLEGAL,
                f"Invalid field {name} for object {obj.name}",
                "",
                "Use a field listed by inspect or lookup.",
            )
        ]
    )


def field_sql(obj: ObjectDef, name: str) -> tuple[str, bool]:
    """SQL expression for a field (dotted paths reach into groups) and whether it is numeric."""
    upper = name.upper()
    if upper == "RECORDNO":
        return "recordno", True
    if upper in obj.unmodelled:
        return "NULL", False
    stored = obj.aliases.get(upper, upper)
    parts = stored.split(".")
    if len(parts) > 2 or not all(_NAME.fullmatch(p) for p in parts):
        raise bad_field(obj, name)  # also keeps names safe to place in the JSON path below
    top = obj.field(parts[0])
    if top is None and stored not in ("WHENCREATED", "WHENMODIFIED"):
        raise bad_field(obj, name)
    if (
        top is not None
        and len(parts) > 1
        and not (any(c.name == parts[1] for c in top.children) or parts[1] == top.item)
    ):
        # assumption: a list item path (USERLOCATIONS.LOCATIONID) may be selected; as a
        # filter it matches nothing
        raise bad_field(obj, name)
    path = "$." + ".".join(f'"{p}"' for p in parts)
    expr = f"json_extract(data, '{path}')"
    numeric = top is not None and top.type in NUMERIC_TYPES and len(parts) == 1
    if _is_date(obj, stored):
        # mm/dd/yyyy[ HH:MM:SS] -> yyyymmdd[ HH:MM:SS] so dates compare and sort in time order
        expr = (
            f"(substr({expr}, 7, 4) || substr({expr}, 1, 2) || substr({expr}, 4, 2) || "
            f"substr({expr}, 11))"
        )
    return (f"CAST({expr} AS INTEGER)" if numeric else expr), numeric


def _is_date(obj: ObjectDef, stored: str) -> bool:
    if stored in ("WHENCREATED", "WHENMODIFIED"):
        return True
    field = obj.field(stored)
    return field is not None and field.type == "date"


def sortable_date(value: str) -> str:
    """The operand form of a date: '01/31/2024 10:00:00' -> '20240131 10:00:00'."""
    if len(value) >= 10 and value[2] == "/" and value[5] == "/":
        return value[6:10] + value[0:2] + value[3:5] + value[10:]
    return value


def _operand(value: str, numeric: bool, lower: bool) -> tuple[str, Any]:
    if numeric:
        try:
            return "?", int(value)
        except ValueError:
            return "?", value
    return ("LOWER(?)" if lower else "?"), value


def compile_where(
    obj: ObjectDef, expr: Filter, case_insensitive: bool = False
) -> tuple[str, list[Any]]:
    params: list[Any] = []
    sql = _compile(obj, expr, case_insensitive, params)
    return sql, params


def _compile(obj: ObjectDef, expr: Filter, ci: bool, params: list[Any]) -> str:
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        return "(" + joiner.join(_compile(obj, p, ci, params) for p in expr.parts) + ")"
    if isinstance(expr, Not):
        return f"(NOT {_compile(obj, expr.part, ci, params)})"
    column, numeric = field_sql(obj, expr.field)
    lower = ci and not numeric
    if lower:
        column = f"LOWER({column})"
    values = _translate(obj, expr.field, expr.values)
    stored = obj.aliases.get(expr.field.upper(), expr.field.upper())
    if _is_date(obj, stored):
        values = tuple(sortable_date(v) for v in values)
    if expr.op == "isnull":
        return f"({column} IS NULL OR {column} = '')"
    if expr.op == "isnotnull":
        return f"({column} IS NOT NULL AND {column} != '')"
    if expr.op in ("in", "notin"):
        marks = []
        for value in values:
            mark, param = _operand(value, numeric, lower)
            marks.append(mark)
            params.append(param)
        negate = "NOT " if expr.op == "notin" else ""
        found = f"{column} {negate}IN ({', '.join(marks)})"
        return f"({found} OR {column} IS NULL)" if negate else found
    if expr.op == "between":
        low, low_p = _operand(values[0], numeric, lower)
        high, high_p = _operand(values[1], numeric, lower)
        params.extend((low_p, high_p))
        return f"({column} BETWEEN {low} AND {high})"
    mark, param = _operand(values[0], numeric, lower)
    params.append(param)
    if expr.op == "notlike":
        return f"({column} NOT LIKE {mark} OR {column} IS NULL)"
    return f"{column} {_BINARY[expr.op]} {mark}"


def _translate(obj: ObjectDef, field: str, values: Sequence[str]) -> tuple[str, ...]:
    codes = obj.filter_values.get(field.upper())
    if not codes:
        return tuple(values)
    return tuple(codes.get(v, v) for v in values)


def check_arity(expr: Filter) -> None:
    """Operand counts per operator (between 2, in/notin 1..1000, isnull 0, others 1)."""
    if isinstance(expr, And | Or):
        for part in expr.parts:
            check_arity(part)
        return
    if isinstance(expr, Not):
        check_arity(expr.part)
        return
    wanted = {
        "between": (2, 2),
        "in": (1, 1000),
        "notin": (1, 1000),
        "isnull": (0, 0),
        "isnotnull": (0, 0),
    }.get(expr.op, (1, 1))
    if not wanted[0] <= len(expr.values) <= wanted[1]:
        raise SandboxError(
            [
                (
                    ILLEGAL,
                    f"Invalid filter: {expr.op} on {expr.field} takes "
                    f"{wanted[0]}..{wanted[1]} values, got {len(expr.values)}",
                    "",
                    "Correct the filter.",
                )
            ]
        )
