"""The SQLite store under the gateway: transactions, threads, files, bulk seeding, paging."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.objects import Cmp
from intacct_reconcile.sandbox.store import Store


def test_transaction_rolls_back_on_error_and_nests() -> None:
    store = Store.open()
    with store.transaction():
        store.insert("X", "a", {"V": "1"})
        with pytest.raises(RuntimeError), store.transaction():
            store.insert("X", "b", {"V": "2"})
            raise RuntimeError("inner")
    assert store.get_by_key("X", "a") is not None
    assert store.get_by_key("X", "b") is None
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("X", "c", {"V": "3"})
        raise RuntimeError("outer")
    assert store.get_by_key("X", "c") is None


def test_recordnos_are_never_reused() -> None:
    store = Store.open()
    first = store.insert("X", "a", {})
    store.remove("X", first)
    assert store.insert("X", "b", {}) == first + 1
    assert store.insert_many("X", [("c", {}), ("d", {})]) == 2
    assert store.get_by_key("X", "d")["RECORDNO"] == str(first + 3)


def test_state_persists_in_a_file(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    app = make_app(db)
    objects.create(app.store, "VENDOR", {"VENDORID": "V777", "NAME": "Kept"})
    company.add_ip_filter(app.store, "192.0.2.0/24")
    app.store.close()
    again = make_app(db)  # does not re-seed over existing state
    assert objects.get_by_key(again.store, "VENDOR", "V777")["NAME"] == "Kept"
    assert company.ip_filters(again.store) == ["192.0.2.0/24"]
    assert objects.query(again.store, "GLACCOUNT")[0] == len(company.ACCOUNTS)


def test_concurrent_writers_on_a_shared_memory_store() -> None:
    app = make_app()
    errors: list[Exception] = []

    def write(start: int) -> None:
        try:
            for i in range(start, start + 50):
                objects.create(app.store, "DEPARTMENT", {"DEPARTMENTID": f"D{i}", "TITLE": "t"})
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total, _ = objects.query(app.store, "DEPARTMENT", where=Cmp("like", "DEPARTMENTID", ("D%",)))
    assert total == 200


def test_bulk_insert_and_linear_paging() -> None:
    app = make_app()
    count = objects.bulk_insert(
        app.store,
        "GLACCOUNT",
        ({"ACCOUNTNO": f"9{i:05d}", "TITLE": f"Bulk {i}"} for i in range(3000)),
    )
    assert count == 3000
    assert objects.get_by_key(app.store, "GLACCOUNT", "900042")["NORMALBALANCE"] == "debit"
    where = Cmp("like", "TITLE", ("Bulk%",))
    seen = []
    for offset in range(0, 3000, 1000):
        total, page = objects.query(
            app.store,
            "GLACCOUNT",
            where=where,
            offset=offset,
            limit=1000,
            order=[("ACCOUNTNO", False)],
        )
        assert total == 3000
        seen += [r["ACCOUNTNO"] for r in page]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 3000
    with pytest.raises(objects.SandboxError):
        objects.bulk_insert(
            app.store, "GLACCOUNT", [{"ACCOUNTNO": "x", "TITLE": "t", "NORMALBALANCE": "up"}]
        )


def test_via_must_be_known() -> None:
    with pytest.raises(ValueError, match="via"):
        objects.create(Store.open(), "VENDOR", {"VENDORID": "v", "NAME": "n"}, via="magic")
