"""The resource kinds, listed explicitly (order = declaration order in docs and schema)."""

from __future__ import annotations

import graphlib

from intacct_reconcile.kinds import (
    ap_terms,
    ar_terms,
    checking_accounts,
    classes,
    contacts,
    credit_card_accounts,
    custom_packages,
    customers,
    departments,
    document_sequences,
    employees,
    entities,
    expense_types,
    gl_accounts,
    ip_allowlist,
    items,
    journals,
    locations,
    module_subscriptions,
    projects,
    roles,
    sender_ids,
    tax_details,
    tax_solutions,
    te_settings,
    user_defined_dimensions,
    user_permissions,
    vendors,
    web_services_users,
)
from intacct_reconcile.kinds.base import Field, Kind

REGISTRY: dict[str, Kind] = {
    module.KIND.key: module.KIND
    for module in (
        sender_ids,
        ip_allowlist,
        module_subscriptions,
        te_settings,
        roles,
        user_permissions,
        web_services_users,
        document_sequences,
        entities,
        gl_accounts,
        credit_card_accounts,
        checking_accounts,
        expense_types,
        contacts,
        employees,
        journals,
        locations,
        departments,
        vendors,
        classes,
        projects,
        ap_terms,
        ar_terms,
        customers,
        items,
        custom_packages,
        user_defined_dimensions,
        tax_solutions,
        tax_details,
    )
}


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


__all__ = ["REGISTRY", "Field", "Kind", "apply_order", "get"]
