"""The manifest JSON Schema (draft 2020-12), generated from the kinds registry.

Checked in as schemas/manifest.schema.json for editors (yaml-language-server modeline) and used
by `validate` on the manifest after variable substitution. A test keeps the file current.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.manifest.placement import entity_schema
from intacct_reconcile.smoke import declare as smoke
from intacct_reconcile.sod import mitigations

SCHEMA_ID = "https://github.com/intacct-reconcile/intacct-reconcile/schemas/manifest.schema.json"
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schemas" / "manifest.schema.json"
ENV_ONLY = r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
ENSURE = {"enum": ["present", "absent"], "description": "absent = remove (or deactivate)."}


def _permissions_schema() -> dict[str, Any]:
    from intacct_reconcile import catalog  # loaded by the kinds with permission sets only

    cat = catalog.load()
    shortcut = {"enum": list(catalog.SHORTCUTS)}
    modules: dict[str, Any] = {}
    for module in cat.modules.values():
        perms = {}
        for perm in module.permissions.values():
            if not cat.grantable(perm):
                continue
            rights = [r for r in perm.rights if cat.rest_token(r)]
            if not perm.rights_complete:  # other rights may exist: accept any grantable one
                rights = [r.id for r in cat.rights.values() if r.rest]
            perms[perm.id] = {
                "description": perm.name,
                "anyOf": [shortcut, {"type": "array", "items": {"enum": rights}}],
            }
        if perms:
            modules[module.id] = {
                "description": module.name,
                "anyOf": [
                    shortcut,
                    {"type": "object", "properties": perms, "additionalProperties": False},
                ],
            }
    return {
        "type": "object",
        "description": "Per module: all | read_only | none | {permission: [rights]}.",
        "properties": modules,
        "additionalProperties": False,
    }


def field_schema(f: Field) -> dict[str, Any]:
    if f.secret:
        out: dict[str, Any] = {"type": "string", "pattern": ENV_ONLY}
    elif f.type == "integer":
        out = {"type": "integer"}
        if f.minimum is not None:
            out["minimum"] = f.minimum
        if f.maximum is not None:
            out["maximum"] = f.maximum
    elif f.type == "boolean":
        out = {"type": "boolean"}
    elif f.type == "enum":
        out = {"enum": list(f.enum or {})}
    elif f.type == "string_list":
        item: dict[str, Any] = {"enum": list(f.enum)} if f.enum else {"type": "string"}
        out = {"type": "array", "items": item, "uniqueItems": True}
    elif f.type == "date":
        out = {"type": "string", "pattern": DATE}
    elif f.type == "month":
        out = {"type": "string", "pattern": MONTH}
    elif f.type == "permissions":
        out = _permissions_schema()
    else:
        # numbers allowed for editors: unquoted account numbers are read as their source text
        out = {"type": ["string", "number"]}
        if f.max_length:
            out["maxLength"] = f.max_length
    if f.description:
        out["description"] = f.description
    if f.placement:
        out = entity_schema(out)  # one entity, or a copy in each of a list (manifest/placement)
    return out


def object_schema(kind: Kind) -> dict[str, Any]:
    props = {f.name: field_schema(f) for f in kind.fields if not _computed(kind, f)}
    schema: dict[str, Any] = {"type": ["object", "null"], "properties": props}
    if kind.shape != "singleton":
        props["ensure"] = ENSURE
    if kind.shape == "list":
        props[kind.identity.name] = {"type": "string", "description": kind.identity.description}
    schema["additionalProperties"] = False
    required = [f.name for f in kind.fields if f.required]
    if kind.shape == "list":
        schema["required"] = [kind.identity.name]
    if required:
        # an object being removed needs no settings
        schema["if"] = {
            "type": "object",
            "properties": {"ensure": {"const": "absent"}},
            "required": ["ensure"],
        }
        schema["else"] = {"required": required}
    return schema


def _computed(kind: Kind, f: Field) -> bool:
    return f.name in kind.extra.get("computed_fields", ())


def kind_schema(kind: Kind) -> dict[str, Any]:
    ref = {"$ref": f"#/$defs/{kind.key}"}
    description = kind.title + (f" — {kind.description}" if kind.description else "")
    if kind.shape == "singleton":
        return {**ref, "description": description}
    if kind.shape == "list":
        return {
            "type": "array",
            "description": description,
            "items": {"anyOf": [{"type": "string"}, ref]},
        }
    out: dict[str, Any] = {
        "type": "object",
        "description": description,
        "additionalProperties": ref,
    }
    if kind.identity.type == "enum":
        out["propertyNames"] = {"enum": list(kind.identity.enum or {})}
    return out


VERSION = {"const": 1, "description": "Manifest format version."}


def _top_level(properties: dict[str, Any]) -> dict[str, Any]:
    """The document: `version`, the given sections, nothing else (but x-* anchors)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "intacct-reconcile manifest",
        "description": "Desired Sage Intacct configuration. Files merge by kind.",
        "type": "object",
        "required": ["version"],
        "properties": properties,
        # x-* keys hold YAML anchors to merge (`<<: *defaults`) and are otherwise ignored
        "patternProperties": {"^x-": {"description": "Free-form: anchors for `<<` merges."}},
        "additionalProperties": False,
    }


@functools.cache
def manifest_schema() -> dict[str, Any]:
    properties = {
        "version": VERSION,
        **{key: kind_schema(kind) for key, kind in REGISTRY.items()},
        mitigations.SECTION: mitigations.SCHEMA,
        smoke.SECTION: smoke.SCHEMA,
    }
    return {
        **_top_level(properties),
        "$defs": {
            **{
                key: _shared_permission_sets(kind, object_schema(kind))
                for key, kind in REGISTRY.items()
            },
            PERMISSION_SET: _permissions_schema(),
        },
    }


# the catalogue's permission set is thousands of lines: the published schema holds it once
PERMISSION_SET = "permission_set"


def _shared_permission_sets(kind: Kind, schema: dict[str, Any]) -> dict[str, Any]:
    """A kind's object schema with each permission set field referring to the shared one."""
    props = dict(schema["properties"])
    for f in kind.fields:
        if f.type == "permissions" and f.name in props:
            ref: dict[str, Any] = {"$ref": f"#/$defs/{PERMISSION_SET}"}
            if f.description:
                ref["description"] = f.description
            props[f.name] = ref
    return {**schema, "properties": props}


# ---------------------------------------------------------------- for the validator
# The same rules, split so that `validate` checks each object with its kind's own schema
# (no $ref lookups, no if/else per object): a 5,000-object manifest validates in well under
# the time the full schema takes. A test checks both agree on the fixtures.

_SHALLOW = {
    "mapping": {"type": "object", "additionalProperties": {"type": ["object", "null"]}},
    "list": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
    "singleton": {"type": "object"},
}


@functools.cache
def sections_schema() -> dict[str, Any]:
    """The top level only: version and each kind's section shape. Made without the object
    schemas (the permission catalogue among them): every `validate` needs this one."""
    props: dict[str, Any] = {"version": VERSION}
    for key in REGISTRY:
        props[key] = section_schema(key)
    props[mitigations.SECTION] = mitigations.SCHEMA  # small: checked whole, located errors
    props[smoke.SECTION] = smoke.SCHEMA
    return _top_level(props)


@functools.cache
def section_schema(kind_key: str) -> dict[str, Any]:
    """One kind's section in the sections schema: its shape, and its keys' pattern if any
    (what the quick checks ask of a document's sections, one kind at a time: a document of
    GL accounts loads that kind, not every kind)."""
    kind = REGISTRY[kind_key]
    section = dict(_SHALLOW[kind.shape])
    names = kind_schema(kind).get("propertyNames")
    if names is not None:
        section["propertyNames"] = names
    return section


@functools.cache
def object_validation_schema(kind_key: str, *, absent: bool) -> dict[str, Any]:
    """One object of a kind; `required` applies unless the object is being removed."""
    schema = {k: v for k, v in object_schema(REGISTRY[kind_key]).items() if k not in ("if", "else")}
    required = [f.name for f in REGISTRY[kind_key].fields if f.required]
    if required and not absent:
        schema["required"] = [*schema.get("required", []), *required]
    return schema


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2, ensure_ascii=False) + "\n"
