"""The integration smoke check against a sandbox served over real HTTP: the blueprint as
shipped passes; a role without a needed right fails with the object and Intacct's error; a
missing password is a skipped (and failing) check; a wrong password is a sign-in failure."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from intacct_reconcile.sandbox import objects

from .conftest import PASSWORD, PASSWORD_ENV, USER, Company, run_cli

READS = [
    "EMPLOYEE",
    "EEACCOUNTLABEL",
    "GLACCOUNT",
    "VENDOR",
    "DEPARTMENT",
    "LOCATION",
    "CLASS",
    "PROJECT",
    "CUSTOMER",
]


def results(project: Path) -> list[tuple[Path, dict]]:
    folder = project / ".intacct-reconcile" / "smoke-checks"
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.json"))]


def only_result(project: Path) -> tuple[Path, dict]:
    (found,) = results(project)
    return found


def newest(project: Path, before: list[tuple[Path, dict]]) -> dict:
    """The one result written since `before` was listed."""
    seen = {path for path, _ in before}
    (data,) = [data for path, data in results(project) if path not in seen]
    return data


def reads_of(data: dict) -> dict[str, dict]:
    (user,) = data["users"]
    return {read["object"]: read for read in user["reads"]}


def test_the_blueprint_as_shipped_passes(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    done = run_cli("smoke-check", served_company.project)
    assert done.exit_code == 0, done.output
    assert f"smoke check: signing in as {USER}" in done.stderr  # progress on stderr
    path, data = results(served_company.project)[0]
    assert path.name.startswith("check-")
    quiet = run_cli("smoke-check", served_company.project, "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert data["v"] == 1 and data["apply"] is None and data["status"] == "passed"
    assert data["target"] == "sandbox" and data["company_id"] == "DEMO"
    (user,) = data["users"]
    assert (user["user"], user["sender_id"], user["status"]) == (USER, "expensify", "passed")
    assert [r["object"] for r in user["reads"]] == READS
    assert {r["status"] for r in user["reads"]} == {"passed"}
    # no sender_password declared: the result says what this sign-in did not prove
    assert "own sender ID intacct_reconcile" in user["reason"]
    assert "not proven" in user["reason"] and "sender_ids/expensify" in user["reason"]
    # canonical JSON: sorted keys, no spaces
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "✓ read GLACCOUNT" in done.stdout and "passed" in done.stdout.splitlines()[0]


def test_a_role_without_a_needed_right_fails_with_the_object_and_intacct_error(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The role loses General Ledger > Accounts through the manifests: apply succeeds (it did
    what it was told), the smoke check run after it fails on GLACCOUNT alone."""
    access = served_company.project / "access.yaml"
    text = access.read_text()
    assert "      general_ledger: all" in text
    access.write_text(
        text.replace("      general_ledger: all", "      general_ledger: {journals: [list, view]}")
    )
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    done = run_cli("apply", served_company.project, "--auto-approve", "--quiet", "--smoke-check")
    assert done.exit_code == 1, done.output
    assert "update roles/Expensify" in done.stdout  # the apply itself went through
    path, data = only_result(served_company.project)
    assert data["status"] == "failed" and data["apply"] is not None
    assert path.name == f"{data['apply']}.json"
    audit = (served_company.project / ".intacct-reconcile" / "audit.log").read_text()
    assert f'"apply":"{data["apply"]}"' in audit.replace(" ", "")
    (user,) = data["users"]
    assert user["status"] == "failed" and "cannot read GLACCOUNT" in user["reason"]
    reads = reads_of(data)
    assert reads["GLACCOUNT"]["status"] == "failed"
    error = reads["GLACCOUNT"]["error"]
    assert error.startswith("PL04000005")
    assert "You do not have permission for API operation READ_BY_QUERY" in error
    assert "objects of type glaccount" in error and "General Ledger > Accounts List" in error
    assert all(r["status"] == "passed" for o, r in reads.items() if o != "GLACCOUNT")
    assert "✗ read GLACCOUNT: PL04000005" in done.stdout


def test_user_based_permissions_grant_reads_too(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user without the role but with the right granted to itself (USERRIGHTS) reads."""
    store = served_company.app.store
    for link in objects.find(store, "USERROLES", {"USERID": USER}):
        objects.delete(store, "USERROLES", link["RECORDNO"], via="seed")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    denied = run_cli("smoke-check", served_company.project)
    assert denied.exit_code == 1
    first = results(served_company.project)
    assert {r["status"] for r in reads_of(first[0][1]).values()} == {"failed"}
    granted = run_cli(
        "sandbox",
        "ui",
        "set-user-rights",
        USER,
        "General Ledger/Accounts=List|View",
        "--db",
        served_company.db,
    )
    assert granted.exit_code == 0, granted.output
    run_cli("smoke-check", served_company.project, "--user", USER)
    reads = reads_of(newest(served_company.project, first))
    assert reads["GLACCOUNT"]["status"] == "passed"
    assert reads["VENDOR"]["status"] == "failed"


def test_a_missing_password_variable_skips_the_user_and_fails_the_check(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    # validate, plan and apply never need it
    assert run_cli("validate", served_company.project).exit_code == 0
    done = run_cli("smoke-check", served_company.project)
    assert done.exit_code == 1, done.output
    _, data = only_result(served_company.project)
    (user,) = data["users"]
    assert user["status"] == "skipped" and user["reads"] == []
    assert PASSWORD_ENV in user["reason"] and "not set" in user["reason"]
    assert data["status"] == "failed"
    assert f"- {USER} (sender ID expensify): skipped" in done.stdout


def test_a_wrong_password_is_a_sign_in_failure(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password-771")
    done = run_cli("smoke-check", served_company.project, "--format", "json")
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    printed = json.loads(done.stdout)
    _, data = only_result(served_company.project)
    assert printed == data
    (user,) = data["users"]
    assert user["status"] == "failed" and user["reads"] == []
    assert user["reason"].startswith("sign-in failed: XL03000006")


def test_apply_with_only_manual_steps_left_still_checks(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing for the API to change (the sender ID and subscriptions wait for a person): the
    apply succeeds, and the check runs and passes."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    done = run_cli("apply", served_company.project, "--auto-approve", "--quiet", "--smoke-check")
    assert done.exit_code == 0, done.output
    path, data = only_result(served_company.project)
    assert data["status"] == "passed" and path.name == f"{data['apply']}.json"
    assert "Smoke check of target sandbox (company DEMO): passed" in done.stdout


def test_an_apply_that_does_not_succeed_runs_no_check(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    # an unknown --user is refused before anything is signed in
    bad = run_cli("smoke-check", served_company.project, "--user", "xmlgateway_expensfy")
    assert bad.exit_code == 1
    assert "did you mean 'xmlgateway_expensify'" in bad.output
    # many targets at once: refused, nothing applied
    refused = run_cli(
        "apply",
        served_company.project,
        "--target",
        "sandbox",
        "--target",
        "prod",
        "--auto-approve",
        "--smoke-check",
    )
    assert refused.exit_code == 1 and "--smoke-check runs for one target" in refused.output
    assert results(served_company.project) == []


def test_no_secret_in_output_files_or_logs(
    served_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passed, failed (wrong sender password) and sign-in runs: neither password, in any
    common encoding, reaches stdout, stderr, the result files or the audit log."""
    sender_secret = "Snd-8831-zz-secret"
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    outputs = [run_cli("smoke-check", served_company.project)]
    outputs.append(run_cli("apply", served_company.project, "--auto-approve", "--smoke-check"))
    smoke = served_company.project / "smoke-check.yaml"
    smoke.write_text(
        smoke.read_text().replace(
            "    # sender_password: ${env:EXPENSIFY_SENDER_PASSWORD}",
            "    sender_password: ${env:EXPENSIFY_SENDER_PASSWORD}\n    #",
        )
    )
    monkeypatch.setenv("EXPENSIFY_SENDER_PASSWORD", sender_secret)
    before = results(served_company.project)
    wrong_sender = run_cli("smoke-check", served_company.project)
    assert wrong_sender.exit_code == 1
    (user,) = newest(served_company.project, before)["users"]
    # the vendor's sender ID is the one used now: the sandbox does not know its password
    assert user["reason"].startswith("sign-in failed: XL03000006"), user
    assert "own sender ID" not in user["reason"]
    outputs.append(wrong_sender)
    texts = [o.stdout + o.stderr for o in outputs]
    state = served_company.project / ".intacct-reconcile"
    texts += [p.read_text(encoding="utf-8") for p in (state / "smoke-checks").glob("*.json")]
    texts.append((state / "audit.log").read_text(encoding="utf-8"))
    assert len(results(served_company.project)) == 3
    for secret in (PASSWORD, sender_secret):
        forms = {
            secret,
            secret.lower(),
            base64.b64encode(secret.encode()).decode(),
            secret.encode().hex(),
        }
        for text in texts:
            for form in forms:
                assert form not in text
