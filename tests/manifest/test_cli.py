"""`intacct-reconcile validate` and `schema` through the real CLI (typer's CliRunner)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from intacct_reconcile.cli import app
from intacct_reconcile.manifest.schema import SCHEMA_FILE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"
runner = CliRunner()


def test_broken_manifests_exit_1_with_located_messages_and_no_traceback(tmp_path: Path) -> None:
    line_a = "  '2110': {title: X, tittle: X}"
    line_b = "  R: {permissions: {compnay: all}}"
    (tmp_path / "a.yaml").write_text(f"version: 1\ngl_accounts:\n{line_a}\n")
    (tmp_path / "b.yaml").write_text(f"version: 1\nroles:\n{line_b}\n")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"error: {tmp_path}/a.yaml:3:{line_a.index('tittle') + 1}: unknown key 'tittle' at "
        "gl_accounts/2110 — did you mean 'title'?",
        f"{tmp_path}/b.yaml:3:{line_b.index('compnay') + 1}: roles/R: unknown module 'compnay' "
        "— did you mean 'company'?",
        "2 problems found",
    ]


def test_valid_manifests_with_target_vars(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("version: 1\nvendors:\n  V1: {name: '${var.vendor_name}'}\n")
    (tmp_path / "intacct-reconcile.yaml").write_text(
        "default_target: sandbox\ntargets:\n  sandbox: {sandbox: true, vars: {vendor_name: Acme}}\n"
    )
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "valid: 1 object in 1 file" in result.output


def test_missing_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_schema_command_prints_the_checked_in_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.output == SCHEMA_FILE.read_text(encoding="utf-8")


def test_unknown_target_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("version: 1\n")
    (tmp_path / "intacct-reconcile.yaml").write_text("targets:\n  sandbox: {sandbox: true}\n")
    result = runner.invoke(app, ["validate", str(tmp_path), "--target", "prdo"])
    assert result.exit_code == 1
    assert "unknown target 'prdo'" in result.output and "Traceback" not in result.output


def test_a_directory_without_manifests_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "intacct-reconcile.yaml").write_text("targets:\n  sandbox: {sandbox: true}\n")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"no manifest files (*.yaml) in {tmp_path}" in result.output
