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
from sys import intern
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
    field_at,
)
from intacct_reconcile.types import Span

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


def scan(text: str, file: str, lean: frozenset[str], builder: Any) -> Node | None:
    """The document's root node, or None if the text is not made of plain lines only (or
    holds nothing). `builder`: an _EventBuilder, whose `lean_value` reads plain values."""
    if not text.isascii() or "\t" in text or "\r" in text:
        return None
    fullmatch = _LINE.fullmatch
    values, resolvers, wildcard = builder.lean_value, builder.resolvers, builder.wildcard
    shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # field names, plain flags: per shape
    shared_texts: dict[str, str] = {}  # short values without blanks: one str each
    root: Node | None = None
    section: Node | None = None
    object_key = ""
    object_at = 0  # packed position of the object's first field
    keys: list[str] = []
    fields: list[Any] = []  # per field: text, value, plain, position (field_at)
    state = _TOP
    first_indent = second_indent = 0
    count = 0

    def close_object() -> None:
        assert section is not None
        typed = fields[1::4] != fields[0::4]
        texts, shape, plain = tuple(fields[0::4]), tuple(keys), tuple(fields[2::4])
        built: Node | LeanMap = LeanMap(
            file,
            object_at,
            shared.setdefault(shape, shape),
            texts,
            tuple(fields[1::4]) if typed else texts,
            shared.setdefault(plain, plain),
            tuple(fields[3::4]),
        )
        if any("${" in t for t in texts):
            built = built.node()  # the event builder's tree for a value to substitute
        section.value[object_key] = built

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
        key_at = number << _COLUMN_BITS | (indent + 1)
        has_value = gap is not None
        value_column = indent + len(key) + (1 if pkey is not None else 3) + len(gap or "") + 1
        if value_column >= _COLUMN_MASK:
            return None
        count += 1
        if indent == 0:
            if state in (_SECTION_OPEN, _OBJECT_OPEN):
                return None  # `key:` with nothing under it: an empty value
            if state == _FIELDS:
                close_object()
            state = _TOP
            if root is None:
                root = Node(Span(file, number, 1), {})
            if key in root.value:
                return None  # duplicate: the event builder reports it
            root.key_spans[key] = Span(file, number, 1)
            if has_value:
                node = _scalar(file, number, value_column, sval, dval, pval, values)
                if node is None:
                    return None
                root.value[key] = node
            elif key in lean:
                section = root.value[key] = Node(Span(file, 0, 0), {})
                state = _SECTION_OPEN
            else:
                return None  # a mapping the lean reader does not build
            continue
        if state == _SECTION_OPEN or (state in (_FIELDS, _OBJECT_DONE) and indent == first_indent):
            # an object's key
            assert section is not None and root is not None
            if state == _SECTION_OPEN:
                first_indent = indent
                section.span = Span(file, number, indent + 1)
            elif state == _FIELDS:
                close_object()
            if key in section.value:
                return None
            section.key_spans[key] = Span(file, number, indent + 1)
            if has_value:
                node = _scalar(file, number, value_column, sval, dval, pval, values)
                if node is None:
                    return None
                section.value[key] = node
                state = _OBJECT_DONE
            else:
                object_key, keys, fields = key, [], []
                state = _OBJECT_OPEN
            continue
        if state == _OBJECT_OPEN:
            if indent <= first_indent:
                return None
            second_indent = indent
            object_at = key_at
            state = _FIELDS
        elif state != _FIELDS or indent != second_indent:
            return None  # any other indentation: libyaml's to read (or refuse)
        if not has_value or key in keys:
            return None
        if pval is not None:
            if len(pval) < _SHARED_TEXT and " " not in pval:
                pval = shared_texts.setdefault(pval, pval)  # debit, balance_sheet: once
            text_value = value = pval
            plain = True
            if pval[0] in resolvers or wildcard:
                value = values(pval)
                if value is _NOT_LEAN:
                    return None
        else:
            text_value = sval if sval is not None else dval
            value, plain = text_value, False
        keys.append(intern(key))
        fields += (text_value, value, plain, field_at(number, indent + 1, value_column))
    if state in (_SECTION_OPEN, _OBJECT_OPEN) or root is None or count >= MAX_NODES:
        return None
    if state == _FIELDS:
        close_object()
    return root


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
