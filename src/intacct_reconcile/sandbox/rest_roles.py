"""REST ``company-config/role`` (with its owned permission assignments and users) and the
read-only ``company-config/permission`` catalogue.

A role is ROLES + its ROLEPOLICYASSIGNMENT rows (APPLICATIONNAME, POLICYNAME and pipe-delimited
UI rights, as the XML gateway shows them) + its USERROLES links. Assignments are owned objects:
"You create, update, and delete role permission assignment objects through the
rolePermissionAssignments array in the owning role" (R-company-config.role-permission-
assignment). Per the owned-objects guide, an update adds items without a key, modifies items
with a key and deletes items marked ``"ia::operation": "delete"``; items not mentioned stay
(so replacing a role's permissions means deleting the ones to drop, by key). Adding a
permission the role already holds is a conflict. A whole request is one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects.errors import SandboxError
from intacct_reconcile.sandbox.rest_catalog import Catalog, Permission, load_catalog
from intacct_reconcile.sandbox.rest_errors import (
    Detail,
    bad_request,
    conflict,
    not_found,
    unprocessable,
)
from intacct_reconcile.sandbox.rest_objects import (
    Prop,
    Record,
    Resource,
    from_sandbox_error,
)
from intacct_reconcile.sandbox.store import Store

ASSIGNMENT_HREF = "/objects/company-config/role-permission-assignment/{}"
ROLE_TYPES = ("enterprise", "eConsole", "multiEntityDistributed", "multiEntityShared")
APPLY_TO = ("loginAndSlideIn", "loginOnly", "slideInOnly")
OWNED = ("rolePermissionAssignments", "roleUsers")


def _problem(message: str, target: str) -> Detail:
    return Detail(message, target, message_id="IA.INVALID_PERMISSION_ASSIGNMENT")


class RoleResource(Resource):
    """company-config/role; see the module docstring for the owned-array semantics."""

    def to_json(self, store: Store, record: Record, cache: dict[Any, Any] | None = None) -> Record:
        out = super().to_json(store, record, cache)
        name = record["NAME"]
        owned = (cache or {}).get("owned")
        if owned is None:
            rows = objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": name})
            links = objects.find(store, "USERROLES", {"ROLENAME": name})
        else:
            rows, links = owned[0].get(name, []), owned[1].get(name, [])
        out["rolePermissionAssignments"] = _assignments(rows)
        # assumption: roleUsers items are user references {key, id, href}
        out["roleUsers"] = [_user_ref(store, link["USERID"]) for link in links]
        out["href"] = out.pop("href")  # keep href last, as the other objects do
        return out

    def all_json(self, store: Store) -> list[Record]:
        # one read of every assignment and user link instead of two queries per role
        rows: dict[str, list[Record]] = {}
        for row in store.all("ROLEPOLICYASSIGNMENT"):
            rows.setdefault(row["ROLENAME"], []).append(row)
        links: dict[str, list[Record]] = {}
        for link in store.all("USERROLES"):
            links.setdefault(link["ROLENAME"], []).append(link)
        cache: dict[Any, Any] = {"owned": (rows, links)}
        return [self.to_json(store, r, cache) for r in self.records(store)]

    def fields(self) -> frozenset[str]:
        return super().fields() | frozenset(OWNED)

    # -- writes -----------------------------------------------------------------------------

    def _split(self, payload: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        plain = {k: v for k, v in payload.items() if k not in OWNED}
        owned: dict[str, list[Any]] = {}
        for name in OWNED:
            if name in payload:
                value = payload[name]
                if not isinstance(value, list):
                    raise bad_request(
                        "Payload contains errors", [Detail(f"{name} must be an array", f"/{name}")]
                    )
                owned[name] = value
        return plain, owned

    def create(self, store: Store, payload: Mapping[str, Any], *, entity: str = "") -> Record:
        # roles are company-wide here: the request's entity is not recorded
        plain, owned = self._split(payload)
        with store.transaction():
            ref = super().create(store, plain)
            self._write_owned(store, str(ref["id"]), owned)
        return ref

    def update(self, store: Store, key: str, payload: Mapping[str, Any]) -> Record:
        plain, owned = self._split(payload)
        with store.transaction():
            ref = super().update(store, key, plain) if plain else self.ref(self.find(store, key))
            self._write_owned(store, str(ref["id"]), owned)
        return ref

    def _write_owned(self, store: Store, role: str, owned: dict[str, list[Any]]) -> None:
        if "rolePermissionAssignments" in owned:
            _write_assignments(store, load_catalog(), role, owned["rolePermissionAssignments"])
        if "roleUsers" in owned:
            _write_users(store, role, owned["roleUsers"])


def _assignments(rows: list[Record]) -> list[Record]:
    catalog = load_catalog()
    items = []
    for row in rows:
        perm = catalog.by_ui(row["APPLICATIONNAME"], row["POLICYNAME"])
        if perm is None:
            # assumption: assignments of applications outside the REST module enum
            # (Platform Services) are not shown by REST
            continue
        # assumption: UI rights with no REST token (Remove, Assign Users...) are not shown
        tokens = [
            catalog.ui_to_rest[label]
            for label in str(row.get("RIGHTS", "")).split("|")
            if label in catalog.ui_to_rest
        ]
        items.append(
            {
                "key": str(row["RECORDNO"]),
                "id": str(row["RECORDNO"]),
                "permission": {
                    "key": perm.key,
                    "id": perm.id,
                    "name": perm.name,
                    "module": perm.module,
                    "href": f"/objects/company-config/permission/{perm.key}",
                },
                "accessRights": tokens,
                "href": ASSIGNMENT_HREF.format(row["RECORDNO"]),
            }
        )
    return items


def _user_ref(store: Store, login: str) -> Record:
    user = store.get_by_key("USERINFO", login)
    key = user["RECORDNO"] if user else None
    out: Record = {"key": key, "id": login}
    if key is not None:
        out["href"] = f"/objects/company-config/user/{key}"
    return out


def _resolve_permission(catalog: Catalog, raw: Any, target: str) -> Permission:
    if not isinstance(raw, Mapping):
        raise unprocessable(
            "Invalid permission assignment",
            [_problem("permission must be an object with key, id or module + name", target)],
        )
    perm = None
    if raw.get("key") not in (None, ""):
        perm = catalog.by_key(str(raw["key"]))
    elif raw.get("id") not in (None, ""):
        perm = catalog.by_id(str(raw["id"]))
    elif raw.get("module") or raw.get("name"):
        module, name = str(raw.get("module", "")), str(raw.get("name", ""))
        if module not in catalog.modules:
            raise unprocessable(
                "Invalid permission assignment",
                [
                    _problem(
                        f"{module!r} is not a permission module; use one of: "
                        + ", ".join(sorted(catalog.modules)),
                        f"{target}/module",
                    )
                ],
            )
        perm = catalog.find(module, name)
    if perm is None:
        raise unprocessable(
            "Invalid permission assignment",
            [_problem(f"permission {dict(raw)!r} does not exist in the catalogue", target)],
        )
    return perm


def _ui_rights(catalog: Catalog, perm: Permission, raw: Any, target: str) -> str:
    if not isinstance(raw, list) or not raw:
        raise unprocessable(
            "Invalid permission assignment",
            [_problem("accessRights must be a non-empty array of access rights", target)],
        )
    labels: list[str] = []
    for i, token in enumerate(raw):
        label = catalog.rest_to_ui.get(str(token))
        allowed = token in perm.allowed or (label is not None and not perm.rights_complete)
        # assumption: for permissions whose catalogue rights are marked incomplete, any known
        # access right is accepted (the yaml says not to reject other rights outright)
        if label is None or not allowed:
            raise unprocessable(
                "Invalid permission assignment",
                [
                    _problem(
                        f"{token!r} is not allowed for {perm.module}.{perm.name}; allowed: "
                        + ", ".join(perm.allowed),
                        f"{target}/{i}",
                    )
                ],
            )
        if label not in labels:
            labels.append(label)
    return "|".join(labels)


def _write_assignments(store: Store, catalog: Catalog, role: str, items: list[Any]) -> None:
    existing = {
        str(r["RECORDNO"]): r
        for r in objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": role})
    }
    by_policy = {
        (r["APPLICATIONNAME"].casefold(), r["POLICYNAME"].casefold()): k
        for k, r in existing.items()
    }
    seen: set[str] = set()
    for i, item in enumerate(items):
        target = f"/rolePermissionAssignments/{i}"
        if not isinstance(item, Mapping):
            raise bad_request("Payload contains errors", [Detail("must be an object", target)])
        key = str(item.get("key") or "")
        if item.get("ia::operation") == "delete":
            if key not in existing:
                raise not_found("Role permission assignment", key or "(missing key)")
            objects.delete(store, "ROLEPOLICYASSIGNMENT", key, via="rest")
            continue
        if key and key not in existing:
            raise not_found("Role permission assignment", key)
        if key:
            row = existing[key]
            perm = catalog.by_ui(row["APPLICATIONNAME"], row["POLICYNAME"])
            if "permission" in item:
                perm = _resolve_permission(catalog, item["permission"], f"{target}/permission")
        else:
            perm = _resolve_permission(catalog, item.get("permission"), f"{target}/permission")
            held = by_policy.get((perm.ui_module.casefold(), perm.ui_name.casefold()))
            if held:
                # An item without a key is a create (owned-objects guide); a role holds one
                # assignment per permission. assumption: the real error code/status
                error = conflict(
                    f"{perm.module}.{perm.name} is already assigned to role {role}; "
                    f"modify assignment {held} by its key or delete it with ia::operation"
                )
                error.details = [_problem(error.message, target)]
                raise error
        if perm is None:
            raise unprocessable(
                "Invalid permission assignment",
                [_problem("this assignment's permission is not in the REST catalogue", target)],
            )
        if perm.key in seen:
            raise unprocessable(
                "Invalid permission assignment",
                [_problem(f"{perm.module}.{perm.name} is assigned twice", target)],
            )
        seen.add(perm.key)
        # assumption: a permission of an application the company does not subscribe to is
        # accepted (the reference documents no refusal; the UI lists only subscribed
        # applications). The plan notes such grants (kinds/roles.py).
        rights = _ui_rights(catalog, perm, item.get("accessRights"), f"{target}/accessRights")
        fields = {
            "ROLENAME": role,
            "APPLICATIONNAME": perm.ui_module,
            "POLICYNAME": perm.ui_name,
            "RIGHTS": rights,
        }
        try:
            if key:
                objects.update(
                    store, "ROLEPOLICYASSIGNMENT", {**fields, "RECORDNO": key}, via="rest"
                )
            else:
                objects.create(store, "ROLEPOLICYASSIGNMENT", fields, via="rest")
        except SandboxError as exc:
            raise from_sandbox_error(exc) from None


def _write_users(store: Store, role: str, items: list[Any]) -> None:
    # assumption: roleUsers is writable like an owned array (reference §8: UNCONFIRMED)
    for i, item in enumerate(items):
        target = f"/roleUsers/{i}"
        login = ""
        if isinstance(item, str):
            login = item
        elif isinstance(item, Mapping):
            if item.get("id"):
                login = str(item["id"])
            elif str(item.get("key") or "").isdigit():
                user = store.get("USERINFO", int(item["key"]))
                login = user["LOGINID"] if user else ""
        if not login or store.get_by_key("USERINFO", login) is None:
            raise unprocessable("Invalid role user", [Detail(f"no such user: {item!r}", target)])
        link = store.get_by_key("USERROLES", f"{login}|{role}")
        try:
            if isinstance(item, Mapping) and item.get("ia::operation") == "delete":
                if link is not None:
                    objects.delete(store, "USERROLES", link["RECORDNO"], via="rest")
            elif link is None:
                objects.create(store, "USERROLES", {"USERID": login, "ROLENAME": role}, via="rest")
        except SandboxError as exc:
            raise from_sandbox_error(exc) from None


ROLE = RoleResource(
    path="company-config/role",
    xml="ROLES",
    label="Role",
    id_xml="NAME",
    props=(
        Prop("description", "DESCRIPTION"),
        Prop("roleType", "ROLETYPE", "enum", {v: v for v in ROLE_TYPES}),
        Prop("applyTo", "APPLYTO", "enum", {v: v for v in APPLY_TO}),
    ),
)


class PermissionResource:
    """The read-only permission catalogue (company-config/permission)."""

    path = "company-config/permission"
    label = "Permission"
    verbs = frozenset({"list", "get"})

    def all_json(self, store: Store) -> list[Record]:
        return [p.data() for p in load_catalog().permissions]

    def refs(self, store: Store) -> list[Record]:
        return [self.ref(p.data()) for p in load_catalog().permissions]

    def read(self, store: Store, key: str) -> Record:
        perm = load_catalog().by_key(key)
        if perm is None:
            raise not_found(self.label, key)
        return perm.data()

    def ref(self, record: Record) -> Record:
        return {"key": record["key"], "id": record["id"], "href": record["href"]}

    def fields(self) -> frozenset[str]:
        return frozenset(
            {"key", "id", "name", "module", "permissionGroup", "allowedAccessRights", "href"}
        )


PERMISSION = PermissionResource()
