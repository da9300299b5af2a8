"""People who sign in to the UI are not web services users: never unmanaged, never removed."""

from __future__ import annotations

from pathlib import Path

from intacct_reconcile.sandbox import objects

from .conftest import STATE_DIR, Invoke, actions, plan_json, record


def _add_ui_user(project: Path, company, login: str) -> None:
    store = company()
    objects.create(
        store,
        "USERINFO",
        {
            "LOGINID": login,
            "CONTACTINFO": {"FIRSTNAME": "Jo", "LASTNAME": "Doe", "EMAIL1": "jo@demo.example"},
            "USERTYPE": "business user",
            "LOGINDISABLED": "false",
        },
        via="seed",
    )


def test_full_ownership_never_touches_people_who_sign_in_to_the_ui(
    cli: Invoke, project: Path, company
):
    assert cli("plan", project, "--quiet").exit_code == 0  # creates the sandbox company
    _add_ui_user(project, company, "jdoe")
    config = project / "intacct-reconcile.yaml"
    config.write_text(config.read_text() + "ownership: {web_services_users: full}\n")

    plan = plan_json(cli, project)

    refs = actions(plan)
    assert "web_services_users/jdoe" not in refs
    assert "web_services_users/admin" not in refs
    unmanaged = {f"{u['kind']}/{u['key']}" for u in plan["unmanaged"]}
    assert "web_services_users/jdoe" not in unmanaged
    assert refs["web_services_users/xmlgateway_test"] == "create"

    result = cli("apply", project, "--auto-approve", "--quiet")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert record(company(), "USERINFO", "jdoe")["STATUS"] == "active"
    assert (project / STATE_DIR / "sandbox.db").exists()


def test_a_declared_login_held_by_a_ui_user_is_a_note_not_a_second_create(
    cli: Invoke, project: Path, company
):
    assert cli("plan", project, "--quiet").exit_code == 0
    _add_ui_user(project, company, "xmlgateway_test")

    plan = plan_json(cli, project)

    assert actions(plan).get("web_services_users/xmlgateway_test") != "create"
    assert any(
        n.startswith("web_services_users/xmlgateway_test: exists in Intacct but is not a")
        for n in plan["notes"]
    )
