"""Fleet plan/apply over several companies served over real HTTP: convergence, failures that
stay with their company, the roll-up, shards joined back together, and diff."""

from __future__ import annotations

import hashlib
import json

from tests.fleet.conftest import write_project

from intacct_reconcile.digests import canonical_json

CLIENTS = ["client-a", "client-b", "client-c"]


def test_plan_apply_plan_converges_for_every_company(tmp_path, serve_companies, cli):
    endpoints = serve_companies(CLIENTS)
    assert len(set(endpoints.values())) == 1  # one sandbox, the companies told apart by login
    project = write_project(tmp_path / "p", endpoints)
    plans = tmp_path / "plans"

    planned = cli("plan", project, "--target", "client-*", "--out-dir", plans)
    assert planned.exit_code == 0, planned.output
    for name in CLIENTS:
        assert f"{name}: 2 to create, 0 to update, 0 to delete, 0 manual" in planned.stdout
    assert sorted(p.name for p in plans.iterdir()) == [
        "client-a.plan.json",
        "client-b.plan.json",
        "client-c.plan.json",
        "rollup.json",
    ]
    saved = json.loads((plans / "client-a.plan.json").read_text())
    assert saved["target"]["name"] == "client-a"

    applied = cli("apply", plans, "--format", "json")
    assert applied.exit_code == 0, applied.output
    rows = {r["target"]: r for r in json.loads(applied.stdout)["targets"]}
    assert {n: (r["ok"], r["applied"]) for n, r in rows.items()} == dict.fromkeys(
        CLIENTS, (True, 2)
    )

    again = cli("plan", project, "--target", "clients", "--detailed-exitcode", "--format", "json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)["summary"]
    assert summary == {
        "targets": 3,
        "failed": 0,
        "with_changes": 0,
        "creates": 0,
        "updates": 0,
        "deletes": 0,
        "manual": 0,
        "refused": 0,
    }


def test_each_company_gets_its_own_vars_and_diff_shows_the_difference(
    tmp_path, serve_companies, cli
):
    project = write_project(tmp_path / "p", serve_companies(CLIENTS))
    assert cli("apply", project, "--target", "all", "--auto-approve").exit_code == 0

    # client-a overrides region (North); the others take the group default (South)
    result = cli(
        "diff", "--from", "client-a", "--to", "client-b", "--kind", "departments",
        "--config", project / "intacct-reconcile.yaml", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["diff"]["from"] == "client-a" and data["diff"]["to"] == "client-b"
    changes = [
        (c["action"], c["key"], [(f["name"], f["before"], f["after"]) for f in c["fields"]])
        for c in data["changes"]
    ]
    assert changes == [("update", "D100", [("title", "Operations South", "Operations North")])]

    same = cli(
        "diff", "--from", "client-b", "--to", "client-c", "--kind", "departments",
        "--config", project / "intacct-reconcile.yaml", "--detailed-exitcode",
    )  # fmt: skip
    assert same.exit_code == 0, same.output
    assert "0 to create, 0 to update, 0 to delete" in same.stdout


def test_wrong_credentials_and_a_faulty_company_fail_alone(tmp_path, serve_companies, cli):
    names = ["client-a", "client-b", "locked-out", "flaky"]
    endpoints = serve_companies(names, faults={"flaky": 1.0})
    assert endpoints["locked-out"] == endpoints["client-a"] != endpoints["flaky"]
    project = write_project(tmp_path / "p", endpoints)
    secret = "pw-Zq81x-not-the-password"
    env = {"INTACCT_LOCKED_OUT_USER_PASSWORD": secret}

    result = cli("apply", project, "--target", "all", "--auto-approve", "--format", "json", env=env)

    assert result.exit_code == 1, result.output  # the worst target's code: an error
    rows = {r["target"]: r for r in json.loads(result.stdout)["targets"]}
    assert rows["client-a"]["ok"] and rows["client-a"]["applied"] == 2
    assert rows["client-b"]["ok"] and rows["client-b"]["applied"] == 2
    assert not rows["locked-out"]["ok"] and rows["locked-out"]["exit_code"] == 1
    assert "refused the sign-in" in rows["locked-out"]["error"]
    assert not rows["flaky"]["ok"] and rows["flaky"]["error"]
    assert secret not in result.output
    # each failure streamed as its own line on stderr (JSON goes to stdout)
    assert "locked-out: FAILED (exit 1)" in result.stderr
    assert "flaky: FAILED" in result.stderr

    # the companies that worked are in place: planning them again finds nothing to do
    again = cli("plan", project, "--target", "client-*", "--detailed-exitcode", env=env)
    assert again.exit_code == 0, again.output


def test_manifests_that_fail_for_the_first_target_fail_it_alone(tmp_path, serve_companies, cli):
    # the fleet loads the manifests once before the targets start (for the first target, to
    # build what they share): that load's problems are still the target's own row
    project = write_project(tmp_path / "p", serve_companies(CLIENTS))
    config = project / "intacct-reconcile.yaml"
    config.write_text(config.read_text().replace("    vars: {region: South}\n", ""))
    targets = project / "clients.targets.yaml"
    text = targets.read_text().replace(", vars: {region: North}", "")
    targets.write_text(
        text.replace("company_id: client-b", "company_id: client-b, vars: {region: B}").replace(
            "company_id: client-c", "company_id: client-c, vars: {region: C}"
        )
    )

    result = cli(
        "plan", project, "--target", "clients", "--format", "json", "--out-dir", tmp_path / "o"
    )

    assert result.exit_code == 1, result.output
    rows = {r["target"]: r for r in json.loads(result.stdout)["targets"]}
    assert not rows["client-a"]["ok"]
    assert "departments.yaml:3:" in rows["client-a"]["error"]
    assert "undefined variable var.region" in rows["client-a"]["error"]
    assert [rows[n]["creates"] for n in ("client-b", "client-c")] == [2, 2]
    assert sorted(p.name for p in (tmp_path / "o").glob("*.plan.json")) == [
        "client-b.plan.json",
        "client-c.plan.json",
    ]


def test_shards_cover_every_target_once_and_rollup_joins_them(tmp_path, serve_companies, cli):
    names = [f"c{n:02d}" for n in range(7)]
    project = write_project(tmp_path / "p", serve_companies(names))
    seen: list[str] = []
    folders = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard-{k}"
        result = cli("plan", project, "--target", "all", "--shard", f"{k}/3", "--out-dir", out)
        assert result.exit_code == 0, result.output
        shard_targets = [
            r["target"] for r in json.loads((out / "rollup.json").read_text())["targets"]
        ]
        assert shard_targets, f"shard {k}/3 is empty"
        seen += shard_targets
        folders.append(out)
    assert sorted(seen) == names  # every target in exactly one shard

    joined = cli("rollup", *folders, "--format", "json")
    assert joined.exit_code == 0, joined.output
    data = json.loads(joined.stdout)
    assert [r["target"] for r in data["targets"]] == names
    assert data["summary"]["creates"] == 2 * len(names)

    comment = cli("rollup", *folders)  # markdown by default: the PR comment
    assert comment.stdout.startswith("### intacct-reconcile plan: 7 target(s)")

    overlap = cli("rollup", folders[0], folders[0])
    assert overlap.exit_code == 1
    assert "the shards overlap" in overlap.stderr


def test_bad_selectors_and_options_are_clear_errors(tmp_path, serve_companies, cli):
    project = write_project(tmp_path / "p", serve_companies(["client-a"]))
    unknown = cli("plan", project, "--target", "clinets")
    assert unknown.exit_code == 1
    assert "did you mean 'clients'?" in unknown.stderr
    no_match = cli("plan", project, "--target", "vendor-*")
    assert no_match.exit_code == 1 and "matches no target" in no_match.stderr
    shard = cli("plan", project, "--target", "all", "--shard", "4/3")
    assert shard.exit_code == 1 and "1 <= K <= N" in shard.stderr
    unconfirmed = cli("apply", project, "--target", "all")
    assert unconfirmed.exit_code == 1 and "--auto-approve" in unconfirmed.stderr
    out = cli("plan", project, "--target", "all", "--out", tmp_path / "x.json")
    assert out.exit_code == 1 and "--out-dir" in out.stderr
    assert "Traceback" not in unknown.output + no_match.output + shard.output


def test_out_dir_with_old_plans_is_refused_before_any_request(tmp_path, serve_companies, cli):
    project = write_project(tmp_path / "p", serve_companies(["client-a"]))
    plans = tmp_path / "plans"
    assert cli("plan", project, "--target", "all", "--out-dir", plans).exit_code == 0
    again = cli("plan", project, "--target", "all", "--out-dir", plans)
    assert again.exit_code == 1
    assert "already holds plan files" in again.stderr


def test_a_stale_plan_fails_its_target_only(tmp_path, serve_companies, cli):
    project = write_project(tmp_path / "p", serve_companies(CLIENTS))
    plans = tmp_path / "plans"
    assert cli("plan", project, "--target", "all", "--out-dir", plans).exit_code == 0
    # after review, someone creates client-b's D100 by hand, with another title
    manifest = project / "departments.yaml"
    reviewed = manifest.read_text()
    manifest.write_text(reviewed.replace("Operations ${var.region}", "Made by hand"))
    assert cli("apply", project, "--target", "client-b", "--auto-approve").exit_code == 0
    manifest.write_text(reviewed)

    result = cli("apply", plans)
    assert result.exit_code == 5, result.output  # stale: the worst code of the fleet
    assert "client-b: FAILED (exit 5)" in result.stdout
    assert "client-a: applied 2" in result.stdout and "client-c: applied 2" in result.stdout


def test_single_target_runs_are_unchanged(tmp_path, serve_companies, cli):
    project = write_project(tmp_path / "p", serve_companies(["client-a", "client-b"]))
    result = cli("plan", project, "--target", "client-a")
    assert result.exit_code == 0, result.output
    assert "Plan for target client-a" in result.stdout
    assert "target    creates" not in result.stdout  # no fleet roll-up for one target


def test_apply_dir_checks_each_plans_signature(tmp_path, serve_companies, cli, monkeypatch):
    monkeypatch.setenv("INTACCT_RECONCILE_PLAN_KEY", "fleet-review-key")
    project = write_project(tmp_path / "p", serve_companies(CLIENTS))
    plans = tmp_path / "plans"
    assert cli("plan", project, "--target", "all", "--out-dir", plans).exit_code == 0
    # client-b's plan edited after review, its plain checksum recomputed
    edited = plans / "client-b.plan.json"
    body = json.loads(edited.read_text())
    body["plan"]["changes"][0]["desired"]["title"] = "Not what was reviewed"
    rest = {k: v for k, v in body.items() if k != "checksum"}
    body["checksum"] = "sha256:" + hashlib.sha256(canonical_json(rest).encode()).hexdigest()
    edited.write_text(json.dumps(body))

    result = cli("apply", plans)
    assert result.exit_code == 1, result.output
    assert "client-b: FAILED (exit 1)" in result.stdout
    assert "client-a: applied 2" in result.stdout and "client-c: applied 2" in result.stdout
    assert "fleet-review-key" not in result.output
