"""Tax solutions (XML TAXSOLUTION): asserted, never written.

A tax solution is the tax regime Intacct supplies with the Taxes subscription (UK VAT, Irish
VAT); Pleo syncs "tax solutions" and their details from it. The reference documents no API
write for it (assumption: read-only, like entities), so declaring one asserts it exists and a
missing one is a manual step. Tax details name their solution.
"""

from intacct_reconcile.kinds import subscription_needs
from intacct_reconcile.kinds.base import Field, Hooks, Kind, status_field

TAXES = "taxes"

KIND = Kind(
    key="tax_solutions",
    title="tax solution",
    api="xml",
    object="TAXSOLUTION",
    identity=Field("solution_id", "SOLUTIONID", description="Tax solution ID, e.g. UK VAT."),
    fields=(Field("description", "DESCRIPTION"), status_field(default=None)),
    depends_on=("module_subscriptions",),
    delete="none",
    read_only=True,
    note_reads=(subscription_needs.SUBSCRIPTIONS,),
    hooks=Hooks(
        plan_notes=subscription_needs.module_notes(TAXES),
        check_manifests=subscription_needs.module_check(TAXES),
    ),
    description="Needs the Taxes subscription; no documented API write (assumption: "
    "read-only, the solutions come with the subscription).",
)
