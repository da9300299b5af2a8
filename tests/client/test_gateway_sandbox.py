"""The XML gateway client against the sandbox (in-process over httpx.WSGITransport)."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import httpx
import pytest
from lxml import etree

from intacct_reconcile.client import envelope
from intacct_reconcile.client.errors import (
    AuthenticationError,
    AuthorizationError,
    DuplicateError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from intacct_reconcile.client.gateway import Gateway, ReadSpec
from intacct_reconcile.client.retry import NO_RETRY, RetryPolicy
from intacct_reconcile.credentials import Secret
from intacct_reconcile.sandbox import company

from .sandbox_fixtures import (
    XML_CREDS,
    accounts,
    fast_retry,
    gateway,
    http_for,
    request_log,
    sandbox,
    seed_accounts,
)

FIELDS = ["RECORDNO", "ACCOUNTNO", "TITLE"]


def test_paging_across_many_pages_returns_every_record_once(tmp_path):
    app = sandbox(tmp_path, concurrency=2)
    seed_accounts(app, 11_500)
    expected = app.store.count("GLACCOUNT")
    events = []
    gw = gateway(app, progress=events.append)
    rows = gw.read_all("GLACCOUNT", FIELDS)
    assert len(rows) == expected
    assert len({r["RECORDNO"] for r in rows}) == expected
    assert sorted(int(r["RECORDNO"]) for r in rows) == [int(r["RECORDNO"]) for r in rows]
    log = request_log(tmp_path)
    # session + first page + the 5 remaining pages packed into 2 concurrent requests
    assert log[0]["functions"] == ["getAPISession"]
    assert len(log) == 1 + 1 + 2
    assert sum(len(e["functions"]) for e in log[1:]) == 6
    assert events[-1].done == expected or max(e.done for e in events) == expected


def test_first_pages_of_several_objects_travel_together_over_the_lanes(tmp_path):
    app = sandbox(tmp_path)
    gw = gateway(app)
    out = gw.read_many(
        [
            ReadSpec("GLACCOUNT", FIELDS),
            ReadSpec("USERINFO", ["RECORDNO", "LOGINID"]),
            ReadSpec("ROLES", ["RECORDNO", "NAME"]),
            ReadSpec("LOCATION", ["RECORDNO", "LOCATIONID"], envelope.eq("LOCATIONID", "HQ")),
        ]
    )
    assert out["USERINFO"][0]["LOGINID"] == "admin"
    assert [r["LOCATIONID"] for r in out["LOCATION"]] == ["HQ"]
    assert len(out["GLACCOUNT"]) == app.store.count("GLACCOUNT")
    log = request_log(tmp_path)
    # four first pages in two requests (the company's two lanes), no lane idle meanwhile
    assert len(log) == 3 and [e["functions"] for e in log[1:]] == [["query"] * 2] * 2
    assert sorted(o for e in log[1:] for o in e["objects"]) == sorted(
        ["GLACCOUNT", "USERINFO", "ROLES", "LOCATION"]
    )


def test_a_read_with_a_row_function_gets_every_record_through_it_in_order(tmp_path):
    app = sandbox(tmp_path)
    seed_accounts(app, 4_500)  # three pages: the first, then two fetched in parallel
    gw = gateway(app)
    seen_on: set[str] = set()

    def row(record):
        seen_on.add(threading.current_thread().name)
        return ("row", record["ACCOUNTNO"])

    out = gw.read_many(
        [
            ReadSpec("GLACCOUNT", FIELDS, row=row),
            ReadSpec("USERINFO", ["RECORDNO", "LOGINID"]),
        ]
    )
    plain = gw.read_all("GLACCOUNT", FIELDS)
    assert out["GLACCOUNT"] == [("row", r["ACCOUNTNO"]) for r in plain]
    assert out["USERINFO"][0]["LOGINID"] == "admin"  # a read without one: records as parsed
    # the later pages were converted by the threads that fetched them
    assert any(name.startswith("intacct-xml") for name in seen_on)


@pytest.mark.parametrize("under", [None, 0, 1_400], ids=["unknown", "exact", "more-than-expected"])
def test_a_lone_read_expected_to_be_large_is_split_over_the_lanes_from_the_start(tmp_path, under):
    app = sandbox(tmp_path, concurrency=2)
    seed_accounts(app, 3_000)
    total = app.store.count("GLACCOUNT")
    expected = 0 if under is None else total - under
    gw = gateway(app)
    rows = gw.read_many([ReadSpec("GLACCOUNT", FIELDS, expected=expected)])["GLACCOUNT"]
    # every record once, in RECORDNO order, however the pages were cut
    assert [int(r["RECORDNO"]) for r in rows] == sorted({int(r["RECORDNO"]) for r in rows})
    assert len(rows) == total
    returned = [e["records_returned"] for e in request_log(tmp_path)[1:]]  # after the session
    if under is None:  # unknown size: a first page of 2,000 tells the count, as before
        assert returned[0] == 2000 and len(returned) == 2
    elif under == 0:  # two equal pages, in flight together
        assert sorted(returned) == [total // 2, total - total // 2]
    else:  # more than expected: the two first pages, then the rest in the lanes
        half = -(-expected // 2)
        assert sorted(returned[:2]) == [half, half]
        assert sum(returned) == total and len(returned) == 4


def test_read_by_query_and_read_more_page_through(tmp_path):
    app = sandbox(tmp_path)
    seed_accounts(app, 2_300)
    gw = gateway(app)
    rows = gw.read_many([ReadSpec("GLACCOUNT", ["RECORDNO"], method="readByQuery")])["GLACCOUNT"]
    assert len(rows) == app.store.count("GLACCOUNT")
    functions = [e["functions"] for e in request_log(tmp_path)[1:]]
    assert functions == [["readByQuery"], ["readMore"], ["readMore"]]


def test_all_fields_are_read_with_read_by_query(tmp_path):
    app = sandbox(tmp_path)
    rows = gateway(app).read_all("LOCATION", ["*"])
    assert len(rows) == app.store.count("LOCATION")
    assert {"RECORDNO", "LOCATIONID", "NAME"} <= set(rows[0])
    assert request_log(tmp_path)[1]["functions"] == ["readByQuery"]


def test_writes_are_batched_and_land(tmp_path):
    app = sandbox(tmp_path)
    before = app.store.count("GLACCOUNT")
    events = []
    gw = gateway(app, progress=events.append)
    results = gw.create("GLACCOUNT", accounts(250), idempotency_key="batch-1")
    assert all(r.ok for r in results)
    assert [r.key for r in results] == [str(50_000 + i) for i in range(250)]
    assert app.store.count("GLACCOUNT") == before + 250
    writes = [e for e in request_log(tmp_path) if e["functions"][:1] == ["create"]]
    assert len(writes) == 1 and writes[0]["functions"] == ["create"] * 3
    assert writes[0]["records_sent"] == 250
    assert events[-1].action == "write" and events[-1].done == 250

    updated = gw.update(
        "GLACCOUNT",
        [{"RECORDNO": r.recordno, "TITLE": "Renamed"} for r in results[:3]],
        idempotency_key="upd-1",
    )
    assert all(u.ok for u in updated)
    assert app.store.get("GLACCOUNT", int(results[0].recordno))["TITLE"] == "Renamed"
    deleted = gw.delete("GLACCOUNT", [r.recordno for r in results[-2:]], idempotency_key="del-1")
    assert all(d.ok for d in deleted)
    assert app.store.count("GLACCOUNT") == before + 248


def test_independent_writes_go_in_the_lanes_together_and_keep_their_order(tmp_path):
    app = sandbox(tmp_path, latency_ms=30, concurrency=2, queue_wait_s=0)
    before = app.store.count("GLACCOUNT")
    gw = gateway(app, concurrency=2, retry=NO_RETRY)
    batch = accounts(1_000)
    batch[650] = {"ACCOUNTNO": "50650"}  # no TITLE: its function fails, then its records alone
    results = gw.create("GLACCOUNT", batch, idempotency_key="wide", independent=True)
    assert [r.key for r in results if r.ok] == [str(50_000 + i) for i in range(1_000) if i != 650]
    assert isinstance(results[650].error, ValidationError)
    assert app.store.count("GLACCOUNT") == before + 999
    writes = [e for e in request_log(tmp_path) if e["functions"][:1] == ["create"]]
    # ten functions in two requests of five, in flight together; then the failed function's
    # hundred records one by one (their own verdicts)
    assert [len(e["functions"]) for e in writes[:2]] == [5, 5]
    assert gw.peak_in_flight == 2
    assert sum(e["records_sent"] for e in writes[2:]) == 100


def test_rerunning_the_same_write_never_applies_twice(tmp_path):
    app = sandbox(tmp_path)
    gw = gateway(app)
    first = gw.create("GLACCOUNT", accounts(120), idempotency_key="run-7")
    count = app.store.count("GLACCOUNT")
    again = gw.create("GLACCOUNT", accounts(120), idempotency_key="run-7", key_field="ACCOUNTNO")
    assert app.store.count("GLACCOUNT") == count
    assert all(r.ok and r.replayed for r in again)
    assert [r.recordno for r in again] == [r.recordno for r in first]


def test_a_failing_record_gets_its_own_result_and_the_rest_still_apply(tmp_path):
    app = sandbox(tmp_path)
    gw = gateway(app)
    gw.create("GLACCOUNT", accounts(1, start=60_005), idempotency_key="pre")
    batch = accounts(10, start=60_000)
    batch[7] = {"ACCOUNTNO": "60007"}  # no TITLE: required
    results = gw.create("GLACCOUNT", batch, idempotency_key="mixed")
    assert [r.ok for r in results] == [True] * 5 + [False, True, False, True, True]
    assert isinstance(results[5].error, DuplicateError)
    assert isinstance(results[7].error, ValidationError)
    assert app.store.get_by_key("GLACCOUNT", "60009") is not None


def test_a_lost_response_after_the_write_applied_is_not_applied_again(tmp_path):
    app = sandbox(tmp_path)
    lost = {"done": False}

    def flaky(environ, start_response):
        captured = {}
        body = b"".join(app(environ, lambda s, h, e=None: captured.update(s=s, h=h)))
        if b"<create>" in body or (not lost["done"] and b'listtype="objects"' in body):
            lost["done"] = True
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        start_response(captured["s"], captured["h"])
        return [body]

    gw = Gateway(http_for(flaky), XML_CREDS, retry=fast_retry())
    before = app.store.count("GLACCOUNT")
    results = gw.create(
        "GLACCOUNT", accounts(30, start=70_000), idempotency_key="lost", key_field="ACCOUNTNO"
    )
    assert lost["done"]
    assert app.store.count("GLACCOUNT") == before + 30
    assert all(r.ok and r.replayed for r in results)
    assert all(r.recordno for r in results)


def test_no_duplicates_after_a_run_with_30_percent_faults(tmp_path):
    app = sandbox(tmp_path, fault_rate=0.3, seed=1234)
    seed_accounts(app, 6_000)
    gw = gateway(app, retry=fast_retry(attempts=10))
    before = app.store.count("GLACCOUNT")
    results = gw.create("GLACCOUNT", accounts(400), idempotency_key="chaos")
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    rows = gw.read_all("GLACCOUNT", ["RECORDNO", "ACCOUNTNO"])
    assert app.store.count("GLACCOUNT") == before + 400 == len(rows)
    assert len({r["ACCOUNTNO"] for r in rows}) == len(rows)
    faults = Counter(e["fault"] for e in request_log(tmp_path) if e["fault"])
    assert sum(faults.values()) >= 2  # the run did meet injected failures


def test_session_expiry_mid_run_renews_the_session(tmp_path):
    app = sandbox(tmp_path)
    gw = gateway(app)
    gw.get_applications()
    real = app.clock
    app.clock = lambda: real() + 24 * 3600  # every session has now timed out
    assert "GL" in gw.get_applications()
    names = [e["functions"] for e in request_log(tmp_path)]
    assert names == [
        ["getAPISession"],
        ["get_applications"],
        ["get_applications"],
        ["getAPISession"],
        ["get_applications"],
    ]


def test_concurrency_limit_is_respected(tmp_path):
    app = sandbox(tmp_path, latency_ms=40, concurrency=2, queue_wait_s=0)
    seed_accounts(app, 16_000)
    gw = gateway(app, concurrency=2, retry=NO_RETRY)
    assert len(gw.read_all("GLACCOUNT", ["RECORDNO"])) == app.store.count("GLACCOUNT")
    assert gw.peak_in_flight == 2
    assert all(e["status"] == 200 for e in request_log(tmp_path))


def test_rate_limiting_is_retried_with_backoff(tmp_path):
    app = sandbox(tmp_path, latency_ms=20, concurrency=1, queue_wait_s=0)
    seed_accounts(app, 12_000)
    with pytest.raises(RateLimitedError):
        gateway(app, concurrency=3, retry=NO_RETRY).read_all("GLACCOUNT", ["RECORDNO"])
    sleeps = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)  # really wait: the request holding the slot must finish

    retry = RetryPolicy(attempts=40, base_delay=0.01, max_delay=0.08, sleep=sleep)
    rows = gateway(app, concurrency=3, retry=retry).read_all("GLACCOUNT", ["RECORDNO"])
    assert len(rows) == app.store.count("GLACCOUNT")
    assert sleeps  # 429s happened and were waited out
    assert any(e["status"] == 429 for e in request_log(tmp_path))


def test_transient_failures_surface_after_bounded_attempts(tmp_path):
    app = sandbox(tmp_path, fault_rate=1.0, seed=3)
    with pytest.raises(TransientError):
        gateway(app, retry=fast_retry(attempts=3)).get_applications()
    assert len(request_log(tmp_path)) == 3


def test_bad_sender_password_is_an_authentication_error(tmp_path):
    creds = XML_CREDS.__class__(**{**XML_CREDS.__dict__, "sender_password": Secret("wrong-pw-1")})
    gw = Gateway(http_for(sandbox()), creds, retry=fast_retry())
    with pytest.raises(AuthenticationError) as info:
        gw.get_applications()
    assert "XL03000006" in str(info.value)


def test_bad_user_password_is_an_authentication_error_without_secrets(caplog):
    caplog.set_level(logging.DEBUG)
    creds = XML_CREDS.__class__(**{**XML_CREDS.__dict__, "user_password": Secret("not-it-42x")})
    gw = Gateway(http_for(sandbox()), creds, retry=fast_retry())
    with pytest.raises(AuthenticationError) as info:
        gw.get_applications()
    assert type(info.value) is AuthenticationError
    text = str(info.value) + repr(info.value) + caplog.text
    assert "not-it-42x" not in text


def test_unauthorized_sender_names_the_ui_fix():
    app = sandbox()
    company.deauthorize_sender(app.store, XML_CREDS.sender_id)
    with pytest.raises(AuthorizationError) as info:
        gateway(app).get_applications()
    assert "Company > Setup > Configuration > Company > Security > Web Services authorizations" in (
        str(info.value)
    )


def test_not_found_duplicate_and_validation_errors(tmp_path):
    gw = gateway(sandbox())
    (missing,) = gw.delete("GLACCOUNT", ["999999"], idempotency_key="d")
    assert isinstance(missing.error, NotFoundError)
    gw.create("GLACCOUNT", accounts(1), idempotency_key="a")
    (dup,) = gw.create("GLACCOUNT", accounts(1, prefix="Other"), idempotency_key="b")
    assert isinstance(dup.error, DuplicateError)
    (bad,) = gw.create("GLACCOUNT", [{"ACCOUNTNO": "77"}], idempotency_key="c")
    assert isinstance(bad.error, ValidationError)
    with pytest.raises(NotFoundError):
        gw.get_user_permissions("nobody-here")


def test_transaction_rolls_back_every_function(tmp_path):
    app = sandbox()
    gw = gateway(app)
    before = app.store.count("GLACCOUNT")
    ok = envelope.Function("t1", envelope.create([("GLACCOUNT", accounts(1, start=80_000)[0])]))
    bad = envelope.Function("t2", envelope.create([("GLACCOUNT", {"ACCOUNTNO": "80001"})]))
    results = gw.call([ok, bad], transaction=True)
    assert [r.status for r in results] == ["aborted", "failure"]
    assert app.store.count("GLACCOUNT") == before


def test_company_reads_and_legacy_functions(tmp_path):
    gw = gateway(sandbox())
    assert {"GL", "EE"} <= set(gw.get_applications())
    assert "EXPENSE_REPORT_SEQUENCE" in gw.get_companyprefs("EE")
    perms = gw.get_user_permissions("admin")
    assert "List" in perms["Administration"]["Users"]
    journal = etree.fromstring(
        "<create_journal><symbol>EXP</symbol><title>Expenses</title></create_journal>"
    )
    first = gw.legacy(journal, idempotency_key="j1")
    assert first.ok and not first.replayed
    again = gw.legacy(journal, idempotency_key="j1")
    assert again.ok and again.replayed


def test_entity_sessions(tmp_path):
    app = sandbox(tmp_path)
    entities = gateway(app).read_all("LOCATIONENTITY", ["RECORDNO", "LOCATIONID"])
    assert entities, "the starter company has entities"
    child = gateway(app).entity(entities[0]["LOCATIONID"])
    assert child.get_applications()


def test_a_request_that_keeps_failing_reports_on_every_record_instead_of_raising(tmp_path):
    app = sandbox(tmp_path)
    gw = gateway(app, retry=fast_retry(attempts=2))
    gw.get_applications()  # open the session while the service is up
    app.pipeline.faults.rate = 1.0  # from now on every request fails transiently
    results = gw.create("GLACCOUNT", accounts(1_500), idempotency_key="down")
    assert len(results) == 1_500
    assert all(not r.ok and isinstance(r.error, TransientError) for r in results)
    writes = [e for e in request_log(tmp_path) if e["functions"][:1] == ["create"]]
    # only the first request was tried (a bounded number of times); the rest was not sent
    assert 1 <= len(writes) <= 2
    assert all(len(e["functions"]) == 10 for e in writes)
