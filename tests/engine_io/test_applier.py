"""The applier against a real sandbox: failures, dependants, batching, verification."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from intacct_reconcile import applier, planner
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.connect import Clients
from intacct_reconcile.credentials import (
    SANDBOX_REST,
    SANDBOX_XML,
    RestCredentials,
    Secret,
    XmlCredentials,
)
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.xml_io import select_fields
from intacct_reconcile.live import read_live
from intacct_reconcile.manifest.api import load_desired
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.settings import Target
from intacct_reconcile.types import PlanOptions, Resource, State

from .conftest import FIXTURES


def clients_for(app) -> tuple[Clients, httpx.Client]:
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    xml = XmlCredentials(
        SANDBOX_XML["sender_id"],
        Secret(SANDBOX_XML["sender_password"]),
        SANDBOX_XML["company_id"],
        SANDBOX_XML["user_id"],
        Secret(SANDBOX_XML["user_password"]),
        None,
    )
    rest = RestCredentials(
        SANDBOX_REST["client_id"],
        Secret(SANDBOX_REST["client_secret"]),
        f"{SANDBOX_XML['user_id']}@{SANDBOX_XML['company_id']}",
        None,
    )
    gateway = Gateway(http, xml)
    return Clients(gateway, RestClient(http, rest, limiter=gateway.limiter), Target("t")), http


def make_plan(clients: Clients):
    manifests = load_desired(FIXTURES / "basic", vars={"accounting_email": "ap@demo.example"})
    live = read_live(clients, manifests.desired.kinds())
    return planner.plan(manifests.desired, live, PlanOptions(target="t"))


def test_failed_change_skips_its_dependants_and_keeps_going(tmp_path: Path):
    app = make_app(":memory:")
    clients, http = clients_for(app)
    try:
        plan = make_plan(clients)
        # someone creates the role by hand between plan and apply: the create now fails
        objects.create(app.store, "ROLES", {"NAME": "Integration"}, via="rest")
        report = applier.apply(plan, clients, plan_checksum="sha256:test")
    finally:
        clients.xml.close()
        http.close()
    by_ref = {str(r.change.ref): r for r in report.results}
    assert by_ref["roles/Integration"].status == "failed"
    assert by_ref["roles/Integration"].error
    user = by_ref["web_services_users/xmlgateway_test"]
    assert user.status == "not_attempted"
    assert "roles/Integration" in (user.error or "")
    # independent changes still ran
    assert by_ref["gl_accounts/2110"].status == "applied"
    assert by_ref["sender_ids/testsender"].status == "manual"
    assert objects.get_by_key(app.store, "GLACCOUNT", "2110") is not None
    assert objects.get_by_key(app.store, "USERINFO", "xmlgateway_test") is None
    assert not report.ok


def test_creates_of_one_kind_share_one_request(tmp_path: Path):
    app = make_app(":memory:")
    clients, http = clients_for(app)
    bodies: list[bytes] = []
    http.event_hooks["request"].append(lambda request: bodies.append(request.read()))
    try:
        plan = make_plan(clients)
        report = applier.apply(plan, clients, plan_checksum="sha256:batch")
    finally:
        clients.xml.close()
        http.close()
    assert report.ok, [(str(r.change.ref), r.error) for r in report.results if r.error]
    gl_writes = [b for b in bodies if b"<create>" in b and b"<GLACCOUNT>" in b]
    assert len(gl_writes) == 1  # the three accounts in one create function, one request
    assert gl_writes[0].count(b"<ACCOUNTNO>") == 3


def test_verification_reads_back_only_the_fields_the_changes_wrote(tmp_path: Path):
    app = make_app(":memory:")
    clients, http = clients_for(app)
    bodies: list[bytes] = []
    http.event_hooks["request"].append(lambda request: bodies.append(request.read()))
    try:
        plan = make_plan(clients)
        bodies.clear()
        report = applier.apply(plan, clients, plan_checksum="sha256:fields")
    finally:
        clients.xml.close()
        http.close()
    assert report.ok
    wrote = {
        name for c in plan.changes if c.ref.kind == "gl_accounts" for name in (c.desired or {})
    }
    kind = REGISTRY["gl_accounts"]
    rereads = [b for b in bodies if b"<query>" in b and b"<object>GLACCOUNT</object>" in b]
    assert len(rereads) == 1
    selected = set(etree.fromstring(rereads[0]).xpath("//query/select/field/text()"))
    # identity and what the changes wrote (as a plan reads), never every field of the kind
    assert {kind.field(n).api for n in wrote if kind.field(n).api} <= selected
    assert kind.identity.api in selected
    assert len(selected) < len(select_fields(kind))


def test_verification_reports_a_write_that_did_not_stick(tmp_path: Path):
    app = make_app(":memory:")
    clients, http = clients_for(app)
    try:
        plan = make_plan(clients)
        # the server silently stores another title: the applier must notice on re-read
        original = objects.create_record  # what the gateway's create function calls

        def tampering_create(store, obj, record, **kw):
            if obj == "GLACCOUNT" and record.get("ACCOUNTNO") == "2111":
                record = {**record, "TITLE": "Not what was sent"}
            return original(store, obj, record, **kw)

        objects.create_record = tampering_create  # the sandbox's own module, not the network
        try:
            report = applier.apply(plan, clients, plan_checksum="sha256:verify")
        finally:
            objects.create_record = original
    finally:
        clients.xml.close()
        http.close()
    by_ref = {str(r.change.ref): r for r in report.results}
    assert by_ref["gl_accounts/2111"].status == "failed"
    assert "Not what was sent" in (by_ref["gl_accounts/2111"].error or "")
    assert by_ref["gl_accounts/2110"].status == "applied"


def test_rest_creates_of_one_kind_run_in_parallel_within_the_limit(tmp_path: Path):
    from intacct_reconcile.sandbox.options import SandboxOptions

    app = make_app(":memory:", SandboxOptions(latency_ms=100, concurrency=2))
    clients, http = clients_for(app)
    try:
        sequences = {
            f"S{i}": Resource(
                "document_sequences",
                f"S{i}",
                REGISTRY["document_sequences"].normalize({"print_title": f"S{i}"}),
            )
            for i in range(6)
        }
        desired = State({"document_sequences": sequences})
        live = read_live(clients, ["document_sequences"])
        plan = planner.plan(desired, live, PlanOptions(target="t"))
        report = applier.apply(plan, clients, plan_checksum="sha256:parallel", verify=False)
        peak = clients.xml.peak_in_flight
    finally:
        clients.xml.close()
        http.close()
    assert report.ok, [(str(r.change.ref), r.error) for r in report.results if r.error]
    assert {r.change.ref.key for r in report.results if r.status == "applied"} == set(sequences)
    assert peak == 2  # two requests in flight, never more than the company allows
    assert all(objects.get_by_key(app.store, "SEQUENCE", key) for key in sequences)


class _RecordingJournal:
    """A journal saying what it was told, in order. Told the last answers (`last` changes
    answered in all), it waits up to 5 s for `reread` and notes whether it came."""

    def __init__(self, log: list[str], last: int = 0, reread: Any = None) -> None:
        self.events, self.last, self.reread = log, last, reread
        self.answers = 0

    def sending(self, changes) -> None:
        self.events.append(f"intents {len(changes)}")

    def answered(self, results) -> None:
        self.answers += len(results)
        if self.answers == self.last:
            came = self.reread.wait(timeout=5)
            self.events.append("re-read under way" if came else "re-read not under way")
        self.events.append(f"outcomes {len(results)}")


def test_the_last_answers_are_journaled_while_the_re_read_is_on_its_way(tmp_path: Path):
    app = make_app(":memory:")
    clients, http = clients_for(app)
    events: list[str] = []
    reread = threading.Event()
    sent = clients.xml.read_many

    def reading(specs, *args, **kwargs):
        reread.set()
        return sent(specs, *args, **kwargs)

    try:
        plan = make_plan(clients)
        writes = sum(1 for c in plan.changes if c.action != "manual")
        clients.xml.read_many = reading  # type: ignore[method-assign]
        journal = _RecordingJournal(events, last=writes, reread=reread)
        report = applier.apply(plan, clients, plan_checksum="sha256:test", journal=journal)
    finally:
        clients.xml.close()
        http.close()
    assert report.ok, [(str(r.change.ref), r.error) for r in report.results if r.error]
    # every writer call's intents and then its outcomes, in turn, none lost; the last
    # call's outcomes written while the re-read was under way, before apply returned
    calls = [e.split()[0] for e in events if e.split()[0] in ("intents", "outcomes")]
    assert calls == ["intents", "outcomes"] * (len(calls) // 2) and len(calls) >= 4
    assert sum(int(e.split()[1]) for e in events if e.startswith("outcomes")) == writes
    assert events[-2:] == ["re-read under way", events[-1]]


def test_answers_are_journaled_when_nothing_is_verified(tmp_path: Path):
    app = make_app(":memory:")
    clients, http = clients_for(app)
    events: list[str] = []
    try:
        plan = make_plan(clients)
        applier.apply(
            plan,
            clients,
            plan_checksum="sha256:test",
            verify=False,
            journal=_RecordingJournal(events),
        )
    finally:
        clients.xml.close()
        http.close()
    assert events[-1].startswith("outcomes")
    assert len([e for e in events if e.startswith("intents")]) == len(
        [e for e in events if e.startswith("outcomes")]
    )
