"""Module subscriptions: UI-only writes, verified through `get_applications`."""

from intacct_reconcile.kinds.base import Field, Kind

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

KIND = Kind(
    key="module_subscriptions",
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
    ui_steps=(
        "Company > Admin > Subscriptions",
        "Find '{module_name}' and switch its toggle on (off for ensure: absent)",
        "Confirm the subscription dialog",
    ),
    description="Subscribing is UI-only; `get_applications` lists subscribed module codes, so "
    "the plan verifies the step itself (reference §3.11).",
    extra={"application_codes": APPLICATION_CODES, "module_names": MODULE_NAMES},
)
