"""Generic field mapping: manifest values <-> normalised values <-> API payloads.

One set of rules per `Field.type`, shared by every kind, so desired and live state are
normalised by the same code. Kind-specific behaviour lives in the kind's own `Hooks`.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intacct_reconcile.kinds.base import Field, Kind

MISSING: Any = object()
_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}


# ---------------------------------------------------------------- paths


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """A dotted path from a nested record; flat keys ("CONTACTINFO.EMAIL1") also match."""
    if path in record:
        return record[path]
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def set_path(payload: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = payload
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


# ---------------------------------------------------------------- scalar rules


def apply_case(f: Field, text: str) -> str:
    case = _ref_case(f.ref) if f.ref and f.case == "exact" else f.case
    if case == "lower":
        return text.lower()
    if case == "upper":
        return text.upper()
    return text


@functools.cache
def _ref_case(kind_key: str) -> str:
    """A reference compares like the identity it points at (journal symbols are upper-case)."""
    from intacct_reconcile.kinds import REGISTRY

    target = REGISTRY.get(kind_key)
    return target.identity.case if target else "exact"


_BOOL_TEXT = {**{t: True for t in _TRUE}, **{t: False for t in _FALSE}}


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if type(value) is str:
        exact = _BOOL_TEXT.get(value)  # "true"/"false" as the API sends them: no copies
        if exact is not None:
            return exact
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def to_date(value: Any) -> str:
    """ISO date from a date, "YYYY-MM-DD" or the XML gateway's "mm/dd/yyyy"."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if "/" in text:
        return dt.datetime.strptime(text, "%m/%d/%Y").date().isoformat()
    return dt.date.fromisoformat(text).isoformat()


def to_month(value: Any) -> str:
    text = str(value).strip()
    year, month = text.split("-")
    if len(year) != 4 or not 1 <= int(month) <= 12:
        raise ValueError(f"not a month: {text!r}")
    return f"{int(year):04d}-{int(month):02d}"


def to_cidr(value: Any) -> str:
    return str(ipaddress.ip_network(str(value).strip(), strict=True))


def normalize_field(f: Field, value: Any) -> Any:
    """Manifest value (already validated) -> normalised value."""
    if f.type == "string":
        return apply_case(f, str(value).strip())
    if f.type == "integer":
        return int(value)
    if f.type == "boolean":
        return to_bool(value)
    if f.type == "enum":
        return str(value).strip()
    if f.type == "string_list":
        items = [value] if isinstance(value, str) else list(value)
        return tuple(sorted({apply_case(f, str(item).strip()) for item in items}))
    if f.type == "date":
        return to_date(value)
    if f.type == "month":
        return to_month(value)
    if f.type == "cidr":
        return to_cidr(value)
    if f.type == "permissions":
        from intacct_reconcile import catalog

        return catalog.normalize_permissions(value)
    raise ValueError(f"unknown field type {f.type!r}")


def _fields_to_normalize(
    kind: Kind, values: Mapping[str, Any]
) -> tuple[tuple[str, Callable[[Any], Any], Any], ...]:
    """(name, normaliser, default) of the kind's fields the values set or default, in the
    kind's order.

    Objects of a large manifest share a handful of shapes (the same few fields declared), so
    the list is worked out once per shape instead of walking every field of the kind for
    every object (GL accounts have two dozen, manifests usually set three).
    """
    shape = tuple(values)
    known = kind.normalize_shapes.get(shape)
    if known is None:
        if len(kind.normalize_shapes) > 1024:  # odd manifests with many shapes: stay bounded
            kind.normalize_shapes.clear()
        named = set(shape)
        known = tuple(
            (f.name, _normalizer(f), f.default)
            for f in kind.fields
            if f.name in named or f.default is not None
        )
        kind.normalize_shapes[shape] = known
    return known


def _stripped(value: Any) -> str:
    return value.strip() if type(value) is str else str(value).strip()


def _normalizer(f: Field) -> Callable[[Any], Any]:
    """normalize_field for one field, with the common cases (text as written, enums)
    decided once rather than for every value."""
    if f.type == "enum" or (f.type == "string" and apply_case(f, "aA") == "aA"):
        return _stripped  # apply_case leaves the text as it is
    return functools.partial(normalize_field, f)


def normalize_identity(kind: Kind, key: str) -> str:
    if kind.identity.type == "cidr":
        return to_cidr(key)
    return apply_case(kind.identity, str(key).strip())


def identity_normalizer(kind: Kind) -> Callable[[str], str]:
    """normalize_identity for one kind: keys kept as written need only stripping."""
    if kind.identity.type != "cidr" and apply_case(kind.identity, "aA") == "aA":
        return _stripped
    return functools.partial(normalize_identity, kind)


def normalize_values(kind: Kind, values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, normalize, default in _fields_to_normalize(kind, values):
        value = values.get(name)
        if value is None:
            value = default
        if value is not None:
            # _stripped inline for text (most values): a call less per value
            out[name] = (
                value.strip() if normalize is _stripped and type(value) is str else normalize(value)
            )
    if kind.hooks.normalize:
        out = kind.hooks.normalize(kind, out)
    return out


# ---------------------------------------------------------------- live side


def enum_from_api(f: Field, raw: Any) -> str:
    text = str(raw).strip()
    lowered = text.lower()
    for manifest, api in (f.enum or {}).items():
        if api.lower() == lowered:
            return manifest
    for api, manifest in f.api_aliases.items():
        if api.lower() == lowered:
            return manifest
    return text  # unknown live spelling: kept, so the plan shows it rather than hiding it


def _ref_id(raw: Any) -> Any:
    # assumption: REST references are objects ({"id": "2110", "key": "17", "href": ...}) as in
    # the REST examples of other objects; bare ids are accepted too
    if isinstance(raw, Mapping):
        return raw.get("id", raw.get("key"))
    return raw


def field_from_api(f: Field, raw: Any, *, rest: bool) -> Any:
    if rest and f.ref:
        raw = _ref_id(raw)
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and f.type != "string_list"):
        return None
    if f.type == "string":
        return apply_case(f, str(raw).strip())
    if f.type == "integer":
        return int(str(raw).strip())
    if f.type == "boolean":
        return to_bool(raw)
    if f.type == "enum":
        return enum_from_api(f, raw)
    if f.type == "string_list":
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        items = [_ref_id(i) if rest else i for i in items]
        if f.enum:
            return tuple(sorted({enum_from_api(f, i) for i in items if str(i).strip()}))
        return tuple(sorted({apply_case(f, str(i).strip()) for i in items if str(i).strip()}))
    if f.type == "date":
        return to_date(raw)
    if f.type == "month":
        return to_month(raw)
    if f.type == "cidr":
        return to_cidr(raw)
    if f.type == "permissions":
        from intacct_reconcile import catalog

        return catalog.from_rest_assignments(raw)
    raise ValueError(f"unknown field type {f.type!r}")


# (field name, API path, raw -> normalised value, what values_from_api does inline for text):
# a dict of remembered spellings (booleans, enums), _AS_TEXT (text kept as it is but for
# surrounding white space) or None (always the converter)
Reader = tuple[str, str, Callable[[Any], Any], Any]
_AS_TEXT: Any = object()


def api_readers(kind: Kind) -> tuple[Reader, ...]:
    """(field name, API path, raw -> normalised value, inline rule) for each field read back
    from the API.

    Kind.api_readers caches this per kind: a plan converts tens of thousands of live records,
    and booleans and enums take a handful of distinct raw spellings, so their conversion is
    remembered per spelling instead of repeated for every record.
    """
    rest = kind.api == "rest"
    return tuple(
        (f.name, f.api, *_reader(f, rest)) for f in kind.fields if f.api and not f.write_only
    )


_MEMO_LIMIT = 1024  # distinct spellings remembered per field; more are converted each time


def _reader(f: Field, rest: bool) -> tuple[Callable[[Any], Any], Any]:
    if f.type == "string" and not (rest and f.ref):
        convert = _string_reader(f, rest)
        case = _ref_case(f.ref) if f.ref and f.case == "exact" else f.case
        return convert, _AS_TEXT if case not in ("lower", "upper") else None
    if f.type not in ("boolean", "enum") or (rest and f.ref):
        return functools.partial(field_from_api, f, rest=rest), None
    memo: dict[str, Any] = {}

    def convert(raw: Any) -> Any:
        if type(raw) is not str:
            return field_from_api(f, raw, rest=rest)
        value = memo.get(raw, MISSING)
        if value is MISSING:
            value = field_from_api(f, raw, rest=rest)  # raises on a bad value: not remembered
            if len(memo) < _MEMO_LIMIT:
                memo[raw] = value
        return value

    return convert, memo


def _string_reader(f: Field, rest: bool) -> Callable[[Any], Any]:
    """field_from_api for a text field, its case rule looked up once instead of per value."""
    case = _ref_case(f.ref) if f.ref and f.case == "exact" else f.case

    def convert(raw: Any) -> Any:
        if type(raw) is not str:
            return field_from_api(f, raw, rest=rest)
        text = raw.strip()
        if not text:
            return None
        if case == "lower":
            return text.lower()
        if case == "upper":
            return text.upper()
        return text

    return convert


def values_from_api(kind: Kind, record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    get = record.get
    for name, path, convert, inline in kind.api_readers:
        raw = get(path, MISSING)
        if raw is MISSING:
            if "." not in path:
                continue
            raw = get_path(record, path)  # a nested group (CONTACTINFO.EMAIL1)
            if raw is MISSING:
                continue
        # the readers' common cases written out here (tens of thousands of records a read,
        # a dozen fields each): a spelling met before, text kept as it is
        if type(raw) is str:
            if inline is _AS_TEXT:
                out[name] = raw.strip() or None
                continue
            if inline is not None:
                value = inline.get(raw, MISSING)
                if value is not MISSING:
                    out[name] = value
                    continue
        out[name] = convert(raw)
    if kind.hooks.from_api:
        out = kind.hooks.from_api(kind, record, out)
    return out


def identity_from_api(kind: Kind, record: Mapping[str, Any]) -> str:
    if kind.shape == "singleton":
        return kind.key  # one per company: its key is the kind's own
    if not kind.identity.api:
        raise ValueError(f"{kind.key} has no API identity")
    raw = get_path(record, kind.identity.api)
    if raw is MISSING or raw is None:
        raise ValueError(f"{kind.key} record has no {kind.identity.api}")
    if kind.identity.type == "enum":
        return enum_from_api(kind.identity, raw)
    if type(raw) is str and kind.identity.type != "cidr":
        return apply_case(kind.identity, raw.strip())  # what the line below does with text
    return normalize_identity(kind, str(_ref_id(raw)))


# ---------------------------------------------------------------- payloads


def field_to_api(f: Field, value: Any, *, rest: bool) -> Any:
    if f.type == "enum":
        return (f.enum or {})[value]
    if f.type == "boolean":
        return bool(value) if rest else ("true" if value else "false")
    if f.type == "integer":
        return int(value) if rest else str(int(value))
    if f.type == "date":
        if rest:
            return value
        d = dt.date.fromisoformat(value)
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"  # strftime drops zeros of years < 1000
    if f.type == "string_list":
        items = [(f.enum or {}).get(i, i) for i in value]
        return [{"id": i} for i in items] if rest and f.ref else items
    if f.type == "permissions":
        from intacct_reconcile import catalog

        return catalog.to_rest_assignments(value)
    if rest and f.ref:
        return {"id": value}
    return value


def values_to_api(kind: Kind, values: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
    rest = kind.api == "rest"
    payload: dict[str, Any] = {}
    for path, constant in kind.api_constants.items():
        set_path(payload, path, constant)
    for f in kind.fields:
        value = values.get(f.name)
        if not f.api or value is None or f.placement:
            continue
        if not create and (f.create_only or f.immutable):
            continue
        set_path(payload, f.api, field_to_api(f, value, rest=rest))
    if kind.hooks.to_api:
        payload = kind.hooks.to_api(kind, values, payload, create)
    return payload


def with_identity(kind: Kind, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with the object's identity set (create, and update by ID field)."""
    if kind.identity.api:
        set_path(payload, kind.identity.api, key)
    return payload
