"""Fixtures for end-to-end runs of plan / apply / attest / export through the CLI.

Every test works on a copy of `fixtures/basic` in tmp_path: the embedded sandbox database
(`.intacct-reconcile/sandbox.db`), attestations and the audit log land there.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app
from intacct_reconcile.progress import Progress
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STATE_DIR = ".intacct-reconcile"

Invoke = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the basic manifests with a `sandbox: true` target."""
    target = tmp_path / "intacct"
    shutil.copytree(FIXTURES / "basic", target)
    return target


@pytest.fixture
def cli() -> Invoke:
    """The CLI in-process; stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def company(project: Path) -> Iterator[Callable[[], Store]]:
    """Open the project's sandbox store (after a first CLI run created it)."""
    opened: list[Store] = []

    def open_store() -> Store:
        store = Store.open(str(project / STATE_DIR / "sandbox.db"))
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def plan_json(cli: Invoke, folder: Path, *extra: str | Path) -> dict[str, Any]:
    result = cli("plan", folder, "--format", "json", "--quiet", *extra)
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)


def actions(plan: dict[str, Any]) -> dict[str, str]:
    """Pending changes by ref (attested manual steps left out)."""
    return {f"{c['kind']}/{c['key']}": c["action"] for c in plan["changes"] if c["pending"]}


def record(store: Store, obj: str, key: str) -> dict[str, Any] | None:
    return objects.get_by_key(store, obj, key)


class AnsweringUi:
    """A Ui whose confirmation is a function: the prompt logic without a terminal."""

    color = False
    color_stderr = False
    interactive = True

    def __init__(self, answer: Callable[[], bool]) -> None:
        self.answer = answer
        self.notes: list[str] = []
        self.questions: list[str] = []

    def out(self, text: str) -> None:
        self.notes.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def progress(self, *, quiet: bool) -> Progress:
        return Progress(enabled=False)

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer()
