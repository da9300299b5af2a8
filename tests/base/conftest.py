"""A manifests repository under git, applied to a served sandbox, with a pull request on a branch.

Built once per module (planning never writes to Intacct):
  - the Expensify blueprint's manifests in `intacct/` of a git repository, with a target that
    reaches a sandbox served over real HTTP on 127.0.0.1 (request log on);
  - applied on `main`; then a merged change nobody applied yet (Mileage's description), and
    a hand edit in the sandbox UI (Airfare's description: drift);
  - branch `pr`: changes Meals' description (introduced) and reverts the Mileage change
    (withdrawn), checked out in the work tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

REPO = Path(__file__).resolve().parents[2]
BLUEPRINT = REPO / "examples" / "configs" / "expensify"
STATE_DIR = ".intacct-reconcile"
MANIFESTS = "intacct"
TE_FILE = "time-and-expenses.yaml"

Invoke = Callable[..., Result]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def invoke_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@dataclass
class Project:
    repo: Path  # the git repository (work tree on branch `pr`)
    manifests: Path  # repo/intacct
    db: Path  # the served sandbox's database
    log: Path  # its JSON-lines request log
    base_commit: str  # main

    def requests(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def plan(self, *extra: str | Path) -> Result:
        return invoke_cli("plan", self.manifests, "--quiet", *extra)

    def plan_json(self, *extra: str | Path) -> dict[str, Any]:
        result = self.plan("--format", "json", *extra)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


def write_config(manifests: Path, endpoint: str) -> None:
    """The blueprint's config with one target reaching the served sandbox (its vars kept)."""
    config = yaml.safe_load((BLUEPRINT / "intacct-reconcile.yaml").read_text())
    local = {
        "endpoint": endpoint,
        "company_id": "DEMO",
        "vars": config["targets"]["sandbox"]["vars"],
    }
    config = {**config, "default_target": "local", "targets": {"local": local}}
    (manifests / "intacct-reconcile.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("plan-base")
    db, log = root / "sandbox.db", root / "requests.jsonl"
    with (
        pytest.MonkeyPatch.context() as env,
        served(make_app(db=str(db), options=SandboxOptions(log_path=str(log)))) as endpoint,
    ):
        for var in ("INTACCT_PROFILE", "INTACCT_COMPANY_ID", "INTACCT_USER_PASSWORD"):
            env.delenv(var, raising=False)
        env.setenv("HOME", str(root / "home"))  # no ~/.intacct/credentials.ini
        repo = root / "repo"
        manifests = repo / MANIFESTS
        shutil.copytree(BLUEPRINT, manifests, ignore=shutil.ignore_patterns(STATE_DIR))
        write_config(manifests, endpoint)
        (repo / ".gitignore").write_text(f"{STATE_DIR}/\n")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "Expensify blueprint")
        applied = invoke_cli("apply", manifests, "--auto-approve", "--quiet")
        assert applied.exit_code == 0, applied.stdout + applied.stderr
        # merged on main, never applied
        edit(manifests / TE_FILE, "Personal car mileage", "Car mileage")
        git(repo, "commit", "-q", "-am", "Mileage: shorter description")
        # someone edits an expense type by hand in the UI
        ui = invoke_cli(
            "sandbox", "ui", "edit-record", "EEACCOUNTLABEL", "Airfare",
            "DESCRIPTION=Edited by hand", "--db", db,
        )  # fmt: skip
        assert ui.exit_code == 0, ui.stdout + ui.stderr
        base_commit = git(repo, "rev-parse", "main")
        # the pull request
        git(repo, "checkout", "-q", "-b", "pr")
        edit(manifests / TE_FILE, "Meals and entertainment", "Meals and client entertainment")
        edit(manifests / TE_FILE, "Car mileage", "Personal car mileage")
        git(repo, "commit", "-q", "-am", "Meals: clearer description; keep Mileage's")
        yield Project(repo, manifests, db, log, base_commit)


def refs(entries: list[Mapping[str, Any]]) -> list[str]:
    return [f"{e['kind']}/{e['key']}" for e in entries]
