"""The GitHub Actions example writes evidence after the apply: its shell steps, run the way a
runner runs them against the sandbox, leave a bundle that verifies and names the PR, its
approvers and the commit."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from typer.main import get_command

from ci.ci_files import (
    WORKFLOW,
    load,
    repo_with_manifests,
    run_script,
    step,
    step_env,
    step_named,
    with_base_branch,
)
from intacct_reconcile.cli import app

SHA = "3" * 40


def job_env(workflow: dict[str, Any]) -> dict[str, str]:
    env = {k: str(v) for k, v in workflow["env"].items() if "${{" not in str(v)}
    return {**env, "TARGET": "sandbox", "GITHUB_SHA": SHA, "GITHUB_ACTOR": "merger"}


def test_the_apply_job_writes_and_verifies_evidence(tmp_path: Path):
    workflow = load(WORKFLOW)
    checkout = repo_with_manifests(tmp_path)
    env = job_env(workflow)
    with_base_branch(checkout)  # the plan job plans against the PR's base branch (--base)
    plan_step = step(workflow, "plan", "plan")
    planned = run_script(
        plan_step["run"], cwd=checkout, env={**env, **step_env(plan_step)}, tmp=tmp_path
    )
    assert planned.returncode == 0, planned.stderr
    (checkout / "reviewed").mkdir()
    shutil.move(checkout / "plan.json", checkout / "reviewed" / "plan.json")
    applied = run_script(
        step(workflow, "apply", "apply")["run"], cwd=checkout, env=env, tmp=tmp_path
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.outputs["exit-code"] == "0"
    # what the "Collect the approvers" step leaves (it asks GitHub's API)
    collect = step_named(workflow, "apply", "Collect the approvers")
    assert "> approvers.txt" in collect["run"] and "APPROVED" in collect["run"]
    (checkout / "approvers.txt").write_text("erin\ndana\nerin\n")  # two pages, one twice
    evidence = step(workflow, "apply", "evidence")
    assert "steps.apply.outputs.exit-code" in evidence["if"]
    wrote = run_script(evidence["run"], cwd=checkout, env={**env, "PR": "77"}, tmp=tmp_path)
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    bundle = wrote.outputs["bundle"]
    assert bundle == f"evidence-sandbox-{SHA}"
    assert "intact" in wrote.stdout
    upload = step_named(workflow, "apply", "Keep the evidence bundle")
    assert upload["with"]["path"] == "${{ steps.evidence.outputs.bundle }}.zip"
    with zipfile.ZipFile(checkout / f"{bundle}.zip") as archive:
        approval = json.loads(archive.read(f"{bundle}/approval.json"))
        result = json.loads(archive.read(f"{bundle}/readback/result.json"))
    assert approval["pull_request"] == {"number": 77, "source": "--pr"}
    assert approval["approvers"]["names"] == ["dana", "erin"]
    assert approval["commit"]["sha"] == SHA
    # the example's manifests hold a sender ID nobody attested: said, not hidden
    assert result["status"] == "manual steps waiting"


def test_readme_and_help_name_every_option_of_evidence():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## CLI reference", 1)[1].split("```")[1]
    usage = " ".join(
        line for line in block.splitlines() if "evidence" in line or line.startswith("     ")
    )
    docs = (Path(__file__).resolve().parents[2] / "docs" / "evidence.md").read_text()
    write = get_command(app).commands["evidence"].commands["write"]  # type: ignore[attr-defined]
    options = {o for p in write.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}
    assert options
    for option in options:
        assert option in usage, option
        assert option in docs, option
    assert "evidence verify DIR|ZIP" in usage
