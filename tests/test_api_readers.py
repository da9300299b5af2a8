"""Kind.from_api reads through per-kind readers that remember boolean and enum spellings:
the values must be exactly what field_from_api gives, and bad values must still fail."""

from __future__ import annotations

import pytest

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.kinds.normalize import field_from_api, to_bool

GL = REGISTRY["gl_accounts"]


def _slow(kind: Kind, record: dict) -> dict:
    out = {}
    for f in kind.fields:
        if f.api and not f.write_only and f.api in record:
            out[f.name] = field_from_api(f, record[f.api], rest=kind.api == "rest")
    return kind.hooks.from_api(kind, record, out) if kind.hooks.from_api else out


@pytest.mark.parametrize(
    "record",
    [
        {"ACCOUNTNO": "1000", "TITLE": " Cash ", "ACCOUNTTYPE": "balancesheet", "STATUS": "active"},
        {"ACCOUNTNO": "1001", "ACCOUNTTYPE": "INCOMESTATEMENT", "REQUIREDEPT": "true"},
        {"ACCOUNTNO": "1002", "ACCOUNTTYPE": "odd spelling", "REQUIRELOC": "T", "STATUS": ""},
    ],
)
def test_repeated_reads_equal_the_field_by_field_conversion(record: dict) -> None:
    for _ in range(3):  # later reads come from the remembered spellings
        assert GL.from_api(record) == _slow(GL, record)


def test_a_bad_boolean_fails_every_time() -> None:
    kind = Kind(
        "things", "Thing", "xml", "THING", Field("id", "ID"), (Field("on", "ON", "boolean"),)
    )
    assert kind.from_api({"ID": "a", "ON": "yes"}) == {"on": True}
    for _ in range(2):
        with pytest.raises(ValueError, match="not a boolean"):
            kind.from_api({"ID": "a", "ON": "maybe"})


def test_to_bool_accepts_the_same_spellings() -> None:
    assert [to_bool(v) for v in ("true", " TRUE ", "F", "0", True, 1)] == [
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    with pytest.raises(ValueError):
        to_bool("2")


def _dimensions_as_before(record: dict) -> dict:
    """The required_dimensions rule spelled out: every REQUIRE* field read says whether its
    dimension is required; none read, no value."""
    dims = GL.extra["dimensions"]
    if not any(api in record for api in dims.values()):
        return {}
    return {
        "required_dimensions": tuple(
            sorted(
                dim
                for dim, api in dims.items()
                if api in record and str(record[api]).strip() and to_bool(record[api])
            )
        )
    }


@pytest.mark.parametrize(
    "flags",
    [
        {},  # a read that selected none of them (a plan's narrowed read)
        {api: "false" for api in GL.extra["dimensions"].values()},
        {"REQUIREDEPT": "true", "REQUIRELOC": " TRUE ", "REQUIREITEM": "", "REQUIRECLASS": "T"},
        {"REQUIREWAREHOUSE": "1", "REQUIRECUSTOMER": "false"},
    ],
)
def test_required_dimensions_read_as_the_rule_says(flags: dict) -> None:
    record = {"ACCOUNTNO": "1000", **flags}
    values = GL.from_api(record)
    assert {k: v for k, v in values.items() if k == "required_dimensions"} == (
        _dimensions_as_before(record)
    )


def test_a_bad_dimension_flag_fails() -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        GL.from_api({"ACCOUNTNO": "1000", "REQUIREDEPT": "maybe"})


def test_text_fields_and_keys_read_as_field_by_field() -> None:
    kind = Kind(
        "things",
        "Thing",
        "xml",
        "THING",
        Field("id", "ID", case="upper"),
        (
            Field("name", "NAME"),
            Field("low", "LOW", case="lower"),
            Field("up", "UP", case="upper"),
            Field("account", "ACCT", ref="gl_accounts"),
        ),
    )
    for raw in (" Mixed Case ", "", "   ", "x", 42):
        record = {"ID": raw if raw != "" else "k", "NAME": raw, "LOW": raw, "UP": raw, "ACCT": raw}
        assert kind.from_api(record) == _slow(kind, record)
    assert kind.key_from_api({"ID": " ab-1 "}) == "AB-1"
    assert kind.key_from_api({"ID": 7}) == "7"
