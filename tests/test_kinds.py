"""Every registered kind is consistent, and desired -> to_api -> store -> from_api round-trips."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile.kinds import REGISTRY, apply_order, get
from intacct_reconcile.kinds.base import Field, Kind

KINDS = list(REGISTRY.values())
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def test_registry_is_keyed_by_manifest_key() -> None:
    assert all(key == kind.key for key, kind in REGISTRY.items())
    assert get("gl_accounts") is REGISTRY["gl_accounts"]
    with pytest.raises(KeyError, match="unknown kind"):
        get("gl_account")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_identity_and_fields_are_well_formed(kind: Kind) -> None:
    assert SNAKE.match(kind.key) and SNAKE.match(kind.identity.name)
    names = [f.name for f in kind.fields]
    assert len(names) == len(set(names)) and "ensure" not in names
    assert all(SNAKE.match(n) for n in names)
    apis = [f.api for f in kind.fields if f.api]
    assert len(apis) == len(set(apis)), "two fields map onto the same API field"
    if kind.api != "manual":
        assert kind.identity.api
        # no single object only where the kind's own reader and writer name one per record
        # (user-defined dimension values: one platform object per dimension)
        assert kind.object or not (
            type(kind.reader).__module__.endswith("_io")
            or type(kind.writer).__module__.endswith("_io")
        )


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_refs_point_at_registered_kinds_and_are_dependencies(kind: Kind) -> None:
    for f in kind.ref_fields:
        assert f.ref in REGISTRY, f"{kind.key}.{f.name} -> {f.ref}"
        assert f.ref == kind.key or f.ref in kind.depends_on, f"{kind.key} misses {f.ref}"
    assert all(dep in REGISTRY and dep != kind.key for dep in kind.depends_on)


def test_kind_dependencies_are_acyclic_and_ordered() -> None:
    order = apply_order()
    assert sorted(order) == sorted(REGISTRY)
    for kind in KINDS:
        assert all(order.index(dep) < order.index(kind.key) for dep in kind.depends_on)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_enums_are_unambiguous_and_defaults_valid(kind: Kind) -> None:
    for f in (kind.identity, *kind.fields):
        if f.type == "enum":
            assert f.enum, f"{kind.key}.{f.name} enum without values"
        if f.enum:
            assert f.type in ("enum", "string_list")
            assert all(SNAKE.match(v) for v in f.enum)
            api_values = [v.lower() for v in f.enum.values()]
            assert len(api_values) == len(set(api_values)), "API spellings must map back"
            assert set(f.api_aliases.values()) <= set(f.enum)
        if f.default is not None and f.type == "enum":
            assert f.default in (f.enum or {})


@pytest.mark.parametrize("kind", [k for k in KINDS if k.api == "manual"], ids=lambda k: k.key)
def test_manual_kinds_tell_the_admin_what_to_click(kind: Kind) -> None:
    assert kind.ui_steps and ">" in kind.ui_steps[0]  # a menu path to follow
    assert kind.verify in ("api", "attestation")
    assert kind.delete == "none"


def _sample(f: Field) -> Any:
    if f.type == "integer":
        return f.maximum if f.maximum is not None else 7
    if f.type == "boolean":
        return True
    if f.type == "enum":
        return list(f.enum or {})[-1]
    if f.type == "string_list":
        return list(f.enum or {})[:2] if f.enum else ["Beta", "Alpha"]
    if f.type == "date":
        return "2024-03-01"
    if f.type == "month":
        return "2035-12"
    if f.type == "cidr":
        return "10.0.0.0/8"
    if f.type == "permissions":
        return {"company": "read_only", "accounts_payable": {"vendors": ["list", "view"]}}
    return f"Sample {f.name}"


def _store(kind: Kind, payload: dict[str, Any]) -> dict[str, Any]:
    """What the API hands back: JSON for REST; text leaves for the XML gateway."""
    if kind.api == "rest":
        return json.loads(json.dumps(payload))

    def text(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: text(v) for k, v in value.items()}
        if isinstance(value, list):
            return [text(v) for v in value]
        return value if isinstance(value, str) else str(value)

    return text(payload)


def _round_trip_fields(kind: Kind) -> list[Field]:
    return [f for f in kind.fields if f.api and not f.write_only and not f.placement]


@pytest.mark.parametrize(
    "kind", [k for k in KINDS if k.api != "manual" or k.object], ids=lambda k: k.key
)
def test_desired_to_api_to_live_round_trips(kind: Kind, tmp_path: Path) -> None:
    values = {f.name: _sample(f) for f in kind.fields}
    if kind.key == "custom_packages":
        package = tmp_path / "p.xml"
        package.write_text("<application name='P'/>")
        values.update(file=str(package), digest="sha256:" + "0" * 64)
    desired = kind.normalize(values)
    stored = _store(kind, kind.payload("KEY-1", desired, create=True))
    live = kind.from_api(stored)
    for f in _round_trip_fields(kind):
        assert live.get(f.name) == desired[f.name], f"{kind.key}.{f.name}"
    if kind.shape == "singleton":
        assert kind.key_from_api(stored) == kind.key
    elif kind.identity.type != "enum":
        assert kind.key_from_api(stored) == kind.normalize_key("KEY-1")


def test_module_subscription_codes_read_back_as_modules() -> None:
    kind = REGISTRY["module_subscriptions"]
    assert kind.key_from_api({"APPLICATION": "CM"}) == "cash_management"


def test_xml_spellings_read_back_as_manifest_values() -> None:
    users = REGISTRY["web_services_users"]
    live = users.from_api(
        {
            "LOGINID": "sync",
            "ADMIN": "true",
            "USERTYPE": "B",
            "STATUS": "lockedout",
            "USERROLES": {"USERROLE": [{"ROLENAME": "B"}, {"ROLENAME": "A"}]},
        }
    )
    assert live == {
        "admin": "full",
        "user_type": "business",
        "status": "locked_out",
        "roles": ("A", "B"),
    }
    accounts = REGISTRY["gl_accounts"]
    live = accounts.from_api(
        {
            "ACCOUNTTYPE": "BalanceSheet",
            "SUBLEDGERCONTROLON": "false",
            "REQUIREDEPT": "true",
            "REQUIRELOC": "false",
        }
    )
    assert live == {
        "type": "balance_sheet",
        "disallow_direct_posting": False,
        "required_dimensions": ("department",),
    }
    assert REGISTRY["employees"].from_api({"STARTDATE": "01/15/2024"}) == {
        "start_date": "2024-01-15"
    }


def test_update_payloads_leave_out_what_the_api_cannot_change() -> None:
    users = REGISTRY["web_services_users"]
    desired = users.normalize(
        {"first_name": "A", "last_name": "B", "email": "a@b.c", "admin": "off"}
    )
    create = users.payload("sync", desired, create=True)
    update = users.payload("sync", desired, create=False)
    assert create["CONTACTINFO"] == {"FIRSTNAME": "A", "LASTNAME": "B", "EMAIL1": "a@b.c"}
    assert "CONTACTINFO" not in update  # contact info cannot be changed through the API
    assert create["LOGINDISABLED"] == update["LOGINDISABLED"] == "true"
    assert update["LOGINID"] == "sync" and update["ADMIN"] == "Off"


def test_rest_references_are_objects_and_placement_is_not_sent() -> None:
    cards = REGISTRY["credit_card_accounts"]
    body = cards.to_api(
        cards.normalize(
            {"vendor": "V100", "offset_gl_account": "2110", "entity": "E1", "expiration": "2035-01"}
        ),
        create=True,
    )
    assert body["vendor"] == {"id": "V100"}
    assert body["accounting"]["offsetGLAccount"] == {"id": "2110"}
    assert body["accountDetails"] == {"expirationMonth": "01", "expirationYear": "2035"}
    assert "entity" not in body
    assert cards.from_api({"vendor": "V100", "entity": {"id": "E1", "key": "3"}})["entity"] == "E1"


def _field_values(f: Field):
    from hypothesis import strategies as st

    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)
    if f.type == "integer":
        return st.integers(f.minimum or 0, f.maximum if f.maximum is not None else 10**9)
    if f.type == "boolean":
        return st.booleans()
    if f.type == "enum":
        return st.sampled_from(list(f.enum or {}))
    if f.type == "string_list":
        item = st.sampled_from(list(f.enum)) if f.enum else text.filter(str.strip)
        return st.lists(item, max_size=4)
    if f.type == "date":
        return st.dates().map(lambda d: d.isoformat())
    if f.type == "month":
        return st.tuples(st.integers(1000, 9999), st.integers(1, 12)).map(
            lambda ym: f"{ym[0]}-{ym[1]:02d}"
        )
    if f.type == "permissions":
        return st.sampled_from(
            [{"company": "read_only"}, {"accounts_payable": "all"}, {"administration": "all"}]
        )
    return text.filter(str.strip)


@pytest.mark.parametrize(
    "kind",
    [k for k in KINDS if k.api != "manual" and k.key != "custom_packages"],
    ids=lambda k: k.key,
)
def test_round_trip_holds_for_generated_values(kind: Kind) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    fields = _round_trip_fields(kind)
    strategy = st.fixed_dictionaries({}, optional={f.name: _field_values(f) for f in fields})

    @settings(max_examples=25, deadline=None, database=None)
    @given(values=strategy)
    def check(values: dict[str, Any]) -> None:
        desired = kind.normalize(values)
        live = kind.from_api(_store(kind, kind.to_api(desired, create=True)))
        for name in values:
            assert live.get(name) == desired[name], name

    check()


def test_references_compare_like_the_identity_they_point_at() -> None:
    checking = REGISTRY["checking_accounts"]
    desired = checking.normalize({"gl_account": "2110", "ap_journal": "pleo"})
    assert desired["ap_journal"] == "PLEO"  # journal symbols are upper-case identities
    assert checking.from_api({"accounting": {"apJournal": {"id": "pleo"}}})["ap_journal"] == "PLEO"
