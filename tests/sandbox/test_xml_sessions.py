"""getAPISession: issue, use, timeouts, expiry, entity sessions."""

from __future__ import annotations

from datetime import datetime

from lxml.builder import E

from intacct_reconcile.sandbox import company

from .conftest import Gateway, errors_of, fn, login

APPS = E.get_applications()


def _auth_block(gw: Gateway, **kw):  # type: ignore[no-untyped-def]
    root = gw.response(fn(APPS), **kw)
    return root.find("operation/authentication")


def test_session_is_issued_and_usable(gw: Gateway) -> None:
    result = gw.ok(E.getAPISession())
    api = result.find("data/api")
    assert api.findtext("endpoint") == "http://sandbox/ia/xml/xmlgw.phtml"
    assert api.findtext("locationid") == ""
    block = _auth_block(gw, auth=E.sessionid(api.findtext("sessionid")))
    assert block.findtext("status") == "success"
    assert block.findtext("userid") == company.ADMIN_USER
    assert block.findtext("companyid") == company.COMPANY_ID


def test_every_authentication_block_carries_timestamp_and_timeout(gw: Gateway) -> None:
    gw.app.clock = lambda: 1_700_000_000.0
    block = _auth_block(gw)
    stamp = datetime.fromisoformat(block.findtext("sessiontimestamp"))
    timeout = datetime.fromisoformat(block.findtext("sessiontimeout"))
    assert stamp.timestamp() == 1_700_000_000
    assert (timeout - stamp).total_seconds() == gw.app.options.session_minutes * 60


def test_session_expires_and_each_call_extends_it(gw: Gateway) -> None:
    now = [1_700_000_000.0]
    gw.app.clock = lambda: now[0]
    session = gw.session()
    lifetime = gw.app.options.session_minutes * 60
    now[0] += lifetime - 10
    assert _auth_block(gw, auth=E.sessionid(session)).findtext("status") == "success"
    now[0] += lifetime - 10  # still alive: the previous call reset the timeout
    assert _auth_block(gw, auth=E.sessionid(session)).findtext("status") == "success"
    now[0] += lifetime + 1
    root = gw.response(fn(APPS), auth=E.sessionid(session))
    assert root.findtext("operation/authentication/status") == "failure"
    assert errors_of(root)[0][0] == "XL03000006"
    assert root.find("operation/result") is None
    assert session not in root.findtext(".//description2")


def test_unknown_session_fails_authentication(gw: Gateway) -> None:
    block = _auth_block(gw, auth=E.sessionid("not-a-session"))
    assert block.findtext("status") == "failure"


def test_entity_session_with_locationid(gw: Gateway) -> None:
    result = gw.ok(E.getAPISession(E.locationid("E100")))
    assert result.findtext("data/api/locationid") == "E100"
    block = _auth_block(gw, auth=E.sessionid(result.findtext("data/api/sessionid")))
    assert block.findtext("locationid") == "E100"


def test_entity_login_and_back_to_top_level(gw: Gateway) -> None:
    entity = gw.ok(E.getAPISession(), auth=login(locationid="E200"))
    assert entity.findtext("data/api/locationid") == "E200"
    session = entity.findtext("data/api/sessionid")
    top = gw.ok(E.getAPISession(E.locationid("")), auth=E.sessionid(session))
    assert top.findtext("data/api/locationid") == ""


def test_unknown_entity_is_refused(gw: Gateway) -> None:
    assert gw.fail(E.getAPISession(E.locationid("E999"))) == ["XL03000006"]
    root = gw.response(fn(APPS), auth=login(locationid="E999"))
    assert root.findtext("operation/authentication/status") == "failure"


def test_get_api_session_must_be_alone(gw: Gateway) -> None:
    session_result, apps_result = gw.results(E.getAPISession(), APPS)
    assert session_result.findtext("status") == "failure"
    assert session_result.find("data") is None
    assert apps_result.findtext("status") == "success"


def test_inactive_user_cannot_use_a_session(gw: Gateway) -> None:
    from intacct_reconcile.sandbox import objects

    objects.create(
        gw.app.store,
        "USERINFO",
        {
            "LOGINID": "jdoe",
            "CONTACTINFO": {"FIRSTNAME": "J", "LASTNAME": "Doe", "EMAIL1": "j@x.example"},
        },
        via="seed",
    )
    company.set_user_password(gw.app.store, "jdoe", "pw")
    session = gw.session(auth=login("jdoe", "pw"))
    objects.update(gw.app.store, "USERINFO", {"LOGINID": "jdoe", "STATUS": "inactive"})
    assert _auth_block(gw, auth=E.sessionid(session)).findtext("status") == "failure"


def test_user_restricted_to_entities_signs_in_only_there(gw: Gateway) -> None:
    from intacct_reconcile.sandbox import objects

    objects.create(
        gw.app.store,
        "USERINFO",
        {
            "LOGINID": "e100only",
            "USERLOCATIONS": ["E100"],
            "CONTACTINFO": {"FIRSTNAME": "E", "LASTNAME": "One", "EMAIL1": "e@x.example"},
        },
    )
    company.set_user_password(gw.app.store, "e100only", "pw")
    top = gw.response(fn(APPS), auth=login("e100only", "pw"))
    assert top.findtext("operation/authentication/status") == "failure"
    other = gw.response(fn(APPS), auth=login("e100only", "pw", locationid="E200"))
    assert other.findtext("operation/authentication/status") == "failure"
    inside = gw.response(fn(APPS), auth=login("e100only", "pw", locationid="E100"))
    assert inside.findtext("operation/authentication/status") == "success"
