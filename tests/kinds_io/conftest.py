"""A gateway on the sandbox (in-process WSGI, its request log in tmp_path)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.connect import Clients
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.sandbox.app import SandboxOptions, make_app
from intacct_reconcile.settings import Target


@contextmanager
def sandbox_clients(tmp_path: Path, **gateway: Any) -> Iterator[tuple[Any, Clients]]:
    """(the sandbox app, clients whose XML gateway reads it); `gateway`: Gateway options."""
    app = make_app(":memory:", SandboxOptions(log_path=str(tmp_path / "requests.jsonl")))
    xml, _ = load_credentials(
        Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=Path("/nonexistent")
    )
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    client = Gateway(http, xml, **gateway)
    try:
        yield app, Clients(client, None, Target("t"))
    finally:
        client.close()
        http.close()
