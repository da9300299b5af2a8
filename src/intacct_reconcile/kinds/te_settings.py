"""Time & Expenses configuration: UI-only writes, verified with `get_companyprefs EE`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind
from intacct_reconcile.kinds.io import Records
from intacct_reconcile.kinds.manual_io import ManualReader
from intacct_reconcile.types import Resource

SINGLETON_KEY = "te_settings"


@dataclass(frozen=True)
class PreferencesReader(ManualReader):
    """`get_companyprefs` of the kind's application (one call): the singleton's values."""

    readable = True

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        prefs = clients.xml.get_companyprefs(kind.object or "EE")
        values = kind.from_api(prefs)
        return {SINGLETON_KEY: Resource(kind.key, SINGLETON_KEY, values, meta={})}


def sandbox_ui(kind: Kind, key: str, values: Mapping[str, Any]) -> list[list[str]]:
    prefs = kind.to_api({k: v for k, v in values.items() if v is not None}, create=True)
    return [["set-te-pref", name, str(value)] for name, value in prefs.items()]


KIND = Kind(
    key="te_settings",
    top_level="Time & Expenses preferences are a company setting",
    title="Time & Expenses settings",
    api="manual",
    object="EE",  # get_companyprefs application
    identity=Field("name", description="Singleton: always 'te_settings'."),
    shape="singleton",
    # assumption: EE preference names below; the reference documents get_companyprefs EE but not
    # which preferences it returns. The sandbox answers with these names.
    fields=(
        Field("expense_types_enabled", "ENABLE_EXPENSE_TYPES", type="boolean"),
        Field(
            "expense_report_sequence",
            "EXPENSE_REPORT_SEQUENCE",
            ref="document_sequences",
            description="Auto-numbering sequence for expense reports (e.g. EXP).",
        ),
        Field(
            "employee_sequence",
            "EMPLOYEE_SEQUENCE",
            ref="document_sequences",
            description="Auto-numbering sequence for employees (e.g. EMP).",
        ),
        Field(
            "duplicate_numbers",
            "DUPLICATE_NUMBERS",
            type="enum",
            # assumption: UI choices besides "Do not allow creation" (named in the Expensify guide)
            enum={"do_not_allow": "Do not allow creation", "allow": "Allow creation"},
        ),
        Field("expense_report_approval", "ENABLE_EXPENSE_APPROVAL", type="boolean"),
    ),
    depends_on=("document_sequences", "module_subscriptions"),
    delete="none",
    verify="api",
    reader=PreferencesReader(),
    hooks=Hooks(sandbox_ui=sandbox_ui),
    ui_steps=(
        "Time & Expenses > Setup > Configuration (Company > Subscriptions > Time & Expenses > "
        "Configure)",
        "Expense types: {expense_types_enabled}",
        "Auto-numbering sequences: Expense Report = {expense_report_sequence}; "
        "Employee = {employee_sequence}; Duplicate Numbers = {duplicate_numbers}",
        "Expense report approval settings: Enable expense report approval = "
        "{expense_report_approval}",
        "Click Save",
    ),
    description="T&E preferences have no write API (set_companyprefs is undocumented); "
    "get_companyprefs application=EE reads them back (reference §3.4).",
)
