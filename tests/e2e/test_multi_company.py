"""`sandbox company` commands and a served sandbox hosting several companies, driven by the CLI:
one manifest set placed in two entities of company ACME plans, applies and converges, and
DEMO, served by the same process, never sees it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from intacct_reconcile.sandbox import company

from .conftest import Invoke

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

MANIFEST = """\
version: 1
gl_accounts:
  "1950-{entity}":                     # Pleo: "3 GL accounts need to be created in each entity"
    title: Pleo Wallet {entity}
    type: balance_sheet
    normal_balance: debit
    closing_type: non_closing
    entity: [E100, E200]
checking_accounts:
  "PLEO-{entity}":
    description: Pleo Wallet {entity}
    bank_name: Pleo
    gl_account: "1950-{entity}"
    entity: [E100, E200]
journals:
  PLEOCARD:
    title: Pleo card expenses          # top level: shared by both entities
"""


@pytest.fixture
def served_db(tmp_path: Path, cli: Invoke) -> Iterator[tuple[str, Path]]:
    """`sandbox company create` two companies, then `sandbox serve` the database."""
    db = tmp_path / "hosted.db"
    created = cli("sandbox", "company", "create", "ACME", "--db", db)
    assert created.exit_code == 0, created.output
    assert (
        cli("sandbox", "company", "create", "EMPTYCO", "--seed", "empty", "--db", db).exit_code == 0
    )
    listed = cli("sandbox", "company", "list", "--db", db)
    assert listed.stdout.splitlines() == [
        "DEMO\tE100, E200",
        "ACME\tE100, E200",
        "EMPTYCO\tno entities",
    ]
    again = cli("sandbox", "company", "create", "acme", "--db", db)
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.output
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    command = [sys.executable, "-m", "intacct_reconcile", "sandbox", "serve", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--db", str(db), "--concurrency", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()))
        reader.start()
        reader.join(timeout=30)
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line[0] if line else "")
        assert match, line
        yield match.group(1), db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _query(url: str, companyid: str, locationid: str = "") -> etree._Element:
    """The answer to a query for the Pleo accounts, signed in to the company/entity."""
    body = (
        f"<request><control><senderid>{company.SENDER_ID}</senderid>"
        f"<password>{company.SENDER_PASSWORD}</password><controlid>t</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><operation>"
        f"<authentication><login><userid>admin</userid><companyid>{companyid}</companyid>"
        f"<password>{company.ADMIN_PASSWORD}</password><locationid>{locationid}</locationid>"
        "</login></authentication><content><function controlid='f'><query>"
        "<object>GLACCOUNT</object><select><field>ACCOUNTNO</field><field>TITLE</field>"
        "</select><filter><like><field>ACCOUNTNO</field><value>1950-%</value></like></filter>"
        "</query></function></content></operation></request>"
    )
    return etree.fromstring(httpx.post(f"{url}/ia/xml/xmlgw.phtml", content=body).content, PARSER)


def _titles(url: str, companyid: str, locationid: str = "") -> dict[str, str]:
    """ACCOUNTNO -> TITLE of the Pleo accounts a session of the company/entity can see."""
    root = _query(url, companyid, locationid)
    assert root.findtext("operation/result/status") == "success", etree.tostring(root)
    return {g.findtext("ACCOUNTNO"): g.findtext("TITLE") for g in root.iter("GLACCOUNT")}


def test_entity_placed_manifest_converges_in_one_company_of_a_served_sandbox(
    tmp_path: Path, cli: Invoke, served_db: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _db = served_db
    for name in list(os.environ):
        if name.startswith("INTACCT_"):
            monkeypatch.delenv(name)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pleo.yaml").write_text(MANIFEST)
    (project / "intacct-reconcile.yaml").write_text(
        f"default_target: acme\ntargets:\n  acme: {{endpoint: {url!r}, company_id: ACME}}\n"
    )
    first = cli("plan", project, "--format", "json")
    assert first.exit_code == 0, first.output
    changes = json.loads(first.stdout)["changes"]
    assert {c["action"] for c in changes} == {"create"}
    assert sorted(c["key"] for c in changes) == [
        "1950-E100",
        "1950-E200",
        "PLEO-E100",
        "PLEO-E200",
        "PLEOCARD",
    ]
    applied = cli("apply", project, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    second = cli("plan", project, "--detailed-exitcode")
    assert second.exit_code == 0, second.output
    # each copy lives in its own entity; the top level sees both; DEMO sees nothing
    assert _titles(url, "ACME", "E100") == {"1950-E100": "Pleo Wallet E100"}
    assert _titles(url, "ACME", "E200") == {"1950-E200": "Pleo Wallet E200"}
    assert set(_titles(url, "ACME")) == {"1950-E100", "1950-E200"}
    assert _titles(url, "DEMO") == {}


def test_unknown_company_target_fails_cleanly(
    tmp_path: Path, cli: Invoke, served_db: tuple[str, Path]
) -> None:
    url, _db = served_db
    project = tmp_path / "project"
    project.mkdir()
    (project / "pleo.yaml").write_text(MANIFEST)
    (project / "intacct-reconcile.yaml").write_text(
        f"default_target: t\ntargets:\n  t: {{endpoint: {url!r}, company_id: NOSUCHCO}}\n"
    )
    result = cli("plan", project)
    assert result.exit_code == 1
    assert "Sign-in information is incorrect" in result.stderr
    assert "Traceback" not in result.output


def test_ui_commands_change_the_named_company_only(
    cli: Invoke, served_db: tuple[str, Path]
) -> None:
    url, db = served_db
    revoked = cli(
        "sandbox", "ui", "revoke-sender", company.SENDER_ID, "--company", "acme", "--db", db
    )
    assert revoked.exit_code == 0, revoked.output
    shown = cli("sandbox", "ui", "show", "--company", "ACME", "--db", db).stdout.splitlines()
    assert shown[:3] == [
        "company: ACME",
        "web services authorizations:",
        "ip address filters: (none: every address allowed)",
    ]
    # the running server sees the change in ACME at once, and DEMO keeps its authorization
    refused = _query(url, "ACME").findtext("operation/errormessage/error/description")
    assert refused == "Invalid Web Services Authorization"
    assert _titles(url, "DEMO") == {}
    missing = cli("sandbox", "ui", "show", "--company", "NOPE", "--db", db)
    assert missing.exit_code == 1
    assert "no company 'NOPE'" in missing.stderr and "sandbox company create NOPE" in missing.stderr


def test_embedded_sandbox_targets_share_one_database_by_company(
    tmp_path: Path, cli: Invoke
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pleo.yaml").write_text(MANIFEST)
    (project / "intacct-reconcile.yaml").write_text(
        "default_target: acme\ntargets:\n"
        "  acme: {sandbox: true, company_id: ACME}\n"
        "  demo: {sandbox: true}\n"
    )
    applied = cli("apply", project, "--auto-approve")  # ACME is added to the file on first use
    assert applied.exit_code == 0, applied.output
    assert cli("plan", project, "--detailed-exitcode").exit_code == 0
    listed = cli("sandbox", "company", "list", "--db", project / ".intacct-reconcile/sandbox.db")
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["DEMO", "ACME"]
    # DEMO, in the same file, still lacks every object
    assert cli("plan", project, "--target", "demo", "--detailed-exitcode").exit_code == 2
