"""Counts, sizes and shapes in answers are checked before the client acts on them: a hostile
or broken server gets a ProtocolError, never a MemoryError, an endless loop or a traceback
from deep inside a caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.client.fakes import CREDS, FakeGateway, Seen, response, result, xml_response

from intacct_reconcile.client.errors import ProtocolError
from intacct_reconcile.client.gateway import Gateway, ReadSpec
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.credentials import RestCredentials, Secret

REST_CREDS = RestCredentials("client-id", Secret("client-secret-ZZ-41"), "user@ACME")


def fast_retry() -> RetryPolicy:
    return RetryPolicy(base_delay=0.001, max_delay=0.01, sleep=lambda s: None)


def _query_answer(data_attrs: str, records: int = 1) -> Any:
    """A fake gateway answering every query with the same page and the given attributes."""
    calls: list[Seen] = []

    def handler(seen: Seen) -> httpx.Response:
        calls.append(seen)
        rows = "".join(f"<GLACCOUNT><RECORDNO>{i}</RECORDNO></GLACCOUNT>" for i in range(records))
        body = "".join(
            result("query", f.get("controlid"), data=f"<data {data_attrs}>{rows}</data>")
            for f in seen.functions
        )
        return xml_response(response(body))

    return FakeGateway(handler=handler), calls


@pytest.mark.parametrize(
    ("attrs", "records", "match"),
    [
        ('totalcount="1000000000000" count="1" numremaining="999999999999"', 1, "out of range"),
        ('totalcount="-5" count="1" numremaining="1"', 1, "out of range"),
        ('totalcount="10" count="1" numremaining="-9"', 1, "out of range"),
        ('totalcount="9000000" count="1" numremaining="8999999"', 1, "more than"),
        ('totalcount="3000" count="2500" numremaining="500"', 0, "more than the 2000"),
        ('totalcount="12" count="x1" numremaining="11"', 1, "not a number"),
        (f'totalcount="{"9" * 5000}" count="1" numremaining="1"', 1, "not a number"),
    ],
    ids=[
        "total-1e12",
        "negative",
        "remaining-negative",
        "tiny-pages",
        "oversize-page",
        "text",
        "huge-digits",
    ],
)
def test_hostile_query_counts_are_refused_before_paging(
    attrs: str, records: int, match: str
) -> None:
    fake, calls = _query_answer(attrs, records)
    gateway = Gateway(fake.client(), CREDS, retry=fast_retry())
    with pytest.raises(ProtocolError, match=match):
        gateway.read_many([ReadSpec("GLACCOUNT", ["RECORDNO"])])
    assert len(calls) == 1  # refused on the first page: no page was planned from the counts
    gateway.close()


def test_read_more_that_never_brings_records_is_refused() -> None:
    """numremaining stays positive but the pages are empty: once, not forever."""
    calls: list[str] = []

    def handler(seen: Seen) -> httpx.Response:
        name = seen.names[0]
        calls.append(name)
        data = '<data count="0" totalcount="50" numremaining="50" resultId="rs1"></data>'
        return xml_response(response(result(name, seen.functions[0].get("controlid"), data=data)))

    gateway = Gateway(FakeGateway(handler=handler).client(), CREDS, retry=fast_retry())
    with pytest.raises(ProtocolError, match="empty page"):
        gateway.read_many([ReadSpec("GLACCOUNT", ["*"])])
    assert calls == ["readByQuery", "readMore"]
    gateway.close()


def test_malformed_session_endpoint_is_ignored() -> None:
    fake = FakeGateway(endpoint="https://[::1")  # not a URL: ignored, reads stay on the base
    gateway = Gateway(fake.client(), CREDS, retry=fast_retry())
    assert gateway.read_all("GLACCOUNT", ["RECORDNO"]) == []
    assert all(s.url.startswith("https://api.intacct.com/") for s in fake.seen)
    gateway.close()


# --- REST ------------------------------------------------------------------------------


def _rest(body: Any, token: Any = "acc-tok-0099887766") -> tuple[RestClient, list[str]]:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": token})
        calls.append(str(request.url))
        return httpx.Response(200, json=body)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test")
    return RestClient(http, REST_CREDS, retry=fast_retry()), calls


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"ia::result": [1, 2, 3], "ia::meta": {"totalCount": 3}}, "not an object"),
        ({"ia::result": [{"key": "1"}, "x"], "ia::meta": {"totalCount": 2}}, "not an object"),
        ({"ia::result": [{"key": "1"}], "ia::meta": {"totalCount": 10**12}}, "out of range"),
        ({"ia::result": [{"key": "1"}], "ia::meta": {"totalCount": -1}}, "out of range"),
        ({"ia::result": [{"key": "1"}], "ia::meta": {"totalCount": [5]}}, "not a number"),
        ({"ia::result": [{"key": "1"}], "ia::meta": {"totalCount": True}}, "not a number"),
        ({"ia::result": [{}] * 2001, "ia::meta": {"totalCount": 9000}}, "more than the 2000"),
    ],
    ids=["ints", "mixed", "total-1e12", "negative", "list", "bool", "oversize-page"],
)
def test_hostile_rest_pages_are_refused(body: Any, match: str) -> None:
    rest, calls = _rest(body)
    with pytest.raises(ProtocolError, match=match):
        rest.list("general-ledger/account")
    with pytest.raises(ProtocolError, match=match):
        rest.query("general-ledger/account", ["key"])
    assert len(calls) == 2  # one page each: refused before asking for more


def test_rest_paging_is_bounded_when_pages_never_end(monkeypatch: pytest.MonkeyPatch) -> None:
    # a server that always answers one object and claims the maximum total
    monkeypatch.setattr("intacct_reconcile.client.rest.MAX_PAGES", 25)
    rest, calls = _rest({"ia::result": [{"key": "1"}], "ia::meta": {"totalCount": 10_000_000}})
    with pytest.raises(ProtocolError, match="after 25 requests"):
        rest.list("general-ledger/account")
    assert len(calls) == 25


@pytest.mark.parametrize(
    "token", [{"a": 1}, 12345678, "tok\r\nX-Injected: 1", "t" * 10_000, "tok en"]
)
def test_malformed_access_token_is_refused(token: Any) -> None:
    rest, calls = _rest({"ia::result": [], "ia::meta": {"totalCount": 0}}, token=token)
    with pytest.raises(ProtocolError, match="malformed access_token"):
        rest.list("general-ledger/account")
    assert calls == []
