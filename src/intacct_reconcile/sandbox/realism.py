"""Realism knobs for the sandbox: latency, a per-company concurrency limit, injected faults
and a JSON-lines request log, as one WSGI middleware driven by SandboxOptions.

Why a middleware: the gateway and REST code stay about business rules; what a busy,
flaky production tenant does to a client (slow answers, 429/GW-0010, 5xx, dropped
connections, sessions that die) is layered on top, the same way for both APIs.

Dropped connections must look like dropped connections to a client over real HTTP *and*
under ``httpx.WSGITransport``. The middleware raises :class:`DroppedConnection`, a subclass
of ``httpx.RemoteProtocolError``: under WSGITransport the exception reaches the caller as the
very transport error httpx raises when a server hangs up; ``serve.py`` catches it and closes
the socket without writing a byte, so a real client sees the hang-up itself.
"""

from __future__ import annotations

import io
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from lxml import etree

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

XML_PATH = "/ia/xml/xmlgw.phtml"
REST_PREFIX = "/ia/api/v1"

# Fault kinds, in the order the seeded generator picks among the applicable ones.
FAULT_502 = "http_502"
FAULT_503 = "http_503"
FAULT_DROP = "dropped_connection"
# The request is carried out, then the connection drops before the answer: the case that
# makes a blind client retry create twice unless it uses uniqueid / idempotent writes.
FAULT_DROP_AFTER = "dropped_after_processing"
FAULT_EXPIRE = "session_expired"

# The largest request body either API takes (the gateway's MAX_BODY): a larger one is answered
# 413 without being read, so a huge upload cannot fill the sandbox's memory.
MAX_REQUEST_BYTES = 50 * 1024 * 1024

# one parser per thread (requests are answered on threads of their own): see xml_codec._parser
_PARSERS = threading.local()


def _safe_parser() -> etree.XMLParser:
    parser = getattr(_PARSERS, "safe", None)
    if parser is None:
        parser = _PARSERS.safe = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
    return parser


# Response <data ... count="N"> (XML) — read with a regex so logging never re-parses big pages.
_DATA_COUNT = re.compile(rb"<data\b[^>]*?\bcount=\"(\d+)\"")
_KEY_RESULT = re.compile(rb"<key>")


class DroppedConnection(httpx.RemoteProtocolError):
    """The sandbox hung up without answering (an injected fault)."""

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a response.")


@dataclass(frozen=True)
class RequestInfo:
    """What the log and the fault injector need to know about one request."""

    api: str  # "xml" | "rest" | "other"
    functions: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    records: int = 0  # records sent for writes
    # XML session id or REST bearer token, for the expiry fault; a secret: never logged
    session_id: str | None = field(default=None, repr=False)
    # the company a login or token request names ("" when the request carries a session)
    company: str = ""


def describe_xml(body: bytes) -> RequestInfo:
    """Function names, objects and record counts of a gateway request; never credentials."""
    try:
        root = etree.fromstring(body, _safe_parser())
    except etree.XMLSyntaxError:
        return RequestInfo(api="xml")
    functions: list[str] = []
    objects: list[str] = []
    records = 0
    for fn in root.iterfind("operation/content/function"):
        verb = next(iter(fn), None)
        if verb is None or not isinstance(verb.tag, str):
            continue
        functions.append(verb.tag)
        named = verb.findtext("object")
        if named:
            objects.append(named.strip())
        elif verb.tag in ("create", "update"):
            for rec in verb:
                if isinstance(rec.tag, str):
                    objects.append(rec.tag)
                    records += 1
    session = root.findtext("operation/authentication/sessionid")
    login_company = root.findtext("operation/authentication/login/companyid") or ""
    return RequestInfo(
        api="xml",
        functions=tuple(functions),
        objects=tuple(dict.fromkeys(objects)),
        records=records,
        session_id=session.strip() if session else None,
        company=login_company.split("|")[0].strip(),
    )


def describe_rest(
    method: str, path: str, body: bytes, authorization: str | None = None
) -> RequestInfo:
    """The REST operation as ``METHOD path`` and the object it addresses."""
    rest = path[len(REST_PREFIX) :].strip("/")
    parts = rest.split("/")
    obj = ""
    records = 0
    if parts[0] == "objects" and len(parts) >= 3:
        obj = f"{parts[1]}/{parts[2]}"
        if method in ("POST", "PATCH"):
            records = _json_records(body)
    elif rest == "services/core/query":
        try:
            query = json.loads(body or b"{}")
            obj = str(query.get("object", "")) if isinstance(query, dict) else ""
        except (ValueError, RecursionError):  # deep nesting must not end the request here
            obj = ""
    scheme, _, token = (authorization or "").partition(" ")
    return RequestInfo(
        api="rest",
        functions=(f"{method} {rest}",),
        objects=(obj,) if obj else (),
        records=records,
        session_id=token.strip() if scheme.lower() == "bearer" and token.strip() else None,
        company=_token_request_company(body) if rest == "oauth2/token" else "",
    )


def _token_request_company(body: bytes) -> str:
    """COMPANY of a token request's username USER@COMPANY[|ENTITY] (form or JSON)."""
    try:
        text = body.decode("utf-8")
        if text.lstrip().startswith("{"):
            username = str(json.loads(text).get("username", ""))
        else:
            username = (parse_qs(text).get("username") or [""])[0]
    except (ValueError, RecursionError, AttributeError):
        return ""
    return username.partition("@")[2].partition("|")[0].strip()


def _json_records(body: bytes) -> int:
    try:
        value = json.loads(body or b"null")
    except (ValueError, RecursionError):
        return 0
    if isinstance(value, list):
        return len(value)
    return 1 if isinstance(value, dict) else 0


def describe(environ: dict[str, Any], body: bytes) -> RequestInfo:
    path = environ.get("PATH_INFO", "")
    if path == XML_PATH:
        return describe_xml(body)
    if path.startswith(REST_PREFIX):
        return describe_rest(
            environ.get("REQUEST_METHOD", "GET"), path, body, environ.get("HTTP_AUTHORIZATION")
        )
    return RequestInfo(api="other")


def returned_records(info: RequestInfo, body: bytes) -> int:
    """Records a response carried: <data count> for XML, the ia::result size for REST."""
    if info.api == "xml":
        counts = [int(n) for n in _DATA_COUNT.findall(body)]
        return sum(counts) + len(_KEY_RESULT.findall(body))
    if info.api == "rest" and body[:1] == b"{":
        try:
            result = json.loads(body).get("ia::result")
        except (ValueError, AttributeError):
            return 0
        if isinstance(result, list):
            return len(result)
        return 1 if isinstance(result, dict) and "ia::error" not in result else 0
    return 0


# assumption: server work costs 2 ms per function and 0.05 ms per record (`sandbox serve`'s
# defaults). Intacct publishes no such costs; a flat delay per request alone would make
# packing any number of functions into one request free, which no server is: each function
# is parsed, authorised and run, each record validated and written or read. 2 ms is the order
# of one indexed query or insert behind an authorisation check; 0.05 ms a record makes a
# 2,000-record page cost 0.1 s, about what rendering its XML takes. Batching still pays where
# it saves round trips, not by an unlimited factor. Both are knobs; 0 turns them off. The
# sandbox's own time answering a request is part of this work, not added to it (its SQLite
# and XML are the simulated server doing that work): a request takes the latency plus the
# longer of the modelled work and the sandbox's; with the knobs off, plus the sandbox's.
def processing_seconds(
    info: RequestInfo, returned: int, function_ms: float, record_ms: float
) -> float:
    """How long the server works on a request beyond the flat per-request latency."""
    work_ms = max(1, len(info.functions)) * function_ms + (info.records + returned) * record_ms
    return work_ms / 1000.0


class FaultPlan:
    """A deterministic fault sequence: the n-th request gets the same verdict for one seed."""

    def __init__(self, rate: float, seed: int | None) -> None:
        self.rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self, info: RequestInfo) -> str | None:
        # Two draws per request whatever the outcome, so the sequence depends only on the
        # number of requests (and which of them carry sessions), not on earlier verdicts.
        with self._lock:
            roll = self._rng.random()
            pick = self._rng.random()
        if self.rate <= 0 or roll >= self.rate:
            return None
        # assumption: every applicable kind is equally likely (no real-world mix is known)
        kinds = [FAULT_502, FAULT_503, FAULT_DROP, FAULT_DROP_AFTER]
        if info.session_id:
            kinds.append(FAULT_EXPIRE)
        return kinds[int(pick * len(kinds))]


class RequestLog:
    """Append-only JSON lines, one per request; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":"), sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)


def _xml_gateway_error(errorno: str, description: str, description2: str, correction: str) -> bytes:
    # Control-level failure, the shape D-err shows for gateway errors; description2 is kept
    # non-empty because common clients (sageintacctsdk) index it unconditionally.
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>failure</status>'
        "</control><errormessage><error>"
        f"<errorno>{errorno}</errorno><description>{description}</description>"
        f"<description2>{description2}</description2><correction>{correction}</correction>"
        "</error></errormessage></response>"
    ).encode()


def rate_limited_body(api: str) -> tuple[str, bytes]:
    """The 429 answer: GW-0010 XML for the gateway, an ia::error JSON body for REST."""
    if api == "rest":
        body = {
            "ia::result": {
                "ia::error": {
                    "code": "tooManyRequests",
                    "message": "API rate limit exceeded: too many concurrent requests",
                    # assumption: REST error id for the concurrency limit is not documented
                    "errorId": "REST-1429",
                    "additionalInfo": {
                        "messageId": "IA.TOO_MANY_REQUESTS",
                        "placeholders": {},
                        "propertySet": {},
                    },
                }
            },
            "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1},
        }
        return "application/json", json.dumps(body).encode()
    # GW-0010 at control level is documented (D-err); its wording is an assumption
    return "text/xml; charset=UTF-8", _xml_gateway_error(
        "GW-0010",
        "API rate limit exceeded",
        "Too many concurrent requests for this company.",
        "Retry the request later with exponential backoff.",
    )


def too_large_body(api: str) -> tuple[str, bytes]:
    """The 413 answer to a body over MAX_REQUEST_BYTES, in the API's own error shape."""
    # assumption: Intacct's limit and wording for an oversize request are undocumented
    message = f"Request body larger than {MAX_REQUEST_BYTES} bytes"
    if api == "rest":
        error = {
            "code": "payloadTooLarge",
            "message": message,
            "errorId": "REST-1413",  # assumption: a number of our own
            "additionalInfo": {"messageId": "IA.PAYLOAD_TOO_LARGE", "placeholders": {}},
        }
        body = {"ia::result": {"ia::error": error}, "ia::meta": {"totalCount": 1}}
        return "application/json", json.dumps(body).encode()
    return "text/xml; charset=UTF-8", _xml_gateway_error(
        "XL03000003",
        f"XML Parse schema error: {message}",
        "The request was not read.",
        "Send fewer functions or records per request.",
    )


# assumption: transient failures come from the web tier in front of the gateway, as HTML
# (D-err: "no XML response is provided ... you may receive an HTTP error code")
_TRANSIENT_BODY = {
    502: b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>",
    503: b"<html><head><title>503 Service Unavailable</title></head>"
    b"<body>Service Unavailable</body></html>",
}
_REASON = {
    200: "OK",
    413: "Payload Too Large",
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class RealismMiddleware:
    """Wraps the sandbox WSGI app; a no-op apart from logging when every knob is off."""

    def __init__(
        self,
        app: WSGIApp,
        options: Any = None,
        *,
        expire_session: Callable[[str], None] | None = None,
        expire_token: Callable[[str], None] | None = None,
        company_of: Callable[[RequestInfo], str] | None = None,
    ) -> None:
        self.app = app
        # which company a request counts against (its login, session or token); each company
        # has its own limit, as each Intacct company has its own level of service
        self.company_of = company_of or (lambda info: info.company)
        self._company_slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()
        self.latency_s = float(getattr(options, "latency_ms", 0) or 0) / 1000.0
        self.function_ms = float(getattr(options, "function_ms", 0) or 0)
        self.record_ms = float(getattr(options, "record_ms", 0) or 0)
        concurrency = getattr(options, "concurrency", 2)
        self.concurrency = int(concurrency) if concurrency else 0  # 0/None = unlimited
        self.queue_wait_s = float(getattr(options, "queue_wait_s", 0.0) or 0.0)
        self._slots = threading.BoundedSemaphore(self.concurrency) if self.concurrency else None
        self.faults = FaultPlan(
            float(getattr(options, "fault_rate", 0.0) or 0.0), getattr(options, "seed", None)
        )
        log_path = getattr(options, "log_path", None)
        self.log = RequestLog(log_path) if log_path else None
        self.expire_session = expire_session
        self.expire_token = expire_token

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.monotonic()
        if _declared_length(environ) > MAX_REQUEST_BYTES:
            api = "xml" if environ.get("PATH_INFO", "") == XML_PATH else "rest"
            status, out = self._respond(start_response, 413, *too_large_body(api))
            info = RequestInfo(api=api)
            self._record(environ, info, status, out, None, time.monotonic() - started)
            return [out]
        body = _read_body(environ)
        info = describe(environ, body)
        if info.api == "other":
            environ["wsgi.input"] = io.BytesIO(body)
            return list(self.app(environ, start_response))
        fault = self.faults.draw(info)
        try:
            status, out = self._answer(environ, start_response, info, body, fault)
        except DroppedConnection:
            self._record(environ, info, 0, b"", fault, time.monotonic() - started)
            raise
        self._record(environ, info, status, out, fault, time.monotonic() - started)
        return [out]

    def _answer(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        info: RequestInfo,
        body: bytes,
        fault: str | None,
    ) -> tuple[int, bytes]:
        slots = self._slots_for(info)
        if slots is not None and not slots.acquire(timeout=self.queue_wait_s):
            content_type, out = rate_limited_body(info.api)
            return self._respond(start_response, 429, content_type, out)
        try:
            if self.latency_s:
                time.sleep(self.latency_s)
            if fault == FAULT_DROP:
                raise DroppedConnection()
            if fault in (FAULT_502, FAULT_503):
                code = 502 if fault == FAULT_502 else 503
                return self._respond(start_response, code, "text/html", _TRANSIENT_BODY[code])
            expire = self.expire_session if info.api == "xml" else self.expire_token
            if fault == FAULT_EXPIRE and info.session_id and expire is not None:
                # The session (or access token) dies server-side; the request then fails at
                # authentication level exactly as a real expired one would (XML: auth
                # failure decided by the gateway; REST: 401).
                expire(info.session_id)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            captured: dict[str, Any] = {}
            working = time.monotonic()

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                captured["status"] = status
                captured["headers"] = headers
                return lambda data: None  # the body is returned, never written early

            result = self.app(environ, capture)
            try:
                out = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if self.function_ms or self.record_ms:
                returned = returned_records(info, out) if self.record_ms else 0
                # inside the concurrency slot: a busy server holds the slot while it works.
                # The modelled work is the server's; the sandbox's own (its SQLite writes and
                # XML) stands for that same work, so it counts towards it, not on top of it:
                # a request answers after the latency and the longer of the two
                modelled = processing_seconds(info, returned, self.function_ms, self.record_ms)
                time.sleep(max(0.0, modelled - (time.monotonic() - working)))
            if fault == FAULT_DROP_AFTER:
                raise DroppedConnection()  # done server-side; the client never hears of it
            status = str(captured.get("status", "500 Internal Server Error"))
            start_response(status, captured.get("headers", []))
            return int(status.split()[0]), out
        finally:
            if slots is not None:
                slots.release()

    def _slots_for(self, info: RequestInfo) -> threading.BoundedSemaphore | None:
        """The concurrency slots of the request's company (None = unlimited)."""
        if self._slots is None:
            return None
        company = self.company_of(info).upper()
        if not company:
            return self._slots  # not attributable to a company (e.g. a malformed request)
        with self._slots_lock:
            found = self._company_slots.get(company)
            if found is None:
                found = self._company_slots[company] = threading.BoundedSemaphore(self.concurrency)
            return found

    @staticmethod
    def _respond(
        start_response: Callable[..., Any], code: int, content_type: str, out: bytes
    ) -> tuple[int, bytes]:
        start_response(
            f"{code} {_REASON.get(code, '')}".strip(),
            [("Content-Type", content_type), ("Content-Length", str(len(out)))],
        )
        return code, out

    def _record(
        self,
        environ: dict[str, Any],
        info: RequestInfo,
        status: int,
        out: bytes,
        fault: str | None,
        duration_s: float,
    ) -> None:
        if self.log is None:
            return
        self.log.write(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "api": info.api,
                "method": environ.get("REQUEST_METHOD", ""),
                "path": environ.get("PATH_INFO", ""),
                "functions": list(info.functions),
                "objects": list(info.objects),
                "records_sent": info.records,
                "records_returned": returned_records(info, out) if 200 <= status < 300 else 0,
                "status": status,
                "fault": fault,
                "duration_ms": round(duration_s * 1000, 3),
            }
        )


def _declared_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _read_body(environ: dict[str, Any]) -> bytes:
    length = min(_declared_length(environ), MAX_REQUEST_BYTES)
    stream = environ.get("wsgi.input")
    if stream is None or length <= 0:
        return b""
    return stream.read(length)


def expire_rest_token(sandbox: Any, token: str) -> None:
    """End one REST access token of a SandboxApp (imported late: rest_api imports a lot)."""
    from intacct_reconcile.sandbox.rest_api import tokens_for

    tokens_for(sandbox).expire(token)


def rest_token_company(sandbox: Any, token: str) -> str:
    """The company of a REST access token of a SandboxApp ("" when the token is unknown)."""
    from intacct_reconcile.sandbox.rest_api import tokens_for
    from intacct_reconcile.sandbox.rest_errors import RestError

    try:
        return tokens_for(sandbox).principal(f"Bearer {token}").company_id
    except RestError:  # an invalid or expired token: the API answers it, not the limiter
        return ""


def wrap(app: WSGIApp, options: Any = None, **kwargs: Any) -> RealismMiddleware:
    """``make_app`` calls this once: the app as clients see it."""
    return RealismMiddleware(app, options, **kwargs)
