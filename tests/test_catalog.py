"""The permission catalogue: expansion, REST conversion, validation hints."""

from __future__ import annotations

import yaml

from intacct_reconcile import catalog
from intacct_reconcile.catalog import (
    CATALOG_FILE,
    check_permissions,
    expand,
    from_rest_assignments,
    normalize_permissions,
    to_rest_assignments,
)


def test_catalog_is_the_reference_file_loaded_once() -> None:
    raw = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    cat = catalog.load()
    assert catalog.load() is cat  # cached
    assert len(cat.modules) == len(raw["modules"])
    assert sum(len(m.permissions) for m in cat.modules.values()) == 193


def test_all_grants_every_grantable_right_and_skips_ui_only_ones() -> None:
    admin = expand("administration", "all")
    assert admin["application_subscriptions"] == ("configure", "list", "subscribe", "view")
    assert "remove" not in admin["application_subscriptions"]  # no REST token
    assert "usage_insights" not in admin  # no REST permission name
    assert "grant_admin_rights" not in admin  # only right (grant) has no REST token


def test_read_only_is_list_and_view_plus_run_on_reports() -> None:
    company = expand("company", "read_only")
    assert company["departments"] == ("list", "view")
    assert "company_setup_checklist" not in company  # run, but not a report permission
    gl = expand("general_ledger", "read_only")
    reports = [
        p
        for p in catalog.load().modules["general_ledger"].permissions.values()
        if p.section == "reports" and p.rest_name
    ]
    assert reports and all(gl[p.id] == ("run",) for p in reports)


def test_per_permission_specs_and_empty_modules() -> None:
    perms = normalize_permissions(
        {"accounts_payable": {"vendors": ["view", "list"], "bills": "read_only"}, "company": "none"}
    )
    assert perms == {"accounts_payable": {"bills": ("list", "view"), "vendors": ("list", "view")}}


def test_rest_assignments_round_trip() -> None:
    perms = normalize_permissions(
        {"time_and_expenses": {"expense_types": "all"}, "accounts_payable": "read_only"}
    )
    items = to_rest_assignments(perms)
    expense = next(i for i in items if i["permission"]["name"] == "expenseTypes")
    # Time & Expenses has no REST module key: its permissions live in "expenses" since 2025 R2
    assert expense == {
        "permission": {"name": "expenseTypes", "module": "expenses"},
        "accessRights": ["add", "delete", "modify", "list", "readonly"],
    }
    assert from_rest_assignments(items) == perms


def test_alternative_tokens_read_back_and_unknown_permissions_stay_outside() -> None:
    live = from_rest_assignments(
        [
            {
                "permission": {"name": "vendors", "module": "accountsPayable"},
                "accessRights": ["list", "view", "edit"],
            },
            {
                "permission": {"name": "mysteryReport", "module": "fixedAssets"},
                "accessRights": ["run"],
            },
            {"permission": {"name": "bills", "module": "accountsPayable"}, "accessRights": []},
        ]
    )
    # a permission the catalogue cannot name cannot be declared, so it is never diffed
    assert live == {"accounts_payable": {"vendors": ("edit", "list", "view")}}


def test_problems_carry_paths_and_hints() -> None:
    problems = check_permissions(
        {
            "Time & Expenses": "all",
            "accounts_payable": {"vendors": ["list", "lst"]},
            "general_ledger": {"bills": ["list"]},
        }
    )
    assert [(p.path, p.message, p.hint) for p in problems] == [
        (
            ("Time & Expenses",),
            "unknown module 'Time & Expenses'",
            "did you mean 'time_and_expenses'?",
        ),
        (("accounts_payable", "vendors", 1), "unknown right 'lst'", "did you mean 'list'?"),
        (
            ("general_ledger", "bills"),
            "unknown permission 'bills' in module 'general_ledger'",
            "'bills' is a permission of module accounts_payable",
        ),
    ]


def test_incomplete_permissions_accept_other_grantable_rights() -> None:
    # Users: rights_complete: false (Delete not seen in sources) -> delete is accepted
    assert check_permissions({"administration": {"users": ["list", "delete"]}}) == []
