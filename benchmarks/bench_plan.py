"""`plan` and `validate` as whole processes, at 1k / 10k / 30k / 100k declared objects.

For each size a sandbox company is seeded (bulk, not through the API) with the declared
objects — 5/6 GL accounts, 1/10 departments, 1/15 locations; 1% of them differ from the
manifests — and served (harness.served); `plan --format json` runs against it, ROUNDS times
(once at 100k). The growth table shows CPU, wall, peak memory and requests. Aims: plan of 30k
CPU <= 1.5 s and wall within 3x the network bound (every page read, two at a time, at this
latency model); plan of 100k peak memory < 250 MiB; `validate` of 100k CPU < 2.5 s.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

import harness
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.app import make_app

SIZES = (1_000, 10_000, 30_000, 100_000)
DIFFERING = 100  # one object in DIFFERING differs from the manifests


def split(total: int) -> tuple[int, int, int]:
    departments, locations = total // 10, total // 15
    return total - departments - locations, departments, locations


def seed(db: Path, total: int) -> None:
    gl, departments, locations = split(total)
    app = make_app(str(db))
    edited = " (edited)"
    objects.bulk_insert(
        app.store,
        "GLACCOUNT",
        (
            {
                "ACCOUNTNO": str(100_000 + i),
                "TITLE": f"Account {i}" + (edited if i % DIFFERING == 0 else ""),
                "ACCOUNTTYPE": "balancesheet",
                "NORMALBALANCE": "debit",
            }
            for i in range(gl)
        ),
    )
    objects.bulk_insert(
        app.store,
        "DEPARTMENT",
        (
            {
                "DEPARTMENTID": f"D{i:06d}",
                "TITLE": f"Department {i}" + (edited if i % DIFFERING == 0 else ""),
            }
            for i in range(departments)
        ),
    )
    objects.bulk_insert(
        app.store,
        "LOCATION",
        (
            {
                "LOCATIONID": f"L{i:06d}",
                "NAME": f"Location {i}" + (edited if i % DIFFERING == 0 else ""),
            }
            for i in range(locations)
        ),
    )
    app.store.close()


def write_manifests(folder: Path, total: int) -> None:
    gl, departments, locations = split(total)
    folder.mkdir(parents=True, exist_ok=True)
    accounts = {
        str(100_000 + i): {
            "title": f"Account {i}",
            "type": "balance_sheet",
            "normal_balance": "debit",
        }
        for i in range(gl)
    }
    (folder / "ledger.yaml").write_text(
        yaml.dump({"version": 1, "gl_accounts": accounts}, sort_keys=False, Dumper=_DUMPER)
    )
    dimensions = {
        "version": 1,
        "departments": {f"D{i:06d}": {"title": f"Department {i}"} for i in range(departments)},
        "locations": {f"L{i:06d}": {"name": f"Location {i}"} for i in range(locations)},
    }
    (folder / "dimensions.yaml").write_text(yaml.dump(dimensions, sort_keys=False, Dumper=_DUMPER))


_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def expected_updates(total: int) -> int:
    return sum(-(-n // DIFFERING) for n in split(total))


def main() -> dict[str, Any]:
    growth: list[dict[str, Any]] = []
    aims: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        root = Path(tmp)
        for total in SIZES:
            db, log = root / f"plan{total}.db", root / f"requests{total}.jsonl"
            started = time.perf_counter()
            seed(db, total)
            folder = root / f"manifests{total}"
            write_manifests(folder, total)
            seeded = time.perf_counter() - started
            rounds = 1 if total >= 100_000 else harness.ROUNDS
            runs = []
            with harness.served(db, log) as url:
                config = harness.write_config(root / f"project{total}", url)
                for _ in range(rounds):
                    args = ["plan", str(folder), "--config", str(config), "--quiet"]
                    run = harness.check(harness.run_cli([*args, "--format", "json"], log))
                    runs.append(run)
            updates = json.loads(runs[0].stdout)["summary"]["update"]
            bound = harness.network_bound_s(harness.pages_of(*split(total)))
            row = {
                "objects": total,
                "updates": updates,
                "updates_expected": expected_updates(total),
                "network_bound_s": round(bound, 3),
                "pages": harness.requests_bound(*split(total)),
                **harness.timed(runs),
            }
            growth.append(row)
            print(
                f"plan {total:>7}: CPU {row['cpu_s']['median']:.2f} s, wall "
                f"{row['wall_s']['median']:.2f} s (network bound {bound:.2f} s), peak "
                f"{row['peak_mib']['median']:.0f} MiB, {row['requests']['median']:.0f} requests "
                f"({row['pages']} pages), updates {updates}/{row['updates_expected']} "
                f"[seeded in {seeded:.1f} s, {rounds} run(s)]"
            )
            if total == 30_000:
                aims.append(harness.aim("plan 30k CPU (median)", row["cpu_s"]["median"], 1.5, "s"))
                aims.append(
                    harness.aim(
                        "plan 30k wall / network bound (median)",
                        row["wall_s"]["median"] / bound,
                        3,
                        "x",
                    )
                )
            if total == 100_000:
                aims.append(
                    harness.aim("plan 100k peak memory", row["peak_mib"]["min"], 250, "MiB")
                )
                validate = [
                    harness.check(harness.run_cli(["validate", str(folder)]))
                    for _ in range(harness.ROUNDS)
                ]
                figures = harness.timed(validate)
                print(
                    f"validate {total}: CPU {figures['cpu_s']}, wall {figures['wall_s']}, "
                    f"peak {figures['peak_mib']} MiB"
                )
                aims.append(
                    harness.aim("validate 100k CPU (median)", figures["cpu_s"]["median"], 2.5, "s")
                )
            db.unlink()
    print("growth (medians):")
    print(f"  {'objects':>8} {'CPU s':>7} {'wall s':>7} {'peak MiB':>9} {'requests':>9}")
    for row in growth:
        print(
            f"  {row['objects']:>8} {row['cpu_s']['median']:>7.2f} {row['wall_s']['median']:>7.2f}"
            f" {row['peak_mib']['median']:>9.0f} {row['requests']['median']:>9.0f}"
        )
    return {"growth": growth, "validate_100k": figures, "aims": aims}
