"""The safety gate's verdict is part of every plan (text, markdown, JSON), `plan
--detailed-exitcode` exits 3 when apply would refuse, and overrides declared in the reviewed
config (per-kind thresholds, allowances for named changes) let apply through without --force.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine_io.conftest import Invoke, record
from tests.engine_io.test_plan_apply import converge


def delete_two_accounts(project: Path, max_delete: int = 5) -> Path:
    """Two of the company's GL accounts marked absent, with a 5% delete threshold."""
    config = project / "intacct-reconcile.yaml"
    config.write_text(
        config.read_text().replace("max_delete_percent: 20", f"max_delete_percent: {max_delete}")
    )
    ledger = project / "ledger.yaml"
    text = ledger.read_text()
    text = text.replace('"2111": {title: Clearing account,', '"2111": {ensure: absent, title: x,')
    text = text.replace(
        '"6610": {title: Software subscriptions,', '"6610": {ensure: absent, title: x,'
    )
    ledger.write_text(text)
    return config


def add_safety(config: Path, section: str) -> None:
    text = config.read_text().replace(
        "safety: {max_delete_percent: 5, max_update_percent: 50}\n", ""
    )
    config.write_text(text + section)


def test_plan_shows_what_apply_would_refuse_and_exits_3(cli: Invoke, project: Path) -> None:
    converge(cli, project)
    delete_two_accounts(project)
    text = cli("plan", project, "--quiet", "--detailed-exitcode")
    assert text.exit_code == 3, text.stdout + text.stderr
    assert "Safety gate: apply would refuse this plan (exit 3)" in text.stdout
    assert "✗ [too_many_deletes] gl_accounts:" in text.stdout
    assert "over max_delete_percent 5%" in text.stdout
    assert "raise safety.kinds.gl_accounts.max_delete_percent to" in text.stdout
    assert "✗ [irreversible] gl_accounts/2111" in text.stdout
    assert 'change: "delete gl_accounts/2111"' in text.stdout
    assert "--allow-irreversible" in text.stdout

    md = cli("plan", project, "--quiet", "--format", "markdown").stdout
    assert "> [!CAUTION]" in md and "❌ refused `too_many_deletes`" in md

    data = json.loads(cli("plan", project, "--quiet", "--format", "json").stdout)
    gate = data["safety"]
    assert gate["verdict"] == "refused" and gate["refused"] == 3
    deletes = next(f for f in gate["findings"] if f["rule"] == "too_many_deletes")
    assert sorted(deletes["changes"]) == ["delete gl_accounts/2111", "delete gl_accounts/6610"]
    live = deletes["figures"]["live"]
    assert deletes["figures"]["count"] == 2 and deletes["figures"]["limit"] == 5
    assert deletes["figures"]["percent"] == round(200 / live, 1)
    assert deletes["override"] == "--force"
    # without --detailed-exitcode a refused plan is still a successful plan
    assert cli("plan", project, "--quiet").exit_code == 0


def test_a_plan_that_passes_says_so(cli: Invoke, project: Path) -> None:
    result = cli("plan", project, "--quiet", "--detailed-exitcode")
    assert result.exit_code == 2
    assert "Safety gate: passes" in result.stdout
    data = json.loads(cli("plan", project, "--quiet", "--format", "json").stdout)
    assert data["safety"] == {
        "verdict": "pass",
        "refused": 0,
        "allowed": 0,
        "findings": [],
        "unused_allowances": [],
    }


def test_overrides_in_the_reviewed_config_let_the_plan_through(
    cli: Invoke, project: Path, company
) -> None:
    converge(cli, project)
    config = delete_two_accounts(project)
    add_safety(
        config,
        "safety:\n"
        "  max_delete_percent: 5\n"
        "  kinds:\n"
        "    gl_accounts: {max_delete_percent: 50}\n"
        "  allow:\n"
        '    - change: "delete gl_accounts/2111"\n'
        "      reason: clearing account retired (FIN-112)\n"
        '    - {change: "delete gl_accounts/6610", reason: replaced by 6620}\n',
    )
    planned = cli("plan", project, "--quiet", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.stdout + planned.stderr
    assert "Safety gate: passes, with findings allowed by the reviewed config" in planned.stdout
    assert "✓ [irreversible] gl_accounts/2111" in planned.stdout
    assert "clearing account retired (FIN-112)" in planned.stdout
    assert "intacct-reconcile.yaml:9:15" in planned.stdout  # where the allowance is declared
    data = json.loads(cli("plan", project, "--quiet", "--format", "json").stdout)
    assert data["safety"]["verdict"] == "allowed"
    assert {f["rule"] for f in data["safety"]["findings"]} == {"irreversible"}

    done = cli("apply", project, "--auto-approve", "--quiet")  # no --force
    assert done.exit_code == 0, done.stdout + done.stderr
    store = company()
    assert record(store, "GLACCOUNT", "2111") is None
    assert record(store, "GLACCOUNT", "6610") is None


def test_allowing_one_change_by_name_takes_it_out_of_the_threshold(
    cli: Invoke, project: Path
) -> None:
    converge(cli, project)
    config = delete_two_accounts(project)
    data = json.loads(cli("plan", project, "--quiet", "--format", "json").stdout)
    live = next(f for f in data["safety"]["findings"] if f["rule"] == "too_many_deletes")[
        "figures"
    ]["live"]
    between = round(150 / live, 2)  # one delete is under it, two are over
    add_safety(
        config,
        f"safety:\n  kinds: {{gl_accounts: {{max_delete_percent: {between}}}}}\n  allow:\n"
        '    - {change: "delete gl_accounts/2111", reason: retired}\n'
        '    - {change: "delete gl_accounts/9999", reason: stale entry}\n',
    )
    data = json.loads(cli("plan", project, "--quiet", "--format", "json").stdout)
    findings = {(f["rule"], f["status"], tuple(f["changes"])) for f in data["safety"]["findings"]}
    deletes = next(f for f in data["safety"]["findings"] if f["rule"] == "too_many_deletes")
    assert deletes["status"] == "allowed" and deletes["figures"]["allowed_by_name"] == 1
    assert ("irreversible", "allowed", ("delete gl_accounts/2111",)) in findings
    assert ("irreversible", "refused", ("delete gl_accounts/6610",)) in findings
    assert any("gl_accounts/9999" in a for a in data["safety"]["unused_allowances"])
    refused = cli("apply", project, "--auto-approve", "--quiet")
    assert refused.exit_code == 3
    assert "gl_accounts/6610" in refused.stderr and "safety.allow" in refused.stderr
    assert "gl_accounts/2111" not in refused.stderr
