"""Fixtures for driving the sandbox XML gateway and REST API over httpx.WSGITransport."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import etree
from lxml.builder import E

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp, make_app

GATEWAY = "/ia/xml/xmlgw.phtml"
REST_API = "/ia/api/v1/"
# the starter company's REST client, as an OAuth2 client-credentials token request
REST_CREDENTIALS = {
    "grant_type": "client_credentials",
    "client_id": company.REST_CLIENT_ID,
    "client_secret": company.REST_CLIENT_SECRET,
    "username": f"{company.ADMIN_USER}@{company.COMPANY_ID}",
}
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def login(
    user: str = company.ADMIN_USER,
    password: str = company.ADMIN_PASSWORD,
    companyid: str = company.COMPANY_ID,
    locationid: str = "",
) -> etree._Element:
    return E.login(
        E.userid(user), E.companyid(companyid), E.password(password), E.locationid(locationid)
    )


def build_request(
    *functions: etree._Element,
    auth: etree._Element | None = None,
    transaction: bool = False,
    uniqueid: bool | None = False,
    sender: str = company.SENDER_ID,
    sender_password: str = company.SENDER_PASSWORD,
    controlid: str = "req-1",
) -> bytes:
    control = E.control(E.senderid(sender), E.password(sender_password), E.controlid(controlid))
    if uniqueid is not None:
        control.append(E.uniqueid("true" if uniqueid else "false"))
    control.append(E.dtdversion("3.0"))
    operation = E.operation(
        E.authentication(auth if auth is not None else login()), E.content(*functions)
    )
    operation.set("transaction", "true" if transaction else "false")
    return etree.tostring(E.request(control, operation), xml_declaration=True, encoding="UTF-8")


def fn(body: etree._Element, controlid: str = "f-1") -> etree._Element:
    return E.function(body, controlid=controlid)


class Gateway:
    """Posts requests to the sandbox and parses the answers."""

    def __init__(self, app: SandboxApp, http: httpx.Client):
        self.app = app
        self.http = http

    def post(self, body: bytes) -> httpx.Response:
        return self.http.post(GATEWAY, content=body, headers={"content-type": "application/xml"})

    def response(self, *functions: etree._Element, **kw: Any) -> etree._Element:
        answer = self.post(build_request(*functions, **kw))
        assert answer.status_code == 200
        return etree.fromstring(answer.content, _SAFE)

    def results(self, *bodies: etree._Element, **kw: Any) -> list[etree._Element]:
        functions = [fn(b, f"f-{i}") for i, b in enumerate(bodies, start=1)]
        root = self.response(*functions, **kw)
        assert root.findtext("control/status") == "success", etree.tostring(root)
        assert root.findtext("operation/authentication/status") == "success", etree.tostring(root)
        return root.findall("operation/result")

    def ok(self, body: etree._Element, **kw: Any) -> etree._Element:
        """The <result> of one function that must succeed."""
        (result,) = self.results(body, **kw)
        assert result.findtext("status") == "success", etree.tostring(result).decode()
        return result

    def fail(self, body: etree._Element, **kw: Any) -> list[str]:
        """errornos of one function that must fail."""
        (result,) = self.results(body, **kw)
        assert result.findtext("status") == "failure", etree.tostring(result).decode()
        return [e.findtext("errorno") for e in result.findall("errormessage/error")]

    def session(self, locationid: str | None = None, **kw: Any) -> str:
        body = E.getAPISession()
        if locationid is not None:
            body.append(E.locationid(locationid))
        return self.ok(body, **kw).findtext("data/api/sessionid")


SUPPORT_ID = re.compile(r"\s*\[Support ID: [^\]]+\]$")


def errors_of(element: etree._Element) -> list[tuple[str, str, str]]:
    """(errorno, description, description2 less its trailing support id) per error."""
    return [
        (
            e.findtext("errorno"),
            e.findtext("description"),
            SUPPORT_ID.sub("", e.findtext("description2") or ""),
        )
        for e in element.findall(".//errormessage/error")
    ]


@pytest.fixture
def app() -> SandboxApp:
    return make_app(":memory:")


@pytest.fixture
def gw(app: SandboxApp) -> Iterator[Gateway]:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox") as http:
        yield Gateway(app, http)


@pytest.fixture
def rest_http(app: SandboxApp) -> Iterator[httpx.Client]:
    """A client of the sandbox REST API (paths relative to /ia/api/v1/), no token yet."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://sandbox" + REST_API
    ) as client:
        yield client


@pytest.fixture
def rest_api(rest_http: httpx.Client) -> httpx.Client:
    """rest_http with the starter company's REST client token as its Bearer."""
    token = rest_http.post("oauth2/token", data=REST_CREDENTIALS).json()["access_token"]
    rest_http.headers["Authorization"] = f"Bearer {token}"
    return rest_http
