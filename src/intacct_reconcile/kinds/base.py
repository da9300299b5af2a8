"""What a resource kind declares: identity, fields, how Intacct manages it.

Contract shared by the manifest layer (schema, validation, desired state), the live reader,
the planner, the safety gate and the applier. A kind module holds the whole kind: its fields,
how it reads and writes (`reader`/`writer`, see kinds/io.py; the general XML, REST or manual
implementation unless the kind brings its own) and the behaviour that differs per kind (value
mapping, validation, lockout guards, UI steps) as small functions (`Hooks`). Engine modules
never name a kind: they call these.

Field value conventions (normalised form, identical for desired and live state):
  - strings are stripped; identifiers that Intacct treats case-insensitively are compared as
    declared by `Field.case` ("exact" by default);
  - account numbers and other identifiers are strings, never ints;
  - enums hold the manifest spelling (e.g. "balance_sheet"), never the API spelling;
  - sets (permission rights, role lists) are sorted tuples;
  - a permission set is a dict {module: {permission: tuple(sorted rights)}} after expansion of
    `all` / `read_only` through the catalogue;
  - dates are "YYYY-MM-DD", months "YYYY-MM", CIDRs the `ipaddress` canonical form.

Round trip: `kind.from_api(<what the API stores after kind.to_api(v)>) == kind.normalize(v)`
restricted to the fields `v` declares (write-only fields excepted).

API field names are XML UPPERCASE names (nested with dots: CONTACTINFO.FIRSTNAME) for
`api="xml"` kinds and REST dotted camelCase paths (accounting.offsetGLAccount) for `api="rest"`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from intacct_reconcile.kinds.io import KindReader, KindWriter
    from intacct_reconcile.manifest.objects import Declared
    from intacct_reconcile.types import Change, Ref, State

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
    # XML field (ACCOUNTTYPE) or REST dotted path (accounting.offsetGLAccount)
    api: str | None = None
    type: FieldType = "string"
    enum: Mapping[str, str] | None = None  # manifest value -> API value (string_list: item enum)
    default: Any = None  # applied to desired state when the manifest omits the field
    ref: str | None = None  # manifest key of the kind this field refers to
    required: bool = False  # required unless the object says `ensure: absent`
    write_only: bool = False  # sent on create/update, never read back (not diffed)
    immutable: bool = False  # settable at create only; a change needs delete + create
    create_only: bool = False  # sent on create only; the API cannot change it afterwards
    secret: bool = False  # never a literal in a manifest: only ${env:NAME}
    # where the object lives (entity), not a record field: read back, never sent in the body;
    # the applier scopes the request to it (XML session locationid / REST X-IA-API-Param-Entity)
    placement: bool = False
    case: Literal["exact", "lower", "upper"] = "exact"
    minimum: int | None = None  # integers
    maximum: int | None = None
    max_length: int | None = None  # strings
    # API spellings that read back as a manifest value besides `enum` (e.g. ADMIN "true" -> full)
    api_aliases: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Hooks:
    """Per-kind behaviour on top of the generic field mapping (all optional).

    normalize(kind, values) -> values      desired side, after generic normalisation
    from_api(kind, record, values) -> values   live side, after generic mapping
    to_api(kind, values, payload, create) -> payload   after generic mapping
    check(kind, values) -> [(field, message, hint)]   extra validation of normalised values
    """

    normalize: Callable[[Kind, dict[str, Any]], dict[str, Any]] | None = None
    from_api: Callable[[Kind, Mapping[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    to_api: Callable[[Kind, Mapping[str, Any], dict[str, Any], bool], dict[str, Any]] | None = None
    check: Callable[[Kind, Mapping[str, Any]], list[tuple[str, str, str]]] | None = None
    # manifest side, once the object's values are valid: [Problem]; may complete the values
    # (custom packages read their file and record its digest)
    resolve: Callable[[Declared], list[Any]] | None = None
    # manifest bytes besides the files that belong to the desired state's digest
    digest_parts: Callable[[Declared], list[tuple[str, bytes]]] | None = None
    # safety gate: lockout messages for one change of this kind, for the identity the tool
    # runs as (its login user, roles, sender ID, address)
    lockout: Callable[[Kind, Change, RunAs, Mapping[str, Kind]], Iterable[str]] | None = None
    # safety gate, over all of the plan's changes of this kind (asked only when there are
    # some): (ref, full message)
    plan_lockout: Callable[[Kind, Sequence[Change], RunAs], Iterable[tuple[Ref, str]]] | None = None
    # plan notes about this kind's desired objects given the whole desired and live state
    # (roles: permissions in applications the company does not subscribe to)
    plan_notes: Callable[[Kind, State, State], Iterable[str]] | None = None
    # validation across kinds, once every object is declared: (kind, every declared object by
    # kind and key) -> [Problem] (roles: modules module_subscriptions must declare)
    check_manifests: Callable[[Kind, Mapping[str, Mapping[str, Declared]]], list[Any]] | None = None
    # the sandbox command line(s) that do a pending manual step the way an admin would in
    # the UI (demo): (kind, key, declared values) -> [argv]
    sandbox_ui: Callable[[Kind, str, Mapping[str, Any]], list[list[str]]] | None = None


@dataclass(frozen=True)
class RunAs:
    """Who the tool is signed in as, for the lockout guards (None/() = unknown)."""

    user: str | None = None  # login id
    roles: tuple[str, ...] = ()  # roles of that user
    sender_id: str | None = None
    ip: str | None = None  # the address Intacct sees the tool connect from
    entity: str | None = None  # the entity it signs in to ("" = top level)


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
    # kind-specific data, by key: manifest_only_fields (validation switches, never state),
    # computed_fields (set by the loader, not written in manifests), dimensions (GL REQUIRE*
    # fields), application_codes / module_names (subscriptions), legacy (XML legacy functions),
    # floor_fields (minimums Intacct advances), irreversible_delete (a delete cannot be undone),
    # status_field / inactive_value (deactivation), drift_field (free text the demo edits)
    extra: Mapping[str, Any] = field(default_factory=dict)
    # objects the tool only checks for: never created, updated or deleted
    read_only: bool = False
    # why Intacct keeps this kind's objects at the top level only (empty: no such rule); an
    # object declared with `entity:` or `entities:` is then a validation error with this fix
    top_level: str = ""
    # kinds whose live state `hooks.plan_notes` needs even when the manifests do not declare
    # them (roles: the company's subscriptions); read when they can be, never planned
    note_reads: tuple[str, ...] = ()
    # API fields always written with this value (USERINFO LOGINDISABLED=true); never diffed
    api_constants: Mapping[str, Any] = field(default_factory=dict)
    hooks: Hooks = field(default_factory=Hooks)
    # how the kind reads and writes; None = the general implementation of `api` (kinds/io.py)
    reader: KindReader = None  # type: ignore[assignment]
    writer: KindWriter = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.reader is None or self.writer is None:
            from intacct_reconcile.kinds.io import general_io

            reader, writer = general_io(self.api)
            object.__setattr__(self, "reader", self.reader or reader)
            object.__setattr__(self, "writer", self.writer or writer)

    @functools.cached_property
    def fields_by_name(self) -> Mapping[str, Field]:
        return {f.name: f for f in self.fields}

    @functools.cached_property
    def normalize_shapes(self) -> dict[tuple[str, ...], tuple[tuple[str, Any, Any], ...]]:
        """normalize's cache: declared field names -> the fields to normalise (normalize.py)."""
        return {}

    @functools.cached_property
    def meaning_fields(self) -> tuple[Field, ...]:
        """Fields whose values validation checks beyond the schema (permissions, dates)."""
        return tuple(f for f in self.fields if f.type in ("permissions", "date"))

    @functools.cached_property
    def api_readers(self) -> tuple[tuple[str, str, Callable[[Any], Any]], ...]:
        """How from_api reads each field (see normalize.api_readers); built once per kind."""
        from intacct_reconcile.kinds.normalize import api_readers

        return api_readers(self)

    def field(self, name: str) -> Field:
        try:
            return self.fields_by_name[name]
        except KeyError:
            raise KeyError(f"{self.key} has no field {name!r}") from None

    def has_field(self, name: str) -> bool:
        return name in self.fields_by_name

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @functools.cached_property
    def ref_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.ref)

    def normalize_key(self, key: str) -> str:
        return self.key_normalizer(key)

    @functools.cached_property
    def key_normalizer(self) -> Callable[[str], str]:
        """normalize_identity for this kind, decided once (called for every declared key)."""
        from intacct_reconcile.kinds.normalize import identity_normalizer

        return identity_normalizer(self)

    def normalize(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Desired side: manifest values (after substitution) -> normalised values + defaults."""
        from intacct_reconcile.kinds.normalize import normalize_values

        return normalize_values(self, values)

    def from_api(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Live side: an XML record (UPPERCASE -> str) or REST JSON -> normalised values."""
        from intacct_reconcile.kinds.normalize import values_from_api

        return values_from_api(self, record)

    def to_api(self, values: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
        """Normalised values -> XML field dict (nested dicts for CONTACTINFO) or REST body."""
        from intacct_reconcile.kinds.normalize import values_to_api

        return values_to_api(self, values, create=create)

    def payload(self, key: str, values: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
        """`to_api` plus the object's identity field (what create/update send)."""
        from intacct_reconcile.kinds.normalize import with_identity

        return with_identity(self, key, self.to_api(values, create=create))

    def key_from_api(self, record: Mapping[str, Any]) -> str:
        """The identity of a live record, normalised like manifest keys."""
        from intacct_reconcile.kinds.normalize import identity_from_api

        return identity_from_api(self, record)


STATUS = {"active": "active", "inactive": "inactive"}


def status_field(default: str | None = "active") -> Field:
    """The common active/inactive STATUS field (XML and REST spell it the same)."""
    return Field("status", "STATUS", type="enum", enum=STATUS, default=default)


def rest_status_field(default: str | None = "active") -> Field:
    return Field("status", "status", type="enum", enum=STATUS, default=default)


def entity_field(api: str) -> Field:
    """Entity-level placement (multi-entity companies); omitted = top level."""
    return Field(
        "entity",
        api,
        ref="entities",
        placement=True,
        immutable=True,
        description="Entity the object is created in; omit for the top level.",
    )
