"""Renderers: golden files for text, markdown and json, plus the behaviour around them.

Regenerate the golden files after an intended change with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/engine/test_render.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.builders import KINDS, res, state
from intacct_reconcile.attestations import value_digest
from intacct_reconcile.planner import plan
from intacct_reconcile.render import RENDERERS, render
from intacct_reconcile.render.markdown import GITHUB_LIMIT
from intacct_reconcile.types import (
    ApplyReport,
    Attestation,
    Change,
    ChangeResult,
    FieldChange,
    Plan,
    PlanOptions,
    Ref,
)

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def sample_plan() -> Plan:
    live = state(
        res("roles", "AP", permissions={"accounts_payable": {"bills": ("list", "view")}}),
        res("web_services_users", "api", roles=("AP",), status="active"),
        res("web_services_users", "old_bot", roles=(), status="active"),
        res("gl_accounts", "1000", title="Cash", meta={"RECORDNO": "12"}),
        res("gl_accounts", "3000", title="Suspense"),
        res("gl_accounts", "9999", title="Made by hand"),
        res("document_sequences", "EXP", next_number=40),
    )
    done = res("sender_ids", "expensify", 20, description="Expensify")
    desired = state(
        res("roles", "AP", 3, permissions={"accounts_payable": {"bills": ("add", "list", "view")}}),
        res("web_services_users", "api", 8, roles=("AP",)),
        res("web_services_users", "old_bot", 12, ensure="absent"),
        res("gl_accounts", "1000", 4, title="Cash | at bank"),
        res("gl_accounts", "2110", 9, title="Spend Center", type="balance_sheet"),
        res("gl_accounts", "3000", 15, ensure="absent"),
        res("document_sequences", "EXP", 2, next_number=50),
        done,
        res("sender_ids", "pleo", 24, description="Pleo"),
    )
    attested = Attestation("alice", "2026-11-22T03:00:00+00:00", value_digest(done), "ticket 7")
    options = PlanOptions(
        target="prod",
        kinds=KINDS,
        attestations={Ref("sender_ids", "expensify"): attested},
        manifest_digest="digest",
    )
    return plan(desired, live, options)


def sample_report() -> ApplyReport:
    """Apply stopped at the first failure: later changes were not attempted."""
    status = {
        "roles/AP": "applied",
        "document_sequences/EXP": "applied",
        "gl_accounts/1000": "applied",
        "gl_accounts/2110": "failed",
        "sender_ids/pleo": "manual",
        "sender_ids/expensify": "skipped",  # attested: nothing left to do
    }
    error = "BL34000061: Another GL account with the number 2110 already exists."
    results = tuple(
        ChangeResult(
            c,
            status.get(str(c.ref), "not_attempted"),
            error if str(c.ref) == "gl_accounts/2110" else None,
        )
        for c in sample_plan().changes
    )
    return ApplyReport(results, target="prod")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_plan_golden(fmt):
    ext = {"text": "txt", "markdown": "md", "json": "json"}[fmt]
    check_golden(f"plan.{ext}", RENDERERS[fmt](sample_plan()))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_apply_report_golden(fmt):
    ext = {"text": "txt", "markdown": "md", "json": "json"}[fmt]
    check_golden(f"report.{ext}", render(sample_report(), fmt))


def test_text_summary_line_is_exact_and_uncoloured_by_default():
    text = render(sample_plan(), "text")
    assert text.splitlines()[1] == (
        "1 to create, 3 to update, 2 to delete, 1 manual (0 changed, 1 waiting for a person)"
    )
    assert "\033[" not in text
    assert "\033[32m+ create gl_accounts/2110\033[0m" in render(sample_plan(), "text", color=True)


def test_text_shows_sources_permissions_manual_steps_and_access():
    text = render(sample_plan(), "text")
    assert "~ update roles/AP  (intacct/roles.yaml:3)" in text
    assert "      + accounts_payable.bills: add" in text
    assert "    2. Company > Setup > Configuration > Company > Security tab" in text
    assert "attested by alice at 2026-11-22T03:00:00+00:00: ticket 7" in text
    assert "accounts_payable.bills: list, view → add, list, view (+add)" in text
    assert "  gl_accounts/9999" in text


def test_markdown_checklist_ticks_attested_steps_and_escapes_cells():
    md = render(sample_plan(), "markdown")
    assert "- [ ] **`sender_ids/pleo`**" in md
    assert (
        "- [x] **`sender_ids/expensify`** (`intacct/sender_ids.yaml:20`) — attested by alice" in md
    )
    assert '`"Cash \\| at bank"`' in md
    assert "<details><summary>Field changes in roles (1)</summary>" in md


def test_json_is_versioned_and_documented_shape():
    data = json.loads(render(sample_plan(), "json"))
    assert data["format_version"] == "1"
    assert data["summary"]["create"] == 1 and data["summary"]["has_changes"] is True
    role = next(c for c in data["changes"] if c["kind"] == "roles")
    assert {"action", "kind", "key", "source", "fields"} <= set(role)
    assert role["source"] == "intacct/roles.yaml:3"
    assert role["fields"][0]["added"] == ["accounts_payable.bills.add"]
    assert data["unmanaged"] == [{"kind": "gl_accounts", "key": "9999"}]


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(sample_plan(), "yaml")


def test_huge_plan_markdown_stays_under_the_github_limit():
    n = 4000
    live = state(*[res("gl_accounts", f"{i:05d}", title="old " * 20) for i in range(n)])
    desired = state(
        *[res("gl_accounts", f"{i:05d}", i, title="new " * 20) for i in range(n)],
        *[res("sender_ids", f"sender{i}", i, description="x" * 50) for i in range(300)],
    )
    p = plan(desired, live, PlanOptions(target="big", kinds=KINDS))
    full = sum(len(s) for s in (render(p, "text"),))
    assert full > GITHUB_LIMIT  # the plan really is too big for one comment
    md = render(p, "markdown")
    assert len(md) < GITHUB_LIMIT
    assert (
        "**0 to create, 4000 to update, 0 to delete, 300 manual "
        "(0 changed, 300 waiting for a person)**"
    ) in md
    assert "more gl_accounts changes omitted" in md
    assert "more gl_accounts field diffs omitted" in md
    # the smaller manual section keeps a fair share instead of vanishing
    assert "- [ ] **`sender_ids/sender0`**" in md
    assert md.count("<details>") == md.count("</details>")


def test_small_plan_markdown_is_not_truncated():
    assert "omitted" not in render(sample_plan(), "markdown")


def test_markdown_cells_cannot_break_tables_or_inject_html():
    from intacct_reconcile.render.markdown import cell, code

    assert cell("a|b\n<script>") == "a\\|b &lt;script>"
    assert cell("> quoted") == "\\> quoted"
    assert code("x`y|z") == "``x`y\\|z``"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_empty_plan_says_there_is_nothing_to_do(fmt):
    out = render(Plan(target="prod"), fmt)
    assert "0 to create, 0 to update, 0 to delete, 0 manual" in out
    assert "No changes: live state matches the manifests." in out


@settings(max_examples=15, deadline=None)
@given(
    updates=st.integers(0, 3000),
    manual=st.integers(0, 800),
    unmanaged=st.integers(0, 3000),
    width=st.integers(1, 400),
)
def test_markdown_always_fits_whatever_the_shape(updates, manual, unmanaged, width):
    changes = [
        Change(
            "update",
            Ref("gl_accounts", f"{i:05d}"),
            "xml",
            fields=(FieldChange("title", "a" * width, "b" * width),),
        )
        for i in range(updates)
    ]
    changes += [
        Change("manual", Ref("sender_ids", f"s{i}"), "manual", manual_steps=("x" * width,) * 3)
        for i in range(manual)
    ]
    p = Plan(
        "t", tuple(changes), unmanaged=tuple(Ref("vendors", f"V{i}") for i in range(unmanaged))
    )
    md = render(p, "markdown")
    assert len(md) < GITHUB_LIMIT
    assert md.count("<details>") == md.count("</details>")
    waiting = f" (0 changed, {manual} waiting for a person)" if manual else ""
    assert f"**0 to create, {updates} to update, 0 to delete, {manual} manual{waiting}**" in md
