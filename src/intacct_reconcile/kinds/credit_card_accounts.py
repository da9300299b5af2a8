"""Credit (charge) card accounts (REST cash-management/credit-card-account).

The manifest's `expiration: "2035-12"` maps onto accountDetails.expirationMonth ("12") and
accountDetails.expirationYear ("2035").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind, entity_field, rest_status_field
from intacct_reconcile.kinds.normalize import MISSING, get_path, set_path

CARD_TYPES = {
    "visa": "visa",
    "mastercard": "mastercard",
    "discover": "discover",
    "american_express": "americanExpress",
    "diners_club": "dinersClub",
    "other": "otherChargeCard",
}


def _expiration_to_api(
    kind: Kind, values: Mapping[str, Any], payload: dict[str, Any], create: bool
) -> dict[str, Any]:
    details = payload.get("accountDetails", {})
    details.pop("expiration", None)
    if "expiration" in values:
        year, month = values["expiration"].split("-")
        set_path(payload, "accountDetails.expirationMonth", month)
        set_path(payload, "accountDetails.expirationYear", year)
    return payload


def _expiration_from_api(
    kind: Kind, record: Mapping[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    month = get_path(record, "accountDetails.expirationMonth")
    year = get_path(record, "accountDetails.expirationYear")
    if month is not MISSING and year is not MISSING and month and year:
        values["expiration"] = f"{int(str(year)):04d}-{int(str(month)):02d}"
    return values


KIND = Kind(
    key="credit_card_accounts",
    title="credit card account",
    api="rest",
    object="cash-management/credit-card-account",
    identity=Field("card_id", "id", immutable=True, description="Card ID, e.g. SPEND-CC."),
    fields=(
        Field("description", "accountDetails.description"),
        Field("card_type", "accountDetails.cardType", type="enum", enum=CARD_TYPES),
        Field(
            "account_type",
            "accountDetails.accountType",
            type="enum",
            enum={"credit": "credit", "debit": "debit"},
        ),
        # handled by hooks (two API fields)
        Field(
            "expiration",
            "accountDetails.expiration",
            type="month",
            description="Expiration month, YYYY-MM; keep it far in the future.",
        ),
        Field("currency", "accountDetails.currency", case="upper"),
        Field("vendor", "vendor", ref="vendors", required=True),
        Field(
            "offset_gl_account",
            "accounting.offsetGLAccount",
            ref="gl_accounts",
            description="Credit card offset account.",
        ),
        Field("finance_charge_gl_account", "accounting.financeChargeGLAccount", ref="gl_accounts"),
        Field("other_fees_gl_account", "accounting.otherFeesGLAccount", ref="gl_accounts"),
        # assumption: REST field name for the default location (reference: UNCONFIRMED)
        Field(
            "default_location",
            "accounting.defaultLocation",
            ref="locations",
            description="Location applied to all card transactions.",
        ),
        Field("use_in_employee_expense", "accounting.useInEmployeeExpense", type="boolean"),
        rest_status_field(),
        entity_field("entity"),
    ),
    depends_on=("gl_accounts", "locations", "vendors", "entities"),
    delete="delete",
    hooks=Hooks(to_api=_expiration_to_api, from_api=_expiration_from_api),
    description="XML CREDITCARD is read-only; REST creates cards (reference §3.6).",
)
