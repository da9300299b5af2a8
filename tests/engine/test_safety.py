"""The safety gate: one test per rule and per override."""

from __future__ import annotations

import pytest

from engine.builders import KINDS, empty, res, state
from intacct_reconcile.errors import UnsafePlanError
from intacct_reconcile.planner import plan
from intacct_reconcile.safety import SafetyOptions, check, enforce, verdict
from intacct_reconcile.safety_policy import Allowance
from intacct_reconcile.types import PlanOptions, Ref

ADMIN_PERMS = {"administration": {"users": ("add", "edit", "list", "view")}}


def make(desired, live, **options):
    return plan(desired, live, PlanOptions(**{"target": "t", "kinds": KINDS, **options}))


def safety(**kw):
    return SafetyOptions(**{"kinds": KINDS, **kw})


def rules(violations):
    return [v.rule for v in violations]


def accounts(n):
    return [res("gl_accounts", str(1000 + i), title=f"A{i}") for i in range(n)]


def test_deletes_over_threshold_are_refused_with_numbers_and_override():
    live = state(*accounts(10))
    desired = state(*[res("gl_accounts", str(1000 + i), i, ensure="absent") for i in range(3)])
    p = make(desired, live)
    (v,) = [v for v in check(p, safety()) if v.rule == "too_many_deletes"]
    assert "3 of 10" in v.message and "30.0%" in v.message and "20%" in v.message
    assert v.override == "--force"
    with pytest.raises(UnsafePlanError) as err:
        enforce(p, safety(allow_irreversible=True))
    assert err.value.exit_code == 3 and "--force" in str(err.value)
    overridden = enforce(p, safety(force=True, allow_irreversible=True))
    assert "too_many_deletes" in rules(overridden)


def test_deletes_at_the_threshold_pass():
    live = state(*accounts(10))
    desired = state(*[res("gl_accounts", str(1000 + i), i, ensure="absent") for i in range(2)])
    assert "too_many_deletes" not in rules(check(make(desired, live), safety()))


def test_small_kinds_are_not_checked_by_percentage():
    live = state(*accounts(3))
    desired = state(*[res("gl_accounts", str(1000 + i), i, ensure="absent") for i in range(3)])
    assert rules(check(make(desired, live), safety())) == ["irreversible"] * 3


def test_updates_over_threshold_are_refused():
    live = state(*accounts(10))
    desired = state(*[res("gl_accounts", str(1000 + i), i, title="new") for i in range(6)])
    p = make(desired, live)
    assert rules(check(p, safety())) == ["too_many_updates"]
    assert rules(check(p, safety(max_update_percent=60))) == []
    assert enforce(p, safety(force=True))


def test_deactivating_own_user_is_a_lockout():
    live = state(res("web_services_users", "Admin", status="active"))
    p = make(state(res("web_services_users", "Admin", 1, ensure="absent")), live)
    (v,) = check(p, safety(own_user="admin"))
    assert v.rule == "lockout" and "signs in with" in v.message
    assert check(p, safety(own_user="someone_else")) == []
    assert enforce(p, safety(own_user="admin", force=True))


def test_full_ownership_deactivating_own_user_is_a_lockout():
    live = state(res("web_services_users", "admin", status="active"))
    p = make(empty("web_services_users"), live, ownership={"web_services_users": "full"})
    assert rules(check(p, safety(own_user="admin"))) == ["lockout"]


def test_removing_a_role_from_own_user_is_a_lockout():
    live = state(
        res("roles", "Admin", permissions={"company": {"departments": ("list",)}}),
        res("roles", "Other", permissions={}),
        res("web_services_users", "admin", roles=("Admin", "Other")),
    )
    p = make(state(res("web_services_users", "admin", 1, roles=("Other",))), live)
    (v,) = check(p, safety(own_user="admin"))
    assert v.rule == "lockout" and "Admin" in v.message


def test_removing_users_permission_from_own_role_is_a_lockout():
    live = state(
        res("roles", "Admin", permissions=ADMIN_PERMS),
        res("web_services_users", "admin", roles=("Admin",)),
    )
    desired = state(res("roles", "Admin", 1, permissions={"administration": {"users": ("list",)}}))
    p = make(desired, live)
    by_access = check(p, safety(own_user="admin"))
    assert rules(by_access) == ["lockout"] and "administration.users" in by_access[0].message
    by_role = check(p, safety(own_roles=("Admin",)))
    assert rules(by_role) == ["lockout"] and "administration.users.add" in by_role[0].message
    # another user's loss is not a lockout
    assert check(p, safety(own_user="someone")) == []


def test_adding_users_permission_is_not_a_lockout():
    live = state(
        res("roles", "Admin", permissions={"administration": {"users": ("list",)}}),
        res("web_services_users", "admin", roles=("Admin",)),
    )
    p = make(state(res("roles", "Admin", 1, permissions=ADMIN_PERMS)), live)
    assert check(p, safety(own_user="admin", own_roles=("Admin",))) == []


def test_removing_own_sender_id_is_a_lockout():
    desired = state(
        res("sender_ids", "intacct_reconcile", 1, ensure="absent"),
        res("sender_ids", "other", 2, ensure="absent"),
    )
    p = make(desired, empty())
    (v,) = check(p, safety(own_sender_id="intacct_reconcile"))
    assert v.rule == "lockout" and "sender ID" in v.message


def test_removing_ip_entry_covering_own_address_is_a_lockout():
    desired = state(
        res("ip_allowlist", "10.0.0.0/24", 1, ensure="absent"),
        res("ip_allowlist", "192.168.1.0/24", 2, ensure="absent"),
    )
    p = make(desired, empty())
    (v,) = check(p, safety(own_ip="10.0.0.7"))
    assert "10.0.0.0/24" in v.message and "10.0.0.7" in v.message
    assert check(p, safety(own_ip="172.16.0.1")) == []


def test_irreversible_changes_need_allow_irreversible_not_force():
    desired = state(res("gl_accounts", "3000", 1, ensure="absent"))
    p = make(desired, state(res("gl_accounts", "3000", title="Suspense")))
    (v,) = check(p, safety())
    assert v.rule == "irreversible" and v.override == "--allow-irreversible"
    with pytest.raises(UnsafePlanError, match="allow-irreversible"):
        enforce(p, safety(force=True))
    assert enforce(p, safety(allow_irreversible=True)) == [v]


def test_safe_plan_passes_the_gate():
    p = make(state(res("gl_accounts", "1", 1, title="x")), empty())
    assert enforce(p, safety(own_user="admin", own_sender_id="s", own_ip="1.2.3.4")) == []


def test_unsubscribing_web_services_is_a_lockout():
    live = state(
        res("module_subscriptions", "web_services"), res("module_subscriptions", "projects")
    )
    desired = state(
        res("module_subscriptions", "web_services", 1, ensure="absent"),
        res("module_subscriptions", "projects", 2, ensure="absent"),
    )
    p = make(desired, live)
    assert [c.action for c in p.changes] == ["manual", "manual"]
    (v,) = check(p, safety())
    assert v.rule == "lockout" and "web_services" in v.message


def test_allowlist_that_leaves_out_own_address_is_a_lockout():
    outside = state(res("ip_allowlist", "34.163.234.156/32", 1))
    (v,) = check(make(outside, empty()), safety(own_ip="127.0.0.1"))
    assert v.rule == "lockout" and "127.0.0.1/32" in v.message
    covered = state(
        res("ip_allowlist", "34.163.234.156/32", 1), res("ip_allowlist", "127.0.0.1/32", 2)
    )
    assert check(make(covered, empty()), safety(own_ip="127.0.0.1")) == []
    assert check(make(outside, empty()), safety()) == []  # address unknown: nothing to check


def test_locking_out_or_deactivating_own_user_by_status_is_a_lockout():
    live = state(res("web_services_users", "admin", status="active"))
    for status in ("locked_out", "inactive"):
        p = make(state(res("web_services_users", "admin", 1, status=status)), live)
        (v,) = check(p, safety(own_user="admin"))
        assert v.rule == "lockout" and status in v.message


def test_deactivating_own_sender_id_is_a_lockout():
    desired = state(res("sender_ids", "intacct_reconcile", 1, status="inactive"))
    p = make(desired, empty())
    assert rules(check(p, safety(own_sender_id="intacct_reconcile"))) == ["lockout"]
    assert (
        check(p, safety(own_sender_id="INTACCT_RECONCILE")) == []
    )  # sender ids are case-sensitive


# --- overrides declared in the reviewed config ---------------------------------------------


def allow(text, reason="reviewed"):
    action, ref = text.split(" ", 1)
    kind, key = ref.split("/", 1)
    return Allowance(action, Ref(kind, key), reason, "intacct-reconcile.yaml:9:15")


def test_thresholds_per_kind():
    sequences = [res("document_sequences", f"S{i}", print_title=f"T{i}") for i in range(10)]
    live = state(*accounts(10), *sequences)
    desired = state(
        *[res("gl_accounts", str(1000 + i), i, title="new") for i in range(6)],
        *[res("document_sequences", f"S{i}", i, print_title="new") for i in range(6)],
    )
    p = make(desired, live)
    per_kind = {"gl_accounts": {"max_update_percent": 60}}
    (v,) = check(p, safety(per_kind=per_kind))
    assert v.rule == "too_many_updates" and v.message.startswith("document_sequences:")
    assert v.figures == {
        "count": 6,
        "live": 10,
        "percent": 60.0,
        "limit": 50.0,
        "allowed_by_name": 0,
    }
    assert "raise safety.kinds.document_sequences.max_update_percent to 60" in str(v)
    sequences_too = {**per_kind, "document_sequences": {"min_existing": 11}}
    assert check(p, safety(per_kind=sequences_too)) == []


def test_an_allowed_lockout_passes_without_force_and_the_verdict_says_why():
    live = state(res("web_services_users", "Admin", status="active"))
    p = make(state(res("web_services_users", "Admin", 1, ensure="absent")), live)
    refused = verdict(p, safety(own_user="admin"))
    assert refused.status == "refused"
    (finding,) = refused.findings
    assert finding.changes == ("deactivate web_services_users/Admin",)
    assert any('{change: "deactivate web_services_users/Admin"' in w for w in finding.to_allow)
    options = safety(own_user="admin", allow=(allow("deactivate web_services_users/Admin"),))
    assert enforce(p, options)  # no UnsafePlanError, no --force
    allowed = verdict(p, options)
    assert allowed.status == "allowed" and allowed.refused == ()
    assert "intacct-reconcile.yaml:9:15" in allowed.findings[0].allowed_by[0]
    # the action is part of the name: allowing a delete does not allow a deactivation
    other = safety(own_user="admin", allow=(allow("delete web_services_users/Admin"),))
    assert verdict(p, other).status == "refused"
    assert verdict(p, other).unused_allowances


def test_losing_access_through_a_role_is_allowed_by_naming_the_role_change():
    live = state(
        res("roles", "Admin", permissions=ADMIN_PERMS),
        res("web_services_users", "admin", roles=("Admin",)),
    )
    desired = state(res("roles", "Admin", 1, permissions={"administration": {"users": ("list",)}}))
    p = make(desired, live)
    (v,) = check(p, safety(own_user="admin"))
    assert v.changes == ("update roles/Admin",)
    assert enforce(p, safety(own_user="admin", allow=(allow("update roles/Admin"),)))


def test_an_irreversible_delete_allowed_by_name_needs_no_flag():
    desired = state(res("gl_accounts", "3000", 1, ensure="absent"))
    p = make(desired, state(res("gl_accounts", "3000", title="Suspense")))
    with pytest.raises(UnsafePlanError, match=r"safety\.allow"):
        enforce(p, safety())
    assert enforce(p, safety(allow=(allow("delete gl_accounts/3000"),)))
