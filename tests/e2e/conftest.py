"""Fixtures for end-to-end runs of the vendor blueprints through the CLI.

Each test works on a copy of a blueprint folder in tmp_path, so the sandbox database
(`.intacct-reconcile/sandbox.db`), attestations and audit log land there, never in the repo.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "examples" / "configs"
STATE_DIR = ".intacct-reconcile"

# One folder per seed guide; least-privilege variants sit next to their guide folder.
GUIDE_BLUEPRINTS = ("expensify", "bill-spend-center", "pleo", "sage-dmo", "leanix")
LEAST_PRIVILEGE = {
    "expensify-least-privilege": "expensify",
    "bill-spend-center-least-privilege": "bill-spend-center",
    "pleo-least-privilege": "pleo",
    "leanix-least-privilege": "leanix",
}
ALL_BLUEPRINTS = GUIDE_BLUEPRINTS + tuple(LEAST_PRIVILEGE)


def copy_blueprint(name: str, dest: Path) -> Path:
    """Copy examples/configs/<name> to dest/<name>, leaving any local sandbox state behind."""
    target = dest / name
    shutil.copytree(CONFIGS / name, target, ignore=shutil.ignore_patterns(STATE_DIR))
    return target


Invoke = Callable[..., Result]


@pytest.fixture
def cli() -> Invoke:
    """Run the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke
