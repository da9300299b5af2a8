"""AP payment terms (XML APTERM): when vendor bills fall due (Sage DMO syncs them)."""

from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.kinds.payment_terms import term_fields

KIND = Kind(
    key="ap_terms",
    title="AP term",
    api="xml",
    object="APTERM",
    identity=Field("name", "NAME", description="Term name, e.g. Net 30."),
    fields=term_fields("bill"),
    delete="delete",
    extra={"drift_field": "DESCRIPTION"},
)
