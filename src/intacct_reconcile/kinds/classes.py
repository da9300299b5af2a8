"""Classes (XML CLASS), a standard dimension (reference §3.10)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="classes",
    title="class",
    api="xml",
    object="CLASS",
    identity=Field("class_id", "CLASSID", description="Class ID, e.g. RETAIL."),
    fields=(
        Field("name", "NAME", required=True),
        Field("description", "DESCRIPTION"),
        Field("parent", "PARENTID", ref="classes"),
        status_field(),
    ),
    delete="delete",
    # a free-text XML field the demo edits by hand to show drift
    extra={"drift_field": "NAME"},
)
