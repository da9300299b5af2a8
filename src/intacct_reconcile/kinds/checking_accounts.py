"""Checking accounts (REST cash-management/checking-account)."""

from intacct_reconcile.kinds.base import Field, Kind, entity_field, rest_status_field

KIND = Kind(
    key="checking_accounts",
    title="checking account",
    api="rest",
    object="cash-management/checking-account",
    identity=Field("bank_account_id", "id", immutable=True),
    fields=(
        Field("description", "description"),
        Field("bank_name", "bankAccountDetails.bankName"),
        Field("account_number", "bankAccountDetails.accountNumber"),
        Field("routing_number", "bankAccountDetails.routingNumber"),
        Field("branch_id", "bankAccountDetails.branchId"),
        Field("currency", "bankAccountDetails.currency", case="upper"),
        Field("gl_account", "accounting.glAccount", ref="gl_accounts", required=True),
        Field("ap_journal", "accounting.apJournal", ref="journals"),
        Field("ar_journal", "accounting.arJournal", ref="journals"),
        rest_status_field(),
        entity_field("entity"),
    ),
    depends_on=("gl_accounts", "journals", "entities"),
    delete="delete",
    # assumption: REST create works (reference §3.7: POST create UNCONFIRMED)
    description="XML CHECKINGACCOUNT is read-only; REST create is assumed (reference §3.7).",
)
