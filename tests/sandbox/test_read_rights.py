"""Reads of business objects need the object's permission: List to list (query, readByQuery),
View to read by key (read, readByName); admin privileges grant nothing by themselves. A refusal
is PL04000005, as integrators see it for a role without the right."""

from __future__ import annotations

from lxml.builder import E

from intacct_reconcile.sandbox import company, objects

from .conftest import Gateway, errors_of, login

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
