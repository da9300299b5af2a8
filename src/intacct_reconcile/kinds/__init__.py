"""The resource kinds, listed explicitly (order = declaration order in docs and schema)."""

from __future__ import annotations

import graphlib
import importlib
from collections.abc import Iterator, Mapping

from intacct_reconcile.kinds.base import Field, Kind

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


class Registry(Mapping[str, Kind]):
    """The kinds by key, each kind's module imported when the kind is first asked for.

    Keys, membership and length need no import; a kind, its values or items do. A run that
    touches a few kinds (an apply of GL accounts) loads those, not all of them and what they
    bring (the permission catalogue, the SoD pack)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._keys = keys
        self._known = frozenset(keys)
        self._kinds: dict[str, Kind] = {}

    def __getitem__(self, key: str) -> Kind:
        kind = self._kinds.get(key)
        if kind is None:
            if key not in self._known:
                raise KeyError(key)
            # the import system holds each module's own lock: threads asking at once get
            # the one module, hence the one KIND
            kind = self._kinds[key] = importlib.import_module(f"{__name__}.{key}").KIND
        return kind

    def __contains__(self, key: object) -> bool:
        return key in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Registry({', '.join(self._keys)})"


REGISTRY = Registry(KEYS)


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


__all__ = ["KEYS", "REGISTRY", "Field", "Kind", "Registry", "apply_order", "get"]
