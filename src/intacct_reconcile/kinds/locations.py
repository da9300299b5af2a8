"""Locations (XML LOCATION)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="locations",
    title="location",
    api="xml",
    object="LOCATION",
    identity=Field("location_id", "LOCATIONID", description="Location ID, e.g. HQ."),
    fields=(
        Field("name", "NAME", required=True),
        Field("parent", "PARENTID", ref="locations"),
        Field("contact", "CONTACTINFO.CONTACTNAME", ref="contacts"),
        Field("start_date", "STARTDATE", type="date"),
        Field("end_date", "ENDDATE", type="date"),
        status_field(),
    ),
    depends_on=("contacts",),
    delete="delete",
    # a free-text XML field the demo edits by hand to show drift
    extra={"drift_field": "NAME"},
)
