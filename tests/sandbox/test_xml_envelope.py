"""Envelope, control checks, authentication, company settings, response shape."""

from __future__ import annotations

import httpx
from lxml import etree
from lxml.builder import E

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.serve import served

from .conftest import GATEWAY, Gateway, build_request, errors_of, fn, login

ACCOUNTS = E.query(E.object("GLACCOUNT"), E.select(E.field("ACCOUNTNO")), E.pagesize("1"))


def test_get_is_refused_with_405(gw: Gateway) -> None:
    answer = gw.http.get(GATEWAY)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    etree.fromstring(answer.content)  # still well-formed XML


def test_malformed_xml_is_a_control_failure_xl03000003(gw: Gateway) -> None:
    answer = gw.post(b"<request><control><senderid>x</senderid></contr")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == 'text/xml; encoding="UTF-8"'
    root = etree.fromstring(answer.content)
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    assert errors_of(root)[0][0] == "XL03000003"


def test_entities_are_not_expanded(gw: Gateway) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<request><control><senderid>&x;</senderid></control></request>"
    )
    answer = gw.post(body)
    assert b"root:" not in answer.content
    assert etree.fromstring(answer.content).findtext("control/status") == "failure"


def test_wrong_sender_password_is_a_control_failure(gw: Gateway) -> None:
    root = gw.response(fn(ACCOUNTS), sender_password="wrong")
    assert root.findtext("control/status") == "failure"
    assert errors_of(root) == [("XL03000006", "Incorrect Intacct XML Partner ID or password.", "")]
    assert root.find("operation") is None
    assert b"wrong" not in etree.tostring(root)


def test_sender_id_is_case_sensitive(gw: Gateway) -> None:
    root = gw.response(fn(ACCOUNTS), sender=company.SENDER_ID.upper())
    assert root.findtext("control/status") == "failure"


def test_unauthorized_sender_fails_at_authentication(gw: Gateway) -> None:
    company.set_sender_password(gw.app.store, "other_partner", "pw")
    root = gw.response(fn(ACCOUNTS), sender="other_partner", sender_password="pw")
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.find("operation/result") is None
    (error,) = root.findall("operation/errormessage/error")
    assert error.findtext("errorno") == "XL03000006"
    assert error.findtext("description") == "Invalid Web Services Authorization"
    assert error.findtext("description2") == (
        "The sender ID 'other_partner' is not authorized to make Web Services requests to "
        "company ID 'DEMO'."
    )
    assert error.findtext("correction").startswith("Contact the company administrator")
    company.authorize_sender(gw.app.store, "other_partner", "Other")
    assert gw.ok(ACCOUNTS, sender="other_partner", sender_password="pw") is not None


def test_deauthorized_default_sender_is_refused(gw: Gateway) -> None:
    company.deauthorize_sender(gw.app.store, company.SENDER_ID)
    root = gw.response(fn(ACCOUNTS))
    assert root.findtext("operation/authentication/status") == "failure"


def test_web_services_subscription_is_required(gw: Gateway) -> None:
    company.unsubscribe(gw.app.store, company.WEB_SERVICES)
    root = gw.response(fn(ACCOUNTS))
    assert root.findtext("operation/authentication/status") == "failure"
    assert "subscribe to the XML Gateway" in errors_of(root)[0][1]
    company.subscribe(gw.app.store, company.WEB_SERVICES)
    gw.ok(ACCOUNTS)


def test_bad_user_password_and_company_fail_sign_in(gw: Gateway) -> None:
    for auth in (login(password="nope"), login(companyid="OTHER"), login(user="ghost")):
        root = gw.response(fn(ACCOUNTS), auth=auth)
        assert root.findtext("operation/authentication/status") == "failure"
        assert errors_of(root)[0][:2] == ("XL03000006", "Sign-in information is incorrect")
        assert b"nope" not in etree.tostring(root)


def test_ip_filters_apply_to_the_client_address(gw: Gateway) -> None:
    company.add_ip_filter(gw.app.store, "10.0.0.0/8")
    root = gw.response(fn(ACCOUNTS))  # WSGITransport's client is 127.0.0.1
    assert root.findtext("operation/authentication/status") == "failure"
    assert "IP address" in errors_of(root)[0][1]
    company.add_ip_filter(gw.app.store, "127.0.0.1")
    gw.ok(ACCOUNTS)
    company.remove_ip_filter(gw.app.store, "127.0.0.1/32")
    assert gw.response(fn(ACCOUNTS)).findtext("operation/authentication/status") == "failure"


def test_one_result_per_function_in_order(gw: Gateway) -> None:
    bodies = [E.get_applications(), ACCOUNTS, E.getDimensions()]
    results = gw.results(*bodies)
    assert [r.findtext("function") for r in results] == [
        "get_applications",
        "query",
        "getDimensions",
    ]
    assert [r.findtext("controlid") for r in results] == ["f-1", "f-2", "f-3"]


def test_unknown_function_fails_alone(gw: Gateway) -> None:
    first, second = gw.results(E.frobnicate(), ACCOUNTS)
    assert first.findtext("status") == "failure"
    assert first.findtext("function") == "frobnicate"
    assert second.findtext("status") == "success"


def test_control_block_is_echoed(gw: Gateway) -> None:
    root = gw.response(fn(ACCOUNTS), controlid="my-request", uniqueid=None)
    assert root.findtext("control/controlid") == "my-request"
    assert root.findtext("control/uniqueid") == "true"  # the default
    assert root.findtext("control/dtdversion") == "3.0"


def test_missing_controlid_is_a_schema_error(gw: Gateway) -> None:
    root = gw.response(fn(ACCOUNTS), controlid="")
    assert root.findtext("control/status") == "failure"
    assert errors_of(root)[0][0] == "XL03000003"


def test_several_operations_each_authenticate(gw: Gateway) -> None:
    body = build_request(fn(ACCOUNTS))
    request = etree.fromstring(body)
    second = etree.fromstring(build_request(fn(ACCOUNTS), auth=login(password="bad")))
    request.append(second.find("operation"))
    root = etree.fromstring(gw.post(etree.tostring(request)).content)
    statuses = [o.findtext("authentication/status") for o in root.findall("operation")]
    assert statuses == ["success", "failure"]


def test_real_http_endpoint_points_back_at_the_server(app) -> None:  # type: ignore[no-untyped-def]
    with served(app) as base_url, httpx.Client(base_url=base_url) as http:
        answer = http.post(GATEWAY, content=build_request(fn(E.getAPISession())))
        root = etree.fromstring(answer.content)
        endpoint = root.findtext("operation/result/data/api/endpoint")
        assert endpoint == base_url.rstrip("/") + GATEWAY
        session = root.findtext("operation/result/data/api/sessionid")
        again = http.post(
            endpoint, content=build_request(fn(E.get_applications()), auth=E.sessionid(session))
        )
        assert etree.fromstring(again.content).findtext("operation/result/status") == "success"


def test_unknown_transport_policy_is_a_control_failure(gw: Gateway) -> None:
    request = etree.fromstring(build_request(fn(ACCOUNTS)))
    request.find("control").append(E.policyid("test"))
    root = etree.fromstring(gw.post(etree.tostring(request)).content)
    assert root.findtext("control/status") == "failure"
    assert errors_of(root) == [("XL03000006", "test is not a valid transport policy.", "")]


def test_concurrent_requests_over_real_http() -> None:
    import threading

    from intacct_reconcile.sandbox.app import make_app
    from intacct_reconcile.sandbox.options import SandboxOptions

    app = make_app(options=SandboxOptions(concurrency=8))  # no 429s: this is about the store
    statuses: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            for i in range(5):
                body = E.create(E.DEPARTMENT(E.DEPARTMENTID(f"T{n}-{i}"), E.TITLE("t")))
                answer = http.post(GATEWAY, content=build_request(fn(body, f"c{n}-{i}")))
                statuses.append(
                    etree.fromstring(answer.content).findtext("operation/result/status")
                )

    with served(app) as base_url:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == ["success"] * 30
    from intacct_reconcile.sandbox import objects

    assert len(objects.find(app.store, "DEPARTMENT", {})) == len(company.DEPARTMENTS) + 30


def test_includewhitespace_false_answers_compact_xml(gw: Gateway) -> None:
    request = etree.fromstring(build_request(fn(ACCOUNTS)))
    request.find("control").append(E.includewhitespace("false"))
    compact = gw.post(etree.tostring(request)).content
    assert b"\n  " not in compact
    assert b"\n  " in gw.post(build_request(fn(ACCOUNTS))).content  # default: pretty
