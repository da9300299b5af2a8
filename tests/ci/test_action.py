"""The composite action (action.yml at the repository root): valid for GitHub, its inputs, and its
shell steps run as a runner runs composite steps, against the sandbox through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .ci_files import (
    ACCOUNTS,
    ACTION,
    BASE_BRANCH,
    HEAD_SHA,
    WORKFLOW,
    StepRun,
    load,
    repo_with_manifests,
    run_github_script,
    run_script,
    schema_errors,
    step,
    step_named,
    with_base_branch,
    workflow_steps,
)

COMPOSITE_SHELL = "bash --noprofile --norc -eo pipefail {0}"  # what `shell: bash` runs


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load(ACTION)


def run_action_step(
    action: dict[str, Any], step_id: str, cwd: Path, tmp: Path, **env: str
) -> StepRun:
    the_step = step(action, None, step_id)
    assert the_step["shell"] == "bash"
    return run_script(the_step["run"], cwd=cwd, env=env, tmp=tmp, shell=COMPOSITE_SHELL)


def test_action_is_valid_for_github(action: dict[str, Any]) -> None:
    assert schema_errors(action, "github-action.json") == []
    assert action["runs"]["using"] == "composite"


def test_action_inputs(action: dict[str, Any]) -> None:
    inputs = action["inputs"]
    assert {"command", "path", "target", "version"} <= set(inputs)
    assert inputs["command"]["required"] is True
    for name in ("validate", "plan-comment", "apply"):
        assert name in inputs["command"]["description"]


@pytest.mark.parametrize("path", [WORKFLOW, ACTION], ids=["workflow", "action"])
def test_no_expression_is_pasted_into_a_script(path: Path) -> None:
    """Inputs and outputs reach scripts through env, never `${{ }}` inside `run:` (a value
    pasted into a script can inject shell code; env cannot)."""
    for where, the_step in workflow_steps(load(path)):
        assert "${{" not in the_step.get("run", ""), where


def test_an_unknown_command_is_refused(action: dict[str, Any], tmp_path: Path) -> None:
    script = action["runs"]["steps"][0]["run"]
    run = run_script(
        script, cwd=tmp_path, env={"COMMAND": "destroy"}, tmp=tmp_path, shell=COMPOSITE_SHELL
    )
    assert run.returncode == 1
    assert "unknown command 'destroy'" in run.stdout
    for good in ("validate", "plan-comment", "apply"):
        run = run_script(
            script, cwd=tmp_path, env={"COMMAND": good}, tmp=tmp_path, shell=COMPOSITE_SHELL
        )
        assert run.returncode == 0


def test_validate_records_the_exit_code(action: dict[str, Any], tmp_path: Path) -> None:
    checkout = repo_with_manifests(tmp_path)
    ok = run_action_step(action, "validate", checkout, tmp_path, MANIFESTS="intacct", TARGET="")
    assert ok.returncode == 0 and ok.outputs == {"exit-code": "0"}
    (checkout / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("credit", "sideways"))
    bad = run_action_step(action, "validate", checkout, tmp_path, MANIFESTS="intacct", TARGET="")
    assert bad.returncode == 0  # the last step fails the job, after the outputs are set
    assert bad.outputs == {"exit-code": "1"}
    assert "sideways" in bad.stderr


def plan_comment(
    action: dict[str, Any], checkout: Path, tmp: Path, base: str = ""
) -> dict[str, str]:
    run = run_action_step(
        action,
        "plan",
        checkout,
        tmp,
        MANIFESTS="intacct",
        TARGET="sandbox",
        PLAN_FILE="plan.json",
        BASE=base,
    )
    assert run.returncode == 0, run.stderr
    return run.outputs


def test_plan_comment_saves_the_plan_and_its_markdown(
    action: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    outputs = plan_comment(action, checkout, tmp_path)
    assert outputs["exit-code"] == "2"
    assert (outputs["plan-file"], outputs["plan-markdown"]) == ("plan.json", "plan.md")
    assert json.loads((checkout / "plan.json").read_text())["manifest_digest"]
    assert "2110" in (checkout / "plan.md").read_text()


def apply_reviewed(action: dict[str, Any], checkout: Path, tmp: Path, plan_file: str) -> StepRun:
    return run_action_step(
        action,
        "apply",
        checkout,
        tmp,
        MANIFESTS="intacct",
        TARGET="",
        PLAN_FILE=plan_file,
        GITHUB_ACTOR="reviewer",
    )


def test_apply_applies_a_plan_made_from_these_manifests(
    action: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    plan_comment(action, checkout, tmp_path)
    # no target input: the plan file's own target (sandbox) is used
    run = apply_reviewed(action, checkout, tmp_path, "plan.json")
    assert run.outputs == {"exit-code": "0"}, run.stdout + run.stderr
    audit_log = checkout / "intacct" / ".intacct-reconcile" / "audit.log"
    assert "gl_accounts/2110" in audit_log.read_text()


def test_apply_refuses_a_plan_made_from_other_manifests(
    action: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    plan_comment(action, checkout, tmp_path)
    (checkout / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("Spend", "Spent"))
    run = apply_reviewed(action, checkout, tmp_path, "plan.json")
    assert run.outputs == {"exit-code": "1"}
    assert "planned from other manifests" in run.stdout
    assert not (checkout / "intacct" / ".intacct-reconcile" / "audit.log").exists()


def test_apply_without_a_plan_file_says_so(action: dict[str, Any], tmp_path: Path) -> None:
    checkout = repo_with_manifests(tmp_path)
    run = apply_reviewed(action, checkout, tmp_path, "missing.json")
    assert run.outputs == {"exit-code": "1"}
    assert "missing.json: no plan file" in run.stdout


@pytest.mark.parametrize(
    ("command", "code", "status"),
    [
        ("plan-comment", "0", 0),
        ("plan-comment", "2", 0),
        ("plan-comment", "6", 0),
        ("plan-comment", "3", 3),
        ("plan-comment", "1", 1),
        ("apply", "5", 5),
        ("apply", "0", 0),
        ("validate", "1", 1),
        ("validate", "", 1),
    ],
)
def test_last_step_fails_the_job_by_status(
    action: dict[str, Any], tmp_path: Path, command: str, code: str, status: int
) -> None:
    script = action["runs"]["steps"][-1]["run"]
    run = run_script(
        script,
        cwd=tmp_path,
        env={"COMMAND": command, "CODE": code},
        tmp=tmp_path,
        shell=COMPOSITE_SHELL,
    )
    assert run.returncode == status


def test_manual_only_status_agrees_with_the_workflow(action: dict[str, Any]) -> None:
    manual = load(WORKFLOW)["env"]["EXIT_MANUAL_ONLY"]
    comment = step_named(action, None, "actions/github-script")
    assert re.search(rf"\[\s*'0', '2', '{manual}'\s*\]", comment["with"]["script"])
    assert f'[ "$CODE" = {manual} ]' in action["runs"]["steps"][-1]["run"]


def test_outputs_name_steps_that_exist(action: dict[str, Any]) -> None:
    ids = {s.get("id") for s in action["runs"]["steps"]}
    for name, output in action["outputs"].items():
        for step_id in re.findall(r"steps\.([a-z-]+)\.outputs", output["value"]):
            assert step_id in ids, (name, step_id)


def test_plan_comment_shows_the_error_with_the_commit(
    action: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    (checkout / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("credit", "sideways"))
    run = run_action_step(
        action, "plan", checkout, tmp_path, MANIFESTS="intacct", TARGET="", PLAN_FILE="plan.json"
    )
    comment = step_named(action, None, "actions/github-script")
    env = {
        "PLAN_EXIT": run.outputs["exit-code"],
        "PLAN_FILE": run.outputs["plan-file"],
        "PLAN_MARKDOWN": run.outputs["plan-markdown"],
        "PLAN_ERRORS": run.outputs["errors"],
        "TARGET": "",
    }
    old = {"id": 5, "body": "<!-- intacct-reconcile-plan -->\nan older plan"}
    calls = run_github_script(comment["with"]["script"], checkout, env, [old])
    assert [(verb, args["comment_id"]) for verb, args in calls] == [("update", 5)]
    body = calls[0][1]["body"]
    assert "failed (exit 1)" in body and "sideways" in body and HEAD_SHA in body
    assert "an older plan" not in body


def test_plan_comment_splits_the_plan_against_its_base(
    action: dict[str, Any], tmp_path: Path
) -> None:
    """With `base`, the comment separates this pull request's change from what the base
    branch already had pending (the sandbox starts without the declared objects)."""
    checkout = repo_with_manifests(tmp_path)
    with_base_branch(checkout)  # origin/main declares the manifests as they are now
    (checkout / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("Spend", "Spent"))
    outputs = plan_comment(action, checkout, tmp_path, base=f"origin/{BASE_BRANCH}")
    assert outputs["exit-code"] == "2"
    markdown = (checkout / "plan.md").read_text()
    assert "introduced by this pull request" in markdown
    assert "already pending on base" in markdown.lower()
    # the saved plan is the whole head plan, as without the base
    assert json.loads((checkout / "plan.json").read_text())["manifest_digest"]


def test_plan_comment_without_base_does_not_split(action: dict[str, Any], tmp_path: Path) -> None:
    checkout = repo_with_manifests(tmp_path)
    assert plan_comment(action, checkout, tmp_path)["exit-code"] == "2"
    assert "introduced by this pull request" not in (checkout / "plan.md").read_text()
