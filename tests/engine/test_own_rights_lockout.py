"""Lockout guards over every attribute of the tool's own user and roles that later runs need.

Uses the real kinds (their admin, user type, entities and apply-to fields), so the guards are
tested where they live: in each kind's module, behind `Hooks.lockout`.
"""

from __future__ import annotations

import pytest

from engine.builders import res, state
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.planner import plan
from intacct_reconcile.safety import SafetyOptions, check
from intacct_reconcile.types import PlanOptions

ME = res(
    "web_services_users",
    "api_user",
    admin="full",
    user_type="business",
    status="active",
    roles=("Admin",),
)


def lockouts(desired, live, **options):
    p = plan(desired, live, PlanOptions(target="t", kinds=REGISTRY))
    found = check(p, SafetyOptions(kinds=REGISTRY, **options))
    return [v.message for v in found if v.rule == "lockout"]


def own(**values):
    return state(res("web_services_users", "api_user", 1, **values))


def test_taking_own_admin_privileges_is_a_lockout():
    (message,) = lockouts(own(admin="off"), state(ME), own_user="API_USER")
    assert "admin privileges" in message and "Permission denied" in message
    assert lockouts(own(admin="off"), state(ME), own_user="someone_else") == []
    assert lockouts(own(admin="full"), state(ME), own_user="api_user") == []


@pytest.mark.parametrize("user_type", ["view_only", "employee", "dashboard", "platform"])
def test_a_user_type_that_cannot_be_admin_is_a_lockout(user_type):
    (message,) = lockouts(own(user_type=user_type), state(ME), own_user="api_user")
    assert user_type in message and "admin privileges" in message


def test_entity_restrictions_that_leave_out_the_signed_in_entity_are_a_lockout():
    to_east = own(entities=("EAST",))
    (top,) = lockouts(to_east, state(ME), own_user="api_user", own_entity="")
    assert "EAST" in top and "top level" in top
    (west,) = lockouts(to_east, state(ME), own_user="api_user", own_entity="WEST")
    assert "'WEST'" in west
    assert lockouts(to_east, state(ME), own_user="api_user", own_entity="EAST") == []


def test_making_own_role_apply_to_slide_ins_only_is_a_lockout():
    live = state(res("roles", "Admin", apply_to="login_and_slide_in"), ME)
    desired = state(res("roles", "Admin", 1, apply_to="slide_in_only"))
    (message,) = lockouts(desired, live, own_user="api_user", own_roles=("Admin",))
    assert "slide_in_only" in message
    login_only = state(res("roles", "Admin", 1, apply_to="login_only"))
    assert lockouts(login_only, live, own_user="api_user", own_roles=("Admin",)) == []


def test_taking_the_legacy_company_roles_permission_is_a_lockout():
    live = state(
        res("roles", "Admin", permissions={"company": {"roles": ("edit", "list", "view")}}), ME
    )
    desired = state(res("roles", "Admin", 1, permissions={"company": {"roles": ("list",)}}))
    found = lockouts(desired, live, own_user="api_user", own_roles=("Admin",))
    assert any("company.roles.edit" in m for m in found), found


def test_several_losses_in_one_change_are_each_named():
    found = lockouts(
        own(admin="off", user_type="view_only", roles=()), state(ME), own_user="api_user"
    )
    assert len(found) == 3
