"""Reads of business objects need the object's permission: List to list (query, readByQuery),
View to read by key (read, readByName); admin privileges grant nothing by themselves. A refusal
is PL04000005, as integrators see it for a role without the right. REST checks the same rights
for the token's user and answers 403."""

from __future__ import annotations

import httpx
from lxml.builder import E

from intacct_reconcile.sandbox import company, objects

from .conftest import REST_CREDENTIALS, Gateway, errors_of, login

PASSWORD = "reader-pw"
LIST_ACCOUNTS = E.readByQuery(
    E.object("GLACCOUNT"), E.fields("RECORDNO"), E.query(""), E.pagesize("1")
)
QUERY_ACCOUNTS = E.query(E.object("GLACCOUNT"), E.select(E.field("ACCOUNTNO")))
READ_BY_NAME = E.readByName(E.object("GLACCOUNT"), E.fields("*"), E.keys("1000"))


def add_reader(gw: Gateway, *, admin: str, rights: str | None) -> None:
    """User `reader` whose one role grants General Ledger > Accounts `rights` (if any)."""
    store = gw.app.store
    objects.create(store, "ROLES", {"NAME": "Readers"}, via="seed")
    if rights is not None:
        objects.create(
            store,
            "ROLEPOLICYASSIGNMENT",
            {
                "ROLENAME": "Readers",
                "APPLICATIONNAME": "General Ledger",
                "POLICYNAME": "Accounts",
                "RIGHTS": rights,
            },
            via="seed",
        )
    objects.create(
        store,
        "USERINFO",
        {
            "LOGINID": "reader",
            "ADMIN": admin,
            "CONTACTINFO": {"FIRSTNAME": "R", "LASTNAME": "Eader", "EMAIL1": "r@demo.example"},
        },
        via="seed",
    )
    objects.create(store, "USERROLES", {"USERID": "reader", "ROLENAME": "Readers"}, via="seed")
    company.set_user_password(store, "reader", PASSWORD)


def as_reader(gw: Gateway, body) -> list[tuple[str, str, str]]:
    (result,) = gw.results(body, auth=login("reader", PASSWORD))
    return errors_of(result) if result.findtext("status") == "failure" else []


def test_without_the_permission_listing_fails_as_intacct_answers(gw: Gateway):
    add_reader(gw, admin="Full", rights=None)  # admin privileges alone grant no reads
    (error,) = as_reader(gw, LIST_ACCOUNTS)
    assert error[0] == "PL04000005"
    assert error[2] == (
        "You do not have permission for API operation READ_BY_QUERY on objects of type glaccount"
    )
    (error,) = as_reader(gw, QUERY_ACCOUNTS)
    assert "API operation QUERY on objects of type glaccount" in error[2]
    # objects outside the table stay readable; the admin's own reads are untouched
    assert as_reader(gw, E.readByQuery(E.object("USERINFO"), E.fields("*"), E.query(""))) == []
    gw.ok(LIST_ACCOUNTS)


def test_list_lets_a_user_list_and_view_lets_it_read_by_key(gw: Gateway):
    add_reader(gw, admin="Off", rights="View")
    assert as_reader(gw, READ_BY_NAME) == []
    (error,) = as_reader(gw, LIST_ACCOUNTS)
    assert error[0] == "PL04000005"
    row = objects.find(gw.app.store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": "Readers"})[0]
    objects.update(gw.app.store, "ROLEPOLICYASSIGNMENT", {**row, "RIGHTS": "List|View"}, via="seed")
    assert as_reader(gw, LIST_ACCOUNTS) == []
    assert as_reader(gw, QUERY_ACCOUNTS) == []


def test_any_one_of_the_granting_permissions_is_enough(gw: Gateway):
    """VENDOR is granted by Accounts Payable, Purchasing or Inventory Control > Vendors; a
    user-based permission (USERRIGHTS) counts like a role's."""
    add_reader(gw, admin="Off", rights=None)
    vendors = E.readByQuery(E.object("VENDOR"), E.fields("RECORDNO"), E.query(""))
    assert as_reader(gw, vendors)[0][0] == "PL04000005"
    objects.create(
        gw.app.store,
        "USERRIGHTS",
        {
            "LOGINID": "reader",
            "APPLICATIONNAME": "Purchasing",
            "POLICYNAME": "Vendors",
            "RIGHTS": "List",
        },
        via="seed",
    )
    assert as_reader(gw, vendors) == []


# -- the same rights over REST --------------------------------------------------------------


def rest_as_reader(rest_http: httpx.Client) -> httpx.Client:
    """rest_http with a token for user `reader` (the company's REST client, on its behalf)."""
    credentials = {**REST_CREDENTIALS, "username": f"reader@{company.COMPANY_ID}"}
    answer = rest_http.post("oauth2/token", data=credentials)
    assert answer.status_code == 200, answer.text
    rest_http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return rest_http


def refused(answer: httpx.Response) -> str:
    assert answer.status_code == 403, answer.text
    error = answer.json()["ia::result"]["ia::error"]
    assert error["code"] == "forbidden"
    assert "General Ledger > Accounts" in error["details"][0]["message"]
    return error["message"]


ACCOUNT_QUERY = {"object": "general-ledger/account", "fields": ["id", "name"]}


def test_rest_reads_need_the_same_rights(gw: Gateway, rest_http: httpx.Client):
    add_reader(gw, admin="Full", rights=None)  # admin privileges alone grant no reads
    api = rest_as_reader(rest_http)
    message = refused(api.post("services/core/query", json=ACCOUNT_QUERY))
    assert message == (
        "You do not have permission for API operation QUERY on objects of type glaccount"
    )
    refused(api.get("objects/general-ledger/account"))
    key = objects.find(gw.app.store, "GLACCOUNT", {})[0]["RECORDNO"]
    assert "operation READ " in refused(api.get(f"objects/general-ledger/account/{key}"))
    # objects outside the table stay readable (users), as over XML
    assert api.get("objects/company-config/user").status_code == 200


def test_rest_list_needs_list_and_get_needs_view(gw: Gateway, rest_http: httpx.Client):
    add_reader(gw, admin="Off", rights="View")
    api = rest_as_reader(rest_http)
    key = objects.find(gw.app.store, "GLACCOUNT", {})[0]["RECORDNO"]
    account = api.get(f"objects/general-ledger/account/{key}")
    assert account.status_code == 200, account.text
    assert account.json()["ia::result"]["key"] == str(key)
    refused(api.post("services/core/query", json=ACCOUNT_QUERY))
    row = objects.find(gw.app.store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": "Readers"})[0]
    objects.update(gw.app.store, "ROLEPOLICYASSIGNMENT", {**row, "RIGHTS": "List|View"}, via="seed")
    answer = api.post("services/core/query", json=ACCOUNT_QUERY)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ia::result"], "the starter company has GL accounts"
