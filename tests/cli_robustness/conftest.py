"""Fixtures for the CLI robustness tests: a small manifest folder and the CLI in-process.

Each test plays a user mistake and checks the contract: one message on stderr, the
documented exit code, and never a Python traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app

Invoke = Callable[..., Result]

MANIFEST = """\
version: 1
sender_ids:
  acme: {description: Acme integration}
gl_accounts:
  "2110": {title: Clearing, type: balance_sheet, normal_balance: credit, closing_type: non_closing}
"""
CONFIG = """\
default_target: sandbox
targets:
  sandbox: {sandbox: true}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "intacct"
    folder.mkdir()
    (folder / "main.yaml").write_text(MANIFEST, encoding="utf-8")
    (folder / "intacct-reconcile.yaml").write_text(CONFIG, encoding="utf-8")
    return folder


@pytest.fixture
def cli() -> Invoke:
    """The CLI in-process; stdout and stderr kept apart; exceptions surface as failures."""
    runner = CliRunner()

    def invoke(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def assert_user_error(result: Result, *fragments: str, code: int = 1) -> None:
    """The contract for a mistake a user can make: exit code, message, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
