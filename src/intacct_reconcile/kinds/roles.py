"""Roles with their permission assignments (REST company-config/role).

Written over REST (rolePermissionAssignments as an owned array), read in bulk from the XML
gateway: the REST API would cost one GET per role (its query cannot return the owned
assignments). The XML gateway reads `ROLES` and every `ROLEPOLICYASSIGNMENT` row (application,
policy, pipe-delimited UI rights; reference §3.2) in paged queries that share the first request
with the other XML kinds. Each role becomes the record a REST GET would return (id,
description, roleType, applyTo and the assignments the catalogue manages, by REST module/name
and tokens), so `Kind.from_api` treats both alike. The assignments' REST keys are not known
there: the writer reads them right before a PATCH. Permissions and rights the catalogue cannot
name go to `meta` (never diffed) with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.catalog import assignments, load
from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.kinds import subscription_needs
from intacct_reconcile.kinds.base import Field, Hooks, Kind, RunAs
from intacct_reconcile.kinds.io import KindReader, Records, need_rest, resource
from intacct_reconcile.kinds.rest_io import RestWriter
from intacct_reconcile.types import Change, Resource

ROLE_ASSIGNMENTS = "rolePermissionAssignments"

ROLES_OBJECT = "ROLES"
POLICIES = "ROLEPOLICYASSIGNMENT"
# ROLES: RECORDNO and NAME are documented; DESCRIPTION, ROLETYPE and APPLYTO are the REST
# fields' XML names, unconfirmed in the reference (§3.2) — the sandbox serves them
ROLE_FIELDS = ("RECORDNO", "NAME", "DESCRIPTION", "ROLETYPE", "APPLYTO")
# ROLEPOLICYASSIGNMENT: RECORDNO, POLICYNAME, ROLES.NAME and RIGHTS (reference §3.2), plus the
# application the policy belongs to (the label getUserPermissions shows as applicationName)
POLICY_FIELDS = ("RECORDNO", "ROLES.NAME", "APPLICATIONNAME", "POLICYNAME", "RIGHTS")
# XML field -> REST field of company-config/role
PLAIN = {"NAME": "id", "DESCRIPTION": "description", "ROLETYPE": "roleType", "APPLYTO": "applyTo"}


def _specs() -> list[ReadSpec]:
    return [
        ReadSpec(ROLES_OBJECT, list(ROLE_FIELDS), name=ROLES_OBJECT),
        ReadSpec(POLICIES, list(POLICY_FIELDS), name=POLICIES),
    ]


def _role_of(row: Mapping[str, Any]) -> str:
    nested = row.get("ROLES")
    name = nested.get("NAME") if isinstance(nested, Mapping) else row.get("ROLES.NAME")
    return str(name or row.get("ROLENAME") or "").strip()


def _records(
    read: Mapping[str, Sequence[Mapping[str, Any]]],
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(REST-shaped role record, meta) for every role the gateway returned."""
    cat = load()
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for row in read.get(POLICIES, ()):
        rows.setdefault(_role_of(row).casefold(), []).append(row)
    for role in read.get(ROLES_OBJECT, ()):
        # an empty XML field is null in REST (an empty description reads back as None)
        record: dict[str, Any] = {
            rest: role.get(xml) if role.get(xml) not in (None, "") else None
            for xml, rest in PLAIN.items()
            if xml in role
        }
        live = assignments.from_ui(rows.get(str(role.get("NAME", "")).strip().casefold(), ()), cat)
        record["rolePermissionAssignments"] = [
            assignments.rest_item(cat, cat.modules[m].permissions[p], rights)
            for m, perms in live.managed().items()
            for p, rights in perms.items()
        ]
        # Intacct's REST key of an object is its record number
        meta = {"key": str(role.get("RECORDNO", "")), "RECORDNO": role.get("RECORDNO")}
        meta.update(outside_meta(live))
        yield record, meta


def outside_meta(live: assignments.LiveAssignments) -> dict[str, Any]:
    """Meta entries for what a role holds outside the catalogue (kept aside, never diffed)."""
    if not live.outside:
        return {}
    count = len(live.outside)
    return {
        "outside_permissions": sorted(live.outside),
        "notes": (
            f"{count} permission{'s' if count != 1 else ''} outside the catalogue "
            f"(or UI-only right{'s' if count != 1 else ''}) not managed, left as they are",
        ),
    }


@dataclass(frozen=True)
class RolesReader(KindReader):
    """Roles from the batched XML read (ROLES + ROLEPOLICYASSIGNMENT), REST-shaped."""

    def prepare(self, kind: Kind, clients: Any) -> None:
        need_rest(clients, kind)  # written over REST: refuse before reading anything

    def specs(self, kind: Kind) -> list[ReadSpec]:
        return _specs()

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        out: dict[str, Resource] = {}
        for record, meta in _records(records):
            found = resource(kind, record, meta)
            if found is not None:
                out[found.key] = found
        return out


@dataclass(frozen=True)
class RolesWriter(RestWriter):
    """Role writes over REST: an update's changed permissions go as owned-array PATCH items,
    worked out against the role's current assignments."""

    def update_body(self, kind: Kind, rest: Any, rest_key: str, change: Change) -> dict[str, Any]:
        body = kind.to_api(change.desired or {}, create=False)
        if ROLE_ASSIGNMENTS in body:
            # the permission set goes as owned-array items, and only when it changed (an
            # unchanged set costs no read of the role)
            changed = any(f.name == "permissions" for f in change.fields)
            items = _owned_patch(rest, kind.object or "", rest_key, change) if changed else []
            if items:
                body[ROLE_ASSIGNMENTS] = items
            else:
                del body[ROLE_ASSIGNMENTS]
        return body


def _owned_patch(rest: Any, path: str, rest_key: str, change: Change) -> list[dict[str, Any]]:
    """The owned-array PATCH items for a role's permissions.

    Intacct adds an item without key, modifies one with key and deletes one marked
    `ia::operation: delete`; items not mentioned stay (reference §5, owned objects). So the
    role's current assignments, with their keys, are read right before the PATCH (the plan's
    live read may have come from the XML gateway, which has no REST keys).
    """
    current = rest.get(path, rest_key).get(ROLE_ASSIGNMENTS) or []
    desired = (change.desired or {}).get("permissions") or {}
    return assignments.owned_patch(current, desired)


# a role that applies only when sliding in from a console grants nothing at a direct login
LOGIN_APPLY_TO = frozenset({"login_and_slide_in", "login_only"})


def lockout(kind: Kind, change: Change, run_as: RunAs, kinds: Mapping[str, Kind]) -> Iterable[str]:
    """Removing a role of the tool's own user, taking the permissions that manage users and
    roles from it, or making it apply only to console slide-ins, locks the tool out."""
    from intacct_reconcile.access import ACCESS_PERMISSIONS, permission_field

    if not run_as.roles or not permission_field(kind) or change.ref.key not in run_as.roles:
        return
    if change.removes:
        yield f"would {change.action} a role of the user this tool signs in with"
        return
    name = permission_field(kind)
    for fc in change.fields:
        lost = [i for i in fc.removed if tuple(i.split(".")[:2]) in ACCESS_PERMISSIONS]
        if fc.name == name and lost:
            yield f"would remove {', '.join(lost)} from a role of the user this tool signs in with"
        elif fc.name == "apply_to" and fc.after not in LOGIN_APPLY_TO:
            yield (
                f"would make a role of the user this tool signs in with apply to {fc.after} "
                "only: its permissions would no longer apply when the tool signs in"
            )


KIND = Kind(
    key="roles",
    top_level="roles are defined at the top level (BILL guide: create your Web Services user, "
    "permissions at the top level); entity access belongs to the user",
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
    reader=RolesReader(),
    writer=RolesWriter(),
    note_reads=(subscription_needs.SUBSCRIPTIONS,),
    hooks=Hooks(
        lockout=lockout,
        plan_notes=subscription_needs.unsubscribed_notes,
        check_manifests=subscription_needs.check_declared_subscriptions,
    ),
    description="XML can only read roles (ROLES, ROLEPOLICYASSIGNMENT); REST writes them "
    "with rolePermissionAssignments (reference §3.2, §5).",
)
