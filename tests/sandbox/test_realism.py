"""The realism middleware on its own, around a minimal WSGI app (the knobs, not the rules)."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from intacct_reconcile.sandbox.realism import (
    FAULT_DROP,
    FAULT_DROP_AFTER,
    FAULT_EXPIRE,
    DroppedConnection,
    FaultPlan,
    RealismMiddleware,
    RequestInfo,
    describe_xml,
    processing_seconds,
)
from intacct_reconcile.sandbox.serve import served

XML_OK = (
    b'<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status>'
    b"</control><operation><result><status>success</status><function>query</function>"
    b'<data listtype="GLACCOUNT" count="3" totalcount="3"/></result></operation></response>'
)


def request_xml(*functions: str, session: str | None = "SESSION-SECRET-123") -> bytes:
    auth = (
        f"<sessionid>{session}</sessionid>"
        if session
        else "<login><userid>admin</userid><companyid>DEMO</companyid>"
        "<password>USER-SECRET</password></login>"
    )
    body = "".join(f'<function controlid="f{i}">{f}</function>' for i, f in enumerate(functions))
    return (
        "<request><control><senderid>s</senderid><password>SENDER-SECRET</password>"
        f"<controlid>c</controlid></control><operation><authentication>{auth}"
        f"</authentication><content>{body}</content></operation></request>"
    ).encode()


def options(**kw: Any) -> SimpleNamespace:
    base = dict(
        latency_ms=0, concurrency=2, queue_wait_s=0.0, fault_rate=0.0, seed=None, log_path=None
    )
    base.update(kw)
    return SimpleNamespace(**base)


class Backend:
    """A tiny stand-in for the sandbox: records what reached it, answers XML or JSON."""

    def __init__(self, delay_s: float = 0.0, gated: bool = False) -> None:
        self.seen: list[bytes] = []
        self.delay_s = delay_s
        self.entered = threading.Event()  # set when a request is being handled
        self.gate = threading.Event()  # a gated backend holds requests until this is set
        if not gated:
            self.gate.set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.seen.append(body)
        self.entered.set()
        self.gate.wait(timeout=10)
        if self.delay_s:
            time.sleep(self.delay_s)
        if environ["PATH_INFO"].startswith("/ia/api/v1"):
            out = json.dumps({"ia::result": [{"key": "1"}, {"key": "2"}]}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
        else:
            out = XML_OK
            start_response("200 OK", [("Content-Type", "text/xml")])
        return [out]


def client_for(app: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")


def test_passes_body_through_and_returns_the_answer() -> None:
    backend = Backend()
    with client_for(RealismMiddleware(backend, options())) as c:
        body = request_xml("<query><object>GLACCOUNT</object></query>")
        r = c.post("/ia/xml/xmlgw.phtml", content=body)
    assert r.status_code == 200
    assert r.content == XML_OK
    assert backend.seen == [body]


def test_describe_xml_names_functions_objects_and_records_without_secrets() -> None:
    info = describe_xml(
        request_xml(
            "<create><GLACCOUNT><ACCOUNTNO>1</ACCOUNTNO></GLACCOUNT>"
            "<GLACCOUNT><ACCOUNTNO>2</ACCOUNTNO></GLACCOUNT></create>",
            "<readByQuery><object>VENDOR</object><query/></readByQuery>",
        )
    )
    assert info.functions == ("create", "readByQuery")
    assert info.objects == ("GLACCOUNT", "VENDOR")
    assert info.records == 2
    assert info.session_id == "SESSION-SECRET-123"
    assert "SESSION-SECRET" not in repr(info)


def test_server_work_grows_with_functions_and_records_not_only_requests() -> None:
    one = describe_xml(request_xml("<readByQuery><object>VENDOR</object><query/></readByQuery>"))
    packed = describe_xml(
        request_xml(
            *("<readByQuery><object>VENDOR</object><query/></readByQuery>" for _ in range(10))
        )
    )
    # 1 function returning 2,000 records; 10 functions returning nothing; knobs off
    assert processing_seconds(one, 2000, 2.0, 0.05) == pytest.approx(0.102)
    assert processing_seconds(packed, 0, 2.0, 0.05) == pytest.approx(0.020)
    assert processing_seconds(packed, 2000, 0.0, 0.0) == 0.0


def _answer_time(backend_s: float, **knobs: float) -> float:
    with client_for(RealismMiddleware(Backend(delay_s=backend_s), options(**knobs))) as c:
        start = time.monotonic()
        c.post("/ia/xml/xmlgw.phtml", content=request_xml("<getAPISession/>"))
        return time.monotonic() - start


def test_the_sandboxs_own_work_counts_towards_the_modelled_work_not_on_top() -> None:
    # modelled work 0.3 s (one function at 300 ms); the sandbox itself works 0.1 s of it
    assert 0.3 <= _answer_time(0.1, function_ms=300, record_ms=0) < 0.38
    # the sandbox slower than the model: its own time, not the model's added to it
    assert 0.3 <= _answer_time(0.3, function_ms=100, record_ms=0) < 0.38
    # knobs off: the latency plus the sandbox's own time
    assert 0.25 <= _answer_time(0.2, latency_ms=50) < 0.33


def test_describe_xml_refuses_entities_and_survives_garbage() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<request><operation><content><function><query><object>&x;</object></query>"
        b"</function></content></operation></request>"
    )
    info = describe_xml(evil)
    assert all("root:" not in o for o in info.objects)
    assert describe_xml(b"not xml <<<").functions == ()


def test_latency_is_added_per_request() -> None:
    with client_for(RealismMiddleware(Backend(), options(latency_ms=60))) as c:
        start = time.monotonic()
        c.post("/ia/xml/xmlgw.phtml", content=request_xml("<getAPISession/>"))
        c.post("/ia/xml/xmlgw.phtml", content=request_xml("<getAPISession/>"))
        elapsed = time.monotonic() - start
    assert elapsed >= 0.12


def test_concurrency_limit_answers_429_gw0010_over_real_http() -> None:
    backend = Backend(gated=True)
    app = RealismMiddleware(backend, options(concurrency=1, queue_wait_s=0.05))
    body = request_xml("<getAPISession/>")
    with served(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        first: list[httpx.Response] = []
        holder = threading.Thread(
            target=lambda: first.append(client.post("/ia/xml/xmlgw.phtml", content=body))
        )
        holder.start()
        assert backend.entered.wait(timeout=10)  # the only slot is taken
        refused = [client.post("/ia/xml/xmlgw.phtml", content=body) for _ in range(2)]
        backend.gate.set()
        holder.join()
    assert first[0].status_code == 200
    for r in refused:
        assert r.status_code == 429
        assert b"<errorno>GW-0010</errorno>" in r.content
        assert b"<status>failure</status>" in r.content
    assert len(backend.seen) == 1  # refused requests never reached the sandbox


def test_excess_request_waits_for_a_free_slot_within_queue_wait() -> None:
    app = RealismMiddleware(Backend(delay_s=0.1), options(concurrency=1, queue_wait_s=15.0))
    codes: list[int] = []
    with served(app) as url:
        threads = [
            threading.Thread(
                target=lambda: codes.append(
                    httpx.post(url + "/ia/api/v1/objects/x/y", content=b"{}").status_code
                )
            )
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [200, 200, 200]


def test_rest_429_is_json_ia_error() -> None:
    backend = Backend(gated=True)
    app = RealismMiddleware(backend, options(concurrency=1, queue_wait_s=0.0))
    with served(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        holder = threading.Thread(target=lambda: client.get("/ia/api/v1/objects/a/b"))
        holder.start()
        assert backend.entered.wait(timeout=10)
        r = client.get("/ia/api/v1/objects/a/b")
        backend.gate.set()
        holder.join()
    assert r.status_code == 429
    error = r.json()["ia::result"]["ia::error"]
    assert error["code"] == "tooManyRequests"


def sequence(seed: int, n: int = 200, rate: float = 0.3) -> list[str | None]:
    plan = FaultPlan(rate, seed)
    info = RequestInfo(api="xml", session_id="s")
    return [plan.draw(info) for _ in range(n)]


def test_fault_sequence_is_deterministic_for_a_seed() -> None:
    assert sequence(7) == sequence(7)
    assert sequence(7) != sequence(8)
    faults = [f for f in sequence(7) if f]
    assert 30 <= len(faults) <= 90  # ~30% of 200
    assert {"http_502", "http_503", FAULT_DROP, FAULT_DROP_AFTER, FAULT_EXPIRE} <= set(faults)


def test_zero_rate_never_faults() -> None:
    assert set(sequence(1, rate=0.0)) == {None}


def test_injected_faults_reach_the_client_deterministically() -> None:
    def run() -> list[object]:
        app = RealismMiddleware(Backend(), options(fault_rate=0.5, seed=42))
        outcomes: list[object] = []
        with client_for(app) as c:
            for _ in range(30):
                try:
                    outcomes.append(c.post("/ia/api/v1/services/core/query", json={}).status_code)
                except httpx.TransportError as exc:
                    outcomes.append(type(exc).__name__)
        return outcomes

    first, second = run(), run()
    assert first == second
    assert {200, 502, 503, "DroppedConnection"} <= set(first)


def test_dropped_connection_over_real_http_is_a_transport_error() -> None:
    class AlwaysDrop:
        def draw(self, info: RequestInfo) -> str:
            return FAULT_DROP

    app = RealismMiddleware(Backend(), options())
    app.faults = AlwaysDrop()  # type: ignore[assignment]
    with served(app) as url, pytest.raises(httpx.RemoteProtocolError) as caught:
        httpx.post(url + "/ia/xml/xmlgw.phtml", content=request_xml("<getAPISession/>"))
    assert not isinstance(caught.value, DroppedConnection)  # a real hang-up, seen by httpx


@pytest.mark.parametrize(("fault", "reached"), [(FAULT_DROP, 0), (FAULT_DROP_AFTER, 1)])
def test_drops_before_or_after_the_sandbox_did_the_work(fault: str, reached: int) -> None:
    class Always:
        def draw(self, info: RequestInfo) -> str:
            return fault

    backend = Backend()
    app = RealismMiddleware(backend, options())
    app.faults = Always()  # type: ignore[assignment]
    with client_for(app) as c, pytest.raises(httpx.TransportError):
        c.post("/ia/xml/xmlgw.phtml", content=request_xml("<getAPISession/>"))
    assert len(backend.seen) == reached


def test_session_expiry_fault_expires_the_session_then_forwards() -> None:
    expired: list[str] = []

    class AlwaysExpire:
        def draw(self, info: RequestInfo) -> str:
            return FAULT_EXPIRE

    backend = Backend()
    app = RealismMiddleware(backend, options(), expire_session=expired.append)
    app.faults = AlwaysExpire()  # type: ignore[assignment]
    with client_for(app) as c:
        r = c.post("/ia/xml/xmlgw.phtml", content=request_xml("<getAPISession/>", session="S-1"))
    assert expired == ["S-1"]
    assert r.status_code == 200 and len(backend.seen) == 1


def test_request_log_lines(tmp_path: Any) -> None:
    log = tmp_path / "logs" / "requests.jsonl"
    app = RealismMiddleware(Backend(), options(log_path=log))
    with client_for(app) as c:
        c.post(
            "/ia/xml/xmlgw.phtml",
            content=request_xml(
                "<create><GLACCOUNT><ACCOUNTNO>1</ACCOUNTNO></GLACCOUNT></create>",
                "<query><object>VENDOR</object></query>",
            ),
        )
        c.post("/ia/api/v1/services/core/query", json={"object": "company-config/role"})
        c.post("/ia/api/v1/objects/company-config/role", json={"id": "R"})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 3
    xml, query, create = lines
    assert xml["api"] == "xml"
    assert xml["functions"] == ["create", "query"]
    assert xml["objects"] == ["GLACCOUNT", "VENDOR"]
    assert xml["records_sent"] == 1
    assert xml["records_returned"] == 3
    assert xml["status"] == 200
    assert xml["duration_ms"] >= 0
    assert "T" in xml["time"]
    assert query["objects"] == ["company-config/role"]
    assert query["functions"] == ["POST services/core/query"]
    assert query["records_returned"] == 2
    assert create["records_sent"] == 1
    text = log.read_text()
    for secret in ("SENDER-SECRET", "SESSION-SECRET", "USER-SECRET"):
        assert secret not in text


def test_other_paths_pass_through_with_their_body(tmp_path: Any) -> None:
    backend = Backend()
    log = tmp_path / "log.jsonl"
    with client_for(RealismMiddleware(backend, options(log_path=log))) as c:
        r = c.post("/health", content=b"ping")
    assert r.status_code == 200 and backend.seen == [b"ping"]
    assert not log.exists()  # only API calls are logged
