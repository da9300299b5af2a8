"""Web-services-only users (XML USERINFO with LOGINDISABLED=true) and their roles.

Roles are linked with separate USERROLES records: `to_api` puts the role names under
"USERROLES" and the writer turns them into `create USERROLES` / `delete USERROLES` functions
after the users are written; the reader reads every USERROLES link in the same batched request
as the users and puts each user's role names under the same key (and the links, with their
RECORDNOs, in meta for the writer).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.kinds.base import Field, Hooks, Kind, RunAs
from intacct_reconcile.kinds.io import Records, WriteContext
from intacct_reconcile.kinds.xml_io import XmlReader, XmlWriter, select_fields
from intacct_reconcile.types import Change

LINKS = "USERROLES"  # the object linking a user to a role (and the field holding the names)
ACTIVE = "active"

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


def _role_links(records: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """USERROLES rows by user login (lower case: Intacct login ids are case-insensitive)."""
    links: dict[str, list[dict[str, str]]] = {}
    for row in records:
        user = str(row.get("USERID", "")).strip()
        role = str(row.get("ROLENAME", "")).strip()
        if user and role:
            links.setdefault(user.lower(), []).append(
                {"ROLENAME": role, "RECORDNO": str(row.get("RECORDNO", ""))}
            )
    return links


@dataclass(frozen=True)
class UsersReader(XmlReader):
    """USERINFO plus every USERROLES link, both in the one batched request."""

    def fields(self, kind: Kind) -> list[str]:
        return select_fields(kind, skip=(LINKS,))  # role links are another object, joined

    def specs(self, kind: Kind) -> list[ReadSpec]:
        return [
            *super().specs(kind),
            ReadSpec(LINKS, ["RECORDNO", "USERID", "ROLENAME"], name=LINKS),
        ]

    def rows(
        self, kind: Kind, records: Records
    ) -> Iterator[tuple[Mapping[str, Any], dict[str, Any]]]:
        links = _role_links(records.get(LINKS, ()))
        for record in records.get(kind.key, ()):
            login = str(record.get("LOGINID", ""))
            user_links = links.get(login.lower(), [])
            joined = {**record, LINKS: [link["ROLENAME"] for link in user_links]}
            yield joined, {"RECORDNO": record.get("RECORDNO"), LINKS: user_links}


@dataclass(frozen=True)
class UsersWriter(XmlWriter):
    """USERINFO writes, then the USERROLES links that differ from the declared roles."""

    def record(self, kind: Kind, change: Change, *, create: bool) -> dict[str, Any]:
        payload = super().record(kind, change, create=create)
        payload.pop(LINKS, None)  # role links are USERROLES records, written after
        return payload

    def after(
        self,
        kind: Kind,
        gateway: Any,
        action: str,
        written: list[tuple[int, Change]],
        context: WriteContext,
    ) -> dict[int, str]:
        if action not in ("create", "update"):
            return {}
        return _write_links(gateway, written, context)


def _write_links(
    gateway: Any, items: Sequence[tuple[int, Change]], context: WriteContext
) -> dict[int, str]:
    """Add missing USERROLES links, remove extra ones; {index: error} for users that failed."""
    adds: list[tuple[int, dict[str, str]]] = []
    removes: list[tuple[int, str]] = []
    for index, change in items:
        desired = change.desired or {}
        if "roles" not in desired:
            continue  # roles not managed for this user
        wanted = set(desired["roles"])
        current = {
            link["ROLENAME"]: link.get("RECORDNO", "") for link in change.live_meta.get(LINKS, ())
        }
        adds += [
            (index, {"USERID": change.ref.key, "ROLENAME": role})
            for role in sorted(wanted - set(current))
        ]
        removes += [(index, current[role]) for role in sorted(set(current) - wanted)]
    errors: dict[int, str] = {}
    if adds:
        results = gateway.create(
            LINKS,
            [link for _, link in adds],
            idempotency_key=context.key(
                "userroles-add", *(f"{u['USERID']}/{u['ROLENAME']}" for _, u in adds)
            ),
        )
        for (index, link), result in zip(adds, results, strict=True):
            if not result.ok:
                errors[index] = f"role {link['ROLENAME']}: {result.error}"
    if removes:
        results = gateway.delete(
            LINKS,
            [recordno for _, recordno in removes],
            idempotency_key=context.key("userroles-remove", *(r for _, r in removes)),
        )
        for (index, _), result in zip(removes, results, strict=True):
            if not result.ok:
                errors.setdefault(index, f"removing a role: {result.error}")
    return errors


def _same_login(a: str, b: str) -> bool:
    # assumption: Intacct login ids compare case-insensitively (the sign-in form does).
    return a.casefold() == b.casefold()


# assumption: only business users can hold admin privileges; every other type (view only,
# employee, dashboard, ...) has a limited set of permissions and cannot manage users or roles
ADMIN_USER_TYPES = frozenset({"business"})
FULL_ADMIN = "full"


def lockout(kind: Kind, change: Change, run_as: RunAs, kinds: Mapping[str, Kind]) -> Iterable[str]:
    """Any change to the user the tool signs in with that takes away what later runs need:
    removing or deactivating it, taking its roles, its admin privileges (only admins write
    users and role links, reference §3.1), a user type that cannot be an admin, or entity
    restrictions that leave out the entity the tool signs in to.

    Not guarded: LOGINDISABLED (web-services-only), which this kind always writes; it stops
    sign-in to the web UI, not API calls."""
    from intacct_reconcile.access import as_items, role_list_field

    if not run_as.user or not _same_login(change.ref.key, run_as.user):
        return
    if change.removes:
        yield f"would {change.action} the user this tool signs in with"
        return
    roles = role_list_field(kind, kinds)
    for fc in change.fields:
        if roles is not None and fc.name == roles.name and fc.removed:
            yield (
                f"would remove role(s) {', '.join(fc.removed)} from the user this tool signs "
                "in with"
            )
        elif fc.name == kind.extra.get("status_field", "status") and fc.after != ACTIVE:
            # inactive or locked out: either way the tool can no longer sign in
            yield f"would set the user this tool signs in with to {fc.after}"
        elif fc.name == "admin" and fc.after != FULL_ADMIN:
            yield (
                f"would set admin privileges of the user this tool signs in with to {fc.after}: "
                "Intacct lets only admins write users and role assignments, so every later "
                "user or role change would fail with 'Permission denied'"
            )
        elif fc.name == "user_type" and fc.after not in ADMIN_USER_TYPES:
            yield (
                f"would make the user this tool signs in with a {fc.after} user, which cannot "
                "hold admin privileges: later user and role changes would be refused"
            )
        elif fc.name == "entities" and fc.after and run_as.entity is not None:
            allowed = as_items(fc.after)
            if run_as.entity not in allowed:
                where = f"entity {run_as.entity!r}" if run_as.entity else "the top level"
                names = ", ".join(sorted(allowed))
                yield (
                    f"would restrict the user this tool signs in with to {names}; it signs in "
                    f"to {where}, which it could no longer do"
                )


KIND = Kind(
    key="web_services_users",
    top_level="create the user at the top level and give it entity access with its "
    "`entities:` field (BILL guide: create your Web Services user, permissions at the top level)",
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
    hooks=Hooks(from_api=_roles_from_api, lockout=lockout),
    reader=UsersReader(),
    writer=UsersWriter(),
    description="Password is not settable through the API: Intacct emails it to the user.",
)
