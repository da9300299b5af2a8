"""Fleet figures: one fleet `plan` over N companies against N single-target plans, one by one.

Each company is a sandbox served on 127.0.0.1 (50 ms latency per request, Intacct's two
concurrent requests per company), all set up with nothing yet: every plan is the Expensify
blueprint's full first plan. The companies are one config group (a targets file, per-company
vars). Both runs are real `intacct-reconcile` processes: N `plan --target T` in a row, then
one `plan --target clients --parallel-targets P --out-dir DIR`; wall seconds and the fleet
process's peak memory (VmHWM) are printed, never asserted.

    BENCH_FLEET_COMPANIES=200 make bench     # default 20
    BENCH_FLEET_PARALLEL=32 make bench       # targets at once in the fleet run (default 16)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import yaml

from harness import run_cli_done as run_cli  # type: ignore[import-not-found]
from harness import verdict  # type: ignore[import-not-found]
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

LATENCY_MS = 50
COMPANIES = int(os.environ.get("BENCH_FLEET_COMPANIES", "20"))
PARALLEL = int(os.environ.get("BENCH_FLEET_PARALLEL", "16"))
SPEEDUP_TARGET = 20.0  # at 200 companies
MEMORY_TARGET_MIB = 400
BLUEPRINT = Path(__file__).resolve().parents[1] / "examples" / "configs" / "expensify"
VARS = {
    "accounting_email": "ap@{name}.example",
    "employee_email": "avery.lee@{name}.example",
    "employee_location": "HQ",
    "travel_expense_account": "6200",
    "meals_expense_account": "6210",
    "mileage_expense_account": "6200",
}


def write_project(folder: Path, endpoints: dict[str, str]) -> None:
    shutil.copytree(BLUEPRINT, folder, ignore=shutil.ignore_patterns(".intacct-reconcile"))
    (folder / "intacct-reconcile.yaml").write_text(
        yaml.safe_dump(
            {
                "groups": {
                    "clients": {
                        "targets_file": "clients.targets.yaml",
                        "vars": {k: v.replace("{name}", "${target}") for k, v in VARS.items()},
                    }
                },
                "ownership": {"web_services_users": "additive"},
            }
        )
    )
    (folder / "clients.targets.yaml").write_text(
        yaml.safe_dump(
            {name: {"endpoint": url, "company_id": "DEMO"} for name, url in endpoints.items()}
        )
    )


def main() -> None:
    print(f"{COMPANIES} companies (Expensify blueprint), {LATENCY_MS} ms latency each")
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        endpoints = {}
        for n in range(COMPANIES):
            name = f"client-{n:03d}"
            app = make_app(str(root / f"{name}.db"), SandboxOptions(latency_ms=LATENCY_MS))
            endpoints[name] = stack.enter_context(served(app))
        folder = root / "project"
        write_project(folder, endpoints)

        started = time.perf_counter()
        for name in endpoints:
            done, _, _ = run_cli(["plan", str(folder), "--target", name, "--quiet"])
            if done.returncode != 0:
                print(
                    f"single plan of {name} failed (exit {done.returncode}): {done.stderr[-800:]}"
                )
                return
        sequential = time.perf_counter() - started
        print(f"{COMPANIES} single-target plans, one after another: {sequential:.1f} s")

        done, fleet_wall, peak = run_cli(
            [
                "plan", str(folder), "--target", "clients", "--quiet", "--format", "json",
                "--parallel-targets", str(PARALLEL), "--out-dir", str(root / "plans"),
            ]
        )  # fmt: skip
        if done.returncode != 0:
            print(f"fleet plan failed (exit {done.returncode}): {done.stderr[-2000:]}")
            return
        summary = json.loads(done.stdout)["summary"]
        speedup = sequential / fleet_wall if fleet_wall else 0.0
        print(
            f"fleet plan, {PARALLEL} targets at once: {fleet_wall:.1f} s wall, peak memory "
            f"{peak} MiB, {summary['targets']} targets, {summary['failed']} failed, "
            f"{summary['creates']} creates"
        )
        print(
            f"  speed-up {speedup:.1f}x (target >= {SPEEDUP_TARGET:.0f}x at 200 companies): "
            f"{verdict(speedup >= SPEEDUP_TARGET) if COMPANIES >= 200 else 'n/a below 200'}"
        )
        print(
            f"  target peak memory < {MEMORY_TARGET_MIB} MiB ({peak} MiB): "
            f"{verdict(0 < peak < MEMORY_TARGET_MIB)}"
        )
        print(f"  every target planned: {verdict(summary['failed'] == 0)}")
