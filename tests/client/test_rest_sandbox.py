"""The REST client against the sandbox: OAuth2, paging, writes, idempotent create, errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from intacct_reconcile.client.errors import (
    AuthenticationError,
    DuplicateError,
    NotFoundError,
    ProtocolError,
    ValidationError,
)
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.credentials import RestCredentials, Secret

from .sandbox_fixtures import REST_CREDS, fast_retry, http_for, request_log, sandbox

SEQ = "company-config/document-sequence"


def rest(app, creds: RestCredentials = REST_CREDS, **kw) -> RestClient:
    return RestClient(http_for(app), creds, retry=fast_retry(), **kw)


def sequence(ident: str, **extra) -> dict:
    return {
        "id": ident,
        "printTitle": f"{ident} report",
        "fixedLength": 4,
        "nextNumber": 1,
        **extra,
    }


def test_token_is_fetched_once_and_reused(tmp_path):
    app = sandbox(tmp_path)
    client = rest(app)
    roles = client.query("company-config/role", ["key", "id"])
    assert {"key": "1", "id": "Administrator"} in roles
    client.query("company-config/role", ["key", "id"])
    paths = [e["functions"][0] for e in request_log(tmp_path)]
    assert paths.count("POST oauth2/token") == 1


def test_crud_round_trip_and_list_paging(tmp_path):
    app = sandbox(tmp_path)
    client = rest(app)
    created = [
        client.create(SEQ, sequence(f"S{i:03}"), idempotency_key=f"c{i}") for i in range(105)
    ]
    assert all(c["key"] for c in created)
    listed = client.list(SEQ)
    assert {c["key"] for c in created} <= {r["key"] for r in listed}
    first = client.get(SEQ, created[0]["key"])
    assert first["printTitle"] == "S000 report"
    client.update(SEQ, created[0]["key"], {"printTitle": "Renamed"}, idempotency_key="u")
    assert client.get(SEQ, created[0]["key"])["printTitle"] == "Renamed"
    client.delete(SEQ, created[0]["key"], idempotency_key="d")
    with pytest.raises(NotFoundError):
        client.get(SEQ, created[0]["key"])
    client.delete(SEQ, created[0]["key"], idempotency_key="d")  # already gone: fine
    found = client.query(SEQ, ["id", "printTitle"], [{"$eq": {"id": "S001"}}])
    assert found == [{"id": "S001", "printTitle": "S001 report"}]


def test_query_pages_through_every_record(tmp_path, monkeypatch):
    import intacct_reconcile.client.rest as rest_module

    monkeypatch.setattr(rest_module, "PAGE_SIZE", 7)  # small pages, same logic as 2000
    app = sandbox(tmp_path)
    client = rest(app)
    for i in range(30):
        client.create(SEQ, sequence(f"Q{i:02}"), idempotency_key=f"q{i}")
    rows = client.query(SEQ, ["id"], [{"$startsWith": {"id": "Q"}}])
    assert sorted(r["id"] for r in rows) == [f"Q{i:02}" for i in range(30)]


def test_expired_token_is_refreshed_once(tmp_path):
    app = sandbox(tmp_path)
    client = rest(app)
    client.query("company-config/role", ["id"])
    real = app.clock
    app.clock = lambda: real() + 7 * 24 * 3600
    assert client.query("company-config/role", ["id"])
    paths = [e["functions"][0] for e in request_log(tmp_path)]
    assert paths.count("POST oauth2/token") == 2


def test_retried_create_that_meets_409_counts_as_created_when_it_matches(tmp_path):
    app = sandbox(tmp_path)
    dropped = {"n": 0}

    def flaky(environ, start_response):
        captured = {}
        body = b"".join(app(environ, lambda s, h, e=None: captured.update(s=s, h=h)))
        is_create = environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(SEQ)
        if is_create and dropped["n"] == 0:
            dropped["n"] += 1  # the create applied, but its answer is lost
            raise httpx.RemoteProtocolError("Server disconnected")
        start_response(captured["s"], captured["h"])
        return [body]

    client = RestClient(http_for(flaky), REST_CREDS, retry=fast_retry())
    result = client.create(SEQ, sequence("IDEM"), idempotency_key="once")
    assert result["id"] == "IDEM" and dropped["n"] == 1
    assert len(client.query(SEQ, ["id"], [{"$eq": {"id": "IDEM"}}])) == 1


def test_first_attempt_409_is_a_duplicate_error(tmp_path):
    client = rest(sandbox(tmp_path))
    client.create(SEQ, sequence("DUP"), idempotency_key="a")
    with pytest.raises(DuplicateError, match="409"):
        client.create(SEQ, sequence("DUP", printTitle="Other"), idempotency_key="b")


def test_validation_error_carries_the_field(tmp_path):
    client = rest(sandbox(tmp_path))
    with pytest.raises(ValidationError) as info:
        client.create(SEQ, sequence("BAD", fixedLength=99), idempotency_key="v")
    assert "fixedLength" in str(info.value)


def test_wrong_client_secret_is_an_authentication_error_without_the_secret(caplog):
    caplog.set_level(logging.DEBUG)
    creds = RestCredentials("sandbox-client", Secret("totally-wrong-secret"), "admin@DEMO")
    with pytest.raises(AuthenticationError) as info:
        rest(sandbox(), creds).query("company-config/role", ["id"])
    text = str(info.value) + repr(info.value) + caplog.text
    assert "totally-wrong-secret" not in text
    assert "INTACCT_CLIENT_SECRET" in str(info.value)


def test_access_token_never_reaches_messages(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    app = sandbox(tmp_path)
    client = rest(app)
    client.query("company-config/role", ["id"])
    token = client._token.reveal()
    with pytest.raises(NotFoundError) as info:
        client.get(SEQ, "424242")
    assert token not in str(info.value) + caplog.text


def test_html_instead_of_json_is_a_protocol_error():
    def proxy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text="<html>captive portal</html>", headers={"content-type": "text/html"}
        )

    client = RestClient(
        httpx.Client(transport=httpx.MockTransport(proxy), base_url="https://api.intacct.com"),
        REST_CREDS,
    )
    with pytest.raises(ProtocolError, match="content type"):
        client.query("company-config/role", ["id"])


def test_truncated_json_is_a_protocol_error():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("oauth2/token"):
            return httpx.Response(200, json={"access_token": "tok-abcdef-123", "expires_in": 60})
        return httpx.Response(
            200, content=b'{"ia::result": [{"id": ', headers={"content-type": "application/json"}
        )

    client = RestClient(
        httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.intacct.com"),
        REST_CREDS,
    )
    with pytest.raises(ProtocolError, match="not valid JSON"):
        client.query("company-config/role", ["id"])
