"""Live records become Resources page by page as the pages arrive (live.read_live).

Kinds read by the general XML reader turn each page of records into Resources on the thread
that fetched it, so a large read never holds every page's records at once. The Resources are
the very ones the reader makes from all the records in one go; readers that join other
reads' rows (users and their role links) are left to read the whole answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct_reconcile import live
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.connect import Clients
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.app import SandboxOptions, make_app
from intacct_reconcile.settings import Target

GL = REGISTRY["gl_accounts"]
USERS = REGISTRY["web_services_users"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Any, Clients]]:
    app = make_app(":memory:", SandboxOptions(log_path=str(tmp_path / "requests.jsonl")))
    xml, _ = load_credentials(
        Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=Path("/nonexistent")
    )
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    gateway = Gateway(http, xml, concurrency=2)
    try:
        yield app, Clients(gateway, None, Target("t"))
    finally:
        gateway.close()
        http.close()


def test_pages_become_the_resources_the_reader_makes_of_the_whole_answer(sandbox, monkeypatch):
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
    pages = []
    convert = live._page_resources

    def seen(kind, page):
        pages.append((kind.key, len(page)))
        return convert(kind, page)

    monkeypatch.setattr(live, "_page_resources", seen)
    read = live.read_live(clients, [GL.key, USERS.key])
    whole = GL.reader.read(GL, clients, clients.xml.read_many(GL.reader.specs(GL)))
    assert len(whole) >= 4_500
    assert read.of(GL.key) == whole
    assert list(read.of(GL.key)) == list(whole)  # the same order too
    assert sorted(n for k, n in pages if k == GL.key) == sorted([2_000, 2_000, len(whole) - 4_000])
    assert USERS.key not in {k for k, _ in pages}  # joins its role links: read whole
    expected = USERS.reader.read(USERS, clients, clients.xml.read_many(USERS.reader.specs(USERS)))
    assert read.of(USERS.key) == expected


def test_only_the_general_reader_as_it_is_reads_by_page():
    assert live._reads_by_page(GL)
    assert not live._reads_by_page(USERS)  # its own rows: USERINFO joined with USERROLES
    assert not live._reads_by_page(REGISTRY["tax_solutions"])  # reads on its own
    assert not live._reads_by_page(REGISTRY["roles"])  # REST
