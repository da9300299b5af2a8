"""`export --kind roles` round-trips: the exported manifests validate and plan empty."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from roles.conftest import CONFIG, Invoke, write_roles

CUSTOM = """\
  Integration:
    description: exported and re-read
    apply_to: login_only
    permissions:
      accounts_payable:
        vendors: [list, view, add]
      company: read_only
"""


def test_export_roles_validates_and_plans_empty(cli: Invoke, project: Path) -> None:
    write_roles(project, CUSTOM)
    applied = cli("apply", project, "--auto-approve", "--quiet")
    assert applied.exit_code == 0, applied.stdout + applied.stderr

    out = project.parent / "exported"
    result = cli(
        "export",
        "--kind",
        "roles",
        "--out",
        out,
        "--config",
        project / "intacct-reconcile.yaml",
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    text = (out / "roles.yaml").read_text(encoding="utf-8")
    exported = yaml.safe_load(text)["roles"]
    assert set(exported) == {"Administrator", "Integration"}
    assert exported["Integration"]["permissions"]["accounts_payable"] == {
        "vendors": ["add", "list", "view"]
    }
    # the starter Administrator holds permissions no manifest can declare: listed as a
    # comment, not exported
    assert "# Not exported" in text
    assert "#     - Accounts Receivable / Customer refunds:" in text
    assert "customer_refunds" not in text and "customerRefunds" not in text

    validated = cli("validate", out)
    assert validated.exit_code == 0, validated.stdout + validated.stderr

    # plan the exported manifests against the same company: nothing to do
    (out / "intacct-reconcile.yaml").write_text(CONFIG, encoding="utf-8")
    shutil.copytree(project / ".intacct-reconcile", out / ".intacct-reconcile")
    planned = cli("plan", out, "--format", "json", "--quiet", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.stdout + planned.stderr
    plan = json.loads(planned.stdout)
    assert plan["changes"] == []


def test_a_fresh_company_exports_to_valid_manifests(cli: Invoke, project: Path) -> None:
    write_roles(project, CUSTOM)
    assert cli("plan", project, "--quiet").exit_code == 0  # creates the sandbox company
    out = project.parent / "exported"
    config = project / "intacct-reconcile.yaml"
    assert (
        cli("export", "--kind", "roles", "--out", out, "--config", config, "--quiet").exit_code == 0
    )
    assert set(yaml.safe_load((out / "roles.yaml").read_text())["roles"]) == {"Administrator"}
    validated = cli("validate", out)
    assert validated.exit_code == 0, validated.stdout + validated.stderr
