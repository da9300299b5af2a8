"""Tax details and solutions, user-based permissions, created entities, and the module
subscriptions permission sets depend on: through the CLI against the embedded sandbox.

The starter company does not subscribe to Taxes (its tax solution appears once it does), grants
nobody user-based rights, and has no entity but the ones it was seeded with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store

from .conftest import FIXTURES, STATE_DIR, Invoke, actions, plan_json

TAXES = """\
version: 1
module_subscriptions:
  taxes: {}
tax_solutions:
  UK VAT: {}
tax_details:
  UK Standard Purchase:
    tax_type: purchase
    rate: "20"
    tax_solution: UK VAT
    description: Standard rate, purchases
"""

USER_BASED = """\
version: 1
web_services_users:
  xmlgateway_expensify:
    first_name: Expensify
    last_name: Expensify
    email: ap@demo.example
    user_type: business
    admin: "off"
    status: active
user_permissions:
  xmlgateway_expensify:
    permissions:
      company: read_only
      general_ledger:
        accounts: [list, view]
        journal_entries: [list, view, add]
"""

ENTITIES = """\
version: 1
entities:
  E-UK: {name: UK operations, federal_id: GB123456789, currency: GBP, first_fiscal_month: 4}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "intacct"
    target.mkdir()
    shutil.copy(FIXTURES / "basic" / "intacct-reconcile.yaml", target)
    return target


def database(folder: Path) -> str:
    return str(folder / STATE_DIR / "sandbox.db")


def open_store(folder: Path) -> Store:
    return Store.open(database(folder))


def ui(cli: Invoke, folder: Path, *args: str) -> None:
    done = cli("sandbox", "ui", *args, "--db", database(folder))
    assert done.exit_code == 0, done.stdout + done.stderr


def apply(cli: Invoke, folder: Path) -> str:
    applied = cli("apply", folder, "--auto-approve", "--by", "tester")
    assert applied.exit_code in (0, 6), applied.stdout + applied.stderr  # 6: manual steps wait
    return applied.stdout + applied.stderr


def converged(cli: Invoke, folder: Path) -> None:
    again = cli("plan", folder, "--detailed-exitcode", "--quiet")
    assert again.exit_code == 0, again.stdout + again.stderr


# --- taxes ------------------------------------------------------------------------------------


def test_tax_details_wait_for_the_taxes_subscription_then_converge(
    cli: Invoke, folder: Path
) -> None:
    (folder / "taxes.yaml").write_text(TAXES)
    first = plan_json(cli, folder)
    # without Taxes the company has no tax objects: the solution cannot be seen yet
    assert actions(first) == {
        "module_subscriptions/taxes": "manual",
        "tax_solutions/UK VAT": "manual",
        "tax_details/UK Standard Purchase": "create",
    }
    ui(cli, folder, "subscribe", "Taxes")
    second = plan_json(cli, folder)
    assert actions(second) == {"tax_details/UK Standard Purchase": "create"}
    apply(cli, folder)
    store = open_store(folder)
    try:
        detail = objects.get_by_key(store, "TAXDETAIL", "UK Standard Purchase")
        assert detail is not None
        assert (detail["TAXTYPE"], detail["VALUE"], detail["TAXSOLUTIONID"]) == (
            "Purchase",
            "20",
            "UK VAT",
        )
    finally:
        store.close()
    converged(cli, folder)


def test_a_tax_detail_without_the_subscription_is_said_at_plan_time(
    cli: Invoke, folder: Path
) -> None:
    # no module_subscriptions declared: the plan reads the live ones for its note
    (folder / "taxes.yaml").write_text(
        "version: 1\ntax_details:\n  UK Zero: {tax_type: sale, rate: '0'}\n"
    )
    plan = plan_json(cli, folder)
    assert any("does not subscribe to Taxes" in n for n in plan["notes"]), plan["notes"]
    applied = cli("apply", folder, "--auto-approve", "--by", "t")
    assert applied.exit_code == 4, applied.stdout + applied.stderr
    assert "TAXDETAIL" in applied.stdout + applied.stderr


def test_unsubscribing_taxes_while_declaring_tax_details_is_a_validation_error(
    cli: Invoke, folder: Path
) -> None:
    (folder / "taxes.yaml").write_text(
        TAXES.replace("  taxes: {}", "  taxes: {ensure: absent}")
        .replace("tax_solutions:\n  UK VAT: {}\n", "")
        .replace("    tax_solution: UK VAT\n", "")
    )
    checked = cli("validate", folder)
    assert checked.exit_code != 0
    out = checked.stdout + checked.stderr
    assert "taxes.yaml:" in out and "unsubscribes" in out and "taxes: {}" in out


# --- user-based permissions ------------------------------------------------------------------


def test_user_permissions_are_a_ui_step_verified_by_get_user_permissions(
    cli: Invoke, folder: Path
) -> None:
    (folder / "access.yaml").write_text(USER_BASED)
    first = plan_json(cli, folder)
    assert actions(first) == {
        "web_services_users/xmlgateway_expensify": "create",
        "user_permissions/xmlgateway_expensify": "manual",
    }
    # the sandbox company holds roles, nobody user-based rights: the plan says so
    assert any("user_permissions: no user" in n for n in first["notes"]), first["notes"]
    apply(cli, folder)
    # the admin ticks the rights in the UI, as the kind's sandbox_ui says
    kind = REGISTRY["user_permissions"]
    declared = yaml.safe_load(USER_BASED)["user_permissions"]["xmlgateway_expensify"]
    for argv in kind.hooks.sandbox_ui(kind, "xmlgateway_expensify", declared):
        ui(cli, folder, *argv)
    converged(cli, folder)

    # a right taken away in the UI is drift the plan shows as a manual update
    ui(cli, folder, "set-user-rights", "xmlgateway_expensify", "Company/Departments=List|View")
    drifted = plan_json(cli, folder)
    assert actions(drifted) == {"user_permissions/xmlgateway_expensify": "manual"}
    (change,) = [c for c in drifted["changes"] if c["pending"]]
    assert change["manual_steps"][0] == "Update user permission set 'xmlgateway_expensify'"
    assert [f["name"] for f in change["fields"]] == ["permissions"]


def test_user_permissions_export_reads_back_what_plan_finds_in_sync(
    cli: Invoke, folder: Path, tmp_path: Path
) -> None:
    (folder / "access.yaml").write_text(USER_BASED)
    apply(cli, folder)
    ui(cli, folder, "set-user-rights", "xmlgateway_expensify", "General Ledger/Accounts=List|View")
    out = tmp_path / "exported"
    config = folder / "intacct-reconcile.yaml"
    exported = cli("export", "--kind", "user_permissions", "--out", out, "--config", config)
    assert exported.exit_code == 0, exported.stdout + exported.stderr
    data = yaml.safe_load((out / "user_permissions.yaml").read_text())["user_permissions"]
    assert data == {
        "xmlgateway_expensify": {"permissions": {"general_ledger": {"accounts": ["list", "view"]}}}
    }
    again = cli("plan", out, "--config", config, "--detailed-exitcode", "--quiet")
    assert again.exit_code == 0, again.stdout + again.stderr


# --- entities ---------------------------------------------------------------------------------


def test_a_declared_missing_entity_is_created_over_rest_and_never_updated(
    cli: Invoke, folder: Path
) -> None:
    (folder / "entities.yaml").write_text(ENTITIES)
    assert actions(plan_json(cli, folder)) == {"entities/E-UK": "create"}
    apply(cli, folder)
    store = open_store(folder)
    try:
        entity = objects.get_by_key(store, "LOCATIONENTITY", "E-UK")
        assert entity is not None
        assert (entity["NAME"], entity["FEDERALID"], entity["CURRENCY"]) == (
            "UK operations",
            "GB123456789",
            "GBP",
        )
        assert int(entity["FIRSTMONTH"]) == 4
    finally:
        store.close()
    converged(cli, folder)
    # a later difference is a note (create-only fields), never an update or a delete
    (folder / "entities.yaml").write_text(ENTITIES.replace("UK operations", "UK ops"))
    plan = plan_json(cli, folder)
    assert actions(plan) == {}
    assert any("entities/E-UK" in n and "name" in n for n in plan["notes"]), plan["notes"]


def test_an_entity_declared_by_id_alone_is_asserted_and_cannot_be_created(
    cli: Invoke, folder: Path
) -> None:
    (folder / "entities.yaml").write_text("version: 1\nentities:\n  E-FR: {}\n")
    plan = plan_json(cli, folder)
    assert actions(plan) == {"entities/E-FR": "create"}
    assert any("needs name and federal_id" in n for n in plan["notes"]), plan["notes"]
    applied = cli("apply", folder, "--auto-approve", "--by", "t")
    assert applied.exit_code == 4
    assert "cannot be created without name and federal_id" in applied.stdout + applied.stderr


def test_entities_export_round_trips(cli: Invoke, folder: Path, tmp_path: Path) -> None:
    (folder / "entities.yaml").write_text(ENTITIES)
    apply(cli, folder)
    out = tmp_path / "exported"
    config = folder / "intacct-reconcile.yaml"
    exported = cli("export", "--kind", "entities", "--out", out, "--config", config)
    assert exported.exit_code == 0, exported.stdout + exported.stderr
    data = yaml.safe_load((out / "entities.yaml").read_text())["entities"]
    assert data["E-UK"]["federal_id"] == "GB123456789"
    again = cli("plan", out, "--config", config, "--detailed-exitcode", "--quiet")
    assert again.exit_code == 0, again.stdout + again.stderr


# --- the subscription a permission depends on -------------------------------------------------


def test_a_role_granting_in_an_unsubscribed_module_gets_a_note_from_live_state(
    cli: Invoke, folder: Path
) -> None:
    # no module_subscriptions declared; the starter company lacks Purchasing
    (folder / "roles.yaml").write_text(
        "version: 1\nroles:\n  Buyer:\n"
        "    permissions: {purchasing: read_only, company: read_only}\n"
    )
    plan = plan_json(cli, folder)
    notes = [n for n in plan["notes"] if n.startswith("roles/Buyer")]
    assert len(notes) == 1 and "purchasing" in notes[0] and "company," not in notes[0]


def test_a_role_granting_in_a_module_the_manifests_unsubscribe_is_a_validation_error(
    cli: Invoke, folder: Path
) -> None:
    (folder / "roles.yaml").write_text(
        "version: 1\n"
        "module_subscriptions:\n  projects: {ensure: absent}\n"
        "roles:\n  Viewer:\n    permissions: {projects: read_only}\n"
    )
    checked = cli("validate", folder)
    assert checked.exit_code != 0
    out = checked.stdout + checked.stderr
    assert "roles.yaml:" in out and "roles/Viewer" in out and "projects: {}" in out
