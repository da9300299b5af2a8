"""The kind protocol (kinds/io.py) through a toy kind that only lives in a test registry.

A kind declared nowhere in the package reads and writes through the general XML
implementation against the sandbox, shares the one batched first read with roles (ROLES and
ROLEPOLICYASSIGNMENT) and users (USERINFO and USERROLES), and brings its own writer and
lockout guard: nothing in the engine needs to know it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from intacct_reconcile import applier, planner, safety
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.connect import Clients
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Field, Hooks, Kind, RunAs
from intacct_reconcile.kinds.io import KindWriter, WriteContext
from intacct_reconcile.kinds.manual_io import ManualReader, ManualWriter
from intacct_reconcile.kinds.xml_io import XmlReader, XmlWriter
from intacct_reconcile.live import read_live, readable
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.app import SandboxOptions, make_app
from intacct_reconcile.settings import Target
from intacct_reconcile.types import Change, ChangeResult, PlanOptions, Resource, State

# A toy kind on the sandbox's DEPARTMENT object: registered only in the test registries below.
COST_CENTERS = Kind(
    key="cost_centers",
    title="cost center",
    api="xml",
    object="DEPARTMENT",
    identity=Field("code", "DEPARTMENTID"),
    fields=(Field("title", "TITLE", required=True), Field("status", "STATUS", default="active")),
)


def registry(*kinds: Kind) -> dict[str, Kind]:
    return {k.key: k for k in kinds}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Any, Clients, Path]]:
    log = tmp_path / "requests.jsonl"
    app = make_app(":memory:", SandboxOptions(log_path=str(log)))
    xml, rest = load_credentials(
        Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=Path("/nonexistent")
    )
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    gateway = Gateway(http, xml)
    clients = Clients(gateway, RestClient(http, rest, limiter=gateway.limiter), Target("t"))
    try:
        yield app, clients, log
    finally:
        gateway.close()
        http.close()


def desired(kind: Kind, objects_: Mapping[str, Mapping[str, Any]]) -> State:
    return State(
        {kind.key: {k: Resource(kind.key, k, kind.normalize(v)) for k, v in objects_.items()}}
    )


def plan_and_apply(kinds: Mapping[str, Kind], wanted: State, clients: Clients, **options: Any):
    live = read_live(clients, list(wanted.kinds()), registry=kinds)
    plan = planner.plan(wanted, live, PlanOptions(target="t", kinds=kinds, **options))
    report = applier.apply(plan, clients, plan_checksum="sha256:toy", registry=kinds)
    return plan, report


def test_an_ordinary_kind_gets_the_general_implementation_of_its_api():
    assert COST_CENTERS.reader == XmlReader() and COST_CENTERS.writer == XmlWriter()
    manual = Kind(key="toggles", title="toggle", api="manual", object=None, identity=Field("n"))
    assert isinstance(manual.reader, ManualReader) and isinstance(manual.writer, ManualWriter)
    assert not readable(manual) and readable(COST_CENTERS)


def test_a_toy_kind_creates_updates_and_deletes_through_the_general_xml_io(sandbox):
    app, clients, _ = sandbox
    kinds = registry(COST_CENTERS)
    wanted = desired(COST_CENTERS, {"CC1": {"title": "Research"}, "CC2": {"title": "Sales"}})

    plan, report = plan_and_apply(kinds, wanted, clients)
    assert [(c.action, c.ref.key) for c in plan.changes] == [("create", "CC1"), ("create", "CC2")]
    assert report.ok, report.results
    assert objects.get_by_key(app.store, "DEPARTMENT", "CC1")["TITLE"] == "Research"

    live = read_live(clients, ["cost_centers"], registry=kinds)
    assert live.get("cost_centers", "CC2").values["title"] == "Sales"  # type: ignore[union-attr]
    assert live.get("cost_centers", "CC2").meta["RECORDNO"]  # type: ignore[union-attr]

    renamed = desired(COST_CENTERS, {"CC1": {"title": "R&D"}, "CC2": {"title": "Sales"}})
    plan, report = plan_and_apply(kinds, renamed, clients)
    assert [(c.action, c.ref.key) for c in plan.changes] == [("update", "CC1")]
    assert report.ok, report.results
    assert objects.get_by_key(app.store, "DEPARTMENT", "CC1")["TITLE"] == "R&D"

    # `ensure: absent` deletes through the same writer
    gone = State(
        {
            "cost_centers": {
                "CC1": Resource("cost_centers", "CC1", COST_CENTERS.normalize({"title": "R&D"})),
                "CC2": Resource("cost_centers", "CC2", {}, ensure="absent"),
            }
        }
    )
    plan, report = plan_and_apply(kinds, gone, clients)
    assert [(c.action, c.ref.key) for c in plan.changes] == [("delete", "CC2")]
    assert report.ok, report.results
    assert objects.get_by_key(app.store, "DEPARTMENT", "CC2") is None


def test_every_readers_xml_reads_share_the_first_requests(sandbox):
    _, clients, log = sandbox
    kinds = registry(COST_CENTERS, REGISTRY["roles"], REGISTRY["web_services_users"])
    live = read_live(clients, list(kinds), registry=kinds)
    assert set(live.kinds()) == set(kinds)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    reads = [e for e in entries if "query" in e["functions"]]
    # one batched read: the first pages of every reader's reads, over the company's lanes
    assert len(reads) == clients.xml.concurrency == 2
    assert {o for r in reads for o in r["objects"]} == {
        "DEPARTMENT",
        "ROLES",
        "ROLEPOLICYASSIGNMENT",
        "USERINFO",
        "USERROLES",
    }


@dataclass(frozen=True)
class RecordingWriter(KindWriter):
    """A kind's own writer: one change per call, results handed back to the applier."""

    batches: ClassVar[bool] = False
    calls: list[tuple[str, ...]]

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        self.calls.append(tuple(f"{c.action} {c.ref} {context.key(str(c.ref))}" for c in changes))
        return [
            ChangeResult(c, "failed", "refused by the toy")
            if c.ref.key == "bad"
            else ChangeResult(c, "applied")
            for c in changes
        ]


def test_a_kinds_own_writer_gets_the_changes_and_its_results_are_reported():
    calls: list[tuple[str, ...]] = []
    toy = Kind(
        key="widgets",
        title="widget",
        api="xml",
        object="WIDGET",
        identity=Field("name", "NAME"),
        fields=(Field("size", "SIZE"),),
        writer=RecordingWriter(calls),
    )
    kinds = registry(toy)
    wanted = desired(toy, {"bad": {"size": "1"}, "good": {"size": "2"}})
    plan = planner.plan(wanted, State({"widgets": {}}), PlanOptions(target="t", kinds=kinds))
    report = applier.apply(
        plan, clients=None, plan_checksum="sha256:toy", registry=kinds, verify=False
    )
    # not batched: one call per change, each with the run's deterministic idempotency key
    assert [len(c) for c in calls] == [1, 1]
    again: list[tuple[str, ...]] = []
    applier.apply(
        plan,
        clients=None,
        plan_checksum="sha256:toy",
        registry=registry(dataclasses.replace(toy, writer=RecordingWriter(again))),
        verify=False,
    )
    assert again == calls
    assert [(str(r.change.ref), r.status) for r in report.results] == [
        ("widgets/bad", "failed"),
        ("widgets/good", "applied"),
    ]


def test_a_kinds_lockout_hooks_feed_the_safety_gate():
    def lockout(kind: Kind, change: Change, run_as: RunAs, kinds: Mapping[str, Kind]):
        if change.ref.key == run_as.user:
            yield f"would {change.action} the tool's own {kind.title}"

    def plan_lockout(kind: Kind, changes: Sequence[Change], run_as: RunAs):
        if len(changes) > 1:
            yield changes[0].ref, f"{kind.key}: {len(changes)} changes at once"

    toy = Kind(
        key="badges",
        title="badge",
        api="xml",
        object="BADGE",
        identity=Field("name", "NAME"),
        hooks=Hooks(lockout=lockout, plan_lockout=plan_lockout),
    )
    kinds = registry(toy)
    live = State({"badges": {k: Resource("badges", k, {}) for k in ("me", "you")}})
    plan = planner.plan(
        State({"badges": {}}),
        live,
        PlanOptions(target="t", kinds=kinds, ownership={"badges": "full"}),
    )
    found = safety.check(plan, safety.SafetyOptions(kinds=kinds, own_user="me"))
    assert [(v.rule, v.message, str(v.ref)) for v in found] == [
        ("lockout", "badges/me: would delete the tool's own badge", "badges/me"),
        ("lockout", "badges: 2 changes at once", "badges/you"),
    ]
    assert all(v.override == safety.FORCE for v in found)
    # the hook decides: another login is no lockout
    others = safety.check(plan, safety.SafetyOptions(kinds=kinds, own_user="someone"))
    assert [v.message for v in others] == ["badges: 2 changes at once"]
