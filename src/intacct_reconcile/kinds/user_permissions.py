"""User-based permissions: rights granted to one user, in companies without roles.

A company with user-based permissions (Expensify's step 1a) grants rights on each user's
Subscriptions page instead of through roles. No API writes them: USERRIGHTS is readable only
and neither XML nor REST has a function that grants a user rights (reference §3.2, §8). So this
is a manual kind the API verifies: the UI steps say exactly what to tick, and the plan reads
the result back.

Reading: the batched XML query lists USERRIGHTS rows (RECORDNO, USERINFO.LOGINID — the fields
the reference documents) to find the users holding user-based rights, then `getUserPermissions`
(one call per such user, reference §3.2) returns their permissions as application / policy /
pipe-delimited UI rights, read through the permission catalogue like a role's. In a
user-based company nobody holds a role, so these are exactly the rights granted to the user.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.catalog import assignments, load
from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.kinds import subscription_needs
from intacct_reconcile.kinds.base import Field, Hooks, Kind
from intacct_reconcile.kinds.io import Records, resource
from intacct_reconcile.kinds.manual_io import ManualReader
from intacct_reconcile.kinds.roles import outside_meta
from intacct_reconcile.types import Resource, State

RIGHTS_OBJECT = "USERRIGHTS"
PERMISSIONS = "permissions"


def _login_of(row: Mapping[str, Any]) -> str:
    nested = row.get("USERINFO")
    login = nested.get("LOGINID") if isinstance(nested, Mapping) else row.get("USERINFO.LOGINID")
    return str(login or row.get("LOGINID") or "").strip()


@dataclass(frozen=True)
class UserRightsReader(ManualReader):
    """USERRIGHTS names the users; getUserPermissions describes each one."""

    readable = True

    def specs(self, kind: Kind) -> list[ReadSpec]:
        return [ReadSpec(RIGHTS_OBJECT, ["RECORDNO", "USERINFO.LOGINID"], name=kind.key)]

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        cat = load()
        logins = sorted({_login_of(row) for row in records.get(kind.key, ())} - {""})
        out: dict[str, Resource] = {}
        for login in logins:
            answer = clients.xml.get_user_permissions(login)
            rows = [
                {"APPLICATIONNAME": app, "POLICYNAME": policy, "RIGHTS": "|".join(rights)}
                for app, policies in answer.items()
                for policy, rights in policies.items()
            ]
            live = assignments.from_ui(rows, cat)
            record = {
                "LOGINID": login,
                PERMISSIONS: [
                    assignments.rest_item(cat, cat.modules[m].permissions[p], rights)
                    for m, perms in live.managed().items()
                    for p, rights in perms.items()
                ],
            }
            found = resource(kind, record, outside_meta(live))
            if found is not None:
                out[found.key] = found
        return out


def ui_rights(values: Mapping[str, Any]) -> list[str]:
    """`Application/Policy=Right|Right` for each declared permission, in UI labels."""
    cat = load()
    granted = values.get(PERMISSIONS) or {}
    out = []
    for module_id, perms in sorted(granted.items()):
        module = cat.modules[module_id]
        app = module.xml_application_name or module.name
        for perm_id, rights in sorted(perms.items()):
            perm = module.permissions[perm_id]
            labels = "|".join(cat.rights[r].ui for r in rights)
            out.append(f"{app}/{perm.xml_policy_name or perm.name}={labels}")
    return out


def sandbox_ui(kind: Kind, key: str, values: Mapping[str, Any]) -> list[list[str]]:
    return [["set-user-rights", key, *ui_rights(kind.normalize(values))]]


def plan_notes(kind: Kind, desired: State, live: State) -> Iterable[str]:
    declared = [r for r in desired.of(kind.key).values() if r.ensure == "present"]
    if declared and not live.of(kind.key):
        # in a role-based company nobody holds user-based rights; Intacct then has no
        # per-user permission page, and the manual step cannot be done as written
        yield (
            f"{kind.key}: no user in the company holds user-based permissions (USERRIGHTS is "
            "empty); if the company uses role-based permissions, declare `roles` and assign "
            "them to the user instead (Company > Roles)"
        )
    yield from subscription_needs.unsubscribed_notes(kind, desired, live)


KIND = Kind(
    key="user_permissions",
    title="user permission set",
    api="manual",
    object=RIGHTS_OBJECT,
    identity=Field(
        "login_id", "LOGINID", description="Login ID of the user (e.g. the web services user)."
    ),
    fields=(
        Field(
            PERMISSIONS,
            PERMISSIONS,
            type="permissions",
            required=True,
            description="Per module: `all`, `read_only`, or {permission: [rights]}, as for "
            "roles. Only for companies with user-based permissions.",
        ),
    ),
    depends_on=("web_services_users", "module_subscriptions"),
    delete="none",
    verify="api",
    top_level="user-based permissions are set on the user, which lives at the top level",
    reader=UserRightsReader(),
    note_reads=(subscription_needs.SUBSCRIPTIONS,),
    hooks=Hooks(
        sandbox_ui=sandbox_ui,
        plan_notes=plan_notes,
        check_manifests=subscription_needs.check_declared_subscriptions,
    ),
    ui_steps=(
        "Company > Admin > Users (Web Services Users for an API user): find '{key}' and click "
        "its Subscriptions link",
        "For each application in the permission changes listed here, tick it and click Permissions",
        "Set exactly the rights listed for each permission (Read-only = List and View; clear "
        "the rights not listed)",
        "Click Save",
    ),
    description="No API grants user-based permissions (USERRIGHTS is read-only, reference "
    "§3.2); getUserPermissions reads them back, so the plan verifies the step.",
)
