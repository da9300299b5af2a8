"""A saved plan is data a reviewer approved, not a source of truth for the safety gate.

The plain checksum only catches accidents: anyone can edit the JSON and compute a new one.
Apply re-derives what the gate decides on (live counts per kind, irreversibility, field
changes) from the apply-time read and the plan's changes, and a plan signed with
INTACCT_RECONCILE_PLAN_KEY can be bound to its review.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile.digests import canonical_json

from .conftest import Invoke, record

KEY_ENV = "INTACCT_RECONCILE_PLAN_KEY"
# starter accounts nothing refers to: 10 of the company's ~28 GL accounts (over 20%)
RETIRED = ("1200", "1300", "1500", "1510", "4000", "4100", "5000", "6000", "6100", "6300")


def forge(path: Path, edit: Any) -> None:
    """Edit a saved plan's JSON and recompute its plain checksum, as an attacker would."""
    body = json.loads(path.read_text())
    edit(body)
    rest = {k: v for k, v in body.items() if k != "checksum"}
    body["checksum"] = "sha256:" + hashlib.sha256(canonical_json(rest).encode()).hexdigest()
    path.write_text(json.dumps(body, indent=2))


def retire_accounts(project: Path) -> None:
    lines = ["version: 1", "gl_accounts:"]
    lines += [f'  "{n}": {{ensure: absent}}' for n in RETIRED]
    (project / "retire.yaml").write_text("\n".join(lines) + "\n")


def apply_saved(cli: Invoke, saved: Path, project: Path, *extra: str):
    config = project / "intacct-reconcile.yaml"
    return cli("apply", saved, "--config", config, "--auto-approve", "--quiet", *extra)


def test_forged_live_counts_and_irreversible_flags_are_not_trusted(
    cli: Invoke, project: Path, tmp_path: Path, company
):
    retire_accounts(project)
    saved = tmp_path / "plan.json"
    planned = cli("plan", project, "--out", saved, "--quiet", "--kind", "gl_accounts")
    assert planned.exit_code == 0, planned.stderr

    def hide_the_danger(body: dict[str, Any]) -> None:
        body["plan"]["live_counts"]["gl_accounts"] = 100_000  # 10 of 100,000: 0.01%
        for change in body["plan"]["changes"]:
            change["irreversible"] = []

    forge(saved, hide_the_danger)
    refused = apply_saved(cli, saved, project)
    assert refused.exit_code == 3, refused.stdout + refused.stderr
    assert "too_many_deletes" in refused.stderr and "irreversible" in refused.stderr
    assert "10 of 2" in refused.stderr  # the live count read at apply time, not 100,000
    assert record(company(), "GLACCOUNT", "6000") is not None  # nothing was deleted


def test_forged_field_changes_do_not_hide_a_lockout(
    cli: Invoke, project: Path, tmp_path: Path, company
):
    # the tool signs in as `admin`, whose only role is Administrator
    (project / "admin-role.yaml").write_text(
        "version: 1\nroles:\n  Administrator:\n    permissions:\n      company: read_only\n"
    )
    saved = tmp_path / "plan.json"
    assert cli("plan", project, "--out", saved, "--quiet", "--kind", "roles").exit_code == 0

    def hide_the_loss(body: dict[str, Any]) -> None:
        body["plan"]["access_changes"] = []
        for change in body["plan"]["changes"]:
            for field in change["fields"]:
                field["removed"] = []

    forge(saved, hide_the_loss)
    refused = apply_saved(cli, saved, project)
    assert refused.exit_code == 3, refused.stdout + refused.stderr
    assert "[lockout]" in refused.stderr and "roles/Administrator" in refused.stderr


def test_a_signed_plan_edited_after_review_is_refused(
    cli: Invoke, project: Path, tmp_path: Path, company, monkeypatch: pytest.MonkeyPatch
):
    key = "k3y-for-reviewed-plans-0123456789"
    monkeypatch.setenv(KEY_ENV, key)
    saved = tmp_path / "plan.json"
    assert cli("plan", project, "--out", saved, "--quiet").exit_code == 0
    text = saved.read_text()
    assert '"signature": "hmac-sha256:' in text and key not in text

    def rename(body: dict[str, Any]) -> None:  # harmless-looking, but not what was reviewed
        for change in body["plan"]["changes"]:
            if change["key"] == "2111":
                change["desired"]["title"] = "Renamed after review"

    forge(saved, rename)
    refused = apply_saved(cli, saved, project)
    assert refused.exit_code == 1, refused.stdout + refused.stderr
    assert "signature" in refused.stderr and "edited after it was signed" in refused.stderr
    assert key not in refused.stdout + refused.stderr
    assert record(company(), "GLACCOUNT", "2111") is None


def test_with_a_key_set_an_unsigned_plan_is_refused_and_a_signed_one_applies(
    cli: Invoke, project: Path, tmp_path: Path, company, monkeypatch: pytest.MonkeyPatch
):
    unsigned = tmp_path / "unsigned.json"
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert cli("plan", project, "--out", unsigned, "--quiet").exit_code == 0
    assert '"signature"' not in unsigned.read_text()

    monkeypatch.setenv(KEY_ENV, "the-reviewers-key")
    refused = apply_saved(cli, unsigned, project)
    assert refused.exit_code == 1 and "not signed" in refused.stderr, refused.stderr

    signed = tmp_path / "signed.json"
    assert cli("plan", project, "--out", signed, "--quiet").exit_code == 0
    monkeypatch.setenv(KEY_ENV, "another-key")
    wrong = apply_saved(cli, signed, project)
    assert wrong.exit_code == 1 and "signature" in wrong.stderr, wrong.stderr
    assert "another-key" not in wrong.stderr

    monkeypatch.setenv(KEY_ENV, "the-reviewers-key")
    applied = apply_saved(cli, signed, project)
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert record(company(), "GLACCOUNT", "2111") is not None


def test_config_can_require_signed_plans(
    cli: Invoke, project: Path, tmp_path: Path, company, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(KEY_ENV, raising=False)
    config = project / "intacct-reconcile.yaml"
    config.write_text(config.read_text() + "plans: {require_signature: true}\n")
    saved = tmp_path / "plan.json"
    assert cli("plan", project, "--out", saved, "--quiet").exit_code == 0
    refused = apply_saved(cli, saved, project)
    assert refused.exit_code == 1, refused.stdout + refused.stderr
    assert KEY_ENV in refused.stderr and "require_signature" in refused.stderr
    assert record(company(), "GLACCOUNT", "2111") is None


def test_forged_sod_findings_do_not_let_a_new_violation_through(
    cli: Invoke, project: Path, tmp_path: Path, company
):
    # a web services user with Full admin: the shipped SoD pack's web_services_admin_full
    access = project / "access.yaml"
    access.write_text(access.read_text().replace('admin: "off"', "admin: full"))
    config = project / "intacct-reconcile.yaml"
    config.write_text(config.read_text() + "sod: {block_new_violations: true}\n")
    saved = tmp_path / "plan.json"
    assert cli("plan", project, "--out", saved, "--quiet").exit_code == 0
    assert '"blocks": true' in saved.read_text()

    def unblock(body: dict[str, Any]) -> None:
        body["plan"]["sod"]["findings"] = []

    forge(saved, unblock)
    refused = apply_saved(cli, saved, project)
    assert refused.exit_code == 3, refused.stdout + refused.stderr
    assert "[sod]" in refused.stderr and "web_services_admin_full" in refused.stderr
    assert record(company(), "USERINFO", "xmlgateway_test") is None
