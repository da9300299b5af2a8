"""Realism knobs on the real sandbox app (make_app wires the middleware)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
from lxml import etree

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.realism import FAULT_EXPIRE, RealismMiddleware, RequestInfo
from intacct_reconcile.sandbox.serve import served
from sandbox.conftest import REST_CREDENTIALS

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
GATEWAY = "/ia/xml/xmlgw.phtml"


def request(function: str, *, session: str | None = None) -> bytes:
    auth = (
        f"<sessionid>{session}</sessionid>"
        if session
        else f"<login><userid>admin</userid><companyid>DEMO</companyid>"
        f"<password>{company.ADMIN_PASSWORD}</password></login>"
    )
    return (
        f"<request><control><senderid>{company.SENDER_ID}</senderid>"
        f"<password>{company.SENDER_PASSWORD}</password><controlid>c</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><operation>"
        f"<authentication>{auth}</authentication><content><function controlid='f'>"
        f"{function}</function></content></operation></request>"
    ).encode()


QUERY = "<query><object>GLACCOUNT</object><select><field>ACCOUNTNO</field></select></query>"


def test_concurrency_limit_on_the_served_sandbox() -> None:
    app = make_app(options=SandboxOptions(concurrency=2, queue_wait_s=0.05))
    middleware = app.pipeline
    assert isinstance(middleware, RealismMiddleware)
    inner = middleware.app
    entered = threading.Semaphore(0)
    gate = threading.Event()

    def held(environ: dict, start_response: object) -> object:
        entered.release()
        gate.wait(timeout=10)
        return inner(environ, start_response)

    middleware.app = held
    with served(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        answers: list[httpx.Response] = []
        holders = [
            threading.Thread(
                target=lambda: answers.append(client.post(GATEWAY, content=request(QUERY)))
            )
            for _ in range(2)
        ]
        for t in holders:
            t.start()
        for _ in holders:  # both slots of the company are busy
            assert entered.acquire(timeout=10)
        refused = [client.post(GATEWAY, content=request(QUERY)) for _ in range(2)]
        gate.set()
        for t in holders:
            t.join()
    assert [r.status_code for r in answers] == [200, 200]
    for r in refused:
        assert r.status_code == 429
        root = etree.fromstring(r.content, PARSER)
        assert root.findtext("control/status") == "failure"
        assert root.findtext("errormessage/error/errorno") == "GW-0010"


def test_injected_session_expiry_fails_at_authentication_level() -> None:
    app = make_app()
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://s") as client:
        root = etree.fromstring(client.post(GATEWAY, content=request("<getAPISession/>")).content)
        session = root.findtext(".//api/sessionid")
        assert session
        ok = etree.fromstring(client.post(GATEWAY, content=request(QUERY, session=session)).content)
        assert ok.findtext("operation/authentication/status") == "success"

        class ExpireNext:
            def draw(self, info: RequestInfo) -> str | None:
                return FAULT_EXPIRE if info.session_id else None

        middleware = app.pipeline
        assert isinstance(middleware, RealismMiddleware)
        middleware.faults = ExpireNext()  # type: ignore[assignment]
        failed = etree.fromstring(
            client.post(GATEWAY, content=request(QUERY, session=session)).content
        )
        assert failed.findtext("control/status") == "success"
        assert failed.findtext("operation/authentication/status") == "failure"
        assert failed.find("operation/errormessage/error/errorno") is not None
        assert failed.find("operation/result") is None  # no function ran
        # the session stays dead; a fresh login still works
        middleware.faults.draw = lambda info: None  # type: ignore[method-assign]
        again = etree.fromstring(
            client.post(GATEWAY, content=request(QUERY, session=session)).content
        )
        assert again.findtext("operation/authentication/status") == "failure"
        fresh = etree.fromstring(client.post(GATEWAY, content=request(QUERY)).content)
        assert fresh.findtext("operation/authentication/status") == "success"


def test_same_seed_same_faults_on_the_app() -> None:
    def outcomes(seed: int) -> list[object]:
        app = make_app(options=SandboxOptions(fault_rate=0.4, seed=seed, concurrency=0))
        seen: list[object] = []
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://s") as c:
            for _ in range(25):
                try:
                    seen.append(c.post(GATEWAY, content=request(QUERY)).status_code)
                except httpx.TransportError as exc:
                    seen.append(type(exc).__name__)
        return seen

    first = outcomes(3)
    assert first == outcomes(3)
    assert first != outcomes(4)
    assert 200 in first and len(set(first)) > 1


def test_request_log_of_real_requests(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    app = make_app(options=SandboxOptions(log_path=str(log)))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://s") as c:
        c.post(GATEWAY, content=request(QUERY))
        c.post(
            GATEWAY,
            content=request(
                "<create><GLACCOUNT><ACCOUNTNO>2110</ACCOUNTNO><TITLE>T</TITLE></GLACCOUNT>"
                "</create>"
            ),
        )
        c.post(
            "/ia/api/v1/oauth2/token",
            data=REST_CREDENTIALS,
        )
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    query, create, token = entries
    accounts = len(app.store.all("GLACCOUNT")) - 1  # before the create
    assert (query["functions"], query["objects"], query["status"]) == (
        ["query"],
        ["GLACCOUNT"],
        200,
    )
    assert query["records_returned"] == min(accounts, 100)  # query pagesize defaults to 100
    assert (create["functions"], create["records_sent"]) == (["create"], 1)
    assert token["api"] == "rest" and token["status"] == 200
    text = log.read_text()
    # no credentials (all "sandbox..." here), tokens or session ids in the log
    assert "sandbox" not in text and "access_token" not in text and "session" not in text


def test_injected_expiry_of_a_rest_token_is_a_401_until_a_new_token() -> None:
    app = make_app()
    middleware = app.pipeline
    assert isinstance(middleware, RealismMiddleware)
    form = REST_CREDENTIALS
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://s/ia/api/v1/") as c:
        token = c.post("oauth2/token", data=form).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("objects/company-config/role", headers=auth).status_code == 200

        class ExpireOnce:
            fired = False

            def draw(self, info: RequestInfo) -> str | None:
                if info.session_id and not self.fired:
                    self.fired = True
                    return FAULT_EXPIRE
                return None

        middleware.faults = ExpireOnce()  # type: ignore[assignment]
        r = c.get("objects/company-config/role", headers=auth)
        assert r.status_code == 401
        assert "expired" in r.json()["ia::result"]["ia::error"]["message"]
        assert c.get("objects/company-config/role", headers=auth).status_code == 401
        fresh = c.post("oauth2/token", data=form).json()["access_token"]
        ok = c.get("objects/company-config/role", headers={"Authorization": f"Bearer {fresh}"})
        assert ok.status_code == 200
