"""The fleet GitHub Actions example (examples/ci/fleet.yml): a valid workflow whose commands
exist, and whose shard and join steps, run for real against sandbox companies, plan every
company exactly once and join the shards into one comment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .ci_files import REPO, all_invocations, cli_flags, load, run_script, schema_errors

FLEET = REPO / "examples" / "ci" / "fleet.yml"
COMPANIES = [f"client-{n}" for n in range(5)]


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load(FLEET)


def test_fleet_workflow_is_valid_for_github(workflow: dict[str, Any]) -> None:
    assert schema_errors(workflow, "github-workflow.json") == []


def test_fleet_workflow_calls_only_flags_the_cli_has(workflow: dict[str, Any]) -> None:
    calls = all_invocations(workflow)
    assert {c.verb for c in calls} == {"--version", "validate", "plan", "rollup", "apply"}
    for call in calls:
        unknown = set(call.flags) - cli_flags(call.verb)
        assert not unknown, f"fleet.yml {call.where}: {call.text}: no such flag {unknown}"


def test_the_matrix_matches_the_shard_count(workflow: dict[str, Any]) -> None:
    shards = int(workflow["env"]["SHARDS"])
    for job in ("plan", "apply"):
        assert workflow["jobs"][job]["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))


def _step(workflow: dict[str, Any], job: str, name: str) -> str:
    return next(s["run"] for s in workflow["jobs"][job]["steps"] if s.get("name") == name)


def _checkout(tmp_path: Path) -> Path:
    manifests = tmp_path / "checkout" / "intacct"
    manifests.mkdir(parents=True)
    (manifests / "departments.yaml").write_text(
        'version: 1\ndepartments:\n  D100: {title: "Operations ${var.region}"}\n'
    )
    (manifests / "intacct-reconcile.yaml").write_text(
        "groups:\n  clients:\n    targets_file: clients.targets.yaml\n"
        '    defaults: {sandbox: true, db: "state/${target}.db"}\n    vars: {region: South}\n'
    )
    (manifests / "clients.targets.yaml").write_text("".join(f"{c}: {{}}\n" for c in COMPANIES))
    return manifests.parent


def test_shards_plan_every_company_once_and_join_into_one_comment(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    checkout = _checkout(tmp_path)
    env = {k: str(v) for k, v in workflow["env"].items() if "${{" not in str(v)}
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    plan_step = _step(workflow, "plan", "Validate and plan this shard")
    shards = int(env["SHARDS"])
    join = tmp_path / "join"
    join.mkdir()
    for k in range(1, shards + 1):
        work = tmp_path / f"shard-{k}"
        work.mkdir()
        run = run_script(
            plan_step.replace("${{ matrix.shard }}", str(k)),
            cwd=checkout,
            env=env,
            tmp=work,
        )
        assert run.returncode == 0, run.stderr
        assert run.outputs["exit-code"] == "2"  # changes to make
        # what upload-artifact + download-artifact (pattern) leave for the join job
        (checkout / "plans").rename(join / f"fleet-plans-{k}")

    planned = sorted(p.name for p in join.glob("fleet-plans-*/*.plan.json"))
    assert planned == [f"{c}.plan.json" for c in COMPANIES]  # each company exactly once

    joined = run_script(
        _step(workflow, "comment", "Join the shards' roll-ups"), cwd=join, env=env, tmp=join
    )
    assert joined.returncode == 0, joined.stderr
    comment = (join / "rollup.md").read_text()
    assert comment.startswith("### intacct-reconcile plan: 5 target(s)")
    for company in COMPANIES:
        assert f"| `{company}` | 1 |" in comment
