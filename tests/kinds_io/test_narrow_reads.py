"""A plan reads only the fields the manifests declare (live.fields_to_read), never hiding drift.

Against the sandbox: GL accounts read with the declared fields leave the others unread (no
value, so nothing undeclared to compare), a declared field edited in Intacct is still an
update, and the saved plan's fingerprints, taken over the declared fields only, match a
full re-read (as `apply PLANFILE` does it) until a declared field drifts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile import planfile, planner
from intacct_reconcile.connect import Clients
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.live import declared_fields, read_live
from intacct_reconcile.sandbox import objects
from intacct_reconcile.types import PlanOptions, Resource, State

from .conftest import sandbox_clients

GL = REGISTRY["gl_accounts"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Any, Clients]]:
    with sandbox_clients(tmp_path) as served:
        yield served


def seed(app: Any) -> None:
    objects.bulk_insert(
        app.store,
        "GLACCOUNT",
        [
            {
                "ACCOUNTNO": "7001",
                "TITLE": "Narrow read",
                "ACCOUNTTYPE": "incomestatement",
                "NORMALBALANCE": "debit",
            }
        ],
    )


def desired(title: str) -> State:
    values = GL.normalize({"title": title})
    return State({GL.key: {"7001": Resource(GL.key, "7001", values)}})


def edit(app: Any, **fields: str) -> None:
    """A change made in the Intacct UI (straight into the sandbox's store)."""
    row = app.store.get_by_key("GLACCOUNT", "7001")
    app.store.replace("GLACCOUNT", int(row["RECORDNO"]), "7001", {**row, **fields})


def test_only_declared_fields_are_read(sandbox):
    app, clients = sandbox
    seed(app)
    wanted = desired("Narrow read")
    narrow = read_live(clients, [GL.key], wanted, fields=declared_fields(wanted))
    whole = read_live(clients, [GL.key])
    read = narrow.get(GL.key, "7001")
    assert read is not None and read.values["title"] == "Narrow read"
    assert "normal_balance" in whole.get(GL.key, "7001").values
    assert "normal_balance" not in read.values  # not declared: not read
    assert set(read.values) <= set(declared_fields(wanted)[GL.key])
    assert read.meta["RECORDNO"] == whole.get(GL.key, "7001").meta["RECORDNO"]


def test_drift_on_a_declared_field_is_still_planned(sandbox):
    app, clients = sandbox
    seed(app)
    wanted = desired("Narrow read")
    edit(app, TITLE="Renamed in the UI")
    live = read_live(clients, [GL.key], wanted, fields=declared_fields(wanted))
    plan = planner.plan(wanted, live, PlanOptions(target="t"))
    (change,) = plan.changes
    assert change.action == "update"
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("title", "Renamed in the UI", "Narrow read")
    ]


def test_saved_plan_fingerprints_match_a_full_reread_until_a_declared_field_drifts(sandbox):
    app, clients = sandbox
    seed(app)
    wanted = desired("New title")
    live = read_live(clients, [GL.key], wanted, fields=declared_fields(wanted))
    plan = planner.plan(wanted, live, PlanOptions(target="t"))
    assert [c.action for c in plan.changes] == ["update"]
    # apply PLANFILE re-reads every field: the fingerprints still agree
    assert planfile.stale(plan, read_live(clients, [GL.key])) == []
    edit(app, TITLE="Renamed in the UI")
    (problem,) = planfile.stale(plan, read_live(clients, [GL.key]))
    assert "title was" in problem and "Renamed in the UI" in problem
