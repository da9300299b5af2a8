"""lookup, inspect, getDimensions, getUserPermissions, get_applications, get_companyprefs."""

from __future__ import annotations

import pytest
from lxml.builder import E

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.objects import permissions

from .conftest import Gateway, errors_of, login


def test_lookup_lists_fields_with_flags_and_relationships(gw: Gateway) -> None:
    data = gw.ok(E.lookup(E.object("GLACCOUNT"))).find("data")
    kind = data.find("Type")
    assert kind.get("Name") == "GLACCOUNT"
    fields = {f.findtext("ID"): f for f in kind.findall("Fields/Field")}
    assert fields["ACCOUNTNO"].findtext("REQUIRED") == "true"
    assert fields["RECORDNO"].findtext("READONLY") == "true"
    assert [v.text for v in fields["NORMALBALANCE"].findall("VALIDVALUES/VALIDVALUE")] == [
        "debit",
        "credit",
    ]
    related = [
        (r.findtext("OBJECTPATH"), r.findtext("RELATEDBY"))
        for r in kind.findall("Relationships/Relationship")
    ]
    assert ("GLACCOUNT", "CLOSINGACCOUNTNO") in related
    users = gw.ok(E.lookup(E.object("USERINFO"))).find("data/Type")
    assert "CONTACTINFO.EMAIL1" in [f.findtext("ID") for f in users.findall("Fields/Field")]


def test_inspect_levels(gw: Gateway) -> None:
    everything = gw.ok(E.inspect(E.object("*"))).find("data")
    names = [t.get("typename") for t in everything.findall("type")]
    assert {"GLACCOUNT", "USERINFO", "ROLES", "CREDITCARD", "PTAPPLICATION"} <= set(names)
    assert everything.get("count") == str(len(names))
    brief = gw.ok(E.inspect(E.object("EMPLOYEE"))).find("data/Type")
    assert "EMPLOYEEID" in [f.text for f in brief.findall("Fields/Field")]
    detail = gw.ok(E.inspect(E.object("EMPLOYEE"), detail="1")).find("data/Type")
    assert detail.findtext("Attributes/TypeName") == "EMPLOYEE"
    employee_id = next(
        f for f in detail.findall("Fields/Field") if f.findtext("Name") == "EMPLOYEEID"
    )
    assert employee_id.findtext("isRequired") == "true"
    assert gw.fail(E.inspect(E.object("NOPE")))


def test_get_dimensions(gw: Gateway) -> None:
    data = gw.ok(E.getDimensions()).find("data/dimensions")
    names = [d.findtext("objectName") for d in data.findall("dimension")]
    assert {"DEPARTMENT", "LOCATION", "EMPLOYEE", "VENDOR"} <= set(names)
    assert {"CLASS", "PROJECT", "CUSTOMER", "ITEM"} <= set(names)
    user_defined = {
        d.findtext("objectName")
        for d in data.findall("dimension")
        if d.findtext("userDefinedDimension") == "true"
    }
    # the starter company's one UDD; the standard dimensions are not user-defined
    assert user_defined == {"LINE_OF_BUSINESS"}


def _policies(result) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    found = {}
    for app in result.findall("data/permissions/appSubscription"):
        for policy in app.findall("policies/policy"):
            found[(app.findtext("applicationName"), policy.findtext("policyName"))] = (
                policy.findtext("rights")
            )
    return found


def test_admin_has_every_catalogue_permission(gw: Gateway) -> None:
    found = _policies(gw.ok(E.getUserPermissions(E.userId("admin"))))
    expected = sum(len(m.policies) for m in permissions.modules())
    assert len(found) == expected
    assert found[("Administration", "Application Subscriptions")] == (
        "List|View|Subscribe|Configure|Remove|Assign Users"
    )


def test_permissions_merge_over_roles(gw: Gateway) -> None:
    store = gw.app.store
    objects.create(
        store,
        "USERINFO",
        {
            "LOGINID": "bot",
            "CONTACTINFO": {"FIRSTNAME": "b", "LASTNAME": "o", "EMAIL1": "b@o.t"},
            "LOGINDISABLED": "true",
        },
    )
    for role, rights in (("Readers", "List|View"), ("Writers", "Add|List")):
        objects.create(store, "ROLES", {"NAME": role}, via="rest")
        objects.create(
            store,
            "ROLEPOLICYASSIGNMENT",
            {
                "ROLENAME": role,
                "APPLICATIONNAME": "Accounts Payable",
                "POLICYNAME": "Vendors",
                "RIGHTS": rights,
            },
            via="rest",
        )
        objects.create(store, "USERROLES", {"USERID": "bot", "ROLENAME": role})
    found = _policies(gw.ok(E.getUserPermissions(E.userId("bot"))))
    assert found == {("Accounts Payable", "Vendors"): "List|View|Add"}


def test_unknown_user_permissions(gw: Gateway) -> None:
    (result,) = gw.results(E.getUserPermissions(E.userId("unittest")))
    assert errors_of(result) == [("BL03000025", "Login ID unittest does not exist.", "")]


def test_get_applications_follows_subscriptions(gw: Gateway) -> None:
    codes = [a.text for a in gw.ok(E.get_applications()).findall("data/application")]
    assert codes == company.STARTER_SUBSCRIPTIONS
    company.unsubscribe(gw.app.store, "AR")
    company.subscribe(gw.app.store, "PO")
    codes = [a.text for a in gw.ok(E.get_applications()).findall("data/application")]
    assert "AR" not in codes and "PO" in codes
    with pytest.raises(objects.SandboxError):
        company.subscribe(gw.app.store, "NOPE")


def test_get_companyprefs(gw: Gateway) -> None:
    result = gw.ok(E.get_companyprefs(application="GEN"))
    prefs = {
        p.findtext("preference"): p.findtext("prefvalue")
        for p in result.findall("data/companypref")
    }
    assert prefs["PRIMARY_ACCTNO_LENGTH"] == "4"
    assert {p.findtext("application") for p in result.findall("data/companypref")} == {"GEN"}
    store = gw.app.store
    with pytest.raises(objects.SandboxError):
        company.set_preference(store, "EE", "EXPENSE_REPORT_SEQUENCE", "EXP")  # no such sequence
    objects.create(
        store,
        "SEQUENCE",
        {"SEQUENCEID": "EXP", "FIXEDPREFIX": "EXP", "FIXEDLENGTH": "4"},
        via="rest",
    )
    company.set_preference(store, "EE", "EXPENSE_REPORT_SEQUENCE", "EXP")
    result = gw.ok(E.get_companyprefs(application="EE"))
    prefs = {
        p.findtext("preference"): p.findtext("prefvalue")
        for p in result.findall("data/companypref")
    }
    assert prefs["EXPENSE_REPORT_SEQUENCE"] == "EXP"
    assert gw.ok(E.get_companyprefs(application="ZZ")).find("data/companypref") is None


def test_user_permissions_need_users_view(gw: Gateway) -> None:
    store = gw.app.store
    objects.create(
        store,
        "USERINFO",
        {"LOGINID": "clerk", "CONTACTINFO": {"FIRSTNAME": "c", "LASTNAME": "l", "EMAIL1": "c@l.k"}},
    )
    company.set_user_password(store, "clerk", "pw")
    (denied,) = gw.results(E.getUserPermissions(E.userId("admin")), auth=login("clerk", "pw"))
    assert "You do not have permission for API" in errors_of(denied)[0][2]
    objects.create(store, "ROLES", {"NAME": "UserViewers"}, via="rest")
    objects.create(
        store,
        "ROLEPOLICYASSIGNMENT",
        {
            "ROLENAME": "UserViewers",
            "APPLICATIONNAME": "Administration",
            "POLICYNAME": "Users",
            "RIGHTS": "List|View",
        },
        via="rest",
    )
    objects.create(store, "USERROLES", {"USERID": "clerk", "ROLENAME": "UserViewers"})
    (allowed,) = gw.results(E.getUserPermissions(E.userId("clerk")), auth=login("clerk", "pw"))
    assert _policies(allowed) == {("Administration", "Users"): "List|View"}
