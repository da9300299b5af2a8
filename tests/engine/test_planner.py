"""The planner as a pure function of two states (no I/O)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.builders import KINDS, empty, res, state
from intacct_reconcile.attestations import value_digest
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.planner import PlanningError, plan
from intacct_reconcile.types import Attestation, PlanOptions, Ref, Span


def make(desired, live, **options):
    return plan(desired, live, PlanOptions(**{"target": "test", "kinds": KINDS, **options}))


def actions(p):
    return [(c.action, str(c.ref)) for c in p.changes]


def test_identical_states_plan_nothing():
    desired = state(res("gl_accounts", "1000", 4, title="Cash"))
    live = state(res("gl_accounts", "1000", title="Cash", type="balance_sheet"))
    p = make(desired, live)
    assert p.changes == ()
    assert not p.has_changes
    assert p.summary()["create"] == 0


def test_create_carries_all_declared_fields_and_source():
    desired = state(res("gl_accounts", "2110", 7, title="Spend", type="balance_sheet"))
    p = make(desired, empty())
    (change,) = p.changes
    assert change.action == "create" and change.api == "xml"
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("title", None, "Spend"),
        ("type", None, "balance_sheet"),
    ]
    assert change.desired == {"title": "Spend", "type": "balance_sheet"}
    assert change.source == Span("intacct/gl_accounts.yaml", 7, 3)
    assert p.fingerprints == {"gl_accounts/2110": "absent"}


def test_update_diffs_only_declared_fields_and_keeps_live_identity():
    desired = state(res("gl_accounts", "1000", 3, title="Cash at bank"))
    live = state(
        res("gl_accounts", "1000", title="Cash", type="income_statement", meta={"RECORDNO": "17"})
    )
    (change,) = make(desired, live).changes
    assert change.action == "update"
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("title", "Cash", "Cash at bank")
    ]
    assert change.live_meta == {"RECORDNO": "17"}


def test_case_insensitive_field_and_write_only_field_are_not_changes():
    desired = state(res("web_services_users", "api", 2, email="AP@Acme.example", password="x"))
    live = state(res("web_services_users", "api", email="ap@acme.example", status="active"))
    assert make(desired, live).changes == ()


def test_write_only_field_is_sent_on_create():
    desired = state(res("web_services_users", "api", 2, email="a@b.c", password="pw"))
    (change,) = make(desired, empty()).changes
    assert change.desired["password"] == "pw"


def test_additive_ownership_lists_undeclared_objects_as_unmanaged():
    desired = state(res("gl_accounts", "1000", 1, title="Cash"))
    live = state(res("gl_accounts", "1000", title="Cash"), res("gl_accounts", "9999", title="X"))
    p = make(desired, live)
    assert p.changes == ()
    assert p.unmanaged == (Ref("gl_accounts", "9999"),)


def test_unused_kinds_are_neither_planned_nor_listed_unmanaged():
    desired = state(res("gl_accounts", "1000", 1, title="Cash"))
    live = state(res("gl_accounts", "1000", title="Cash"), res("employees", "E1", name="Ann"))
    p = make(desired, live)
    assert p.unmanaged == () and p.live_counts == {"gl_accounts": 1}


def test_full_ownership_deletes_or_deactivates_undeclared_objects():
    desired = empty("gl_accounts", "web_services_users")
    live = state(
        res("gl_accounts", "9999", title="X"),
        res("web_services_users", "old", status="active", meta={"RECORDNO": "5"}),
        res("web_services_users", "gone", status="inactive"),
    )
    p = make(desired, live, ownership={"gl_accounts": "full", "web_services_users": "full"})
    # removals run in reverse dependency (here: registry) order
    assert actions(p) == [("delete", "gl_accounts/9999"), ("deactivate", "web_services_users/old")]
    deactivate = p.changes[1]
    assert deactivate.desired == {"status": "inactive"}
    assert deactivate.live_meta == {"RECORDNO": "5"}
    assert "ownership is full" in deactivate.note
    assert p.unmanaged == ()


def test_ensure_absent_removes_live_object_and_is_a_no_op_when_not_live():
    desired = state(
        res("gl_accounts", "1000", 5, ensure="absent"),
        res("gl_accounts", "2000", 6, ensure="absent"),
    )
    live = state(res("gl_accounts", "1000", title="Cash"))
    p = make(desired, live)
    assert actions(p) == [("delete", "gl_accounts/1000")]
    assert p.changes[0].source.line == 5
    assert p.changes[0].irreversible  # deleting a GL account cannot be undone


def test_deactivate_kind_with_ensure_absent():
    desired = state(res("web_services_users", "api", 9, ensure="absent"))
    live = state(res("web_services_users", "api", status="active"))
    (change,) = make(desired, live).changes
    assert change.action == "deactivate"
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("status", "active", "inactive")
    ]


def test_creates_follow_dependencies_and_deletes_run_last_in_reverse():
    desired = state(
        res("credit_card_accounts", "CC", 1, offset_gl_account="2110"),
        res("gl_accounts", "2110", 2, title="Spend"),
        res("employees", "E2", 3, name="Bo", supervisor="E1"),
        res("employees", "E1", 4, name="Al"),
        res("gl_accounts", "3000", 5, ensure="absent"),
        res("credit_card_accounts", "OLD", 6, ensure="absent"),
    )
    live = state(
        res("gl_accounts", "3000", title="Old"), res("credit_card_accounts", "OLD", description="")
    )
    p = make(desired, live)
    assert actions(p) == [
        ("create", "gl_accounts/2110"),
        ("create", "credit_card_accounts/CC"),
        ("create", "employees/E1"),
        ("create", "employees/E2"),
        ("delete", "credit_card_accounts/OLD"),
        ("delete", "gl_accounts/3000"),
    ]
    assert p.changes[1].depends_on == (Ref("gl_accounts", "2110"),)


def test_reference_cycle_between_objects_is_an_error():
    desired = state(
        res("employees", "A", 1, name="a", supervisor="B"),
        res("employees", "B", 2, name="b", supervisor="A"),
    )
    with pytest.raises(PlanningError, match="cycle"):
        make(desired, empty())


def test_role_permission_diff_lists_added_and_removed_rights():
    before = {"accounts_payable": {"bills": ("list", "view")}, "company": {"users": ("list",)}}
    after = {"accounts_payable": {"bills": ("add", "list", "view")}}
    desired = state(res("roles", "AP", 1, permissions=after))
    live = state(res("roles", "AP", permissions=before))
    (change,) = make(desired, live).changes
    (perm,) = change.fields
    assert perm.added == ("accounts_payable.bills.add",)
    assert perm.removed == ("company.users.list",)


def test_user_role_list_diff_and_order_insensitivity():
    live = state(res("web_services_users", "api", roles=("A", "B")))
    same = state(res("web_services_users", "api", 1, roles=("B", "A")))
    assert make(same, live).changes == ()
    changed = state(res("web_services_users", "api", 1, roles=("A", "C")))
    (field,) = make(changed, live).changes[0].fields
    assert (field.added, field.removed) == (("C",), ("B",))


def test_effective_access_follows_role_and_role_list_changes():
    live = state(
        res("roles", "AP", permissions={"accounts_payable": {"bills": ("list", "view")}}),
        res("roles", "GL", permissions={"general_ledger": {"accounts": ("list",)}}),
        res("web_services_users", "u1", roles=("AP",)),
        res("web_services_users", "u2", roles=("GL",)),
        res("web_services_users", "u3", roles=("GL", "AP")),
    )
    desired = state(
        res("roles", "AP", 1, permissions={"accounts_payable": {"bills": ("add", "list", "view")}}),
        res("web_services_users", "u2", 2, roles=("GL", "AP")),
    )
    p = make(desired, live)
    got = {(str(a.user), a.module, a.permission, a.added, a.removed) for a in p.access_changes}
    assert got == {
        ("web_services_users/u1", "accounts_payable", "bills", ("add",), ()),
        ("web_services_users/u2", "accounts_payable", "bills", ("add", "list", "view"), ()),
        ("web_services_users/u3", "accounts_payable", "bills", ("add",), ()),
    }


def test_removing_a_role_takes_access_from_its_users():
    live = state(
        res("roles", "AP", permissions={"accounts_payable": {"bills": ("list",)}}),
        res("web_services_users", "u1", roles=("AP",)),
    )
    desired = state(res("roles", "AP", 1, ensure="absent"))
    (access,) = make(desired, live).access_changes
    assert (access.before, access.after) == (("list",), ())


def test_manual_step_without_attestation_is_open_with_navigation():
    desired = state(res("sender_ids", "expensify", 3, description="Expensify"))
    (change,) = make(desired, empty()).changes
    assert change.action == "manual" and change.pending
    assert change.manual_steps[0] == "Add Web Services authorization 'expensify'"
    assert "sender ID expensify" in change.manual_steps[2]
    assert "attest sender_ids/expensify" in change.note
    assert make(desired, empty()).summary()["manual"] == 1


def test_attested_manual_step_is_satisfied_and_reopens_after_a_declared_change():
    declared = res("sender_ids", "expensify", 3, description="Expensify")
    record = Attestation(by="alice", at="2026-11-22T03:00:00+00:00", digest=value_digest(declared))
    attestations = {Ref("sender_ids", "expensify"): record}
    p = make(state(declared), empty(), attestations=attestations)
    assert p.changes[0].attested == record
    assert not p.has_changes
    assert p.summary()["manual"] == 0 and p.summary()["attested"] == 1

    edited = state(res("sender_ids", "expensify", 3, description="Expensify EU"))
    p = make(edited, empty(), attestations=attestations)
    (change,) = p.changes
    assert change.pending and "re-opened" in change.note and "alice" in change.note


def test_api_verified_manual_kind_is_done_when_live_matches():
    desired = state(res("module_subscriptions", "time_and_expenses", 1, enabled=True))
    done = state(res("module_subscriptions", "time_and_expenses", enabled=True))
    assert make(desired, done).changes == ()
    (change,) = make(desired, empty()).changes
    assert change.action == "manual" and change.manual_steps[0].startswith("Add")
    assert "subscribe to time_and_expenses" in change.manual_steps[1]


def test_manual_steps_follow_their_dependencies():
    desired = state(
        res("te_settings", "te_settings", 1, expense_sequence="EXP"),
        res("document_sequences", "EXP", 2, next_number=2),
    )
    p = make(desired, empty())
    assert actions(p) == [
        ("create", "document_sequences/EXP"),
        ("manual", "te_settings/te_settings"),
    ]


def test_next_number_is_a_floor_raised_but_never_lowered():
    live = state(res("document_sequences", "EXP", print_title="EXP", next_number=40))
    below = state(res("document_sequences", "EXP", 1, print_title="EXP", next_number=2))
    assert make(below, live).changes == ()  # Intacct advanced it past the floor: in sync
    (change,) = make(state(res("document_sequences", "EXP", 1, next_number=41)), live).changes
    assert change.action == "update" and change.irreversible == ()
    assert [(f.name, f.before, f.after) for f in change.fields] == [("next_number", 40, 41)]


def test_update_of_a_sequence_never_writes_a_floor_live_has_passed():
    live = state(res("document_sequences", "EXP", print_title="OLD", next_number=40))
    desired = state(res("document_sequences", "EXP", 1, print_title="NEW", next_number=2))
    (change,) = make(desired, live).changes
    assert [f.name for f in change.fields] == ["print_title"]
    assert change.desired == {"print_title": "NEW"}  # the applier writes desired values


def test_kind_filter_plans_only_the_named_kinds():
    desired = state(res("gl_accounts", "1", 1, title="a"), res("roles", "R", 2, description="r"))
    p = make(desired, empty(), only_kinds=("roles",))
    assert actions(p) == [("create", "roles/R")]
    assert p.notes and "--kind" in p.notes[0]


def test_unknown_kind_is_an_error_naming_the_known_ones():
    with pytest.raises(PlanningError, match=r"unknown kind.*known kinds"):
        make(empty("gl_accounts"), empty(), only_kinds=("nope",))


def test_fingerprints_cover_touched_live_objects_and_change_with_values():
    desired = state(res("gl_accounts", "1000", 1, title="New"))
    live_a = state(res("gl_accounts", "1000", title="Old"))
    live_b = state(res("gl_accounts", "1000", title="Older"))
    fa = make(desired, live_a).fingerprints["gl_accounts/1000"]
    fb = make(desired, live_b).fingerprints["gl_accounts/1000"]
    assert fa != fb and len(fa) == 64


def test_manifest_digest_changes_with_declared_values():
    a = make(state(res("gl_accounts", "1", 1, title="a")), empty()).manifest_digest
    b = make(state(res("gl_accounts", "1", 1, title="b")), empty()).manifest_digest
    assert a != b
    assert make(empty(), empty(), manifest_digest="given").manifest_digest == "given"


def test_create_only_drift_is_a_note_not_a_change():
    kinds = {
        **KINDS,
        "contacts": Kind(
            key="contacts",
            title="contact",
            api="xml",
            object="CONTACT",
            identity=Field("name"),
            fields=(Field("email", create_only=True), Field("phone")),
        ),
    }
    desired = state(res("contacts", "c", 1, email="new@x.example", phone="1"))
    live = state(res("contacts", "c", email="old@x.example", phone="1"))
    p = plan(desired, live, PlanOptions(kinds=kinds))
    assert p.changes == ()
    assert "contacts/c: email" in p.notes[0] and "only be set at create" in p.notes[0]


def test_read_only_kind_is_checked_never_written():
    kinds = {
        **KINDS,
        "entities": Kind(
            key="entities",
            title="entity",
            api="rest",
            object="company-config/entity",
            identity=Field("id"),
            fields=(Field("name"),),
            read_only=True,
        ),
    }
    desired = state(res("entities", "US", 1, name="United States"), res("entities", "UK", 2))
    live = state(res("entities", "UK", name="Britain"), res("entities", "FR", name="France"))
    p = plan(desired, live, PlanOptions(kinds=kinds, ownership={"entities": "full"}))
    assert actions(p) == [("manual", "entities/US")]
    assert "Create entity 'US'" in p.changes[0].manual_steps[0]
    assert p.unmanaged == (Ref("entities", "FR"),)


def test_ui_step_placeholders_are_filled_from_declared_values():
    kinds = {
        **KINDS,
        "sender_ids": replace(
            KINDS["sender_ids"],
            ui_steps=("Sender ID: {key}; Description: {description}; Status: {status}",),
        ),
    }
    desired = state(res("sender_ids", "pleo", 1, description="Pleo", enabled=True))
    (change,) = plan(desired, empty(), PlanOptions(kinds=kinds)).changes
    assert change.manual_steps[1] == (
        "Sender ID: pleo; Description: Pleo; Status: (not declared: leave as is)"
    )


def test_removals_within_a_kind_run_in_reverse_reference_order():
    live = state(
        res("employees", "E1", name="a"), res("employees", "E2", name="b", supervisor="E1")
    )
    desired = state(
        res("employees", "E1", 1, ensure="absent"), res("employees", "E2", 2, ensure="absent")
    )
    assert actions(make(desired, live)) == [("delete", "employees/E2"), ("delete", "employees/E1")]


def test_real_registry_plans_a_blueprint_shaped_state():
    # the default kinds are the registry: roles -> users -> accounts in dependency order
    perms = {"company": {"departments": ("list", "view")}}
    desired = state(
        res("gl_accounts", "2110", 9, title="Spend Center", status="active"),
        res("web_services_users", "xml_spend", 5, user_name="Spend", roles=("Spend",)),
        res("roles", "Spend", 1, description="Spend", permissions=perms),
        res("sender_ids", "spendcenter", 12, description="BILL", status="active"),
    )
    p = plan(desired, empty(), PlanOptions(target="sandbox"))
    assert actions(p) == [
        ("manual", "sender_ids/spendcenter"),
        ("create", "roles/Spend"),
        ("create", "web_services_users/xml_spend"),
        ("create", "gl_accounts/2110"),
    ]
    assert "spendcenter" in " ".join(p.changes[0].manual_steps)
    (access,) = p.access_changes
    assert (access.user.key, access.added) == ("xml_spend", ("list", "view"))


def test_api_kind_without_delete_becomes_a_manual_removal_until_gone():
    kinds = {
        **KINDS,
        "custom_packages": Kind(
            key="custom_packages",
            title="custom package",
            api="xml",
            object="installApp",
            identity=Field("package"),
            fields=(Field("digest"),),
            delete="none",
            ui_steps=("Platform Services > Applications > uninstall {key}",),
        ),
    }
    desired = state(res("custom_packages", "Expensify", 1, ensure="absent"))
    installed = state(res("custom_packages", "Expensify", digest="abc"))
    (change,) = plan(desired, installed, PlanOptions(kinds=kinds)).changes
    assert change.action == "manual" and change.removes
    assert change.manual_steps == (
        "Remove custom package 'Expensify'",
        "Platform Services > Applications > uninstall Expensify",
    )
    assert "no API to remove" in change.note
    assert plan(desired, empty(), PlanOptions(kinds=kinds)).changes == ()


def test_api_verified_manual_removal_is_done_once_live_is_gone():
    desired = state(res("module_subscriptions", "projects", 1, ensure="absent"))
    subscribed = state(res("module_subscriptions", "projects"))
    (change,) = make(desired, subscribed).changes
    assert change.removes and change.manual_steps[0].startswith("Remove")
    assert make(desired, empty()).changes == ()
