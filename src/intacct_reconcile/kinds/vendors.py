"""Vendors (XML VENDOR)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="vendors",
    title="vendor",
    api="xml",
    object="VENDOR",
    identity=Field("vendor_id", "VENDORID", description="Vendor ID, e.g. V100."),
    fields=(
        Field("name", "NAME", required=True),
        Field("tax_id", "TAXID"),
        Field("email", "DISPLAYCONTACT.EMAIL1"),
        status_field(),
    ),
    delete="delete",
)
