"""``intacct-reconcile sandbox ...``: serve (as a subprocess), reset, and the ui admin commands,
checked through what the XML gateway then enforces."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from lxml import etree
from typer.testing import CliRunner

from intacct_reconcile.cli import app as main_app
from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import make_app
from sandbox.conftest import REST_CREDENTIALS

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(main_app, ["sandbox", *args])
    return result.exit_code, result.stdout, result.stderr


def gateway(db: Path, function: str, sender: str = company.SENDER_ID) -> etree._Element:
    """One XML call against the sandbox stored in ``db``; returns the parsed response."""
    body = (
        f"<request><control><senderid>{sender}</senderid>"
        f"<password>{company.SENDER_PASSWORD}</password><controlid>t</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><operation>"
        "<authentication><login><userid>admin</userid><companyid>DEMO</companyid>"
        f"<password>{company.ADMIN_PASSWORD}</password></login></authentication>"
        f"<content><function controlid='f'>{function}</function></content></operation></request>"
    )
    app = make_app(str(db))
    try:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://s") as c:
            return etree.fromstring(c.post("/ia/xml/xmlgw.phtml", content=body).content, PARSER)
    finally:
        app.store.close()


def auth_error(root: etree._Element) -> tuple[str, str] | None:
    if root.findtext("operation/authentication/status") == "success":
        return None
    error = root.find("operation/errormessage/error")
    return error.findtext("errorno"), error.findtext("description")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "state").mkdir()
    return tmp_path / "state" / "sandbox.db"


def title_of_1000(db: Path) -> str:
    app = make_app(str(db))
    try:
        return app.store.get_by_key("GLACCOUNT", "1000")["TITLE"]
    finally:
        app.store.close()


def test_serve_prints_listening_line_first_and_answers(tmp_path: Path) -> None:
    # no PYTHONUNBUFFERED: the line must arrive because serve flushes it, not by luck
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "intacct_reconcile",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "served.db"),
            "--log",
            str(tmp_path / "requests.jsonl"),
        ],
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
        assert line, "no listening line within 30 s"
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line[0])
        assert match, line[0]
        r = httpx.post(
            match.group(1) + "/ia/api/v1/oauth2/token",
            data=REST_CREDENTIALS,
        )
        assert r.status_code == 200 and r.json()["access_token"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert (tmp_path / "served.db").exists()
    assert '"functions":["POST oauth2/token"]' in (tmp_path / "requests.jsonl").read_text()


def test_reset_restores_the_starter_company(db: Path) -> None:
    assert (
        cli("ui", "edit-record", "GLACCOUNT", "1000", "TITLE=Hand edited", "--db", str(db))[0] == 0
    )
    assert title_of_1000(db) == "Hand edited"
    code, out, _ = cli("reset", "--db", str(db))
    assert code == 0 and "fresh starter company DEMO" in out
    assert title_of_1000(db) == "Cash - Operating"


def test_revoke_sender_makes_the_gateway_refuse_it(db: Path) -> None:
    assert auth_error(gateway(db, "<get_applications/>")) is None
    code, out, _ = cli("ui", "revoke-sender", company.SENDER_ID, "--db", str(db))
    assert code == 0 and "revoked" in out
    assert auth_error(gateway(db, "<get_applications/>")) == (
        "XL03000006",
        "Invalid Web Services Authorization",
    )
    cli("ui", "authorize-sender", company.SENDER_ID, "--description", "back", "--db", str(db))
    assert auth_error(gateway(db, "<get_applications/>")) is None


def test_allow_ip_for_another_network_refuses_localhost(db: Path) -> None:
    assert cli("ui", "allow-ip", "203.0.113.0/24", "--db", str(db))[0] == 0
    error = auth_error(gateway(db, "<get_applications/>"))
    assert error is not None and error[0] == "XL03000006"
    assert cli("ui", "allow-ip", "127.0.0.1", "--db", str(db))[0] == 0
    assert auth_error(gateway(db, "<get_applications/>")) is None
    assert cli("ui", "remove-ip", "127.0.0.1/32", "--db", str(db))[0] == 0
    assert auth_error(gateway(db, "<get_applications/>")) is not None


def test_subscriptions_show_in_get_applications(db: Path) -> None:
    def apps() -> list[str]:
        root = gateway(db, "<get_applications/>")
        return [e.text for e in root.iter("application")]

    assert "PO" not in apps()
    assert cli("ui", "subscribe", "Purchasing", "--db", str(db))[0] == 0
    assert "PO" in apps()
    assert cli("ui", "unsubscribe", "po", "--db", str(db))[0] == 0
    assert "PO" not in apps()


def test_set_te_pref_needs_an_existing_sequence(db: Path) -> None:
    code, _, err = cli("ui", "set-te-pref", "EXPENSE_REPORT_SEQUENCE", "NOPE", "--db", str(db))
    assert code == 1
    assert err.startswith("error: ") and "Traceback" not in err
    assert cli("ui", "set-te-pref", "ENABLE_APPROVALS", "T", "--db", str(db))[0] == 0
    root = gateway(db, '<get_companyprefs application="EE"/>')
    assert "ENABLE_APPROVALS" in etree.tostring(root).decode()


def test_edit_record_is_drift_the_api_sees(db: Path) -> None:
    args = ("USERINFO", "admin", "DESCRIPTION=Changed by hand", "SSO_ENABLED=true")
    code, _, err = cli("ui", "edit-record", *args, "--db", str(db))
    assert code == 0, err
    code, _, err = cli(
        "ui",
        "edit-record",
        "VENDOR",
        "V100",
        "DISPLAYCONTACT/EMAIL1=ap@acme.example",
        "--db",
        str(db),
    )
    assert code == 0, err
    root = gateway(
        db, "<readByName><object>USERINFO</object><keys>admin</keys><fields>*</fields></readByName>"
    )
    assert root.findtext(".//DESCRIPTION") == "Changed by hand"
    assert root.findtext(".//SSO_ENABLED") == "true"
    root = gateway(
        db, "<readByName><object>VENDOR</object><keys>V100</keys><fields>*</fields></readByName>"
    )
    assert root.findtext(".//DISPLAYCONTACT/EMAIL1") == "ap@acme.example"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("ui", "subscribe", "NOPE"), "unknown module"),
        (("ui", "allow-ip", "not-an-ip"), "IP address filter"),
        (("ui", "edit-record", "GLACCOUNT", "0000", "TITLE=x"), "no GL Account"),
        (("ui", "edit-record", "GLACCOUNT", "1000", "NOVALUE"), "not FIELD=VALUE"),
        (("ui", "edit-record", "GLACCOUNT", "1000", "FOO=1"), "Invalid field FOO"),
        (("ui", "edit-record", "NOSUCH", "1", "A=1"), "does not exist"),
    ],
)
def test_user_errors_are_one_line_without_traceback(db: Path, args: tuple, text: str) -> None:
    code, out, err = cli(*args, "--db", str(db))
    assert code == 1
    assert text in err and "Traceback" not in err + out


def test_show_lists_the_settings(db: Path) -> None:
    cli("ui", "allow-ip", "198.51.100.7", "--db", str(db))
    cli("ui", "authorize-sender", "expensify", "--description", "Expensify", "--db", str(db))
    code, out, _ = cli("ui", "show", "--db", str(db))
    assert code == 0
    assert "198.51.100.7/32" in out
    assert "expensify  active  Expensify" in out
    assert "XMLGW  Web Services" in out


def test_db_parent_directories_are_created_in_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("ui", "show")[0] == 0
    assert (tmp_path / ".intacct-reconcile" / "sandbox.db").exists()


def test_ui_change_reaches_a_running_sandbox(db: Path) -> None:
    from intacct_reconcile.sandbox.serve import served

    app = make_app(str(db))
    body = (
        f"<request><control><senderid>{company.SENDER_ID}</senderid>"
        f"<password>{company.SENDER_PASSWORD}</password><controlid>t</controlid></control>"
        "<operation><authentication><login><userid>admin</userid><companyid>DEMO</companyid>"
        f"<password>{company.ADMIN_PASSWORD}</password></login></authentication>"
        "<content><function controlid='f'><get_applications/></function></content>"
        "</operation></request>"
    )
    try:
        with served(app) as url, httpx.Client(base_url=url) as client:

            def auth_status() -> str:
                root = etree.fromstring(client.post("/ia/xml/xmlgw.phtml", content=body).content)
                return root.findtext("operation/authentication/status")

            assert auth_status() == "success"
            assert cli("ui", "revoke-sender", company.SENDER_ID, "--db", str(db))[0] == 0
            assert auth_status() == "failure"  # no restart: the admin's change is live
    finally:
        app.store.close()


def test_approve_package_and_show_it(db: Path) -> None:
    from intacct_reconcile.sandbox import objects

    app = make_app(str(db))
    objects.create(
        app.store, "PTAPPLICATION", {"NAME": "Expensify", "STATUS": "inactive"}, via="seed"
    )
    app.store.close()
    code, out, _ = cli("ui", "show", "--db", str(db))
    assert "Expensify  inactive" in out
    assert cli("ui", "approve-package", "Expensify", "--db", str(db))[0] == 0
    assert "Expensify  active" in cli("ui", "show", "--db", str(db))[1]
    code, _, err = cli("ui", "approve-package", "Nothing", "--db", str(db))
    assert code == 1 and "Cannot find" in err
