"""Roles read in bulk from the XML gateway, shaped like the REST role so they normalise alike.

The REST API writes roles, but reading them there costs one GET per role (the query cannot
return the owned rolePermissionAssignments). The XML gateway reads `ROLES` and every
`ROLEPOLICYASSIGNMENT` row (application, policy, pipe-delimited UI rights; reference §3.2) in
paged queries that share the first request with the other XML kinds. Each role becomes the
record a REST GET would return (id, description, roleType, applyTo and the assignments the
catalogue manages, by REST module/name and tokens), so `Kind.from_api` treats both alike.
The assignments' REST keys are not known here: the applier reads them right before a PATCH.
Permissions and rights the catalogue cannot name go to `meta` (never diffed) with a note.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from intacct_reconcile.catalog import assignments, load
from intacct_reconcile.client.gateway import ReadSpec

ROLES = "ROLES"
POLICIES = "ROLEPOLICYASSIGNMENT"
# ROLES: RECORDNO and NAME are documented; DESCRIPTION, ROLETYPE and APPLYTO are the REST
# fields' XML names, unconfirmed in the reference (§3.2) — the sandbox serves them
ROLE_FIELDS = ("RECORDNO", "NAME", "DESCRIPTION", "ROLETYPE", "APPLYTO")
# ROLEPOLICYASSIGNMENT: RECORDNO, POLICYNAME, ROLES.NAME and RIGHTS (reference §3.2), plus the
# application the policy belongs to (the label getUserPermissions shows as applicationName)
POLICY_FIELDS = ("RECORDNO", "ROLES.NAME", "APPLICATIONNAME", "POLICYNAME", "RIGHTS")
# XML field -> REST field of company-config/role
PLAIN = {"NAME": "id", "DESCRIPTION": "description", "ROLETYPE": "roleType", "APPLYTO": "applyTo"}


def specs() -> list[ReadSpec]:
    return [
        ReadSpec(ROLES, list(ROLE_FIELDS), name=ROLES),
        ReadSpec(POLICIES, list(POLICY_FIELDS), name=POLICIES),
    ]


def _role_of(row: Mapping[str, Any]) -> str:
    nested = row.get("ROLES")
    name = nested.get("NAME") if isinstance(nested, Mapping) else row.get("ROLES.NAME")
    return str(name or row.get("ROLENAME") or "").strip()


def records(
    read: Mapping[str, Sequence[Mapping[str, Any]]],
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(REST-shaped role record, meta) for every role the gateway returned."""
    cat = load()
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for row in read.get(POLICIES, ()):
        rows.setdefault(_role_of(row).casefold(), []).append(row)
    for role in read.get(ROLES, ()):
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
