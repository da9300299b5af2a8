"""`export` of 27,500 objects against reading the same objects the typical SDK way.

Seeds 20,000 GL accounts, 2,000 web-services users, 500 roles and 5,000 employees, serves them
(harness.served), then runs alternately, ROUNDS times each: `intacct-reconcile export` of the
four kinds as a whole process, and benchmarks/sdk_read.py (sageintacctsdk's get_all per object,
sequential, page size 2,000) in the benchmark venv, reading the same objects and fields export
reads. Aims: export >= 2x faster than the SDK way (median wall), export CPU <= 1.5 s.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import harness
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.objects import bulk_insert

SEED = {"GLACCOUNT": 20_000, "USERINFO": 2_000, "ROLES": 500, "EMPLOYEE": 5_000}
KINDS = ["gl_accounts", "web_services_users", "roles", "employees"]
HERE = Path(__file__).resolve().parent


def records(obj: str, n: int) -> list[dict[str, Any]]:
    if obj == "GLACCOUNT":
        return [{"ACCOUNTNO": f"B{i:06}", "TITLE": f"Bench account {i}"} for i in range(n)]
    if obj == "USERINFO":
        return [
            {
                "LOGINID": f"ws_bench_{i:05}",
                "LOGINDISABLED": "true",
                "CONTACTINFO": {
                    "FIRSTNAME": "Bench",
                    "LASTNAME": f"User {i}",
                    "EMAIL1": f"ws{i}@bench.example",
                },
            }
            for i in range(n)
        ]
    if obj == "ROLES":
        return [{"NAME": f"Bench role {i:04}", "DESCRIPTION": "benchmark"} for i in range(n)]
    return [
        {
            "EMPLOYEEID": f"E{i:05}",
            "TITLE": "Engineer",
            "PERSONALINFO": {"FIRSTNAME": "Bench", "LASTNAME": f"Employee {i}"},
        }
        for i in range(n)
    ]


def export_reads() -> list[tuple[str, list[str]]]:
    """The objects and fields `export` of KINDS reads (every reader's ReadSpecs)."""
    reads: dict[str, list[str]] = {}
    for key in KINDS:
        kind = REGISTRY[key]
        for spec in kind.reader.specs(kind):
            reads.setdefault(spec.object, list(spec.fields))
    return list(reads.items())


def main() -> dict[str, Any]:
    sdk_python = os.environ.get("BENCH_SDK_PYTHON", "")
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        root = Path(tmp)
        db, log = root / "export.db", root / "requests.jsonl"
        app = make_app(str(db))
        started = time.perf_counter()
        for obj, n in SEED.items():
            bulk_insert(app.store, obj, records(obj, n))
        live = {obj: app.store.count(obj) for obj in SEED}
        app.store.close()
        print(f"seeded {sum(SEED.values())} objects in {time.perf_counter() - started:.1f} s")
        ours: list[harness.Run] = []
        sdk: list[harness.Run] = []
        with harness.served(db, log) as url:
            config = harness.write_config(root / "project", url)
            for n in range(harness.ROUNDS):
                out = root / f"out{n}"
                args = ["export", "--config", str(config), "--quiet", "--out", str(out)]
                for key in KINDS:
                    args += ["--kind", key]
                ours.append(harness.check(harness.run_cli(args, log)))
                if sdk_python:
                    reads = json.dumps(export_reads())
                    sdk.append(
                        harness.check(
                            harness.run_script(sdk_python, HERE / "sdk_read.py", [url, reads], log)
                        )
                    )
            exported = sum(len(yaml_keys(root / "out0" / f"{key}.yaml", key)) for key in KINDS)
    result: dict[str, Any] = {"live": live, "exported": exported, "export": harness.timed(ours)}
    print(
        f"export of {sum(live.values())} live objects ({exported} exported): wall "
        f"{result['export']['wall_s']}, CPU {result['export']['cpu_s']}, requests "
        f"{result['export']['requests']}"
    )
    aims = [
        harness.aim("export client CPU (median)", result["export"]["cpu_s"]["median"], 1.5, "s")
    ]
    if sdk:
        result["sdk_way"] = harness.timed(sdk)
        counts = json.loads(sdk[0].stdout.strip().splitlines()[-1])["counts"]
        result["sdk_counts"] = counts
        ratio = result["sdk_way"]["wall_s"]["median"] / result["export"]["wall_s"]["median"]
        result["sdk_over_export"] = round(ratio, 2)
        print(
            f"sageintacctsdk way, same objects and fields ({sum(counts.values())} records): "
            f"wall {result['sdk_way']['wall_s']}, CPU {result['sdk_way']['cpu_s']}, requests "
            f"{result['sdk_way']['requests']}"
        )
        aims.append(harness.aim("export faster than the SDK way (x)", ratio, 2, "x", below=False))
    else:
        print("  SDK way: skipped (BENCH_SDK_PYTHON unset; `make bench` sets it)")
    result["aims"] = aims
    return result


def yaml_keys(path: Path, key: str) -> list[str]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    section = document.get(key) or {}
    return list(section)
