"""Hostile or broken answers to the clients: refused with a ProtocolError, never a traceback,
never a redirect followed, never a body read past the cap."""

from __future__ import annotations

import gzip
import ssl
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct_reconcile.client import xml
from intacct_reconcile.client.errors import (
    IntacctError,
    ProtocolError,
    TransientError,
    ValidationError,
)
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.client.session import Limiter, send
from intacct_reconcile.connect import open_clients
from intacct_reconcile.credentials import RestCredentials, Secret
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.settings import Target


def fast_retry(**kw: object) -> RetryPolicy:
    return RetryPolicy(base_delay=0.001, max_delay=0.01, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


REST_CREDS = RestCredentials("client-id", Secret("client-secret-ZZ-41"), "user@ACME")


def _client(handler, **kw) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.test", **kw)


# --- XML parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE r [<!ENTITY a "xxxxxxxxxx"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r/>',
        b"<r>&undeclared;</r>",
        b"<a>" * 300 + b"</a>" * 300,  # deeper than libxml2's 256 without huge_tree
    ],
    ids=["bomb", "xxe", "external-dtd", "entity-ref", "deep"],
)
def test_hostile_xml_is_refused(body: bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        xml.parse(body)
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd made it into the message


def test_parse_caps_an_already_read_body() -> None:
    with pytest.raises(ProtocolError, match="larger than 10 bytes"):
        xml.parse(b"<response/>  ", max_bytes=10)


# --- streamed body cap -----------------------------------------------------------------


class _Endless:
    """A response body that never ends; counts the chunks the client pulled."""

    def __init__(self) -> None:
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            self.pulled += 1
            yield b"x" * 65536


def test_streamed_body_is_cut_at_the_cap_not_read_fully() -> None:
    body = _Endless()
    http = _client(lambda request: httpx.Response(200, content=body))
    with pytest.raises(ProtocolError, match="exceeds the 1048576-byte limit"):
        send(http, Limiter(1), "POST", "/x", max_bytes=1024 * 1024)
    # 16 chunks fill the cap; the 17th trips it; nothing further is pulled
    assert body.pulled == 17


def test_declared_oversize_body_is_refused_before_reading() -> None:
    body = _Endless()
    http = _client(
        lambda request: httpx.Response(200, headers={"Content-Length": "999999999"}, content=body)
    )
    with pytest.raises(ProtocolError, match="999999999 bytes exceeds"):
        send(http, Limiter(1), "POST", "/x", max_bytes=1024)
    assert body.pulled == 0


def test_limiter_slot_is_returned_after_an_oversize_body() -> None:
    limiter = Limiter(1)
    http = _client(lambda request: httpx.Response(200, content=b"x" * 2048))
    for _ in range(3):
        with pytest.raises(ProtocolError):
            send(http, limiter, "POST", "/x", max_bytes=1024)
    assert limiter.in_flight == 0
    assert send(http, limiter, "POST", "/x").status == 200


def test_undecodable_body_is_a_protocol_error_and_not_retried() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip", "Content-Type": "text/xml"}, content=b"no"
        )

    with pytest.raises(ProtocolError, match="unreadable response"):
        fast_retry().run(lambda n: send(_client(handler), Limiter(1), "POST", "/x"))
    assert len(seen) == 1


def _streamed(payload: bytes, encoding: str) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept-Encoding"] == "gzip, deflate"
        # an iterator body is streamed, not pre-read by httpx.Response
        return httpx.Response(200, headers={"Content-Encoding": encoding}, content=iter([payload]))

    return _client(handler)


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    packed = gzip.compress(b"\0" * (64 * 1024 * 1024))  # ~64 KiB on the wire, 64 MiB inflated
    http = _streamed(packed, "gzip")
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError, match="exceeds the 1048576-byte limit"):
            send(http, Limiter(1), "POST", "/x", max_bytes=1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the cap plus change, never the 64 MiB


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw deflate
        ("identity", lambda data: data),
    ],
    ids=["gzip", "zlib-deflate", "raw-deflate", "identity"],
)
def test_encoded_bodies_within_the_cap_decode(encoding: str, pack: Any) -> None:
    body = b"<response>" + b"x" * 100_000 + b"</response>"
    assert send(_streamed(pack(body), encoding), Limiter(1), "POST", "/x").body == body


@pytest.mark.parametrize(("encoding", "payload"), [("br", b"abc"), ("gzip", b"not gzip")])
def test_unknown_or_broken_encodings_are_protocol_errors(encoding: str, payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        send(_streamed(payload, encoding), Limiter(1), "POST", "/x")


# --- redirects -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_to_another_host_is_never_followed(status: int) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(
            status, headers={"Location": "https://evil.example/steal?token=abc123"}
        )

    # even a client built to follow redirects must not, for our requests
    http = _client(handler, follow_redirects=True)
    with pytest.raises(ProtocolError) as caught:
        send(
            http,
            Limiter(1),
            "POST",
            "/ia/xml/xmlgw.phtml",
            content=b"<password>pw</password>",
            headers={"Authorization": "Bearer tok-123456"},
        )
    assert [u.host for u in seen] == ["api.test"]
    message = str(caught.value)
    assert "evil.example" in message and "abc123" not in message
    assert caught.value.http_status == status


def test_redirect_on_token_request_does_not_send_the_client_secret_elsewhere() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(302, headers={"Location": "https://evil.example/oauth2/token"})

    rest = RestClient(_client(handler, follow_redirects=True), REST_CREDS, retry=fast_retry())
    with pytest.raises(ProtocolError, match="redirect"):
        rest.list("general-ledger/account")
    assert hosts == ["api.test"]


# --- REST bodies -----------------------------------------------------------------------


def _rest(status: int, body: bytes, content_type: str = "application/json") -> RestClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "acc-tok-0099887766"})
        return httpx.Response(status, headers={"Content-Type": content_type}, content=body)

    return RestClient(_client(handler), REST_CREDS, retry=fast_retry())


@pytest.mark.parametrize(
    ("status", "body", "content_type", "match"),
    [
        (200, b"[" * 200_000 + b"]" * 200_000, "application/json", "nested too deeply"),
        (200, b"<html>proxy login</html>", "text/html", "content type"),
        (200, b"{not json", "application/json", "not valid JSON"),
        (200, b'{"ia::meta": {"totalCount": 1}}', "application/json", "no ia::result"),
        (200, b'{"ia::result": [], "ia::meta": [1, 2]}', "application/json", "ia::meta"),
        (200, b'{"ia::result": [{}], "ia::meta": {"totalCount": "lots"}}', None, "totalCount"),
    ],
    ids=["deep", "html", "broken", "no-result", "meta-list", "total-text"],
)
def test_hostile_rest_bodies_are_protocol_errors(
    status: int, body: bytes, content_type: str | None, match: str
) -> None:
    rest = _rest(status, body, content_type or "application/json")
    with pytest.raises(ProtocolError, match=match):
        rest.list("general-ledger/account")


@pytest.mark.parametrize(
    "body",
    [
        b'{"ia::result": "boom"}',
        b'{"ia::result": {"ia::error": {"message": "bad", "details": 7}}}',
        b'["ia::result"]',
    ],
)
def test_misshapen_rest_error_bodies_still_give_a_typed_error(body: bytes) -> None:
    with pytest.raises(ValidationError, match="HTTP 400"):
        _rest(400, body).get("general-ledger/account", "1")


# --- TLS, timeouts and retry bounds ----------------------------------------------------


def test_real_endpoint_client_verifies_tls_and_has_timeouts() -> None:
    env = {
        "INTACCT_SENDER_ID": "s",
        "INTACCT_SENDER_PASSWORD": "sender-secret-1",
        "INTACCT_USER_ID": "u",
        "INTACCT_USER_PASSWORD": "user-secret-1",
        "INTACCT_COMPANY_ID": "ACME",
    }
    target = Target("prod", company_id="ACME")
    with open_clients(target, env=env, ini_path=Path("/nonexistent")) as clients:
        http = clients.xml._shared.http
        assert http.base_url.scheme == "https"
        assert not http.follow_redirects
        timeout = http.timeout
        assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)
        context = http._transport._pool._ssl_context  # type: ignore[attr-defined]
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_only_plain_http_to_a_local_server_goes_without_tls_verification() -> None:
    """A local server over https is verified like any other; plain http (allowed only for a
    local one) has no TLS to verify."""
    env = {"INTACCT_SENDER_ID": "s", "INTACCT_SENDER_PASSWORD": "sender-secret-1"}
    served = Target("local", company_id="ACME", endpoint="https://127.0.0.1:8443/")
    with open_clients(served, env=env, ini_path=Path("/nonexistent")) as clients:
        context = clients.xml._shared.http._transport._pool._ssl_context  # type: ignore[attr-defined]
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    plain = Target("local", company_id="ACME", endpoint="http://127.0.0.1:8080/")
    with open_clients(plain, env=env, ini_path=Path("/nonexistent")) as clients:
        http = clients.xml._shared.http
        assert http.base_url.scheme == "http" and not http.follow_redirects
    far = Target("far", endpoint="http://intacct.example/")
    with pytest.raises(ConfigError, match="not https"), open_clients(far, env=env):
        pass


def test_retries_are_bounded_in_attempts() -> None:
    calls: list[int] = []

    def always_down(n: int) -> None:
        calls.append(n)
        raise TransientError("down")

    with pytest.raises(TransientError):
        fast_retry(attempts=4).run(always_down)
    assert calls == [1, 2, 3, 4]


def test_retries_are_bounded_in_total_time() -> None:
    now = [0.0]
    starts: list[float] = []

    def slow_and_down(n: int) -> None:
        starts.append(now[0])
        now[0] += 100.0  # each try takes 100 s before failing
        raise TransientError("down")

    policy = RetryPolicy(
        attempts=50,
        total_time=300.0,
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        clock=lambda: now[0],
    )
    with pytest.raises(TransientError):
        policy.run(slow_and_down)
    # no try starts once the budget is spent (the last one may run to its own timeout)
    assert len(starts) == 3 and max(starts) <= 300.0


def test_business_errors_are_not_retried() -> None:
    calls: list[int] = []

    def refused(n: int) -> None:
        calls.append(n)
        raise IntacctError("HTTP 524 at the edge", http_status=524)

    with pytest.raises(IntacctError):
        fast_retry().run(refused)
    assert calls == [1]


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("http://intacct-proxy.example.com", False),
        ("http://10.0.0.5:8080", False),
        ("http://127.0.0.1:8080", True),  # a served sandbox on this machine
        ("http://localhost:8080", True),
        ("https://api.intacct.com", True),
    ],
)
def test_credentials_never_go_to_a_remote_plain_http_endpoint(endpoint: str, allowed: bool) -> None:
    env = {
        "INTACCT_SENDER_ID": "s",
        "INTACCT_SENDER_PASSWORD": "sender-secret-1",
        "INTACCT_USER_ID": "u",
        "INTACCT_USER_PASSWORD": "user-secret-1",
        "INTACCT_COMPANY_ID": "ACME",
    }
    target = Target("t", company_id="ACME", endpoint=endpoint)
    if allowed:
        with open_clients(target, env=env, ini_path=Path("/nonexistent")) as clients:
            assert str(clients.xml._shared.http.base_url).startswith(endpoint)
    else:
        opening = open_clients(target, env=env, ini_path=Path("/nonexistent"))
        with pytest.raises(ConfigError, match="not https"), opening:
            pass


@pytest.mark.parametrize(
    "retry_after", ["1e9", "inf", "nan", "-5", "Wed, 21 Oct 2099 07:28:00 GMT"]
)
def test_a_hostile_retry_after_cannot_stall_the_run(retry_after: str) -> None:
    waits: list[float] = []
    http = _client(lambda request: httpx.Response(429, headers={"Retry-After": retry_after}))
    policy = RetryPolicy(attempts=3, max_delay=20.0, sleep=waits.append)
    with pytest.raises(TransientError):
        policy.run(lambda n: send(http, Limiter(1), "POST", "/x"))
    assert len(waits) == 2 and all(0 <= w <= 20.0 for w in waits)
