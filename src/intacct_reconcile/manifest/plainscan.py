"""The plainest manifests read line by line, without a YAML parser's events.

A large manifest is mostly the same three levels of plain lines:

    gl_accounts:
      '2110':
        title: Accounts payable
        type: balance_sheet

libyaml turns each line into events, each a Python object with two marks, and walking them
was most of the time a manifest took to load. This reader takes a file that is nothing but
such lines (ASCII, spaces, one `key: value` or `key:` per line, values plain words or simple
quoted text on one line, comments on lines of their own) and builds exactly the tree the
event builder would: the same located nodes, `LeanMap`s and spans. Anything else in the file
(a list, a flow collection, an anchor, a tag, a multi-line value, a duplicate key, an empty
value, a document marker, a non-ASCII character, ...) and it declines (None): the file is
read by libyaml as before, so every message about it comes from the same place.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

from intacct_reconcile.manifest.loader import (
    _COLUMN_BITS,
    _COLUMN_MASK,
    _NO_KEYS,
    _NOT_LEAN,
    _SHARED_TEXT,
    MAX_NODES,
    LeanMap,
    Node,
)
from intacct_reconcile.spans import Span

# one line: indentation, key (single-quoted, double-quoted or plain), then nothing or a value
# (single-quoted, double-quoted or plain) after blanks; quoted text is printable ASCII without
# escapes (no '' in single quotes, no backslash in double quotes)
_LINE = re.compile(
    r"(?P<indent> *)"
    r"(?:'(?P<skey>[ -&(-~]*)'|\"(?P<dkey>[ !#-\[\]-~]*)\"|(?P<pkey>[A-Za-z0-9_][A-Za-z0-9_-]*))"
    r":(?:(?P<gap> +)(?:'(?P<sval>[ -&(-~]*)'|\"(?P<dval>[ !#-\[\]-~]*)\""
    # a plain value: no indicator first (a dash only before a word character), no `: ` or
    # ` #`, no trailing blank (brackets and braces only inside: they open flow collections
    # only at the start of a value)
    r"|(?P<pval>(?:[A-Za-z0-9_.(/+$]|-(?=[A-Za-z0-9_.]))"
    r"(?:[A-Za-z0-9 _.,()/+&'${}\[\]-]*[A-Za-z0-9_.,()/+&'${}\[\]-])?)"
    r"))?"
)
_TOP, _SECTION_OPEN, _OBJECT_OPEN, _FIELDS, _OBJECT_DONE = range(5)
_FIELD_BITS = 2 * _COLUMN_BITS  # field_at: line << _FIELD_BITS | key column | value column


def scan(text: str, file: str, lean: Container[str], builder: Any) -> Node | None:
    """The document's root node, or None if the text is not made of plain lines only (or
    holds nothing). `builder`: an _EventBuilder, whose `lean_value` reads plain values."""
    if not text.isascii() or "\t" in text or "\r" in text:
        return None
    fullmatch = _LINE.fullmatch
    values, resolvers, wildcard = builder.lean_value, builder.resolvers, builder.wildcard
    not_lean, short, column_mask = _NOT_LEAN, _SHARED_TEXT, _COLUMN_MASK
    column_bits, field_bits = _COLUMN_BITS, _FIELD_BITS
    top, section_open, object_open, in_fields, object_done = (
        _TOP,
        _SECTION_OPEN,
        _OBJECT_OPEN,
        _FIELDS,
        _OBJECT_DONE,
    )
    shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # field names, plain flags: per shape
    shared_texts: dict[str, str] = {}  # short values without blanks: one str each
    root: Node | None = None
    section: Any = None  # the lean section being read (a Node)
    object_key = ""
    object_at = 0  # packed position of the object's first field
    keys: list[str] = []
    fields: list[Any] = []  # per field: text, value, plain, position (field_at)
    substituted = False  # some value of the object holds `${`
    state = top
    first_indent = second_indent = -1
    number = 0
    for number, line in enumerate(text.split("\n"), 1):
        match = fullmatch(line)
        if match is None:
            stripped = line.lstrip(" ")
            if stripped == "" or stripped[0] == "#":
                continue  # blank, or a comment on a line of its own
            return None
        indent_text, skey, dkey, pkey, gap, sval, dval, pval = match.groups()
        indent = len(indent_text)
        key = skey if skey is not None else dkey if dkey is not None else pkey
        if indent == second_indent and state == in_fields:  # the usual line: a field
            if gap is None or key in keys:
                return None  # an empty value, or a duplicate: libyaml's to read
        elif indent == 0:
            if state in (section_open, object_open):
                return None  # `key:` with nothing under it: an empty value
            if state == in_fields:
                section.value[object_key] = _object(
                    file, object_at, keys, fields, substituted, shared
                )
            state = top
            if root is None:
                root = Node(Span(file, number, 1), {})
            if key in root.value:
                return None  # duplicate: the event builder reports it
            root.key_spans[key] = Span(file, number, 1)
            if gap is not None:
                node = _scalar(file, number, match.end(5) + 1, sval, dval, pval, values)
                if node is None:
                    return None
                root.value[key] = node
            elif key in lean:
                section = root.value[key] = Node(Span(file, 0, 0), {})
                state = section_open
            else:
                return None  # a mapping the lean reader does not build
            continue
        elif state == section_open or (
            indent == first_indent and state in (in_fields, object_done)
        ):
            # an object's key
            if state == section_open:
                first_indent = indent
                section.span = Span(file, number, indent + 1)
            elif state == in_fields:
                section.value[object_key] = _object(
                    file, object_at, keys, fields, substituted, shared
                )
            if key in section.value:
                return None
            section.key_spans[key] = Span(file, number, indent + 1)
            if gap is not None:
                node = _scalar(file, number, match.end(5) + 1, sval, dval, pval, values)
                if node is None:
                    return None
                section.value[key] = node
                state = object_done
            else:
                object_key, keys, fields, substituted = key, [], [], False
                state = object_open
            continue
        elif state == object_open and indent > first_indent and gap is not None:
            second_indent = indent  # the object's first field
            object_at = number << column_bits | (indent + 1)
            state = in_fields
        else:
            return None  # any other indentation: libyaml's to read (or refuse)
        column = match.end(5) + 1
        if column >= column_mask:
            return None
        if pval is not None:
            if len(pval) < short and " " not in pval:
                pval = shared_texts.setdefault(pval, pval)  # debit, balance_sheet: once each
            text_value = value = pval
            plain = True
            if pval[0] in resolvers or wildcard:
                value = values(pval)
                if value is not_lean:
                    return None
        else:
            text_value = value = sval if sval is not None else dval
            plain = False
        if "${" in text_value:
            substituted = True
        keys.append(key)  # (one tuple of names per shape is kept: see _object)
        fields += (
            text_value,
            value,
            plain,
            number << field_bits | (indent + 1) << column_bits | column,
        )
    # (a line is at most one node: past the node budget, the parser's reading tells)
    if state in (section_open, object_open) or root is None or number >= MAX_NODES:
        return None
    if state == in_fields:
        section.value[object_key] = _object(file, object_at, keys, fields, substituted, shared)
    return root


def _object(
    file: str,
    at: int,
    keys: list[str],
    fields: list[Any],
    substituted: bool,
    shared: dict[tuple[Any, ...], tuple[Any, ...]],
) -> Node | LeanMap:
    """An object's fields as a LeanMap (or, with a value to substitute, the located tree the
    event builder leaves such an object as)."""
    texts, values = tuple(fields[0::4]), tuple(fields[1::4])
    shape, plain = tuple(keys), tuple(fields[2::4])
    built = LeanMap(
        file,
        at,
        shared.setdefault(shape, shape),
        texts,
        texts if values == texts else values,
        shared.setdefault(plain, plain),
        tuple(fields[3::4]),
    )
    return built.node() if substituted else built


def _scalar(
    file: str,
    number: int,
    column: int,
    single: str | None,
    double: str | None,
    plain: str | None,
    values: Any,
) -> Node | None:
    span = Span(file, number, column)
    if plain is None:
        text = single if single is not None else double
        return Node(span, text, text, False, _NO_KEYS)
    value = values(plain)
    if value is _NOT_LEAN:
        return None
    return Node(span, value, plain, True, _NO_KEYS)
