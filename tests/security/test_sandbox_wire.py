"""The sandbox parses requests as carefully as the client parses answers: no DTD, no entities,
a body cap answered with a proper error, deep JSON refused, a server that outlives bad
requests, and a concurrency limiter that never leaks slots."""

from __future__ import annotations

import inspect
import io
import json
import socket
import threading
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct_reconcile.sandbox import serve as serve_module
from intacct_reconcile.sandbox import xml_gateway
from intacct_reconcile.sandbox.app import XML_PATH, make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.realism import MAX_REQUEST_BYTES, RealismMiddleware
from intacct_reconcile.sandbox.serve import served

CONTROL = (
    "<control><senderid>intacct_reconcile</senderid><password>sandbox</password>"
    "<controlid>c1</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>"
)
LOGIN = (
    "<operation><authentication><login><userid>admin</userid><companyid>DEMO</companyid>"
    "<password>sandbox</password></login></authentication><content>"
    '<function controlid="f1"><readByQuery><object>GLACCOUNT</object><fields>ACCOUNTNO'
    "</fields><query>{query}</query><pagesize>10</pagesize></readByQuery></function>"
    "</content></operation>"
)


def _request(prolog: str = "", query: str = "") -> bytes:
    return f"{prolog}<request>{CONTROL}{LOGIN.format(query=query)}</request>".encode()


@pytest.fixture(scope="module")
def http() -> httpx.Client:
    app = make_app(":memory:")
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox.test")


def _control_error(response: httpx.Response) -> tuple[str, str]:
    root = etree.fromstring(response.content)
    assert root.findtext("control/status") == "failure"
    return root.findtext(".//error/errorno") or "", root.findtext(".//error/description") or ""


def test_a_well_formed_request_is_answered(http: httpx.Client) -> None:
    # the control case for the hostile ones below: same request, no DTD
    answer = http.post(XML_PATH, content=_request())
    assert answer.status_code == 200
    assert etree.fromstring(answer.content).findtext(".//result/status") == "success"


@pytest.mark.parametrize(
    ("prolog", "query"),
    [
        ('<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>', "&b;"),
        ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        ('<!DOCTYPE request SYSTEM "http://127.0.0.1:9/x.dtd">', ""),
        ("", "&undeclared;"),
    ],
    ids=["bomb", "xxe", "external-dtd", "entity-ref"],
)
def test_hostile_requests_get_a_schema_error(http: httpx.Client, prolog: str, query: str) -> None:
    answer = http.post(XML_PATH, content=_request(prolog, query))
    assert answer.status_code == 200
    errorno, description = _control_error(answer)
    assert errorno == "XL03000003" and description.startswith("XML Parse schema error")
    assert "root:" not in answer.text


def test_deeply_nested_request_gets_a_schema_error(http: httpx.Client) -> None:
    answer = http.post(
        XML_PATH, content=b"<request>" + b"<a>" * 400 + b"</a>" * 400 + b"</request>"
    )
    assert answer.status_code == 200
    assert _control_error(answer)[0] == "XL03000003"


class _Unreadable(io.RawIOBase):
    """A request body that must not be read."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the oversize body was read")


def _call(app: Any, path: str, length: int, method: str = "POST") -> tuple[str, bytes]:
    captured: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        return lambda data: None

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(length),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": _Unreadable(),
    }
    body = b"".join(app(environ, start_response))
    return captured["status"], body


def test_oversize_xml_request_is_refused_unread_with_an_xml_error() -> None:
    status, body = _call(make_app(":memory:"), XML_PATH, MAX_REQUEST_BYTES + 1)
    assert status.startswith("413")
    assert etree.fromstring(body).findtext(".//error/errorno") == "XL03000003"


def test_oversize_rest_request_is_refused_unread_with_a_json_error() -> None:
    status, body = _call(make_app(":memory:"), "/ia/api/v1/services/core/query", 10**12)
    assert status.startswith("413")
    assert json.loads(body)["ia::result"]["ia::error"]["code"] == "payloadTooLarge"


def test_gateway_alone_refuses_an_oversize_body_without_reading_it() -> None:
    # behind another front end than the realism middleware, the gateway still checks
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(xml_gateway.MAX_BODY + 1),
        "wsgi.input": _Unreadable(),
    }
    status, _, body = xml_gateway.handle(make_app(":memory:"), environ)
    assert status.startswith("200")
    assert "larger than" in etree.fromstring(body).findtext(".//error/description")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/ia/api/v1/services/core/query", "application/json"),
        ("/ia/api/v1/oauth2/token", "application/json"),
        ("/ia/api/v1/objects/company-config/role", "application/json"),
    ],
)
def test_deeply_nested_json_is_a_400(http: httpx.Client, path: str, content_type: str) -> None:
    token = http.post(
        "/ia/api/v1/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox",
            "username": "admin@DEMO",
        },
    ).json()["access_token"]
    answer = http.post(
        path,
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400


# --- the served sandbox ------------------------------------------------------------------


def test_serve_binds_to_loopback_by_default() -> None:
    for function in (serve_module.serve, serve_module.make_server, serve_module.served):
        assert inspect.signature(function).parameters["host"].default == "127.0.0.1"
    with served(make_app(":memory:")) as url:
        assert httpx.URL(url).host == "127.0.0.1"


def _raw(url: str, data: bytes, *, hang_up: bool = True) -> tuple[bytes, bool]:
    """Send raw bytes; (what came back, whether the server closed the connection)."""
    host, port = httpx.URL(url).host, httpx.URL(url).port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(data)
        if hang_up:
            sock.shutdown(socket.SHUT_WR)  # we are done sending: the server sees the end
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return b"".join(chunks), False
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"\xff\xfe\x00\x01 / HTTP/1.1\r\n\r\n",
        b"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
        b"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nContent-Length: 10\r\n\r\n<re",  # then hang up
    ],
    ids=["garbage", "binary", "bad-length", "long-line", "short-body"],
)
def test_malformed_http_does_not_stop_the_server(data: bytes) -> None:
    with served(make_app(":memory:")) as url:
        _raw(url, data)
        # the server still answers a real request afterwards
        assert httpx.post(url + XML_PATH, content=_request(), timeout=5).status_code == 200


def test_oversize_upload_over_http_is_answered_and_hung_up_promptly() -> None:
    head = (
        f"POST {XML_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
        f"Content-Length: {MAX_REQUEST_BYTES + 1}\r\n\r\n"
    ).encode()
    with served(make_app(":memory:")) as url:
        # the client keeps the connection open and sends no more: the server must neither
        # wait for 50 MiB nor keep the connection
        answer, closed = _raw(url, head + b"<request>", hang_up=False)
        assert closed
        assert answer.startswith(b"HTTP/1.1 413")
        assert b"XL03000003" in answer


# --- the concurrency limiter -------------------------------------------------------------


def test_failing_requests_never_leak_limiter_slots() -> None:
    release = threading.Event()
    inside = threading.Semaphore(0)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["wsgi.input"].read() == b"fail":
            raise RuntimeError("handler bug")
        inside.release()
        release.wait(5)
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<response/>"]

    limiter = RealismMiddleware(app, SandboxOptions(concurrency=2, queue_wait_s=0.05))

    def call(body: bytes) -> str:
        statuses: list[str] = []
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": XML_PATH,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        limiter(environ, lambda status, headers, exc_info=None: statuses.append(status))
        return statuses[0]

    for _ in range(50):
        with pytest.raises(RuntimeError):
            call(b"fail")
    # both slots are free again: two requests get in at once, a third is turned away
    workers = [threading.Thread(target=call, args=(b"ok",)) for _ in range(2)]
    for worker in workers:
        worker.start()
    assert inside.acquire(timeout=5) and inside.acquire(timeout=5)
    assert call(b"ok").startswith("429")
    release.set()
    for worker in workers:
        worker.join(5)
    assert call(b"ok").startswith("200")


def test_a_rest_handler_bug_answers_a_json_500_and_the_next_request_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from intacct_reconcile.sandbox import rest_api

    app = make_app(":memory:")
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox.test")
    form = {
        "grant_type": "client_credentials",
        "client_id": "sandbox-client",
        "client_secret": "sandbox",
        "username": "admin@DEMO",
    }
    token = http.post("/ia/api/v1/oauth2/token", data=form).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    real_route = rest_api._route

    def broken(*args: Any) -> Any:
        raise KeyError("bug")

    monkeypatch.setattr(rest_api, "_route", broken)
    answer = http.get("/ia/api/v1/objects/company-config/role", headers=headers)
    assert answer.status_code == 500
    assert answer.json()["ia::result"]["ia::error"]["code"] == "internalError"
    monkeypatch.setattr(rest_api, "_route", real_route)
    assert http.get("/ia/api/v1/objects/company-config/role", headers=headers).status_code == 200
