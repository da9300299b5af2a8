"""Roles with their permission assignments (REST company-config/role)."""

from intacct_reconcile.kinds.base import Field, Kind

KIND = Kind(
    key="roles",
    title="role",
    api="rest",
    object="company-config/role",
    identity=Field("name", "id", description="Role name."),
    fields=(
        Field("description", "description"),
        Field(
            "permissions",
            "rolePermissionAssignments",
            type="permissions",
            description="Per module: `all`, `read_only`, or {permission: [rights]}. "
            "Fully owned: rights not declared are removed from the role.",
        ),
        Field(
            "role_type",
            "roleType",
            type="enum",
            enum={
                "enterprise": "enterprise",
                "econsole": "eConsole",
                "multi_entity_distributed": "multiEntityDistributed",
                "multi_entity_shared": "multiEntityShared",
            },
            immutable=True,
        ),
        Field(
            "apply_to",
            "applyTo",
            type="enum",
            enum={
                "login_and_slide_in": "loginAndSlideIn",
                "login_only": "loginOnly",
                "slide_in_only": "slideInOnly",
            },
        ),
    ),
    delete="delete",
    description="XML can only read roles (ROLES, ROLEPOLICYASSIGNMENT); REST writes them "
    "with rolePermissionAssignments (reference §3.2, §5).",
)
