"""Gateway logic against a scripted fake (httpx.MockTransport): sessions, retries, batching."""

import logging
import random

import httpx
import pytest

from intacct_reconcile.client import envelope
from intacct_reconcile.client.errors import (
    AuthorizationError,
    IntacctError,
    ProtocolError,
    TransientError,
    ValidationError,
)
from intacct_reconcile.client.gateway import Gateway, control_id
from intacct_reconcile.client.retry import RetryPolicy

from .fakes import CREDS, SESSION_ID, FakeGateway, error, response, result, xml_response

NO_WAIT = RetryPolicy(sleep=lambda s: None, rng=random.Random(0))


def gateway(fake: FakeGateway, **kw) -> Gateway:
    return Gateway(fake.client(), CREDS, retry=NO_WAIT, **kw)


def test_one_session_is_opened_alone_and_reused():
    fake = FakeGateway()
    gw = gateway(fake)
    gw.get_applications()
    gw.get_applications()
    assert fake.sessions_opened == 1
    assert fake.seen[0].names == ["getAPISession"]
    assert fake.seen[0].root.find("operation/authentication/login") is not None
    assert all(s.session_id == SESSION_ID for s in fake.seen[1:])


def test_requests_follow_the_session_endpoint():
    fake = FakeGateway(endpoint="https://na12.intacct.com/ia/xml/xmlgw.phtml")
    gateway(fake).get_applications()
    assert fake.seen[0].url == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert fake.seen[1].url == "https://na12.intacct.com/ia/xml/xmlgw.phtml"


def test_a_session_endpoint_on_a_foreign_host_is_ignored():
    fake = FakeGateway(endpoint="http://evil.example/steal")
    gateway(fake).get_applications()
    assert fake.seen[1].url == "https://api.intacct.com/ia/xml/xmlgw.phtml"


def test_entity_gateway_asks_for_an_entity_session():
    fake = FakeGateway()
    gateway(fake).entity("EU").get_applications()
    assert fake.seen[0].root.findtext("operation/content/function/getAPISession/locationid") == "EU"


def scripted(*answers):
    """Handler answering with the given responses in turn (then the default echo)."""
    queue = list(answers)

    def handler(seen):
        if not queue:
            return None
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer(seen) if callable(answer) else answer

    return handler


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(
            429,
            content=response(
                "", control_status="failure", errors=error("GW-0010", "API rate limit exceeded")
            ),
            headers={"content-type": "text/xml"},
        ),
        httpx.Response(502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"}),
        httpx.Response(503, text="busy"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
    ids=["429", "502", "503", "connect", "dropped", "timeout"],
)
def test_transient_failures_are_retried(failure):
    fake = FakeGateway(handler=scripted(failure, failure))
    assert gateway(fake).get_applications() == []
    assert len(fake.seen) == 4  # session + 2 failures + success


def test_http_524_is_not_retried():
    fake = FakeGateway(handler=scripted(httpx.Response(524, text="timeout")))
    with pytest.raises(IntacctError, match="524") as info:
        gateway(fake).get_applications()
    assert not isinstance(info.value, TransientError)
    assert len(fake.seen) == 2


def test_html_from_a_proxy_is_a_protocol_error_and_not_retried():
    page = httpx.Response(
        200, text="<html><body>Login to proxy</body></html>", headers={"content-type": "text/html"}
    )
    fake = FakeGateway(handler=scripted(page))
    with pytest.raises(ProtocolError, match="content type 'text/html'"):
        gateway(fake).get_applications()
    assert len(fake.seen) == 2


def test_retries_give_up_after_the_attempt_limit():
    fake = FakeGateway(handler=lambda seen: httpx.Response(503, text="down"))
    with pytest.raises(TransientError):
        gateway(fake).get_applications()
    assert len(fake.seen) == 1 + 6


def expired(seen):
    return xml_response(
        response(
            "",
            auth_status="failure",
            errors=error(
                "XL03000006", "Invalid session", "The session has expired; sign in again."
            ),
        )
    )


def test_expired_session_is_renewed_and_the_call_retried_once():
    fake = FakeGateway(handler=scripted(expired(None)))
    gateway(fake).get_applications()
    assert fake.sessions_opened == 2
    assert [s.names for s in fake.seen] == [
        ["getAPISession"],
        ["get_applications"],
        ["getAPISession"],
        ["get_applications"],
    ]


def test_unauthorized_sender_is_reported_with_the_fix_and_not_retried():
    def deny(seen):
        return xml_response(
            response(
                "",
                auth_status="failure",
                errors=error(
                    "XL03000006",
                    "Invalid Web Services Authorization",
                    "The sender ID 'sender' is not authorized to make Web Services requests "
                    "to company ID 'ACME'.",
                ),
            )
        )

    fake = FakeGateway()
    fake.handler = None
    gw = gateway(fake)
    fake_session = fake.__call__

    def call(request):
        if b"getAPISession" in request.content:
            return deny(None)
        return fake_session(request)

    gw = Gateway(
        httpx.Client(transport=httpx.MockTransport(call), base_url="https://api.intacct.com"),
        CREDS,
        retry=NO_WAIT,
    )
    with pytest.raises(AuthorizationError) as info:
        gw.get_applications()
    assert "Web Services authorizations > Add sender ID" in str(info.value)


def records_of(seen, verb="create"):
    return [[r.findtext("ACCOUNTNO") for r in f.find(verb)] for f in seen.functions]


def ok_creates(seen):
    body = ""
    for fn in seen.functions:
        recs = "".join(
            f"<glaccount><RECORDNO>{r.findtext('ACCOUNTNO')}</RECORDNO>"
            f"<ACCOUNTNO>{r.findtext('ACCOUNTNO')}</ACCOUNTNO></glaccount>"
            for r in fn.find("create")
        )
        body += result(
            "create", fn.get("controlid"), data=f'<data listtype="objects">{recs}</data>'
        )
    return xml_response(response(body))


def accounts(n, start=1000):
    return [{"ACCOUNTNO": str(start + i), "TITLE": f"Account {i}"} for i in range(n)]


def test_writes_are_batched_100_per_function_10_functions_per_request():
    fake = FakeGateway(handler=ok_creates)
    results = gateway(fake, concurrency=1).create(
        "GLACCOUNT", accounts(1150), idempotency_key="run-1"
    )
    writes = [s for s in fake.seen if s.names and s.names[0] == "create"]
    assert [len(s.functions) for s in writes] == [10, 2]
    assert all(s.root.findtext("control/uniqueid") == "true" for s in writes)
    sizes = [len(batch) for s in writes for batch in records_of(s)]
    assert sizes == [100] * 11 + [50]
    assert [r.recordno for r in results] == [str(1000 + i) for i in range(1150)]
    assert all(r.ok for r in results)


def test_control_ids_are_deterministic_per_key_and_content():
    body = envelope.create([("GLACCOUNT", {"ACCOUNTNO": "1"})])
    same = envelope.create([("GLACCOUNT", {"ACCOUNTNO": "1"})])
    other = envelope.create([("GLACCOUNT", {"ACCOUNTNO": "2"})])
    assert control_id("create", "k", body) == control_id("create", "k", same)
    assert control_id("create", "k", body) != control_id("create", "k", other)
    assert control_id("create", "k", body) != control_id("create", "k2", body)
    assert len(control_id("create", "k", body)) <= 256


def test_a_replayed_function_counts_as_applied():
    def replay(seen):
        body = "".join(
            result(
                "create",
                f.get("controlid"),
                status="failure",
                errors=error(
                    "",
                    "A successful transaction has already been recorded with the control id "
                    + f.get("controlid"),
                ),
            )
            for f in seen.functions
        )
        return xml_response(response(body))

    fake = FakeGateway(handler=replay)
    results = gateway(fake).create("GLACCOUNT", accounts(3), idempotency_key="k")
    assert all(r.ok and r.replayed for r in results)


def test_a_failed_batch_is_retried_record_by_record():
    def handler(seen):
        body = ""
        for fn in seen.functions:
            nos = [r.findtext("ACCOUNTNO") for r in fn.find("create")]
            if "1001" in nos:
                body += result(
                    "create",
                    fn.get("controlid"),
                    status="failure",
                    errors=error(
                        "BL01001973",
                        "Duplicate account number",
                        "The account number '1001' already exists",
                    ),
                )
            else:
                recs = "".join(f"<glaccount><RECORDNO>{n}</RECORDNO></glaccount>" for n in nos)
                body += result("create", fn.get("controlid"), data=f"<data>{recs}</data>")
        return xml_response(response(body))

    fake = FakeGateway(handler=handler)
    results = gateway(fake).create("GLACCOUNT", accounts(3), idempotency_key="k")
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error is not None and "already exists" in str(results[1].error)
    assert [r.recordno for r in results] == ["1000", None, "1002"]


def test_transaction_flag_reaches_the_request():
    fake = FakeGateway()
    gw = gateway(fake)
    gw.call([envelope.Function("x", envelope.get_api_session(None))], transaction=True)
    assert fake.seen[-1].root.find("operation").get("transaction") == "true"


def test_secrets_never_reach_logs_or_errors(caplog):
    def fail(seen):
        return xml_response(
            response(
                result(
                    "query",
                    seen.functions[0].get("controlid"),
                    status="failure",
                    errors=error("BL03000018", f"bad value near {SESSION_ID} and user-pass-456"),
                )
            )
        )

    fake = FakeGateway(handler=scripted(httpx.Response(503, text="busy"), fail))
    caplog.set_level(logging.DEBUG, logger="intacct_reconcile")
    gw = gateway(fake)
    with pytest.raises(ValidationError) as info:
        gw.read_all("GLACCOUNT", ["RECORDNO"])
    text = str(info.value) + repr(info.value) + caplog.text
    for secret in (SESSION_ID, "user-pass-456", "sender-pass-123"):
        assert secret not in text
    assert "***" in str(info.value)
