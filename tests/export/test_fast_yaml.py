"""export writes YAML with libyaml's C emitter where it can: the bytes must be exactly those the
Python dumper (_ManifestDumper) writes, for every shape and tricky scalar a company holds."""

from __future__ import annotations

import yaml

from intacct_reconcile import export

TRICKY = [
    "",
    " leading",
    "trailing ",
    "two  spaces",
    "0110",
    "2110",
    "1_000",
    "0x1F",
    "0o17",
    "1e3",
    ".5",
    "-",
    "- x",
    "-1",
    "+1",
    "1.0",
    "yes",
    "No",
    "off",
    "ON",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "true",
    "False",
    "2024-01-01",
    "2024-1-1",
    "2024-01-01 10:00:00",
    "12:30",
    "1:2:3",
    "a: b",
    "a:b",
    "#x",
    "a #b",
    "a# b",
    "[x]",
    "{y}",
    "x,y",
    "*alias",
    "&anchor",
    "!tag",
    "%dir",
    "@at",
    "`tick",
    "'q'",
    '"dq"',
    "a'b",
    'a"b',
    "?",
    "? x",
    ":",
    "::",
    "|",
    ">",
    "=",
    "<<",
    ".inf",
    "-.INF",
    ".NaN",
    "...",
    "---",
    "a\\b",
    "x" * 300,
    "Account 12 - Cash & Equivalents (USD)",
    "https://example.com/a?b=c#d",
    "ws_user@acme.example",
]


def python_dump(document: dict) -> str:
    return yaml.dump(
        document,
        Dumper=export._ManifestDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def company() -> dict:
    """A varied export: every tricky string as key and value, numbers, booleans, nulls,
    nested and empty mappings, inline lists."""
    objects = {}
    for i, text in enumerate(TRICKY):
        objects[text or "empty"] = {
            "title": text,
            "number": i - 5,
            "big": 10**20 + i,
            "flag": i % 2 == 0,
            "nothing": None,
            "roles": [text, "Reader", i] if len(text) < 40 else ["Reader"],
            "empty_list": [],
            "nested": {"inner": text, "deeper": {"n": i}, "empty": {}},
        }
    return {"web_services_users": objects}


def test_a_varied_company_is_written_by_the_c_emitter_byte_for_byte():
    document = company()
    assert export._c_emittable(document, set())  # the fast path is the one being compared
    assert export.dump_yaml(document) == python_dump(document)


def test_each_tricky_scalar_alone_is_the_same_bytes():
    for text in TRICKY:
        document = {"gl_accounts": {"1000": {"title": text}, text or "k": {"n": 1}}}
        assert export.dump_yaml(document) == python_dump(document), text


def test_the_direct_writer_writes_the_simple_shapes_as_the_emitters_do():
    # everything but the over-long key, which libyaml writes as a complex key (`? key`)
    document = company()
    document["web_services_users"].pop("x" * 300)
    assert export._write_simple(document) == python_dump(document)
    for text in TRICKY:
        if len(text) <= 128:
            one = {"gl_accounts": {"1000": {"title": text}, text or "k": {"n": 1}}}
            assert export._write_simple(one) == python_dump(one), text


def test_shapes_the_direct_writer_leaves_to_the_emitters_are_still_the_same_bytes():
    shared = ["Reader"]
    for document in [
        {"k": {"x" * 200: {"n": 1}}},  # a complex key
        {"k": {"a": shared, "b": shared}},  # one list twice: an anchor and an alias
        {"k": {"n": True, "roles": [["nested"]]}},  # a list in a list: a block list
        {"k": {}},
    ]:
        assert export.dump_yaml(document) == python_dump(document)


def test_what_the_c_emitter_would_write_differently_goes_through_python():
    shared = {"a": 1}
    others = [
        {"k": {"title": "Café"}},  # non-ASCII
        {"k": {"note": "two\nlines"}},  # a literal block
        {"k": {"t": "tab\there"}},  # a control character
        {"k": {"roles": [f"Role number {i}" for i in range(10)]}},  # a block list
        {"k": {"rate": 1.5}},  # a float
        {"k": shared, "j": shared},  # one dict twice: an anchor and an alias
    ]
    for document in others:
        assert not export._c_emittable(document, set())
        assert export.dump_yaml(document) == python_dump(document)


def test_the_cycle_collector_is_paused_only_while_exporting():
    import gc

    assert gc.isenabled()
    with export._collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        with export._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
