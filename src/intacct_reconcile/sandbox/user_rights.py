"""Who may write users, user-role links and roles, through either API.

The reference (§3.1, §3.2): "Only admin users can create/update/delete users", USERROLES
create is for admins only, and role permissions are granted per application policy
(getUserPermissions shows them). permissions.yaml: Administration > Users "Controls Users,
Groups, Roles, External users and Web Services users"; in early 2024 Users and Roles were
Company permissions (Company > Roles: List, View, Edit).

A user may write these objects when all of this holds: admin privileges are Full (USERINFO
ADMIN); its user type can hold admin privileges; its roles grant Administration > Users with
Add (to create) or Edit (to change or remove), or for roles the legacy Company > Roles with
Edit.

assumption: only business users can hold admin privileges (view only, employee, dashboard
and the other limited user types cannot be admins)

assumption: create needs the Add right, update and delete the Edit right (the reference names
the permissions, not which right each verb needs)
"""

from __future__ import annotations

from typing import Any

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects.permissions import right_order
from intacct_reconcile.sandbox.store import Store

USERS = "users"  # USERINFO, USERROLES, REST company-config/user
ROLES = "roles"  # REST company-config/role (with its permission assignments)
ADMIN_USER_TYPES = frozenset({"business user"})  # see the module docstring
_GRANTS = {  # what each object needs: (application, policy) -> rights that grant a verb
    USERS: {("Administration", "Users"): {"create": {"Add"}, "change": {"Edit"}}},
    ROLES: {
        ("Administration", "Users"): {"create": {"Add"}, "change": {"Edit"}},
        ("Company", "Roles"): {"create": {"Edit"}, "change": {"Edit"}},
    },
}


def effective_permissions(store: Store, login: str) -> dict[str, dict[str, list[str]]]:
    """application -> policy -> rights, merged over every role the user has and the rights
    granted to the user directly (user-based permissions, USERRIGHTS)."""
    merged: dict[str, dict[str, list[str]]] = {}
    order = right_order()
    rows = [
        row
        for link in objects.find(store, "USERROLES", {"USERID": login})
        for row in objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": link["ROLENAME"]})
    ]
    rows += objects.find(store, "USERRIGHTS", {"LOGINID": login})
    for row in rows:
        rights = merged.setdefault(row["APPLICATIONNAME"], {}).setdefault(row["POLICYNAME"], [])
        for right in row["RIGHTS"].split("|"):
            if right and right not in rights:
                rights.append(right)
        rights.sort(key=lambda r: order.get(r, 999))
    return merged


def refusal(store: Store, user: dict[str, Any] | None, what: str, verb: str) -> str | None:
    """Why `user` (a USERINFO record) may not `verb` (create|update|delete) `what` (USERS or
    ROLES), or None when it may."""
    if user is None:
        return "the signed-in user no longer exists"
    login = str(user.get("LOGINID", ""))
    if user.get("ADMIN") != "Full":
        return f"user {login} does not have admin privileges"
    if user.get("USERTYPE", "business user") not in ADMIN_USER_TYPES:
        return f"user {login} is a {user.get('USERTYPE')}, which cannot hold admin privileges"
    need = "create" if verb == "create" else "change"
    granted = effective_permissions(store, login)
    for (application, policy), rights in _GRANTS[what].items():
        if set(granted.get(application, {}).get(policy, ())) & rights[need]:
            return None
    options = " or ".join(
        f"{application} > {policy} {'/'.join(sorted(rights[need]))}"
        for (application, policy), rights in _GRANTS[what].items()
    )
    return f"the roles of user {login} do not grant {options}"
