"""Ctrl-C in the middle of an apply: exit 130, and the audit log still records the apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli_robustness.conftest import Invoke

from intacct_reconcile import applier


def test_interrupted_apply_is_audited(
    cli: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(applier, "apply", interrupted)  # stands in for the user's Ctrl-C
    result = cli("apply", project, "--auto-approve", "--quiet", "--by", "ops")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert "Traceback" not in result.stderr
    lines = (project / ".intacct-reconcile" / "audit.log").read_text().splitlines()
    entry = json.loads(lines[-1])
    assert entry["who"] == "ops"
    assert {(r["ref"], r["status"]) for r in entry["results"]} == {
        ("gl_accounts/2110", "interrupted")
    }
