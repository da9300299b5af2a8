"""Within one plan a query asked again is answered from the first answer (readahead.SharedReads):
the access review's users, role links and roles are the rows the plan's own reads returned.

Against the sandbox (its request log counts what was asked): the same spec, or fewer plain
fields of the same object and filter, asks nothing; another filter or more fields are asked;
rows handed out are copies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct_reconcile.client.envelope import Filter
from intacct_reconcile.client.gateway import Gateway, ReadSpec
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.readahead import SharedReads
from intacct_reconcile.sandbox.app import SandboxOptions, make_app
from intacct_reconcile.settings import Target

USERS = ["RECORDNO", "LOGINID", "ADMIN", "STATUS", "LOGINDISABLED"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Gateway, Path]]:
    log = tmp_path / "requests.jsonl"
    app = make_app(":memory:", SandboxOptions(log_path=str(log)))
    xml, _ = load_credentials(
        Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=Path("/nonexistent")
    )
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    gateway = Gateway(http, xml)
    try:
        yield gateway, log
    finally:
        gateway.close()
        http.close()


def asked(log: Path) -> list[list[str]]:
    """The objects each query request named, in order (sign-ins left out)."""
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    return [line["objects"] for line in lines if "query" in line["functions"]]


def test_a_query_asked_again_is_answered_from_the_first(served: Any) -> None:
    gateway, log = served
    shared = SharedReads(gateway)
    first = shared.read_many(
        [ReadSpec("USERINFO", USERS), ReadSpec("ROLES", ["RECORDNO", "NAME"], name="roles")]
    )
    # the two first pages go in the company's two concurrent requests, in either order
    assert sorted(asked(log)) == [["ROLES"], ["USERINFO"]]

    again = shared.read_many(
        [
            ReadSpec("ROLES", ["RECORDNO", "NAME"]),
            ReadSpec("USERINFO", ["LOGINID", "STATUS"], name="users"),  # fewer plain fields
            ReadSpec("USERROLES", ["USERID", "ROLENAME"]),
        ]
    )
    assert asked(log)[2:] == [["USERROLES"]]  # only what was new
    assert len(asked(log)) == 3
    assert again["ROLES"] == first["roles"]
    direct = gateway.read_many([ReadSpec("USERINFO", ["LOGINID", "STATUS"])])["USERINFO"]
    assert again["users"] == direct and list(direct[0]) == ["LOGINID", "STATUS"]

    # what a caller does to its rows is not what the next one gets
    again["ROLES"][0]["NAME"] = "changed by a reader"
    assert shared.read_all("ROLES", ["RECORDNO", "NAME"]) == first["roles"]


def test_another_filter_or_more_fields_are_asked(served: Any) -> None:
    gateway, log = served
    shared = SharedReads(gateway)
    shared.read_many([ReadSpec("USERINFO", ["LOGINID", "STATUS"])])
    admins = Filter("equalto", "ADMIN", ("Full",))
    shared.read_many([ReadSpec("USERINFO", ["LOGINID", "STATUS"], filter=admins)])
    more = shared.read_many([ReadSpec("USERINFO", ["LOGINID", "STATUS", "ADMIN"])])
    assert asked(log) == [["USERINFO"], ["USERINFO"], ["USERINFO"]]
    assert more["USERINFO"][0]["ADMIN"] == "Full"
    assert shared.limiter is gateway.limiter  # everything else is the gateway's own


def test_after_a_write_the_query_is_asked_again(served: Any) -> None:
    """An apply reads ahead through the same clients it writes with: what it reads back after
    a write is Intacct's, not the answer from before."""
    gateway, log = served
    shared = SharedReads(gateway)
    accounts = ReadSpec(
        "GLACCOUNT", ["ACCOUNTNO", "TITLE"], filter=Filter("equalto", "ACCOUNTNO", ("7001",))
    )
    assert shared.read_many([accounts])["GLACCOUNT"] == []
    shared.create(
        "GLACCOUNT",
        [
            {
                "ACCOUNTNO": "7001",
                "TITLE": "Written",
                "ACCOUNTTYPE": "incomestatement",
                "NORMALBALANCE": "debit",
                "CLOSINGTYPE": "non-closing account",
            }
        ],
        idempotency_key="write-1",
    )
    (row,) = shared.read_many([accounts])["GLACCOUNT"]
    assert row["TITLE"] == "Written"
    assert [objects for objects in asked(log) if objects == ["GLACCOUNT"]] == [["GLACCOUNT"]] * 2


def test_an_entity_gateway_ends_the_sharing(served: Any) -> None:
    """Writes through an entity's gateway are not seen by the wrapper: once one is handed out,
    every query is asked."""
    gateway, log = served
    shared = SharedReads(gateway)
    users = ReadSpec("USERINFO", ["LOGINID"])
    shared.read_many([users])
    shared.entity(None)
    shared.read_many([users])
    shared.read_many([users])
    assert asked(log) == [["USERINFO"]] * 3
