"""Valid manifests for every kind load into normalised desired state with locations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.manifest.api import load_desired, summary
from intacct_reconcile.types import Ref, Span

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "manifests" / "valid"
VARS = {"accounting_email": "ap@example.com"}


@pytest.fixture(scope="module")
def manifests():
    return load_desired(VALID, vars=VARS, env={})


def test_every_kind_is_declared_in_the_valid_fixtures(manifests) -> None:
    assert set(manifests.desired.kinds()) == set(REGISTRY)


def test_account_numbers_keep_their_source_text(manifests) -> None:
    accounts = manifests.desired.of("gl_accounts")
    assert "0110" in accounts  # not octal 72
    assert "2110" in accounts  # unquoted key
    card = manifests.desired.get("credit_card_accounts", "SPEND-CC")
    assert card.values["offset_gl_account"] == "2110"  # unquoted value -> the same string


def test_merge_keys_and_defaults_apply(manifests) -> None:
    petty = manifests.desired.get("gl_accounts", "0110").values
    assert petty["normal_balance"] == "credit"  # from <<: *gl_defaults
    assert petty["status"] == "active"  # kind default
    assert manifests.desired.get("gl_accounts", "2110").values["required_dimensions"] == ()


def test_values_are_normalised(manifests) -> None:
    d = manifests.desired
    user = d.get("web_services_users", "xmlgateway_expensify").values
    assert user["email"] == "ap@example.com"
    assert user["roles"] == ("Administrator", "Expensify")
    assert d.get("checking_accounts", "PLEO-WALLET").values["currency"] == "EUR"
    assert "PLEO-REIMB" in d.of("journals")  # journal symbols compare upper-case
    assert set(d.of("ip_allowlist")) == {"34.163.234.156/32", "10.20.0.0/16"}
    assert d.get("employees", "EMP0001").values["start_date"] == "2024-01-15"
    perms = d.get("roles", "Expensify").values["permissions"]
    assert perms["accounts_payable"] == {
        "bills": ("add", "list", "view"),
        "vendors": ("list", "view"),
    }
    assert perms["company"]["departments"] == ("list", "view")


def test_sources_and_field_spans_point_into_the_files(manifests) -> None:
    card = manifests.desired.get("credit_card_accounts", "SPEND-CC")
    assert card.source == Span(str(VALID / "accounts.yaml"), 29, 3)
    assert card.field_spans["vendor"] == Span(str(VALID / "accounts.yaml"), 33, 13)


def test_absent_objects_carry_no_settings(manifests) -> None:
    old = manifests.desired.get("vendors", "OLD")
    assert old.ensure == "absent" and dict(old.values) == {}


def test_undeclared_references_are_deferred(manifests) -> None:
    targets = {d.target for d in manifests.deferred_refs}
    assert targets == {Ref("roles", "Administrator")}
    assert "checked against Intacct at plan time" in summary(manifests)


def test_package_digest_comes_from_the_file(manifests, tmp_path: Path) -> None:
    package = manifests.desired.get("custom_packages", "Expensify").values
    assert package["digest"].startswith("sha256:")
    copy = tmp_path / "valid"
    shutil.copytree(VALID, copy)
    (copy / "packages" / "expensify.xml").write_text("<application name='Expensify' v='2'/>")
    changed = load_desired(copy, vars=VARS, env={})
    assert changed.desired.get("custom_packages", "Expensify").values["digest"] != package["digest"]
    assert changed.digest != manifests.digest


def test_digest_is_stable(manifests) -> None:
    assert load_desired(VALID, vars=VARS, env={}).digest == manifests.digest


def test_summary_names_likely_typos_and_manual_steps(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "version: 1\nroles: {Expensify: {}}\nsender_ids: {expensify: {}}\n"
        "web_services_users:\n  u: {first_name: a, last_name: b, email: c, roles: [Expensfy]}\n"
    )
    text = summary(load_desired(tmp_path, vars={}, env={}))
    assert "roles/Expensfy (did you mean Expensify?)" in text
    assert "1 manual step" in text and "sender_ids/expensify" in text
