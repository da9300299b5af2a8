"""Fixtures for the roles tests: a project folder with a `sandbox: true` target, the CLI
in-process, the sandbox company's stored rows, and API clients on an in-memory sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.connect import Clients
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store
from intacct_reconcile.settings import Target

CONFIG = "default_target: sandbox\ntargets:\n  sandbox: {sandbox: true}\n"
Invoke = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "intacct"
    folder.mkdir()
    (folder / "intacct-reconcile.yaml").write_text(CONFIG, encoding="utf-8")
    return folder


@pytest.fixture
def cli() -> Invoke:
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


def write_roles(folder: Path, text: str) -> None:
    (folder / "roles.yaml").write_text("version: 1\nroles:\n" + text, encoding="utf-8")


def stored_rights(folder: Path, role: str) -> dict[tuple[str, str], str]:
    """The sandbox company's ROLEPOLICYASSIGNMENT rows of a role, straight from its database:
    (application, policy) -> pipe-delimited UI rights."""
    store = Store.open(str(folder / ".intacct-reconcile" / "sandbox.db"))
    try:
        rows = objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": role})
        return {(r["APPLICATIONNAME"], r["POLICYNAME"]): r["RIGHTS"] for r in rows}
    finally:
        store.close()


def clients_for(app: object) -> Clients:
    """XML and REST clients on an in-process sandbox, with its default credentials."""
    xml, rest = load_credentials(
        Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=Path("/nonexistent")
    )
    http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")
    gateway = Gateway(http, xml)
    return Clients(gateway, RestClient(http, rest, limiter=gateway.limiter), Target("t"))
