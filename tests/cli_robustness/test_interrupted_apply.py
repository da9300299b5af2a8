"""Ctrl-C in the middle of an apply: exit 130, and the audit log still records the apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.cli_robustness.conftest import Invoke

from intacct_reconcile import applier, audit


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
    recorded = audit.applies(project)[-1]
    assert recorded.begin["by"] == "ops" and recorded.end is not None
    assert recorded.end["status"] == "interrupted"
    assert recorded.final() == {"gl_accounts/2110": "interrupted"}
