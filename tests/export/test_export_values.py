"""Live values in manifest form: what is left out, what is rewritten, how YAML reads back."""

from __future__ import annotations

import yaml

from intacct_reconcile import export
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.types import Resource, State

VAULT = Kind(
    key="vaults",
    title="vault",
    api="xml",
    object="VAULT",
    identity=Field("vault_id", "VAULTID"),
    fields=(
        Field("label", "LABEL"),
        Field("password", "PASSWORD", secret=True),
        Field("status", "STATUS", type="enum", enum={"active": "active"}, default="active"),
        Field("tags", "TAGS", type="string_list"),
    ),
)


def test_secrets_become_environment_references_never_values():
    values = {"label": "Main", "password": "hunter2", "status": "active", "tags": ()}
    out = export.manifest_values(VAULT, values)
    # the default (status active) and the empty list are left out; the secret is a reference
    assert out == {"label": "Main", "password": "${env:INTACCT_VAULTS_PASSWORD}"}
    assert "hunter2" not in repr(out)
    assert "read from the environment" in export._secret_comment(VAULT)


def test_dollar_brace_in_live_text_is_escaped_and_values_read_back_as_strings():
    section = {"0042": {"title": "Pay ${var.x} now", "category": "yes"}, "1e3": {"title": "null"}}
    text = export.dump_yaml({"gl_accounts": section})
    read = yaml.safe_load(text)["gl_accounts"]
    assert set(read) == {"0042", "1e3"}  # identifiers stay strings
    assert read["1e3"]["title"] == "null" and read["0042"]["category"] == "yes"
    plain = export.manifest_values(REGISTRY["gl_accounts"], {"title": "Pay ${var.x} now"})
    assert plain == {"title": "Pay $${var.x} now"}


def test_a_module_granted_whole_is_written_as_its_shortcut():
    from intacct_reconcile import catalog

    perms = {
        "general_ledger": catalog.expand("general_ledger", "all"),
        "company": catalog.expand("company", "read_only"),
        "accounts_payable": {"vendors": ("list", "view")},
    }
    assert export.permission_shorthand(perms) == {
        "general_ledger": "all",
        "company": "read_only",
        "accounts_payable": {"vendors": ("list", "view")},
    }


def test_unreadable_kinds_become_templates_with_their_ui_path():
    text = export.template(REGISTRY["ip_allowlist"])
    assert all(line.startswith("#") for line in text.splitlines())
    assert "Go to 'Enforce IP address filters' and click Edit" in text
    assert "Add <cidr> and click Save" in text
    assert yaml.safe_load("version: 1\n" + text) == {"version": 1}


def test_declared_objects_are_left_out_with_unmanaged():
    users = REGISTRY["web_services_users"]
    live = State(
        {
            users.key: {
                "a": Resource(users.key, "a", {"first_name": "A"}, meta={"LOGINDISABLED": "true"}),
                "b": Resource(users.key, "b", {"first_name": "B"}, meta={"LOGINDISABLED": "true"}),
                "ui": Resource(
                    users.key, "ui", {"first_name": "U"}, meta={"LOGINDISABLED": "false"}
                ),
            }
        }
    )
    declared = State({users.key: {"a": Resource(users.key, "a", {})}})
    part = export.kind_export(users.key, live, declared)
    assert part.section == {"b": {"first_name": "B"}} and part.count == 1
    everything = export.kind_export(users.key, live)
    assert set(everything.section) == {"a", "b"}  # the UI user is not a web services user


def test_an_enum_value_no_manifest_can_name_is_left_out_and_named():
    gl = REGISTRY["gl_accounts"]
    live = State(
        {
            gl.key: {
                "1000": Resource(gl.key, "1000", {"title": "Cash", "type": "balance_sheet"}),
                "1001": Resource(gl.key, "1001", {"title": "New", "type": "Statistical"}),
            }
        }
    )
    part = export.kind_export(gl.key, live)
    assert part.section == {
        "1000": {"title": "Cash", "type": "balance_sheet"},
        "1001": {"title": "New"},
    }
    assert "#   1001: type = 'Statistical'" in part.comment
