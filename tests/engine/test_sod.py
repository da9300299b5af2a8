"""Segregation of duties: rule packs (located errors), evaluation, mitigations, the gate."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from intacct_reconcile import planfile, safety
from intacct_reconcile.access_review import Snapshots, UserAccess
from intacct_reconcile.catalog import load
from intacct_reconcile.errors import ManifestError, UnsafePlanError
from intacct_reconcile.manifest.api import load_desired
from intacct_reconcile.sod import gate_messages
from intacct_reconcile.sod.evaluate import evaluate
from intacct_reconcile.sod.mitigations import Mitigation, check_rules
from intacct_reconcile.sod.pack import load_pack
from intacct_reconcile.types import Plan

TODAY = dt.date(2026, 12, 4)


def test_the_default_pack_names_only_catalogue_permissions_and_rights():
    pack = load_pack()
    cat = load()
    assert {"vendor_maintain_and_pay", "web_services_admin_full"} <= set(pack.rules)
    for rule in pack.rules.values():
        for duty in rule.duties:
            for grant in duty.grants:
                if grant.admin:
                    continue
                assert set(grant.rights) <= set(
                    cat.modules[grant.module].permissions[grant.permission].rights
                )


def test_a_pack_with_wrong_names_fails_with_every_location(tmp_path: Path):
    path = tmp_path / "pack.yaml"
    path.write_text(
        "version: 1\n"
        "rules:\n"
        "  r1:\n"
        "    title: Pay and maintain\n"
        "    duties:\n"
        "      pay:\n"
        "        - accounts_payable.pay_bill: [run]\n"
        "      maintain:\n"
        "        - accounts_payable.vendors: [add, approve]\n"
        "  r2:\n"
        "    titel: oops\n"
        "    duties: {x: [{admin: limited}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        load_pack(path)
    text = str(caught.value)
    assert f"{path}:7:11" in text and "did you mean 'pay_bills'" in text
    assert f"{path}:9:43" in text and "no right 'approve'" in text
    assert f"{path}:11:5" in text and "did you mean 'title'" in text
    assert "`admin:` takes full" in text


def user(login: str, rights: dict[tuple[str, str], set[str]], **kw: object) -> UserAccess:
    return UserAccess(login=login, rights={k: frozenset(v) for k, v in rights.items()}, **kw)  # type: ignore[arg-type]


VENDOR = {("accounts_payable", "vendors"): {"add"}}
PAY = {("accounts_payable", "pay_bills"): {"run"}}


def snaps(before: dict[str, UserAccess], after: dict[str, UserAccess]) -> Snapshots:
    return Snapshots(before, after, {})


def by_rule(findings, rule):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.rule == rule]


def test_new_live_and_resolved_violations():
    pack = load_pack()
    before = {
        "ann": user("ann", {**VENDOR, **PAY}),  # keeps both: live
        "bob": user("bob", {**VENDOR, **PAY}),  # loses pay: resolved
        "cy": user("cy", VENDOR),  # gains pay: new
    }
    after = {"ann": before["ann"], "bob": user("bob", VENDOR), "cy": user("cy", {**VENDOR, **PAY})}
    found = by_rule(evaluate(pack, snaps(before, after), [], TODAY), "vendor_maintain_and_pay")
    assert {(f.user, f.status) for f in found} == {
        ("ann", "live"),
        ("bob", "resolved"),
        ("cy", "new"),
    }
    cy = next(f for f in found if f.user == "cy")
    assert cy.holds == (
        "maintain vendors: accounts_payable.vendors add",
        "pay vendors: accounts_payable.pay_bills run",
    )
    assert not cy.blocks  # blocking is the config's decision


def test_inactive_users_and_web_services_only_rules():
    pack = load_pack()
    after = {
        "off": user("off", {**VENDOR, **PAY}, active=False),
        "person": user("person", {}, admin="full"),
        "int": user("int", {}, admin="full", web_services=True),
    }
    found = evaluate(pack, snaps({}, after), [], TODAY, block_new=True)
    assert {f.user for f in by_rule(found, "web_services_admin_full")} == {"int"}
    assert not [f for f in found if f.user == "off"]
    assert all(f.blocks for f in found)


def mitigation(expires: dt.date, **who: str) -> Mitigation:
    return Mitigation("vendor_maintain_and_pay", "cfo", "dual review of payments", expires, **who)


def test_current_mitigations_clear_a_violation_and_expired_ones_do_not():
    pack = load_pack()
    after = {"ann": user("ann", {**VENDOR, **PAY}, roles=frozenset({"AP Clerk"}))}
    by_role = mitigation(TODAY, role="ap clerk")  # the last valid day
    (found,) = by_rule(
        evaluate(pack, snaps({}, after), [by_role], TODAY, block_new=True),
        "vendor_maintain_and_pay",
    )
    assert found.mitigation.startswith("cfo (role ap clerk), until 2026-12-04")
    assert not found.violation and not found.blocks

    lapsed = mitigation(TODAY - dt.timedelta(days=1), user="ANN")
    (found,) = by_rule(
        evaluate(pack, snaps({}, after), [lapsed], TODAY, block_new=True), "vendor_maintain_and_pay"
    )
    assert found.violation and found.blocks and "until 2026-12-03" in found.expired


def test_mitigations_must_name_a_rule_of_the_pack():
    with pytest.raises(ManifestError, match="did you mean 'vendor_maintain_and_pay'"):
        check_rules(
            [dataclasses.replace(mitigation(TODAY, user="a"), rule="vendor_maintain")],
            load_pack().rules,
        )


def test_the_gate_refuses_blocking_findings_and_a_saved_plan_keeps_them(tmp_path: Path):
    pack = load_pack()
    after = {"int": user("int", {}, admin="full", web_services=True)}
    found = evaluate(pack, snaps({}, after), [], TODAY, block_new=True)
    plan = Plan(target="t", sod_findings=found, sod_pack="default")
    assert gate_messages(plan)
    with pytest.raises(UnsafePlanError, match=r"\[sod\] int would violate SoD rule"):
        safety.enforce(plan)
    assert safety.enforce(plan, safety.SafetyOptions(force=True))  # overridden, reported

    path = tmp_path / "plan.json"
    planfile.save(plan, path, tool_version="t", target_identity={"name": "t"})
    assert planfile.load_saved(path).plan.sod_findings == found


# --- mitigations in manifests ---------------------------------------------------------------


def write_manifest(tmp_path: Path, body: str) -> Path:
    (tmp_path / "m.yaml").write_text("version: 1\n" + body, encoding="utf-8")
    return tmp_path


def test_mitigations_load_from_the_manifests(tmp_path: Path):
    folder = write_manifest(
        tmp_path,
        "sod_mitigations:\n"
        "  - {rule: r, user: ann, owner: cfo, reason: reviewed weekly, expires: '2027-01-31'}\n"
        "  - {rule: r, role: AP, owner: cfo, reason: reviewed weekly, expires: 2027-02-28}\n",
    )
    found = load_desired(folder).mitigations
    assert [(m.user, m.role, m.expires) for m in found] == [
        ("ann", "", dt.date(2027, 1, 31)),
        ("", "AP", dt.date(2027, 2, 28)),
    ]
    assert str(found[1].span).endswith("m.yaml:4:5")


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        ("{rule: r, user: a, reason: x, expires: 2027-01-01}", "m.yaml:3:5", "owner"),
        ("{rule: r, user: a, role: b, owner: o, reason: x, expires: 2027-01-01}", "m.yaml:3:5", ""),
        (
            "{rule: r, user: a, owner: o, reason: x, expires: 2027-02-30}",
            "m.yaml:3",
            "calendar date",
        ),
        ("{rule: r, user: a, owner: o, reason: x, expires: soon}", "m.yaml:3", "expires"),
        ("{rule: r, usr: a, owner: o, reason: x, expires: 2027-01-01}", "m.yaml:3", "usr"),
    ],
)
def test_a_wrong_mitigation_is_a_located_error(
    tmp_path: Path, entry: str, where: str, message: str
):
    folder = write_manifest(tmp_path, f"sod_mitigations:\n  - {entry}\n")
    with pytest.raises(ManifestError) as caught:
        load_desired(folder)
    assert where in str(caught.value) and message in str(caught.value)


def test_unread_users_or_roles_block_when_new_violations_must_block(tmp_path: Path):
    from intacct_reconcile.render.text import render_plan
    from intacct_reconcile.sod import evaluate_plan

    reasons = ("cannot read USERINFO: Permission denied",)
    for block, refused in ((True, True), (False, False)):
        plan = evaluate_plan(
            Plan(target="t"),
            snaps({}, {}),
            {"block_new_violations": block},
            tmp_path,
            [],
            TODAY,
            complete=False,
            reasons=reasons,
        )
        assert bool(gate_messages(plan)) is refused
    assert "NOT EVALUATED" in render_plan(plan) and reasons[0] in render_plan(plan)
    with pytest.raises(UnsafePlanError, match="segregation of duties not evaluated"):
        safety.enforce(
            evaluate_plan(
                Plan(target="t"),
                snaps({}, {}),
                {"block_new_violations": True},
                tmp_path,
                [],
                TODAY,
                complete=False,
                reasons=reasons,
            )
        )


def test_validate_counts_mitigations_and_the_expired_ones(tmp_path: Path):
    from intacct_reconcile.manifest.api import validate_path

    folder = write_manifest(
        tmp_path,
        "sod_mitigations:\n"
        "  - {rule: r, user: a, owner: cfo, reason: weekly review, expires: 2000-01-01}\n"
        "  - {rule: r, user: b, owner: cfo, reason: weekly review, expires: 2999-01-01}\n",
    )
    assert "2 SoD mitigations (sod_mitigations), 1 expired" in validate_path(folder)
