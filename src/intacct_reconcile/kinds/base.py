"""What a resource kind declares: identity, fields, how Intacct manages it.

Contract shared by the manifest layer (schema, validation, desired state), the live reader,
the planner and the applier. Kind modules declare data; behaviour that differs per kind
(permission sets, role lists, manual verification) hangs off the kind as small functions.

Field value conventions (normalised form, identical for desired and live state):
  - strings are stripped; identifiers that Intacct treats case-insensitively are compared as
    declared by `Field.case` ("exact" by default);
  - account numbers and other identifiers are strings, never ints;
  - enums hold the manifest spelling (e.g. "balance_sheet"), never the API spelling;
  - sets (permission rights, role lists) are sorted tuples;
  - a permission set is a dict {module: {permission: tuple(sorted rights)}} after expansion of
    `all` / `read_only` through the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Api = Literal["xml", "rest", "manual"]
Shape = Literal["mapping", "list", "singleton"]
DeleteMode = Literal["delete", "deactivate", "none"]
Ownership = Literal["additive", "full"]
FieldType = Literal[
    "string", "integer", "boolean", "enum", "string_list", "date", "month", "permissions", "cidr"
]


@dataclass(frozen=True)
class Field:
    """One managed field: its manifest name and how it maps onto the API."""

    name: str
    api: str | None = None  # XML field (ACCOUNTTYPE) or REST dotted path (accounting.offsetGLAccount)
    type: FieldType = "string"
    enum: Mapping[str, str] | None = None  # manifest value -> API value
    default: Any = None  # applied to desired state when the manifest omits the field
    ref: str | None = None  # manifest key of the kind this field refers to
    required: bool = False
    write_only: bool = False  # sent on create/update, never read back (not diffed)
    immutable: bool = False  # settable at create only; a change needs delete + create
    case: Literal["exact", "lower", "upper"] = "exact"
    description: str = ""


@dataclass(frozen=True)
class Kind:
    """A resource kind: one manifest key, one Intacct object (or UI page)."""

    key: str  # manifest key, e.g. "gl_accounts"
    title: str  # human name, e.g. "GL account"
    api: Api
    object: str | None  # XML object (GLACCOUNT) or REST path (company-config/role); None if manual
    identity: Field  # the key of each object (map key in the manifest)
    fields: tuple[Field, ...] = ()
    shape: Shape = "mapping"
    depends_on: tuple[str, ...] = ()
    delete: DeleteMode = "delete"
    ownership: Ownership = "additive"
    # manual kinds: exact UI navigation for the admin, and how completion is verified
    ui_steps: tuple[str, ...] = ()
    verify: Literal["api", "attestation", "none"] = "none"
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.key} has no field {name!r}")
