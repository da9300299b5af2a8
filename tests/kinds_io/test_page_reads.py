"""Live records become Resources page by page as the pages arrive (live.read_live).

Kinds read by the general XML reader turn each page of records into Resources on the thread
that fetched it, so a large read never holds every page's records at once. The Resources are
the very ones the reader makes from all the records in one go; readers that join other
reads' rows (users and their role links) are left to read the whole answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile import live
from intacct_reconcile.connect import Clients
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.sandbox import objects

from .conftest import sandbox_clients

GL = REGISTRY["gl_accounts"]
USERS = REGISTRY["web_services_users"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Any, Clients]]:
    with sandbox_clients(tmp_path, concurrency=2) as served:
        yield served


def test_pages_become_the_resources_the_reader_makes_of_the_whole_answer(sandbox):
    app, clients = sandbox
    objects.bulk_insert(
        app.store,
        "GLACCOUNT",
        (
            {
                "ACCOUNTNO": str(50_000 + i),
                "TITLE": f"Paged {i}",
                "ACCOUNTTYPE": "incomestatement" if i % 3 else "balancesheet",
                "NORMALBALANCE": "credit" if i % 2 else "debit",
            }
            for i in range(4_500)  # three pages of up to 2,000
        ),
    )
    read = live.read_live(clients, [GL.key, USERS.key])
    # the same read with every record kept as it came, then made into Resources in one go
    whole_specs = [dataclasses.replace(spec, row=None) for spec in GL.reader.specs(GL)]
    records = clients.xml.read_many(whole_specs)
    assert all(type(r) is dict for r in records[GL.key])  # really the records, not Resources
    whole = GL.reader.read(GL, clients, records)
    assert len(whole) >= 4_500
    assert read.of(GL.key) == whole
    assert list(read.of(GL.key)) == list(whole)  # the same order too
    expected = USERS.reader.read(USERS, clients, clients.xml.read_many(USERS.reader.specs(USERS)))
    assert read.of(USERS.key) == expected


def test_only_the_general_reader_as_it_is_reads_by_page():
    (gl,) = GL.reader.specs(GL)
    assert gl.row is not None
    # users join their role links (rows of another read): every record waits for the join
    assert all(spec.row is None for spec in USERS.reader.specs(USERS))
