"""An Expensify apply on a sandbox served over real HTTP, converged, and its evidence bundle.

The sandbox runs with credentials of our own (from INTACCT_* variables), so the bundle can be
searched for them; the role's description is hostile HTML, so the report's escaping is tested.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from e2e.conftest import copy_blueprint
from e2e.test_blueprints import load_manifests, te_preference
from engine_io.served import served_sandbox
from intacct_reconcile.cli import app
from intacct_reconcile.kinds.module_subscriptions import MODULE_NAMES
from intacct_reconcile.sandbox import company as sandbox_company
from intacct_reconcile.sandbox.rest_api import tokens_for
from intacct_reconcile.sandbox.store import Store

CREDENTIALS = {
    "INTACCT_SENDER_ID": "intacct_reconcile",
    "INTACCT_SENDER_PASSWORD": "Snd-Pw-9d41c7e0-EVID",
    "INTACCT_COMPANY_ID": "DEMO",
    "INTACCT_USER_ID": "admin",
    "INTACCT_USER_PASSWORD": "Usr-Pw-2a6f93bb-ENCE",
    "INTACCT_CLIENT_ID": "sandbox-client",
    "INTACCT_CLIENT_SECRET": "Cli-Sec-77e0b5d2-BNDL",
}
SECRETS = ("INTACCT_SENDER_PASSWORD", "INTACCT_USER_PASSWORD", "INTACCT_CLIENT_SECRET")
HOSTILE = '<script>alert("owned")</script> & <img src=x onerror=alert(1)>'
PR_NUMBER = 4242
APPROVERS = "carol,alice"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def run(*args: str | Path, ok: bool = True) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.stdout + result.stderr
    return result


@dataclass
class Applied:
    folder: Path  # the manifests (and .intacct-reconcile/)
    plan: Path  # the reviewed plan file
    db: Path  # the served sandbox's database
    url: str
    apply_id: str
    secrets: list[str]  # credentials, session ids and REST tokens of the runs
    sessions: list[str]  # the XML session ids among them


def own_credentials(store: Store) -> None:
    """The served company signs in with the credentials above, not the documented defaults."""
    sender_password = CREDENTIALS["INTACCT_SENDER_PASSWORD"]
    sandbox_company.set_sender_password(store, "intacct_reconcile", sender_password)
    sandbox_company.set_user_password(store, "admin", CREDENTIALS["INTACCT_USER_PASSWORD"])
    sandbox_company.set_rest_client(
        store, CREDENTIALS["INTACCT_CLIENT_ID"], CREDENTIALS["INTACCT_CLIENT_SECRET"]
    )


def point_at(folder: Path, url: str) -> None:
    """A `local` target for the served sandbox, with the blueprint's sandbox vars, as default."""
    path = folder / "intacct-reconcile.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    variables = config["targets"]["sandbox"]["vars"]
    config["targets"]["local"] = {"endpoint": url, "company_id": "DEMO", "vars": variables}
    config["default_target"] = "local"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def ui(db: Path, *args: str) -> None:
    """What an admin does by hand in Intacct's UI (the sandbox's own admin commands)."""
    run("sandbox", "ui", *args, "--db", db)


def converge(folder: Path, db: Path) -> None:
    """Perform the blueprint's manual steps in the UI and attest those no API reads back."""
    manifests = load_manifests(folder)
    for module in manifests.get("module_subscriptions", {}):
        ui(db, "subscribe", MODULE_NAMES[module])
    for name, value in manifests.get("te_settings", {}).items():
        ui(db, "set-te-pref", *te_preference(name, value))
    for sender, spec in manifests.get("sender_ids", {}).items():
        ui(db, "authorize-sender", sender, "--description", (spec or {}).get("description", ""))
        run("attest", f"sender_ids/{sender}", "--path", folder, "--by", "controller")


def session_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT sessionid FROM sessions")]


def issued_tokens(served_app: object) -> list[str]:
    tokens = tokens_for(served_app)
    return [*tokens._tokens, *getattr(tokens, "_refresh", {})]


@contextmanager
def applied_blueprint(root: Path, *, hostile: bool = True) -> Iterator[Applied]:
    """Expensify planned (--out), applied from the plan file and converged, on a served
    sandbox with our own credentials; the server keeps running inside the block."""
    folder = copy_blueprint("expensify", root)
    if hostile:
        access = folder / "access.yaml"
        text = access.read_text(encoding="utf-8")
        marker = "description: Expensify integration (expense reports and vendor bills)"
        assert marker in text
        access.write_text(text.replace(marker, f"description: '{HOSTILE}'"), encoding="utf-8")
    db = root / "served.db"
    with pytest.MonkeyPatch.context() as env, served_sandbox(db) as (served_app, url):
        for name, value in CREDENTIALS.items():
            env.setenv(name, value)
        own_credentials(served_app.store)
        point_at(folder, url)
        plan = root / "plan.json"
        run("plan", folder, "--out", plan, "--quiet")
        run(
            "apply",
            plan,
            "--config",
            folder / "intacct-reconcile.yaml",
            "--by",
            "ci-bot",
            "--quiet",
        )
        converge(folder, db)
        records = [json.loads(line) for line in (folder / LOG).read_text().splitlines()]
        apply_id = records[-1]["apply"]
        applied = Applied(folder, plan, db, url, apply_id, [], [])
        yield applied
        applied.secrets += [CREDENTIALS[n] for n in SECRETS]
        applied.sessions = session_ids(db)
        applied.secrets += applied.sessions + issued_tokens(served_app)


LOG = Path(".intacct-reconcile") / "audit.log"


@dataclass
class Bundle:
    applied: Applied
    folder: Path  # the evidence folder
    zip: Path
    output: str  # what `evidence` printed


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """One converged apply and its evidence (with CI approval context), shared by the tests
    that only read it (they copy before changing anything)."""
    root = tmp_path_factory.mktemp("evidence")
    event = root / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": PR_NUMBER, "title": "roles"}}))
    with applied_blueprint(root) as applied, pytest.MonkeyPatch.context() as env:
        env.setenv("GITHUB_EVENT_PATH", str(event))
        env.setenv("INTACCT_RECONCILE_APPROVERS", APPROVERS)
        env.setenv("GITHUB_SHA", COMMIT)
        out = root / "bundle"
        result = run("evidence", applied.folder, "--plan", applied.plan, "--out", out)
    return Bundle(applied, out, root / "bundle.zip", result.stdout)


def bundle_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
