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
