"""Employees (XML EMPLOYEE)."""

from intacct_reconcile.kinds.base import Field, Kind, entity_field, status_field

KIND = Kind(
    key="employees",
    title="employee",
    api="xml",
    object="EMPLOYEE",
    identity=Field("employee_id", "EMPLOYEEID"),
    fields=(
        Field(
            "contact",
            "PERSONALINFO.CONTACTNAME",
            ref="contacts",
            required=True,
            description="Primary contact (a contacts entry or an existing contact).",
        ),
        Field("title", "TITLE"),
        Field("start_date", "STARTDATE", type="date"),
        Field("end_date", "ENDDATE", type="date"),
        Field("employee_type", "EMPLOYEETYPE"),
        Field("department", "DEPARTMENTID", ref="departments"),
        Field("location", "LOCATIONID", ref="locations"),
        Field("supervisor", "SUPERVISORID", ref="employees"),
        Field("class", "CLASSID"),
        Field("currency", "CURRENCY", case="upper"),
        Field(
            "termination_type",
            "TERMINATIONTYPE",
            type="enum",
            enum={t: t for t in ("voluntary", "involuntary", "deceased", "disability", "retired")},
        ),
        status_field(),
        entity_field("MEGAENTITYID"),
    ),
    depends_on=("contacts", "departments", "locations", "entities"),
    delete="delete",
)
