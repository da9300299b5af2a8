"""The demo's translation of a plan's manual steps into sandbox UI commands."""

from __future__ import annotations

import pytest

from intacct_reconcile.demo import DemoFailed, _drift_target, ui_commands


def manual(kind: str, key: str, fields: dict[str, object], pending: bool = True) -> dict:
    return {
        "action": "manual",
        "kind": kind,
        "key": key,
        "pending": pending,
        "fields": [{"name": k, "before": None, "after": v} for k, v in fields.items()],
    }


def test_manual_steps_become_ui_commands_and_attestations():
    plan = {
        "changes": [
            manual("sender_ids", "acme", {"description": "ACME", "status": "active"}),
            manual("ip_allowlist", "34.1.2.3/32", {}),
            manual("module_subscriptions", "time_and_expenses", {}),
            manual("te_settings", "te_settings", {"expense_report_sequence": "EXP"}),
            manual("sender_ids", "done", {"description": "x"}, pending=False),
            {
                "action": "create",
                "kind": "gl_accounts",
                "key": "2110",
                "pending": True,
                "fields": [],
            },
        ]
    }
    commands, attest = ui_commands(plan)
    assert commands == [
        ["authorize-sender", "acme", "--description", "ACME"],
        ["allow-ip", "34.1.2.3/32"],
        ["subscribe", "Time & Expenses"],
        ["set-te-pref", "EXPENSE_REPORT_SEQUENCE", "EXP"],
    ]
    # subscriptions and T&E prefs are read back through the API: no attestation needed
    assert attest == ["sender_ids/acme", "ip_allowlist/34.1.2.3/32"]
    assert _drift_target(plan) == ("GLACCOUNT", "2110", "TITLE")


def test_a_blueprint_without_editable_objects_is_reported():
    with pytest.raises(DemoFailed):
        _drift_target({"changes": []})
