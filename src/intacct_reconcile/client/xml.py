"""Safe XML in and out: lxml builders (values escaped by construction) and a hardened parser.

The parser resolves no entities, loads no DTD, touches no network, keeps huge_tree off and
refuses any DOCTYPE, so XML bombs and external entities are rejected instead of expanded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from intacct_reconcile.client.errors import ProtocolError

MAX_BODY_BYTES = 64 * 1024 * 1024
XML_CONTENT_TYPES = ("text/xml", "application/xml")


class _SafeParser(etree.XMLParser):
    """The parser `parse` uses: its documents hold no comments or processing instructions."""


def _parser() -> etree.XMLParser:
    # a new parser per call: lxml parsers are not safe to share across threads
    return _SafeParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )


def check_content_type(
    content_type: str | None, *, expected: Iterable[str] = XML_CONTENT_TYPES
) -> None:
    """Refuse a body whose declared type is not what we asked for (e.g. an HTML proxy page)."""
    if content_type is None:
        # assumption: a missing header is tolerated; the parser still rejects non-XML bodies
        return
    media = content_type.split(";", 1)[0].strip().lower()
    expected = tuple(expected)
    if media not in expected:
        raise ProtocolError(
            f"unexpected content type {media or '(empty)'!r} (expected {' or '.join(expected)}); "
            "a proxy or captive portal may be answering instead of Intacct — check the endpoint"
        )


def parse(body: bytes, *, max_bytes: int = MAX_BODY_BYTES) -> etree._Element:
    """Parse an XML document safely; anything hostile or broken raises ProtocolError."""
    if len(body) > max_bytes:
        raise ProtocolError(f"response body larger than {max_bytes} bytes; refusing to parse it")
    if not body.strip():
        raise ProtocolError("empty response body where XML was expected")
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise ProtocolError(
            f"response is not well-formed XML (truncated or not XML): {exc}"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ProtocolError(
            "response carries a DOCTYPE/DTD; refusing it (possible XML bomb or XXE)"
        )
    # iter(Entity) filters in C: a large page is not walked node by node in Python. An entity
    # reference is written `&name;`: a document in an ASCII-compatible encoding (it starts
    # with `<`) without a `&` byte holds none, and is not walked at all (a tenth of a large
    # page's parse); any other document is
    if (b"&" in body or body.lstrip()[:1] != b"<") and next(
        root.iter(etree.Entity), None
    ) is not None:
        raise ProtocolError("response contains entity references; refusing it")
    return root


def sub(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    """Append a child element; text is escaped by lxml."""
    child = etree.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = format_value(text)
    return child


def element(tag: str, text: object = None, **attrs: str) -> etree._Element:
    node = etree.Element(tag, attrs)
    if text is not None:
        node.text = format_value(text)
    return node


def format_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fill(parent: etree._Element, fields: Mapping[str, Any]) -> etree._Element:
    """Write a record: nested mappings become nested elements, lists become repeated elements.

    None values are left out (the field is not sent); "" sends an empty element.
    """
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            if item is None:
                continue
            if isinstance(item, Mapping):
                fill(sub(parent, name), item)
            else:
                sub(parent, name, item)
    return parent


def record(tag: str, fields: Mapping[str, Any]) -> etree._Element:
    return fill(element(tag), fields)


def to_python(node: etree._Element) -> Any:
    """Element -> str (leaf) or dict (children; repeated tags become lists)."""
    if len(node) == 0:
        return node.text or ""
    out: dict[str, Any] = {}
    for child in node:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions carry no data
        value = (child.text or "") if len(child) == 0 else to_python(child)
        if tag not in out:
            out[tag] = value
        elif isinstance(out[tag], list):
            out[tag].append(value)
        else:
            out[tag] = [out[tag], value]
    return out


# Each true when some record has more than leaf fields: nested fields, comments or processing
# instructions among its fields, anything but records in <data>. Separate paths, not their
# union: a union sorts the nodes of a whole page into document order, four times the cost.
_NESTED = etree.XPath("boolean(*/*/*)")
_NOT_ELEMENTS = etree.XPath("boolean(node()[not(self::*)])")
_MARKUP = etree.XPath("boolean(*/comment() | */processing-instruction())")


def _not_flat(node: etree._Element) -> bool:
    if _NESTED(node) or _NOT_ELEMENTS(node):
        return True
    # `parse` drops comments and processing instructions as it reads: a page it parsed has
    # none to look for (a third of the walk over a page)
    return not isinstance(node.getroottree().parser, _SafeParser) and bool(_MARKUP(node))


_FIELDS = etree.XPath("count(*/*)")


def records(node: etree._Element | None, *, share: bool = True) -> list[dict[str, Any]]:
    """Each child of <data> as a flat-or-nested dict of its fields. `share`: repeated tags and
    texts of a flat page as one str each (for records that are kept; a caller that converts
    each page as it arrives and lets the records go skips it)."""
    if node is None:
        return []
    if not _not_flat(node):
        # the usual page (query results): every record is a row of leaf fields, checked once
        # for the whole page in C instead of field by field
        if share:
            # lxml makes a new str for every tag and text it hands out: sharing the repeated
            # ones ("false", "active", the field names) saved ~20 MiB of a 30,000-record plan's
            # peak when every page's records were held until the last page came
            shared: dict[str, str] = {}
            one = shared.setdefault
            flat = [
                {one(t := c.tag, t): one(v, v) if (v := c.text) else "" for c in child}
                for child in node
            ]
        else:
            flat = [{c.tag: c.text or "" for c in child} for child in node]
        if sum(map(len, flat)) == _FIELDS(node):  # no repeated field in any record
            return flat
    out = []
    for child in node:
        if not isinstance(child.tag, str):
            continue
        value = to_python(child)
        out.append(value if isinstance(value, dict) else {})
    return out


def text(node: etree._Element | None, path: str, default: str = "") -> str:
    if node is None:
        return default
    found = node.find(path)
    return default if found is None or found.text is None else found.text.strip()


def tostring(node: etree._Element) -> bytes:
    return etree.tostring(node, xml_declaration=True, encoding="UTF-8")


def canonical(node: etree._Element) -> bytes:
    """Stable bytes for hashing a function's content."""
    return etree.tostring(node, method="c14n")
