"""Adopting a company: every blueprint applied to a fresh sandbox exports to manifests that
validate and plan as "in sync" (`plan --detailed-exitcode` exits 0), without the originals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from e2e.conftest import ALL_BLUEPRINTS, Invoke, copy_blueprint
from e2e.test_blueprints import converge, db_of, perform_ui_steps


def adopting_config(db: Path) -> str:
    """A config for the export folder: the same sandbox company, as a new repository would."""
    return yaml.safe_dump(
        {"default_target": "sandbox", "targets": {"sandbox": {"sandbox": True, "db": str(db)}}}
    )


def export_and_replan(cli: Invoke, db: Path, out: Path, *extra: str) -> str:
    """export -> validate -> plan --detailed-exitcode; returns the export's summary."""
    out.mkdir()
    (out / "intacct-reconcile.yaml").write_text(adopting_config(db), encoding="utf-8")
    config = out / "intacct-reconcile.yaml"
    exported = cli("export", "--out", out, "--config", config, "--force", "--quiet", *extra)
    assert exported.exit_code == 0, exported.output
    valid = cli("validate", out)
    assert valid.exit_code == 0, valid.output
    planned = cli("plan", out, "--detailed-exitcode", "--quiet")
    assert planned.exit_code == 0, planned.output
    return exported.stdout


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_blueprint_company_exports_to_manifests_that_plan_empty(
    name: str, tmp_path: Path, cli: Invoke
):
    folder = copy_blueprint(name, tmp_path)
    applied = cli("apply", folder, "--auto-approve", "--by", "e2e", "--quiet")
    assert applied.exit_code == 0, applied.output
    perform_ui_steps(cli, folder)
    out = tmp_path / "adopted"
    summary = export_and_replan(cli, db_of(folder), out)
    assert "templates to fill in from the UI" in summary
    for path in sorted(p for p in out.glob("*.yaml") if p.name != "intacct-reconcile.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "# yaml-language-server: $schema=manifest.schema.json", path
        assert lines[1].startswith("# Exported from company "), path
    assert (out / "manifest.schema.json").is_file()
    # packages: recorded by what is installed, no package file needed to plan
    if (folder / "package.yaml").exists():
        packages = yaml.safe_load((out / "custom_packages.yaml").read_text(encoding="utf-8"))
        for package in packages["custom_packages"].values():
            assert set(package) == {"digest"} and package["digest"].startswith("sha256:")
    else:  # no live object of a kind: no file for it
        assert not (out / "custom_packages.yaml").exists()


def test_single_file_export_plans_empty(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("sage-dmo", tmp_path)
    assert cli("apply", folder, "--auto-approve", "--quiet").exit_code == 0
    out = tmp_path / "adopted"
    export_and_replan(cli, db_of(folder), out, "--single-file")
    assert sorted(p.name for p in out.iterdir()) == [
        "intacct-reconcile.yaml",
        "intacct.yaml",
        "manifest.schema.json",
    ]
    document = yaml.safe_load((out / "intacct.yaml").read_text(encoding="utf-8"))
    assert {"roles", "web_services_users", "custom_packages", "gl_accounts"} <= set(document)


def test_unmanaged_writes_only_what_the_manifests_do_not_declare(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify", tmp_path)
    converge(cli, folder)  # applied, UI steps done, attested: the team's plan is empty
    db = str(db_of(folder))
    edited = cli("sandbox", "ui", "edit-record", "GLACCOUNT", "6200", "TITLE=Travel", "--db", db)
    assert edited.exit_code == 0, edited.output
    team_files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    # adopt into the team's own folder: no prompt, no --force, no file replaced
    result = cli("export", "--out", folder, "--unmanaged", folder, "--quiet")
    assert result.exit_code == 0, result.output
    for name, content in team_files.items():
        assert (folder / name).read_bytes() == content, f"{name} was overwritten"
    new = {p.name for p in folder.iterdir() if p.is_file()} - set(team_files)
    # roles.yaml is not the team's: written as is; gl accounts were all undeclared
    assert "roles.yaml" in new and "gl_accounts.yaml" in new
    assert "web_services_users.yaml" not in new  # its one user is declared: nothing new
    assert "sender_ids.yaml" not in new  # declared by the blueprint: no template
    assert "ip_allowlist.yaml" in new  # not declared: a template to fill in
    roles = yaml.safe_load((folder / "roles.yaml").read_text(encoding="utf-8"))["roles"]
    assert set(roles) == {"Administrator"}  # Expensify is the team's already
    accounts = yaml.safe_load((folder / "gl_accounts.yaml").read_text(encoding="utf-8"))
    assert accounts["gl_accounts"]["6200"]["title"] == "Travel"

    # the team's files plus the adopted ones: valid, and still nothing to do
    assert cli("validate", folder).exit_code == 0
    planned = cli("plan", folder, "--detailed-exitcode", "--quiet")
    assert planned.exit_code == 0, planned.output

    # a second run finds nothing new to write
    again = cli("export", "--out", folder, "--unmanaged", folder, "--quiet")
    assert again.exit_code == 0, again.output
    assert "nothing to export" in again.stdout or "0 objects" in again.stdout
    assert not (folder / "roles-2.yaml").exists()


def test_counts_name_the_objects_written(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("expensify", tmp_path)
    assert cli("apply", folder, "--auto-approve", "--quiet").exit_code == 0
    config = folder / "intacct-reconcile.yaml"
    result = cli(
        "export",
        "--kind",
        "web_services_users",
        "--kind",
        "credit_card_accounts",
        "--out",
        tmp_path / "o",
        "--config",
        config,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    # USERINFO holds the UI admin too: only the web services user is exported and counted
    assert "web_services_users: 1 object (web_services_users.yaml)\n" in result.stdout + "\n"
    assert "exported 1 object of 1 kind" in result.stdout
    assert not (tmp_path / "o" / "credit_card_accounts.yaml").exists()  # none live: no file


def test_a_folder_with_files_is_refused_without_force(tmp_path: Path, cli: Invoke):
    folder = copy_blueprint("leanix", tmp_path)
    config = folder / "intacct-reconcile.yaml"
    out = tmp_path / "o"
    out.mkdir()
    (out / "roles.yaml").write_text("version: 1\n")
    refused = cli("export", "--out", out, "--config", config, "--quiet")
    assert refused.exit_code == 1
    assert "--force" in refused.stderr and "roles.yaml" in refused.stderr
    assert (out / "roles.yaml").read_text() == "version: 1\n"
    forced = cli("export", "--out", out, "--config", config, "--quiet", "--force")
    assert forced.exit_code == 0, forced.output
    assert "Administrator" in (out / "roles.yaml").read_text()
