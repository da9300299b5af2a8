"""Contacts (XML CONTACT): the person record an employee points at."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="contacts",
    title="contact",
    api="xml",
    object="CONTACT",
    identity=Field("contact_name", "CONTACTNAME", description="Unique contact name."),
    fields=(
        Field("first_name", "FIRSTNAME"),
        Field("last_name", "LASTNAME"),
        Field(
            "print_as",
            "PRINTAS",
            required=True,
            description="Name printed on documents (Intacct requires PRINTAS on every contact).",
        ),
        Field("email", "EMAIL1"),
        Field("company_name", "COMPANYNAME"),
        status_field(),
    ),
    delete="delete",
    # assumption: CONTACT is generic-CRUD like the other company lists (not in reference §3)
    description="Employees need an existing contact (reference §3.4: PERSONALINFO/CONTACTNAME).",
)
