"""Projects (XML PROJECT), a standard dimension (reference §3.10, D-proj)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="projects",
    title="project",
    api="xml",
    object="PROJECT",
    identity=Field("project_id", "PROJECTID", description="Project ID, e.g. P-1001."),
    fields=(
        Field("name", "NAME", required=True),
        # Intacct's category names (Contract, Capitalized, Internal Billable, ...) as written in
        # the company; the reference lists the field as required, not its values
        Field(
            "category",
            "PROJECTCATEGORY",
            required=True,
            description="Project category as Intacct names it, e.g. Contract.",
        ),
        Field("parent", "PARENTID", ref="projects"),
        Field("project_type", "PROJECTTYPE", description="A project type defined in Intacct."),
        Field(
            "project_status",
            "PROJECTSTATUS",
            description="A project status defined in Intacct, e.g. In Progress.",
        ),
        status_field(),
    ),
    delete="delete",
    extra={"drift_field": "NAME"},
)
