"""intacct-reconcile.yaml mistakes, sandbox databases that cannot open, missing credentials."""

from __future__ import annotations

import time
from pathlib import Path

from tests.cli_robustness.conftest import Invoke, assert_user_error

from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.settings import load_config, resolve_target

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def _config(project: Path, text: str) -> None:
    (project / "intacct-reconcile.yaml").write_text(text, encoding="utf-8")


def test_billion_laughs_config_is_refused_quickly(cli: Invoke, project: Path) -> None:
    # the schema check used to walk every aliased copy: minutes of CPU for a 9-line file
    _config(project, BOMB + "targets: {s: {sandbox: true, vars: {x: *h}}}\n")
    started = time.monotonic()
    result = cli("validate", project)
    assert time.monotonic() - started < 10
    assert_user_error(result, "intacct-reconcile.yaml:", "aliases nested too deep")


def test_config_anchors_within_reason_still_work(cli: Invoke, project: Path) -> None:
    _config(project, "default_target: a\ntargets:\n  a: &t {sandbox: true}\n  b: *t\n")
    assert cli("validate", project).exit_code == 0


def test_sandbox_db_that_is_a_directory_is_a_clear_error(cli: Invoke, project: Path) -> None:
    (project / "state").mkdir()
    _config(project, "targets:\n  s: {sandbox: true, db: state}\n")
    assert_user_error(cli("plan", project, "-q"), "is a directory", "`db:`")


def test_sandbox_db_that_is_not_a_database_is_a_clear_error(cli: Invoke, project: Path) -> None:
    (project / "junk.db").write_text("not sqlite at all\n" * 100)
    _config(project, "targets:\n  s: {sandbox: true, db: junk.db}\n")
    assert_user_error(cli("plan", project, "-q"), "junk.db", "cannot open the sandbox database")


def test_sandbox_db_under_a_file_is_a_clear_error(cli: Invoke, project: Path) -> None:
    (project / "afile").write_text("x")
    _config(project, "targets:\n  s: {sandbox: true, db: afile/sandbox.db}\n")
    assert_user_error(cli("plan", project, "-q"), "cannot create the sandbox database")


def test_missing_credentials_name_env_vars_ini_keys_and_company_id(tmp_path: Path) -> None:
    config = tmp_path / "intacct-reconcile.yaml"
    config.write_text("targets:\n  prod: {entity: ''}\n")
    target = resolve_target(load_config(config), None)
    env = {"INTACCT_SENDER_ID": "s", "INTACCT_SENDER_PASSWORD": "SenderPw-123"}
    try:
        load_credentials(target, env, tmp_path / "none.ini")
    except Exception as exc:
        message = str(exc)
    else:
        raise AssertionError("missing credentials were accepted")
    assert "INTACCT_USER_ID, INTACCT_USER_PASSWORD, INTACCT_COMPANY_ID" in message
    assert "`company_id:` on the target" in message
    assert "user_id, user_password, company_id in a [default] profile" in message
    assert "SenderPw-123" not in message


def test_served_sandbox_target_keeps_its_own_company_id(tmp_path: Path) -> None:
    # the served sandbox's default company (DEMO) used to contradict the target's company
    config = tmp_path / "intacct-reconcile.yaml"
    config.write_text("targets:\n  local: {endpoint: 'http://127.0.0.1:8765', company_id: ACME}\n")
    target = resolve_target(load_config(config), None)
    xml, _ = load_credentials(target, {}, tmp_path / "none.ini")
    assert xml.company_id == "ACME"
    assert xml.user_id == "admin"  # the other sandbox defaults still apply
