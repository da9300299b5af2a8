"""The lean reading of large manifests builds the same tree, and says the same things.

Plain `field: value` objects come as LeanMaps (no located node per value), and files made of
plain lines only are read line by line (manifest/plainscan) instead of from libyaml's
events. Each must give exactly what the located-node tree from the parser's events gives:
the same keys, values, source texts and positions, and the same messages.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest import loader
from intacct_reconcile.manifest.desired import load_desired
from intacct_reconcile.manifest.loader import LeanMap, Node, load_text
from intacct_reconcile.manifest.plainscan import scan
from intacct_reconcile.manifest.validate import _LEAN_SECTIONS
from intacct_reconcile.types import Span

LEAN = _LEAN_SECTIONS


def shape(node: Any) -> Any:
    """A node tree as plain values, LeanMaps as the tree they stand for."""
    if type(node) is LeanMap:
        node = node.node()
    if isinstance(node.value, dict):
        return (
            "map",
            node.span,
            [(k, node.key_spans.get(k), shape(v)) for k, v in node.value.items()],
        )
    if isinstance(node.value, list):
        return ("seq", node.span, [shape(v) for v in node.value])
    return ("scalar", node.span, repr(node.value), node.text, node.plain, node.broken)


def tree_from_events(text: str) -> Any:
    """The located tree as the event builder makes it, every mapping a Node."""
    builder = loader._EventBuilder("m.yaml")
    (root,) = builder.documents(iter(yaml.CSafeLoader(text).get_event, None))
    assert builder.problems == []
    return shape(root)


PLAIN = """\
# chart of accounts
version: 1
gl_accounts:
  '2110':
    title: Accounts payable
    type: balance_sheet
    normal_balance: credit

  "1000":
      title: Cash (main)
      type: balance_sheet
      normal_balance: debit
      disallow_direct_posting: yes
  1010:
    title: Petty cash ${var.site}
    category: 0110
    taxable: off
departments:
 D1: null
 D2:
   title: R&D - Bob's team
   ensure: present
"""


def test_a_plain_file_is_read_line_by_line_into_the_events_tree() -> None:
    root = scan(PLAIN, "m.yaml", LEAN, loader._EventBuilder("m.yaml", LEAN))
    assert root is not None
    assert shape(root) == tree_from_events(PLAIN)
    objects = root.value["gl_accounts"].value
    cash = objects["1000"]
    assert type(cash) is LeanMap
    assert cash.texts[3] == "yes" and cash.values[3] is True and cash.plain[3] is True
    assert cash.value_span(0) == Span("m.yaml", 10, 14)
    # a value to substitute: the located tree, as the event builder leaves it
    assert type(objects["1010"]) is Node


def test_the_events_give_the_same_lean_objects_when_the_lines_are_not_plain() -> None:
    text = PLAIN + "roles:\n  - admin\n"  # a list: not for the line reader
    assert scan(text, "m.yaml", LEAN, loader._EventBuilder("m.yaml", LEAN)) is None
    (doc,), problems = load_text(text, "m.yaml", lean=LEAN)
    assert problems == []
    assert type(doc.root.value["gl_accounts"].value["2110"]) is LeanMap
    assert shape(doc.root) == tree_from_events(text)


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\ngl_accounts:\n  '1':\n    title: a\n    title: b\n",  # duplicate
        "version: 1\ngl_accounts:\n  '1':\n",  # empty object
        "version: 1\ngl_accounts:\n  '1':\n    title: a\n   type: x\n",  # indentation
        "version: 1\ngl_accounts:\n  '1':\n    title: a: b\n",
        "version: 1\ngl_accounts:\n  '1':\n    title: a #c\n",
        "version: 1\ngl_accounts:\n  '1':\n    title: &x a\n",
        "version: 1\ngl_accounts:\n  '1':\n    title: 'it''s'\n",
        "version: 1\ngl_accounts:\n  '1':\n    title: Café\n",
        "version: 1\ngl_accounts:\n  '1':\n    title:\ta\n",
        "---\nversion: 1\n",
        "version: 1\nx-defaults:\n  a: 1\n",
        "version: 1\ngl_accounts:\n  '1':\n    title: =\n",  # YAML's value tag
    ],
)
def test_what_is_not_plain_goes_to_the_parser(text: str) -> None:
    assert scan(text, "m.yaml", LEAN, loader._EventBuilder("m.yaml", LEAN)) is None


def test_random_plain_lines_read_as_the_events_read_them() -> None:
    """Words YAML types (yes, 0110, 1e3, .nan, null), quotes and odd indentation, in
    random plain files: wherever the line reader accepts one, the trees are equal."""
    rng = random.Random(14)
    keys = ["title", "'100'", '"2 0"', "2110", "true", "no", "x-y", "''", "'a: b'", "ensure"]
    values = [
        *("Account 1", "debit", "0110", "1_000", "1.5", ".5", "-1", "+1", "1e3", "true"),
        *("No", "OFF", "y", "null", "Null", "'q'", '"dq"', "Bob's", "R&D", "a - b"),
        *("a, b", "(x)", "/p", "2024-01-01", "${var.x}", "'  s  '", '" d "', ".inf", ".NaN"),
        *("0o17", "0x1F", "12_30", "1.", "-x", "'#'", '"#x"', "1:30", "_x", "a,"),
    ]
    accepted = 0
    for _ in range(400):
        lines = ["version: 1"]
        for section in rng.sample(["gl_accounts", "departments", "locations"], 2):
            lines.append(f"{section}:")
            first = rng.choice([1, 2, 4])
            for _ in range(rng.randint(1, 3)):
                lines.append(" " * first + f"{rng.choice(keys)}:")
                second = first + rng.choice([1, 2, 3])
                for _ in range(rng.randint(1, 4)):
                    if rng.random() < 0.1:
                        lines.append(" " * rng.randint(0, 5) + "# note")
                    lines.append(" " * second + f"{rng.choice(keys)}: {rng.choice(values)}")
        text = "\n".join(lines) + "\n"
        root = scan(text, "m.yaml", LEAN, loader._EventBuilder("m.yaml", LEAN))
        if root is not None:
            accepted += 1
            assert shape(root) == tree_from_events(text), text
    assert accepted > 50  # the reader is exercised, not just declining


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ledger.yaml").write_text(text)
    return folder


def test_messages_are_the_same_whichever_way_the_file_is_read(tmp_path: Path) -> None:
    bad = (
        "version: 1\n"
        "gl_accounts:\n"
        "  '2110':\n"
        "    title: Payables\n"
        "    type: balance_sheets\n"
        "    normal_balance: credit\n"
        "  '2120':\n"
        "    title: Accruals\n"
        "    normal_balance: credit\n"
        "    colour: red\n"
    )
    # a list elsewhere in the file sends it to the parser's events
    parsed = bad + "ip_allowlist:\n  - 10.0.0.0/8\n"
    messages = []
    for name, text in (("plain", bad), ("parsed", parsed)):
        with pytest.raises(ManifestError) as raised:
            load_desired(_write(tmp_path / name, text))
        messages.append(
            [str(p).replace(str(tmp_path / name), "") for p in raised.value.problems][:3]
        )
    assert messages[0] == messages[1]
    assert any("balance_sheets" in m for m in messages[0])
    assert any("colour" in m for m in messages[0])


def test_field_spans_of_lean_objects_point_at_the_values(tmp_path: Path) -> None:
    text = PLAIN.replace("${var.site}", "x").replace(" D1: null\n", " D1:\n   title: One\n")
    manifests = load_desired(_write(tmp_path / "m", text))
    account = manifests.desired.get("gl_accounts", "1000")
    assert account is not None
    assert account.source == Span(str(tmp_path / "m" / "ledger.yaml"), 9, 3)
    assert account.field_spans["title"] == Span(str(tmp_path / "m" / "ledger.yaml"), 10, 14)
    assert dict(account.field_spans) == {
        name: account.field_spans[name] for name in account.field_spans
    }
    assert account.values["disallow_direct_posting"] is True
