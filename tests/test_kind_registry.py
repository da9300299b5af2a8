"""The kind registry loads a kind's module when the kind is first asked for.

A plan or apply of GL accounts loads that kind and the kinds it refers to, not all of them
and what they bring (the permission catalogue, the SoD pack); what it plans is the same as
with every kind loaded (the dependency order among the kinds asked for included).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from intacct_reconcile.kinds import KEYS, REGISTRY
from intacct_reconcile.ordering import _toposort, kind_dependencies, kind_order


def _fresh(*parts: str, cwd: Path | None = None) -> dict[str, object]:
    """Run the code `parts` in a new interpreter after LOADED; the last line it prints is
    one JSON value, returned here."""
    code = "\n".join(textwrap.dedent(part) for part in (LOADED, *parts))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# what a fresh interpreter has loaded of the kinds, the permission catalogue, the SoD pack
# and the access review
LOADED = """
import json, sys
from intacct_reconcile.kinds import KEYS
WATCHED = (*KEYS, "catalog", "sod.pack", "access_review")
def loaded():
    names = {
        m.removeprefix("intacct_reconcile.").removeprefix("kinds.")
        for m in sys.modules
        if m.startswith("intacct_reconcile.")
    }
    return sorted(n for n in names if n in WATCHED)
"""


def test_keys_membership_and_length_load_no_kind_and_a_kind_loads_its_own_module() -> None:
    found = _fresh(
        """
        from intacct_reconcile.kinds import REGISTRY
        steps = {"keys": list(REGISTRY) == list(KEYS), "len": len(REGISTRY),
                 "in": "roles" in REGISTRY and "role" not in REGISTRY, "before": loaded()}
        kind = REGISTRY["gl_accounts"]
        steps["gl"] = loaded()
        steps["same"] = REGISTRY["gl_accounts"] is kind and kind.key == "gl_accounts"
        list(REGISTRY.values())
        steps["all"] = len(loaded())
        print(json.dumps(steps))
        """
    )
    assert found["keys"] is True and found["in"] is True and found["same"] is True
    assert found["len"] == len(KEYS) == 29
    assert found["before"] == []
    assert found["gl"] == ["gl_accounts"]
    assert found["all"] >= len(KEYS)  # every kind, and the catalogue the role kinds use


def test_an_unknown_kind_is_a_key_error_and_every_module_is_keyed_by_its_kind() -> None:
    with pytest.raises(KeyError):
        REGISTRY["gl_account"]
    assert REGISTRY.get("gl_account") is None
    assert [REGISTRY[key].key for key in KEYS] == list(KEYS)


def test_the_kinds_asked_for_keep_the_order_the_whole_graph_gives_them() -> None:
    rank = {key: i for i, key in enumerate(REGISTRY)}
    graph = {key: kind_dependencies(kind) & set(REGISTRY) for key, kind in REGISTRY.items()}
    whole = _toposort(graph, rank.__getitem__, what="kinds")
    chance = random.Random(20261206)
    for _ in range(500):
        wanted = chance.sample(list(KEYS), chance.randint(0, len(KEYS)))
        assert kind_order(wanted, REGISTRY) == [k for k in whole if k in wanted]


def test_planning_gl_accounts_loads_that_kind_and_those_it_refers_to_only(tmp_path: Path):
    (tmp_path / "ledger.yaml").write_text(
        "version: 1\ngl_accounts:\n"
        + "".join(
            f"  '{96000 + n}':\n    title: Account {n}\n    type: income_statement\n"
            "    normal_balance: debit\n"
            for n in range(3)
        )
    )
    found = _fresh(
        f"""
        import contextlib, io, runpy
        sys.argv = ["intacct-reconcile", "plan", {str(tmp_path)!r}, "--sandbox",
                    "--format", "json", "--quiet"]
        out = io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out):
            try:
                runpy.run_module("intacct_reconcile", run_name="__main__")
            except SystemExit as exc:
                code = exc.code
        summary = json.loads(out.getvalue())["summary"]
        print(json.dumps({{"code": code, "summary": summary, "loaded": loaded()}}))
        """,
        cwd=tmp_path,
    )
    assert found["code"] in (0, None)
    assert found["summary"]["create"] == 3
    # GL accounts refer to entities; nothing else, not the permission catalogue or the SoD
    # pack (which a plan of roles or users loads)
    assert found["loaded"] == ["entities", "gl_accounts"]
