"""Live reads start as soon as the manifests have parsed (readahead.py, validate's on_loaded).

The names handed over come from the parsed files before any check; what the read-ahead read
is used only for kinds whose fields cover what the checked manifests need, the rest is read
again; invalid manifests still fail as invalid manifests.
"""

from __future__ import annotations

import io
import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.live import fields_to_read
from intacct_reconcile.manifest.api import load_desired
from intacct_reconcile.progress import Progress
from intacct_reconcile.readahead import ReadAhead
from intacct_reconcile.sandbox import company as sandbox_company
from intacct_reconcile.settings import Target

from .served import point_at, served_sandbox

LEDGER = """version: 1
gl_accounts:
  "7001": {title: Read ahead, type: balance_sheet, normal_balance: debit}
departments:
  D1: {title: Research}
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "ledger.yaml").write_text(text, encoding="utf-8")
    return folder


def test_names_are_handed_over_once_the_files_parse(tmp_path):
    seen = []
    load_desired(write(tmp_path / "m", LEDGER), vars={}, env={}, on_loaded=seen.append)
    assert seen == [{"gl_accounts": {"title", "type", "normal_balance"}, "departments": {"title"}}]


def test_schema_problems_are_found_after_the_hand_over(tmp_path):
    seen = []
    broken = LEDGER.replace("normal_balance: debit", "normal_balance: sideways")
    with pytest.raises(ManifestError, match="sideways"):
        load_desired(write(tmp_path / "m", broken), vars={}, env={}, on_loaded=seen.append)
    assert list(seen[0]) == ["gl_accounts", "departments"]  # reads would have started


def test_a_file_that_does_not_parse_starts_no_read(tmp_path):
    seen = []
    with pytest.raises(ManifestError, match="YAML syntax error"):
        load_desired(
            write(tmp_path / "m", LEDGER + "  bad: [\n"), vars={}, env={}, on_loaded=seen.append
        )
    assert seen == []


def test_read_ahead_result_covers_only_kinds_read_with_every_needed_field(tmp_path):
    target = Target("sandbox", sandbox=True, db=tmp_path / "sandbox.db")
    with ExitStack() as stack, Progress(io.StringIO(), enabled=False) as progress:
        ahead = ReadAhead(target, progress, (), stack)
        ahead.start({"gl_accounts": {"title"}, "departments": {"title"}})
        gl = REGISTRY["gl_accounts"]
        needed = {
            "gl_accounts": fields_to_read(gl, {"title", "normal_balance"}),  # more than read
            "departments": fields_to_read(REGISTRY["departments"], {"title"}),
        }
        live = ahead.result(["gl_accounts", "departments"], needed)
        assert list(live.resources) == ["departments"]  # gl_accounts: read again by the plan
        assert live.of("departments")  # the starter company's departments
        assert ahead.clients() is not None


def test_a_kind_whose_checks_derive_fields_is_read_once_with_all_of_them(tmp_path):
    # custom packages write `file`; validation adds its `digest`, which the plan compares
    packages = REGISTRY["custom_packages"]
    target = Target("sandbox", sandbox=True, db=tmp_path / "sandbox.db")
    with ExitStack() as stack, Progress(io.StringIO(), enabled=False) as progress:
        ahead = ReadAhead(target, progress, (), stack)
        ahead.start({"custom_packages": {"file"}})
        needed = {"custom_packages": fields_to_read(packages, {"file", "digest"})}
        live = ahead.result(["custom_packages"], needed)
        assert list(live.resources) == ["custom_packages"]  # covered: no second read


# --- apply signs in while its manifests load ---------------------------------------------------

WRONG_PASSWORD = {
    **{"INTACCT_SENDER_ID": "intacct_reconcile", "INTACCT_COMPANY_ID": "DEMO"},
    "INTACCT_SENDER_PASSWORD": "Snd-Pw-right-0001",
    "INTACCT_USER_ID": "admin",
    "INTACCT_USER_PASSWORD": "Usr-Pw-WRONG-0002",
}


def _sign_ins(log: Path) -> int:
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return sum("getAPISession" in e["functions"] for e in entries)


@pytest.mark.parametrize("manifests", ["valid", "invalid"])
def test_a_failed_early_sign_in_is_asked_once_and_invalid_manifests_still_say_so(
    cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, manifests: str
):
    for name, value in WRONG_PASSWORD.items():
        monkeypatch.setenv(name, value)
    if manifests == "invalid":
        ledger = next(project.glob("*.yaml"))
        ledger.write_text(ledger.read_text() + "\nbroken: [\n", encoding="utf-8")
    log = tmp_path / "requests.jsonl"
    with served_sandbox(tmp_path / "served.db", log_path=str(log)) as (app, url):
        sandbox_company.set_sender_password(app.store, "intacct_reconcile", "Snd-Pw-right-0001")
        sandbox_company.set_user_password(app.store, "admin", "Usr-Pw-right-0003")
        point_at(project, url)
        result = cli("apply", project, "--auto-approve", "--quiet")
    assert result.exit_code == 1, result.stdout + result.stderr
    if manifests == "invalid":
        assert "YAML syntax error" in result.stderr  # the manifests' problem, not the sign-in's
    else:
        assert "Usr-Pw-WRONG" not in result.stderr
        assert "XL03000006" in result.stderr or "authentication" in result.stderr.lower()
    # signed in while the manifests loaded, and never again after it failed (a wrong password
    # sent twice counts twice towards a lock-out)
    assert _sign_ins(log) == 1
    assert "Traceback" not in result.stderr
