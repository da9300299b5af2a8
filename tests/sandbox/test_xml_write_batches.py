"""A create function of many records: its rows are written behind (store.py), its ids read
ahead in one query and its result written as text; none of that may show."""

from __future__ import annotations

import sqlite3

import pytest
from lxml import etree
from lxml.builder import E

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.store import Store

from .conftest import Gateway, errors_of, login


def account(number: str, **extra: str) -> etree._Element:
    node = E.GLACCOUNT(E.ACCOUNTNO(number), E.TITLE(f"Account {number}"))
    for name, value in extra.items():
        node.append(E(name, value))
    return node


def listed(result: etree._Element) -> list[tuple[str, str, str]]:
    return [(c.tag, c[0].tag, c[1].text or "") for c in result.find("data")]


def test_later_records_see_earlier_ones_of_the_same_function(gw: Gateway) -> None:
    closing = {"CLOSINGTYPE": "closing account", "CLOSINGACCOUNTNO": "7001"}
    result = gw.ok(
        E.create(account("7001"), account("7002", **closing), account("7003", **closing))
    )
    rows = result.find("data")
    assert rows.get("count") == "3"
    numbers = [int(c.findtext("RECORDNO")) for c in rows]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert [c.findtext("ACCOUNTNO") for c in rows] == ["7001", "7002", "7003"]
    stored = objects.get_by_key(gw.app.store, "GLACCOUNT", "7003")
    assert stored["RECORDNO"] == str(numbers[2]) and stored["CLOSINGACCOUNTNO"] == "7001"
    # the next create continues the count: nothing was allocated twice or skipped
    again = gw.ok(E.create(account("7004")))
    assert again.findtext("data/glaccount/RECORDNO") == str(numbers[2] + 1)


def test_a_duplicate_within_the_function_fails_it_whole_and_spends_no_numbers(
    gw: Gateway,
) -> None:
    before = gw.ok(E.create(account("7100"))).findtext("data/glaccount/RECORDNO")
    (result,) = gw.results(E.create(account("7101"), account("7102"), account("7101")))
    assert result.findtext("status") == "failure"
    assert errors_of(result)[:2] == [
        ("BL01001973", "Record 3 (GLACCOUNT) failed", ""),
        ("BL01001973", "Duplicate account number", "The account number '7101' already exists"),
    ]
    for number in ("7101", "7102"):
        assert objects.get_by_key(gw.app.store, "GLACCOUNT", number) is None
    after = gw.ok(E.create(account("7103"))).findtext("data/glaccount/RECORDNO")
    assert int(after) == int(before) + 1


def test_a_record_duplicating_a_stored_one_names_its_position(gw: Gateway) -> None:
    (result,) = gw.results(E.create(account("7200"), account("1000")))
    assert errors_of(result)[:2] == [
        ("BL01001973", "Record 2 (GLACCOUNT) failed", ""),
        ("BL01001973", "Duplicate account number", "The account number '1000' already exists"),
    ]
    assert objects.get_by_key(gw.app.store, "GLACCOUNT", "7200") is None


def test_records_of_several_objects_are_listed_in_the_order_sent(gw: Gateway) -> None:
    result = gw.ok(
        E.create(
            account("7300"),
            E.DEPARTMENT(E.DEPARTMENTID("D73"), E.TITLE("Dept")),
            account("7301"),
        )
    )
    assert listed(result) == [
        ("glaccount", "RECORDNO", "7300"),
        ("department", "RECORDNO", "D73"),
        ("glaccount", "RECORDNO", "7301"),
    ]


@pytest.mark.parametrize("whitespace", ["true", "false"])
@pytest.mark.parametrize(
    "ids",
    [
        ["A&B", "<C>", "C\rD", "plain"],
        ["D\ue000E", "F"],  # holds the text rows' placeholder for an empty value
    ],
)
def test_ids_needing_escapes_come_back_as_sent(
    gw: Gateway, whitespace: str, ids: list[str]
) -> None:
    bodies = [E.DEPARTMENT(E.DEPARTMENTID(i), E.TITLE("t")) for i in ids]
    answer = gw.post(
        etree.tostring(
            E.request(
                E.control(
                    E.senderid(company.SENDER_ID),
                    E.password(company.SENDER_PASSWORD),
                    E.controlid("r"),
                    E.uniqueid("false"),
                    E.dtdversion("3.0"),
                    E.includewhitespace(whitespace),
                ),
                E.operation(
                    E.authentication(login()),
                    E.content(E.function(E.create(*bodies), controlid="f")),
                ),
            )
        )
    )
    root = etree.fromstring(answer.content)
    assert [c.findtext("DEPARTMENTID") for c in root.find("operation/result/data")] == ids


# -- the store's inserts written behind ----------------------------------------------------


def test_rows_kept_behind_are_seen_by_every_read() -> None:
    store = Store.open()
    with store.transaction():
        first = store.insert("X", "a", {"V": "1", "MEGAENTITYID": "E1"})
        second = store.insert("X", "b", {"V": "2"})
        assert second == first + 1
        assert store.get_by_key("X", "a") == {"V": "1", "MEGAENTITYID": "E1", "RECORDNO": "1"}
        assert store.in_entity("E2").get_by_key("X", "a") is None  # another entity's record
        assert store.in_entity("E1").get_by_key("X", "a") is not None
        assert store.get_by_key("X", "c") is None
        assert [r["V"] for r in store.all("X")] == ["1", "2"]  # written before the query
        store.insert("X", "c", {"V": "3"})
        assert store.count("X") == 3
    assert store.get("X", 3) == {"V": "3", "RECORDNO": "3"}


def test_rows_kept_behind_go_with_a_rollback_and_spend_no_numbers() -> None:
    store = Store.open()
    store.insert("X", "a", {})
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("X", "b", {})
        with store.transaction():
            store.insert("X", "c", {})
        raise RuntimeError("undo")
    assert store.get_by_key("X", "b") is None and store.get_by_key("X", "c") is None
    assert store.insert("X", "d", {}) == 2


def test_a_key_used_twice_fails_at_the_second_insert() -> None:
    store = Store.open()
    with store.transaction():
        store.insert("X", "a", {})
        with pytest.raises(sqlite3.IntegrityError):
            store.insert("X", "a", {})
        assert store.insert("X", "b", {}) == 2
    assert [r["RECORDNO"] for r in store.all("X")] == ["1", "2"]


def test_keys_read_ahead_are_dropped_by_any_other_use_of_the_store() -> None:
    store = Store.open()
    store.insert("X", "a", {"V": "old"})
    with store.transaction():
        store.prefetch("X", ["a", "b"])
        assert store.get_by_key("X", "a") == {"V": "old", "RECORDNO": "1"}
        assert store.get_by_key("X", "b") is None
        store.replace("X", 1, "a", {"V": "new"})
        store.insert("X", "b", {"V": "kept"})
        assert store.get_by_key("X", "a") == {"V": "new", "RECORDNO": "1"}
        assert store.get_by_key("X", "b") == {"V": "kept", "RECORDNO": "2"}
    assert store.get_by_key("X", "b") == {"V": "kept", "RECORDNO": "2"}
    store.prefetch("X", ["c"])  # outside a transaction: nothing is read ahead
    store.insert("X", "c", {})
    assert store.get_by_key("X", "c") is not None
