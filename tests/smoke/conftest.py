"""A served sandbox (real HTTP on 127.0.0.1) with the Expensify blueprint applied once per
module; each test works on its own copy of the project and the database."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app as cli_app
from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.serve import served

REPO = Path(__file__).resolve().parents[2]
BLUEPRINT = REPO / "examples" / "configs" / "expensify"
USER = "xmlgateway_expensify"
PASSWORD_ENV = "EXPENSIFY_WS_PASSWORD"
PASSWORD = "Xq7-smoke-Pw-4f1a9c"  # the user's password in the sandbox (a test secret)

Invoke = Callable[..., Result]


@dataclass
class Company:
    """A project folder whose default target is the sandbox served at `url`."""

    project: Path
    db: Path
    app: SandboxApp
    url: str


def run_cli(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(cli_app, [str(a) for a in args], input=input, catch_exceptions=False)


def _point_at(project: Path, url: str) -> None:
    config = project / "intacct-reconcile.yaml"
    text = re.sub(
        r"    sandbox: true[^\n]*\n",
        f'    endpoint: "{url}"\n    company_id: DEMO\n',
        config.read_text(),
    )
    config.write_text(text)


@contextmanager
def serving(project: Path, db: Path) -> Iterator[Company]:
    app = make_app(str(db))
    try:
        with served(app) as url:
            _point_at(project, url)
            yield Company(project, db, app, url)
    finally:
        app.store.close()


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The blueprint applied once (the user exists, its password set as Intacct would email
    it): the project folder and database to copy."""
    root = tmp_path_factory.mktemp("applied")
    project = root / "expensify"
    shutil.copytree(BLUEPRINT, project, ignore=shutil.ignore_patterns(".intacct-reconcile"))
    original = (project / "intacct-reconcile.yaml").read_text()
    db = root / "served.db"
    with serving(project, db) as served_company:
        done = run_cli("apply", project, "--auto-approve", "--quiet")
        assert done.exit_code == 0, done.output
        company.set_user_password(served_company.app.store, USER, PASSWORD)
    (project / "intacct-reconcile.yaml").write_text(original)
    shutil.rmtree(project / ".intacct-reconcile" / "locks", ignore_errors=True)
    return project, db


@pytest.fixture
def served_company(applied: tuple[Path, Path], tmp_path: Path) -> Iterator[Company]:
    project, db = applied
    mine = tmp_path / "expensify"
    shutil.copytree(project, mine)
    shutil.copy(db, tmp_path / "served.db")
    with serving(mine, tmp_path / "served.db") as served_company:
        yield served_company
