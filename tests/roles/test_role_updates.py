"""Updating an existing role through the CLI against the sandbox.

Intacct's role permission assignments are owned objects: a PATCH adds items without a key,
modifies items with a key, deletes `{key, "ia::operation": "delete"}` items and leaves the
rest. These tests change a declared role in every way a manifest can, apply, and look at the
sandbox company's stored ROLEPOLICYASSIGNMENT rows (not at our own output).
"""

from __future__ import annotations

import json
from pathlib import Path

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store
from roles.conftest import Invoke, stored_rights, write_roles

FIRST = """\
  Tester:
    description: Integration role
    permissions:
      accounts_payable:
        vendors: [list, view]
        bills: [list, view]
      cash_management: read_only
      general_ledger:
        accounts: [list, view]
"""
# add a right (vendors: add), add a permission (posted_payments), remove a permission (bills),
# remove a whole module (cash_management), keep one untouched (general_ledger.accounts)
SECOND = """\
  Tester:
    description: Integration role
    permissions:
      accounts_payable:
        vendors: [list, view, add]
        posted_payments: [list, view]
      general_ledger:
        accounts: [list, view]
"""


def apply(cli: Invoke, folder: Path) -> None:
    result = cli("apply", folder, "--auto-approve", "--quiet")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout


def stored_recordnos(folder: Path, role: str) -> dict[tuple[str, str], str]:
    store = Store.open(str(folder / ".intacct-reconcile" / "sandbox.db"))
    try:
        rows = objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": role})
        return {(r["APPLICATIONNAME"], r["POLICYNAME"]): str(r["RECORDNO"]) for r in rows}
    finally:
        store.close()


def plan_changes(cli: Invoke, folder: Path) -> list[dict]:
    result = cli("plan", folder, "--format", "json", "--quiet", "--detailed-exitcode")
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)["changes"]


def test_role_update_adds_modifies_and_removes_assignments(cli: Invoke, project: Path) -> None:
    write_roles(project, FIRST)
    apply(cli, project)
    before = stored_rights(project, "Tester")
    assert before[("Accounts Payable", "Bills")] == "List|View"
    assert any(app == "Cash Management" for app, _ in before)
    recordno = stored_recordnos(project, "Tester")

    write_roles(project, SECOND)
    assert [c["action"] for c in plan_changes(cli, project)] == ["update"]
    apply(cli, project)

    after = stored_rights(project, "Tester")
    assert after == {
        ("Accounts Payable", "Vendors"): "List|View|Add",
        ("Accounts Payable", "Posted payments"): "List|View",
        ("General Ledger", "Accounts"): "List|View",
    }
    now = stored_recordnos(project, "Tester")
    # modified in place by key, not deleted and re-added
    assert now[("Accounts Payable", "Vendors")] == recordno[("Accounts Payable", "Vendors")]
    assert now[("General Ledger", "Accounts")] == recordno[("General Ledger", "Accounts")]
    assert plan_changes(cli, project) == []


def test_emptying_a_role_removes_every_assignment(cli: Invoke, project: Path) -> None:
    write_roles(project, FIRST)
    apply(cli, project)
    write_roles(project, "  Tester:\n    description: Integration role\n    permissions: {}\n")
    apply(cli, project)
    assert stored_rights(project, "Tester") == {}
    assert plan_changes(cli, project) == []


def test_permissions_outside_the_catalogue_are_noted_and_left_alone(
    cli: Invoke, project: Path
) -> None:
    write_roles(project, FIRST)
    apply(cli, project)
    # granted in the UI: a policy the catalogue has no REST name for
    store = Store.open(str(project / ".intacct-reconcile" / "sandbox.db"))
    try:
        objects.create(
            store,
            "ROLEPOLICYASSIGNMENT",
            {
                "ROLENAME": "Tester",
                "APPLICATIONNAME": "Accounts Receivable",
                "POLICYNAME": "Customer refunds",
                "RIGHTS": "List|View",
            },
            via="rest",
        )
    finally:
        store.close()

    plan = cli("plan", project, "--quiet")
    assert plan.exit_code == 0, plan.stderr
    assert "No changes" in plan.stdout
    assert "roles/Tester: 1 permission outside the catalogue" in plan.stdout
    assert "customer" not in plan.stdout.split("Notes")[0].lower()  # never a diff line

    write_roles(project, SECOND)
    apply(cli, project)
    after = stored_rights(project, "Tester")
    assert after[("Accounts Receivable", "Customer refunds")] == "List|View"
    assert after[("Accounts Payable", "Vendors")] == "List|View|Add"
    assert ("Accounts Payable", "Bills") not in after
    assert plan_changes(cli, project) == []


def test_description_only_change_leaves_assignments_as_they_are(cli: Invoke, project: Path) -> None:
    write_roles(project, FIRST)
    apply(cli, project)
    before = stored_recordnos(project, "Tester")
    write_roles(project, FIRST.replace("Integration role", "Renamed purpose"))
    changes = plan_changes(cli, project)
    assert [f["name"] for f in changes[0]["fields"]] == ["description"]
    apply(cli, project)
    assert stored_recordnos(project, "Tester") == before
    assert plan_changes(cli, project) == []
