"""The read-back says NOT EMPTY after drift made by hand; `evidence` refuses what would make
false evidence (another plan file, an altered audit log) and never overwrites a bundle."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import LOG, applied_blueprint, run, ui


def test_drift_after_the_apply_makes_the_read_back_not_empty(tmp_path: Path):
    with applied_blueprint(tmp_path, hostile=False) as applied:
        # someone edits the expense type by hand in the UI after the apply
        ui(applied.db, "edit-record", "EEACCOUNTLABEL", "Airfare", "DESCRIPTION=Edited by hand")
        result = run("evidence", applied.folder, "--plan", applied.plan, "--out", tmp_path / "b")
    assert "read-back: NOT EMPTY" in result.stdout
    verdict = json.loads((tmp_path / "b" / "readback" / "result.json").read_text())
    assert verdict["status"] == "NOT EMPTY" and verdict["empty"] is False
    assert verdict["changes_to_make"] == ["update expense_types/Airfare"]
    text = (tmp_path / "b" / "readback" / "plan.txt").read_text()
    assert "Edited by hand" in text
    page = (tmp_path / "b" / "report.html").read_text()
    readback = page.split("<h2>Read-back", 1)[1]
    assert "NOT EMPTY" in readback and "expense_types/Airfare" in readback
    assert "Edited by hand" in readback
    index = json.loads((tmp_path / "b" / "index.json").read_text())
    assert index["readback"] == "NOT EMPTY"
    run("evidence", "verify", tmp_path / "b.zip")


def test_refusals(tmp_path: Path):
    with applied_blueprint(tmp_path, hostile=False) as applied:
        folder = applied.folder
        # a plan file that is not the one applied
        other = tmp_path / "other.json"
        run("plan", folder, "--out", other, "--quiet")
        wrong = run(
            "evidence",
            folder,
            "--plan",
            other,
            "--apply",
            applied.apply_id,
            "--out",
            tmp_path / "x",
            ok=False,
        )
        assert wrong.exit_code == 1
        assert "is not the plan apply" in wrong.stderr and applied.apply_id[:12] in wrong.stderr
        # `latest` with a plan file: the latest apply OF THAT PLAN, never another one
        never = run("evidence", folder, "--plan", other, "--out", tmp_path / "x", ok=False)
        assert never.exit_code == 1 and "no apply of the plan" in never.stderr
        # an unknown apply id
        unknown = run(
            "evidence", folder, "--apply", "ffffffffff", "--out", tmp_path / "x", ok=False
        )
        assert unknown.exit_code == 1 and "no such apply" in unknown.stderr
        # the apply by a unique prefix of its id
        run(
            "evidence",
            folder,
            "--apply",
            applied.apply_id[:8],
            "--out",
            tmp_path / "y",
            "--no-readback",
        )
        # never overwritten
        again = run("evidence", folder, "--out", tmp_path / "y", "--no-readback", ok=False)
        assert again.exit_code == 1 and "already exists" in again.stderr
        # the target now names another company: reading it back would prove nothing
        config = folder / "intacct-reconcile.yaml"
        original = config.read_text(encoding="utf-8")
        config.write_text(original.replace("company_id: DEMO", "company_id: OTHERCO"))
        moved = run("evidence", folder, "--out", tmp_path / "z", ok=False)
        assert moved.exit_code == 1
        assert "company 'OTHERCO', but the apply was to company 'DEMO'" in moved.stderr
        config.write_text(original)
        # an altered audit log: no evidence is made from it
        log = folder / LOG
        lines = log.read_bytes().splitlines(keepends=True)
        log.write_bytes(b"".join(lines[:3] + lines[4:]))
        tampered = run("evidence", folder, "--out", tmp_path / "z", "--no-readback", ok=False)
        assert tampered.exit_code == 1
        assert "audit.log:4:" in tampered.stderr and "altered" in tampered.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "z").exists()
    assert not (tmp_path / "z.zip").exists()
    assert (tmp_path / "y.zip").is_file()


def test_without_an_audit_log_the_error_says_where_to_look(tmp_path: Path):
    result = run("evidence", tmp_path, "--out", tmp_path / "b", ok=False)
    assert result.exit_code == 1
    assert "no audit log here" in result.stderr and "Traceback" not in result.stderr
