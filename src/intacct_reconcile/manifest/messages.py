"""jsonschema errors -> human problems: located, what is wrong, how to fix it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from intacct_reconcile.errors import Problem
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.manifest.coerce import Coerced
from intacct_reconcile.manifest.schema import DATE, ENV_ONLY, MONTH

if TYPE_CHECKING:  # jsonschema is imported where a check needs it (manifest/validate)
    from jsonschema.exceptions import ValidationError

TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "empty",
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def describe(path: tuple[Any, ...]) -> str:
    """Where in the manifest, in its own words: `gl_accounts/2110 title`."""
    if not path:
        return "the document"
    kind = REGISTRY.get(str(path[0]))
    if kind is None or len(path) == 1:
        return str(path[0])
    if kind.shape == "singleton":
        return f"{path[0]} " + ".".join(str(p) for p in path[1:])
    head = f"{path[0]}/{path[1]}" if kind.shape == "mapping" else f"{path[0]}[{path[1]}]"
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")
    return f"{head} {rest}" if rest else head


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid keys: " + ", ".join(choices) if len(choices) <= 30 else ""


def shown(error: ValidationError, path: tuple, c: Coerced) -> str:
    """The offending value for a message, unless it came from the environment."""
    if path in c.from_env:
        return "the value from the environment"
    if isinstance(error.instance, int | float) and not isinstance(error.instance, bool):
        return str(error.instance)
    return f"'{error.instance}'"


def _expected(schema_type: Any) -> str:
    types = schema_type if isinstance(schema_type, list) else [schema_type]
    return " or ".join(TYPE_NAMES.get(t, t) for t in types if t != "number" or len(types) == 1)


def translate(error: ValidationError, c: Coerced, prefix: tuple = ()) -> Iterator[Problem]:
    path = (*prefix, *error.absolute_path)
    if any(path[:end] in c.failed for end in range(len(path) + 1)):
        return  # already reported (substitution or literal secret)
    if error.validator in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        yield from translate(best_match(error.context), c, prefix)
        return
    if "propertyNames" in error.schema_path:
        yield from _property_names(error, path, c)
        return
    handler = _HANDLERS.get(str(error.validator), _generic)
    yield from handler(error, path, c)


def _additional(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    allowed = list(error.schema.get("properties", {}))
    patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
    for key in error.instance:
        if key in allowed or any(p.search(str(key)) for p in patterns):
            continue
        where = "top level" if not path else describe(path)
        hint = suggest(str(key), allowed)
        if not path:
            hint = hint or "the top level holds `version` and kinds"
        yield Problem(c.span((*path, key), key=True), f"unknown key '{key}' at {where}", hint)


def _required(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    for name in error.validator_value:
        if name in instance:
            continue
        if not path and name == "version":
            yield Problem(
                c.span(()), "missing `version: 1`", "add `version: 1` at the top of the document"
            )
            continue
        yield Problem(
            c.span(path, key=True),
            f"{describe(path)}: missing required field '{name}'",
            f"add `{name}: ...` (or `ensure: absent` to remove the object)",
        )


def _type(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    got = TYPE_NAMES[json_type(error.instance)]
    want = _expected(error.validator_value)
    hint = _TYPE_HINTS.get(
        _first_type(error.validator_value), "see schemas/manifest.schema.json for the shape"
    )
    if len(path) == 1 and path[0] in REGISTRY:
        kind = REGISTRY[path[0]]
        hint = {
            "mapping": f"write `{kind.key}:` followed by `<{kind.identity.name}>: {{...}}` entries",
            "list": f"write `{kind.key}:` followed by `- <{kind.identity.name}>` lines",
            "singleton": f"write `{kind.key}:` followed by its settings",
        }[kind.shape]
    yield Problem(c.span(path), f"{describe(path)} must be {want}, not {got}", hint)


_TYPE_HINTS = {
    "string": "write the text (quote it if YAML would read it as something else)",
    "integer": "write a whole number without quotes, e.g. 4",
    "boolean": "write true or false, without quotes",
    "array": "write a list: [a, b] or one '- item' line per item",
    "object": "write `key: value` lines indented under it",
}


def _first_type(schema_type: Any) -> str:
    return schema_type[0] if isinstance(schema_type, list) else str(schema_type)


def _enum(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    options = [str(o) for o in error.validator_value]
    close = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    yield Problem(
        c.span(path),
        f"{describe(path)}: {shown(error, path, c)} is not a valid value",
        f"{hint}use one of: {', '.join(options)}",
    )


def _const(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    if path == ("version",):
        yield Problem(
            c.span(path),
            f"unsupported manifest version {error.instance!r}",
            "this tool reads `version: 1`",
        )
        return
    yield from _generic(error, path, c)


def _pattern(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    pattern = error.validator_value
    if pattern == ENV_ONLY:
        yield Problem(
            c.span(path),
            f"{describe(path)} holds a literal secret",
            "write `${env:NAME}` and set NAME in the environment",
        )
    elif pattern == DATE:
        yield Problem(
            c.span(path),
            f"{describe(path)}: {shown(error, path, c)} is not a date",
            "write YYYY-MM-DD, e.g. 2025-01-31",
        )
    elif pattern == MONTH:
        yield Problem(
            c.span(path),
            f"{describe(path)}: {shown(error, path, c)} is not a month",
            'write YYYY-MM in quotes, e.g. "2035-12"',
        )
    else:
        yield from _generic(error, path, c)


def _bound(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    word = "at least" if error.validator == "minimum" else "at most"
    yield Problem(
        c.span(path),
        f"{describe(path)}: {shown(error, path, c)} is out of range",
        f"use a number {word} {error.validator_value}",
    )


def _unique(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, item in enumerate(error.instance):
        if str(item) in seen:
            yield Problem(
                c.span((*path, index)),
                f"{describe(path)}: '{item}' is listed twice",
                "remove the repeated item",
            )
        seen.add(str(item))


def _property_names(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    options = [str(o) for o in error.schema.get("enum", ())]
    close = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    kind = REGISTRY.get(str(path[0])) if path else None
    what = kind.identity.name if kind else "key"
    yield Problem(
        c.span((*path, error.instance), key=True),
        f"{describe(path)}: unknown {what} '{error.instance}'",
        f"{hint}use one of: {', '.join(options)}",
    )


def _generic(error: ValidationError, path: tuple, c: Coerced) -> Iterator[Problem]:
    yield Problem(
        c.span(path), f"{describe(path)}: {error.message}", "see schemas/manifest.schema.json"
    )


_HANDLERS = {
    "additionalProperties": _additional,
    "required": _required,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "minimum": _bound,
    "maximum": _bound,
    "uniqueItems": _unique,
}
