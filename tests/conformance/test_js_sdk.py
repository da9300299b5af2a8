"""Sage's official JavaScript SDK (npm ``@intacct/intacct-sdk``, pinned by js/package-lock.json
and installed by `make test` with ``npm ci``) against the served sandbox.

``js/drive.js`` runs the SDK unmodified in node and reports each step as one JSON line. The SDK
refuses endpoints outside *.intacct.com, so the driver addresses the sandbox as
sandbox.intacct.com:PORT and resolves that name to 127.0.0.1 in its own process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import SandboxApp

JS = Path(__file__).parent / "js"
SDK = JS / "node_modules" / "@intacct" / "intacct-sdk"


@pytest.fixture(scope="module")
def steps(base_url: str) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is not installed; the JavaScript SDK conformance test needs node 20"
    assert SDK.is_dir(), f"{SDK} is missing: run `make test` (it runs npm ci in {JS})"
    port = base_url.rsplit(":", 1)[1]
    args = [company.SENDER_ID, company.SENDER_PASSWORD, company.COMPANY_ID]
    args += [company.ADMIN_USER, company.ADMIN_PASSWORD]
    done = subprocess.run(
        [node, str(JS / "drive.js"), port, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {line["step"]: line for line in lines}


def test_sessionprovider_gets_a_session_on_the_sandbox(steps: dict[str, dict[str, Any]]) -> None:
    session = steps["session"]
    assert session["hasSession"] and session["userId"] == company.ADMIN_USER
    assert session["endpoint"].endswith("/ia/xml/xmlgw.phtml")


def test_readbyquery_reads_every_account(steps: dict[str, dict[str, Any]], app: SandboxApp) -> None:
    read = steps["read_accounts"]
    assert read["ok"], read
    stored = sorted(r["ACCOUNTNO"] for r in objects.query(app.store, "GLACCOUNT")[1])
    assert sorted(read["numbers"]) == stored  # the driver's own account is created after this
    assert read["count"] == read["total"] == len(stored)


def test_account_create_then_legacy_delete(
    steps: dict[str, dict[str, Any]], app: SandboxApp
) -> None:
    assert steps["create_account"] == {"step": "create_account", "ok": True, "status": "success"}
    deleted = steps["delete_account"]
    assert deleted["ok"], deleted
    assert (deleted["function"], deleted["key"]) == ("delete_glaccount", "6980")
    assert app.store.get_by_key("GLACCOUNT", "6980") is None


def test_delete_of_a_missing_account_fails_with_its_error(
    steps: dict[str, dict[str, Any]],
) -> None:
    missing = steps["delete_missing_account"]
    assert not missing["ok"]
    (error,) = missing["errors"]
    assert error.startswith("BL01001973 Cannot find gl account with key '6980' to delete.")


def test_department_create_then_legacy_delete(
    steps: dict[str, dict[str, Any]], app: SandboxApp
) -> None:
    done = steps["department_create_then_delete"]
    assert done["ok"], done
    assert (done["status"], done["function"]) == ("success", "delete_department")
    assert app.store.get_by_key("DEPARTMENT", "D-JS") is None


def test_wrong_sender_password_is_a_control_failure(steps: dict[str, dict[str, Any]]) -> None:
    wrong = steps["wrong_sender_password"]
    assert not wrong["ok"]
    assert wrong["errors"][0].startswith("XL03000006 Incorrect Intacct XML Partner ID")
