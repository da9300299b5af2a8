"""pretty_json.dumps writes exactly what json.dumps(indent=2, ensure_ascii=False, default=str)
writes: for any tree of JSON values (and values json writes through `default=str`), and for
a real fleet plan file."""

from __future__ import annotations

import datetime
import decimal
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intacct_reconcile import pretty_json


def reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # any code point: quotes, backslashes, control characters, non-ASCII
    st.dates(),
    st.decimals(allow_nan=False),
)
keys = st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none())
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_any_tree_is_written_as_json_writes_it(value: Any) -> None:
    assert pretty_json.dumps(value) == reference(value)


def test_values_json_writes_through_default_str() -> None:
    value = {
        "when": datetime.date(2026, 1, 2),
        "amount": decimal.Decimal("1.10"),
        "set": frozenset({"a"}),
        "nested": [{}, [], (), {"x": [None, True, False, -0.0, math.inf, -math.inf, 1e300]}],
        7: "int key",
        2.5: "float key",
        True: "bool key",
        None: "null key",
        'ünïcode \u2028 \x00 "quoted" \\': "💡",
    }
    assert pretty_json.dumps(value) == reference(value)


def test_keys_json_refuses_are_refused() -> None:
    with pytest.raises(TypeError):
        pretty_json.dumps({(1, 2): "tuple key"})
    with pytest.raises(TypeError):
        json.dumps({(1, 2): "tuple key"}, indent=2)
