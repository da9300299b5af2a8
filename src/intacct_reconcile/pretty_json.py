"""Indented JSON, byte for byte what `json.dumps(value, indent=2, ensure_ascii=False,
default=str)` writes, in about a third of its CPU time.

The json module encodes in C only without `indent`; with it, every value goes through a chain
of Python generators. A plan file is ~130 KB of indented JSON, and a fleet plan writes one per
target (200 targets: ~0.5 s of CPU in the json module alone). Here one recursive function
appends the pieces to a list, and strings, the bulk of a plan, are quoted by the json
module's own C function.

Kept to what plan files hold: dicts (in their order), lists and tuples, str, int, float,
bool and None; anything else is written as its `str()`, as `default=str` does. Dict keys are
converted as json converts them (str, int, float, bool, None); other keys raise TypeError,
as json does. No cycle detection: a plan is a tree.
"""

from __future__ import annotations

from json.encoder import encode_basestring  # the C encoder, as json uses with ensure_ascii=False
from typing import Any

INDENT = "  "


def dumps(value: Any) -> str:
    parts: list[str] = []
    _encode(value, "", parts.append)
    return "".join(parts)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: Any, pad: str, add: Any) -> None:
    kind = type(value)
    # plain str, dict and list first (nearly every value of a plan), then json's own order of
    # checks, which subclasses follow: str, None, True, False, int, float, list/tuple, dict
    if kind is str:
        add(encode_basestring(value))
    elif kind is dict or (kind is not list and isinstance(value, dict)):
        if not value:
            add("{}")
            return
        inner = pad + INDENT
        separator = ",\n" + inner
        add("{\n" + inner)
        first = True
        for key, item in value.items():
            if first:
                first = False
            else:
                add(separator)
            add(encode_basestring(key if type(key) is str else _key(key)))
            add(": ")
            _encode(item, inner, add)
        add("\n" + pad + "}")
    elif kind is list or kind is tuple or isinstance(value, list | tuple):
        if not value:
            add("[]")
            return
        inner = pad + INDENT
        separator = ",\n" + inner
        add("[\n" + inner)
        first = True
        for item in value:
            if first:
                first = False
            else:
                add(separator)
            _encode(item, inner, add)
        add("\n" + pad + "]")
    elif isinstance(value, str):
        add(encode_basestring(value))
    elif value is None:
        add("null")
    elif value is True:
        add("true")
    elif value is False:
        add("false")
    elif isinstance(value, int):
        add(int.__repr__(value))
    elif isinstance(value, float):
        add(_float(value))
    else:
        _encode(str(value), pad, add)
