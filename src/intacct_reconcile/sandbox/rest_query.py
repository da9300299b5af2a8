"""``POST /services/core/query`` over REST records (JSON dicts), as a pure function.

Request: ``{object, fields, filters, filterExpression, filterParameters, orderBy, start, size}``
(reference §5; developer.sage.com query-service guide). Filters are a list of one-operator
objects such as ``{"$eq": {"status": "active"}}``; ``filterExpression`` combines them by
1-based position (``"1 and (2 or 3)"``) or names one operator for all (``"and"``, ``"or"``);
default all joined with ``and``. Fields and filters
address nested values by dot path (``accounting.offsetGLAccount.id``); results come back as
flat objects keyed by the requested paths, as the real service answers
(``"department.key": "10"``). ``start`` is 1-based.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from intacct_reconcile.sandbox.rest_errors import Detail, RestError, bad_request

DEFAULT_SIZE = 100
# assumption: the query service's page-size maximum; the reference only says FYR uses 2000
MAX_SIZE = 4000
QUERY_KEYS = frozenset(
    {
        "object",
        "fields",
        "filters",
        "filterExpression",
        "filterParameters",
        "orderBy",
        "start",
        "size",
    }
)


def get_path(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


Fold = Callable[[str], str]


def _same(text: str) -> str:
    return text


def _compare_key(value: Any, fold: Fold = str.casefold) -> tuple[int, Any]:
    # None first; numbers numerically; other text as is (case-sensitive) or folded
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, str(value).lower())
    if isinstance(value, int | float):
        return (2, value)
    text = str(value)
    try:
        return (2, float(text))
    except ValueError:
        return (3, fold(text))


def _eq(a: Any, b: Any, fold: Fold) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return _text(a).lower() == _text(b).lower()
    return _compare_key(a, fold) == _compare_key(b, fold)


def _between(value: Any, bounds: Any, fold: Fold) -> bool:
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise bad_request("$between needs a list of two values")
    low, high = (_compare_key(b, fold) for b in bounds)
    return low <= _compare_key(value, fold) <= high


def _as_list(value: Any, op: str) -> list[Any]:
    if not isinstance(value, list):
        raise bad_request(f"{op} needs a list of values")
    return value


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any, Fold], bool]:
    return lambda v, x, f: v is not None and test(_compare_key(v, f), _compare_key(x, f))


def _text_test(test: Callable[[str, str], bool]) -> Callable[[Any, Any, Fold], bool]:
    return lambda v, x, f: test(f(_text(v)), f(_text(x)))


OPERATORS: dict[str, Callable[[Any, Any, Fold], bool]] = {
    "$eq": _eq,
    "$ne": lambda v, x, f: not _eq(v, x, f),
    "$lt": _ordered(lambda a, b: a < b),
    "$lte": _ordered(lambda a, b: a <= b),
    "$gt": _ordered(lambda a, b: a > b),
    "$gte": _ordered(lambda a, b: a >= b),
    "$in": lambda v, x, f: any(_eq(v, i, f) for i in _as_list(x, "$in")),
    "$notIn": lambda v, x, f: not any(_eq(v, i, f) for i in _as_list(x, "$notIn")),
    "$between": _between,
    "$notBetween": lambda v, x, f: not _between(v, x, f),
    "$contains": _text_test(lambda v, x: x in v),
    "$notContains": _text_test(lambda v, x: x not in v),
    "$startsWith": _text_test(lambda v, x: v.startswith(x)),
    "$notStartsWith": _text_test(lambda v, x: not v.startswith(x)),
    "$endsWith": _text_test(lambda v, x: v.endswith(x)),
    "$notEndsWith": _text_test(lambda v, x: not v.endswith(x)),
}

Predicate = Callable[[Mapping[str, Any]], bool]


def _condition(index: int, raw: Any, valid: frozenset[str], fold: Fold) -> Predicate:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise bad_request(f"filters[{index}] must be one operator object, e.g. {{'$eq': {{...}}}}")
    ((op, operand),) = raw.items()
    test = OPERATORS.get(op)
    if test is None:
        raise bad_request(
            f"filters[{index}]: unknown operator {op}",
            [Detail(f"{op} is not a valid operator", f"/filters/{index}")],
        )
    if not isinstance(operand, dict) or len(operand) != 1:
        raise bad_request(f"filters[{index}]: {op} needs exactly one field: value pair")
    ((path, expected),) = operand.items()
    _check_field(path, valid, f"/filters/{index}")
    return lambda record: test(get_path(record, path), expected, fold)


_TOKEN = re.compile(r"\s*(\d+|and\b|or\b|\(|\))", re.IGNORECASE)


def _expression(text: str, predicates: Sequence[Predicate]) -> Predicate:
    """Parse ``1 and (2 or 3)``: ``and`` binds tighter than ``or``."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match:
            raise bad_request(f"filterExpression: unexpected text at {text[pos:]!r}")
        tokens.append(match.group(1).lower())
        pos = match.end()

    def parse_or(i: int) -> tuple[Predicate, int]:
        left, i = parse_and(i)
        while i < len(tokens) and tokens[i] == "or":
            right, i = parse_and(i + 1)
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left, i

    def parse_and(i: int) -> tuple[Predicate, int]:
        left, i = parse_atom(i)
        while i < len(tokens) and tokens[i] == "and":
            right, i = parse_atom(i + 1)
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left, i

    def parse_atom(i: int) -> tuple[Predicate, int]:
        if i >= len(tokens):
            raise bad_request("filterExpression ends too early")
        token = tokens[i]
        if token == "(":
            inner, i = parse_or(i + 1)
            if i >= len(tokens) or tokens[i] != ")":
                raise bad_request("filterExpression: missing ')'")
            return inner, i + 1
        if token.isdigit():
            n = int(token)
            if not 1 <= n <= len(predicates):
                raise bad_request(f"filterExpression refers to filter {n}, which does not exist")
            return predicates[n - 1], i + 1
        raise bad_request(f"filterExpression: unexpected {token!r}")

    predicate, end = parse_or(0)
    if end != len(tokens):
        raise bad_request(f"filterExpression: unexpected {tokens[end]!r}")
    return predicate


def _check_field(path: Any, valid: frozenset[str], target: str) -> None:
    if not isinstance(path, str) or path not in valid:
        raise bad_request(
            "Payload contains errors",
            [
                Detail(
                    f"{path} is not a valid field",
                    target,
                    error_id="REST-1043",
                    message_id="IA.NOT_A_VALID_FIELD",
                )
            ],
        )


def _int(query: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = query.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_request(
            f"{name} must be an integer between {low} and {high}",
            [Detail(f"{value!r} is not valid for {name}", f"/{name}")],
        )
    return value


def run_query(
    query: Mapping[str, Any], records: Sequence[Mapping[str, Any]], valid: frozenset[str]
) -> dict[str, Any]:
    """Filter, sort, page and project ``records``; returns the ia::result/ia::meta body."""
    unknown = sorted(set(query) - QUERY_KEYS)
    if unknown:
        raise bad_request(
            "Payload contains errors",
            [
                Detail(
                    f"/{k} is not a valid field",
                    f"/{k}",
                    error_id="REST-1043",
                    message_id="IA.NOT_A_VALID_FIELD",
                )
                for k in unknown
            ],
        )
    fields = query.get("fields") or ["key", "id", "href"]
    if not isinstance(fields, list):
        raise bad_request("fields must be a list of field names")
    for i, name in enumerate(fields):
        _check_field(name, valid, f"/fields/{i}")
    raw_filters = query.get("filters") or []
    if not isinstance(raw_filters, list):
        raise bad_request("filters must be a list")
    parameters = query.get("filterParameters") or {}
    if not isinstance(parameters, dict):
        raise bad_request("filterParameters must be an object")
    # assumption: string comparisons are case-sensitive unless caseSensitiveComparison is
    # false, as XML string operands are (D-query); sorting always ignores case
    fold = _same if parameters.get("caseSensitiveComparison", True) else str.casefold
    predicates = [_condition(i, f, valid, fold) for i, f in enumerate(raw_filters)]
    expression = str(query.get("filterExpression") or "").strip()
    if expression.lower() == "or" and predicates:
        # Sage's reference examples (and FYR's default) name the operator alone: it joins
        # every filter
        keep = lambda record: any(p(record) for p in predicates)  # noqa: E731
    elif expression and expression.lower() != "and" and predicates:
        keep = _expression(expression, predicates)
    else:
        keep = lambda record: all(p(record) for p in predicates)  # noqa: E731
    selected = [r for r in records if keep(r)]
    order = query.get("orderBy") or []
    if not isinstance(order, list):
        raise bad_request("orderBy must be a list such as [{'id': 'asc'}]")
    for i, item in reversed(list(enumerate(order))):  # stable sorts, last key first
        if not isinstance(item, dict) or len(item) != 1:
            raise bad_request(f"orderBy[{i}] must be one {{field: 'asc'|'desc'}} object")
        ((path, direction),) = item.items()
        _check_field(path, valid, f"/orderBy/{i}")
        if str(direction).lower() not in ("asc", "desc"):
            raise bad_request(f"orderBy[{i}]: direction must be asc or desc")
        selected.sort(
            key=lambda r, p=path: _compare_key(get_path(r, p)),
            reverse=str(direction).lower() == "desc",
        )
    start = _int(query, "start", 1, 1, 2**31)
    size = _int(query, "size", DEFAULT_SIZE, 1, MAX_SIZE)
    page = selected[start - 1 : start - 1 + size]
    total = len(selected)
    result = [{name: get_path(r, name) for name in fields} for r in page]
    meta = {
        "totalCount": total,
        "start": start,
        "pageSize": size,
        "next": start + size if start - 1 + size < total else None,
        "previous": max(1, start - size) if start > 1 else None,
    }
    return {"ia::result": result, "ia::meta": meta}


def field_paths(example: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every dot path of a (nested) record shape: its valid query fields."""
    paths: set[str] = set()
    for name, value in example.items():
        path = f"{prefix}{name}"
        paths.add(path)
        if isinstance(value, Mapping):
            paths |= field_paths(value, path + ".")
    return paths


__all__ = ["MAX_SIZE", "RestError", "field_paths", "get_path", "run_query"]
