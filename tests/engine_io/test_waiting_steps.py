"""Open manual steps are not drift: `plan --detailed-exitcode` keeps the two apart.

2: changes the tool can make, or a manual step whose declared value changed since it was
attested; 6: nothing but manual steps waiting for a person; 0: nothing to do.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine_io.conftest import Invoke

SENDER = "sender_ids/testsender"


def detailed(cli: Invoke, project: Path, *extra: str) -> tuple[int, str]:
    result = cli("plan", project, "--detailed-exitcode", "--quiet", *extra)
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout


def test_a_step_waiting_for_a_person_is_not_drift(cli: Invoke, project: Path) -> None:
    applied = cli("apply", project, "--auto-approve", "--quiet")
    assert applied.exit_code == 0, applied.stderr
    code, text = detailed(cli, project)
    assert code == 6, text
    assert text.splitlines()[1] == (
        "0 to create, 0 to update, 0 to delete, 1 manual (0 changed, 1 waiting for a person)"
    )
    code, md = detailed(cli, project, "--format", "markdown")
    assert code == 6 and "1 manual (0 changed, 1 waiting for a person)" in md
    code, out = detailed(cli, project, "--format", "json")
    data = json.loads(out)
    assert code == 6
    assert data["summary"]["changes"] == 0 and data["summary"]["waiting"] == 1
    step = next(c for c in data["changes"] if f"{c['kind']}/{c['key']}" == SENDER)
    assert step["waiting"] is True

    assert cli("attest", SENDER, "--path", project, "--by", "tester").exit_code == 0
    assert detailed(cli, project)[0] == 0


def test_a_step_whose_declared_value_changed_is_a_change(cli: Invoke, project: Path) -> None:
    assert cli("apply", project, "--auto-approve", "--quiet").exit_code == 0
    assert cli("attest", SENDER, "--path", project, "--by", "tester").exit_code == 0
    access = project / "access.yaml"
    access.write_text(access.read_text().replace("Test integration", "Renamed integration"))
    code, text = detailed(cli, project)
    assert code == 2, text
    assert "1 manual (1 changed, 0 waiting for a person)" in text
    data = json.loads(detailed(cli, project, "--format", "json")[1])
    assert data["summary"]["changes"] == 1 and data["summary"]["waiting"] == 0


def test_api_changes_and_waiting_steps_together_exit_2(cli: Invoke, project: Path) -> None:
    code, text = detailed(cli, project)
    assert code == 2
    assert "1 manual (0 changed, 1 waiting for a person)" in text
