"""A randomised company (every kind, unicode and punctuation, leading zeros, entities, hand
edits in the UI) exports to manifests that validate and plan as "in sync"."""

from __future__ import annotations

from pathlib import Path

from e2e.conftest import Invoke
from export import company as generator
from export.test_blueprint_export import export_and_replan

SEED = 20261204


def build(cli: Invoke, folder: Path, seed: int, size: int) -> generator.Company:
    """Apply a generated company to a fresh sandbox, then make its hand edits in the UI."""
    company = generator.generate(seed, size)
    generator.write(company, folder)
    (folder / "intacct-reconcile.yaml").write_text(
        "default_target: sandbox\ntargets:\n  sandbox:\n    sandbox: true\n", encoding="utf-8"
    )
    applied = cli("apply", folder, "--auto-approve", "--quiet")
    assert applied.exit_code == 0, applied.output
    db = folder / ".intacct-reconcile" / "sandbox.db"
    for command in company.ui_commands:
        done = cli("sandbox", "ui", *command, "--db", db)
        assert done.exit_code == 0, (command, done.output)
    return company


def test_random_company_round_trips_through_export(tmp_path: Path, cli: Invoke):
    company = build(cli, tmp_path / "team", SEED, size=14)
    assert company.object_count >= 150
    db = tmp_path / "team" / ".intacct-reconcile" / "sandbox.db"
    export_and_replan(cli, db, tmp_path / "adopted")
