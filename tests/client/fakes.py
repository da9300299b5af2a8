"""A tiny scripted XML gateway for httpx.MockTransport: enough to test the client's own logic.

Behaviour against the real rules is tested against the sandbox (test_gateway_sandbox.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from lxml import etree

from intacct_reconcile.credentials import Secret, XmlCredentials

CREDS = XmlCredentials(
    sender_id="sender",
    sender_password=Secret("sender-pass-123"),
    company_id="ACME",
    user_id="api_user",
    user_password=Secret("user-pass-456"),
)
SESSION_ID = "sess-ABCDEF-0123456789"


def response(
    results: str, *, auth_status: str = "success", control_status: str = "success", errors: str = ""
) -> bytes:
    if control_status != "success":
        return (
            f"<?xml version='1.0'?><response><control><status>{control_status}</status>"
            f"</control><errormessage>{errors}</errormessage></response>"
        ).encode()
    auth_err = f"<errormessage>{errors}</errormessage>" if auth_status != "success" else ""
    return (
        "<?xml version='1.0' encoding='UTF-8'?><response><control><status>success</status>"
        "<senderid>sender</senderid><controlid>x</controlid></control><operation>"
        f"<authentication><status>{auth_status}</status><userid>api_user</userid>"
        f"<companyid>ACME</companyid></authentication>{auth_err}{results}</operation></response>"
    ).encode()


def error(errorno: str, description: str, description2: str = "", correction: str = "") -> str:
    return (
        f"<error><errorno>{errorno}</errorno><description>{description}</description>"
        f"<description2>{description2}</description2><correction>{correction}</correction>"
        "</error>"
    )


def result(
    function: str, control_id: str, *, status: str = "success", data: str = "", errors: str = ""
) -> str:
    err = f"<errormessage>{errors}</errormessage>" if errors else ""
    return (
        f"<result><status>{status}</status><function>{function}</function>"
        f"<controlid>{control_id}</controlid>{data}{err}</result>"
    )


def session_result(control_id: str, endpoint: str = "") -> str:
    return result(
        "getAPISession",
        control_id,
        data=(
            f"<data><api><sessionid>{SESSION_ID}</sessionid><endpoint>{endpoint}</endpoint>"
            "<locationid></locationid></api></data>"
        ),
    )


@dataclass
class Seen:
    url: str
    root: etree._Element

    @property
    def functions(self) -> list[etree._Element]:
        return list(self.root.iterfind("operation/content/function"))

    @property
    def names(self) -> list[str]:
        return [next(iter(f)).tag for f in self.functions]

    @property
    def session_id(self) -> str | None:
        return self.root.findtext("operation/authentication/sessionid")


Handler = Callable[[Seen], httpx.Response | None]


@dataclass
class FakeGateway:
    """Answers getAPISession itself; everything else goes to `handler` (or a default echo)."""

    handler: Handler | None = None
    endpoint: str = ""
    seen: list[Seen] = field(default_factory=list)
    sessions_opened: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        root = etree.fromstring(request.content)
        seen = Seen(str(request.url), root)
        self.seen.append(seen)
        if seen.names == ["getAPISession"]:
            self.sessions_opened += 1
            cid = seen.functions[0].get("controlid")
            return xml_response(response(session_result(cid, self.endpoint)))
        answer = self.handler(seen) if self.handler else None
        if answer is not None:
            return answer
        body = "".join(
            result(n, f.get("controlid"), data="<data count='0'/>")
            for n, f in zip(seen.names, seen.functions, strict=True)
        )
        return xml_response(response(body))

    def client(self, base_url: str = "https://api.intacct.com") -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self), base_url=base_url)


def xml_response(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": "text/xml; charset=UTF-8"})
