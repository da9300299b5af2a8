"""A large company's undeclared objects stay readable in the terminal, complete in JSON."""

import json

from intacct_reconcile.planner import plan
from intacct_reconcile.render import RENDERERS
from intacct_reconcile.render.text import UNMANAGED_PER_KIND
from intacct_reconcile.types import PlanOptions

from .builders import GL, empty, res, state


def _plan_with_unmanaged(count: int):
    live = state(*(res("gl_accounts", str(1000 + i), title=f"A{i}") for i in range(count)))
    return plan(empty("gl_accounts"), live, PlanOptions(target="t", kinds={"gl_accounts": GL}))


def test_text_shows_a_sample_per_kind_and_counts_the_rest():
    p = _plan_with_unmanaged(UNMANAGED_PER_KIND + 25)
    text = RENDERERS["text"](p)
    listed = [line for line in text.splitlines() if line.startswith("  gl_accounts/")]
    assert len(listed) == UNMANAGED_PER_KIND
    assert "… and 25 more gl_accounts" in text
    assert f"Unmanaged: {UNMANAGED_PER_KIND + 25} live object(s)" in text


def test_json_lists_every_unmanaged_object():
    p = _plan_with_unmanaged(UNMANAGED_PER_KIND + 25)
    data = json.loads(RENDERERS["json"](p))
    assert len(data["unmanaged"]) == UNMANAGED_PER_KIND + 25
