"""The complete access review of a plan: every live user whose effective access changes.

`access.effective_access` (run by the planner) sees only the users the manifests declare. A
changed role also changes the access of every undeclared user holding it, and an admin
privilege change (Full -> Off) changes a user's access without any permission moving. So,
after planning, the workflow reads every user with their USERROLES links and every role's
permissions (`read_live_access`, one batched XML read), and `review` replaces the plan's
access changes with one entry per user and permission (plus one for admin privileges), for
declared and undeclared users alike. Users the read could not return are counted, and the
plan says so (`Plan.access_scope`).

The before/after snapshots per user (`UserAccess`) are also what segregation-of-duties rules
are evaluated against (sod/).

User-based permissions: a company that grants rights per user has no role links at all.
Then each active user's permissions are read with `getUserPermissions` (one call per user,
reference §3.2; it needs Users > Permissions View): the plan cannot change them, but they count
in the review of a user it deactivates and in segregation of duties.

Assumptions about Intacct (reference §3.1, §3.2): an inactive user has no effective access;
ADMIN reads back as Full/Off (true/false in the documentation example); a company whose users
hold no role link at all uses user-based permissions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intacct_reconcile import catalog
from intacct_reconcile.access import (
    as_items,
    permission_field,
    role_list_field,
    role_rights,
    roles_after_plan,
)
from intacct_reconcile.catalog import assignments
from intacct_reconcile.client.errors import IntacctError
from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.types import AccessChange, AccessScope, Change, Plan, Ref, State

USERS = "USERINFO"
LINKS = "USERROLES"
USER_FIELDS = ("RECORDNO", "LOGINID", "ADMIN", "STATUS", "LOGINDISABLED")
LINK_FIELDS = ("RECORDNO", "USERID", "ROLENAME")
# admin privileges as a pseudo permission of the access review: admin.privileges holds the
# level as its one right (["full"]), or nothing when admin privileges are Off
ADMIN_MODULE = "admin"
ADMIN_PERMISSION = "privileges"
# refs of users no manifest kind describes (people who sign in to the UI, other integrations)
USER_REF_KIND = "users"
_ADMIN_VALUES = {"full": "full", "true": "full", "off": "off", "false": "off", "": "off"}

Rights = Mapping[tuple[str, str], frozenset[str]]  # (module, permission) -> rights


@dataclass(frozen=True)
class UserAccess:
    """One user's effective access at one moment (live, or after the plan)."""

    login: str
    admin: str = "off"  # full | off
    active: bool = True
    web_services: bool = False  # LOGINDISABLED=true: an integration, never a person
    roles: frozenset[str] = frozenset()
    rights: Rights = field(default_factory=dict)
    direct: Rights = field(default_factory=dict)  # user-based permissions (no role needed)


@dataclass(frozen=True)
class LiveUser:
    """One live user as Intacct reports it: login, admin level, status, roles and any
    user-based rights."""

    login: str
    admin: str
    status: str
    web_services: bool
    roles: frozenset[str]
    direct: Rights = field(default_factory=dict)  # user-based permissions


@dataclass(frozen=True)
class LiveAccess:
    """Every live user with their roles, every live role's rights, and what was not read."""

    users: Mapping[str, LiveUser]  # by login
    roles: Mapping[str, Rights]  # by role name
    scope: AccessScope
    complete: bool = True  # False: users, links or roles unread (keep the planner's view)


# --- reading -----------------------------------------------------------------------------


def read_live_access(clients: Any, role_kind: Kind) -> LiveAccess:
    """Users, their role links and every role's permissions in one batched XML read.

    A read the API refuses (the tool's user may not list users) is not fatal: the review is
    marked incomplete and the plan says why.
    """
    specs = [
        ReadSpec(USERS, list(USER_FIELDS), name=USERS),
        ReadSpec(LINKS, list(LINK_FIELDS), name=LINKS),
        *role_kind.reader.specs(role_kind),  # the role kind's own batched reads
    ]
    reasons: list[str] = []
    try:
        read = clients.xml.read_many(specs)
    except IntacctError:
        read = {}
        for spec in specs:  # one at a time, to say which one the API refuses
            try:
                read.update(clients.xml.read_many([spec]))
            except IntacctError as exc:
                reasons.append(f"cannot read {spec.object}: {exc}")
    access = live_access(read, role_kind, reasons, clients)
    if access.complete and access.users and not read.get(LINKS):
        access = with_user_based_rights(clients.xml, access)
    return access


def with_user_based_rights(gateway: Any, access: LiveAccess) -> LiveAccess:
    """Every active user's own permissions (`getUserPermissions`), for a company with
    user-based permissions. A user the API will not describe is counted as unreadable."""
    cat = catalog.load()
    users = dict(access.users)
    refused: list[str] = []
    reason = ""
    for login, user in access.users.items():
        if user.status != "active":
            continue
        try:
            answer = gateway.get_user_permissions(login)
        except IntacctError as exc:
            refused.append(login)
            reason = str(exc)
            continue
        rows = [
            {"APPLICATIONNAME": app, "POLICYNAME": policy, "RIGHTS": "|".join(rights)}
            for app, policies in answer.items()
            for policy, rights in policies.items()
        ]
        direct = role_rights(assignments.from_ui(rows, cat).managed())
        users[login] = dataclasses.replace(user, direct=direct)
    reasons = [
        *access.scope.reasons,
        "no user holds a role: user-based permissions, read per user with getUserPermissions",
    ]
    if refused:
        reasons.append(
            f"{len(refused)} user(s) could not be described ({reason}): {', '.join(refused[:10])}"
        )
    scope = dataclasses.replace(
        access.scope, unreadable=access.scope.unreadable + len(refused), reasons=tuple(reasons)
    )
    return dataclasses.replace(access, users=users, scope=scope)


def live_access(
    read: Mapping[str, Sequence[Mapping[str, Any]]],
    role_kind: Kind,
    reasons: Sequence[str] = (),
    clients: Any = None,
) -> LiveAccess:
    """Shape the raw rows (see `read_live_access`) into users and role rights (`clients`: for
    a role kind whose reader makes requests of its own)."""
    links: dict[str, set[str]] = {}
    for row in read.get(LINKS, ()):
        user, role = str(row.get("USERID", "")).strip(), str(row.get("ROLENAME", "")).strip()
        if user and role:
            links.setdefault(user.casefold(), set()).add(role)
    users: dict[str, LiveUser] = {}
    for row in read.get(USERS, ()):
        login = str(row.get("LOGINID", "")).strip()
        if not login:
            continue
        users[login] = LiveUser(
            login=login,
            admin=_admin(row.get("ADMIN")),
            status=str(row.get("STATUS") or "active").strip().lower(),
            web_services=str(row.get("LOGINDISABLED", "")).strip().lower() == "true",
            roles=frozenset(links.get(login.casefold(), ())),
        )
    roles: dict[str, Rights] = {}
    field_name = permission_field(role_kind) or "permissions"
    role_specs = [spec.key for spec in role_kind.reader.specs(role_kind)]
    if all(name in read for name in role_specs):
        # the role kind's reader shapes its rows as the planner sees roles
        for name, resource in role_kind.reader.read(role_kind, clients, read).items():
            roles[name] = role_rights(resource.values.get(field_name))
    # users linked to roles but not returned (restricted to other entities, or a read refused)
    known = {login.casefold() for login in users}
    missing = sorted(u for u in links if u not in known)
    read_users = USERS in read
    if missing and read_users:
        reasons = [
            *reasons,
            f"{len(missing)} user(s) hold roles but could not be read: {', '.join(missing[:10])}"
            + (" …" if len(missing) > 10 else ""),
        ]
    unreadable = len(missing) if read_users else len(links)
    scope = AccessScope(users_read=len(users), unreadable=unreadable, reasons=tuple(reasons))
    # without users, links or role rights, before/after would be guesses: keep the declared
    # users' view (the planner's) and say why
    complete = all(name in read for name in (USERS, LINKS, *role_specs))
    return LiveAccess(users, roles, scope, complete=complete)


def _level(admin: str) -> tuple[str, ...]:
    return () if admin == "off" else (admin,)


def _admin(value: Any) -> str:
    return _ADMIN_VALUES.get(str(value or "").strip().lower(), "off")


# --- before and after ----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshots:
    """Every user's access before (live) and after the plan, keyed by login."""

    before: Mapping[str, UserAccess]
    after: Mapping[str, UserAccess]
    refs: Mapping[str, Ref]  # login -> the ref the plan shows for the user


def snapshots(
    kinds: Mapping[str, Kind], plan: Plan, desired: State, live: State, access: LiveAccess
) -> Snapshots:
    """Apply the plan's role and user changes to the live users and roles."""
    by_ref = {c.ref: c for c in plan.changes}
    user_kind, roles_field = _user_kind(kinds)
    role_kind = kinds[roles_field.ref] if roles_field and roles_field.ref else None
    roles_before = dict(access.roles)
    roles_after = _roles_after(role_kind, roles_before, by_ref)
    declared: dict[str, str] = {}  # login casefold -> key in the user kind
    if user_kind is not None:
        for key in (*live.of(user_kind.key), *desired.of(user_kind.key)):
            declared[key.casefold()] = key
    before: dict[str, UserAccess] = {}
    after: dict[str, UserAccess] = {}
    refs: dict[str, Ref] = {}
    for login, user in access.users.items():
        base = UserAccess(
            login=login,
            admin=user.admin,
            active=user.status == "active",
            web_services=user.web_services,
            roles=user.roles,
            direct=user.direct,
        )
        before[login] = _with_rights(base, roles_before)
        key = declared.get(login.casefold())
        ref = Ref(user_kind.key, key) if user_kind and key else Ref(USER_REF_KIND, login)
        refs[login] = ref
        change = by_ref.get(ref) if key else None
        after[login] = _with_rights(_changed(base, change, roles_field), roles_after)
    # users the plan creates: no access before
    known = {login.casefold() for login in access.users}
    for change in plan.changes:
        if user_kind is None or change.ref.kind != user_kind.key or change.action != "create":
            continue
        if change.ref.key.casefold() in known:
            continue
        login = change.ref.key
        base = UserAccess(login=login, web_services=bool(user_kind.api_constants))
        refs[login] = change.ref
        after[login] = _with_rights(_changed(base, change, roles_field), roles_after)
    return Snapshots(before, after, refs)


def _user_kind(kinds: Mapping[str, Kind]) -> tuple[Kind | None, Any]:
    for kind in kinds.values():
        roles_field = role_list_field(kind, kinds)
        if roles_field is not None:
            return kind, roles_field
    return None, None


def _roles_after(
    role_kind: Kind | None, before: Mapping[str, Rights], by_ref: Mapping[Ref, Change]
) -> dict[str, Rights]:
    if role_kind is None:
        return dict(before)
    return roles_after_plan(role_kind, before, by_ref, role_rights)


def _changed(base: UserAccess, change: Change | None, roles_field: Any) -> UserAccess:
    """A user after the plan's change to it (roles, admin, status)."""
    if change is None:
        return base
    if change.removes:  # deactivated: no access left
        return dataclasses.replace(base, active=False)
    desired = change.desired or {}
    updates: dict[str, Any] = {}
    if roles_field is not None and roles_field.name in desired:
        updates["roles"] = frozenset(as_items(desired[roles_field.name]))
    if "admin" in desired:
        updates["admin"] = _admin(desired["admin"])
    if "status" in desired:
        updates["active"] = str(desired["status"]).lower() == "active"
    return dataclasses.replace(base, **updates)


def _with_rights(user: UserAccess, roles: Mapping[str, Rights]) -> UserAccess:
    rights: dict[tuple[str, str], set[str]] = {}
    # a USERROLES link may spell the role name in another case than the role itself
    by_name = {name.casefold(): granted for name, granted in roles.items()}
    if user.active:
        for key, granted in user.direct.items():
            rights.setdefault(key, set()).update(granted)
        for role in user.roles:
            for key, granted in by_name.get(role.casefold(), {}).items():
                rights.setdefault(key, set()).update(granted)
    return dataclasses.replace(user, rights={k: frozenset(v) for k, v in rights.items()})


# --- the review ----------------------------------------------------------------------------


def review(
    kinds: Mapping[str, Kind], plan: Plan, desired: State, live: State, access: LiveAccess
) -> tuple[Plan, Snapshots]:
    """The plan with its access changes covering every live user, and the snapshots."""
    snaps = snapshots(kinds, plan, desired, live, access)
    if not access.complete:  # no user list: keep the declared users' view, say why
        return dataclasses.replace(plan, access_scope=access.scope), snaps
    changes: list[AccessChange] = []
    for login in sorted(snaps.after, key=lambda u: str(snaps.refs[u])):
        changes += user_changes(snaps.refs[login], snaps.before.get(login), snaps.after[login])
    changes.sort(key=lambda a: (str(a.user), a.module != ADMIN_MODULE, a.module, a.permission))
    return dataclasses.replace(
        plan, access_changes=tuple(changes), access_scope=access.scope
    ), snaps


def user_changes(ref: Ref, before: UserAccess | None, after: UserAccess) -> list[AccessChange]:
    """Per permission (and admin privileges), what one user holds before and after."""
    out: list[AccessChange] = []
    admin_before = before.admin if before and before.active else "off"
    admin_after = after.admin if after.active else "off"
    if admin_before != admin_after:
        # the level is the one "right" of admin privileges; Off holds none, so taking Full
        # away is a removal and granting it an addition, like any other right
        out.append(
            AccessChange(
                ref, ADMIN_MODULE, ADMIN_PERMISSION, _level(admin_before), _level(admin_after)
            )
        )
    old = before.rights if before else {}
    for module, permission in sorted({*old, *after.rights}):
        was = old.get((module, permission), frozenset())
        now = after.rights.get((module, permission), frozenset())
        if was != now:
            out.append(
                AccessChange(ref, module, permission, tuple(sorted(was)), tuple(sorted(now)))
            )
    return out


def role_kind(kinds: Mapping[str, Kind]) -> Kind | None:
    """The kind holding roles: the one a user's role list refers to (other kinds hold a
    permission set too, e.g. user-based permissions), else the first with a permission set."""
    for kind in kinds.values():
        roles_field = role_list_field(kind, kinds)
        if roles_field is not None and roles_field.ref:
            return kinds[roles_field.ref]
    return next((k for k in kinds.values() if permission_field(k)), None)
