"""General ledger accounts (XML GLACCOUNT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind, entity_field, status_field
from intacct_reconcile.kinds.normalize import to_bool

# manifest dimension -> REQUIRE* boolean field (reference §3.5)
DIMENSIONS = {
    "department": "REQUIREDEPT",
    "location": "REQUIRELOC",
    "project": "REQUIREPROJECT",
    "task": "REQUIRETASK",
    "customer": "REQUIRECUSTOMER",
    "vendor": "REQUIREVENDOR",
    "employee": "REQUIREEMPLOYEE",
    "item": "REQUIREITEM",
    "class": "REQUIRECLASS",
    "contract": "REQUIRECONTRACT",
    "warehouse": "REQUIREWAREHOUSE",
}


def _dims_to_api(
    kind: Kind, values: Mapping[str, Any], payload: dict[str, Any], create: bool
) -> dict[str, Any]:
    # the list is fully owned: every dimension not listed is explicitly not required
    payload.pop("REQUIREDIMENSIONS", None)
    if "required_dimensions" in values:
        wanted = set(values["required_dimensions"])
        for dim, api in DIMENSIONS.items():
            payload[api] = "true" if dim in wanted else "false"
    return payload


_MISSING: Any = object()
_SORTED_DIMENSIONS = sorted(DIMENSIONS.items())
_DIMENSION_FIELDS = frozenset(DIMENSIONS.values())


def _dims_from_api(kind: Kind, record: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    if _DIMENSION_FIELDS.isdisjoint(record):
        return values  # not read (a plan whose manifests declare no required_dimensions)
    present = False
    required = []
    get = record.get
    for dim, api in _SORTED_DIMENSIONS:  # sorted by dimension: the tuple needs no sort
        raw = get(api, _MISSING)
        if raw is _MISSING:
            continue
        present = True
        if raw == "false" or raw == "":  # how nearly every live record says it: no copies
            continue
        if str(raw).strip() and to_bool(raw):
            required.append(dim)
    if present:
        values["required_dimensions"] = tuple(required)
    return values


def _check(kind: Kind, values: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    if values.get("closing_type") == "closing" and not values.get("close_into"):
        return [
            (
                "closing_type",
                "a closing account needs `close_into`",
                "add close_into: <account number> (CLOSINGACCOUNTNO is required for closing "
                "accounts)",
            )
        ]
    return []


KIND = Kind(
    key="gl_accounts",
    title="GL account",
    api="xml",
    object="GLACCOUNT",
    identity=Field(
        "account_no", "ACCOUNTNO", description="Account number (a string: 0110 keeps its zero)."
    ),
    fields=(
        Field("title", "TITLE", required=True),
        Field(
            "type",
            "ACCOUNTTYPE",
            type="enum",
            enum={"balance_sheet": "balancesheet", "income_statement": "incomestatement"},
        ),
        Field(
            "normal_balance",
            "NORMALBALANCE",
            type="enum",
            enum={"debit": "debit", "credit": "credit"},
        ),
        Field(
            "closing_type",
            "CLOSINGTYPE",
            type="enum",
            enum={"non_closing": "non-closing account", "closing": "closing account"},
        ),
        Field(
            "close_into",
            "CLOSINGACCOUNTNO",
            ref="gl_accounts",
            description="Account this one closes into (closing accounts).",
        ),
        Field(
            "alternative",
            "ALTERNATIVEACCOUNT",
            type="enum",
            enum={
                "none": "None",
                "payables": "Payables account",
                "receivables": "Receivables account",
            },
        ),
        # "Disallow direct posting" is SUBLEDGERCONTROLON (reference §3.5)
        Field("disallow_direct_posting", "SUBLEDGERCONTROLON", type="boolean"),
        Field("category", "CATEGORY", description="System (QuickStart) category."),
        Field("taxable", "TAXABLE", type="boolean"),
        # handled by hooks: one manifest list <-> eleven REQUIRE* booleans
        Field(
            "required_dimensions",
            "REQUIREDIMENSIONS",
            type="string_list",
            enum={d: d for d in DIMENSIONS},
            description="Dimensions a posting must carry; [] = none required.",
        ),
        status_field(),
        entity_field("MEGAENTITYID"),
    ),
    depends_on=("entities",),
    delete="delete",
    hooks=Hooks(to_api=_dims_to_api, from_api=_dims_from_api, check=_check),
    description="Accounts with postings cannot be deleted; use status: inactive.",
    # the irreversible change the reference names (§11): a deleted account's history goes too
    # drift_field: a free-text XML field the demo edits by hand to show drift
    extra={"dimensions": DIMENSIONS, "irreversible_delete": True, "drift_field": "TITLE"},
)
