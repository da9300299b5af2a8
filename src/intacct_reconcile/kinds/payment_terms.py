"""The fields AP terms (APTERM) and AR terms (ARTERM) share; each kind is its own module.

The reference does not document either object: the field names follow Intacct's create
examples for terms (NAME, DESCRIPTION, STATUS, DUE/DAYS and DUE/FROM, DISCOUNT/...) and the
"from" spellings are Intacct's UI wording with the document (bill or invoice) filled in.
"""

from __future__ import annotations

from intacct_reconcile.kinds.base import Field, status_field

# manifest value -> API wording; `{doc}` is "bill" (AP) or "invoice" (AR)
FROM = {
    "document_date": "from {doc} date",
    "day_of_month": "of the month of {doc} date",
    "day_of_next_month": "of next month from {doc} date",
    "after_end_of_month": "after end of month of {doc} date",
}
UNITS = {"percent": "Percentage", "amount": "Amount"}


def term_fields(document: str) -> tuple[Field, ...]:
    """Fields of a payment term whose dates count from a `document` ("bill", "invoice")."""
    spelled = {name: text.format(doc=document) for name, text in FROM.items()}
    return (
        Field("description", "DESCRIPTION"),
        status_field(),
        Field(
            "due_days",
            "DUE.DAYS",
            type="integer",
            minimum=0,
            description=f"Days until due, counted as `due_from` says (Net 30: 30, from the "
            f"{document} date).",
        ),
        Field("due_from", "DUE.FROM", type="enum", enum=spelled, default="document_date"),
        Field("discount_days", "DISCOUNT.DAYS", type="integer", minimum=0),
        Field("discount_from", "DISCOUNT.FROM", type="enum", enum=spelled),
        Field(
            "discount_amount",
            "DISCOUNT.AMOUNT",
            description="Early-payment discount, a percentage or an amount (`discount_unit`).",
        ),
        Field("discount_unit", "DISCOUNT.UNIT", type="enum", enum=UNITS),
    )
