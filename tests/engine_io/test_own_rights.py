"""The tool's own user keeps the rights later runs need, and the sandbox enforces those rights
as Intacct does: only a business user with admin privileges and the Users permission writes
users, role links and roles."""

from __future__ import annotations

from pathlib import Path

from .conftest import Invoke, record

OWN_USER = """
  admin:
    first_name: Sandbox
    last_name: Admin
    email: admin@demo.example
    {field}
"""


def declare_own_user(project: Path, field: str) -> None:
    access = project / "access.yaml"
    text = access.read_text()
    access.write_text(
        text.replace("sender_ids:", OWN_USER.format(field=field).lstrip("\n") + "sender_ids:")
    )


def test_taking_own_admin_privileges_is_refused_and_forcing_it_locks_out_later_runs(
    cli: Invoke, project: Path, company
):
    # the sandbox target signs in as `admin`, a business user with admin privileges
    declare_own_user(project, 'admin: "off"')
    refused = cli("apply", project, "--auto-approve", "--quiet")
    assert refused.exit_code == 3, refused.stdout + refused.stderr
    assert "[lockout]" in refused.stderr and "web_services_users/admin" in refused.stderr
    assert "admin privileges" in refused.stderr
    assert record(company(), "USERINFO", "admin")["ADMIN"] == "Full"

    # what the guard prevents: once forced, Intacct refuses every later user change
    forced = cli(
        "apply", project, "--auto-approve", "--quiet", "--force", "--kind", "web_services_users"
    )
    assert "applied: update web_services_users/admin" in forced.stdout, (
        forced.stdout + forced.stderr
    )
    assert record(company(), "USERINFO", "admin")["ADMIN"] == "Off"
    later = cli(
        "apply",
        project,
        "--auto-approve",
        "--quiet",
        "--kind",
        "web_services_users",
        "--kind",
        "roles",
    )
    assert later.exit_code == 4, later.stdout + later.stderr
    assert "Permission denied" in later.stdout and "does not have admin privileges" in later.stdout


def test_making_own_user_view_only_is_refused(cli: Invoke, project: Path, company):
    declare_own_user(project, "user_type: view_only")
    refused = cli("apply", project, "--auto-approve", "--quiet")
    assert refused.exit_code == 3, refused.stdout + refused.stderr
    assert "view_only" in refused.stderr and "web_services_users/admin" in refused.stderr
    assert record(company(), "USERINFO", "admin")["USERTYPE"] == "business user"
