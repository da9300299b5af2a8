"""Many companies at one endpoint, entities kept apart: a served sandbox over real HTTP.

One database hosts DEMO (the default), ACME (starter data: the same ids as DEMO) and BARE
(empty). Each company is chosen by the login's company ID and keeps its own records, UI-only
settings, sessions and request limits; inside a company, an entity's session sees its own
and top-level records, never a sibling entity's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
GATEWAY = "/ia/xml/xmlgw.phtml"
ACCOUNTS = "objects/general-ledger/account"


def _request(content: str, *, auth: str) -> str:
    return (
        f"<request><control><senderid>{company.SENDER_ID}</senderid>"
        f"<password>{company.SENDER_PASSWORD}</password><controlid>t</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><operation>"
        f"<authentication>{auth}</authentication><content>{content}</content>"
        "</operation></request>"
    )


def login(companyid: str, locationid: str = "", password: str = company.ADMIN_PASSWORD) -> str:
    return (
        f"<login><userid>admin</userid><companyid>{companyid}</companyid>"
        f"<password>{password}</password><locationid>{locationid}</locationid></login>"
    )


class Xml:
    """XML gateway calls against the served sandbox."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def call(self, function: str, auth: str) -> etree._Element:
        body = _request(f"<function controlid='f'>{function}</function>", auth=auth)
        answer = self.http.post(GATEWAY, content=body, headers={"content-type": "application/xml"})
        assert answer.status_code == 200, answer.text
        return etree.fromstring(answer.content, PARSER)

    def ok(self, function: str, auth: str) -> etree._Element:
        root = self.call(function, auth)
        assert root.findtext("operation/authentication/status") == "success", _text(root)
        assert root.findtext("operation/result/status") == "success", _text(root)
        return root.find("operation/result")

    def account(self, number: str, title: str, auth: str) -> etree._Element:
        return self.call(
            f"<create><GLACCOUNT><ACCOUNTNO>{number}</ACCOUNTNO><TITLE>{title}</TITLE>"
            "<ACCOUNTTYPE>balancesheet</ACCOUNTTYPE><NORMALBALANCE>debit</NORMALBALANCE>"
            "</GLACCOUNT></create>",
            auth,
        )

    def titles(self, auth: str, *numbers: str) -> dict[str, str]:
        """ACCOUNTNO -> TITLE of the given accounts the session can see."""
        values = "".join(f"<value>{n}</value>" for n in numbers)
        result = self.ok(
            "<query><object>GLACCOUNT</object><select><field>ACCOUNTNO</field>"
            f"<field>TITLE</field></select><filter><in><field>ACCOUNTNO</field>{values}</in>"
            "</filter></query>",
            auth,
        )
        return {g.findtext("ACCOUNTNO"): g.findtext("TITLE") for g in result.iter("GLACCOUNT")}


def _text(root: etree._Element) -> str:
    return etree.tostring(root).decode()


@pytest.fixture
def hosted(tmp_path: Path) -> SandboxApp:
    app = make_app(str(tmp_path / "sandbox.db"), SandboxOptions(concurrency=0))
    app.companies.create("ACME")
    app.companies.create("BARE", seed="empty")
    return app


@pytest.fixture
def url(hosted: SandboxApp) -> Iterator[str]:
    with served(hosted) as base:
        yield base


@pytest.fixture
def xml(url: str) -> Iterator[Xml]:
    with httpx.Client(base_url=url, timeout=30) as http:
        yield Xml(http)


def rest(url: str, username: str) -> httpx.Client:
    """A REST client with a token for USER@COMPANY[|ENTITY]."""
    base = f"{url}/ia/api/v1/"
    token = httpx.post(
        base + "oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": company.REST_CLIENT_ID,
            "client_secret": company.REST_CLIENT_SECRET,
            "username": username,
        },
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return httpx.Client(base_url=base, headers=headers, timeout=30)


# -- companies ------------------------------------------------------------------------------


def test_same_ids_in_two_companies_do_not_leak(xml: Xml) -> None:
    demo, acme = login("DEMO"), login("ACME")
    assert xml.account("7777", "Demo only", demo).findtext("operation/result/status") == "success"
    assert xml.account("7777", "Acme only", acme).findtext("operation/result/status") == "success"
    assert xml.titles(demo, "7777") == {"7777": "Demo only"}
    assert xml.titles(acme, "7777") == {"7777": "Acme only"}
    # the empty company has no chart of accounts at all, and sees neither
    assert xml.titles(login("BARE"), "1000", "7777") == {}
    # each company's answer names that company
    root = xml.call("<getAPISession/>", login("acme"))
    assert root.findtext("operation/authentication/companyid") == "acme"


def test_a_session_stays_in_its_company(xml: Xml) -> None:
    xml.account("7001", "Acme session", login("ACME"))
    sessionid = xml.ok("<getAPISession/>", login("ACME")).findtext("data/api/sessionid")
    by_session = f"<sessionid>{sessionid}</sessionid>"
    assert xml.titles(by_session, "7001") == {"7001": "Acme session"}
    assert xml.titles(login("DEMO"), "7001") == {}


def test_unknown_company_fails_like_a_wrong_sign_in(xml: Xml, url: str) -> None:
    root = xml.call("<getAPISession/>", login("NOSUCHCO"))
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.find("operation/result") is None
    error = root.find("operation/errormessage/error")
    assert error.findtext("errorno") == "XL03000006"
    assert error.findtext("description") == "Sign-in information is incorrect"
    # a wrong password in a real company reads exactly the same: nothing tells them apart
    wrong = xml.call("<getAPISession/>", login("ACME", password="nope"))
    assert _text(wrong.find("operation/errormessage")) == _text(root.find("operation/errormessage"))
    token = httpx.post(
        f"{url}/ia/api/v1/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": company.REST_CLIENT_ID,
            "client_secret": company.REST_CLIENT_SECRET,
            "username": "admin@NOSUCHCO",
        },
    )
    assert (token.status_code, token.json()["error"]) == (400, "invalid_grant")


def test_ui_settings_are_per_company(xml: Xml, hosted: SandboxApp) -> None:
    acme = hosted.company("ACME")
    assert acme is not None
    company.deauthorize_sender(acme, company.SENDER_ID)
    refused = xml.call("<getAPISession/>", login("ACME"))
    assert refused.findtext("operation/errormessage/error/description") == (
        "Invalid Web Services Authorization"
    )
    xml.ok("<getAPISession/>", login("DEMO"))  # DEMO still authorizes the sender
    company.unsubscribe(hosted.store, company.WEB_SERVICES)
    assert xml.call("<getAPISession/>", login("DEMO")).findtext(
        "operation/authentication/status"
    ) == ("failure")
    company.authorize_sender(acme, company.SENDER_ID)
    xml.ok("<getAPISession/>", login("ACME"))  # ACME is still subscribed


def test_rest_token_reaches_its_own_company(url: str, xml: Xml) -> None:
    xml.account("7002", "Demo REST", login("DEMO"))
    with rest(url, "admin@ACME") as acme, rest(url, "admin@DEMO") as demo:
        created = acme.post(
            ACCOUNTS,
            json={"id": "7002", "name": "Acme REST", "accountType": "balanceSheet"},
        )
        assert created.status_code == 201, created.text
        assert acme.get(f"{ACCOUNTS}/{created.json()['ia::result']['key']}").json()["ia::result"][
            "name"
        ] == ("Acme REST")
        query = {"object": "general-ledger/account", "fields": ["id", "name"]}
        query["filters"] = [{"$eq": {"id": "7002"}}]
        found = {
            r["name"] for r in demo.post("services/core/query", json=query).json()["ia::result"]
        }
        assert found == {"Demo REST"}
    assert xml.titles(login("ACME"), "7002") == {"7002": "Acme REST"}


def test_idempotency_keys_do_not_cross_companies(url: str, xml: Xml) -> None:
    body = {"id": "7003", "name": "Same key", "accountType": "balanceSheet"}
    headers = {"Idempotency-Key": "shared-key-1"}
    with rest(url, "admin@ACME") as acme, rest(url, "admin@DEMO") as demo:
        first = acme.post(ACCOUNTS, json=body, headers=headers)
        second = demo.post(ACCOUNTS, json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    # the second call was DEMO's own create, not a replay of ACME's answer
    assert xml.titles(login("DEMO"), "7003") == {"7003": "Same key"}
    assert xml.titles(login("ACME"), "7003") == {"7003": "Same key"}


def test_request_limits_are_per_company(tmp_path: Path) -> None:
    options = SandboxOptions(concurrency=1, queue_wait_s=0.0, latency_ms=400)
    app = make_app(str(tmp_path / "limits.db"), options)
    app.companies.create("ACME")
    start = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def call(name: str, companyid: str) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            body = _request(
                "<function controlid='f'><get_applications/></function>", auth=login(companyid)
            )
            start.wait()
            statuses[name] = http.post(GATEWAY, content=body).status_code

    with served(app) as base:
        for pair in ((("a", "DEMO"), ("b", "ACME")), (("c", "DEMO"), ("d", "DEMO"))):
            threads = [threading.Thread(target=call, args=args) for args in pair]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            start.reset()
    # two companies at once: each within its own limit of one request
    assert (statuses["a"], statuses["b"]) == (200, 200)
    # two requests to one company at once: the second is over that company's limit
    assert sorted((statuses["c"], statuses["d"])) == [200, 429]


# -- entities -------------------------------------------------------------------------------


def test_entity_records_are_kept_from_sibling_entities(xml: Xml) -> None:
    e100, e200, top = login("ACME", "E100"), login("ACME", "E200"), login("ACME")
    created = xml.account("8100", "E100 private", e100)
    assert created.findtext("operation/result/status") == "success", _text(created)
    xml.account("8200", "E200 private", e200)
    xml.account("8000", "Top level", top)
    # an entity sees its own records and the top level's (the starter chart is top level)
    assert set(xml.titles(e100, "1000", "8000", "8100", "8200")) == {"1000", "8000", "8100"}
    assert set(xml.titles(e200, "1000", "8000", "8100", "8200")) == {"1000", "8000", "8200"}
    # the top level sees every entity's records
    assert set(xml.titles(top, "8000", "8100", "8200")) == {"8000", "8100", "8200"}
    # a sibling cannot read, change or delete what it cannot see, nor reuse its id
    read = xml.call("<read><object>GLACCOUNT</object><keys>8100</keys></read>", e200)
    assert read.find("operation/result/data/GLACCOUNT") is None
    update = xml.call(
        "<update><GLACCOUNT><ACCOUNTNO>8100</ACCOUNTNO><TITLE>hijack</TITLE></GLACCOUNT></update>",
        e200,
    )
    assert update.findtext("operation/result/status") == "failure"
    duplicate = xml.account("8100", "E200 copy", e200)
    assert duplicate.findtext("operation/result/status") == "failure"
    assert xml.titles(top, "8100") == {"8100": "E100 private"}
    # the same entity ids in another company are another company's entities
    assert xml.titles(login("DEMO", "E100"), "8100") == {}


def test_entity_sessions_from_getapisession_follow_the_same_rules(xml: Xml) -> None:
    xml.account("8101", "E100 via session", login("ACME", "E100"))
    session = xml.ok(
        "<getAPISession><locationid>E200</locationid></getAPISession>", login("ACME")
    ).findtext("data/api/sessionid")
    assert xml.titles(f"<sessionid>{session}</sessionid>", "8101") == {}


def test_rest_entity_header_scopes_reads_and_writes(url: str) -> None:
    with rest(url, "admin@ACME") as acme:
        made = acme.post(
            ACCOUNTS,
            json={"id": "8300", "name": "E100 via REST", "accountType": "balanceSheet"},
            headers={"X-IA-API-Param-Entity": "E100"},
        )
        assert made.status_code == 201, made.text
        query = {"object": "general-ledger/account", "fields": ["id"]}
        query["filters"] = [{"$eq": {"id": "8300"}}]

        def ids(entity: str | None) -> list[str]:
            headers = {"X-IA-API-Param-Entity": entity} if entity is not None else {}
            answer = acme.post("services/core/query", json=query, headers=headers)
            assert answer.status_code == 200, answer.text
            return [r["id"] for r in answer.json()["ia::result"]]

        assert ids("E100") == ["8300"]
        assert ids("E200") == []
        assert ids(None) == ["8300"]  # the token's top level
        unknown = acme.post(
            "services/core/query", json=query, headers={"X-IA-API-Param-Entity": "E999"}
        )
        assert unknown.status_code == 400
    # a token issued for an entity (USER@COMPANY|ENTITY) is scoped the same way
    with rest(url, "admin@ACME|E200") as e200:
        answer = e200.post("services/core/query", json=query)
        assert answer.json()["ia::result"] == []


def test_a_single_company_file_from_before_companies_opens_unchanged(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    make_app(str(path)).store.close()
    with sqlite3.connect(path) as old:  # what a file written before many companies lacks
        old.execute("DROP TABLE companies")
    app = make_app(str(path))
    assert app.companies.ids() == ["DEMO"]
    assert app.company("demo") is app.store
    assert app.store.get_by_key("GLACCOUNT", "1000")["TITLE"] == "Cash - Operating"
    app.companies.create("ACME", seed="empty")
    assert app.companies.ids() == ["DEMO", "ACME"]
