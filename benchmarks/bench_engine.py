"""Engine figures: plan over 30,000 declared objects, apply of 1,000 creates (served sandbox).

A sandbox served on 127.0.0.1 with 50 ms latency per request and Intacct's two concurrent
requests per company is seeded (bulk, not through the API) with 30,000 objects of the kinds
the manifests declare: 25,000 GL accounts, 3,000 departments, 2,000 locations; 1% of them
differ from the manifests. `plan` and `apply` run as real `intacct-reconcile` processes:
wall seconds, HTTP requests (from the sandbox's request log) and the process's peak memory
(ru_maxrss of the child) are printed. Figures are printed, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

LATENCY_MS = 50
GL, DEPARTMENTS, LOCATIONS = 25_000, 3_000, 2_000
DIFFERING_SHARE = 0.01
CREATES = 1_000
PLAN_TARGET_S = 15.0  # what an admin waits for at most before a plan of this size is "slow"
PLAN_MEMORY_TARGET_MIB = 296  # the first build's peak for this plan: it must not grow
APPLY_TARGET_S = 10.0
APPLY_REQUESTS_TARGET = 1  # 1,000 creates: 10 functions of 100 records fit in one request


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def gl_number(i: int) -> str:
    return str(100_000 + i)


def seed(store: object) -> int:
    """Live company: the declared objects, 1% of them with another title/name."""
    differ = int(1 / DIFFERING_SHARE)
    objects.bulk_insert(
        store,
        "GLACCOUNT",
        (
            {
                "ACCOUNTNO": gl_number(i),
                "TITLE": f"Account {i}" + (" (edited)" if i % differ == 0 else ""),
                "ACCOUNTTYPE": "balancesheet",
                "NORMALBALANCE": "debit",
            }
            for i in range(GL)
        ),
    )
    objects.bulk_insert(
        store,
        "DEPARTMENT",
        (
            {
                "DEPARTMENTID": f"D{i:05d}",
                "TITLE": f"Department {i}" + (" (edited)" if i % differ == 0 else ""),
            }
            for i in range(DEPARTMENTS)
        ),
    )
    objects.bulk_insert(
        store,
        "LOCATION",
        (
            {
                "LOCATIONID": f"L{i:05d}",
                "NAME": f"Location {i}" + (" (edited)" if i % differ == 0 else ""),
            }
            for i in range(LOCATIONS)
        ),
    )
    return GL + DEPARTMENTS + LOCATIONS


def write_manifests(folder: Path, url: str, *, extra_accounts: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "intacct-reconcile.yaml").write_text(
        yaml.safe_dump(
            {
                "default_target": "local",
                "targets": {"local": {"endpoint": url, "company_id": "DEMO"}},
                "safety": {"max_delete_percent": 20, "max_update_percent": 50},
            }
        )
    )
    accounts = {
        gl_number(i): {
            "title": f"Account {i}",
            "type": "balance_sheet",
            "normal_balance": "debit",
        }
        for i in range(GL + extra_accounts)
    }
    (folder / "ledger.yaml").write_text(
        yaml.safe_dump({"version": 1, "gl_accounts": accounts}, sort_keys=False)
    )
    (folder / "dimensions.yaml").write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "departments": {
                    f"D{i:05d}": {"title": f"Department {i}"} for i in range(DEPARTMENTS)
                },
                "locations": {f"L{i:05d}": {"name": f"Location {i}"} for i in range(LOCATIONS)},
            },
            sort_keys=False,
        )
    )


def requests_in(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


# The CLI in a child process that reports its own peak RSS (KiB) as the last stderr line.
_CHILD = (
    "import resource, runpy, sys\n"
    "sys.argv = ['intacct-reconcile', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('intacct_reconcile', run_name='__main__')\n"
    "finally:\n"
    "    print(f'maxrss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
)


def run_cli(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run one CLI process: result, wall seconds, its peak RSS in MiB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=900
    )
    wall = time.perf_counter() - started
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    peak_kib = int(last.removeprefix("maxrss=")) if last.startswith("maxrss=") else 0
    return done, wall, peak_kib // 1024


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        root = Path(tmp)
        log = root / "requests.jsonl"
        app = make_app(
            str(root / "sandbox.db"), SandboxOptions(latency_ms=LATENCY_MS, log_path=str(log))
        )
        started = time.perf_counter()
        total = seed(app.store)
        print(
            f"seeded {total} live objects in {time.perf_counter() - started:.1f} s "
            f"({DIFFERING_SHARE:.0%} differ from the manifests)"
        )
        with served(app) as url:
            folder = root / "manifests"
            write_manifests(folder, url)
            start_requests = requests_in(log)
            done, wall, peak = run_cli(["plan", str(folder), "--quiet", "--format", "json"])
            if done.returncode != 0:
                print(f"plan failed (exit {done.returncode}): {done.stderr[-2000:]}")
                return
            plan = json.loads(done.stdout)
            plan_requests = requests_in(log) - start_requests
            print(
                f"plan of {total} declared objects at {LATENCY_MS} ms latency: {wall:.1f} s wall, "
                f"{plan_requests} HTTP requests, peak memory {peak} MiB, "
                f"{plan['summary']['update']} updates found "
                f"(expected {int(total * DIFFERING_SHARE)})"
            )
            lower = sum(-(-n // 2000) for n in (GL, DEPARTMENTS, LOCATIONS))
            print(f"  read pages needed (2000 per page): {lower}")
            print(f"  target plan < {PLAN_TARGET_S:.0f} s: {verdict(wall < PLAN_TARGET_S)}")
            print(
                f"  target peak memory < {PLAN_MEMORY_TARGET_MIB} MiB ({peak} MiB): "
                f"{verdict(0 < peak < PLAN_MEMORY_TARGET_MIB)}"
            )
            expected = int(total * DIFFERING_SHARE)
            print(
                f"  target updates found == {expected}: "
                f"{verdict(plan['summary']['update'] == expected)}"
            )

        app.store.close()
        apply_creates(root)


def apply_creates(root: Path) -> None:
    """A fresh starter company; the manifests declare 1,000 GL accounts it does not have."""
    log = root / "apply-requests.jsonl"
    app = make_app(str(root / "apply.db"), SandboxOptions(latency_ms=LATENCY_MS, log_path=str(log)))
    with served(app) as url:
        folder = root / "creates"
        folder.mkdir()
        (folder / "intacct-reconcile.yaml").write_text(
            yaml.safe_dump(
                {
                    "default_target": "local",
                    "targets": {"local": {"endpoint": url, "company_id": "DEMO"}},
                }
            )
        )
        accounts = {
            gl_number(i): {
                "title": f"New account {i}",
                "type": "income_statement",
                "normal_balance": "debit",
            }
            for i in range(CREATES)
        }
        (folder / "ledger.yaml").write_text(
            yaml.safe_dump({"version": 1, "gl_accounts": accounts}, sort_keys=False)
        )
        done, wall, peak = run_cli(
            ["apply", str(folder), "--auto-approve", "--quiet", "--format", "json"]
        )
        summary = json.loads(done.stdout).get("summary", {}) if done.stdout.strip() else {}
        writes = [json.loads(line) for line in log.read_text().splitlines()]
        creates = [w for w in writes if "create" in w.get("functions", [])]
        print(
            f"apply of {CREATES} creates at {LATENCY_MS} ms latency: {wall:.1f} s wall, "
            f"{len(writes)} HTTP requests in all ({len(creates)} carrying the creates; plan "
            f"reads and the verifying re-read included), peak memory {peak} MiB, "
            f"exit {done.returncode}, applied {summary.get('applied')}, "
            f"failed {summary.get('failed')}"
        )
        print(
            f"  target apply < {APPLY_TARGET_S:.0f} s, all {CREATES} applied, creates in "
            f"<= {APPLY_REQUESTS_TARGET} request: "
            + verdict(
                wall < APPLY_TARGET_S
                and summary.get("applied") == CREATES
                and len(creates) <= APPLY_REQUESTS_TARGET
            )
        )
    app.store.close()


if __name__ == "__main__":
    main()
