"""A quick yes for a small JSON Schema subset: is this value certainly valid?

The config file (intacct-reconcile.yaml) is checked against a JSON Schema at the start of
every command. jsonschema itself takes a twentieth of a second to import, on the path of
every plan and apply, for a file that is nearly always valid. Here the schema is walked
directly, for the keywords the config schemas use (type, properties, additionalProperties,
required, enum, minLength, minimum, maximum, pattern, minProperties, items and local `$ref`).
The answer is only ever "valid" or "not sure": a keyword it does not know, a value of an
unusual type and every value it does not pass make the caller ask jsonschema, so every
message still comes from jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# keywords that never make a value invalid
_ANNOTATIONS = frozenset({"$schema", "$defs", "description", "title", "default", "examples"})
_KNOWN = _ANNOTATIONS | {
    "type",
    "properties",
    "additionalProperties",
    "required",
    "enum",
    "minLength",
    "minimum",
    "maximum",
    "pattern",
    "minProperties",
    "items",
    "$ref",
}
_MAX_DEPTH = 64  # a config is a few levels deep; anything deeper goes to jsonschema


def certainly_valid(value: Any, schema: Mapping[str, Any]) -> bool:
    """True only if jsonschema (Draft 2020-12) would find no problem in `value`."""
    return _valid(value, schema, schema, 0)


def _valid(value: Any, schema: Any, root: Mapping[str, Any], depth: int) -> bool:
    if schema is True:
        return True
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return False
    if not _KNOWN.issuperset(schema):
        return False
    ref = schema.get("$ref")
    if ref is not None:
        target = _resolve(ref, root)
        if target is None or not _valid(value, target, root, depth + 1):
            return False
    if "type" in schema and not _of_type(value, schema["type"]):
        return False
    if "enum" in schema and not (type(value) is str and value in schema["enum"]):
        return False  # only text against a list of words is judged here
    if type(value) is str:
        return _valid_text(value, schema)
    if type(value) in (int, float):
        return _valid_number(value, schema)
    if type(value) is dict:
        return _valid_object(value, schema, root, depth)
    if type(value) is list:
        items = schema.get("items")
        return items is None or all(_valid(v, items, root, depth + 1) for v in value)
    return type(value) is bool or value is None


def _valid_text(value: str, schema: Mapping[str, Any]) -> bool:
    if "minLength" in schema and len(value) < schema["minLength"]:
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, value) is not None


def _valid_number(value: float, schema: Mapping[str, Any]) -> bool:
    if "minimum" in schema and not value >= schema["minimum"]:
        return False
    return "maximum" not in schema or value <= schema["maximum"]


def _valid_object(
    value: dict[Any, Any], schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    if not all(type(k) is str for k in value):
        return False
    if len(value) < schema.get("minProperties", 0):
        return False
    if any(name not in value for name in schema.get("required", ())):
        return False
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, inner in value.items():
        if name in properties:
            if not _valid(inner, properties[name], root, depth + 1):
                return False
        elif extra is False or not _valid(inner, extra, root, depth + 1):
            return False
    return True


# JSON types as jsonschema tells them apart (a bool is not a number; 2.0 is an integer)
def _of_type(value: Any, wanted: Any) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(names, list):
        return False
    kind = type(value)
    for name in names:
        if name == "string" and kind is str:
            return True
        if name == "object" and kind is dict:
            return True
        if name == "array" and kind is list:
            return True
        if name == "boolean" and kind is bool:
            return True
        if name == "null" and value is None:
            return True
        if name == "number" and kind in (int, float):
            return True
        if name == "integer" and (kind is int or (kind is float and value.is_integer())):
            return True
    return False


def _resolve(ref: Any, root: Mapping[str, Any]) -> Any:
    """A local `#/$defs/NAME` reference (anything else: None, not sure)."""
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        return None
    found = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
    return found if isinstance(found, Mapping) else None
