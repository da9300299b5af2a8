"""Tax details (XML TAXDETAIL): the tax codes and rates vendors sync (Pleo UK/IE, Sage DMO).

The reference does not document the tax objects: the fields follow Intacct's tax detail page
as the vendor guides name it (assumption, shared with the sandbox's TAXDETAIL definition).
Tax details exist only with the Taxes subscription: with `module_subscriptions` declared it
must include `taxes`, otherwise the plan says when the company lacks it.
"""

from intacct_reconcile.kinds import subscription_needs
from intacct_reconcile.kinds.base import Field, Hooks, Kind, status_field
from intacct_reconcile.kinds.tax_solutions import TAXES, SubscribedReader

KIND = Kind(
    key="tax_details",
    title="tax detail",
    api="xml",
    object="TAXDETAIL",
    identity=Field("tax_detail_id", "DETAILID", description="Tax code, e.g. UK Standard 20%."),
    fields=(
        Field("description", "DESCRIPTION"),
        Field(
            "tax_type",
            "TAXTYPE",
            type="enum",
            enum={"purchase": "Purchase", "sale": "Sale"},
            required=True,
        ),
        Field("rate", "VALUE", description="Rate in percent, e.g. 20."),
        Field("gl_account", "GLACCOUNT", ref="gl_accounts", description="Tax GL account."),
        Field("tax_solution", "TAXSOLUTIONID", ref="tax_solutions"),
        Field("reverse_charge", "REVERSECHARGE", type="boolean"),
        status_field(),
    ),
    depends_on=("module_subscriptions", "gl_accounts", "tax_solutions"),
    delete="delete",
    reader=SubscribedReader(),
    note_reads=(subscription_needs.SUBSCRIPTIONS,),
    hooks=Hooks(
        plan_notes=subscription_needs.module_notes(TAXES),
        check_manifests=subscription_needs.module_check(TAXES),
    ),
    extra={"drift_field": "DESCRIPTION"},
    description="Generic XML create/update/delete of TAXDETAIL (assumption: not in the "
    "reference); needs the Taxes subscription.",
)
