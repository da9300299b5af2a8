"""Module subscriptions: UI-only writes, verified through `get_applications`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind, RunAs
from intacct_reconcile.kinds.io import Records, resource
from intacct_reconcile.kinds.manual_io import ManualReader
from intacct_reconcile.types import Change, Resource

# every API call needs the Web Services subscription (reference §3.3: without it, XL03000006)
WEB_SERVICES_MODULE = "web_services"

# Manifest module -> application code returned by <get_applications/> (reference §3.11 shows
# CO and CM). assumption: the remaining codes follow the get_companyprefs application codes
# (GL, CM, AP, AR, EE, PO, SO, INV, PA) where one exists; the others are invented and shared
# with the sandbox through this table.
APPLICATION_CODES = {
    "company": "CO",
    "web_services": "XMLGW",  # assumption
    "general_ledger": "GL",
    "cash_management": "CM",
    "accounts_payable": "AP",
    "accounts_receivable": "AR",
    "time_and_expenses": "EE",
    "projects": "PA",
    "purchasing": "PO",
    "order_entry": "SO",
    "inventory_control": "INV",
    "multi_entity": "ME",
    "customization_services": "CUS",  # assumption
    "platform_services": "PS",  # assumption
    "taxes": "TX",  # assumption
    "consolidation": "CS",  # get_companyprefs: CS = Global Consolidations (D-subs)
}

# UI names (Company > Admin > Subscriptions), used in ui_steps
MODULE_NAMES = {
    "company": "Company",
    "web_services": "Web Services",
    "general_ledger": "General Ledger",
    "cash_management": "Cash Management",
    "accounts_payable": "Accounts Payable",
    "accounts_receivable": "Accounts Receivable",
    "time_and_expenses": "Time & Expenses",
    "projects": "Projects",
    "purchasing": "Purchasing",
    "order_entry": "Order Entry",
    "inventory_control": "Inventory Control",
    "multi_entity": "Multi-Entity",
    "customization_services": "Customization Services",
    "platform_services": "Platform Services",
    "taxes": "Taxes",
    "consolidation": "Consolidation",
}


@dataclass(frozen=True)
class SubscriptionsReader(ManualReader):
    """`get_applications` lists the subscribed modules' codes (one call)."""

    readable = True

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        out: dict[str, Resource] = {}
        for code in clients.xml.get_applications():
            found = resource(kind, {kind.identity.api or "APPLICATION": code}, {})
            if found is not None:
                out[found.key] = found
        return out


def lockout(kind: Kind, change: Change, run_as: RunAs, kinds: Mapping[str, Kind]) -> Iterable[str]:
    if change.ref.key == WEB_SERVICES_MODULE and change.removes:
        yield "would unsubscribe Web Services, which every API call needs"


def sandbox_ui(kind: Kind, key: str, values: Mapping[str, Any]) -> list[list[str]]:
    return [["subscribe", MODULE_NAMES.get(key, key)]]


KIND = Kind(
    key="module_subscriptions",
    top_level="subscriptions belong to the whole company",
    title="module subscription",
    api="manual",
    object=None,
    identity=Field(
        "module",
        "APPLICATION",
        type="enum",
        enum=APPLICATION_CODES,
        description="Module to be subscribed (`ensure: absent` to unsubscribe).",
    ),
    fields=(),
    delete="none",
    verify="api",
    reader=SubscriptionsReader(),
    hooks=Hooks(lockout=lockout, sandbox_ui=sandbox_ui),
    ui_steps=(
        "Company > Admin > Subscriptions",
        "Find '{module_name}' and switch its toggle on (off for ensure: absent)",
        "Confirm the subscription dialog",
    ),
    description="Subscribing is UI-only; `get_applications` lists subscribed module codes, so "
    "the plan verifies the step itself (reference §3.11).",
    extra={"application_codes": APPLICATION_CODES, "module_names": MODULE_NAMES},
)
