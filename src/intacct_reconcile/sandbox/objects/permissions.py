"""The permission catalogue (sandbox/data/permissions.yaml, a verbatim copy of the reference).

modules()            -> tuple[Module, ...]   applications with their policies and rights
right_labels()       -> dict[lower id or label, UI label]  ("edit" / "Edit" -> "Edit")
module_by_name(name) -> Module | None        matches id, UI name or XML application name
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import yaml


class Policy(NamedTuple):
    name: str  # UI label as getUserPermissions shows it (xml_policy_name when known)
    id: str
    rights: tuple[str, ...]  # UI labels, catalogue order


class Module(NamedTuple):
    id: str
    name: str
    application_name: str  # getUserPermissions <applicationName>
    rest_module: str | None
    policies: tuple[Policy, ...]


@cache
def catalogue() -> dict[str, Any]:
    text = resources.files("intacct_reconcile.sandbox").joinpath("data/permissions.yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
    return yaml.load(text.read_text(encoding="utf-8"), Loader=loader)


@cache
def right_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for right in catalogue()["rights"]:
        labels[right["id"].lower()] = right["ui"]
        labels[right["ui"].lower()] = right["ui"]
    return labels


@cache
def modules() -> tuple[Module, ...]:
    found = []
    for raw in catalogue()["modules"]:
        labels = right_labels()
        policies = tuple(
            Policy(
                p.get("xml_policy_name") or p["name"],
                p["id"],
                tuple(labels[r] for r in p["rights"]),
            )
            for p in raw["permissions"]
        )
        app = raw.get("xml_application_name") or raw["name"]
        found.append(Module(raw["id"], raw["name"], app, raw.get("rest_module"), policies))
    return tuple(found)


def module_by_name(name: str) -> Module | None:
    wanted = name.strip().lower()
    for module in modules():
        if wanted in (module.id, module.name.lower(), module.application_name.lower()):
            return module
    return None


def right_order() -> dict[str, int]:
    """UI right label -> position in the catalogue's rights table (for stable output)."""
    order: dict[str, int] = {}
    for right in catalogue()["rights"]:
        order.setdefault(right["ui"], len(order))
    return order
