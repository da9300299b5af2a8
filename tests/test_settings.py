from pathlib import Path

import pytest

from intacct_reconcile.credentials import Secret, load_credentials
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.settings import Target, load_config, resolve_target

CONFIG = """\
default_target: sandbox
targets:
  sandbox: {sandbox: true}
  local: {endpoint: "http://127.0.0.1:8765", company_id: DEMO}
  prod:
    company_id: acme
    entity: ""
    vars: {accounting_email: ap@acme.example}
    ownership: {gl_accounts: full}
    concurrency: 4
ownership: {web_services_users: additive}
safety: {max_delete_percent: 20, max_update_percent: 50}
"""
PROD_ENV = {
    "INTACCT_SENDER_ID": "acme_sender",
    "INTACCT_SENDER_PASSWORD": "sender-password-1",
    "INTACCT_USER_ID": "svc_reconcile",
    "INTACCT_USER_PASSWORD": "user-password-2",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "intacct-reconcile.yaml"
    path.write_text(text)
    return path


def test_config_next_to_the_manifests_is_found_and_read(tmp_path):
    write(tmp_path, CONFIG)
    config = load_config(None, manifest_path=tmp_path)
    assert config.default_target == "sandbox"
    assert set(config.targets) == {"sandbox", "local", "prod"}
    sandbox = resolve_target(config, None)
    assert sandbox.sandbox and sandbox.db == tmp_path / ".intacct-reconcile" / "sandbox.db"
    prod = resolve_target(config, "prod")
    assert prod.endpoint == "https://api.intacct.com"
    assert prod.entity_id is None
    assert prod.vars == {"accounting_email": "ap@acme.example"}
    assert prod.ownership == {"web_services_users": "additive", "gl_accounts": "full"}
    assert (prod.safety.max_delete_percent, prod.safety.max_update_percent) == (20, 50)
    assert prod.concurrency == 4
    assert resolve_target(config, "local").endpoint == "http://127.0.0.1:8765"


def test_unknown_key_is_located_with_a_hint(tmp_path):
    path = write(tmp_path, "targets:\n  prod:\n    company_id: acme\n    endpont: https://x\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path}:4:5" in message
    assert "did you mean 'endpoint'" in message


def test_an_ownership_key_that_is_no_kind_is_located_with_a_hint(tmp_path):
    path = write(
        tmp_path,
        "ownership: {web_service_users: full}\n"
        "targets:\n  prod:\n    company_id: acme\n    ownership:\n      gl_acounts: full\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:1:13: ownership.web_service_users: unknown kind")
    assert "did you mean 'web_services_users'" in lines[0]
    assert lines[1].startswith(f"{path}:6:7: targets.prod.ownership.gl_acounts: unknown kind")
    assert "did you mean 'gl_accounts'" in lines[1]


def test_wrong_type_is_located(tmp_path):
    path = write(tmp_path, "targets:\n  prod:\n    concurrency: lots\n")
    with pytest.raises(ConfigError, match=r":3:18: targets.prod.concurrency"):
        load_config(path)


def test_yaml_syntax_error_and_duplicate_keys(tmp_path):
    with pytest.raises(ConfigError, match=r"intacct-reconcile.yaml:3:1: YAML syntax error"):
        load_config(write(tmp_path, "targets:\n  prod: {company_id: [\n"))
    with pytest.raises(
        ConfigError, match=r":3:3: duplicate key 'prod' \(first defined at line 2, column 3\)"
    ):
        load_config(write(tmp_path, "targets:\n  prod: {}\n  prod: {}\n"))


def test_unknown_default_and_unknown_target(tmp_path):
    with pytest.raises(ConfigError, match=r"default_target 'prd'.*did you mean 'prod'"):
        load_config(write(tmp_path, "default_target: prd\ntargets:\n  prod: {}\n"))
    config = load_config(write(tmp_path, CONFIG))
    with pytest.raises(ConfigError, match=r"unknown target 'prdo'.*did you mean 'prod'"):
        resolve_target(config, "prdo")


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_without_a_config_the_embedded_sandbox_is_used_only_when_asked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config in the working directory either
    config = load_config(None, manifest_path=tmp_path)
    with pytest.raises(ConfigError, match=r"no intacct-reconcile\.yaml found"):
        resolve_target(config, None, env={})
    for target in (
        resolve_target(config, None, sandbox=True, env={}),
        resolve_target(config, "sandbox", env={}),
    ):
        assert target.sandbox and target.db == tmp_path / ".intacct-reconcile" / "sandbox.db"


def test_sandbox_targets_need_no_environment(tmp_path):
    xml, rest = load_credentials(
        Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=tmp_path / "none.ini"
    )
    assert (xml.sender_id, xml.company_id, xml.user_id) == ("intacct_reconcile", "DEMO", "admin")
    assert xml.user_password.reveal() == "sandbox"
    assert rest is not None and rest.client_id == "sandbox-client"
    assert rest.username == "admin@DEMO"
    # real credentials in the shell are never handed to the embedded sandbox
    xml, _ = load_credentials(Target("sandbox", sandbox=True, company_id="DEMO"), env=PROD_ENV)
    assert xml.sender_id == "intacct_reconcile"
    local = Target("local", endpoint="http://127.0.0.1:8765", company_id="DEMO")
    assert (
        load_credentials(local, env={}, ini_path=tmp_path / "x")[0].sender_id == "intacct_reconcile"
    )


def test_real_targets_read_the_environment(tmp_path):
    target = Target("prod", company_id="acme")
    xml, rest = load_credentials(target, env=PROD_ENV, ini_path=tmp_path / "none.ini")
    assert xml.sender_id == "acme_sender" and xml.company_id == "acme"
    assert xml.sender_password.reveal() == "sender-password-1"
    assert rest is None
    env = {
        **PROD_ENV,
        "INTACCT_CLIENT_ID": "cid",
        "INTACCT_CLIENT_SECRET": "client-secret-3",
        "INTACCT_ENTITY_ID": "EU",
    }
    xml, rest = load_credentials(target, env=env, ini_path=tmp_path / "none.ini")
    assert xml.entity_id == "EU"
    assert rest is not None and rest.username == "svc_reconcile@acme"


def test_missing_credentials_are_named_but_never_printed(tmp_path):
    env = {"INTACCT_SENDER_PASSWORD": "sender-password-1"}
    with pytest.raises(ConfigError) as info:
        load_credentials(Target("prod", company_id="acme"), env=env, ini_path=tmp_path / "n")
    message = str(info.value)
    assert "INTACCT_SENDER_ID" in message and "INTACCT_USER_PASSWORD" in message
    assert "INTACCT_SENDER_PASSWORD" not in message
    assert "sender-password-1" not in message


def test_credentials_for_another_company_are_refused(tmp_path):
    env = {**PROD_ENV, "INTACCT_COMPANY_ID": "othercorp"}
    with pytest.raises(ConfigError, match=r"'acme'.*'othercorp'"):
        load_credentials(Target("prod", company_id="acme"), env=env, ini_path=tmp_path / "n")


def test_ini_profiles(tmp_path):
    ini = tmp_path / "credentials.ini"
    ini.write_text(
        "[default]\nsender_id = s1\nsender_password = pw-default-1\nuser_id = u1\n"
        "user_password = upw-default\ncompany_id = acme\n"
        "[staging]\nsender_id = s2\nsender_password = pw-staging-2\nuser_id = u2\n"
        "user_password = upw-staging\ncompany_id = acme-stg\n"
    )
    xml, _ = load_credentials(Target("prod", company_id="acme"), env={}, ini_path=ini)
    assert xml.sender_id == "s1"
    xml, _ = load_credentials(Target("stg"), env={}, ini_path=ini, profile="staging")
    assert (xml.sender_id, xml.company_id) == ("s2", "acme-stg")
    xml, _ = load_credentials(
        Target("stg"),
        env={"INTACCT_PROFILE": "staging", "INTACCT_USER_ID": "override"},
        ini_path=ini,
    )
    assert xml.user_id == "override"
    with pytest.raises(ConfigError, match=r"no profile \[stagin\].*did you mean 'staging'"):
        load_credentials(Target("stg"), env={}, ini_path=ini, profile="stagin")


def test_secret_never_prints_its_value():
    secret = Secret("correct-horse-battery")
    assert str(secret) == "***" and repr(secret) == "Secret('***')"
    assert f"{secret}" == "***"
    assert secret.reveal() == "correct-horse-battery"
    assert secret == Secret("correct-horse-battery")
    xml, _ = load_credentials(
        Target("p", company_id="acme"), env=PROD_ENV, ini_path=Path("/nonexistent/x.ini")
    )
    assert "sender-password-1" not in repr(xml)
    assert "user-password-2" not in repr(xml)


def test_safety_section_per_kind_thresholds_and_allowances(tmp_path):
    path = write(
        tmp_path,
        "targets:\n"
        "  prod:\n"
        "    company_id: acme\n"
        "    safety:\n"
        "      kinds: {gl_accounts: {max_update_percent: 80}}\n"
        "      allow: [{change: delete gl_accounts/6000, reason: retired}]\n"
        "safety:\n"
        "  max_delete_percent: 10\n"
        "  kinds: {gl_accounts: {max_delete_percent: 40}, vendors: {min_existing: 3}}\n"
        "  allow:\n"
        "    - {change: deactivate web_services_users/OLD_API, reason: replaced}\n",
    )
    policy = resolve_target(load_config(path), "prod").safety
    assert policy.max_delete_percent == 10 and policy.max_update_percent == 50
    assert policy.limit("gl_accounts", "max_delete_percent") == 40
    assert policy.limit("gl_accounts", "max_update_percent") == 80
    assert policy.limit("vendors", "min_existing") == 3
    assert policy.limit("roles", "max_delete_percent") == 10
    assert [str(a) for a in policy.allow] == [
        "deactivate web_services_users/OLD_API",
        "delete gl_accounts/6000",
    ]
    assert policy.allow[1].source == f"{path}:6:24" and policy.allow[1].reason == "retired"


def test_safety_section_names_are_checked_where_they_are_written(tmp_path):
    path = write(
        tmp_path,
        "targets:\n  prod: {company_id: acme}\n"
        "safety:\n"
        "  kinds:\n"
        "    gl_acounts: {max_delete_percent: 40}\n"
        "  allow:\n"
        "    - {change: remove vendors/V1, reason: x}\n"
        "    - {change: delete vendor/V1, reason: x}\n"
        "    - {change: vendors, reason: x}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path}:5:5: safety.kinds.gl_acounts: unknown kind 'gl_acounts'" in message
    assert "did you mean 'gl_accounts'" in message
    (path.parent / "intacct-reconcile.yaml").write_text(
        path.read_text().replace("gl_acounts", "gl_accounts")
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path}:7:16: unknown action 'remove'" in message
    assert f"{path}:8:16: unknown kind 'vendor' in safety.allow" in message
    assert "did you mean 'vendors'" in message
    assert f"{path}:9:16: safety.allow change 'vendors' is not 'ACTION KIND/KEY'" in message


def test_safety_section_schema_errors_are_located(tmp_path):
    with pytest.raises(ConfigError, match=r":4:7: safety.allow.0: 'reason' is a required"):
        load_config(write(tmp_path, "targets: {p: {}}\nsafety:\n  allow:\n    - change: a b/c\n"))
    with pytest.raises(ConfigError, match=r"unknown key 'max_delete_percnt'.*max_delete_percent"):
        load_config(
            write(
                tmp_path, "targets: {p: {}}\nsafety: {kinds: {vendors: {max_delete_percnt: 1}}}\n"
            )
        )
