"""AR payment terms (XML ARTERM): when customer invoices fall due (Sage DMO syncs them)."""

from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.kinds.payment_terms import term_fields

KIND = Kind(
    key="ar_terms",
    title="AR term",
    api="xml",
    object="ARTERM",
    identity=Field("name", "NAME", description="Term name, e.g. Net 30."),
    fields=term_fields("invoice"),
    delete="delete",
    extra={"drift_field": "DESCRIPTION"},
)
