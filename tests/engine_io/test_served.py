"""Against a sandbox served over real HTTP: injected faults, kill -9 mid-apply, secrets."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intacct_reconcile.sandbox import company as sandbox_company
from intacct_reconcile.sandbox import objects

from .conftest import STATE_DIR, Invoke, actions, plan_json
from .served import point_at, served_sandbox


def assert_no_duplicates(store) -> None:
    """Exactly one of everything the manifests declare, however often apply ran."""
    for obj, key_field, key in [
        ("GLACCOUNT", "ACCOUNTNO", "2110"),
        ("GLACCOUNT", "ACCOUNTNO", "2111"),
        ("GLACCOUNT", "ACCOUNTNO", "6610"),
        ("USERINFO", "LOGINID", "xmlgateway_test"),
        ("ROLES", "NAME", "Integration"),
        ("CREDITCARD", "CARDID", "SPEND-CC"),
        ("GLJOURNAL", "SYMBOL", "TSTJ"),
        ("SEQUENCE", "SEQUENCEID", "TST"),
        ("USERROLES", "USERID", "xmlgateway_test"),
    ]:
        found = objects.find(store, obj, {key_field: key})
        assert len(found) == 1, (obj, key, found)
    policies = objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": "Integration"})
    names = [(p["APPLICATIONNAME"], p["POLICYNAME"]) for p in policies]
    assert len(names) == len(set(names))


def test_injected_faults_give_an_honest_report_and_a_rerun_converges(
    cli: Invoke, project: Path, tmp_path: Path
):
    db = tmp_path / "served.db"
    # 30% of requests fail (5xx, dropped connections, expired sessions); retries absorb most
    with served_sandbox(db, fault_rate=0.3, seed=FAULT_SEED) as (app, url):
        point_at(project, url)
        first = cli("apply", project, "--auto-approve", "--quiet", "--format", "json")
        assert first.exit_code in (0, 4), first.stdout + first.stderr
        results = json.loads(first.stdout)["results"]
        assert "Traceback" not in first.stderr
        for item in results:
            if item["status"] == "failed":
                assert item["error"], item
            if item["status"] == "applied" and item["kind"] == "gl_accounts":
                # what the report calls applied is really there
                assert objects.get_by_key(app.store, "GLACCOUNT", item["key"]) is not None
        statuses = {r["status"] for r in results}
        assert (first.exit_code == 4) == bool(statuses & {"failed", "not_attempted"})
    # the same company without faults: one more run finishes whatever is left, never twice
    with served_sandbox(db) as (app, url):
        point_at(project, url)
        last = cli("apply", project, "--auto-approve", "--quiet")
        assert last.exit_code == 0, last.stdout + last.stderr
        assert_no_duplicates(app.store)
        remaining = plan_json(cli, project)
        assert actions(remaining) == {"sender_ids/testsender": "manual"}


@pytest.mark.parametrize("source", ["manifests", "saved plan"])
def test_kill_during_apply_then_rerun_converges(project: Path, tmp_path: Path, source: str):
    with served_sandbox(tmp_path / "served.db", latency_ms=120) as (app, url):
        point_at(project, url)
        cli = [sys.executable, "-m", "intacct_reconcile"]
        if source == "saved plan":
            saved = tmp_path / "plan.json"
            made = subprocess.run(
                [*cli, "plan", str(project), "--out", str(saved), "--quiet"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert made.returncode == 0, made.stderr
            what = [str(saved), "--config", str(project / "intacct-reconcile.yaml")]
        else:
            what = [str(project)]
        command = [*cli, "apply", *what, "--auto-approve", "--quiet"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            # kill as soon as the first object is written, well before the run ends
            while objects.get_by_key(app.store, "ROLES", "Integration") is None:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "apply never wrote the role"
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
        assert process.returncode == -signal.SIGKILL
        assert objects.get_by_key(app.store, "GLJOURNAL", "TSTJ") is None  # killed mid-way

        # the same command again: a saved plan resumes (what the killed run wrote is in place,
        # not drift), manifests are planned afresh
        rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert_no_duplicates(app.store)
        check = subprocess.run(
            [
                sys.executable,
                "-m",
                "intacct_reconcile",
                "plan",
                str(project),
                "--quiet",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stderr
        assert actions(json.loads(check.stdout)) == {"sender_ids/testsender": "manual"}


FAULT_SEED = 3
SECRETS = {
    "INTACCT_SENDER_ID": "intacct_reconcile",
    "INTACCT_SENDER_PASSWORD": "Snd-Pw-7f3a9c2e-QUUX",
    "INTACCT_COMPANY_ID": "DEMO",
    "INTACCT_USER_ID": "admin",
    "INTACCT_USER_PASSWORD": "Usr-Pw-51b8d0aa-FROB",
    "INTACCT_CLIENT_ID": "ci-client",
    "INTACCT_CLIENT_SECRET": "Cli-Sec-c0ffee42-XYZZY",
}
SECRET_VALUES = ("Snd-Pw-7f3a9c2e-QUUX", "Usr-Pw-51b8d0aa-FROB", "Cli-Sec-c0ffee42-XYZZY")


def test_no_secret_in_any_output_or_file(cli: Invoke, project: Path, tmp_path: Path, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with served_sandbox(tmp_path / "served.db") as (app, url):
        sandbox_company.set_sender_password(
            app.store, "intacct_reconcile", SECRETS["INTACCT_SENDER_PASSWORD"]
        )
        sandbox_company.set_user_password(app.store, "admin", SECRETS["INTACCT_USER_PASSWORD"])
        sandbox_company.set_rest_client(app.store, "ci-client", SECRETS["INTACCT_CLIENT_SECRET"])
        point_at(project, url)
        saved = tmp_path / "plan.json"
        outputs = []
        for args in (
            ("plan", project, "--out", saved),
            ("plan", project, "--format", "markdown"),
            ("plan", project, "--format", "json"),
            ("apply", saved, "--config", project / "intacct-reconcile.yaml", "--auto-approve"),
            ("attest", "sender_ids/testsender", "--path", project, "--by", "tester"),
            ("apply", project, "--auto-approve", "--format", "json"),
            (
                "export",
                "--kind",
                "gl_accounts",
                "--out",
                tmp_path / "exported",
                "--config",
                project / "intacct-reconcile.yaml",
            ),
        ):
            result = cli(*args)
            assert result.exit_code == 0, (args, result.stdout, result.stderr)
            outputs += [result.stdout, result.stderr]
        # a wrong password: the error names the problem, never the value sent
        monkeypatch.setenv("INTACCT_USER_PASSWORD", "Wrong-Pw-9d9d9d-PLUGH")
        failed = cli("plan", project)
        assert failed.exit_code == 1
        assert "Traceback" not in failed.stderr
        outputs += [failed.stdout, failed.stderr]
        sessions = [row[0] for row in app.store.execute("SELECT sessionid FROM sessions")]
    assert sessions, "the run should have opened XML sessions"
    files = [
        saved,
        *(project / STATE_DIR).rglob("*.yaml"),
        project / STATE_DIR / "audit.log",
        *(tmp_path / "exported").glob("*.yaml"),
    ]
    texts = outputs + [f.read_text() for f in files]
    for secret in (*SECRET_VALUES, "Wrong-Pw-9d9d9d-PLUGH", *sessions):
        for text in texts:
            assert secret not in text
