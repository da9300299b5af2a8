"""A randomised company (every kind, unicode and punctuation, leading zeros, entities, hand
edits in the UI) exports to manifests that validate and plan as "in sync"."""

from __future__ import annotations

from pathlib import Path

import yaml

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
    company = build(cli, tmp_path / "team", SEED, size=20)
    assert company.object_count >= 200
    db = tmp_path / "team" / ".intacct-reconcile" / "sandbox.db"
    out = tmp_path / "adopted"
    export_and_replan(cli, db, out)

    def exported(kind: str) -> dict:
        return yaml.safe_load((out / f"{kind}.yaml").read_text(encoding="utf-8"))[kind]

    # objects made in an entity are exported in it, XML and REST kinds alike
    placed = 0
    for kind in (
        "gl_accounts",
        "journals",
        "employees",
        "checking_accounts",
        "credit_card_accounts",
    ):
        live = exported(kind)
        for key, values in company.manifests[kind].items():
            assert live[key].get("entity") == values.get("entity"), (kind, key)
            placed += "entity" in values
    assert placed >= 10
    # hand edits made in the UI are what is exported, not what the team once applied
    for command in company.ui_commands:
        if command[:2] == ("edit-record", "GLACCOUNT") and command[3].startswith("TITLE="):
            title = command[3].removeprefix("TITLE=")
            assert exported("gl_accounts")[command[2]]["title"] == title.replace("${", "$${")
