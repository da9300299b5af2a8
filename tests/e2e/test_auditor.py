"""The auditor's view through the CLI on the sandbox: the access review covers undeclared users,
the default SoD pack flags the Expensify blueprint's over-grant (a current mitigation clears it,
an expired one does not, the gate blocks when the config says so), attestations expire and
record who attested from the CI identity."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from e2e.conftest import Invoke, copy_blueprint
from intacct_reconcile.attestations import CI_IDENTITY
from intacct_reconcile.cli import app
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store

ACCESS_FILE = "access.yaml"
ATTESTATIONS = Path(".intacct-reconcile") / "attestations" / "sandbox.yaml"


def plan_json(cli: Invoke, folder: Path, *extra: str) -> dict[str, Any]:
    result = cli("plan", folder, "--format", "json", "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def add_live_user(folder: Path, login: str, role: str, *, admin: str = "Off") -> None:
    """A person an admin added in the UI, holding `role`: no manifest declares them."""
    store = Store.open(str(folder / ".intacct-reconcile" / "sandbox.db"))
    try:
        objects.create(
            store,
            "USERINFO",
            {
                "LOGINID": login,
                "ADMIN": admin,
                "CONTACTINFO": {"FIRSTNAME": "Pat", "LASTNAME": "Doe", "EMAIL1": "pat@x.example"},
            },
            via="seed",
        )
        objects.create(store, "USERROLES", {"USERID": login, "ROLENAME": role}, via="seed")
    finally:
        store.close()


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_an_undeclared_live_user_holding_a_changed_role_is_in_the_access_review(
    tmp_path: Path, cli: Invoke
):
    folder = copy_blueprint("expensify", tmp_path)
    applied = cli("apply", folder, "--auto-approve", "--by", "e2e", "--quiet")
    assert applied.exit_code == 0, applied.output
    add_live_user(folder, "pat.doe", "Expensify")
    # the role loses General Ledger: Pat (declared nowhere) loses it too
    edit_yaml(
        folder / ACCESS_FILE,
        lambda d: d["roles"]["Expensify"]["permissions"].pop("general_ledger"),
    )

    plan = plan_json(cli, folder)
    by_user: dict[str, list[dict[str, Any]]] = {}
    for item in plan["access_changes"]:
        by_user.setdefault(item["user"], []).append(item)
    assert set(by_user) == {"users/pat.doe", "web_services_users/xmlgateway_expensify"}
    journal = next(a for a in by_user["users/pat.doe"] if a["permission"] == "journal_entries")
    assert journal["module"] == "general_ledger" and journal["after"] == []
    assert "add" in journal["removed"]
    assert plan["access_review"]["users_read"] == 3  # admin, the integration, Pat
    assert plan["access_review"]["unreadable"] == 0

    text = cli("plan", folder, "--quiet").stdout
    assert "users/pat.doe" in text and "general_ledger.journal_entries" in text
    markdown = cli("plan", folder, "--quiet", "--format", "markdown").stdout
    assert "<details><summary><code>users/pat.doe</code>" in markdown


def test_an_admin_privilege_change_is_reviewed_per_user(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify", tmp_path)
    assert cli("apply", folder, "--auto-approve", "--by", "e2e", "--quiet").exit_code == 0
    edit_yaml(
        folder / ACCESS_FILE,
        lambda d: d["web_services_users"]["xmlgateway_expensify"].update(admin="off"),
    )
    plan = plan_json(cli, folder)
    admin = [a for a in plan["access_changes"] if a["module"] == "admin"]
    assert admin == [
        {
            "user": "web_services_users/xmlgateway_expensify",
            "module": "admin",
            "permission": "privileges",
            "before": ["full"],
            "after": [],
            "added": [],
            "removed": ["full"],
        }
    ]
    assert "admin privileges: Full → Off" in cli("plan", folder, "--quiet").stdout


def findings(plan: dict[str, Any], rule: str, user: str) -> dict[str, Any]:
    return next(f for f in plan["sod"]["findings"] if f["rule"] == rule and f["user"] == user)


def mitigate(folder: Path, expires: str) -> None:
    (folder / "sod.yaml").write_text(
        "version: 1\n"
        "sod_mitigations:\n"
        "  - rule: web_services_admin_full\n"
        "    user: xmlgateway_expensify\n"
        "    owner: controller@demo.example\n"
        "    reason: Expensify's setup needs Full admin; admin changes are reviewed monthly\n"
        f"    expires: {expires}\n",
        encoding="utf-8",
    )


def test_the_default_pack_flags_the_expensify_over_grant_until_mitigated(
    tmp_path: Path, cli: Invoke
):
    folder = copy_blueprint("expensify", tmp_path)
    plan = plan_json(cli, folder)
    assert plan["sod"]["pack"] == "default"
    over_grant = findings(plan, "web_services_admin_full", "xmlgateway_expensify")
    assert over_grant["status"] == "new" and over_grant["mitigation"] == ""
    assert over_grant["holds"] == ["full admin privileges: admin full"]
    vendors = findings(plan, "vendor_maintain_and_pay", "xmlgateway_expensify")
    assert vendors["status"] == "new"

    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    mitigate(folder, tomorrow)
    mitigated = findings(plan_json(cli, folder), "web_services_admin_full", "xmlgateway_expensify")
    assert mitigated["mitigation"].startswith("controller@demo.example (user xmlgateway_expensify)")
    assert f"until {tomorrow}" in mitigated["mitigation"]

    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    mitigate(folder, yesterday)
    plan = plan_json(cli, folder)
    lapsed = findings(plan, "web_services_admin_full", "xmlgateway_expensify")
    assert lapsed["mitigation"] == "" and f"until {yesterday}" in lapsed["expired"]
    text = cli("plan", folder, "--quiet").stdout
    assert "mitigation EXPIRED" in text


def test_the_least_privilege_variant_holds_no_new_conflict(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify-least-privilege", tmp_path)
    plan = plan_json(cli, folder)
    new = [f for f in plan["sod"]["findings"] if f["status"] == "new"]
    assert new == []


def test_new_violations_block_apply_when_the_config_says_so(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify", tmp_path)
    config = folder / "intacct-reconcile.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "sod: {block_new_violations: true}\n",
        encoding="utf-8",
    )
    # the plan shows the verdict apply would reach, and says what lets it through
    gate = plan_json(cli, folder)["safety"]
    assert gate["verdict"] == "refused"
    sod_finding = next(f for f in gate["findings"] if f["rule"] == "sod")
    assert any("sod_mitigations" in way for way in sod_finding["to_allow"])
    refused = cli("apply", folder, "--auto-approve", "--by", "e2e", "--quiet")
    assert refused.exit_code == 3, refused.output
    assert "[sod] xmlgateway_expensify would violate SoD rule web_services_admin_full" in (
        refused.output
    )
    # the roles were not written: the gate stands before any change
    assert plan_json(cli, folder)["summary"]["create"] > 0


def test_an_unknown_rule_in_a_mitigation_is_a_located_error(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify", tmp_path)
    (folder / "sod.yaml").write_text(
        "version: 1\nsod_mitigations:\n  - rule: web_service_admin_full\n    role: Expensify\n"
        "    owner: cfo\n    reason: reviewed\n    expires: 2099-01-01\n",
        encoding="utf-8",
    )
    result = cli("plan", folder, "--quiet")
    assert result.exit_code != 0
    assert "sod.yaml:3:5" in result.output and "web_services_admin_full" in result.output


def test_an_expired_attestation_reopens_its_step(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify", tmp_path)
    config = folder / "intacct-reconcile.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "attestations: {valid_for: 90d}\n", encoding="utf-8"
    )
    runner = CliRunner()
    attested = runner.invoke(
        app,
        ["attest", "sender_ids/expensify", "--path", str(folder), "--target", "sandbox"],
        env={**dict.fromkeys(CI_IDENTITY, ""), "GITHUB_ACTOR": "octo-admin"},
        catch_exceptions=False,
    )
    assert attested.exit_code == 0, attested.output
    assert "by octo-admin" in attested.output
    record = yaml.safe_load((folder / ATTESTATIONS).read_text(encoding="utf-8"))
    assert record["sender_ids/expensify"]["by_source"] == "GITHUB_ACTOR"

    step = next(c for c in plan_json(cli, folder)["changes"] if c["key"] == "expensify")
    assert step["pending"] is False and step["attested"]["expires"]

    # 91 days later: the record is older than valid_for
    when = datetime.now(UTC) - timedelta(days=91)
    record["sender_ids/expensify"]["at"] = when.isoformat(timespec="seconds")
    (folder / ATTESTATIONS).write_text(yaml.safe_dump(record), encoding="utf-8")
    step = next(c for c in plan_json(cli, folder)["changes"] if c["key"] == "expensify")
    expired_on = (when + timedelta(days=90)).date().isoformat()
    assert step["pending"] is True
    assert f"attestation expired on {expired_on}" in step["note"]
    assert f"attestation expired on {expired_on}" in cli("plan", folder, "--quiet").stdout


@pytest.mark.parametrize("variable", ["GITLAB_USER_LOGIN", "CIRCLE_USERNAME"])
def test_attest_without_by_takes_other_ci_identities(tmp_path: Path, variable: str):
    folder = copy_blueprint("expensify", tmp_path)
    result = CliRunner().invoke(
        app,
        ["attest", "sender_ids/expensify", "--path", str(folder), "--target", "sandbox"],
        env={**dict.fromkeys(CI_IDENTITY, ""), variable: "ci-person"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "by ci-person" in result.output


def test_user_based_permissions_are_read_per_user_and_reviewed(tmp_path: Path, cli: Invoke):
    """A company that grants rights per user (no role links): each user's own permissions
    count in the review of a user the plan deactivates, and in segregation of duties."""
    folder = tmp_path / "user-based"
    folder.mkdir()
    (folder / "users.yaml").write_text(
        "version: 1\n"
        "web_services_users:\n"
        "  ub_int: {first_name: U, last_name: B, email: ub@x.example, status: inactive}\n",
        encoding="utf-8",
    )
    (folder / "intacct-reconcile.yaml").write_text("targets: {sandbox: {sandbox: true}}\n")
    assert cli("plan", folder, "--quiet").exit_code == 0  # creates the sandbox company
    store = Store.open(str(folder / ".intacct-reconcile" / "sandbox.db"))
    try:
        for link in objects.find(store, "USERROLES", {}):  # no roles: user-based permissions
            objects.delete(store, "USERROLES", int(link["RECORDNO"]), via="seed")
        for login, disabled in (("ub_int", "true"), ("ub.clerk", "false")):
            contact = {"FIRSTNAME": "U", "LASTNAME": "B", "EMAIL1": "ub@x.example"}
            objects.create(
                store,
                "USERINFO",
                {"LOGINID": login, "LOGINDISABLED": disabled, "CONTACTINFO": contact},
                via="seed",
            )
            for policy, rights in (("Vendors", "List|View|Add"), ("Pay bills", "Run")):
                objects.create(
                    store,
                    "USERRIGHTS",
                    {
                        "LOGINID": login,
                        "APPLICATIONNAME": "Accounts Payable",
                        "POLICYNAME": policy,
                        "RIGHTS": rights,
                    },
                    via="seed",
                )
    finally:
        store.close()

    plan = plan_json(cli, folder)
    lost = {
        a["permission"]: a["removed"]
        for a in plan["access_changes"]
        if a["user"] == "web_services_users/ub_int"
    }
    assert lost == {"vendors": ["add", "list", "view"], "pay_bills": ["run"]}
    assert any("getUserPermissions" in r for r in plan["access_review"]["reasons"])
    clerk = findings(plan, "vendor_maintain_and_pay", "ub.clerk")
    assert clerk["status"] == "live"
    assert findings(plan, "vendor_maintain_and_pay", "ub_int")["status"] == "resolved"
