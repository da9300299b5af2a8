"""Expense types (XML EEACCOUNTLABEL)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="expense_types",
    title="expense type",
    api="xml",
    object="EEACCOUNTLABEL",
    identity=Field("expense_type", "ACCOUNTLABEL"),
    fields=(
        Field("description", "DESCRIPTION", required=True),
        Field("gl_account", "GLACCOUNTNO", ref="gl_accounts", required=True),
        Field("offset_gl_account", "OFFSETGLACCOUNTNO", ref="gl_accounts"),
        status_field(),
    ),
    depends_on=("gl_accounts",),
    delete="delete",
    # a free-text XML field the demo edits by hand to show drift
    extra={"drift_field": "DESCRIPTION"},
)
