"""The permission catalogue: modules, permissions and rights a role can be granted.

Data in `permissions.yaml` (a copy of reference/permissions.yaml; its header explains every
field and the evidence). Manifests use the snake_case ids; the REST API uses module keys,
permission names and access-right tokens, converted here in both directions.

Normalised permission set (identical for desired and live state):
    {module_id: {permission_id: tuple(sorted right ids)}}   with no empty entries.

Only what the REST API can grant is ever part of a normalised set: a permission, right or
module without a REST token cannot be written through the API, so it is left out of `all` /
`read_only` and declaring it explicitly is a validation error (it is UI-only).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATALOG_FILE = Path(__file__).with_name("permissions.yaml")
SHORTCUTS = ("all", "read_only", "none")
# inferred (permissions.yaml header): the Read-only radio selects List + View, and Run on
# report permissions; whether Enable-type rights are included is unknown, so they are not
READ_ONLY_RIGHTS = frozenset({"list", "view"})
READ_ONLY_REPORT_RIGHTS = frozenset({"run"})


@dataclass(frozen=True)
class Right:
    """One access right (List, View, Add...): its manifest id, UI label and REST token."""

    id: str
    ui: str
    rest: str | None  # access-right token; None = no REST token known (UI-only)


@dataclass(frozen=True)
class Permission:
    """One permission of a module: its manifest id and its REST and XML/UI names, the rights it
    offers (`rights_complete`: the list is known to be whole) and its section."""

    id: str
    name: str
    module: str
    rest_name: str | None
    rest_module: str | None
    rights: tuple[str, ...]
    section: str  # "activities" or "reports"
    rights_complete: bool
    aliases: tuple[str, ...] = ()
    xml_policy_name: str | None = None  # the XML/UI policy label where it differs from name


@dataclass(frozen=True)
class Module:
    """One application module (Accounts Payable...): its manifest id, its UI, REST and XML
    names, and its permissions by id."""

    id: str
    name: str
    rest_module: str | None
    permissions: Mapping[str, Permission]
    aliases: tuple[str, ...] = ()
    xml_application_name: str | None = None  # getUserPermissions / ROLEPOLICYASSIGNMENT label


@dataclass(frozen=True)
class Catalog:
    """The whole permission catalogue (permissions.yaml): rights and modules by id, with
    look-ups from REST access-right tokens and REST permission names."""

    rights: Mapping[str, Right]
    modules: Mapping[str, Module]
    # REST token -> right id (both "readonly" and "view" read back as view, etc.)
    right_by_token: Mapping[str, str]
    # (REST module key, REST permission name) -> (module id, permission id)
    by_rest: Mapping[tuple[str, str], tuple[str, str]]

    def grantable(self, perm: Permission) -> bool:
        return bool(perm.rest_name and perm.rest_module)

    def rest_token(self, right: str) -> str | None:
        r = self.rights.get(right)
        return r.rest if r else None


def _permission(module: Mapping[str, Any], raw: Mapping[str, Any]) -> Permission:
    # Time & Expenses has no REST module key: since 2025 R2 its permissions live in the REST
    # modules "expenses" and "time", named per permission by app_since_2025r2
    rest_module = module.get("rest_module") or raw.get("app_since_2025r2")
    return Permission(
        id=raw["id"],
        name=raw["name"],
        module=module["id"],
        rest_name=raw.get("rest_name"),
        rest_module=rest_module,
        rights=tuple(raw["rights"]),
        section="reports" if raw.get("section") == "reports" else "activities",
        rights_complete=raw.get("rights_complete", True) is not False,
        aliases=tuple(raw.get("aliases", ())),
        xml_policy_name=raw.get("xml_policy_name"),
    )


@functools.cache
def load(path: Path = CATALOG_FILE) -> Catalog:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    rights = {r["id"]: Right(r["id"], r["ui"], r.get("rest")) for r in data["rights"]}
    by_token = {r.rest: r.id for r in rights.values() if r.rest}
    # the REST enum also has "view" and "edit" (use unclear): read them back as View / Edit
    by_token.setdefault("view", "view")
    by_token.setdefault("edit", "edit")
    modules: dict[str, Module] = {}
    by_rest: dict[tuple[str, str], tuple[str, str]] = {}
    for raw_module in data["modules"]:
        perms = {p["id"]: _permission(raw_module, p) for p in raw_module["permissions"]}
        modules[raw_module["id"]] = Module(
            raw_module["id"],
            raw_module["name"],
            raw_module.get("rest_module"),
            perms,
            tuple(raw_module.get("aliases", ())),
            raw_module.get("xml_application_name"),
        )
        for perm in perms.values():
            if perm.rest_name and perm.rest_module:
                by_rest.setdefault((perm.rest_module, perm.rest_name), (perm.module, perm.id))
    return Catalog(rights, modules, by_token, by_rest)


# ---------------------------------------------------------------- expansion


def _granted(cat: Catalog, perm: Permission, rights: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(r for r in set(rights) if cat.rest_token(r)))


def expand_permission(perm: Permission, spec: Any, cat: Catalog | None = None) -> tuple[str, ...]:
    """`all`, `read_only`, `none` or a list of right ids -> sorted grantable right ids."""
    cat = cat or load()
    if not cat.grantable(perm):
        return ()
    if spec == "all":
        return _granted(cat, perm, perm.rights)
    if spec == "read_only":
        wanted = READ_ONLY_REPORT_RIGHTS if perm.section == "reports" else READ_ONLY_RIGHTS
        return _granted(cat, perm, (r for r in perm.rights if r in wanted))
    if spec == "none" or spec is None:
        return ()
    items = [spec] if isinstance(spec, str) else list(spec)
    return tuple(sorted({str(r) for r in items}))


def expand(module_id: str, spec: Any, cat: Catalog | None = None) -> dict[str, tuple[str, ...]]:
    """One module's manifest value -> {permission_id: rights}; empty entries dropped."""
    cat = cat or load()
    module = cat.modules[module_id]
    out: dict[str, tuple[str, ...]] = {}
    if isinstance(spec, Mapping):
        for perm_id, perm_spec in spec.items():
            rights = expand_permission(module.permissions[perm_id], perm_spec, cat)
            if rights:
                out[perm_id] = rights
        return out
    for perm in module.permissions.values():
        rights = expand_permission(perm, spec, cat)
        if rights:
            out[perm.id] = rights
    return out


def normalize_permissions(value: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    """A role's validated `permissions:` mapping -> the normalised permission set."""
    cat = load()
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for module_id in sorted(value):
        perms = expand(module_id, value[module_id], cat)
        if perms:
            out[module_id] = dict(sorted(perms.items()))
    return out


# ---------------------------------------------------------------- REST conversion


def to_rest_assignments(perms: Mapping[str, Mapping[str, Iterable[str]]]) -> list[dict[str, Any]]:
    """Normalised set -> REST rolePermissionAssignments items."""
    cat = load()
    items = []
    for module_id in sorted(perms):
        for perm_id in sorted(perms[module_id]):
            perm = cat.modules[module_id].permissions[perm_id]
            tokens = [cat.rest_token(r) or r for r in sorted(perms[module_id][perm_id])]
            items.append(
                {
                    "permission": {"name": perm.rest_name, "module": perm.rest_module},
                    "accessRights": tokens,
                }
            )
    return items


def from_rest_assignments(items: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    """REST rolePermissionAssignments items -> normalised set.

    Only what a manifest can declare: permissions and rights the catalogue cannot name are
    left out here (never diffed); `assignments.from_rest` lists them for notes and exports.
    """
    from intacct_reconcile.catalog import assignments

    return assignments.from_rest(items).managed()


# ---------------------------------------------------------------- validation


@dataclass(frozen=True)
class PermissionProblem:
    """One problem in a role's `permissions:` value: where inside it, what is wrong and how to
    fix it."""

    path: tuple[str | int, ...]  # inside the `permissions:` value
    message: str
    hint: str
    at_key: bool = False  # locate at the mapping key rather than its value


def _suggest(word: str, choices: Iterable[str], names: Mapping[str, str] | None = None) -> str:
    choices = list(choices)
    if names:
        lowered = word.strip().lower()
        for ident, name in names.items():
            if name.lower() == lowered:
                return ident
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else ""


def _ui_only(what: str, where: str) -> str:
    return (
        f"{what} has no REST token, so the API cannot grant it: it is UI-only — grant it in "
        f"Company > Roles > (role) > Subscriptions > {where} > Permissions, and remove it here"
    )


def check_permissions(value: Any) -> list[PermissionProblem]:
    """Every problem in a role's `permissions:` value, against the catalogue."""
    cat = load()
    problems: list[PermissionProblem] = []
    if not isinstance(value, Mapping):
        return [
            PermissionProblem(
                (),
                "permissions must be a mapping of module to access",
                "write e.g. `company: read_only`",
            )
        ]
    for module_id, spec in value.items():
        module = cat.modules.get(module_id)
        if module is None:
            names = {m.id: m.name for m in cat.modules.values()}
            names.update({m.id: a for m in cat.modules.values() for a in m.aliases})
            guess = _suggest(str(module_id), cat.modules, names)
            hint = f"did you mean '{guess}'?" if guess else "modules: " + ", ".join(cat.modules)
            problems.append(
                PermissionProblem((module_id,), f"unknown module '{module_id}'", hint, at_key=True)
            )
            continue
        grantable = any(cat.grantable(p) for p in module.permissions.values())
        if not module.rest_module and not grantable:
            problems.append(
                PermissionProblem(
                    (module_id,),
                    f"module '{module_id}' ({module.name}) cannot be granted through the API",
                    _ui_only(f"module {module.name}", module.name),
                    at_key=True,
                )
            )
            continue
        problems.extend(_check_module(cat, module, spec))
    return problems


def _check_module(cat: Catalog, module: Module, spec: Any) -> list[PermissionProblem]:
    if isinstance(spec, str) and spec in SHORTCUTS:
        return []
    if not isinstance(spec, Mapping):
        return [
            PermissionProblem(
                (module.id,),
                f"access for module '{module.id}' must be all, read_only, none or a "
                "mapping of permission to rights",
                "write e.g. `vendors: [list, view]` under the module",
            )
        ]
    problems: list[PermissionProblem] = []
    for perm_id, perm_spec in spec.items():
        perm = module.permissions.get(perm_id)
        path: tuple[str | int, ...] = (module.id, perm_id)
        if perm is None:
            problems.append(
                PermissionProblem(
                    path,
                    f"unknown permission '{perm_id}' in module '{module.id}'",
                    _perm_hint(cat, module, perm_id),
                    at_key=True,
                )
            )
            continue
        if not cat.grantable(perm):
            problems.append(
                PermissionProblem(
                    path,
                    f"permission '{module.id}.{perm_id}' cannot be granted through the API",
                    _ui_only(f"permission {perm.name}", module.name),
                    at_key=True,
                )
            )
            continue
        problems.extend(_check_rights(cat, module, perm, perm_spec, path))
    return problems


def _perm_hint(cat: Catalog, module: Module, perm_id: str) -> str:
    names = {p.id: p.name for p in module.permissions.values()}
    guess = _suggest(str(perm_id), module.permissions, names)
    if guess:
        return f"did you mean '{guess}'?"
    elsewhere = [m.id for m in cat.modules.values() if perm_id in m.permissions]
    if elsewhere:
        return f"'{perm_id}' is a permission of module {', '.join(elsewhere)}"
    return "permissions of this module: " + ", ".join(module.permissions)


def _check_rights(
    cat: Catalog, module: Module, perm: Permission, spec: Any, path: tuple[str | int, ...]
) -> list[PermissionProblem]:
    if isinstance(spec, str) and spec in SHORTCUTS:
        return []
    if not isinstance(spec, list) or not all(isinstance(r, str) for r in spec):
        return [
            PermissionProblem(
                path,
                f"rights of '{module.id}.{perm.id}' must be a list of "
                "rights, or all / read_only / none",
                f"allowed rights: {', '.join(perm.rights)}",
            )
        ]
    problems = []
    for index, right in enumerate(spec):
        where = (*path, index)
        if right in spec[:index]:
            problems.append(
                PermissionProblem(where, f"right '{right}' is listed twice", "remove the repeat")
            )
        elif right not in cat.rights:
            guess = _suggest(right, perm.rights) or _suggest(right, cat.rights)
            hint = f"did you mean '{guess}'?" if guess else f"allowed: {', '.join(perm.rights)}"
            problems.append(PermissionProblem(where, f"unknown right '{right}'", hint))
        elif right not in perm.rights and perm.rights_complete:
            problems.append(
                PermissionProblem(
                    where,
                    f"right '{right}' is not available on '{module.id}.{perm.id}'",
                    f"allowed rights: {', '.join(perm.rights)}",
                )
            )
        elif not cat.rest_token(right):
            problems.append(
                PermissionProblem(
                    where,
                    f"right '{right}' cannot be granted through the API",
                    _ui_only(f"right {cat.rights[right].ui}", module.name),
                )
            )
    return problems
