"""Create, update, delete and read records under the object rules (see the package docstring)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intacct_reconcile.sandbox.objects import errors as E
from intacct_reconcile.sandbox.objects.definitions import OBJECTS
from intacct_reconcile.sandbox.objects.filters import Cmp, Filter, bad_field, compile_where
from intacct_reconcile.sandbox.objects.filters import field_sql as _field_sql
from intacct_reconcile.sandbox.objects.model import SYSTEM_FIELDS, Field, ObjectDef
from intacct_reconcile.sandbox.store import Store

Record = dict[str, Any]
WRITERS = ("xml", "rest", "legacy", "seed")  # "xml" = generic XML functions, checked strictly
_TRUE = {"true": "true", "t": "true", "1": "true", "false": "false", "f": "false", "0": "false"}


def definition(obj: str) -> ObjectDef:
    found = OBJECTS.get(obj.upper())
    if found is None:
        raise E.SandboxError([E.unknown_object(obj)])
    return found


_stamp: tuple[int, str] = (-1, "")  # (second, its stamp): creates within a second format once


def _now() -> str:
    global _stamp
    second = int(time.time())
    cached = _stamp  # one read: another thread may replace it meanwhile
    if cached[0] != second:
        cached = _stamp = (second, time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(second)))
    return cached[1]


def _allowed(obj: ObjectDef, verb: str, via: str) -> None:
    if via not in WRITERS:
        raise ValueError(f"via must be one of {WRITERS}, not {via!r}")
    if via == "xml" and verb not in obj.xml_verbs:
        raise E.failed(verb, obj.label, E.read_only_object(obj.name, verb))


def _normalise_value(field: Field, value: Any) -> tuple[Any, list[E.Problem]]:
    if field.type == "group":
        if not isinstance(value, Mapping):
            return None, [E.illegal(field.name, str(value))]
        names = {c.name: c for c in field.children}
        out: dict[str, Any] = {}
        for key, inner in value.items():
            child = names.get(key)
            if child is None:
                return None, [E.unknown_field(field.name, key)]
            out[key], problems = _normalise_value(child, inner)
            if problems:
                return None, problems
        return out, []
    if field.type == "list":
        items = value if isinstance(value, list) else [value]
        return [str(v) for v in items if str(v) != ""], []
    text = "" if value is None else str(value).strip()
    if text == "":
        return "", []
    if field.type == "boolean":
        if text.lower() not in _TRUE:
            return None, [E.illegal(field.name, text, ("true", "false"))]
        return _TRUE[text.lower()], []
    if field.type == "integer" and not text.lstrip("-").isdigit():
        return None, [E.illegal(field.name, text, ("a whole number",))]
    if field.type == "date":
        try:  # reference §1.5: dates are mm/dd/yyyy
            return datetime.strptime(text, "%m/%d/%Y").strftime("%m/%d/%Y"), []
        except ValueError:
            return None, [E.illegal(field.name, text, ("a date as mm/dd/yyyy",))]
    if field.enum:
        text = field.synonyms.get(text.lower(), text)
        for allowed in field.enum:
            if allowed.lower() == text.lower():
                return allowed, []
        return None, [E.illegal(field.name, text, field.enum)]
    return text, []


def _normalise(obj: ObjectDef, record: Mapping[str, Any]) -> tuple[Record, list[E.Problem]]:
    shape = _shape(obj)
    fields, enums, aliases = shape.fields, shape.enums, obj.aliases
    clean: Record = {}
    for name, value in record.items():
        stored = aliases.get(name, name) if aliases else name
        field = fields.get(stored)
        if field is None:
            if name in SYSTEM_FIELDS:
                continue
            return {}, [E.unknown_field(obj.name, name)]
        if field.readonly:
            continue  # assumption: read-only fields sent back by a client are ignored
        if type(value) is str and field.type == "text":
            # the usual value, inline: _normalise_value's text and enum rules, enums by lookup
            text = value.strip()
            if text and field.enum:
                text = field.synonyms.get(text.lower(), text)
                allowed = enums[field.name].get(text.lower())
                if allowed is None:
                    return {}, [E.illegal(field.name, text, field.enum)]
                text = allowed
            clean[stored] = text
            continue
        clean[stored], problems = _normalise_value(field, value)
        if problems:
            return {}, problems
    return clean, []


@dataclass(frozen=True)
class _Shape:
    """What writes of one object look up per record, found once per object."""

    definition: ObjectDef
    fields: dict[str, Field]  # by name
    enums: dict[str, dict[str, str]]  # enum field -> lowercase value -> the value as defined
    defaults: tuple[tuple[str, str], ...]  # (field, default) in field order
    entity: bool  # the object has MEGAENTITYID
    default_of: dict[str, str]  # the same, by field
    # the defaults to add to a record sent with exactly these fields (in this order)
    absent: dict[tuple[str, ...], tuple[tuple[str, str], ...]]


_SHAPES: dict[str, _Shape] = {}


def _shape(obj: ObjectDef) -> _Shape:
    found = _SHAPES.get(obj.name)
    if found is None or found.definition is not obj:
        enums: dict[str, dict[str, str]] = {}
        for field in obj.fields:
            if field.enum:
                # the first value of a case-insensitive match wins, as the scan in order did
                enums[field.name] = {}
                for allowed in field.enum:
                    enums[field.name].setdefault(allowed.lower(), allowed)
        found = _SHAPES[obj.name] = _Shape(
            definition=obj,
            fields={f.name: f for f in obj.fields},
            enums=enums,
            defaults=tuple((f.name, f.default) for f in obj.fields if f.default is not None),
            entity=any(f.name == "MEGAENTITYID" for f in obj.fields),
            default_of={f.name: f.default for f in obj.fields if f.default is not None},
            absent={},
        )
    return found


def _fill_defaults(shape: _Shape, clean: Record) -> None:
    """Give every defaulted field left empty or out its default: an empty one keeps its place,
    the ones left out follow in field order."""
    present = tuple(clean)
    absent = shape.absent.get(present)
    if absent is None:
        if len(shape.absent) > 64:
            shape.absent.clear()
        absent = shape.absent[present] = tuple(
            (name, default) for name, default in shape.defaults if name not in clean
        )
    defaults = shape.default_of
    for name, value in clean.items():
        if (value is None or value == "") and name in defaults:
            clean[name] = defaults[name]
    clean.update(absent)


# per object: its required fields and those that are or hold references (found once: a
# thousand creates of one object would otherwise walk all its fields each)
_REQUIRED: dict[str, tuple[Field, ...]] = {}
_REF_FIELDS: dict[str, tuple[Field, ...]] = {}


def _required_fields(obj: ObjectDef) -> tuple[Field, ...]:
    found = _REQUIRED.get(obj.name)
    if found is None:
        found = _REQUIRED[obj.name] = tuple(f for f in obj.fields if f.required)
    return found


def _ref_fields(obj: ObjectDef) -> tuple[Field, ...]:
    found = _REF_FIELDS.get(obj.name)
    if found is None:
        found = _REF_FIELDS[obj.name] = tuple(
            f for f in obj.fields if f.ref or (f.type == "group" and any(c.ref for c in f.children))
        )
    return found


def _refs(obj: ObjectDef, record: Record) -> Iterable[tuple[str, str, str]]:
    """(field path, value, target object) of every reference in the record, groups included."""
    for field in _ref_fields(obj):
        value = record.get(field.name)
        if field.ref and isinstance(value, str) and value:
            yield field.name, value, field.ref
        elif field.type == "group" and isinstance(value, dict):
            for child in field.children:
                inner = value.get(child.name)
                if child.ref and inner:
                    yield f"{field.name}/{child.name}", inner, child.ref


def _validate(
    store: Store, obj: ObjectDef, record: Record, previous: Record | None
) -> list[E.Problem]:
    for field in _required_fields(obj):
        value = record.get(field.name)
        if value is None or value == "" or value == {}:
            return [E.required(field.name)]
    before = {path: value for path, value, _ in _refs(obj, previous)} if previous else {}
    for path, value, target in _refs(obj, record):
        if before.get(path) != value and store.get_by_key(target, value) is None:
            return [E.missing_reference(path, value, OBJECTS[target].label)]
    return obj.check(store, record, previous) if obj.check else []


def create(
    store: Store,
    obj: str,
    record: Mapping[str, Any],
    *,
    via: str = "xml",
    entity: str | None = None,
) -> tuple[int, str]:
    """Add a record; returns (RECORDNO, key). via="xml" refuses objects read-only in XML.

    `entity` is the session's entity (locationid; default: the entity the store is seen from),
    kept as MEGAENTITYID where the object has it.
    """
    recordno, key, _stored = create_record(store, obj, record, via=via, entity=entity)
    return recordno, key


def create_record(
    store: Store,
    obj: str,
    record: Mapping[str, Any],
    *,
    via: str = "xml",
    entity: str | None = None,
) -> tuple[int, str, Record]:
    """`create`, also returning the record as stored (what `get` would read back now)."""
    entity = store.entity if entity is None else entity
    defn = definition(obj)
    _allowed(defn, "create", via)
    clean, problems = _normalise(defn, record)
    shape = _shape(defn)
    if not problems:
        _fill_defaults(shape, clean)
        problems = _validate(store, defn, clean, None)
    if problems:
        raise E.failed("create", defn.label, *problems)
    key = defn.key_of(clean)
    # assumption: ids are unique across the whole company: an id a sibling entity uses is a
    # duplicate even though this entity cannot see that record
    if store.company_wide().get_by_key(defn.name, key) is not None:
        raise _duplicate(defn, key)
    stamp = _now()
    clean.update(WHENCREATED=stamp, WHENMODIFIED=stamp)
    if shape.entity:
        clean["MEGAENTITYID"] = entity
    if defn.name == "USERROLES":  # the link and its mirror together or not at all
        with store.transaction():
            recordno = store.insert(defn.name, key, clean)
            store.insert(
                "ROLEUSERS", key, {"USERLOGINID": clean["USERID"], "ROLENAME": clean["ROLENAME"]}
            )
    else:
        recordno = store.insert(defn.name, key, clean)  # a transaction of its own
    return recordno, key, {**clean, "RECORDNO": str(recordno)}


def _duplicate(defn: ObjectDef, key: str) -> E.SandboxError:
    if defn.name == "GLACCOUNT":
        # reference §1.6 (D-req): the GL account duplicate has its own wording
        return E.SandboxError(
            [
                (
                    E.GENERIC,
                    "Duplicate account number",
                    f"The account number '{key}' already exists",
                    "Use a unique account number.",
                ),
                (E.GENERIC, "Could not create GL Account record.", "", ""),
            ]
        )
    return E.failed("create", defn.label, E.duplicate(defn.label, key))


def find_record(store: Store, obj: str, ident: Mapping[str, Any]) -> Record | None:
    """The record named by RECORDNO or by the key field(s) in `ident`."""
    defn = definition(obj)
    recordno = str(ident.get("RECORDNO", "")).strip()
    if recordno:
        return store.get(defn.name, int(recordno)) if recordno.isdigit() else None
    if all(ident.get(k) not in (None, "") for k in defn.key):
        return store.get_by_key(defn.name, defn.key_of(ident))
    return None


def update(
    store: Store, obj: str, record: Mapping[str, Any], *, via: str = "xml"
) -> tuple[int, str]:
    """Partial update of the record named by RECORDNO or its key field; returns (RECORDNO, key)."""
    defn = definition(obj)
    _allowed(defn, "update", via)
    previous = find_record(store, defn.name, record)
    if previous is None:
        shown = record.get("RECORDNO") or defn.key_of(record)
        raise E.failed("update", defn.label, E.not_found(defn.label, str(shown), "update"))
    clean, problems = _normalise(defn, record)
    if not problems:
        for name in defn.key:
            if name in clean and clean[name] != previous.get(name):
                # assumption: ids are immutable once created
                kept = f"{previous.get(name)} (ids cannot change)"
                problems = [E.illegal(name, str(clean[name]), (kept,))]
    merged = {**previous, **clean}
    if defn.name == "USERINFO" and via == "xml":
        for name in ("USERLOCATIONS", "USERDEPARTMENTS", "USERTERRITORIES"):
            merged[name] = clean.get(name, [])  # reference §3.1: restriction lists replace-all
    if not problems:
        problems = _validate(store, defn, merged, previous)
    if problems:
        raise E.failed("update", defn.label, *problems)
    merged["WHENMODIFIED"] = _now()
    recordno = int(previous["RECORDNO"])
    key = defn.key_of(merged)
    store.replace(defn.name, recordno, key, merged)
    return recordno, key


def delete(store: Store, obj: str, recordno: int | str, *, via: str = "xml") -> None:
    """Delete by RECORDNO; refuses admins (USERINFO) and records other records point at."""
    defn = definition(obj)
    _allowed(defn, "delete", via)
    text = str(recordno).strip()
    existing = store.get(defn.name, int(text)) if text.isdigit() else None
    if existing is None:
        raise E.SandboxError([E.not_found(defn.label.lower(), text, "delete")])
    if defn.name == "USERINFO" and existing.get("ADMIN") == "Full":
        # reference §3.1: a user with admin privileges cannot be deleted; set it inactive
        raise E.SandboxError(
            [
                (
                    "BL01001973",
                    "Cannot delete a user with admin privileges",
                    f"User {existing['LOGINID']} has admin privileges.",
                    "Set the user inactive instead.",
                )
            ]
        )
    key = defn.key_of(existing)
    in_use = _referenced_by(store.company_wide(), defn, key)
    if in_use:
        # assumption: a record referenced by another cannot be deleted (wording and number)
        raise E.SandboxError(
            [
                (
                    E.IN_USE,
                    f"Cannot delete {defn.label} {key}",
                    f"It is used by {in_use}.",
                    "Remove those references first.",
                )
            ]
        )
    with store.transaction():
        for child, field in defn.cascade:
            for row in find(store, child, {field: key}):
                delete(store, child, row["RECORDNO"], via="seed")
        store.remove(defn.name, int(text))
        if defn.name == "USERROLES":
            mirror = store.get_by_key("ROLEUSERS", key)
            if mirror is not None:
                store.remove("ROLEUSERS", int(mirror["RECORDNO"]))


def _referenced_by(store: Store, defn: ObjectDef, key: str) -> str:
    cascaded = {child for child, _ in defn.cascade}
    for other in OBJECTS.values():
        if other.name in cascaded:
            continue
        for path in _ref_paths(other, defn.name):
            if other.name == defn.name and path in defn.key:
                continue
            hits = query(store, other.name, where=Cmp("equalto", path, (key,)), limit=1)[1]
            if hits:
                return f"{other.label} {other.key_of(hits[0])} ({path})"
    return ""


def _ref_paths(obj: ObjectDef, target: str) -> Iterable[str]:
    for field in obj.fields:
        if field.ref == target:
            yield field.name
        for child in field.children:
            if child.ref == target:
                yield f"{field.name}.{child.name}"


def get(store: Store, obj: str, recordno: int | str) -> Record | None:
    text = str(recordno).strip()
    return store.get(definition(obj).name, int(text)) if text.isdigit() else None


def get_by_key(store: Store, obj: str, key: str) -> Record | None:
    return store.get_by_key(definition(obj).name, key)


def find(store: Store, obj: str, equals: Mapping[str, str]) -> list[Record]:
    """Records whose fields equal the given values (RECORDNO order)."""
    parts = tuple(Cmp("equalto", name, (value,)) for name, value in equals.items())
    where: Filter | None = None
    if len(parts) == 1:
        where = parts[0]
    elif parts:
        from intacct_reconcile.sandbox.objects.filters import And

        where = And(parts)
    return query(store, obj, where=where)[1]


def _order_sql(defn: ObjectDef, order: Sequence[tuple[str, bool]], ci: bool) -> str:
    terms = []
    for name, ascending in order:
        column, numeric = _field_sql(defn, name)
        if ci and not numeric:
            column = f"LOWER({column})"
        terms.append(f"{column} {'ASC' if ascending else 'DESC'}")
    terms.append("recordno ASC")  # stable order for paging
    return ", ".join(terms)


def query(
    store: Store,
    obj: str,
    *,
    where: Filter | None = None,
    order: Sequence[tuple[str, bool]] = (),
    offset: int = 0,
    limit: int | None = None,
    case_insensitive: bool = False,
) -> tuple[int, list[Record]]:
    """(total matching, records offset..offset+limit) in `order` (then RECORDNO)."""
    total, rows = page(store, obj, "data", (), where, order, offset, limit, case_insensitive)
    return total, [json.loads(data) for (data,) in rows]


def page(
    store: Store,
    obj: str,
    select: str,
    select_params: Sequence[object],
    where: Filter | None,
    order: Sequence[tuple[str, bool]],
    offset: int,
    limit: int | None,
    case_insensitive: bool,
) -> tuple[int, list[tuple[object, ...]]]:
    """(total matching, the `select` columns of rows offset..offset+limit) in `order`."""
    defn = definition(obj)
    sql, params = compile_where(defn, where, case_insensitive) if where else ("1", [])
    rows = store.execute(
        f"SELECT {select} FROM {store.records_sql} WHERE obj = ? AND {sql} "
        f"ORDER BY {_order_sql(defn, order, case_insensitive)} LIMIT ? OFFSET ?",
        (*select_params, defn.name, *params, -1 if limit is None else limit, offset),
    )
    if offset == 0 and (limit is None or len(rows) < limit):
        return len(rows), rows  # the page holds every match: no second scan to count them
    total = store.execute(
        f"SELECT COUNT(*) FROM {store.records_sql} WHERE obj = ? AND {sql}", (defn.name, *params)
    )[0][0]
    return int(total), rows


AGGREGATES = ("count", "avg", "min", "max", "sum")


def aggregate(
    store: Store,
    obj: str,
    *,
    group_by: Sequence[str],
    aggregates: Sequence[tuple[str, str]],
    where: Filter | None = None,
    case_insensitive: bool = False,
) -> list[dict[str, Any]]:
    """query's aggregate select: one row per group, keys FIELD and FUNCTION.FIELD (COUNT.X)."""
    defn = definition(obj)
    sql, params = compile_where(defn, where, case_insensitive) if where else ("1", [])
    columns = [_field_sql(defn, name)[0] for name in group_by]
    measures = []
    for function, name in aggregates:
        if function not in AGGREGATES:
            raise bad_field(defn, f"{function}({name})")
        column, numeric = _field_sql(defn, name)
        if function in ("avg", "sum") and not numeric:
            column = f"CAST({column} AS REAL)"
        measures.append(f"{function.upper()}({column})")
    group = f" GROUP BY {', '.join(columns)} ORDER BY {', '.join(columns)}" if columns else ""
    rows = store.execute(
        f"SELECT {', '.join([*columns, *measures])} FROM {store.records_sql} "
        f"WHERE obj = ? AND {sql}{group}",
        (defn.name, *params),
    )
    names = [*(n.upper() for n in group_by), *(f"{f.upper()}.{n.upper()}" for f, n in aggregates)]
    return [
        {name: ("" if v is None else str(v)) for name, v in zip(names, row, strict=True)}
        for row in rows
    ]


def matching_recordnos(
    store: Store,
    obj: str,
    *,
    where: Filter | None = None,
    order: Sequence[tuple[str, bool]] = (),
    case_insensitive: bool = False,
) -> list[int]:
    """RECORDNOs of all matches in order (readByQuery keeps them to page with readMore)."""
    defn = definition(obj)
    sql, params = compile_where(defn, where, case_insensitive) if where else ("1", [])
    rows = store.execute(
        f"SELECT recordno FROM {store.records_sql} WHERE obj = ? AND {sql} "
        f"ORDER BY {_order_sql(defn, order, case_insensitive)}",
        (defn.name, *params),
    )
    return [int(r[0]) for r in rows]


def bulk_insert(store: Store, obj: str, records: Iterable[Mapping[str, Any]]) -> int:
    """Fast seeding for benchmarks: defaults and normalisation, no reference or dup checks."""
    defn = definition(obj)
    stamp = _now()

    def rows() -> Iterable[tuple[str, Record]]:
        for record in records:
            clean, problems = _normalise(defn, record)
            if problems:
                raise E.failed("create", defn.label, *problems)
            for field in defn.fields:
                if field.default is not None and clean.get(field.name) in (None, ""):
                    clean[field.name] = field.default
            clean.update(WHENCREATED=stamp, WHENMODIFIED=stamp)
            yield defn.key_of(clean), clean

    count = store.insert_many(defn.name, rows())
    if defn.name == "USERROLES":
        store.insert_many(
            "ROLEUSERS",
            (
                (defn.key_of(r), {"USERLOGINID": r["USERID"], "ROLENAME": r["ROLENAME"]})
                for r in store.all("USERROLES")
                if store.get_by_key("ROLEUSERS", defn.key_of(r)) is None
            ),
        )
    return count


def check_field(obj: str, name: str) -> None:
    """Raise the 'invalid field' error unless `name` is selectable on `obj`."""
    defn = definition(obj)
    if name.upper() in defn.unmodelled:
        return
    _field_sql(defn, name)
    if name.upper() not in ("RECORDNO", "WHENCREATED", "WHENMODIFIED") and not (
        defn.field(defn.aliases.get(name.upper(), name.upper()).split(".")[0])
    ):
        raise bad_field(defn, name)
