"""The resource kinds, listed explicitly (order = declaration order in docs and schema)."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping

from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.lazymap import ModuleMap

# every kind, by key (its module's name), in declaration order
KEYS = (
    "sender_ids",
    "ip_allowlist",
    "module_subscriptions",
    "te_settings",
    "roles",
    "user_permissions",
    "web_services_users",
    "document_sequences",
    "entities",
    "gl_accounts",
    "credit_card_accounts",
    "checking_accounts",
    "expense_types",
    "contacts",
    "employees",
    "journals",
    "locations",
    "departments",
    "vendors",
    "classes",
    "projects",
    "ap_terms",
    "ar_terms",
    "customers",
    "items",
    "custom_packages",
    "user_defined_dimensions",
    "tax_solutions",
    "tax_details",
)


# Each kind's module is imported when the kind is first asked for: a run that touches a few
# kinds (an apply of GL accounts) loads those, not every kind and what they bring (the
# permission catalogue, the SoD pack).
REGISTRY: Mapping[str, Kind] = ModuleMap(__name__, KEYS, "KIND")


def get(key: str) -> Kind:
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown kind {key!r}") from None


def apply_order(keys: list[str] | tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Kinds in dependency order (creates/updates); reverse it for deletes."""
    wanted = set(REGISTRY if keys is None else keys)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for key in REGISTRY:
        sorter.add(key, *(d for d in REGISTRY[key].depends_on if d != key))
    return tuple(k for k in sorter.static_order() if k in wanted)


__all__ = ["KEYS", "REGISTRY", "Field", "Kind", "apply_order", "get"]
