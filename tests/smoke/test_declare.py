"""`smoke_checks:` in the manifests: checked offline with located errors and did-you-mean
hints, and never needing the passwords it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.api import load_desired, target_vars

BASE = """\
version: 1
sender_ids:
  expensify: {description: Expensify}
web_services_users:
  xmlgateway_expensify:
    first_name: E
    last_name: X
    email: e@x.example
"""


def manifests(tmp_path: Path, smoke: str, extra: str = "") -> Path:
    (tmp_path / "base.yaml").write_text(BASE + extra)
    (tmp_path / "smoke.yaml").write_text("version: 1\nsmoke_checks:\n" + smoke)
    return tmp_path


def problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_desired(path, env={})
    return [str(p) for p in caught.value.problems]


def test_a_declared_check_loads_without_its_password_in_the_environment(tmp_path: Path):
    path = manifests(
        tmp_path,
        "  xmlgateway_expensify:\n"
        "    password: ${env:WS_PASSWORD}\n"
        "    sender_id: expensify\n"
        "    sender_password: ${env:SENDER_PASSWORD}\n"
        "    reads: [glaccount, EMPLOYEE]\n",
    )
    (check,) = load_desired(path, env={}).smoke_checks
    assert (check.user, check.password_env, check.sender_password_env) == (
        "xmlgateway_expensify",
        "WS_PASSWORD",
        "SENDER_PASSWORD",
    )
    assert check.sender_id == "expensify" and check.reads == ("GLACCOUNT", "EMPLOYEE")
    assert str(check.span).endswith("smoke.yaml:3:3")


def test_a_literal_password_is_refused_where_it_is(tmp_path: Path):
    path = manifests(
        tmp_path,
        "  xmlgateway_expensify:\n"
        "    password: hunter2-literal\n"
        "    sender_id: expensify\n"
        "    reads: [GLACCOUNT]\n",
    )
    found = problems(path)
    assert any("smoke.yaml:4:15" in p and "literal secret" in p for p in found), found
    assert not any("hunter2-literal" in p for p in found)


def test_unknown_users_senders_and_objects_get_a_did_you_mean(tmp_path: Path):
    path = manifests(
        tmp_path,
        "  xmlgateway_expensfy:\n"
        "    password: ${env:WS_PASSWORD}\n"
        "    sender_id: expensfy\n"
        "    reads: [GLACCOUNT, EMPLOYE]\n",
    )
    found = problems(path)
    assert any(
        "smoke.yaml:3:3" in p
        and "user xmlgateway_expensfy is not declared under `web_services_users:`" in p
        and "did you mean 'xmlgateway_expensify'" in p
        for p in found
    ), found
    assert any("sender ID expensfy" in p and "did you mean 'expensify'" in p for p in found)
    assert any(
        "smoke.yaml:6:24" in p and "'EMPLOYE' is not an object" in p and "'EMPLOYEE'" in p
        for p in found
    ), found


def test_shape_errors_are_located(tmp_path: Path):
    path = manifests(
        tmp_path,
        "  xmlgateway_expensify:\n"
        "    password: ${env:WS_PASSWORD}\n"
        "    sender: expensify\n"
        "    reads: []\n",
    )
    found = problems(path)
    assert any("smoke.yaml:5" in p and "sender" in p for p in found), found
    assert any("smoke.yaml:6" in p for p in found), found


def test_a_user_being_removed_cannot_be_checked(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(
        BASE.replace("    first_name: E\n    last_name: X\n    email: e@x.example\n", "").replace(
            "  xmlgateway_expensify:\n", "  xmlgateway_expensify: {ensure: absent}\n"
        )
    )
    (tmp_path / "smoke.yaml").write_text(
        "version: 1\nsmoke_checks:\n  xmlgateway_expensify:\n"
        "    password: ${env:P}\n    sender_id: expensify\n    reads: [VENDOR]\n"
    )
    found = problems(tmp_path)
    assert any("declared `ensure: absent`" in p for p in found), found


def test_the_same_user_checked_in_two_files_names_both(tmp_path: Path):
    check = (
        "  xmlgateway_expensify:\n"
        "    password: ${env:P}\n    sender_id: expensify\n    reads: [VENDOR]\n"
    )
    path = manifests(tmp_path, check)
    (tmp_path / "smoke2.yaml").write_text("version: 1\nsmoke_checks:\n" + check)
    found = problems(path)
    assert any(
        "smoke2.yaml:3:3" in p and "also checked at" in p and "smoke.yaml:3:3" in p for p in found
    ), found


def test_every_blueprint_declares_a_check_of_its_own_user():
    repo = Path(__file__).resolve().parents[2]
    for folder in sorted((repo / "examples" / "configs").iterdir()):
        vars, _ = target_vars(folder, None, "sandbox")
        declared = load_desired(folder, vars=vars, env={})
        users = {r.key for r in declared.desired if r.kind == "web_services_users"}
        assert [c.user for c in declared.smoke_checks] == sorted(users), folder.name
