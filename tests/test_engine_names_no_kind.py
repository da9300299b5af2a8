"""Engine modules drive kinds through the kind protocol: none of them names a kind.

A kind's reads, writes, safety guards and manifest checks live in its own module
(kinds/<key>.py). An engine module that spells a kind key (`"roles"`) or branches on
`kind.key == ...` would hold half of a kind outside it; this test finds both. Kind keys come
from the registry, so a new kind is covered the day it is registered.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from intacct_reconcile.kinds import REGISTRY

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "intacct_reconcile"
ENGINE_FILES = sorted(
    [
        *(
            PACKAGE / name
            for name in (
                "live.py",
                "applier.py",
                "safety.py",
                "planner.py",
                "workflow.py",
                "export.py",
                "demo.py",
            )
        ),
        *(PACKAGE / "manifest").glob("*.py"),
        *(PACKAGE / "render").glob("*.py"),
        *(PACKAGE / "audit").glob("*.py"),
        *(PACKAGE / "evidence").glob("*.py"),
    ]
)


def kind_names(source: str) -> list[str]:
    """`line: what` for every kind key literal and every `<x>.key ==` comparison."""
    keys = set(REGISTRY)
    tree = ast.parse(source)
    # keys of JSON Schema nodes ({"type": "array", "items": ...}) are schema keywords, not
    # kind keys (the `items` kind shares its name with one)
    schema_words = {
        id(key)
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "type" for k in node.keys)
        for key in node.keys
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in keys and id(node) not in schema_words:
            found.append(f"{node.lineno}: string {node.value!r}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            keyed = any(isinstance(s, ast.Attribute) and s.attr == "key" for s in sides)
            equality = any(
                isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops
            )
            literal = any(isinstance(s, ast.Constant | ast.Tuple | ast.Set) for s in sides)
            if keyed and equality and literal:
                found.append(f"{node.lineno}: compares a .key with a literal")
            if any(
                isinstance(s, ast.Attribute)
                and s.attr == "key"
                and isinstance(s.value, ast.Name)
                and s.value.id == "kind"
                for s in sides
            ) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                found.append(f"{node.lineno}: branches on kind.key ==")
    return found


def test_the_engine_files_exist():
    assert len(ENGINE_FILES) > 8 and all(f.is_file() for f in ENGINE_FILES)


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_engine_module_names_no_kind(path: Path):
    found = kind_names(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} names kinds (move the behaviour into the kind):\n" + "\n".join(
        found
    )


def test_the_check_sees_a_kind_literal_and_a_key_branch():
    key = next(iter(REGISTRY))
    source = f"X = {key!r}\nif kind.key == other:\n    pass\n"
    assert kind_names(source) == [f"1: string {key!r}", "2: branches on kind.key =="]
