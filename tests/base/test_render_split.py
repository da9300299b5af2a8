"""The split's renderings on big plans, and the JSON keys docs/plan-base.md documents."""

from __future__ import annotations

import json
from pathlib import Path

from intacct_reconcile.base_manifests import BaseSource
from intacct_reconcile.base_split import AgainstBase, split
from intacct_reconcile.render import RENDERERS
from intacct_reconcile.render.markdown import GITHUB_LIMIT
from intacct_reconcile.types import Change, FieldChange, Plan, Ref

DOC = Path(__file__).resolve().parents[2] / "docs" / "plan-base.md"
SOURCE = BaseSource(
    "git", "origin/main", "a" * 40, "intacct", Path("/tmp/x"), "origin/main:intacct"
)


def big_plans(n: int) -> tuple[Plan, Plan]:
    """n updates on both sides: the first half identical (pending), the rest different."""

    def plan(title: str) -> Plan:
        changes = tuple(
            Change(
                "update",
                Ref("gl_accounts", f"{i:05d}"),
                "xml",
                fields=(FieldChange("title", f"Account {i}", title if i >= n // 2 else "Same"),),
            )
            for i in range(n)
        )
        return Plan("prod", changes=changes)

    return plan("Head title " + "x" * 60), plan("Base title")


def against(head: Plan, base: Plan) -> AgainstBase:
    found = AgainstBase(SOURCE)
    found.result = split(head, base)
    return found


def test_markdown_with_the_split_fits_a_github_comment() -> None:
    head, base = big_plans(3000)
    found = against(head, base)
    plain = RENDERERS["markdown"](head)
    out = found.render(plain, head, "markdown", False)
    assert len(out) <= GITHUB_LIMIT
    split_block = out.split("\n---\n")[0]
    assert (
        "**1500 introduced by this pull request, 1500 already pending on base, 0 withdrawn**"
        in (split_block)
    )
    assert "omitted to fit GitHub's 65,536-character comment limit" in split_block
    assert "omitted to fit" in out.split("\n---\n", 1)[1]  # the plan was cut to the rest


def test_text_and_json_list_every_entry() -> None:
    head, base = big_plans(40)
    found = against(head, base)
    text = found.render(RENDERERS["text"](head), head, "text", False)
    assert text.count("~ update gl_accounts/") == 40 + 40  # the plan, then the split
    data = json.loads(found.render(RENDERERS["json"](head), head, "json", False))
    assert len(data["base"]["introduced"]) == 20 and len(data["base"]["pending_on_base"]) == 20
    assert data["base"]["introduced"][0]["reason"] == "differs"


def test_every_json_key_is_documented() -> None:
    head, base = big_plans(4)
    found = against(head, base)
    data = json.loads(found.render(RENDERERS["json"](head), head, "json", False))["base"]
    doc = DOC.read_text(encoding="utf-8")
    keys = set(data) | set(data["introduced"][0])
    missing = sorted(k for k in keys if f'"{k}"' not in doc)
    assert missing == [], missing


def test_an_unavailable_split_says_so_in_every_format() -> None:
    head, _ = big_plans(2)
    found = AgainstBase(SOURCE, error="origin/main:intacct/a.yaml:3:1: unknown key 'x'")
    text = found.render(RENDERERS["text"](head), head, "text", False)
    assert "Split unavailable" in text and "unknown key 'x'" in text
    md = found.render(RENDERERS["markdown"](head), head, "markdown", False)
    assert "> [!WARNING]" in md and "unknown key 'x'" in md
    data = json.loads(found.render(RENDERERS["json"](head), head, "json", False))["base"]
    assert data["status"] == "unavailable" and data["introduced"] is None
