"""`apply` of 1,000 GL account creates to a fresh starter company, as whole processes.

Each round serves a fresh copy of the starter company (harness.served) and runs
`apply --auto-approve`: the plan's reads, the creates (100 records per function, several
functions per request) and nothing else. The time counted is the process's own, from its first
line to its exit (interpreter start-up left out). Aims: within 2x the bound (the requests
the run cannot do without, one after another, at this latency model), <= 12 requests.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

import harness
from intacct_reconcile.sandbox.app import make_app

CREATES = 1_000


def bound_s() -> float:
    """Four requests in a row (session, first read pages, the creates, what apply re-reads),
    plus the server's work on ten create functions of 100 records each."""
    per_request = (harness.LATENCY_MS + harness.FUNCTION_MS) / 1000
    work = (10 * harness.FUNCTION_MS + CREATES * harness.RECORD_MS) / 1000
    return 4 * per_request + work


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        root = Path(tmp)
        starter = root / "starter.db"
        make_app(str(starter)).store.close()
        folder = root / "creates"
        folder.mkdir()
        accounts = {
            str(100_000 + i): {
                "title": f"New account {i}",
                "type": "income_statement",
                "normal_balance": "debit",
            }
            for i in range(CREATES)
        }
        (folder / "ledger.yaml").write_text(
            yaml.safe_dump({"version": 1, "gl_accounts": accounts}, sort_keys=False)
        )
        runs = []
        for n in range(harness.ROUNDS):
            db, log = root / f"apply{n}.db", root / f"requests{n}.jsonl"
            shutil.copy(starter, db)
            with harness.served(db, log) as url:
                config = harness.write_config(root / f"project{n}", url)
                args = ["apply", str(folder), "--config", str(config), "--auto-approve"]
                run = harness.check(harness.run_cli([*args, "--quiet", "--format", "json"], log))
            summary = json.loads(run.stdout)["summary"]
            if summary.get("applied") != CREATES:
                raise RuntimeError(f"apply did not apply every create: {summary}")
            runs.append(run)
    figures = harness.timed(runs)
    bound = bound_s()
    print(
        f"apply of {CREATES} creates: in-process {figures['in_process_s']} s, wall "
        f"{figures['wall_s']} s, CPU {figures['cpu_s']} s, {figures['requests']} requests; "
        f"bound {bound:.2f} s"
    )
    aims = [
        harness.aim(
            "apply 1,000 creates / bound (median, in-process)",
            figures["in_process_s"]["median"] / bound,
            2,
            "x",
        ),
        harness.aim(
            "apply 1,000 creates requests (most)", figures["requests"]["max"], 12, "requests"
        ),
    ]
    return {"apply": figures, "bound_s": round(bound, 3), "aims": aims}
