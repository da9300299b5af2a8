"""A quick yes for the object schema: is a flat object (scalar values only) certainly valid?
And for the sections schema: is a document's top level certainly valid?

jsonschema walks every object's schema afresh; for 100,000 `field: value` objects that was a
large share of validation. Here each kind's object schema is read once into one small test
per property (its type, enum, length, pattern, bounds), and the set of fields an object
writes is checked once per set. The answer is only ever "valid" or "not sure": anything the
tests do not cover, and every object they do not pass, goes to jsonschema, so each message
still comes from the same place as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.manifest.schema import object_validation_schema, section_schema

Test = Callable[[Any], bool]
# the tests of an object's values: fields that must be text (the usual one), fields that
# must be one of a set of words (enums), and the rest each with its own test
Tests = tuple[tuple[str, ...], tuple[tuple[str, frozenset[str]], ...], tuple[tuple[str, Test], ...]]
# a kind and the fields an object writes (in order) -> the tests of its values, or None when
# the set itself is not certainly valid (an unknown field, a required one missing, ...)
_CHECKS: dict[tuple[str, tuple[str, ...]], Tests | None] = {}
_MAX_CHECKS = 4096  # manifests with very many shapes: stay bounded

_JSON_TYPES: dict[type, tuple[str, ...]] = {
    str: ("string",),
    bool: ("boolean",),
    int: ("integer", "number"),
    type(None): ("null",),
}
_SIMPLE_KEYWORDS = frozenset(
    {"type", "enum", "maxLength", "pattern", "minimum", "maximum", "description"}
)


def certainly_valid(kind: Kind, keys: tuple[str, ...], values: Mapping[str, Any]) -> bool:
    """True only if jsonschema would find no problem in this object (`values`, written with
    `keys` in this order, every value a str, bool, int or None)."""
    tests = _CHECKS.get((kind.key, keys), _MISSING)
    if tests is _MISSING:
        if len(_CHECKS) > _MAX_CHECKS:
            _CHECKS.clear()
        tests = _CHECKS[(kind.key, keys)] = _compile(kind, keys)
    if tests is None:
        return False
    texts, words, others = tests
    for name in texts:
        if type(values[name]) is not str:
            return False
    for name, choices in words:
        value = values[name]
        if type(value) is not str or value not in choices:
            return False
    return all(test(values[name]) for name, test in others)


_MISSING: Any = object()


def _compile(kind: Kind, keys: tuple[str, ...]) -> Tests | None:
    if kind.shape != "mapping" or len(set(keys)) != len(keys):
        return None
    # `ensure: absent` changes the schema (nothing required): the quick yes is only for
    # `present` (or no `ensure`), checked against the schema of a present object
    schema = object_validation_schema(kind.key, absent=False)
    if schema.get("additionalProperties") is not False or set(schema) - {
        "type",
        "properties",
        "additionalProperties",
        "required",
    }:
        return None
    properties = schema["properties"]
    if any(name not in properties for name in keys):
        return None
    if any(name not in keys for name in schema.get("required", ())):
        return None
    texts: list[str] = []
    words: list[tuple[str, frozenset[str]]] = []
    others: list[tuple[str, Test]] = []
    for name in keys:
        if name == "ensure":
            words.append((name, frozenset({"present"})))
            continue
        schema = _scalar_branch(properties[name])
        if schema is None:
            return None
        if schema.keys() <= {"type", "description"} and "string" in _types(schema):
            texts.append(name)  # any text passes (and the value is text, or not sure)
        elif schema.keys() <= {"enum", "description"} and all(
            type(choice) is str for choice in schema["enum"]
        ):
            words.append((name, frozenset(schema["enum"])))
        else:
            test = _property_test(schema)
            if test is None:
                return None
            others.append((name, test))
    return tuple(texts), tuple(words), tuple(others)


def _types(schema: Mapping[str, Any]) -> tuple[str, ...]:
    types = schema.get("type", ())
    return (types,) if isinstance(types, str) else tuple(types)


def _scalar_branch(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What a scalar value must satisfy: the schema, or for a placement field (one entity,
    or a list: a copy in each) its first branch, the only one a scalar can pass."""
    if "anyOf" not in schema:
        return schema
    if not set(schema) <= {"anyOf", "description"}:
        return None
    first, *rest = schema["anyOf"]
    if not all(branch.get("type") == "array" for branch in rest):
        return None
    return _scalar_branch(first)


def _property_test(schema: Mapping[str, Any]) -> Test | None:
    """One property's test, when its schema is one this module reads exactly."""
    if set(schema) - _SIMPLE_KEYWORDS:
        return None
    types = schema.get("type")
    allowed: frozenset[str] | None = None
    if types is not None:
        allowed = frozenset([types] if isinstance(types, str) else types)
    enum = schema.get("enum")
    choices: frozenset[str] | None = None
    if enum is not None:
        if not all(type(choice) is str for choice in enum):
            return None
        choices = frozenset(enum)
    max_length = schema.get("maxLength")
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    minimum, maximum = schema.get("minimum"), schema.get("maximum")

    def test(value: Any) -> bool:
        kinds = _JSON_TYPES.get(type(value))
        if kinds is None:
            return False  # floats, lists, mappings: jsonschema's to judge
        if allowed is not None and not any(k in allowed for k in kinds):
            return False
        if choices is not None and (type(value) is not str or value not in choices):
            return False
        if type(value) is str:
            if max_length is not None and len(value) > max_length:
                return False
            if pattern is not None and not pattern.search(value):
                return False
        if type(value) is int:
            if minimum is not None and value < minimum:
                return False
            if maximum is not None and value > maximum:
                return False
        return True

    return test


def sections_certainly_valid(data: Any) -> bool:
    """True only if the sections schema finds no problem in `data` (a document as
    validate's `_shallow` leaves it): `version: 1`, then kinds' sections of the right shape
    and `x-` anchors. Anything else (mitigations and smoke checks, which that schema checks
    whole; a section whose keys it checks; an unknown key) is jsonschema's to judge."""
    if type(data) is not dict:
        return False
    version = data.get("version", _MISSING)
    if type(version) is not int or version != 1:
        return False
    for key, section in data.items():
        if key == "version" or (type(key) is str and key.startswith("x-")):
            continue  # `^x-`: free-form
        kind = REGISTRY.get(key)
        if kind is None or "propertyNames" in section_schema(key):
            return False
        if kind.shape == "mapping":
            if type(section) is not dict or not all(
                v is None or type(v) is dict for v in section.values()
            ):
                return False
        elif kind.shape == "list":
            if type(section) is not list or not all(type(v) in (str, dict) for v in section):
                return False
        elif type(section) is not dict:  # a singleton
            return False
    return True
