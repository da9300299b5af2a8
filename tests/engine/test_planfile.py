"""Plan files: round trip, edited files refused, staleness."""

from __future__ import annotations

import json

import pytest

from engine.builders import KINDS, empty, res, state
from intacct_reconcile.attestations import value_digest
from intacct_reconcile.errors import PlanFileError
from intacct_reconcile.planfile import load, load_saved, save, stale
from intacct_reconcile.planner import plan
from intacct_reconcile.types import Attestation, PlanOptions, Ref

PERMS = {"accounts_payable": {"bills": ("list", "view")}}
LIVE = state(
    res("gl_accounts", "1000", title="Cash", meta={"RECORDNO": "12"}),
    res("roles", "AP", permissions=PERMS),
    res("web_services_users", "api", roles=("AP",), status="active"),
    res("ip_allowlist", "10.0.0.0/24"),
)


def sample_plan():
    sender = res("sender_ids", "expensify", 9, description="Expensify")
    attested = Attestation("alice", "2026-11-22T03:00:00+00:00", value_digest(sender), "ticket 7")
    desired = state(
        res("gl_accounts", "1000", 1, title="Cash at bank"),
        res("gl_accounts", "2110", 2, title="Spend", status="active"),
        res("roles", "AP", 3, permissions={"accounts_payable": {"bills": ("add", "list", "view")}}),
        res("web_services_users", "api", 4, roles=("AP",)),
        sender,
        res("ip_allowlist", "10.0.0.0/24", 11, ensure="absent"),
    )
    options = PlanOptions(
        target="prod", kinds=KINDS, attestations={Ref("sender_ids", "expensify"): attested}
    )
    return plan(desired, LIVE, options)


def save_sample(tmp_path, p=None):
    path = tmp_path / "plan.json"
    save(
        p or sample_plan(),
        path,
        tool_version="0.1.0",
        target_identity={"name": "prod", "company_id": "acme", "entity": "", "password": "hunter2"},
    )
    return path


def test_round_trip_gives_back_the_same_plan(tmp_path):
    p = sample_plan()
    assert p.access_changes and p.unmanaged == () and any(c.attested for c in p.changes)
    saved = load_saved(save_sample(tmp_path, p))
    assert saved.plan == p
    assert saved.tool_version == "0.1.0"
    assert saved.target == {"name": "prod", "company_id": "acme", "entity": ""}
    assert saved.checksum.startswith("sha256:")


def test_plan_file_holds_no_secrets_and_records_fingerprints(tmp_path):
    text = save_sample(tmp_path).read_text()
    assert "hunter2" not in text and "password" not in text
    body = json.loads(text)
    assert set(body["plan"]["fingerprints"]) == {
        "gl_accounts/1000",
        "gl_accounts/2110",
        "roles/AP",
        "sender_ids/expensify",
        "ip_allowlist/10.0.0.0/24",
    }
    assert body["plan"]["fingerprints"]["gl_accounts/2110"] == "absent"


def test_edited_plan_file_is_refused(tmp_path):
    path = save_sample(tmp_path)
    body = json.loads(path.read_text())
    body["plan"]["changes"][0]["desired"]["title"] = "Something else"
    path.write_text(json.dumps(body))
    with pytest.raises(PlanFileError, match=r"checksum mismatch.*edited"):
        load(path)


def test_other_format_version_is_refused(tmp_path):
    path = save_sample(tmp_path)
    body = json.loads(path.read_text())
    body["format_version"] = "99"
    path.write_text(json.dumps(body))
    with pytest.raises(PlanFileError, match="format '99' is not supported"):
        load(path)


def test_unreadable_plan_files_say_where_and_what(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": "1",\n  oops}')
    with pytest.raises(PlanFileError, match=r"broken\.json:2:3: not valid JSON"):
        load(broken)
    with pytest.raises(PlanFileError, match="no such plan file"):
        load(tmp_path / "missing.json")


def test_unchanged_live_state_is_not_stale(tmp_path):
    assert stale(load(save_sample(tmp_path)), LIVE) == []


def test_stale_plan_reports_what_changed_field_by_field(tmp_path):
    saved = load(save_sample(tmp_path))
    live = state(
        res("gl_accounts", "1000", title="Petty cash", meta={"RECORDNO": "12"}),
        res("gl_accounts", "2110", title="Made by hand"),
        # roles/AP deleted in the UI
        res("web_services_users", "api", roles=("AP",), status="active"),
        res("ip_allowlist", "10.0.0.0/24"),
    )
    assert sorted(stale(saved, live)) == [
        'gl_accounts/1000: title was "Cash", now "Petty cash"',
        "gl_accounts/2110: was absent when planned, now exists in Intacct",
        "roles/AP: was deleted in Intacct since the plan was made",
    ]


def test_change_to_a_declared_field_the_plan_does_not_change_is_still_stale():
    before = state(res("gl_accounts", "1000", title="Cash", type="balance_sheet"))
    p = plan(
        state(res("gl_accounts", "1000", 1, title="Cash at bank", type="balance_sheet")),
        before,
        PlanOptions(kinds=KINDS),
    )
    live = state(res("gl_accounts", "1000", title="Cash", type="income_statement"))
    (problem,) = stale(p, live)
    assert "fields the plan does not change" in problem


def test_change_to_a_field_no_manifest_declares_is_not_stale():
    # plan reads only the declared fields: what it never saw cannot make its review stale,
    # and apply writes only declared fields, so it cannot undo that change either
    p = plan(
        state(res("gl_accounts", "1000", 1, title="Cash at bank")),
        LIVE,
        PlanOptions(kinds=KINDS),
    )
    live = state(res("gl_accounts", "1000", title="Cash", type="income_statement"))
    assert stale(p, live) == []


def test_empty_plan_round_trips(tmp_path):
    p = plan(empty("gl_accounts"), empty(), PlanOptions(target="t", kinds=KINDS))
    assert load(save_sample(tmp_path, p)) == p


def test_unwritable_plan_path_is_a_clear_error(tmp_path):
    with pytest.raises(PlanFileError, match="cannot write the plan file"):
        save(
            sample_plan(),
            tmp_path / "no" / "such" / "dir" / "plan.json",
            tool_version="x",
            target_identity={},
        )


def test_plans_that_write_secrets_are_never_saved(tmp_path):
    from intacct_reconcile.kinds.base import Field, Kind

    kinds = {
        "connections": Kind(
            key="connections",
            title="connection",
            api="rest",
            object="x/connection",
            identity=Field("id"),
            fields=(Field("url"), Field("token", secret=True)),
        )
    }
    desired = state(res("connections", "bank", 1, url="https://bank.example", token="s3cr3t"))
    p = plan(desired, empty(), PlanOptions(kinds=kinds))
    (change,) = p.changes
    assert change.secret_fields == ("token",)
    assert [(f.name, f.after) for f in change.fields] == [
        ("url", "https://bank.example"),
        ("token", "***"),
    ]
    path = tmp_path / "plan.json"
    with pytest.raises(PlanFileError, match=r"secret values \(connections/bank\.token\)"):
        save(p, path, tool_version="x", target_identity={})
    assert not path.exists()
