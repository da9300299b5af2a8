"""`sandbox ui set-password`: what Intacct's emailed password is for a new web services user.
The password is read from stdin or an environment variable, never printed, never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import make_app

from .conftest import run_cli

SECRET = "Fresh-Pw-93kd-zz1"


def check(db: Path, login: str, password: str) -> bool:
    app = make_app(str(db))
    try:
        return company.check_user_password(app.store, login, password)
    finally:
        app.store.close()


def test_from_stdin_never_echoed_nor_stored(tmp_path: Path):
    db = tmp_path / "sandbox.db"
    done = run_cli("sandbox", "ui", "set-password", "admin", "--db", db, input=SECRET + "\n")
    assert done.exit_code == 0, done.output
    assert SECRET not in done.output and "set the password of user admin" in done.output
    assert check(db, "admin", SECRET) and not check(db, "admin", company.ADMIN_PASSWORD)
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert SECRET.encode() not in stored


def test_from_an_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = tmp_path / "sandbox.db"
    monkeypatch.setenv("NEW_WS_PASSWORD", SECRET)
    done = run_cli(
        "sandbox", "ui", "set-password", "admin", "--password-env", "NEW_WS_PASSWORD", "--db", db
    )
    assert done.exit_code == 0, done.output
    assert SECRET not in done.output and check(db, "admin", SECRET)


def test_unknown_user_or_no_password_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = tmp_path / "sandbox.db"
    unknown = run_cli("sandbox", "ui", "set-password", "nobody", "--db", db, input=SECRET)
    assert unknown.exit_code == 1 and "no user with login ID 'nobody'" in unknown.output
    empty = run_cli("sandbox", "ui", "set-password", "admin", "--db", db, input="")
    assert empty.exit_code == 1 and "no password given" in empty.output
    monkeypatch.delenv("UNSET_PW", raising=False)
    unset = run_cli(
        "sandbox", "ui", "set-password", "admin", "--password-env", "UNSET_PW", "--db", db
    )
    assert unset.exit_code == 1 and "UNSET_PW is not set" in unset.output
    assert check(db, "admin", company.ADMIN_PASSWORD)
