"""Reading functions: query, readByQuery, readMore, read, readByName (reference §2)."""

from __future__ import annotations

import secrets

from lxml import etree

from intacct_reconcile.sandbox import company, objects, user_rights
from intacct_reconcile.sandbox.objects import And, Cmp, Filter, Not, Or
from intacct_reconcile.sandbox.objects.errors import GENERIC, ILLEGAL, SandboxError, unknown_object
from intacct_reconcile.sandbox.objects.filters import OPERATORS, check_arity
from intacct_reconcile.sandbox.objects.query_rows import query_values, values_by_recordno
from intacct_reconcile.sandbox.xml_codec import (
    all_fields,
    record_element,
    row_plan,
    rows_element,
    sub,
    text,
)
from intacct_reconcile.sandbox.xml_context import Context, Outcome
from intacct_reconcile.sandbox.xml_query_string import parse_query, split_rownum

QUERY_MAX_PAGE = 2000
READ_BY_QUERY_MAX_PAGE = 1000
DEFAULT_PAGE = 100


def _invalid(what: str, correction: str) -> SandboxError:
    # assumption: number/wording of request-shape errors inside a function
    return SandboxError([(ILLEGAL, what, "", correction)])


def _page_size(raw: str, maximum: int) -> int:
    if not raw:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise _invalid(f"Invalid pagesize {raw}", f"Use a pagesize from 1 to {maximum}.")
    return int(raw)


def _object(ctx: Context, element: etree._Element) -> objects.ObjectDef:
    name = text(element, "object")
    if not name:
        raise _invalid("Missing object", "Name the object to read in <object>.")
    defn = subscribed(ctx, objects.definition(name))
    _may_read(ctx, defn, element.tag)
    return defn


def _may_read(ctx: Context, defn: objects.ObjectDef, function: str) -> None:
    """Refuse a read the user's roles (or user-based permissions) do not grant (user_rights)."""
    missing = user_rights.read_refusal(ctx.store, ctx.userid, defn.name, function)
    if missing:
        operation = user_rights.OPERATION.get(function, function.upper())
        # PL04000005 and description2 as integrators report them for a role without the right
        # assumption: description "Permission denied" and a correction naming the missing
        # right (only the number and description2 are seen in integrators' logs)
        raise SandboxError(
            [
                (
                    "PL04000005",
                    "Permission denied",
                    f"You do not have permission for API operation {operation} on objects of "
                    f"type {defn.name.lower()}",
                    f"Grant {missing} to the user's role (or to the user, in a company with "
                    "user-based permissions).",
                )
            ]
        )


def subscribed(ctx: Context, defn: objects.ObjectDef) -> objects.ObjectDef:
    """The object, if the company subscribes to its application.

    assumption: Intacct answers an object of an application the company does not subscribe
    to (tax details without Taxes) as it answers an object that does not exist.
    """
    if defn.module and defn.module not in company.subscriptions(ctx.store):
        raise SandboxError([unknown_object(defn.name)])
    return defn


# -- query ---------------------------------------------------------------------------------


def parse_filter(element: etree._Element) -> Filter:
    op = element.tag
    if op in ("and", "or"):
        parts = tuple(parse_filter(c) for c in element if isinstance(c.tag, str))
        if len(parts) < 2:
            raise _invalid(
                f"Invalid filter: {op} needs at least two conditions",
                "Add conditions or drop the and/or.",
            )
        return And(parts) if op == "and" else Or(parts)
    if op == "not":  # tolerated for symmetry with readByQuery
        parts = tuple(parse_filter(c) for c in element if isinstance(c.tag, str))
        return Not(parts[0])
    if op not in OPERATORS:
        raise _invalid(f"Invalid filter operator {op}", "Use equalto, in, like, and, or ...")
    field = text(element, "field")
    values = tuple((v.text or "") for v in element.findall("value"))
    return Cmp(op, field, values)


def _filter(query: etree._Element) -> Filter | None:
    block = query.find("filter")
    if block is None:
        return None
    children = [c for c in block if isinstance(c.tag, str)]
    if len(children) != 1:
        raise _invalid(
            "Invalid filter: exactly one top-level operator is allowed",
            "Wrap several conditions in <and> or <or>.",
        )
    expr = parse_filter(children[0])
    check_arity(expr)
    return expr


def _order(query: etree._Element) -> list[tuple[str, bool]]:
    order = []
    for item in query.findall("orderby/order"):
        field = text(item, "field")
        objects.check_field(text(query, "object"), field)
        order.append((field, item.find("descending") is None))
    return order


def _option(query: etree._Element, name: str) -> bool:
    return text(query, f"options/{name}").lower() == "true"


def _aggregates(
    ctx: Context,
    defn: objects.ObjectDef,
    element: etree._Element,
    select: list[str],
    measures: list[tuple[str, str]],
    offset: int,
    pagesize: int,
) -> Outcome:
    # assumption: plain fields next to aggregates group the result; orderby is ignored
    rows = objects.aggregate(
        ctx.store,
        defn.name,
        group_by=select,
        aggregates=measures,
        where=_filter(element),
        case_insensitive=_option(element, "caseinsensitive"),
    )
    page = rows[offset : offset + pagesize]
    data = etree.Element(
        "data",
        listtype=defn.name,
        totalcount=str(len(rows)),
        offset=str(offset),
        count=str(len(page)),
        numremaining=str(max(0, len(rows) - offset - len(page))),
    )
    for row in page:
        out = sub(data, defn.name)
        for name, value in row.items():
            sub(out, name, value)
    return Outcome(data=data)


def query(ctx: Context, element: etree._Element) -> Outcome:
    # assumption: options showprivate and returnformat are accepted but change nothing (a
    # top-level session sees every entity's records anyway; the sandbox always answers XML)
    defn = _object(ctx, element)
    chosen = (
        [c for c in element.find("select") if isinstance(c.tag, str)]
        if element.find("select") is not None
        else []
    )
    select = [(c.text or "").strip() for c in chosen if c.tag == "field"]
    measures = [(c.tag, (c.text or "").strip()) for c in chosen if c.tag != "field"]
    if not chosen:
        raise _invalid("Missing select", "List the fields to return in <select><field>.")
    if "*" in select:
        raise _invalid("Returning all fields is not supported", "Name the fields in <select>.")
    for name in select:
        objects.check_field(defn.name, name)
    pagesize = _page_size(text(element, "pagesize"), QUERY_MAX_PAGE)
    raw_offset = text(element, "offset", "0")
    if not raw_offset.isdigit():
        raise _invalid(f"Invalid offset {raw_offset}", "Use an offset of 0 or more.")
    offset = int(raw_offset)
    if measures:
        return _aggregates(ctx, defn, element, select, measures, offset, pagesize)
    # only the values the selected fields need leave SQLite (see objects.query_rows)
    total, rows = query_values(
        ctx.store,
        defn.name,
        row_plan(defn, defn.name, select).keys,
        where=_filter(element),
        order=_order(element),
        offset=offset,
        limit=pagesize,
        case_insensitive=_option(element, "caseinsensitive"),
    )
    attrs = {
        "listtype": defn.name,
        "totalcount": str(total),
        "offset": str(offset),
        "count": str(len(rows)),
        "numremaining": str(max(0, total - offset - len(rows))),
    }
    return Outcome(data=rows_element(attrs, defn.name, defn, select, rows))


# -- readByQuery / readMore ------------------------------------------------------------------


def _fields(defn: objects.ObjectDef, raw: str) -> list[str]:
    if raw.strip() in ("", "*"):
        return all_fields(defn)
    names = [f.strip() for f in raw.split(",") if f.strip()]
    for name in names:
        objects.check_field(defn.name, name)
    return names


def read_by_query(ctx: Context, element: etree._Element) -> Outcome:
    defn = _object(ctx, element)
    fields = _fields(defn, text(element, "fields", "*"))
    pagesize = _page_size(text(element, "pagesize"), READ_BY_QUERY_MAX_PAGE)
    expr, limit = split_rownum(parse_query(text(element, "query")))
    if expr is not None:
        check_arity(expr)
    recordnos = objects.matching_recordnos(ctx.store, defn.name, where=expr)
    if limit is not None:  # reference §2: rownum is usable in readByQuery queries
        recordnos = recordnos[: max(0, limit)]
    resultid = ""
    if len(recordnos) > pagesize:
        resultid = secrets.token_hex(16)
        ctx.store.save_resultset(resultid, defn.name, fields, recordnos, pagesize)
        # readMore may name the object instead of the resultId: the user's latest result set
        ctx.store.set_setting(f"last_result:{ctx.userid}:{defn.name}", resultid)
    return _page(ctx, defn, fields, recordnos, 0, pagesize, resultid)


def _page(
    ctx: Context,
    defn: objects.ObjectDef,
    fields: list[str],
    recordnos: list[int],
    position: int,
    pagesize: int,
    resultid: str,
) -> Outcome:
    chunk = recordnos[position : position + pagesize]
    tag = defn.name.lower()
    rows = values_by_recordno(ctx.store, defn.name, row_plan(defn, tag, fields).keys, chunk)
    remaining = max(0, len(recordnos) - position - len(chunk))
    if resultid:
        if remaining:
            ctx.store.advance_resultset(resultid, position + len(chunk))
        else:
            ctx.store.drop_resultset(resultid)
    attrs = {
        "listtype": tag,
        "count": str(len(rows)),
        "totalcount": str(len(recordnos)),
        "numremaining": str(remaining),
        "resultId": resultid if remaining else "",
    }
    return Outcome(data=rows_element(attrs, tag, defn, fields, rows))


def read_more(ctx: Context, element: etree._Element) -> Outcome:
    resultid = text(element, "resultId")
    if not resultid and text(element, "object"):
        obj = objects.definition(text(element, "object")).name
        resultid = ctx.store.setting(f"last_result:{ctx.userid}:{obj}", "")
    saved = ctx.store.resultset(resultid) if resultid else None
    if saved is None:
        # assumption: number/wording of an unknown or exhausted result set
        raise SandboxError(
            [
                (
                    GENERIC,
                    "Invalid resultId",
                    f"The result set '{resultid}' does not exist or is exhausted.",
                    "Start again with readByQuery.",
                )
            ]
        )
    obj, fields, recordnos, position, pagesize = saved
    return _page(ctx, objects.definition(obj), fields, recordnos, position, pagesize, resultid)


# -- read / readByName -------------------------------------------------------------------------


def _keys(element: etree._Element) -> list[str]:
    return [k.strip() for k in text(element, "keys").split(",") if k.strip()]


def read(ctx: Context, element: etree._Element) -> Outcome:
    defn = _object(ctx, element)
    fields = _fields(defn, text(element, "fields", "*"))
    # assumption: keys that name no record are left out rather than failing the function
    records = [r for r in (objects.get(ctx.store, defn.name, k) for k in _keys(element)) if r]
    return _read_result(defn, fields, records)


def read_by_name(ctx: Context, element: etree._Element) -> Outcome:
    defn = _object(ctx, element)
    fields = _fields(defn, text(element, "fields", "*"))
    found = (objects.get_by_key(ctx.store, defn.name, k) for k in _keys(element))
    return _read_result(defn, fields, [r for r in found if r])


def _read_result(defn: objects.ObjectDef, fields: list[str], records: list[dict]) -> Outcome:
    data = etree.Element("data", listtype=defn.name, count=str(len(records)))
    for record in records:
        record_element(data, defn.name, defn, record, fields)
    return Outcome(data=data)
