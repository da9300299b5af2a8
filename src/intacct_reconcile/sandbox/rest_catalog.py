"""The permission catalogue as REST sees it (``company-config/permission``).

Built from ``sandbox/data/permissions.yaml`` (a copy of the shared reference) through the
loader the XML side uses, ``objects.permissions.catalogue``.
REST names modules and permissions in camelCase (``accountsPayable`` / ``vendors``) and access
rights as tokens (``list``, ``readonly``, ``add``, ``modify``...); the UI and the XML gateway
use labels (``Accounts Payable`` / ``Vendors`` / ``List|View|Add|Edit``). The yaml's
``rights:`` table maps one to the other; both directions are offered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from intacct_reconcile.sandbox.objects.permissions import catalogue


@dataclass(frozen=True)
class Permission:
    """One permission of the catalogue as REST names it, with the UI labels of the same policy."""

    key: str  # system key, stable for one catalogue
    id: str  # "module.name"
    name: str  # REST permission name, e.g. "vendors"
    module: str  # REST module key, e.g. "accountsPayable"
    permission_group: str  # activitiesAndLists | reports
    allowed: tuple[str, ...]  # REST access-right tokens
    rights_complete: bool  # False: the catalogue lists only the rights seen in sources
    ui_module: str  # application label, e.g. "Accounts Payable"
    ui_name: str  # policy label, e.g. "Vendors"

    def data(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "id": self.id,
            "name": self.name,
            "module": self.module,
            "permissionGroup": self.permission_group,
            "allowedAccessRights": list(self.allowed),
            "href": f"/objects/company-config/permission/{self.key}",
        }


@dataclass(frozen=True)
class Catalog:
    """The permission catalogue as REST serves it, with look-ups by key, REST name, id and UI
    labels, and the access-right token <-> UI label maps."""

    permissions: tuple[Permission, ...]
    rest_to_ui: dict[str, str]  # "readonly" -> "View"
    ui_to_rest: dict[str, str]  # "View" -> "readonly"

    # indexes, built on first use (reading a role looks up every one of its assignments)
    @cached_property
    def _by_key(self) -> dict[str, Permission]:
        return {p.key: p for p in self.permissions}

    @cached_property
    def _by_rest(self) -> dict[tuple[str, str], Permission]:
        return {(p.module, p.name): p for p in self.permissions}

    @cached_property
    def _by_id(self) -> dict[str, Permission]:
        return {p.id: p for p in self.permissions}

    @cached_property
    def _by_ui(self) -> dict[tuple[str, str], Permission]:
        index: dict[tuple[str, str], Permission] = {}
        for p in self.permissions:
            index.setdefault((p.ui_module.casefold(), p.ui_name.casefold()), p)
        return index

    def by_key(self, key: str) -> Permission | None:
        return self._by_key.get(key)

    def find(self, module: str, name: str) -> Permission | None:
        return self._by_rest.get((module, name))

    def by_id(self, ident: str) -> Permission | None:
        return self._by_id.get(ident)

    def by_ui(self, ui_module: str, ui_name: str) -> Permission | None:
        """Match XML/UI labels case-insensitively (the yaml notes Title vs sentence case)."""
        return self._by_ui.get((ui_module.casefold(), ui_name.casefold()))

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(p.module for p in self.permissions)

    @property
    def all_rights(self) -> frozenset[str]:
        return frozenset(self.rest_to_ui)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _module_key(module: dict[str, Any], perm: dict[str, Any]) -> str | None:
    if module.get("rest_module"):
        return str(module["rest_module"])
    since = perm.get("app_since_2025r2")
    if since and module.get("rest_modules_since_2025r2"):
        # Time & Expenses was split into the Expenses and Time applications (2025 R2)
        return str(since)
    return None  # e.g. Platform Services: not in the REST module enum


def build(doc: dict[str, Any]) -> Catalog:
    rights_table = doc["rights"]
    right_rest = {r["id"]: r.get("rest") for r in rights_table}
    rest_to_ui = {r["rest"]: r["ui"] for r in rights_table if r.get("rest")}
    ui_to_rest = {ui: rest for rest, ui in rest_to_ui.items()}
    permissions: list[Permission] = []
    seen: set[tuple[str, str]] = set()
    for module in doc["modules"]:
        for perm in module.get("permissions", []):
            module_key = _module_key(module, perm)
            if module_key is None:
                continue
            name = perm.get("rest_name") or _camel(perm["id"])  # assumption: camelCase of id
            if (module_key, name) in seen:
                continue
            seen.add((module_key, name))
            allowed = tuple(t for r in perm.get("rights", []) if (t := right_rest.get(r)))
            ui_module = module.get("xml_application_name") or module["name"]
            permissions.append(
                Permission(
                    key=str(len(permissions) + 1),
                    id=f"{module_key}.{name}",  # assumption: REST permission id format
                    name=name,
                    module=module_key,
                    permission_group="reports"
                    if perm.get("section") == "reports"
                    else "activitiesAndLists",
                    allowed=allowed,
                    rights_complete=bool(perm.get("rights_complete", True)),
                    ui_module=ui_module,
                    # the label the XML side stores as POLICYNAME (objects.permissions.Policy)
                    ui_name=perm.get("xml_policy_name") or perm["name"],
                )
            )
    return Catalog(tuple(permissions), rest_to_ui, ui_to_rest)


@cache
def load_catalog() -> Catalog:
    return build(catalogue())  # the same yaml the XML side reads, loaded once
