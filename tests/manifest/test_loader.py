"""The YAML loader keeps locations and source text and rejects what PyYAML lets through."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_reconcile.manifest.loader import load_text, manifest_files
from intacct_reconcile.types import Span


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    _, problems = load_text("a: 1\nb: 2\na: 3\n", "m.yaml")
    assert [str(p) for p in problems] == [
        "m.yaml:3:1: duplicate key 'a' (first defined at line 1, column 1) — remove one of them "
        "or merge their contents"
    ]


def test_scalars_keep_source_text_and_location() -> None:
    docs, problems = load_text("x:\n  - 0110\n  - 1_000\n  - '2110'\n", "m.yaml")
    assert not problems
    items = docs[0].root.value["x"].value
    assert [(i.text, i.plain) for i in items] == [("0110", True), ("1_000", True), ("2110", False)]
    assert items[0].value == 72  # what YAML 1.1 says; the coercer uses the text instead
    assert items[1].span == Span("m.yaml", 3, 5)


def test_merge_keys_and_aliases() -> None:
    docs, problems = load_text("base: &b {p: 1, q: 2}\nobj:\n  <<: *b\n  q: 3\n", "m.yaml")
    assert not problems
    obj = docs[0].root.value["obj"].value
    assert {k: v.value for k, v in obj.items()} == {"p": 1, "q": 3}


def test_merge_keys_do_not_count_as_duplicates() -> None:
    _, problems = load_text("a: &a {x: 1}\nb: &b {x: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n", "m.yaml")
    assert problems == []


def test_billion_laughs_stays_linear() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        text += f"a{i}: &a{i} [" + ", ".join(["*a" if i == 1 else f"*a{i - 1}"] * 10) + "]\n"
    docs, problems = load_text(text, "m.yaml")
    # aliases share nodes while loading, but validation walks every copy: 10^9 of them are
    # refused up front (measured, not expanded) instead of hanging later
    assert docs == [] and len(problems) == 1
    assert "too many nodes" in problems[0].message


def test_multiple_documents_and_empty_ones() -> None:
    docs, problems = load_text("---\nversion: 1\n---\n---\nversion: 1\n", "m.yaml")
    assert not problems
    assert [d.index for d in docs] == [0, 2]


def test_manifest_files_skip_config_and_state(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".intacct-reconcile").mkdir()
    for name in (
        "b.yaml",
        "a.yml",
        "sub/c.yaml",
        "intacct-reconcile.yaml",
        ".intacct-reconcile/attestations.yaml",
        "notes.txt",
        ".hidden.yaml",
    ):
        (tmp_path / name).write_text("version: 1\n")
    found = [p.relative_to(tmp_path).as_posix() for p in manifest_files(tmp_path)]
    assert found == ["a.yml", "b.yaml", "sub/c.yaml"]
    assert manifest_files(tmp_path / "b.yaml") == [tmp_path / "b.yaml"]


def test_subprojects_with_their_own_config_are_not_merged(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("version: 1\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "intacct-reconcile.yaml").write_text("targets: {}\n")
    (tmp_path / "vendor" / "theirs.yaml").write_text("version: 1\n")
    assert manifest_files(tmp_path) == [tmp_path / "mine.yaml"]
    assert manifest_files(tmp_path / "vendor") == [tmp_path / "vendor" / "theirs.yaml"]


@pytest.mark.parametrize("depth", [300, 1_500, 50_000])
@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_one_located_refusal_whichever_layer_sees_it(
    depth: int, opener: str, closer: str
) -> None:
    # 300 is past our limit but within libyaml's own (1,000); past 1,000 libyaml (>= 0.2.5)
    # may stop first with its own error: the user sees the same refusal either way
    documents, problems = load_text(
        "version: 1\nroles: " + opener * depth + closer * depth, "d.yaml"
    )
    assert documents == []
    assert len(problems) == 1
    assert problems[0].span.file == "d.yaml" and problems[0].span.line == 2
    assert "nested more than" in problems[0].message
    assert problems[0].hint == "flatten the structure"
