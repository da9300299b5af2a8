"""`plan --base REF` through the CLI against a served sandbox (fixtures: conftest.py).

Live drift on Airfare, a merged-but-unapplied change to Mileage that the pull request reverts,
and the pull request's own change to Meals: each lands in its own part of the split, in every
format, from one read of Intacct; the head plan, its file and its exit code stay as `plan`
makes them.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from .conftest import BLUEPRINT, MANIFESTS, TE_FILE, Project, edit, git, invoke_cli, refs

MANUAL = [
    "sender_ids/expensify",
    "module_subscriptions/customization_services",
    "te_settings/te_settings",
]


def test_json_puts_drift_on_base_and_the_change_in_the_pull_request(project: Project) -> None:
    base = project.plan_json("--base", "main")["base"]
    assert base["source"] == "git" and base["ref"] == "main"
    assert base["commit"] == project.base_commit and base["path"] == MANIFESTS
    assert base["status"] == "ok" and base["error"] is None
    assert refs(base["introduced"]) == ["expense_types/Meals"]
    assert base["introduced"][0]["reason"] == "new"
    assert base["introduced"][0]["source"].endswith(f"/{MANIFESTS}/{TE_FILE}:37")
    assert refs(base["pending_on_base"]) == [*MANUAL, "expense_types/Airfare"]
    assert refs(base["withdrawn"]) == ["expense_types/Mileage"]
    withdrawn = base["withdrawn"][0]
    # the base's change, where the base declared it
    assert withdrawn["source"] == f"main:{MANIFESTS}/{TE_FILE}:40"
    assert withdrawn["fields"][0]["after"] == "Car mileage"
    assert base["summary"] == {"introduced": 1, "pending_on_base": 4, "withdrawn": 1}
    assert base["config_differs"] is False and base["notes"] == []


def test_text_shows_each_part_under_its_heading(project: Project) -> None:
    result = project.plan("--base", "main")
    assert result.exit_code == 0, result.stderr
    split = result.stdout.split("What this pull request changes, against base main")[1]
    introduced, rest = split.split("Already pending on base (4)")
    pending, withdrawn = rest.split("Withdrawn by this pull request (1)")
    assert "Introduced by this pull request (1)" in introduced
    assert "~ update expense_types/Meals" in introduced
    assert '"Meals and entertainment" → "Meals and client entertainment"' in introduced
    assert "expense_types/Airfare" in pending and "Meals" not in pending
    assert "expense_types/Mileage" in withdrawn and f"main:{MANIFESTS}/{TE_FILE}:40" in withdrawn
    assert '"Personal car mileage" → "Car mileage"' in withdrawn


def test_markdown_opens_with_the_split(project: Project) -> None:
    result = project.plan("--base", "main", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    heading, _, body = result.stdout.partition("\n\n")
    assert heading == "## intacct-reconcile plan: `local`"
    split, _, plan = body.partition("\n---\n")
    assert split.startswith("### What this pull request changes, against base main")
    introduced = split.split("**Introduced by this pull request (1)**")[1].split("<details>")[0]
    assert "`expense_types/Meals`" in introduced and "Airfare" not in introduced
    pending = split.split("<summary>Already pending on base (4)")[1].split("</details>")[0]
    assert "`expense_types/Airfare`" in pending and "`sender_ids/expensify`" in pending
    withdrawn = split.split("<summary>Withdrawn by this pull request (1)")[1]
    assert "`expense_types/Mileage`" in withdrawn
    # the whole plan follows, as `plan --format markdown` renders it
    assert "### expense_types" in plan and "expense_types/Airfare" in plan


def _plan_part(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "base"}


def test_the_head_plan_its_exit_code_and_file_are_unchanged(project: Project, tmp_path) -> None:
    plain = project.plan_json()
    with_base = project.plan_json("--base", "main")
    assert _plan_part(with_base) == plain
    assert project.plan("--detailed-exitcode").exit_code == 2
    assert project.plan("--base", "main", "--detailed-exitcode").exit_code == 2
    saved = tmp_path / "plan.json"
    assert project.plan("--base", "main", "--out", saved).exit_code == 0
    data = json.loads(saved.read_text())
    assert "base" not in data and "base" not in data["plan"]
    assert refs(data["plan"]["changes"]) == refs(plain["changes"])


def _queries(requests: list[dict[str, Any]]) -> Counter:
    """How often each Intacct object was queried (XML query, REST core query)."""
    return Counter(
        obj
        for r in requests
        for fn, obj in zip(r["functions"], r["objects"], strict=False)
        if fn in ("query", "POST services/core/query")
    )


def test_intacct_is_read_once_for_both_plans(project: Project) -> None:
    before = len(project.requests())
    project.plan_json()
    plain = project.requests()[before:]
    project.plan_json("--base", "main")
    with_base = project.requests()[before + len(plain) :]
    assert plain, "the plan read Intacct through the served sandbox"
    # the base's plan made no read of its own: nothing is read more often than by `plan`
    assert len(with_base) <= len(plain)
    mine, theirs = _queries(with_base), _queries(plain)
    assert all(mine[obj] <= theirs[obj] for obj in mine), (mine, theirs)
    # the kinds both plans compare were each read once: one read, two plans
    for obj in ("EEACCOUNTLABEL", "EMPLOYEE", "CONTACT", "company-config/document-sequence"):
        assert mine[obj] == 1, (obj, mine)
    assert sum(1 for r in with_base if r["functions"] == ["get_companyprefs"]) == 1


def test_a_folder_base_splits_the_same_way(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "base-manifests"
    git(project.repo, "worktree", "add", "-q", str(tmp_path / "main-tree"), "main")
    try:
        shutil.copytree(tmp_path / "main-tree" / MANIFESTS, folder)
    finally:
        git(project.repo, "worktree", "remove", "--force", str(tmp_path / "main-tree"))
    base = project.plan_json("--base", str(folder))["base"]
    assert base["source"] == "folder" and base["ref"] is None and base["commit"] is None
    assert refs(base["introduced"]) == ["expense_types/Meals"]
    assert refs(base["pending_on_base"]) == [*MANUAL, "expense_types/Airfare"]
    assert refs(base["withdrawn"]) == ["expense_types/Mileage"]
    assert base["withdrawn"][0]["source"] == f"{folder}/{TE_FILE}:40"


def test_a_change_the_base_plans_differently_is_introduced_with_what_it_shares(
    project: Project, tmp_path: Path
) -> None:
    """Base and pull request both fix Airfare's drift, the pull request with another value."""
    folder = tmp_path / "base"
    shutil.copytree(project.manifests, folder, ignore=shutil.ignore_patterns(".intacct-reconcile"))
    edit(folder / TE_FILE, "description: Air travel", "description: Flights")
    base = project.plan_json("--base", str(folder))["base"]
    airfare = next(e for e in base["introduced"] if e["key"] == "Airfare")
    assert airfare["reason"] == "differs"
    assert airfare["introduced_fields"] == ["description"]
    assert airfare["base_change"]["fields"][0]["after"] == "Flights"
    assert "expense_types/Airfare" not in refs(base["pending_on_base"])


def test_a_ref_without_the_manifests_means_everything_is_introduced(project: Project) -> None:
    git(project.repo, "branch", "-f", "empty", git(project.repo, "commit-tree",
        git(project.repo, "mktree"), "-m", "empty"))  # fmt: skip
    base = project.plan_json("--base", "empty")["base"]
    assert base["status"] == "missing"
    assert refs(base["introduced"]) == [*MANUAL, "expense_types/Airfare", "expense_types/Meals"]
    assert base["pending_on_base"] == [] and base["withdrawn"] == []
    text = project.plan("--base", "empty").stdout
    assert f"The base has no manifests at {MANIFESTS}: everything is introduced" in text


def test_invalid_base_manifests_still_show_the_plan_and_say_why(project: Project) -> None:
    main_tree = project.repo / ".." / "broken-tree"
    git(project.repo, "worktree", "add", "-q", "-b", "broken", str(main_tree), "main")
    try:
        edit(main_tree / MANIFESTS / TE_FILE, "description: Air travel", "descripton: Air travel")
        git(main_tree, "commit", "-q", "-am", "typo")
    finally:
        git(project.repo, "worktree", "remove", "--force", str(main_tree))
    data = project.plan_json("--base", "broken")
    base = data["base"]
    assert base["status"] == "unavailable"
    assert base["introduced"] is None and base["pending_on_base"] is None
    assert f"broken:{MANIFESTS}/{TE_FILE}:35:5: unknown key 'descripton'" in base["error"]
    assert "intacct-reconcile-base-" not in base["error"]  # no temporary paths
    assert refs(data["changes"]) == [*MANUAL, "expense_types/Airfare", "expense_types/Meals"]
    result = project.plan("--base", "broken", "--detailed-exitcode")
    assert result.exit_code == 2  # the head plan's verdict, as without --base
    assert "Split unavailable: the base manifests cannot be planned" in result.stdout


def test_a_ref_that_does_not_exist_is_a_clear_error(project: Project) -> None:
    result = project.plan("--base", "mian")
    assert result.exit_code == 1
    assert "--base mian: no such git ref or commit" in result.stderr
    assert "did you mean main" in result.stderr and "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_path_outside_git_needs_a_folder_base(project: Project, tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    shutil.copytree(project.manifests, loose, ignore=shutil.ignore_patterns(".intacct-reconcile"))
    result = invoke_cli("plan", loose, "--quiet", "--base", "main")
    assert result.exit_code == 1
    assert "is not inside a git repository" in result.stderr
    assert "pass --base a folder" in result.stderr


def test_a_config_that_differs_from_the_base_is_noted(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "base"
    shutil.copytree(project.manifests, folder, ignore=shutil.ignore_patterns(".intacct-reconcile"))
    (folder / "intacct-reconcile.yaml").write_text("targets: {}\n")
    base = project.plan_json("--base", str(folder))["base"]
    assert base["config_differs"] is True
    assert any("both plans use this pull request's config" in n for n in base["notes"])


def test_only_and_several_targets_are_refused_with_base(project: Project) -> None:
    only = project.plan("--base", "main", "--only", "expense_types/Meals")
    assert only.exit_code == 1 and "--base cannot be combined with --only" in only.stderr
    fleet = project.plan("--base", "main", "--target", "all")
    assert fleet.exit_code == 1
    assert "run `plan --base REF --target T` once per target" in fleet.stderr


def test_a_single_manifest_file_is_read_from_the_ref_too(project: Project) -> None:
    config = project.manifests / "intacct-reconcile.yaml"
    result = invoke_cli(
        "plan", project.manifests / TE_FILE, "--config", config,
        "--quiet", "--format", "json", "--base", "main",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    base = json.loads(result.stdout)["base"]
    assert base["path"] == f"{MANIFESTS}/{TE_FILE}"
    assert refs(base["introduced"]) == ["expense_types/Meals"]
    assert refs(base["pending_on_base"]) == ["te_settings/te_settings", "expense_types/Airfare"]
    assert base["withdrawn"][0]["source"] == f"main:{MANIFESTS}/{TE_FILE}:40"


def test_the_saved_plan_applies_as_usual(project: Project, tmp_path: Path) -> None:
    """Last: it writes to Intacct. The file made with --base holds the whole head plan."""
    saved = tmp_path / "plan.json"
    assert project.plan("--base", "main", "--out", saved).exit_code == 0
    applied = invoke_cli("apply", saved, "--config", project.manifests / "intacct-reconcile.yaml")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    after = project.plan_json("--base", "main")
    assert [c for c in after["changes"] if c["action"] != "manual"] == []
    # the drift is repaired and Meals renamed: on base, only Meals' old name is left to undo
    assert refs(after["base"]["withdrawn"]) == ["expense_types/Meals", "expense_types/Mileage"]


def test_a_base_identical_to_the_work_tree_introduces_nothing(tmp_path: Path) -> None:
    """Before any apply (the embedded sandbox): every change is pending on base, the package
    file included, though the base's copy of it lies elsewhere on disk."""
    repo = tmp_path / "repo"
    shutil.copytree(
        BLUEPRINT, repo / MANIFESTS, ignore=shutil.ignore_patterns(".intacct-reconcile")
    )
    (repo / ".gitignore").write_text(".intacct-reconcile/\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "blueprint")
    result = invoke_cli("plan", repo / MANIFESTS, "--quiet", "--format", "json", "--base", "main")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    base = data["base"]
    assert base["introduced"] == [] and base["withdrawn"] == []
    assert refs(base["pending_on_base"]) == refs([c for c in data["changes"] if c["pending"]])
    assert "custom_packages/Expensify" in refs(base["pending_on_base"])
    # the pull request ships a new version of the package file
    package = repo / MANIFESTS / "expensify-package.xml"
    package.write_text(package.read_text().replace("</", "<!-- v2 --></", 1))
    base = project_json(repo / MANIFESTS, "--base", "main")["base"]
    (entry,) = base["introduced"]
    assert (entry["kind"], entry["reason"]) == ("custom_packages", "differs")
    assert entry["introduced_fields"] == ["digest"] and entry["pending_on_base_fields"] == ["file"]
    file_on_base = entry["base_change"]["fields"][0]
    assert file_on_base["after"] == f"main:{MANIFESTS}/expensify-package.xml"


def project_json(manifests: Path, *extra: str) -> dict[str, Any]:
    result = invoke_cli("plan", manifests, "--quiet", "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)
