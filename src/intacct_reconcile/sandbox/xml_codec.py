"""XML in and out for the gateway: safe parsing, records <-> elements, error blocks."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from lxml import etree

from intacct_reconcile.sandbox.objects import ObjectDef
from intacct_reconcile.sandbox.objects.errors import Problem

# Parsers per thread: the server answers requests on threads of its own, and a parser shared
# by them parses into the dictionary of the thread that first used it while that thread builds
# another answer, which now and then garbled a request's tag names (lxml: "avoid sharing
# parsers between threads").
_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    parser = getattr(_PARSERS, "request", None)
    if parser is None:
        parser = _PARSERS.request = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_blank_text=True,
        )
    return parser


def _row_parser() -> etree.XMLParser:
    parser = getattr(_PARSERS, "rows", None)
    if parser is None:
        parser = _PARSERS.rows = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=True
        )
    return parser


class ParseError(Exception):
    """The request body is not well-formed XML (or not an Intacct request)."""


def parse(body: bytes) -> etree._Element:
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(str(exc)) from exc
    if root is None:
        raise ParseError("empty document")
    # entities are never expanded (resolve_entities=False), but a request that declares a DTD
    # or leans on entities is refused outright rather than half-read
    # assumption: the real gateway's answer to a DOCTYPE is undocumented; a schema error it is
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ParseError("a DOCTYPE or DTD is not allowed in a request")
    if next(root.iter(etree.Entity), None) is not None:
        raise ParseError("entity references are not allowed in a request")
    return root


def text(element: etree._Element | None, path: str, default: str = "") -> str:
    """Stripped text of the first child at `path`, or `default` when absent."""
    if element is None:
        return default
    found = element.find(path)
    if found is None:
        return default
    return (found.text or "").strip()


def sub(parent: etree._Element, tag: str, value: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if value is not None:
        child.text = value
    return child


def support_id(errorno: str, description: str) -> str:
    """A support id for an error: the same error always gets the same one, so answers stay
    reproducible."""
    # assumption: real support ids are opaque URL-encoded tokens; a digest of the error will do
    digest = hashlib.sha256(f"{errorno}|{description}".encode()).hexdigest()
    return digest[:12].upper()


def errormessage(parent: etree._Element, errors: Sequence[Problem]) -> etree._Element:
    """<errormessage> with one <error> per problem. Every error carries a non-empty
    description2, as Intacct's do (reference §1.6: it "frequently ends with [Support ID: …]"):
    clients index it unconditionally, and fylein's sageintacctsdk fails on an empty one."""
    block = sub(parent, "errormessage")
    for errorno, description, description2, correction in errors:
        error = sub(block, "error")
        sub(error, "errorno", errorno)
        sub(error, "description", description)
        # assumption: where the sandbox has no detail of its own, description2 is only the
        # support id (real detail texts are not documented for these errors)
        fallback = f"[Support ID: {support_id(errorno, description)}]"
        sub(error, "description2", description2 or fallback)
        sub(error, "correction", correction)
    return block


def record_from_element(defn: ObjectDef, element: etree._Element) -> dict[str, Any]:
    """<GLACCOUNT><ACCOUNTNO>1</ACCOUNTNO>...</GLACCOUNT> -> dict, shaped by the definition."""
    record: dict[str, Any] = {}
    field_of = defn.field
    for child in element:
        tag = child.tag
        if type(tag) is not str:
            continue  # comments, processing instructions
        field = field_of(tag)
        if field is not None and field.type == "list":
            record[tag] = [(c.text or "").strip() for c in child if isinstance(c.tag, str)]
        elif len(child):
            record[tag] = {c.tag: (c.text or "").strip() for c in child if isinstance(c.tag, str)}
        else:
            record[tag] = (child.text or "").strip()
    return record


def append_value(parent: etree._Element, name: str, value: Any, item: str = "") -> None:
    child = _SubElement(parent, name)
    if type(value) is dict:
        for key, inner in value.items():
            _SubElement(child, key).text = str(inner)
    elif type(value) is list:
        for inner in value:
            _SubElement(child, item or "VALUE").text = str(inner)
    else:
        child.text = "" if value is None else str(value)


def all_fields(defn: ObjectDef) -> list[str]:
    """Field order of `*`: RECORDNO, the definition's fields, then the timestamps."""
    return ["RECORDNO", *(f.name for f in defn.fields), "WHENCREATED", "WHENMODIFIED"]


def _plan(defn: ObjectDef, fields: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    """(element name, stored path, group head or "", list item tag) per requested field."""
    plan = []
    for name in fields:
        upper = name.upper()
        stored = defn.aliases.get(upper, upper)
        if "." in upper:
            head, _, tail = upper.partition(".")
            plan.append((tail, stored, head, ""))
        else:
            field = defn.field(stored)
            # a field defined in lowercase (a UDD's `id`) comes back spelled as defined
            tag = field.name if field is not None and field.name.upper() == upper else upper
            plan.append((tag, stored, "", field.item if field else ""))
    return plan


def record_element(
    parent: etree._Element,
    tag: str,
    defn: ObjectDef,
    record: Mapping[str, Any],
    fields: Iterable[str],
) -> etree._Element:
    """One record as <tag> with the requested fields; dotted names nest (CONTACTINFO.EMAIL1)."""
    element = _SubElement(parent, tag)
    groups: dict[str, etree._Element] = {}
    for name, stored, head, item in _plan_cached(defn, tuple(fields)):
        if head:
            group = groups.get(head)
            if group is None:
                group = groups[head] = _SubElement(element, head)
            items = record.get(head)
            if type(items) is list:  # USERLOCATIONS.LOCATIONID: one element per item
                for value in items:
                    _SubElement(group, name).text = str(value)
                continue
            value = _lookup(record, stored)
            _SubElement(group, name).text = "" if value is None else str(value)
        else:
            append_value(element, name, record.get(stored), item)
    return element


_PLANS: dict[tuple[str, tuple[str, ...]], list[tuple[str, str, str, str]]] = {}
_SubElement = etree.SubElement


def _plan_cached(defn: ObjectDef, fields: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
    plan = _PLANS.get((defn.name, fields))
    if plan is None:
        if len(_PLANS) > 256:
            _PLANS.clear()
        plan = _PLANS[(defn.name, fields)] = _plan(defn, fields)
    return plan


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


# -- large pages: records as text -----------------------------------------------------------
#
# Building 2,000 records x 6 fields with SubElement costs a Python call per field. Instead each
# record is formatted with a template per (object, fields) and the page's text travels inside
# <data> as one processing instruction, <?ia-rows ...?>; serialize() writes that text in its
# place, so the wire carries exactly the bytes the element tree would have given. (Pretty
# output, asked for by includewhitespace, turns the text back into elements first.)

_ROWS = "ia-rows"
# Stands for "" in the text: libxml2 parses <A></A> as an element without text, which
# serialises as <A/>, but a field set to "" must come out as <A></A> as before.
_EMPTY = "\ue000"
_EMPTY_BYTES = _EMPTY.encode()
_PLACEHOLDERS = etree.XPath("//*[not(*)][text()=$e]")
# characters lxml refuses in text (record_element raises on them): such pages take its path
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class RowPlan:
    """How one (object, fields) pair renders: the stored keys to fetch and a row template."""

    keys: tuple[str, ...]  # top-level record keys the fields read, in fetch order
    template: str | None  # "<TAG><F>%s</F>...</TAG>", None when a field is inside stored JSON
    slots: tuple[int, ...] | None  # index into keys per %s; None when it is keys' own order


def row_plan(defn: ObjectDef, tag: str, fields: Sequence[str]) -> RowPlan:
    plan = _plan_cached(defn, tuple(fields))
    keys: list[str] = []
    for _, stored, head, _ in plan:
        for key in (head, stored.split(".")[0] if head else stored):
            if key and key not in keys:
                keys.append(key)
    if any("." in stored for _, stored, head, _ in plan if head):
        return RowPlan(tuple(keys), None, None)  # a value inside a group's stored JSON
    # record_element's layout: a group element where its first field comes, holding every
    # field of that group (ROLES.NAME -> <ROLES><NAME>); the other fields in order. A group
    # whose stored value is a list (one element per item) is a row record_element builds.
    layout: list[tuple[str, list[tuple[str, int]]] | tuple[str, int]] = []
    groups: dict[str, list[tuple[str, int]]] = {}
    for name, stored, head, _ in plan:
        if not head:
            layout.append((name, keys.index(stored)))
        elif head in groups:
            groups[head].append((name, keys.index(stored)))
        else:
            groups[head] = [(name, keys.index(stored))]
            layout.append((head, groups[head]))
    body, order = [], []
    for name, where in layout:
        if isinstance(where, int):
            body.append(f"<{name}>%s</{name}>")
            order.append(where)
        else:
            body.append(f"<{name}>" + "".join(f"<{n}>%s</{n}>" for n, _ in where) + f"</{name}>")
            order += [slot for _, slot in where]
    slots = tuple(order)
    same = slots == tuple(range(len(keys)))
    return RowPlan(tuple(keys), f"<{tag}>{''.join(body)}</{tag}>", None if same else slots)


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def rows_element(
    attrs: Mapping[str, str],
    tag: str,
    defn: ObjectDef,
    fields: Sequence[str],
    rows: Sequence[str],
) -> etree._Element:
    """<data attrs> with one <tag> per row; each row is a JSON array of row_plan(...).keys values.

    Serialised (see serialize) exactly as record_element over the full records would be.
    """
    plan = row_plan(defn, tag, fields)
    element = etree.Element("data", dict(attrs))
    if not rows:
        return element
    raw = ",".join(rows)
    values = _values(raw, len(plan.keys))
    page = _rows_text(plan, tag, defn, fields, raw, values)
    if page is None:  # nested fields, or values the text path does not handle
        for row in values:
            record_element(element, tag, defn, dict(zip(plan.keys, row, strict=True)), fields)
        return element
    element.append(etree.ProcessingInstruction(_ROWS, page))
    return element


def leaf_rows_element(
    attrs: Mapping[str, str], tag: str, names: Sequence[str], rows: Sequence[Sequence[str]]
) -> etree._Element:
    """<data attrs> with one <tag> per row holding <name>value</name> per name, serialised
    exactly as those elements built one by one (text set on each) would be, but written as
    text like rows_element's pages (a create's result: 100 records, three elements each)."""
    element = etree.Element("data", dict(attrs))
    if not rows:
        return element
    flat = [value for row in rows for value in row]
    joined = "".join(flat)
    if _EMPTY in joined or _NOT_XML.search(joined):
        # a value equal to the placeholder, or one lxml refuses (raising, as it did before)
        for row in rows:
            out = _SubElement(element, tag)
            for name, value in zip(names, row, strict=True):
                _SubElement(out, name).text = value
        return element
    if any(c in joined for c in ("&", "<", ">", "\r")):
        flat = [_escape(value) for value in flat]
    if "" in flat:
        flat = [value or _EMPTY for value in flat]
    width = len(names)
    template = f"<{tag}>" + "".join(f"<{name}>%s</{name}>" for name in names) + f"</{tag}>"
    page = "".join([template % tuple(flat[i : i + width]) for i in range(0, len(flat), width)])
    element.append(etree.ProcessingInstruction(_ROWS, page))
    return element


def _values(raw: str, width: int) -> list[list[Any]]:
    values = json.loads("[" + raw + "]")
    # a single key was asked for twice (query_rows): keep one
    return [v[:1] for v in values] if width == 1 else values


def _rows_text(
    plan: RowPlan,
    tag: str,
    defn: ObjectDef,
    fields: Sequence[str],
    raw: str,
    values: list[list[Any]],
) -> str | None:
    """The page as text (empty values as _EMPTY), or None when record_element must build it."""
    template, slots = plan.template, plan.slots
    if template is None:
        return None
    if _EMPTY in raw or "\\ue000" in raw.lower():
        return None  # a real value equal to the placeholder
    # JSON text without backslashes has no escapes: no control characters, nothing non-ASCII
    plain = not any(c in raw for c in ("\\", "&", "<", ">"))
    flat = list(chain.from_iterable(values))
    if not plain and _NOT_XML.search("".join(v for v in flat if type(v) is str)):
        return None
    kinds = set(map(type, flat))
    if kinds <= {str, type(None)}:  # the usual page: handled value by value, not row by row
        if type(None) in kinds or "" in flat:
            flat = [v or _EMPTY for v in flat]
        if not plain:
            flat = [_escape(v) for v in flat]
        width = len(plan.keys)
        starts = range(0, len(flat), width)
        if slots is None:
            return "".join([template % tuple(flat[i : i + width]) for i in starts])
        return "".join([template % tuple([flat[i + j] for j in slots]) for i in starts])
    parts = []
    for row in values:
        if all(v is None or type(v) is str for v in row):
            parts.append(_row_text(template, slots, row, plain))
            continue
        # a dict, list, number...: rendered exactly as record_element does
        holder = etree.Element("x")
        record = dict(zip(plan.keys, row, strict=True))
        try:
            built = record_element(holder, tag, defn, record, fields)
        except ValueError:
            return None  # refused (a control character): record_element raises it again
        for node in built.iter():
            if node.text == "":
                node.text = _EMPTY
        parts.append(etree.tostring(built, encoding="unicode"))
    return "".join(parts)


def _row_text(template: str, slots: tuple[int, ...] | None, row: list[Any], plain: bool) -> str:
    if None in row or "" in row:
        row = [v or _EMPTY for v in row]
    if not plain:
        row = [_escape(v) for v in row]
    return template % (tuple(row) if slots is None else tuple([row[i] for i in slots]))


def _materialize(pi: etree._Element) -> None:
    """Replace a rows instruction by the elements it stands for."""
    parent = pi.getparent()
    page = etree.fromstring(f"<data>{pi.text}</data>".encode(), _row_parser())
    for empty in _PLACEHOLDERS(page, e=_EMPTY):
        empty.text = ""
    parent.remove(pi)
    parent.extend(list(page))


def _splice(body: bytes) -> bytes:
    """Write each rows instruction's text in its place, empty values as empty text."""
    head, *pages = body.split(b"<?" + _ROWS.encode() + b" ")
    out = [head]
    for page in pages:
        # the text holds no "?>": values escape ">" and tags never end in "?"
        text, rest = page.split(b"?>", 1)
        out += [text.replace(_EMPTY_BYTES, b""), rest]
    return b"".join(out)


def serialize(root: etree._Element, pretty: bool) -> bytes:
    pages = [pi for pi in root.iter(etree.ProcessingInstruction) if pi.target == _ROWS]
    if pretty:
        for pi in pages:
            _materialize(pi)
    body = etree.tostring(root, encoding="UTF-8", pretty_print=pretty)
    if pages and not pretty:
        body = _splice(body)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
