"""XML in and out for the gateway: safe parsing, records <-> elements, error blocks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lxml import etree

from intacct_reconcile.sandbox.objects import ObjectDef
from intacct_reconcile.sandbox.objects.errors import Problem

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_blank_text=True,
)


class ParseError(Exception):
    """The request body is not well-formed XML (or not an Intacct request)."""


def parse(body: bytes) -> etree._Element:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(str(exc)) from exc
    if root is None:
        raise ParseError("empty document")
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


def errormessage(parent: etree._Element, errors: Sequence[Problem]) -> etree._Element:
    block = sub(parent, "errormessage")
    for errorno, description, description2, correction in errors:
        error = sub(block, "error")
        sub(error, "errorno", errorno)
        sub(error, "description", description)
        sub(error, "description2", description2)
        sub(error, "correction", correction)
    return block


def record_from_element(defn: ObjectDef, element: etree._Element) -> dict[str, Any]:
    """<GLACCOUNT><ACCOUNTNO>1</ACCOUNTNO>...</GLACCOUNT> -> dict, shaped by the definition."""
    record: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        field = defn.field(child.tag)
        if field is not None and field.type == "list":
            record[child.tag] = [(c.text or "").strip() for c in child if isinstance(c.tag, str)]
        elif len(child):
            record[child.tag] = {
                c.tag: (c.text or "").strip() for c in child if isinstance(c.tag, str)
            }
        else:
            record[child.tag] = (child.text or "").strip()
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
            plan.append((upper, stored, "", field.item if field else ""))
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


def serialize(root: etree._Element, pretty: bool) -> bytes:
    body = etree.tostring(root, encoding="UTF-8", pretty_print=pretty)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
