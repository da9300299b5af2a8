"""transaction="true" rollback, per-function atomicity, uniqueid replay protection."""

from __future__ import annotations

from lxml.builder import E

from intacct_reconcile.sandbox import objects

from .conftest import Gateway, errors_of, fn


def account(number: str, title: str = "Test") -> object:
    return E.GLACCOUNT(E.ACCOUNTNO(number), E.TITLE(title))


def exists(gw: Gateway, number: str) -> bool:
    return objects.get_by_key(gw.app.store, "GLACCOUNT", number) is not None


def test_transaction_rolls_back_everything_on_failure(gw: Gateway) -> None:
    results = gw.results(
        E.create(account("8001")),
        E.create(account("1000")),
        E.create(account("8002")),
        transaction=True,
    )
    assert [r.findtext("status") for r in results] == ["aborted", "failure", "aborted"]
    for aborted in (results[0], results[2]):
        (error,) = errors_of(aborted)
        assert error[0] == "XL03000009"
        assert "rolled back" in error[1]
    assert errors_of(results[1])[0][1] == "Duplicate account number"
    assert not exists(gw, "8001") and not exists(gw, "8002")


def test_transaction_commits_when_all_succeed(gw: Gateway) -> None:
    results = gw.results(E.create(account("8001")), E.create(account("8002")), transaction=True)
    assert [r.findtext("status") for r in results] == ["success", "success"]
    assert exists(gw, "8001") and exists(gw, "8002")


def test_without_transaction_only_the_failing_function_fails(gw: Gateway) -> None:
    results = gw.results(
        E.create(account("8001")), E.create(account("1000")), E.create(account("8002"))
    )
    assert [r.findtext("status") for r in results] == ["success", "failure", "success"]
    assert exists(gw, "8001") and exists(gw, "8002")


def test_a_function_with_one_bad_record_keeps_none_of_them(gw: Gateway) -> None:
    result = gw.results(E.create(account("8001"), account("1000"), account("8002")))[0]
    assert result.findtext("status") == "failure"
    assert result.find("data").get("count") == "0"
    assert "Record 2 (GLACCOUNT)" in errors_of(result)[0][1]
    assert not exists(gw, "8001") and not exists(gw, "8002")


def test_replayed_control_id_does_not_run_twice(gw: Gateway) -> None:
    first = gw.response(fn(E.create(account("8001")), "create-8001"), uniqueid=True)
    assert first.findtext("operation/result/status") == "success"
    objects.delete(
        gw.app.store, "GLACCOUNT", objects.get_by_key(gw.app.store, "GLACCOUNT", "8001")["RECORDNO"]
    )
    again = gw.response(fn(E.create(account("8001")), "create-8001"), uniqueid=True)
    result = again.find("operation/result")
    assert result.findtext("status") == "failure"
    assert errors_of(result)[0][1] == (
        "A successful transaction has already been recorded with the control id create-8001"
    )
    assert not exists(gw, "8001")


def test_uniqueid_is_on_by_default(gw: Gateway) -> None:
    gw.response(fn(E.create(account("8001")), "c-1"), uniqueid=None)
    again = gw.response(fn(E.create(account("8002")), "c-1"), uniqueid=None)
    assert again.findtext("operation/result/status") == "failure"
    assert not exists(gw, "8002")


def test_replay_protection_ignores_company_id_case(gw: Gateway) -> None:
    from .conftest import login

    gw.response(fn(E.create(account("8001")), "c-1"), uniqueid=True)
    again = gw.response(
        fn(E.create(account("8002")), "c-1"), uniqueid=True, auth=login(companyid="demo")
    )
    assert again.findtext("operation/authentication/status") == "success"
    assert again.findtext("operation/result/status") == "failure"


def test_uniqueid_false_allows_repeats(gw: Gateway) -> None:
    gw.response(fn(E.create(account("8001")), "c-1"), uniqueid=False)
    again = gw.response(fn(E.create(account("8002")), "c-1"), uniqueid=False)
    assert again.findtext("operation/result/status") == "success"


def test_failed_function_can_be_retried_with_the_same_control_id(gw: Gateway) -> None:
    bad = gw.response(fn(E.create(E.GLACCOUNT(E.ACCOUNTNO("8001"))), "c-1"), uniqueid=True)
    assert bad.findtext("operation/result/status") == "failure"
    good = gw.response(fn(E.create(account("8001")), "c-1"), uniqueid=True)
    assert good.findtext("operation/result/status") == "success"


def test_rolled_back_control_ids_are_forgotten(gw: Gateway) -> None:
    functions = [fn(E.create(account("8001")), "a"), fn(E.create(account("1000")), "b")]
    gw.response(*functions, transaction=True, uniqueid=True)
    retry = gw.response(fn(E.create(account("8001")), "a"), uniqueid=True)
    assert retry.findtext("operation/result/status") == "success"


def test_reads_may_reuse_control_ids(gw: Gateway) -> None:
    query = E.query(E.object("GLACCOUNT"), E.select(E.field("ACCOUNTNO")))
    for _ in range(2):
        root = gw.response(fn(query, "read-1"), uniqueid=True)
        assert root.findtext("operation/result/status") == "success"


def test_delete_with_one_missing_key_deletes_nothing(gw: Gateway) -> None:
    gw.results(E.create(account("8001")))
    recordno = objects.get_by_key(gw.app.store, "GLACCOUNT", "8001")["RECORDNO"]
    (result,) = gw.results(E.delete(E.object("GLACCOUNT"), E.keys(f"{recordno},99999")))
    assert result.findtext("status") == "failure"
    assert exists(gw, "8001")
