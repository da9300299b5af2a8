"""The complete access review: every live user, from raw USERINFO/USERROLES/role rows and a plan."""

from __future__ import annotations

from typing import Any

from intacct_reconcile import access_review, planner
from intacct_reconcile.client.errors import AuthorizationError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.types import PlanOptions, Ref, Resource, State

ROLE_KIND = REGISTRY["roles"]


def role_rows(name: str, rights: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """ROLES + ROLEPOLICYASSIGNMENT rows as the XML gateway returns them (UI labels)."""
    return {
        "ROLES": [{"RECORDNO": "1", "NAME": name}],
        "ROLEPOLICYASSIGNMENT": [
            {"ROLES.NAME": name, "APPLICATIONNAME": app, "POLICYNAME": policy, "RIGHTS": r}
            for (app, policy), r in ((tuple(k.split("/")), v) for k, v in rights.items())
        ],
    }


def read(users: list[dict[str, Any]], links: list[tuple[str, str]], **roles: Any) -> Any:
    rows: dict[str, list[dict[str, Any]]] = {
        "USERINFO": users,
        "USERROLES": [{"USERID": u, "ROLENAME": r} for u, r in links],
        "ROLES": [],
        "ROLEPOLICYASSIGNMENT": [],
    }
    for name, rights in roles.items():
        extra = role_rows(name, rights)
        rows["ROLES"] += extra["ROLES"]
        rows["ROLEPOLICYASSIGNMENT"] += extra["ROLEPOLICYASSIGNMENT"]
    return rows


AP = {"Accounts Payable/Bills": "List|View|Add", "Accounts Payable/Vendors": "List|View"}


def test_users_linked_to_roles_but_not_returned_are_counted_as_unreadable():
    rows = read(
        [{"LOGINID": "ann", "ADMIN": "Off", "STATUS": "active"}],
        [("ann", "AP"), ("bob", "AP"), ("cy", "AP")],
        AP=AP,
    )
    access = access_review.live_access(rows, ROLE_KIND)
    assert access.scope.users_read == 1
    assert access.scope.unreadable == 2
    assert "bob, cy" in access.scope.reasons[0]
    assert access.roles["AP"][("accounts_payable", "bills")] == frozenset({"list", "view", "add"})


def test_a_refused_user_read_leaves_the_review_incomplete_and_says_why():
    rows = {"USERROLES": [{"USERID": "ann", "ROLENAME": "AP"}], "ROLES": []}
    access = access_review.live_access(rows, ROLE_KIND, ["cannot read USERINFO: denied"])
    assert not access.complete
    assert access.scope.unreadable == 1
    assert access.scope.reasons == ("cannot read USERINFO: denied",)


def plan_for(desired: State, live: State) -> Any:
    return planner.plan(desired, live, PlanOptions(target="t"))


def role(name: str, perms: dict[str, Any]) -> Resource:
    return Resource("roles", name, {"permissions": perms})


def test_a_changed_role_changes_every_holder_declared_or_not():
    rows = read(
        [
            {"LOGINID": "ann", "ADMIN": "Off", "STATUS": "active"},
            {"LOGINID": "gone", "ADMIN": "Off", "STATUS": "inactive"},
        ],
        [("ann", "AP"), ("gone", "AP")],
        AP=AP,
    )
    access = access_review.live_access(rows, ROLE_KIND)
    live = State(
        {
            "roles": {
                "AP": role(
                    "AP",
                    {
                        "accounts_payable": {
                            "bills": ("add", "list", "view"),
                            "vendors": ("list", "view"),
                        }
                    },
                )
            }
        }
    )
    desired = State(
        {
            "roles": {
                "AP": role(
                    "AP",
                    {"accounts_payable": {"bills": ("list", "view"), "vendors": ("list", "view")}},
                )
            }
        }
    )
    plan = plan_for(desired, live)
    reviewed, snaps = access_review.review(REGISTRY, plan, desired, live, access)
    assert [(str(a.user), a.module, a.permission, a.removed) for a in reviewed.access_changes] == [
        ("users/ann", "accounts_payable", "bills", ("add",))
    ]  # the inactive user holds nothing, before or after
    assert reviewed.access_scope is not None and reviewed.access_scope.users_read == 2
    assert snaps.after["ann"].rights[("accounts_payable", "bills")] == frozenset({"list", "view"})


def test_a_declared_user_losing_full_admin_is_reviewed_with_its_manifest_ref():
    rows = read([{"LOGINID": "int", "ADMIN": "Full", "LOGINDISABLED": "true"}], [])
    access = access_review.live_access(rows, ROLE_KIND)
    user = {"admin": "full", "roles": ()}
    live = State({"web_services_users": {"int": Resource("web_services_users", "int", user)}})
    desired = State(
        {
            "web_services_users": {
                "int": Resource("web_services_users", "int", {**user, "admin": "off"})
            }
        }
    )
    plan = plan_for(desired, live)
    reviewed, snaps = access_review.review(REGISTRY, plan, desired, live, access)
    (change,) = reviewed.access_changes
    assert change.user == Ref("web_services_users", "int")
    assert (change.module, change.permission, change.before, change.after) == (
        "admin",
        "privileges",
        ("full",),
        (),
    )
    assert snaps.before["int"].web_services and snaps.after["int"].admin == "off"


def test_a_user_the_plan_creates_starts_from_no_access():
    rows = read([], [], AP=AP)
    access = access_review.live_access(rows, ROLE_KIND)
    new_user = {"first_name": "A", "last_name": "B", "email": "a@b.c", "roles": ("AP",)}
    desired = State(
        {"web_services_users": {"api": Resource("web_services_users", "api", new_user)}}
    )
    plan = plan_for(desired, State({}))
    reviewed, snaps = access_review.review(REGISTRY, plan, desired, State({}), access)
    assert {(a.permission, a.after) for a in reviewed.access_changes} == {
        ("bills", ("add", "list", "view")),
        ("vendors", ("list", "view")),
    }
    assert "api" not in snaps.before and snaps.after["api"].web_services


class DescribingGateway:
    """getUserPermissions answers for some users and refuses the others (as Intacct does
    without Users > Permissions View on a user's entity)."""

    def __init__(self, answers: dict[str, dict[str, dict[str, list[str]]]]):
        self.answers = answers
        self.asked: list[str] = []

    def get_user_permissions(self, login: str) -> dict[str, dict[str, list[str]]]:
        self.asked.append(login)
        if login not in self.answers:
            raise AuthorizationError("Permission denied")
        return self.answers[login]


def test_user_based_rights_are_read_per_active_user_and_refusals_counted():
    rows = read(
        [
            {"LOGINID": "ann", "STATUS": "active"},
            {"LOGINID": "bob", "STATUS": "active"},
            {"LOGINID": "old", "STATUS": "inactive"},
        ],
        [],
    )
    gateway = DescribingGateway({"ann": {"Accounts Payable": {"Pay bills": ["Run"]}}})
    access = access_review.with_user_based_rights(
        gateway, access_review.live_access(rows, ROLE_KIND)
    )
    assert gateway.asked == ["ann", "bob"]  # inactive users hold nothing: not asked
    assert access.users["ann"].direct == {("accounts_payable", "pay_bills"): frozenset({"run"})}
    assert access.scope.unreadable == 1
    assert any("Permission denied" in r and "bob" in r for r in access.scope.reasons)
