"""Secrets (passwords, session ids, tokens, client secrets) never leave in messages, reprs,
DEBUG logs, progress events or httpx event hooks; retried writes keep their control ids."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct_reconcile.client import envelope, xml
from intacct_reconcile.client.errors import AuthenticationError, AuthorizationError, IntacctError
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.credentials import RestCredentials, Secret, XmlCredentials
from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

SENDER_PW = "Snd-Pw-7731xyz"
USER_PW = "Usr-Pw-9921abc"
CLIENT_SECRET = "Cli-Sec-5513qrs"
WRONG_PW = "Wrong-Pw-4410klm"
XML_CREDS = XmlCredentials("intacct_reconcile", Secret(SENDER_PW), "DEMO", "admin", Secret(USER_PW))
REST_CREDS = RestCredentials("sandbox-client", Secret(CLIENT_SECRET), "admin@DEMO")


def fast_retry() -> RetryPolicy:
    return RetryPolicy(base_delay=0.001, max_delay=0.01, sleep=lambda s: None)


def _app(tmp_path: Path) -> Any:
    app = make_app(":memory:", SandboxOptions(log_path=str(tmp_path / "requests.jsonl")))
    company.set_sender_password(app.store, "intacct_reconcile", SENDER_PW)
    company.set_user_password(app.store, "admin", USER_PW)
    company.set_rest_client(app.store, "sandbox-client", CLIENT_SECRET)
    return app


def test_no_secret_in_logs_hooks_progress_errors_or_request_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # root: httpx and httpcore debug lines included
    seen: list[str] = []

    def hook(message: httpx.Request | httpx.Response) -> None:
        seen.append(repr(message))
        seen.append(repr(message.headers))

    events: list[Any] = []
    app = _app(tmp_path)
    with served(app) as url:
        http = httpx.Client(base_url=url, event_hooks={"request": [hook], "response": [hook]})
        gateway = Gateway(http, XML_CREDS, retry=fast_retry(), progress=events.append)
        gateway.create("GLACCOUNT", [{"ACCOUNTNO": "7001", "TITLE": "Sec"}], idempotency_key="k1")
        assert gateway.read_all("GLACCOUNT", ["RECORDNO", "ACCOUNTNO"])
        rest = RestClient(http, REST_CREDS, retry=fast_retry(), progress=events.append)
        assert rest.query("company-config/role", ["key", "id"]) is not None
        wrong = XmlCredentials(
            "intacct_reconcile", Secret(SENDER_PW), "DEMO", "admin", Secret(WRONG_PW)
        )
        with pytest.raises(AuthenticationError) as refused:
            Gateway(http, wrong, retry=fast_retry()).read_all("GLACCOUNT", ["RECORDNO"])
        session_id = gateway._session.session_id.reveal()  # type: ignore[union-attr]
        token = rest._token.reveal()  # type: ignore[union-attr]
        gateway.close()
        http.close()
    secrets = [SENDER_PW, USER_PW, CLIENT_SECRET, WRONG_PW, session_id, token]
    assert all(len(s) >= 8 for s in secrets)
    texts = {
        "log": "\n".join(r.getMessage() for r in caplog.records),
        "hooks": "\n".join(seen),
        "progress": repr(events),
        "error": str(refused.value) + repr(refused.value),
        "request log": (tmp_path / "requests.jsonl").read_text(),
    }
    assert texts["log"] and texts["hooks"] and events and texts["request log"]
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret shows in the {where}"


SESSION = "SID-echo-5f1c2e9a7b3d4c6e8f0a"


def _echo_handler(request: httpx.Request) -> httpx.Response:
    """Opens a session, then refuses every call, quoting the session id back (as a buggy or
    hostile server might)."""
    body = request.content.decode()
    control = "<control><status>success</status></control>"
    auth = "<authentication><status>success</status></authentication>"
    if "<login>" in body:
        result = (
            "<result><status>success</status><function>getAPISession</function>"
            "<controlid>getAPISession</controlid><data><api>"
            f"<sessionid>{SESSION}</sessionid><endpoint></endpoint></api></data></result>"
        )
    else:
        fn = re.search(r'controlid="([^"]+)"', body)
        result = (
            "<result><status>failure</status><function>readByQuery</function>"
            f"<controlid>{fn.group(1) if fn else ''}</controlid><errormessage><error>"
            f"<errorno>BL01001973</errorno><description>Permission denied for {SESSION}"
            f"</description><description2>request had &lt;sessionid&gt;{SESSION}"
            "&lt;/sessionid&gt;</description2></error></errormessage></result>"
        )
    xml = f"<response>{control}<operation>{auth}{result}</operation></response>"
    return httpx.Response(200, headers={"Content-Type": "text/xml"}, content=xml.encode())


def test_session_id_echoed_in_an_error_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    http = httpx.Client(transport=httpx.MockTransport(_echo_handler), base_url="https://x.test")
    gateway = Gateway(http, XML_CREDS, retry=fast_retry())
    with pytest.raises(AuthorizationError) as caught:
        gateway.read_all("GLACCOUNT", ["*"])
    gateway.close()
    error = caught.value
    shown = [str(error), repr(error), *(str(d) for d in error.errors), caplog.text]
    assert "Permission denied for ***" in str(error)
    for text in shown:
        assert SESSION not in text


# --- retried writes keep their control ids ------------------------------------------------


class _LoseFirstWriteAnswer(httpx.BaseTransport):
    """Delivers every request; the answer to the first write is lost on the way back."""

    def __init__(self, app: Any, marker: bytes) -> None:
        self._inner = httpx.WSGITransport(app=app)
        self._marker = marker
        self.writes: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if self._marker in request.content or self._marker in request.url.path.encode():
            self.writes.append(request)
            if len(self.writes) == 1:
                raise httpx.ReadError("connection reset after the server applied it")
        return response


def test_retried_xml_write_is_sent_with_the_same_control_id_and_uniqueid() -> None:
    app = _app(Path("/nonexistent"))
    transport = _LoseFirstWriteAnswer(app, b"<create>")
    http = httpx.Client(transport=transport, base_url="http://sandbox.test")
    gateway = Gateway(http, XML_CREDS, retry=fast_retry())
    (result,) = gateway.create(
        "GLACCOUNT", [{"ACCOUNTNO": "7002", "TITLE": "Once"}], idempotency_key="run-1"
    )
    found = gateway.read_all("GLACCOUNT", ["ACCOUNTNO"])
    gateway.close()
    assert result.ok and result.replayed
    assert [r["ACCOUNTNO"] for r in found].count("7002") == 1  # applied once, not twice
    ids = [re.findall(rb'<function controlid="([^"]+)"', w.content) for w in transport.writes]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert all(b"<uniqueid>true</uniqueid>" in w.content for w in transport.writes)


def test_retried_rest_write_keeps_its_idempotency_key() -> None:
    app = _app(Path("/nonexistent"))
    transport = _LoseFirstWriteAnswer(app, b"/objects/company-config/role")
    http = httpx.Client(transport=transport, base_url="http://sandbox.test")
    rest = RestClient(http, REST_CREDS, retry=fast_retry())
    created = rest.create("company-config/role", {"id": "Sec role"}, idempotency_key="run-2")
    assert created
    keys = [w.headers.get("Idempotency-Key") for w in transport.writes if w.method == "POST"]
    assert len(keys) >= 2 and keys[0] and len(set(keys)) == 1
    assert [r["id"] for r in rest.query("company-config/role", ["id"])].count("Sec role") == 1


def test_wrapped_exceptions_never_carry_the_request() -> None:
    # a dropped connection becomes TransientError without the httpx exception chained on,
    # so no traceback printer can walk to the request (and its body) through __cause__
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("boom", request=request)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://x.test")
    with pytest.raises(IntacctError) as caught:
        Gateway(http, XML_CREDS, retry=fast_retry()).read_all("GLACCOUNT", ["RECORDNO"])
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_result_never_keeps_an_echoed_session_id() -> None:
    Secret(SESSION)  # the client registers every session id it receives
    reply = _echo_handler(httpx.Request("POST", "https://x.test", content=b'controlid="f1"'))
    (result,) = envelope.parse_response(xml.parse(reply.content)).results
    assert not result.ok and "Permission denied for ***" in repr(result)
    assert SESSION not in repr(result)


def test_a_refused_token_request_quoting_the_secret_back_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = request.content.decode()  # the whole form, client_secret included
        return httpx.Response(
            401, json={"error": "invalid_client", "error_description": f"bad request {echoed}"}
        )

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://x.test")
    rest = RestClient(http, REST_CREDS, retry=fast_retry())
    with pytest.raises(AuthenticationError) as caught:
        rest.query("company-config/role", ["id"])
    shown = str(caught.value) + repr(caught.value)
    assert "client_secret=***" in shown and CLIENT_SECRET not in shown
