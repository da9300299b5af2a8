"""Real HTTP on 127.0.0.1: the served sandbox, hostile servers, and open_clients."""

from __future__ import annotations

import httpx
import pytest

from intacct_reconcile.client.errors import ProtocolError
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.connect import open_clients
from intacct_reconcile.sandbox.serve import served
from intacct_reconcile.settings import load_config, resolve_target

from .sandbox_fixtures import XML_CREDS, accounts, fast_retry, request_log, sandbox, seed_accounts

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<response>&c;</response>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    b"<response>&x;</response>"
)
TRUNCATED = b"<?xml version='1.0'?><response><control><status>success</status></cont"
HOSTILE = {
    "bomb": ("text/xml", BOMB, "DOCTYPE"),
    "xxe": ("text/xml", XXE, "DOCTYPE"),
    "truncated": ("text/xml", TRUNCATED, "not well-formed"),
    "html": (
        "text/html; charset=utf-8",
        b"<html><body>Sign in to the proxy</body></html>",
        "content type 'text/html'",
    ),
    "not-xml": ("text/xml", b"Service temporarily unavailable", "not well-formed"),
}


def hostile_app(content_type: str, body: bytes):
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(
            "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_responses_over_real_http_are_rejected_cleanly(case):
    content_type, body, message = HOSTILE[case]
    with served(hostile_app(content_type, body)) as url:
        gw = Gateway(httpx.Client(base_url=url), XML_CREDS, retry=fast_retry())
        with pytest.raises(ProtocolError, match=message) as info:
            gw.get_applications()
    assert info.value.__traceback__ is not None
    assert "sandbox" not in str(info.value)  # no password echoed back


def test_oversized_response_is_refused_while_streaming(monkeypatch):
    import intacct_reconcile.client.session as session

    monkeypatch.setattr(session, "MAX_BODY_BYTES", 1000)
    body = b"<response>" + b"<x>y</x>" * 500 + b"</response>"
    with served(hostile_app("text/xml", body)) as url:
        gw = Gateway(httpx.Client(base_url=url), XML_CREDS, retry=fast_retry())
        with pytest.raises(ProtocolError, match="1000-byte limit"):
            gw.get_applications()


def test_served_sandbox_reads_and_writes_over_http(tmp_path):
    app = sandbox(tmp_path, latency_ms=5)
    seed_accounts(app, 4_100)
    with served(app) as url:
        gw = Gateway(httpx.Client(base_url=url), XML_CREDS, retry=fast_retry())
        rows = gw.read_all("GLACCOUNT", ["RECORDNO", "ACCOUNTNO"])
        results = gw.create("GLACCOUNT", accounts(150), idempotency_key="served")
    assert len(rows) == app.store.count("GLACCOUNT") - 150
    assert all(r.ok for r in results)
    assert gw.requests_sent == len(request_log(tmp_path))


def test_served_sandbox_with_faults_creates_each_record_once(tmp_path):
    app = sandbox(tmp_path, fault_rate=0.3, seed=99)
    before = app.store.count("GLACCOUNT")
    with served(app) as url:
        gw = Gateway(httpx.Client(base_url=url), XML_CREDS, retry=fast_retry(attempts=10))
        results = gw.create("GLACCOUNT", accounts(300), idempotency_key="served-chaos")
        rows = gw.read_all("GLACCOUNT", ["ACCOUNTNO"])
    assert all(r.ok for r in results)
    assert app.store.count("GLACCOUNT") == before + 300 == len(rows)
    assert len({r["ACCOUNTNO"] for r in rows}) == len(rows)
    assert {e["fault"] for e in request_log(tmp_path)} - {None}


def test_open_clients_on_an_embedded_sandbox_target_persists_state(tmp_path):
    (tmp_path / "intacct-reconcile.yaml").write_text("targets:\n  sandbox: {sandbox: true}\n")
    target = resolve_target(load_config(None, manifest_path=tmp_path), None)
    with open_clients(target, env={}) as clients:
        clients.xml.create("GLACCOUNT", accounts(3), idempotency_key="persist")
        assert clients.rest.query("company-config/role", ["id"])
    assert (tmp_path / ".intacct-reconcile" / "sandbox.db").is_file()
    with open_clients(target, env={}) as clients:
        numbers = {r["ACCOUNTNO"] for r in clients.xml.read_all("GLACCOUNT", ["ACCOUNTNO"])}
    assert {"50000", "50001", "50002"} <= numbers


def test_open_clients_on_an_endpoint_target_uses_real_http(tmp_path):
    app = sandbox(tmp_path)
    with served(app) as url:
        (tmp_path / "intacct-reconcile.yaml").write_text(
            f"targets:\n  local: {{endpoint: '{url}', company_id: DEMO}}\n"
        )
        target = resolve_target(load_config(None, manifest_path=tmp_path), "local")
        with open_clients(target, env={}) as clients:
            assert "GL" in clients.xml.get_applications()
            assert clients.rest is not None
    assert len(request_log(tmp_path)) == 2
