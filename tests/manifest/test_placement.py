"""Entity placement in manifests: one entity, a copy per entity, and kinds Intacct keeps at
the top level (manifest/placement.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.api import load_desired
from intacct_reconcile.manifest.schema import manifest_schema

PLACED = """\
gl_accounts:
  "1950-{entity}":
    title: Pleo Wallet {entity}
    type: balance_sheet
    normal_balance: debit
    entity: [E100, E200]
checking_accounts:
  "PLEO-{entity}":
    gl_account: "1950-{entity}"
    entity: [E100, E200]
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "m.yaml").write_text("version: 1\n" + text, encoding="utf-8")
    return load_desired(tmp_path, vars={}, env={})


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        _load(tmp_path, text)
    return [str(p) for p in caught.value.problems]


def test_a_list_of_entities_declares_one_object_per_entity(tmp_path: Path) -> None:
    desired = _load(tmp_path, PLACED).desired
    accounts = desired.of("gl_accounts")
    assert set(accounts) == {"1950-E100", "1950-E200"}
    assert accounts["1950-E100"].values["entity"] == "E100"
    assert accounts["1950-E200"].values["title"] == "Pleo Wallet E200"
    # a reference written with {entity} points each copy at its own entity's object
    checking = desired.of("checking_accounts")
    assert checking["PLEO-E200"].values["gl_account"] == "1950-E200"
    assert checking["PLEO-E100"].values["entity"] == "E100"
    # every copy names the line that declared it
    assert {str(r.source) for r in accounts.values()} == {f"{tmp_path}/m.yaml:3:3"}


def test_one_entity_as_a_string_or_a_one_item_list_is_the_same_object(tmp_path: Path) -> None:
    single = _load(tmp_path, 'gl_accounts:\n  "7000": {title: A, entity: E100}\n').desired
    listed = _load(tmp_path, 'gl_accounts:\n  "7000": {title: A, entity: [E100]}\n').desired
    assert single.get("gl_accounts", "7000").values == listed.get("gl_accounts", "7000").values


def test_several_entities_need_an_id_each(tmp_path: Path) -> None:
    problems = _problems(tmp_path, 'gl_accounts:\n  "1960": {title: A, entity: [E100, E200]}\n')
    assert problems == [
        f"{tmp_path}/m.yaml:3:3: gl_accounts/1960: placed in 2 entities with one id; Intacct "
        "ids are unique across a company — put {entity} in the key so each entity gets its "
        'own, e.g. "1960-{entity}"'
    ]


def test_placeholder_without_entities_is_an_error(tmp_path: Path) -> None:
    problems = _problems(tmp_path, 'gl_accounts:\n  "1970-{entity}": {title: A}\n')
    assert len(problems) == 1
    assert "{entity} in a key needs a list of entities" in problems[0]
    assert "add `entity: [E100, E200]`" in problems[0]


def test_top_level_kinds_refuse_an_entity_with_the_reason(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "web_services_users:\n"
        "  ws: {first_name: A, last_name: B, email: a@b.example, entity: E100}\n"
        "roles:\n"
        "  R:\n"
        "    entity: [E100, E200]\n",
    )
    assert problems == [
        f"{tmp_path}/m.yaml:3:57: web_services_users/ws: web services users live at the top "
        "level of an Intacct company, not in an entity — remove `entity:`: create the user at "
        "the top level and give it entity access with its `entities:` field (BILL guide: create "
        "your Web Services user, permissions at the top level)",
        f"{tmp_path}/m.yaml:6:5: roles/R: roles live at the top level of an Intacct company, "
        "not in an entity — remove `entity:`: roles are defined at the top level (BILL guide: "
        "create your Web Services user, permissions at the top level); entity access belongs "
        "to the user",
    ]


def test_the_editor_schema_accepts_one_entity_or_a_list(tmp_path: Path) -> None:
    validator = Draft202012Validator(manifest_schema())
    ok = {
        "version": 1,
        "gl_accounts": {
            "1950-{entity}": {"title": "A", "entity": ["E100", "E200"]},
            "7000": {"title": "B", "entity": "E100"},
        },
    }
    assert list(validator.iter_errors(ok)) == []
    empty = {"version": 1, "gl_accounts": {"7000": {"title": "B", "entity": []}}}
    assert list(validator.iter_errors(empty))
