"""Reading roles: in bulk from the XML gateway, normalised exactly like a REST read."""

from __future__ import annotations

import json
from pathlib import Path

from intacct_reconcile.catalog import assignments
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.live import read_live
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.objects import bulk_insert
from intacct_reconcile.sandbox.options import SandboxOptions
from roles.conftest import clients_for

ROLES = REGISTRY["roles"]
PATH = "company-config/role"


def seed_roles(app: object, count: int) -> None:
    bulk_insert(
        app.store,  # type: ignore[attr-defined]
        "ROLES",
        ({"NAME": f"Role {i}", "DESCRIPTION": f"role {i}" if i % 2 else ""} for i in range(count)),
    )
    rows = []
    for i in range(count):
        rows.append(
            {
                "ROLENAME": f"Role {i}",
                "APPLICATIONNAME": "Accounts Payable",
                "POLICYNAME": "Vendors",
                "RIGHTS": "List|View|Add" if i % 3 else "List",
            }
        )
        if i % 4 == 0:  # a policy outside the catalogue's REST names
            rows.append(
                {
                    "ROLENAME": f"Role {i}",
                    "APPLICATIONNAME": "Accounts Receivable",
                    "POLICYNAME": "Customer refunds",
                    "RIGHTS": "List",
                }
            )
        if i % 5 == 0:
            rows.append(
                {
                    "ROLENAME": f"Role {i}",
                    "APPLICATIONNAME": "Time & Expenses",
                    "POLICYNAME": "My Expenses",
                    "RIGHTS": "List|View|Add|Edit",
                }
            )
    bulk_insert(app.store, "ROLEPOLICYASSIGNMENT", rows)  # type: ignore[attr-defined]


def test_xml_read_role_equals_rest_read_role() -> None:
    app = make_app(":memory:")
    seed_roles(app, 12)
    clients = clients_for(app)
    live = read_live(clients, ["roles"])
    refs = clients.rest.query(PATH, ["key", "id"])
    assert len(refs) == 13 == len(live.of("roles"))  # the starter Administrator and 12 more
    for ref in refs:
        record = clients.rest.get(PATH, str(ref["key"]))
        from_xml = live.get("roles", ROLES.key_from_api(record))
        assert from_xml is not None
        assert dict(from_xml.values) == ROLES.from_api(record), ref["id"]
        assert from_xml.meta["key"] == str(ref["key"])  # the REST key the applier writes to
    admin = live.get("roles", "Administrator")
    assert admin is not None and admin.values["permissions"]  # not trivially equal
    assert admin.meta["outside_permissions"]  # and something was really left out


def test_reading_many_roles_costs_no_request_per_role(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    app = make_app(":memory:", SandboxOptions(log_path=str(log)))
    seed_roles(app, 300)
    live = read_live(clients_for(app), ["roles", "gl_accounts"])
    assert len(live.of("roles")) == 301
    assert live.get("roles", "Role 7").values["permissions"] == {  # type: ignore[union-attr]
        "accounts_payable": {"vendors": ("add", "list", "view")}
    }
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert not [e for e in entries if e["api"] == "rest"]
    reads = [e for e in entries if "query" in e["functions"]]
    # ROLES, ROLEPOLICYASSIGNMENT and GLACCOUNT: first pages only, in the company's two
    # concurrent requests; no page 2 at this size
    assert len(reads) == 2
    assert sum(len(e["functions"]) for e in reads) == 3
    assert {o for e in reads for o in e["objects"]} == {
        "ROLES",
        "ROLEPOLICYASSIGNMENT",
        "GLACCOUNT",
    }


def test_ui_labels_match_the_catalogue_case_insensitively() -> None:
    live = assignments.from_ui(
        [
            {"APPLICATIONNAME": "ACCOUNTS PAYABLE", "POLICYNAME": "vendors", "RIGHTS": "list|VIEW"},
            {
                "APPLICATIONNAME": "Platform Services",
                "POLICYNAME": "Custom reports",
                "RIGHTS": "List",
            },
            {
                "APPLICATIONNAME": "Administration",
                "POLICYNAME": "Application Subscriptions",
                "RIGHTS": "List|Remove",
            },
        ]
    )
    assert live.managed() == {
        "accounts_payable": {"vendors": ("list", "view")},
        "administration": {"application_subscriptions": ("list",)},
    }
    assert sorted(live.outside) == [
        "Administration / Application Subscriptions: Remove",
        "Platform Services / Custom reports: List",
    ]


def test_owned_patch_adds_modifies_deletes_and_leaves_the_rest() -> None:
    current = [
        {
            "key": "1",
            "permission": {"module": "accountsPayable", "name": "vendors"},
            "accessRights": ["list", "readonly"],
        },
        {
            "key": "2",
            "permission": {"module": "accountsPayable", "name": "bills"},
            "accessRights": ["list"],
        },
        {
            "key": "3",
            "permission": {"module": "generalLedger", "name": "accounts"},
            "accessRights": ["list", "readonly"],
        },
        {
            "key": "4",
            "permission": {"module": "accountsReceivable", "name": "customerRefunds"},
            "accessRights": ["list"],
        },
    ]
    desired = {
        "accounts_payable": {"vendors": ("add", "list", "view")},
        "general_ledger": {"accounts": ("list", "view")},
        "cash_management": {"checking_accounts": ("list",)},
    }
    patch = assignments.owned_patch(current, desired)
    assert {"key": "1", "accessRights": ["add", "list", "readonly"]} in patch
    assert {"key": "2", "ia::operation": "delete"} in patch
    assert {
        "permission": {"name": "checkingAccounts", "module": "cashManagement"},
        "accessRights": ["list"],
    } in patch
    assert len(patch) == 3  # accounts unchanged, customerRefunds outside: not mentioned


def test_owned_patch_keeps_rights_outside_the_catalogue() -> None:
    # "run" is no right of vendors (its rights are complete): kept, never removed
    current = [
        {
            "key": "9",
            "permission": {"module": "accountsPayable", "name": "vendors"},
            "accessRights": ["list", "run"],
        },
    ]
    assert assignments.owned_patch(current, {}) == [{"key": "9", "accessRights": ["run"]}]
    assert assignments.owned_patch(current, {"accounts_payable": {"vendors": ("list",)}}) == []
