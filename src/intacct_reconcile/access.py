"""Effective access: per user and permission, the rights granted through roles before and
after a plan, derived from role permission changes and user role-list changes.

Also the item views of permission sets and role lists that plans show as `+ item` / `- item`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.ordering import live_values
from intacct_reconcile.types import AccessChange, Change, Ref, State

# The permissions that let a user manage users and roles: removing them locks the tool out.
# Company/Users and Company/Roles are their home before the 2024 move to Administration
# (reference permissions.yaml).
ACCESS_PERMISSIONS = frozenset(
    {("administration", "users"), ("company", "users"), ("company", "roles")}
)


def as_items(value: Any) -> set[str]:
    """A scalar or a list of values as a set of strings (None: empty)."""
    if value is None:
        return set()
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return {str(value)}


def is_permission_set(value: Any) -> bool:
    """{module: {permission: rights}}, whatever the field type says."""
    return isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values())


def permission_items(perms: Any) -> set[str]:
    """A permission set {module: {permission: rights}} as "module.permission.right" items."""
    if not perms:
        return set()
    return {
        f"{module}.{permission}.{right}"
        for module, permissions in perms.items()
        for permission, rights in (permissions or {}).items()
        for right in as_items(rights)
    }


Access = dict[tuple[str, str], set[str]]  # (module, permission) -> rights
RoleAccess = dict[tuple[str, str], frozenset[str]]
RoleValue = TypeVar("RoleValue")


def permission_field(kind: Kind) -> str | None:
    """The field holding a role's permission set, if the kind has one."""
    return next((f.name for f in kind.fields if f.type == "permissions"), None)


def role_list_field(kind: Kind, kinds: Mapping[str, Kind]) -> Field | None:
    """The field holding a user's roles: a string list referring to a kind with permissions."""
    for f in kind.fields:
        if f.type == "string_list" and f.ref in kinds and permission_field(kinds[f.ref]):
            return f
    return None


def affects_access(kinds: Mapping[str, Kind], used: Iterable[str]) -> bool:
    """Do the planned kinds include roles or users (so access may change)?"""
    for key in used:
        kind = kinds.get(key)
        if kind is not None and (permission_field(kind) or role_list_field(kind, kinds)):
            return True
    return False


def effective_access(
    kinds: Mapping[str, Kind], desired: State, live: State, changes: Sequence[Change]
) -> tuple[AccessChange, ...]:
    """Per user and permission: the rights granted through roles before and after the plan."""
    by_ref = {c.ref: c for c in changes}
    out: list[AccessChange] = []
    for key in kinds:
        if not (live.of(key) or desired.of(key)):
            continue  # no users of this kind (and its module need not load to know)
        kind = kinds[key]
        roles_field = role_list_field(kind, kinds)
        if roles_field is None:
            continue
        role_kind = kinds[roles_field.ref]
        before_perms, after_perms = _role_permissions(role_kind, live, by_ref)
        changed = {
            r for r in {*before_perms, *after_perms} if before_perms.get(r) != after_perms.get(r)
        }
        for key in sorted({*live.of(kind.key), *desired.of(kind.key)}):
            user = Ref(kind.key, key)
            before_roles = as_items(live_values(live, user).get(roles_field.name))
            after_roles = _post_roles(user, roles_field.name, live, by_ref)
            if before_roles == after_roles and not changed & before_roles:
                continue  # same roles, none of them changed: same access
            before = _merge(before_perms, before_roles)
            after = _merge(after_perms, after_roles)
            out += _access_diff(user, before, after)
    return tuple(out)


def _role_permissions(
    role_kind: Kind, live: State, by_ref: Mapping[Ref, Change]
) -> tuple[dict[str, RoleAccess], dict[str, RoleAccess]]:
    """Each role's grants before and after the plan (a removed role grants nothing)."""
    field_name = permission_field(role_kind)
    before = {k: role_rights(r.values.get(field_name)) for k, r in live.of(role_kind.key).items()}
    return before, roles_after_plan(role_kind, before, by_ref, role_rights)


def roles_after_plan(
    role_kind: Kind,
    before: Mapping[str, RoleValue],
    by_ref: Mapping[Ref, Change],
    read: Callable[[Any], RoleValue],
) -> dict[str, RoleValue]:
    """Each role's grants after the plan: removed roles drop out, roles whose permission set
    changes get `read(new permission set)`, the others keep their value from `before`."""
    field_name = permission_field(role_kind)
    after = dict(before)
    for ref, change in by_ref.items():
        if ref.kind != role_kind.key:
            continue
        if change.removes:
            after.pop(ref.key, None)
        elif change.desired is not None and field_name in change.desired:
            after[ref.key] = read(change.desired[field_name])
    return after


def role_rights(perms: Any) -> RoleAccess:
    """A role's permission set {module: {permission: rights}} as (module, permission) -> rights."""
    return {
        (module, permission): frozenset(as_items(rights))
        for module, permissions in (perms or {}).items()
        for permission, rights in (permissions or {}).items()
        if as_items(rights)
    }


def _post_roles(user: Ref, field_name: str, live: State, by_ref: Mapping[Ref, Change]) -> set[str]:
    change = by_ref.get(user)
    if change is not None and change.removes:
        return set()
    if change is not None and change.desired is not None and field_name in change.desired:
        return as_items(change.desired[field_name])
    return as_items(live_values(live, user).get(field_name))


def _merge(access_by_role: Mapping[str, RoleAccess], roles: Iterable[str]) -> Access:
    access: Access = {}
    for role in roles:
        for key, rights in access_by_role.get(role, {}).items():
            access.setdefault(key, set()).update(rights)
    return access


def _access_diff(user: Ref, before: Access, after: Access) -> list[AccessChange]:
    return [
        AccessChange(
            user,
            module,
            permission,
            tuple(sorted(before.get((module, permission), ()))),
            tuple(sorted(after.get((module, permission), ()))),
        )
        for module, permission in sorted({*before, *after})
        if before.get((module, permission), set()) != after.get((module, permission), set())
    ]
