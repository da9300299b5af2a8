"""A role's live permission assignments, read over REST or XML, split into what the tool manages.

A live role can hold permissions the catalogue cannot name (REST names outside it, Platform
Services policies, policies the REST API has no name for) and rights no API can grant (UI-only
labels such as Remove or Assign Users). Those cannot be declared in a manifest, so they are
never diffed: they are kept aside as `outside` (shown as a plan note, listed in exports) and
left untouched on update. Everything else becomes the normalised permission set

    {module_id: {permission_id: tuple(sorted right ids)}}

identical whichever API read it. `owned_patch` turns desired vs the role's current REST items
into the owned-array PATCH Intacct documents: items without `key` are added, items with `key`
are modified, `{"key", "ia::operation": "delete"}` removes, unmentioned items stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from intacct_reconcile.catalog import Catalog, Permission, load

PermSet = dict[str, dict[str, tuple[str, ...]]]


@dataclass
class Held:
    """One permission the role holds and the catalogue manages."""

    module: str
    permission: str
    rights: set[str] = field(default_factory=set)  # manageable right ids
    kept: list[str] = field(default_factory=list)  # REST tokens of rights outside the catalogue
    key: str | None = None  # the assignment's REST key (REST reads only)


@dataclass
class LiveAssignments:
    """A role's live permission assignments: those the catalogue manages, by (module,
    permission), and those outside it, as lines for notes and exports."""

    held: dict[tuple[str, str], Held] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)  # "Module / Permission: rights" lines

    def managed(self) -> PermSet:
        out: dict[str, dict[str, tuple[str, ...]]] = {}
        for (module, perm), held in sorted(self.held.items()):
            if held.rights:
                out.setdefault(module, {})[perm] = tuple(sorted(held.rights))
        return out


def manageable_right(cat: Catalog, perm: Permission, right: str) -> bool:
    """Could a manifest declare this right on this permission (validation would accept it)?"""
    if right not in cat.rights or not cat.rest_token(right):
        return False
    return right in perm.rights or not perm.rights_complete


def _hold(out: LiveAssignments, perm: Permission, key: str | None) -> Held:
    held = out.held.setdefault((perm.module, perm.id), Held(perm.module, perm.id))
    held.key = held.key or key
    return held


def from_rest(
    items: Iterable[Mapping[str, Any]] | None, cat: Catalog | None = None
) -> LiveAssignments:
    """REST rolePermissionAssignments items -> managed set + what lies outside the catalogue."""
    cat = cat or load()
    out = LiveAssignments()
    for item in items or ():
        permission = item.get("permission") or {}
        module, name = str(permission.get("module") or ""), str(permission.get("name") or "")
        tokens = [str(t) for t in item.get("accessRights") or ()]
        found = cat.by_rest.get((module, name))
        if found is None:
            if tokens:
                out.outside.append(f"{module}.{name}: {', '.join(tokens)}")
            continue
        perm = cat.modules[found[0]].permissions[found[1]]
        key = item.get("key")
        held = _hold(out, perm, None if key is None else str(key))
        strange = []
        for token in tokens:
            right = cat.right_by_token.get(token, token)
            if manageable_right(cat, perm, right):
                held.rights.add(right)
            else:
                held.kept.append(token)
                strange.append(token)
        if strange:
            out.outside.append(f"{module}.{name}: {', '.join(strange)}")
    return out


def from_ui(rows: Iterable[Mapping[str, Any]], cat: Catalog | None = None) -> LiveAssignments:
    """XML ROLEPOLICYASSIGNMENT rows (application, policy, pipe-delimited UI rights) -> the
    same managed set a REST read gives; names compare case-insensitively (Title Case in XML,
    sentence case in the catalogue)."""
    cat = cat or load()
    by_ui, labels = _ui_lookups(cat)
    out = LiveAssignments()
    for row in rows:
        app, policy = str(row.get("APPLICATIONNAME") or ""), str(row.get("POLICYNAME") or "")
        rights = [r.strip() for r in str(row.get("RIGHTS") or "").split("|") if r.strip()]
        perm = by_ui.get((app.casefold(), policy.casefold()))
        if perm is None or not cat.grantable(perm):
            if rights:
                out.outside.append(f"{app} / {policy}: {', '.join(rights)}")
            continue
        held = _hold(out, perm, None)
        strange = []
        for label in rights:
            right = labels.get(label.casefold())
            if right is not None and manageable_right(cat, perm, right):
                held.rights.add(right)
            else:
                strange.append(label)
        if strange:
            out.outside.append(f"{app} / {policy}: {', '.join(strange)}")
    return out


# catalogue -> (the catalogue, its UI lookups): a company's roles are read with one
# catalogue, and building the lookups for each role was most of reading them
_UiLookups = tuple[dict[tuple[str, str], Permission], dict[str, str]]
_UI_LOOKUPS: dict[int, tuple[Catalog, _UiLookups]] = {}


def _ui_lookups(cat: Catalog) -> _UiLookups:
    """(application, policy) and right labels as the UI spells them (case-folded)."""
    known = _UI_LOOKUPS.get(id(cat))
    if known is None or known[0] is not cat:
        labels = {r.ui.casefold(): r.id for r in cat.rights.values()}
        known = _UI_LOOKUPS[id(cat)] = (cat, (_ui_index(cat), labels))
    return known[1]


def _ui_index(cat: Catalog) -> dict[tuple[str, str], Permission]:
    index: dict[tuple[str, str], Permission] = {}
    for module in cat.modules.values():
        for app in {module.name, module.xml_application_name or module.name}:
            for perm in module.permissions.values():
                for name in {perm.name, perm.xml_policy_name or perm.name}:
                    index.setdefault((app.casefold(), name.casefold()), perm)
    return index


def rest_item(cat: Catalog, perm: Permission, rights: Iterable[str]) -> dict[str, Any]:
    tokens = [cat.rest_token(r) or r for r in sorted(rights)]
    return {
        "permission": {"name": perm.rest_name, "module": perm.rest_module},
        "accessRights": tokens,
    }


def owned_patch(
    current: Iterable[Mapping[str, Any]] | None, desired: Mapping[str, Mapping[str, Iterable[str]]]
) -> list[dict[str, Any]]:
    """rolePermissionAssignments items that turn the role's `current` REST items (with keys)
    into `desired` (a normalised set), touching nothing outside the catalogue.

    Changed permissions are modified by key (keeping rights outside the catalogue), new ones
    added without key, dropped ones deleted by key; unchanged ones are not mentioned.
    """
    cat = load()
    live = from_rest(current, cat)
    items: list[dict[str, Any]] = []
    wanted = {(m, p): set(r) for m, perms in desired.items() for p, r in perms.items() if r}
    for ident in sorted(set(wanted) | set(live.held)):
        perm = cat.modules[ident[0]].permissions[ident[1]]
        held = live.held.get(ident)
        rights = wanted.get(ident, set())
        if held is None or held.key is None:
            items.append(rest_item(cat, perm, rights))
            continue
        if rights == held.rights:
            continue
        if not rights and not held.kept:
            items.append({"key": held.key, "ia::operation": "delete"})
            continue
        item = rest_item(cat, perm, rights)
        item["accessRights"] += [t for t in held.kept if t not in item["accessRights"]]
        items.append({"key": held.key, "accessRights": item["accessRights"]})
    return items
