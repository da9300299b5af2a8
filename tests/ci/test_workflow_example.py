"""The GitHub Actions example (examples/ci/intacct-reconcile.yml) is a valid workflow, calls only
flags the CLI has, and its shell steps do what its comments promise when run for real against
the sandbox.

GitHub itself (the PR comment API, `gh`) is out of reach here: the comment script runs under
node with a recording stand-in for the GitHub client, and the drift issue step with a stand-in
`gh` on PATH; everything that calls intacct-reconcile calls the real CLI.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile.workflow import FORMATS

from .ci_files import (
    _FLAG,
    ACCOUNTS,
    ACTION,
    BASE_REF_EXPR,
    HEAD_SHA,
    MERGE_SHA,
    WORKFLOW,
    Invocation,
    StepRun,
    all_invocations,
    cli_flags,
    help_text,
    load,
    repo_with_manifests,
    run_github_script,
    run_script,
    schema_errors,
    step,
    step_env,
    step_named,
    with_base_branch,
)


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load(WORKFLOW)


def job_env(workflow: dict[str, Any], **overrides: str) -> dict[str, str]:
    """The workflow's env as a runner sets it, without the secrets (the sandbox needs none)."""
    env = {k: str(v) for k, v in workflow["env"].items() if "${{" not in str(v)}
    return {**env, "TARGET": "sandbox", **overrides}


def run_step(
    workflow: dict[str, Any], job: str, step_id: str, checkout: Path, tmp: Path, **env: str
) -> StepRun:
    spec = step(workflow, job, step_id)
    if BASE_REF_EXPR in str(spec.get("env", {})):
        with_base_branch(checkout)
    return run_script(
        spec["run"],
        cwd=checkout,
        env={**job_env(workflow), **step_env(spec), **env},
        tmp=tmp,
    )


# --- lint ---------------------------------------------------------------------------------------


def test_workflow_is_valid_for_github(workflow: dict[str, Any]) -> None:
    assert schema_errors(workflow, "github-workflow.json") == []


def test_the_schema_check_catches_a_broken_workflow(workflow: dict[str, Any]) -> None:
    broken = copy.deepcopy(workflow)
    del broken["jobs"]["apply"]["runs-on"]
    broken["jobs"]["drift"]["stpes"] = broken["jobs"]["drift"].pop("steps")
    errors = schema_errors(broken, "github-workflow.json")
    assert any("apply" in e for e in errors), errors
    assert any("drift" in e for e in errors), errors


def flags_of(call: Invocation) -> frozenset[str]:
    """The flags of the command called; `evidence ARGS` is `evidence write ARGS` unless ARGS
    names another subcommand."""
    if call.verb != "evidence":
        return cli_flags(call.verb)
    words = call.text.split(" evidence", 1)[1].split()
    sub = words[0] if words and words[0] in ("write", "verify") else "write"
    return frozenset(_FLAG.findall(help_text("evidence", sub)))


@pytest.mark.parametrize("path", [WORKFLOW, ACTION], ids=["workflow", "action"])
def test_every_cli_call_uses_flags_the_cli_has(path: Path) -> None:
    calls = all_invocations(load(path))
    verbs = {"--version", "validate", "plan", "apply"} | (
        {"evidence"} if path == WORKFLOW else set()
    )
    assert {c.verb for c in calls} == verbs
    for call in calls:
        unknown = set(call.flags) - flags_of(call)
        assert not unknown, f"{path.name} {call.where}: {call.text}: no such flag {unknown}"


@pytest.mark.parametrize("path", [WORKFLOW, ACTION], ids=["workflow", "action"])
def test_output_formats_are_ones_the_cli_renders(path: Path) -> None:
    formats = {
        call.text.split("--format ", 1)[1].split()[0]
        for call in all_invocations(load(path))
        if "--format" in call.flags
    }
    assert formats and formats <= set(FORMATS)


def test_exit_codes_agree_with_the_cli(workflow: dict[str, Any]) -> None:
    """The codes the workflow branches on are the CLI's documented ones; the manual-only status
    (DESIGN §6) may not collide with a code that means something else."""
    epilog = " ".join(help_text().split())
    env = workflow["env"]
    assert f"{env['EXIT_CHANGES']} changes present" in epilog
    assert f"{env['EXIT_GATE_REFUSED']} refused by the safety gate" in epilog
    documented = dict(
        (code, meaning)
        for code, meaning in (
            part.strip().split(" ", 1) for part in epilog.split("Exit codes:")[1].split(";")
        )
    )
    manual = env["EXIT_MANUAL_ONLY"]
    assert manual not in documented or "manual" in documented[manual], documented
    # where the CLI names the manual-only status (`plan --help`), it is the workflow's
    plan_help = " ".join(help_text("plan").split())
    named = {
        code
        for clause in re.split(r"[;,.]", plan_help + " " + epilog)
        if "manual" in clause
        for code in re.findall(r"\b\d+\b", clause)
    }
    assert named <= {manual}, named


def test_install_is_from_the_git_repository_at_a_pinned_ref(workflow: dict[str, Any]) -> None:
    """The package is not on PyPI: every job installs it from git at INTACCT_RECONCILE_REF."""
    env = workflow["env"]
    assert env["INTACCT_RECONCILE_REPO"].startswith("https://")
    assert env["INTACCT_RECONCILE_REF"]
    for name in ("plan", "apply", "drift"):
        install = step_named(workflow, name, "Install intacct-reconcile")["run"]
        assert install.splitlines() == [
            'pip install "intacct-reconcile @ git+${INTACCT_RECONCILE_REPO}'
            '@${INTACCT_RECONCILE_REF}"',
            "intacct-reconcile --version",
        ]


def test_one_apply_at_a_time_and_nothing_else_shares_its_queue(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    # a workflow-level group would put PR plans in the apply queue (a pending one is cancelled)
    assert "concurrency" not in workflow
    apply = jobs["apply"]["concurrency"]
    assert apply["cancel-in-progress"] is False
    assert jobs["drift"]["concurrency"]["group"] != apply["group"]
    assert jobs["plan"]["concurrency"]["group"] != apply["group"]
    assert "pull_request.number" in jobs["plan"]["concurrency"]["group"]


def test_comment_step_runs_when_the_plan_fails(workflow: dict[str, Any]) -> None:
    steps = workflow["jobs"]["plan"]["steps"]
    comment = step_named(workflow, "plan", "actions/github-script")
    assert comment["if"].replace(" ", "") in ("${{!cancelled()}}", "always()", "${{always()}}")
    assert steps.index(comment) > steps.index(step(workflow, "plan", "plan"))
    assert comment["env"]["PLAN_EXIT"] == "${{ steps.plan.outputs.exit-code }}"


# --- the pull request job, run ------------------------------------------------------------------


def test_plan_step_saves_the_plan_and_passes_with_changes(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    run = run_step(workflow, "plan", "plan", checkout, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.outputs["exit-code"] == "2"  # changes present: a plan to review, not a failure
    saved = json.loads((checkout / "plan.json").read_text())
    assert len(saved["manifest_digest"]) == 64
    assert "gl_accounts" in (checkout / "plan.md").read_text()


def test_plan_job_fetches_the_base_branch_and_plans_against_it(workflow: dict[str, Any]) -> None:
    checkout = step_named(workflow, "plan", "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # a shallow clone has no origin/BASE
    plan = step(workflow, "plan", "plan")
    assert plan["env"]["BASE_REF"] == f"origin/{BASE_REF_EXPR}"
    assert '--base "$BASE_REF"' in plan["run"]


def test_plan_step_comment_opens_with_what_the_pull_request_introduces(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    with_base_branch(checkout)  # main: the account as first declared, the sender ID step
    (checkout / "intacct" / "accounts.yaml").write_text(
        ACCOUNTS.replace("Spend Center GL Account", "Renamed in this PR")
    )
    run = run_step(workflow, "plan", "plan", checkout, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.outputs["exit-code"] == "2"
    comment = (checkout / "plan.md").read_text()
    split, _, rest = comment.partition("\n---\n")
    assert "against base origin/main" in split
    introduced = split.split("**Introduced by this pull request (1)**")[1].split("<details>")[0]
    assert "`gl_accounts/2110`" in introduced and "Renamed in this PR" in introduced
    pending = split.split("Already pending on base (1)")[1]
    assert "`sender_ids/expensify`" in pending and "gl_accounts/2110" not in pending
    # the saved plan is the whole plan: both changes, as apply runs them
    saved = json.loads((checkout / "plan.json").read_text())
    assert {f"{c['kind']}/{c['key']}" for c in saved["plan"]["changes"]} == {
        "gl_accounts/2110",
        "sender_ids/expensify",
    }
    assert "gl_accounts" in rest


def test_plan_step_fails_and_keeps_the_error_for_the_comment(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    (checkout / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("credit", "sideways"))
    run = run_step(workflow, "plan", "plan", checkout, tmp_path)
    assert run.returncode == 1
    assert run.outputs["exit-code"] == "1"
    errors = (checkout / "plan.err").read_text()
    assert "accounts.yaml:" in errors and "sideways" in errors
    assert not (checkout / "plan.json").exists()


def comment_script(workflow: dict[str, Any]) -> str:
    return step_named(workflow, "plan", "actions/github-script")["with"]["script"]


def run_comment_script(
    workflow: dict[str, Any], checkout: Path, plan_exit: str, existing: list[dict[str, Any]]
) -> list[Any]:
    env = {**job_env(workflow), "PLAN_EXIT": plan_exit}
    return run_github_script(comment_script(workflow), checkout, env, existing)


def test_comment_shows_the_error_and_replaces_the_old_plan(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    (checkout / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("credit", "sideways"))
    run = run_step(workflow, "plan", "plan", checkout, tmp_path)
    old = {"id": 99, "body": "<!-- intacct-reconcile-plan -->\nan older plan"}
    calls = run_comment_script(workflow, checkout, run.outputs["exit-code"], [old])
    assert [c[0] for c in calls] == ["update"]
    body = calls[0][1]["body"]
    assert calls[0][1]["comment_id"] == 99
    assert "failed (exit 1)" in body
    assert "sideways" in body  # the validation error itself
    assert HEAD_SHA in body and MERGE_SHA in body  # the commit it was planned from
    assert "an older plan" not in body


def test_comment_shows_the_plan_with_its_commit_and_digest(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    run = run_step(workflow, "plan", "plan", checkout, tmp_path)
    calls = run_comment_script(workflow, checkout, run.outputs["exit-code"], [])
    assert [c[0] for c in calls] == ["create"]
    body = calls[0][1]["body"]
    digest = json.loads((checkout / "plan.json").read_text())["manifest_digest"]
    assert body.startswith("<!-- intacct-reconcile-plan -->")
    assert "planned (exit 2)" in body and HEAD_SHA in body and digest[:12] in body
    assert (checkout / "plan.md").read_text() in body


# --- the merge job, run -------------------------------------------------------------------------


def reviewed_plan(workflow: dict[str, Any], checkout: Path, tmp_path: Path) -> None:
    """What the PR job leaves for the merge job: plan.json in the artifact, downloaded."""
    run = run_step(workflow, "plan", "plan", checkout, tmp_path)
    assert run.returncode == 0, run.stderr
    (checkout / "reviewed").mkdir()
    shutil.move(checkout / "plan.json", checkout / "reviewed" / "plan.json")


def digest_check(workflow: dict[str, Any]) -> str:
    return step_named(workflow, "apply", "Check the plan was made")["run"]


def test_merge_applies_the_reviewed_plan_made_from_mains_manifests(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    reviewed_plan(workflow, checkout, tmp_path)
    env = {**job_env(workflow), "GITHUB_ACTOR": "reviewer"}
    check = run_script(digest_check(workflow), cwd=checkout, env=env, tmp=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    applied = run_script(
        step_named(workflow, "apply", "Apply exactly the reviewed plan")["run"],
        cwd=checkout,
        env=env,
        tmp=tmp_path,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "applied" in applied.stdout
    log = (checkout / "intacct" / ".intacct-reconcile" / "audit.log").read_text()
    assert "gl_accounts/2110" in log and "reviewer" in log  # where the audit step uploads from


def test_merge_refuses_a_plan_made_from_other_manifests(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    reviewed_plan(workflow, checkout, tmp_path)
    # another PR reached main after this one was planned
    (checkout / "intacct" / "accounts.yaml").write_text(
        ACCOUNTS.replace("Spend Center GL Account", "Renamed on main")
    )
    check = run_script(digest_check(workflow), cwd=checkout, env=job_env(workflow), tmp=tmp_path)
    assert check.returncode == 1
    assert "other manifests" in check.stdout and "Nothing was applied" in check.stdout


# --- the drift job ------------------------------------------------------------------------------


def test_drift_step_reports_drift_from_a_real_plan(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = repo_with_manifests(tmp_path)
    run = run_step(workflow, "drift", "drift", checkout, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"drift": "true", "exit-code": "2"}
    assert "2110" in (checkout / "drift.md").read_text()


def stub_cli(tmp_path: Path, code: int) -> Path:
    """An intacct-reconcile that only exits with `code`: the step's reading of each status."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir()
    stub = bin_dir / "intacct-reconcile"
    stub.write_text(f"#!/bin/sh\necho '# plan'\nexit {code}\n")
    stub.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(
    ("status", "drift"),
    [
        ("0", "false"),
        ("EXIT_MANUAL_ONLY", "false"),
        ("EXIT_CHANGES", "true"),
        ("EXIT_GATE_REFUSED", "true"),
    ],
)
def test_drift_step_reads_each_status(
    workflow: dict[str, Any], tmp_path: Path, status: str, drift: str
) -> None:
    code = int(workflow["env"].get(status, status))
    checkout = repo_with_manifests(tmp_path)
    path = f"{stub_cli(tmp_path, code)}{os.pathsep}{os.environ['PATH']}"
    run = run_step(workflow, "drift", "drift", checkout, tmp_path, PATH=path)
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"drift": drift, "exit-code": str(code)}


def test_drift_step_fails_on_an_error(workflow: dict[str, Any], tmp_path: Path) -> None:
    checkout = repo_with_manifests(tmp_path)
    path = f"{stub_cli(tmp_path, 1)}{os.pathsep}{os.environ['PATH']}"
    run = run_step(workflow, "drift", "drift", checkout, tmp_path, PATH=path)
    assert run.returncode == 1
    assert "drift" not in run.outputs  # neither opens nor closes the issue


FAKE_GH = """#!/bin/sh
# records each call; answers `issue list` with $OPEN_ISSUE and `issue view` with $ISSUE_BODY
echo "$*" >> "$GH_CALLS"
case "$1 $2" in
  "issue list") [ -n "$OPEN_ISSUE" ] && echo "$OPEN_ISSUE" ;;
  "issue view") printf '%s\\n' "$ISSUE_BODY" ;;
esac
exit 0
"""


def run_issue_step(
    workflow: dict[str, Any], tmp_path: Path, name: str, *, open_issue: str, issue_body: str = ""
) -> list[str]:
    checkout = repo_with_manifests(tmp_path)
    (checkout / "drift.md").write_text("# plan\n1 to update: gl_accounts/2110\n")
    bin_dir = tmp_path / "gh-bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    calls = tmp_path / "gh-calls"
    calls.write_text("")
    job = workflow["jobs"]["drift"]
    script = step_named(workflow, "drift", name)["run"]
    env = {
        **job_env(workflow),
        **{k: v for k, v in job["env"].items() if "${{" not in v},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GH_CALLS": str(calls),
        "OPEN_ISSUE": open_issue,
        "ISSUE_BODY": issue_body,
        "PLAN_EXIT": "2",
        "GITHUB_REPOSITORY": "acme/intacct-config",
        "GITHUB_SHA": MERGE_SHA,
    }
    run = run_script(script, cwd=checkout, env=env, tmp=tmp_path)
    assert run.returncode == 0, run.stderr
    return [" ".join(line.split()[:2]) for line in calls.read_text().splitlines()]


OPEN_OR_UPDATE = "Open or update the drift issue"


def test_first_drift_opens_the_issue(workflow: dict[str, Any], tmp_path: Path) -> None:
    calls = run_issue_step(workflow, tmp_path, OPEN_OR_UPDATE, open_issue="")
    assert calls == ["label create", "issue list", "issue create"]


def test_drift_again_updates_the_open_issue_and_comments_only_on_news(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    news = run_issue_step(
        workflow,
        tmp_path / "a",
        OPEN_OR_UPDATE,
        open_issue="12",
        issue_body="<!-- intacct-drift: 0000000000000000 -->",
    )
    assert news == ["label create", "issue list", "issue view", "issue edit", "issue comment"]
    fingerprint = subprocess.run(
        ["sha256sum"],
        input="# plan\n1 to update: gl_accounts/2110\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout[:16]
    old_body = f"<!-- intacct-drift: {fingerprint} -->\nold text"
    same = run_issue_step(
        workflow, tmp_path / "b", OPEN_OR_UPDATE, open_issue="12", issue_body=old_body
    )
    assert same == ["label create", "issue list", "issue view", "issue edit"]


def test_no_drift_closes_the_open_issue(workflow: dict[str, Any], tmp_path: Path) -> None:
    name = "Close the drift issue when Intacct matches again"
    assert run_issue_step(workflow, tmp_path / "a", name, open_issue="12") == [
        "issue list",
        "issue close",
    ]
    assert run_issue_step(workflow, tmp_path / "b", name, open_issue="") == ["issue list"]


def test_readme_points_to_the_ci_files() -> None:
    readme = (WORKFLOW.parents[2] / "README.md").read_text()
    section = readme.split("## CI", 1)[1].split("\n## ", 1)[0]
    for path in ("examples/ci/intacct-reconcile.yml", "action.yml", ".pre-commit-hooks.yaml"):
        assert f"({path})" in section, path
