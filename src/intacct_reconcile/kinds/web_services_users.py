"""Web-services-only users (XML USERINFO with LOGINDISABLED=true) and their roles.

Roles are linked with separate USERROLES records: `to_api` puts the role names under
"USERROLES" and the applier turns them into `create USERROLES` functions; the live reader
puts the user's role names (from USERROLES/ROLEUSERS) under the same key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind

USER_TYPES = {
    "business": "business user",
    "employee": "employee user",
    "view_only": "view only user",
    "dashboard": "dashboard user",
    "project_manager": "project manager user",
    "construction_manager": "construction manager user",
    "platform": "platform user",
    "warehouse": "warehouse user",
    "payment_approver": "payment approver",
    "crm": "CRM user",
}
# query codes (reference §3.1: B,E,R,W,D,P,C,A,T,S,H); assumption: the letter per type
USER_TYPE_CODES = {
    "B": "business",
    "E": "employee",
    "R": "view_only",
    "D": "dashboard",
    "P": "project_manager",
    "C": "construction_manager",
    "T": "platform",
    "W": "warehouse",
    "A": "payment_approver",
    "S": "crm",
}


def _roles_from_api(
    kind: Kind, record: Mapping[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    raw = record.get("USERROLES")
    if raw is None:
        return values
    if isinstance(raw, Mapping):  # <USERROLES><USERROLE><ROLENAME>..</ROLENAME></USERROLE>..
        raw = raw.get("USERROLE", raw.get("ROLENAME", []))
    if isinstance(raw, Mapping | str):
        raw = [raw]
    names = {
        str(r.get("ROLENAME", "")).strip() if isinstance(r, Mapping) else str(r).strip()
        for r in raw
    }
    values["roles"] = tuple(sorted(n for n in names if n))
    return values


KIND = Kind(
    key="web_services_users",
    title="web services user",
    api="xml",
    object="USERINFO",
    identity=Field("login_id", "LOGINID", description="User ID (login)."),
    fields=(
        # the reference: "contact info cannot be changed via API" -> sent on create only
        Field("first_name", "CONTACTINFO.FIRSTNAME", required=True, create_only=True),
        Field("last_name", "CONTACTINFO.LASTNAME", required=True, create_only=True),
        Field("email", "CONTACTINFO.EMAIL1", required=True, create_only=True),
        Field("user_name", "DESCRIPTION", description="User name (defaults to the contact)."),
        Field(
            "user_type",
            "USERTYPE",
            type="enum",
            enum=USER_TYPES,
            default="business",
            api_aliases={code: name for code, name in USER_TYPE_CODES.items()},
        ),
        # assumption: ADMIN written as "Off"/"Full" (values read back per reference §3.2);
        # "true"/"false" (doc example) read back as full/off
        Field(
            "admin",
            "ADMIN",
            type="enum",
            enum={"off": "Off", "full": "Full"},
            api_aliases={"false": "off", "true": "full"},
        ),
        Field(
            "status",
            "STATUS",
            type="enum",
            enum={"active": "active", "inactive": "inactive", "locked_out": "lockedout"},
            default="active",
        ),
        Field(
            "roles",
            "USERROLES",
            type="string_list",
            ref="roles",
            description="Role names; fully owned inside the user.",
        ),
        # assumption: USERLOCATIONS restricts the user to entities; none = unrestricted
        # (top-level access), which is what the Sage DMO guide asks for
        Field(
            "entities",
            "USERLOCATIONS.LOCATIONID",
            type="string_list",
            ref="entities",
            description="Entities the user may access; omit for unrestricted access.",
        ),
    ),
    depends_on=("roles", "entities"),
    delete="deactivate",  # admins cannot be deleted (reference §3.1): deactivate instead
    api_constants={"LOGINDISABLED": "true"},
    hooks=Hooks(from_api=_roles_from_api),
    description="Password is not settable through the API: Intacct emails it to the user.",
)
