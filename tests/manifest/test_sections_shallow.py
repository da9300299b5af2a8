"""The sections schema sees mapping sections without their already-valid entries: the errors
it reports must be exactly those of the full document."""

from __future__ import annotations

from typing import Any

import pytest

from intacct_reconcile.manifest.validate import _shallow, _validator


def _errors(data: Any) -> list[tuple[tuple[Any, ...], str]]:
    return sorted((tuple(e.absolute_path), e.message) for e in _validator(None).iter_errors(data))


@pytest.mark.parametrize(
    "data",
    [
        {"version": 1, "departments": {"D1": {"title": "One"}, "D2": None}},
        {"version": 1, "departments": {"D1": "oops", "D2": {"title": "x"}, "D3": [1]}},
        {"version": 1, "departments": ["not", "a", "mapping"]},
        {"version": 1, "gl_accounts": {"1000": 5}, "locations": {"L1": {}, "L2": True}},
        {"version": 2, "unknown_kind": {"a": 1}},
        {"version": 1, "ip_allowlist": ["10.0.0.0/8", {"cidr": "1.2.3.4"}, 3]},
        "not a mapping",
    ],
)
def test_same_errors_as_the_full_document(data: Any) -> None:
    assert _errors(_shallow(data)) == _errors(data)


def test_valid_entries_are_left_out_and_the_document_untouched() -> None:
    data = {"version": 1, "departments": {"D1": {"title": "One"}, "D2": "bad"}}
    assert _shallow(data)["departments"] == {"D2": "bad"}
    assert data["departments"] == {"D1": {"title": "One"}, "D2": "bad"}


def _documents() -> list[Any]:
    """Top levels of every sort: right and wrong versions, shapes, keys and entries."""
    versions: list[Any] = [1, 1.0, True, "1", 2, None]
    sections: list[tuple[str, Any]] = [
        ("departments", {"D1": {"title": "One"}, "D2": None}),
        ("departments", {"D1": "oops"}),
        ("departments", {}),
        ("departments", ["a"]),
        ("departments", None),
        ("ip_allowlist", ["10.0.0.0/8", {"cidr": "1.2.3.4"}]),
        ("ip_allowlist", ["10.0.0.0/8", 3]),
        ("ip_allowlist", {"a": 1}),
        ("te_settings", {"a": 1}),
        ("te_settings", ["a"]),
        ("module_subscriptions", {"not_a_module": {}}),
        ("module_subscriptions", {}),
        ("sod_mitigations", {"m": {}}),
        ("smoke_checks", {}),
        ("x-defaults", {"anything": [1, 2]}),
        ("unknown_kind", {}),
    ]
    out: list[Any] = ["not a mapping", [], {}]
    for version in versions:
        out.append({"version": version})
        for key, section in sections:
            out.append({"version": version, key: section})
    out += [{key: section} for key, section in sections]  # no version
    return out


@pytest.mark.parametrize("data", _documents())
def test_a_quick_yes_is_only_given_where_the_schema_finds_nothing(data: Any) -> None:
    from intacct_reconcile.manifest.fastcheck import sections_certainly_valid

    shallow = _shallow(data)
    if sections_certainly_valid(shallow):
        assert _errors(shallow) == []


def test_the_usual_documents_get_the_quick_yes() -> None:
    from intacct_reconcile.manifest.fastcheck import sections_certainly_valid

    usual = {
        "version": 1,
        "gl_accounts": {"1000": {"title": "Cash"}},
        "ip_allowlist": ["10.0.0.0/8", {"cidr": "1.2.3.4", "description": "office"}],
        "te_settings": {"expense_report_sequence": "EXP"},
        "x-defaults": {"normal_balance": "debit"},
    }
    assert sections_certainly_valid(_shallow(usual))
    assert not sections_certainly_valid(_shallow({**usual, "version": 2}))
    assert not sections_certainly_valid(_shallow({**usual, "gl_account": {}}))
