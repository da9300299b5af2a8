"""`show PLANFILE` renders a saved plan offline; `--only KIND/KEY` makes a partial plan."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Invoke, plan_json, record

CARD = "credit_card_accounts/SPEND-CC"  # refers to gl_accounts/2110, which the plan creates


def test_show_renders_a_saved_plan_without_config_or_network(
    cli: Invoke, project: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "elsewhere" / "plan.json"
    saved.parent.mkdir()
    assert cli("plan", project, "--out", saved, "--quiet").exit_code == 0
    (project / "intacct-reconcile.yaml").unlink()  # no config, no credentials, no sandbox
    text = cli("show", saved)
    assert text.exit_code == 0, text.stderr
    assert "create gl_accounts/2110" in text.stdout
    markdown = cli("show", saved, "--format", "markdown")
    assert markdown.stdout.startswith("## intacct-reconcile plan")
    data = json.loads(cli("show", saved, "--format", "json").stdout)
    assert data["format_version"] == "1" and data["partial"] is False


def test_show_refuses_missing_and_corrupt_files_clearly(cli: Invoke, tmp_path: Path) -> None:
    missing = cli("show", tmp_path / "nope.json")
    assert missing.exit_code == 1
    assert "nope.json: no such plan file" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": "1",\n  oops}')
    corrupt = cli("show", broken)
    assert corrupt.exit_code == 1
    assert "broken.json:2:" in corrupt.stderr and "not valid JSON" in corrupt.stderr
    assert "Traceback" not in missing.stderr + corrupt.stderr


def test_only_plans_just_the_named_object_and_marks_the_plan_partial(
    cli: Invoke, project: Path
) -> None:
    data = plan_json(cli, project, "--only", "gl_accounts/2110")
    assert [f"{c['kind']}/{c['key']}" for c in data["changes"]] == ["gl_accounts/2110"]
    assert data["partial"] is True
    assert data["only"] == [{"kind": "gl_accounts", "key": "2110"}]
    text = cli("plan", project, "--only", "gl_accounts/2110", "--quiet")
    assert "PARTIAL PLAN (--only gl_accounts/2110)" in text.stdout
    markdown = cli("plan", project, "--only", "gl_accounts/2110", "--format", "markdown")
    assert "PARTIAL PLAN" in markdown.stdout


def test_only_is_refused_when_it_leaves_out_a_dependency(cli: Invoke, project: Path) -> None:
    refused = cli("plan", project, "--only", CARD, "--quiet")
    assert refused.exit_code == 1
    assert f"{CARD} needs gl_accounts/2110 (create in this plan)" in refused.stderr
    assert "--only gl_accounts/2110" in refused.stderr
    both = plan_json(cli, project, "--only", CARD, "--only", "gl_accounts/2110")
    assert {f"{c['kind']}/{c['key']}" for c in both["changes"]} == {CARD, "gl_accounts/2110"}


def test_only_names_unknown_objects_and_bad_syntax(cli: Invoke, project: Path) -> None:
    unknown = cli("plan", project, "--only", "gl_accounts/9999", "--quiet")
    assert unknown.exit_code == 1 and "gl_accounts/9999: not declared" in unknown.stderr
    bad = cli("plan", project, "--only", "gl_accounts", "--quiet")
    assert bad.exit_code == 1 and "is not KIND/KEY" in bad.stderr


def test_apply_only_changes_just_that_object(cli: Invoke, project: Path, company) -> None:
    applied = cli("apply", project, "--only", "gl_accounts/2111", "--auto-approve", "--quiet")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    store = company()
    assert record(store, "GLACCOUNT", "2111") is not None
    assert record(store, "GLACCOUNT", "2110") is None


def test_a_saved_partial_plan_stays_partial(cli: Invoke, project: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    made = cli("plan", project, "--only", "gl_accounts/2110", "--out", saved, "--quiet")
    assert made.exit_code == 0, made.stderr
    assert "PARTIAL PLAN" in cli("show", saved).stdout
    refused = cli("apply", saved, "--only", "gl_accounts/2110", "--auto-approve")
    assert refused.exit_code == 1 and "applied exactly as reviewed" in refused.stderr
