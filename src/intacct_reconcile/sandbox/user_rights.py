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

import json
from typing import Any

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects import permissions
from intacct_reconcile.sandbox.objects.permissions import right_order
from intacct_reconcile.sandbox.objects.query_rows import query_values
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
        for row in _grants(store, "ROLEPOLICYASSIGNMENT", "ROLENAME", link["ROLENAME"])
    ]
    rows += _grants(store, "USERRIGHTS", "LOGINID", login)
    for application, policy, granted in rows:
        rights = merged.setdefault(application, {}).setdefault(policy, [])
        for right in granted.split("|"):
            if right and right not in rights:
                rights.append(right)
    # sorted once at the end: a stable sort gives what sorting after every row gave
    for policies in merged.values():
        for rights in policies.values():
            rights.sort(key=lambda r: order.get(r, 999))
    return merged


_GRANT_FIELDS = ("APPLICATIONNAME", "POLICYNAME", "RIGHTS")


def _grants(store: Store, obj: str, field: str, value: str) -> list[tuple[str, str, str]]:
    """(application, policy, rights) of the `obj` records whose `field` is `value`, in
    RECORDNO order: only those three values leave SQLite (an admin's role has ~200 of them,
    read on every request that checks rights)."""
    _, rows = query_values(store, obj, _GRANT_FIELDS, where=objects.Cmp("equalto", field, (value,)))
    values = json.loads("[" + ",".join(rows) + "]")
    if any(not isinstance(v, str) for row in values for v in row):
        # a record missing one of them: read whole records, failing as before
        return [
            (r["APPLICATIONNAME"], r["POLICYNAME"], r["RIGHTS"])
            for r in objects.find(store, obj, {field: value})
        ]
    return [tuple(row) for row in values]  # type: ignore[misc]


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


# --- reads -----------------------------------------------------------------------------------
# Which permissions let a user read an object through the API: (catalogue module id,
# permission id) pairs, any one of which is enough. Intacct answers a role that lacks them with
# PL04000005 "You do not have permission for API operation READ_BY_QUERY on objects of type
# arinvoice" (seen in integrators' logs); the pairs follow the permission labels of the
# catalogue (General Ledger > Accounts for GLACCOUNT, ...).
# assumption: objects not listed here (users, roles and their links, contacts, sequences, tax
# objects, platform applications) are readable by every signed-in user, as before read rights
# were enforced; admin privileges do not replace a role's rights (the user type and admin level
# cap what a role may grant, they grant nothing themselves)
READ_GRANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "GLACCOUNT": (("general_ledger", "accounts"),),
    "GLJOURNAL": (("general_ledger", "journals"),),
    "EEACCOUNTLABEL": (("time_and_expenses", "expense_types"),),
    "EMPLOYEE": (("company", "employees"), ("time_and_expenses", "employees")),
    "VENDOR": (
        ("accounts_payable", "vendors"),
        ("purchasing", "vendors"),
        ("inventory_control", "vendors"),
    ),
    "CUSTOMER": (
        ("accounts_receivable", "customers"),
        ("projects", "customers"),
        ("order_entry", "customers"),
    ),
    "ITEM": (("purchasing", "items"), ("order_entry", "items"), ("inventory_control", "items")),
    "LOCATION": (("company", "locations"),),
    "DEPARTMENT": (("company", "departments"),),
    "CLASS": (("company", "class"),),
    "LOCATIONENTITY": (("company", "entities"),),
    "PROJECT": (("projects", "projects"),),
    "CHECKINGACCOUNT": (("cash_management", "checking_accounts"),),
    "CREDITCARD": (("cash_management", "credit_card_accounts"),),
    "APTERM": (("accounts_payable", "ap_terms"),),
    "ARTERM": (("accounts_receivable", "ar_terms"),),
}
# assumption: listing records (query, readByQuery) needs the List right and reading one
# record by its key (read, readByName) the View right, as the UI's List and View rights do
READ_RIGHT = {"query": "List", "readByQuery": "List", "read": "View", "readByName": "View"}
# the API operation names Intacct puts in the refusal (READ_BY_QUERY is the one seen)
# assumption: the names of the other read operations
OPERATION = {"query": "QUERY", "readByQuery": "READ_BY_QUERY", "read": "READ"}
OPERATION["readByName"] = "READ_BY_NAME"


def read_grants(obj: str) -> list[tuple[str, str]]:
    """(application name, policy name) pairs any of which lets a user read `obj`, as
    ROLEPOLICYASSIGNMENT and getUserPermissions name them; empty = no right needed."""
    by_id = {module.id: module for module in permissions.modules()}
    out = []
    for module_id, policy_id in READ_GRANTS.get(obj.upper(), ()):
        module = by_id[module_id]
        policy = next(p for p in module.policies if p.id == policy_id)
        out.append((module.application_name, policy.name))
    return out


def read_refusal(store: Store, login: str, obj: str, function: str) -> str | None:
    """The rights user `login` lacks to read `obj` with `function` ("General Ledger >
    Accounts List"), or None when it may."""
    grants = read_grants(obj)
    right = READ_RIGHT.get(function)
    if not grants or right is None:
        return None
    # policy names compare case-insensitively (Title Case from getUserPermissions, sentence
    # case in current help: sandbox/data/permissions.yaml)
    granted = {
        (application.casefold(), policy.casefold()): rights
        for application, policies in effective_permissions(store, login).items()
        for policy, rights in policies.items()
    }
    for application, policy in grants:
        if right in granted.get((application.casefold(), policy.casefold()), ()):
            return None
    return " or ".join(f"{application} > {policy} {right}" for application, policy in grants)
