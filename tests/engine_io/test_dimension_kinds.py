"""Dimensions, payment terms and UDD values: plan -> apply -> plan, drift, delete, export.

Through the CLI against the embedded sandbox, whose starter company already has classes,
customers, an item, a project, AP/AR terms and the user-defined dimension LINE_OF_BUSINESS.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store

from .conftest import FIXTURES, STATE_DIR, Invoke, actions, plan_json

KINDS = (
    "classes",
    "projects",
    "ap_terms",
    "ar_terms",
    "customers",
    "items",
    "user_defined_dimensions",
)

MANIFEST = """\
version: 1
classes:
  RETAIL: {name: Retail stores}              # starter class, renamed
  RETAIL-WEB: {name: Web shop, parent: RETAIL, description: Online orders}
projects:
  P-2000:
    name: ERP rollout
    category: Internal Non-billable
    parent: P-1000                           # a starter project
    project_status: In Progress
ap_terms:
  Net 45: {description: Due in 45 days, due_days: 45}
ar_terms:
  2/10 Net 30:
    description: 2% off within 10 days
    due_days: 30
    discount_days: 10
    discount_from: document_date
    discount_amount: "2"
    discount_unit: percent
customers:
  C300: {name: Northwind Traders, email: ap@northwind.example, terms: 2/10 Net 30}
items:
  SKU-100: {name: Widget, item_type: non_inventory}
user_defined_dimensions:
  LINE_OF_BUSINESS/LOB-HW: {name: Hardware}
  LINE_OF_BUSINESS/LOB-SVC: {name: Professional services}   # starter value, renamed
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "intacct"
    target.mkdir()
    shutil.copy(FIXTURES / "basic" / "intacct-reconcile.yaml", target)
    (target / "dimensions.yaml").write_text(MANIFEST)
    return target


@contextmanager
def open_store(folder: Path) -> Iterator[Store]:
    """The embedded sandbox's records, closed again after the block."""
    store = Store.open(str(folder / STATE_DIR / "sandbox.db"))
    try:
        yield store
    finally:
        store.close()


def apply_ok(cli: Invoke, folder: Path) -> None:
    applied = cli("apply", folder, "--auto-approve", "--quiet", "--by", "t")
    assert applied.exit_code == 0, applied.stdout + applied.stderr


def assert_in_sync(cli: Invoke, folder: Path) -> None:
    again = cli("plan", folder, "--detailed-exitcode", "--quiet")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_plan_apply_plan_converges(cli: Invoke, folder: Path) -> None:
    first = plan_json(cli, folder)
    assert actions(first) == {
        "classes/RETAIL": "update",
        "classes/RETAIL-WEB": "create",
        "projects/P-2000": "create",
        "ap_terms/Net 45": "create",
        "ar_terms/2/10 Net 30": "create",
        "customers/C300": "create",
        "items/SKU-100": "create",
        "user_defined_dimensions/LINE_OF_BUSINESS/LOB-HW": "create",
        "user_defined_dimensions/LINE_OF_BUSINESS/LOB-SVC": "update",
    }
    apply_ok(cli, folder)

    with open_store(folder) as store:
        assert objects.get_by_key(store, "CLASS", "RETAIL")["NAME"] == "Retail stores"
        web = objects.get_by_key(store, "CLASS", "RETAIL-WEB")
        assert (web["PARENTID"], web["DESCRIPTION"]) == ("RETAIL", "Online orders")
        project = objects.get_by_key(store, "PROJECT", "P-2000")
        assert project["PROJECTCATEGORY"] == "Internal Non-billable"
        assert project["PARENTID"] == "P-1000"
        assert objects.get_by_key(store, "APTERM", "Net 45")["DUE"] == {
            "DAYS": "45",
            "FROM": "from bill date",
        }
        term = objects.get_by_key(store, "ARTERM", "2/10 Net 30")
        assert term["DISCOUNT"] == {
            "DAYS": "10",
            "FROM": "from invoice date",
            "AMOUNT": "2",
            "UNIT": "Percentage",
        }
        customer = objects.get_by_key(store, "CUSTOMER", "C300")
        assert customer["TERMNAME"] == "2/10 Net 30"  # the term was created first
        assert customer["DISPLAYCONTACT"]["EMAIL1"] == "ap@northwind.example"
        assert objects.get_by_key(store, "ITEM", "SKU-100")["ITEMTYPE"] == "Non-Inventory"
        values = {r["id"]: r["name"] for r in objects.find(store, "LINE_OF_BUSINESS", {})}
        assert values == {
            "LOB-SW": "Software",  # undeclared: additive ownership leaves it alone
            "LOB-SVC": "Professional services",
            "LOB-HW": "Hardware",
        }

    assert_in_sync(cli, folder)


def test_drift_in_a_dimension_value_is_planned_back(cli: Invoke, folder: Path) -> None:
    apply_ok(cli, folder)
    with open_store(folder) as store:
        value = objects.get_by_key(store, "LINE_OF_BUSINESS", "LOB-HW")
        objects.update(store, "LINE_OF_BUSINESS", {"RECORDNO": value["RECORDNO"], "name": "HW"})
        term = objects.get_by_key(store, "APTERM", "Net 45")
        objects.update(
            store, "APTERM", {"RECORDNO": term["RECORDNO"], "DUE": {"DAYS": "60"}}, via="seed"
        )
    drifted = plan_json(cli, folder)
    changes = {f"{c['kind']}/{c['key']}": c for c in drifted["changes"] if c["pending"]}
    assert set(changes) == {"user_defined_dimensions/LINE_OF_BUSINESS/LOB-HW", "ap_terms/Net 45"}
    fields = {f["name"]: (f["before"], f["after"]) for f in changes["ap_terms/Net 45"]["fields"]}
    assert fields["due_days"] == (60, 45)
    apply_ok(cli, folder)
    assert_in_sync(cli, folder)


def test_absent_values_and_terms_are_deleted(cli: Invoke, folder: Path) -> None:
    apply_ok(cli, folder)
    (folder / "gone.yaml").write_text(
        "version: 1\n"
        "user_defined_dimensions:\n  LINE_OF_BUSINESS/LOB-SW: {ensure: absent}\n"
        "items:\n  SRV-CONSULT: {ensure: absent}\n"
    )
    plan = plan_json(cli, folder)
    assert actions(plan) == {
        "user_defined_dimensions/LINE_OF_BUSINESS/LOB-SW": "delete",
        "items/SRV-CONSULT": "delete",
    }
    apply_ok(cli, folder)
    with open_store(folder) as store:
        assert objects.get_by_key(store, "LINE_OF_BUSINESS", "LOB-SW") is None
        assert objects.get_by_key(store, "ITEM", "SRV-CONSULT") is None
    assert_in_sync(cli, folder)


def test_a_value_of_a_dimension_the_company_lacks_fails_that_change(
    cli: Invoke, folder: Path
) -> None:
    (folder / "dimensions.yaml").write_text(
        "version: 1\nuser_defined_dimensions:\n  REGION/EMEA: {name: Europe}\n"
    )
    applied = cli("apply", folder, "--auto-approve", "--by", "t")
    assert applied.exit_code == 4, applied.stdout + applied.stderr
    assert "REGION" in applied.stdout + applied.stderr


def test_export_reads_back_what_a_first_plan_finds_in_sync(
    cli: Invoke, folder: Path, tmp_path: Path
) -> None:
    apply_ok(cli, folder)
    out = tmp_path / "exported"
    config = folder / "intacct-reconcile.yaml"
    args = [a for k in KINDS for a in ("--kind", k)]
    exported = cli("export", *args, "--out", out, "--config", config, "--quiet")
    assert exported.exit_code == 0, exported.stderr
    udd = yaml.safe_load((out / "user_defined_dimensions.yaml").read_text())
    assert udd["user_defined_dimensions"]["LINE_OF_BUSINESS/LOB-HW"] == {"name": "Hardware"}
    terms = yaml.safe_load((out / "ar_terms.yaml").read_text())["ar_terms"]
    assert terms["2/10 Net 30"]["discount_unit"] == "percent"
    assert terms["Net 30"]["due_days"] == 30  # the starter company's own term
    valid = cli("validate", out, "--config", config)
    assert valid.exit_code == 0, valid.stdout + valid.stderr
    again = cli("plan", out, "--config", config, "--detailed-exitcode", "--quiet")
    assert again.exit_code == 0, again.stdout + again.stderr
