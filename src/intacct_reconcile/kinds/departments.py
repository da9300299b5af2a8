"""Departments (XML DEPARTMENT)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="departments",
    title="department",
    api="xml",
    object="DEPARTMENT",
    identity=Field("department_id", "DEPARTMENTID"),
    fields=(
        Field("title", "TITLE", required=True),
        Field("parent", "PARENTID", ref="departments"),
        status_field(),
    ),
    delete="delete",
    # a free-text XML field the demo edits by hand to show drift
    extra={"drift_field": "TITLE"},
)
