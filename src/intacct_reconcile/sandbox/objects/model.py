"""Shapes of the sandbox's object rules: a field and an object definition (pure data)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intacct_reconcile.sandbox.store import Store

    Problem = tuple[str, str, str, str]
    Check = Callable[[Store, dict[str, Any], dict[str, Any] | None], list[Problem]]

# Fields every record carries, set by the sandbox; a write that sends them is not an error
# (clients echo what they read) but the value is ignored.
SYSTEM_FIELDS = ("RECORDNO", "WHENCREATED", "WHENMODIFIED", "CREATEDBY", "MODIFIEDBY")


@dataclass(frozen=True)
class Field:
    """One field of a sandbox object: its type, the rules a write must follow, and how messages
    and nested values name it."""

    name: str
    type: str = "text"  # text | boolean | integer | date | group | list
    required: bool = False
    enum: tuple[str, ...] = ()  # canonical values; writes match them case-insensitively
    synonyms: Mapping[str, str] = field(default_factory=dict)  # lowercase input -> enum value
    default: str | None = None
    ref: str | None = None  # object whose key this value must name (checked on write)
    readonly: bool = False  # filled by the sandbox, refused on write
    children: tuple[Field, ...] = ()  # group members (CONTACTINFO/EMAIL1 ...)
    item: str = ""  # element name of list items (USERLOCATIONS/LOCATIONID)
    label: str = ""

    @property
    def display(self) -> str:
        return self.label or self.name.replace("_", " ").title()


@dataclass(frozen=True)
class ObjectDef:
    """One object the sandbox keeps (GLACCOUNT...): its key, fields and XML verbs, and the rules
    specific to it."""

    name: str  # XML object name, e.g. GLACCOUNT
    label: str  # used in messages: "Could not create {label} record!"
    key: tuple[str, ...]  # id field(s); one field for every object with readByName
    fields: tuple[Field, ...]
    xml_verbs: frozenset[str] = frozenset({"create", "update", "delete"})
    aliases: Mapping[str, str] = field(default_factory=dict)  # query name -> stored field
    filter_values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    check: Check | None = None  # object-specific rules on the merged record
    cascade: tuple[tuple[str, str], ...] = ()  # (child object, field naming our key)
    dimension: bool = False  # listed by getDimensions
    # Fields the real object has that the sandbox does not keep: selectable (clients' default
    # field lists name them), always empty, never writable; a filter on one matches nothing.
    unmodelled: frozenset[str] = frozenset()
    user_defined: bool = False  # a user-defined dimension (getDimensions userDefinedDimension)
    # the application subscription (get_applications code) the object belongs to: without it
    # the company has no such object
    module: str | None = None

    def field(self, name: str) -> Field | None:
        return _field_index(self).get(name)

    def key_of(self, record: Mapping[str, Any]) -> str:
        return "|".join(str(record.get(name, "")) for name in self.key)


_INDEX: dict[str, dict[str, Field]] = {}


def _field_index(obj: ObjectDef) -> dict[str, Field]:
    index = _INDEX.get(obj.name)
    if index is None:
        index = _INDEX[obj.name] = {f.name: f for f in obj.fields}
    return index
