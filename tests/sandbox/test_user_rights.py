"""Only a business user with admin privileges whose roles grant the Users permission writes
users, user-role links (XML) and roles (REST); anyone else gets "Permission denied"."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml.builder import E

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import SandboxApp

from .conftest import Gateway, errors_of, login

API = "/ia/api/v1/"
PASSWORD = "operator-password"
NEW_USER = E.create(
    E.USERINFO(
        E.LOGINID("newcomer"),
        E.CONTACTINFO(E.FIRSTNAME("New"), E.LASTNAME("Comer"), E.EMAIL1("n@demo.example")),
        E.LOGINDISABLED("true"),
    )
)


def add_operator(app: SandboxApp, *, admin: str, user_type: str, rights: str | None) -> None:
    """User `operator` with one role granting Administration > Users `rights` (if any)."""
    store = app.store
    objects.create(store, "ROLES", {"NAME": "Operators"}, via="seed")
    if rights is not None:
        objects.create(
            store,
            "ROLEPOLICYASSIGNMENT",
            {
                "ROLENAME": "Operators",
                "APPLICATIONNAME": "Administration",
                "POLICYNAME": "Users",
                "RIGHTS": rights,
            },
            via="seed",
        )
    objects.create(
        store,
        "USERINFO",
        {
            "LOGINID": "operator",
            "ADMIN": admin,
            "USERTYPE": user_type,
            "CONTACTINFO": {"FIRSTNAME": "O", "LASTNAME": "Perator", "EMAIL1": "o@demo.example"},
        },
        via="seed",
    )
    objects.create(store, "USERROLES", {"USERID": "operator", "ROLENAME": "Operators"}, via="seed")
    company.set_user_password(store, "operator", PASSWORD)


def create_user_as_operator(gw: Gateway) -> list[tuple[str, str, str]]:
    (result,) = gw.results(NEW_USER, auth=login("operator", PASSWORD))
    return errors_of(result) if result.findtext("status") == "failure" else []


@pytest.mark.parametrize(
    ("admin", "user_type", "rights", "why"),
    [
        ("Off", "business user", "List|View|Add|Edit", "does not have admin privileges"),
        ("Full", "view only user", "List|View|Add|Edit", "view only user"),
        ("Full", "business user", "List|View|Edit", "Administration > Users Add"),
        ("Full", "business user", None, "Administration > Users Add"),
    ],
)
def test_writing_users_needs_admin_privileges_an_admin_type_and_the_users_permission(
    gw: Gateway, admin: str, user_type: str, rights: str | None, why: str
):
    add_operator(gw.app, admin=admin, user_type=user_type, rights=rights)
    (error,) = create_user_as_operator(gw)
    assert error[1] == "Permission denied" and why in error[2], error
    assert objects.get_by_key(gw.app.store, "USERINFO", "newcomer") is None


def test_a_business_admin_with_the_users_permission_writes_users_and_role_links(gw: Gateway):
    add_operator(gw.app, admin="Full", user_type="business user", rights="List|View|Add|Edit")
    assert create_user_as_operator(gw) == []
    link = E.create(E.USERROLES(E.USERID("newcomer"), E.ROLENAME("Operators")))
    gw.ok(link, auth=login("operator", PASSWORD))


@pytest.fixture
def rest(gw: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=httpx.WSGITransport(app=gw.app), base_url="http://sandbox" + API
    ) as client:
        yield client


def token_for(rest: httpx.Client, user: str) -> dict[str, str]:
    answer = rest.post(
        "oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": company.REST_CLIENT_ID,
            "client_secret": company.REST_CLIENT_SECRET,
            "username": f"{user}@{company.COMPANY_ID}",
        },
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_rest_role_writes_need_the_same_rights(gw: Gateway, rest: httpx.Client):
    add_operator(gw.app, admin="Off", user_type="business user", rights="List|View|Add|Edit")
    role = {"id": "Auditors", "description": "read only"}
    denied = rest.post(
        "objects/company-config/role", json=role, headers=token_for(rest, "operator")
    )
    assert denied.status_code == 403, denied.text
    error = denied.json()["ia::result"]["ia::error"]
    assert "Permission denied" in error["message"] and "admin privileges" in error["message"]
    # reading stays open to the same token
    listed = rest.get("objects/company-config/role", headers=token_for(rest, "operator"))
    assert listed.status_code == 200
    made = rest.post("objects/company-config/role", json=role, headers=token_for(rest, "admin"))
    assert made.status_code == 201, made.text
