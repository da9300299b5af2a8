"""Entities (XML LOCATIONENTITY): asserted, or created over REST when declared and missing.

Read in the batched XML query of LOCATIONENTITY (XML can only read entities, reference §3.9).
A declared entity that does not exist is created through REST `company-config/entity`, which
requires `id` (≤ 20 characters, immutable), `name` and `federalId`; an entity declared with
its id alone only asserts that it exists (the plan cannot create it and says what to add).

Entities are never updated or deleted: the reference documents the REST create only, and an
entity holds its own books (transactions, open periods, entity-level objects), so removing one
is an accounting decision an admin makes in the UI, not a configuration change. Every field is
therefore create-only: a later difference is shown as a note, never planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds.base import Field, Hooks, Kind
from intacct_reconcile.kinds.io import WriteContext, need_rest
from intacct_reconcile.kinds.rest_io import RestWriter
from intacct_reconcile.types import Change, State

REST_PATH = "company-config/entity"
# XML field (how the kind reads LOCATIONENTITY) -> REST field of company-config/entity.
# LOCATIONID/id, NAME/name and FEDERALID/federalId are the reference's (§3.9); the others are
# named in the reference's XML field list only — assumption: their REST names below.
REST_NAMES = {
    "LOCATIONID": "id",
    "NAME": "name",
    "FEDERALID": "federalId",
    "TAXID": "taxId",
    "REPORTPRINTAS": "reportPrintAs",
    "FIRSTMONTH": "firstFiscalMonth",
    "FIRSTMONTHTAX": "firstTaxMonth",
    "CURRENCY": "currency",
}
# what REST requires besides the id (reference §3.9)
REQUIRED_TO_CREATE = ("name", "federal_id")


def _missing_to_create(values: Mapping[str, Any]) -> list[str]:
    return [name for name in REQUIRED_TO_CREATE if values.get(name) in (None, "")]


def rest_body(kind: Kind, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The REST create body: each declared field under its REST name (JSON numbers stay
    numbers, unlike the XML payload's text)."""
    body: dict[str, Any] = {REST_NAMES[kind.identity.api or ""]: key}
    for f in kind.fields:
        if values.get(f.name) is not None and f.api in REST_NAMES:
            body[REST_NAMES[f.api]] = values[f.name]
    return body


@dataclass(frozen=True)
class EntityWriter(RestWriter):
    """Creates entities over REST; refuses (per change) what it cannot do."""

    def write_one(self, kind: Kind, clients: Any, change: Change, context: WriteContext) -> None:
        if change.action != "create":
            raise ReconcileError(
                f"{change.ref}: entities are never {change.action}d by this tool — "
                "change or remove an entity in the Intacct UI"
            )
        missing = _missing_to_create(change.desired or {})
        if missing:
            raise ReconcileError(
                f"{change.ref} does not exist and cannot be created without "
                f"{' and '.join(missing)} (REST company-config/entity requires them) — declare "
                "them, or create the entity in the Intacct UI"
            )
        rest = need_rest(clients, kind)
        context.step(f"create {change.ref}")
        rest.create(
            REST_PATH,
            rest_body(kind, change.ref.key, change.desired or {}),
            idempotency_key=context.key(change.action, str(change.ref)),
        )


def uncreatable_notes(kind: Kind, desired: State, live: State) -> Iterable[str]:
    """Declared entities that are missing and declared too thinly to be created."""
    for key, entity in desired.of(kind.key).items():
        if entity.ensure != "present" or live.get(kind.key, key) is not None:
            continue
        missing = _missing_to_create(entity.values)
        if missing:
            yield (
                f"{kind.key}/{key}: does not exist; creating it needs {' and '.join(missing)} "
                "(REST company-config/entity) — declare them or create the entity in the UI"
            )


KIND = Kind(
    key="entities",
    title="entity",
    api="xml",
    object="LOCATIONENTITY",
    identity=Field("entity_id", "LOCATIONID", max_length=20, description="Entity ID."),
    fields=(
        Field("name", "NAME", create_only=True, description="Required to create the entity."),
        Field(
            "federal_id",
            "FEDERALID",
            create_only=True,
            description="Federal (employer) ID; required to create the entity.",
        ),
        Field("tax_id", "TAXID", create_only=True),
        Field("report_print_as", "REPORTPRINTAS", create_only=True),
        Field(
            "first_fiscal_month",
            "FIRSTMONTH",
            type="integer",
            minimum=1,
            maximum=12,
            create_only=True,
        ),
        Field(
            "first_tax_month",
            "FIRSTMONTHTAX",
            type="integer",
            minimum=1,
            maximum=12,
            create_only=True,
        ),
        Field("currency", "CURRENCY", create_only=True, description="Base currency, e.g. GBP."),
    ),
    delete="none",
    top_level="entities are created at the top level; other objects name one with `entity:`",
    writer=EntityWriter(),
    hooks=Hooks(plan_notes=uncreatable_notes),
    description="Read from XML LOCATIONENTITY; created over REST company-config/entity when "
    "declared with name and federal_id and missing; never updated or deleted (reference §3.9).",
)
