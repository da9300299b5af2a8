"""Web Services authorizations (sender IDs): UI-only, closed by an attestation."""

from intacct_reconcile.kinds.base import Field, Kind

KIND = Kind(
    key="sender_ids",
    title="Web Services sender ID authorization",
    api="manual",
    object=None,
    # sender IDs are case-sensitive (reference §1.2: "senderid required, case-sensitive")
    identity=Field("sender_id", description="Sender ID exactly as the vendor spells it."),
    fields=(
        Field("description", description="Description shown in the authorizations list."),
        Field(
            "status",
            type="enum",
            enum={"active": "Active", "inactive": "Inactive"},
            default="active",
        ),
    ),
    delete="none",
    verify="attestation",
    ui_steps=(
        "Company > Setup > Configuration > Company > Security tab > Edit",
        "Scroll to 'Web Services authorizations' and click Add",
        "Sender ID: {key} (exact case); Description: {description}; Status: {status}",
        "Click Save, then Save on the company page",
    ),
    description="No XML or REST object writes or reads Web Services authorizations "
    "(reference §3.3): the step is manual and closed by `intacct-reconcile attest`.",
)
