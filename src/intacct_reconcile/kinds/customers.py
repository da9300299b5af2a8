"""Customers (XML CUSTOMER), a standard dimension (reference §3.10)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="customers",
    title="customer",
    api="xml",
    object="CUSTOMER",
    identity=Field("customer_id", "CUSTOMERID", description="Customer ID, e.g. C100."),
    fields=(
        Field("name", "NAME", required=True),
        Field("email", "DISPLAYCONTACT.EMAIL1"),
        Field("terms", "TERMNAME", ref="ar_terms", description="AR payment term, e.g. Net 30."),
        status_field(),
    ),
    depends_on=("ar_terms",),
    delete="delete",
    extra={"drift_field": "NAME"},
)
