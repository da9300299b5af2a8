"""Fleet figures: one fleet `plan` over N companies against N single-target plans, one by one.

One sandbox served on 127.0.0.1 hosts the N companies, as Intacct hosts many behind one
endpoint (50 ms latency per request, Intacct's two concurrent requests per company, counted
per company), each with starter data only: every plan is the Expensify blueprint's full
first plan. The companies are one config group (a targets file, per-company vars); a target
picks its company by the company ID of its login. Both runs are real `intacct-reconcile`
processes: N `plan --target T` in a row, then one `plan --target clients --parallel-targets P
--out-dir DIR`; wall seconds, peak memory and the most requests the sandbox served at once
(per company and over all) are printed, never asserted, and returned for results.json (with
the aims, at 200 companies).

The fleet run uses the CLI's default `--workers` (fleet.auto_workers: at 200 companies, one
worker process per core) unless BENCH_FLEET_WORKERS is set. Its CPU seconds are those of the
fleet process and of its workers; its peak memory is the SUM of the peaks (VmHWM) of every
process of the run (the fleet process, its workers, multiprocessing's resource tracker),
as harness.run_cli measures them, never only the largest.

The sandbox is served by this process (threads, one SQLite file), so on a small machine its
CPU competes with the plan processes' for the same cores: the figures include the CPU seconds
of both sides, which are steadier than wall seconds on a shared machine.

    BENCH_FLEET_COMPANIES=200 make bench     # default 20
    BENCH_FLEET_PARALLEL=16 make bench       # targets at once in the fleet run (default 32)
    BENCH_FLEET_WORKERS=1 make bench         # the fleet in one process (default: the CLI's)
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from harness import run_cli, verdict  # type: ignore[import-not-found]
from intacct_reconcile.sandbox import realism
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

LATENCY_MS = 50
REQUESTS_PER_COMPANY = 2  # Intacct's concurrent requests per company
COMPANIES = int(os.environ.get("BENCH_FLEET_COMPANIES", "20"))
PARALLEL = int(os.environ.get("BENCH_FLEET_PARALLEL", "32"))
WORKERS = os.environ.get("BENCH_FLEET_WORKERS", "")  # "": the CLI's default
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


class ServedAtOnce:
    """Counts the requests being answered at once, per company and over all: wraps the
    sandbox's own handler, inside its request limit (after a request got a slot)."""

    def __init__(self, app: SandboxApp) -> None:
        limiter = app.pipeline
        assert isinstance(limiter, realism.RealismMiddleware)
        self.company_of: Callable[[realism.RequestInfo], str] = limiter.company_of
        self.inner = limiter.app
        limiter.app = self
        self._lock = threading.Lock()
        self._now: Counter[str] = Counter()
        self.peak_company = 0
        self.peak_total = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        company = self.company_of(realism.describe(environ, body)).upper()
        with self._lock:
            self._now[company] += 1
            self.peak_company = max(self.peak_company, self._now[company])
            self.peak_total = max(self.peak_total, sum(self._now.values()))
        try:
            # hold the answer for the sandbox's latency here, as Intacct would be working on it
            # (the limiter's own sleep happens before this handler sees the request)
            time.sleep(LATENCY_MS / 1000)
            return list(self.inner(environ, start_response))
        finally:
            with self._lock:
                self._now[company] -= 1


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
            {name: {"endpoint": url, "company_id": name} for name, url in endpoints.items()}
        )
    )


def main() -> dict[str, Any]:
    print(
        f"{COMPANIES} companies (Expensify blueprint) on one sandbox, {LATENCY_MS} ms latency, "
        f"{REQUESTS_PER_COMPANY} requests at once per company"
    )
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        root = Path(tmp)
        # the latency is held inside the request limit by ServedAtOnce (so the requests it
        # counts at once are the ones being answered), not by the limiter before it
        app = make_app(str(root / "companies.db"), SandboxOptions(concurrency=REQUESTS_PER_COMPANY))
        started = time.perf_counter()
        names = [f"client-{n:03d}" for n in range(COMPANIES)]
        for name in names:
            app.companies.create(name, seed="starter")
        print(f"created {COMPANIES} companies in {time.perf_counter() - started:.1f} s")
        at_once = ServedAtOnce(app)
        with served(app) as url:
            figures = compare(root, dict.fromkeys(names, url), at_once)
        app.store.close()
    return figures


def compare(root: Path, endpoints: dict[str, str], at_once: ServedAtOnce) -> dict[str, Any]:
    folder = root / "project"
    write_project(folder, endpoints)

    started = time.perf_counter()
    server_cpu = time.process_time()  # this process serves the sandbox (its threads)
    client_cpu = 0.0
    for name in endpoints:
        single = run_cli(["plan", str(folder), "--target", name, "--quiet"])
        client_cpu += single.cpu_s
        if single.exit_code != 0:
            print(f"single plan of {name} failed (exit {single.exit_code}): {single.stderr[-800:]}")
            return {}
    sequential = time.perf_counter() - started
    server_cpu = time.process_time() - server_cpu
    figures: dict[str, Any] = {
        "companies": COMPANIES,
        "parallel_targets": PARALLEL,
        "sequential_s": round(sequential, 2),
        "sequential_cpu_s": {"plans": round(client_cpu, 2), "sandbox": round(server_cpu, 2)},
    }
    print(
        f"{COMPANIES} single-target plans, one after another: {sequential:.1f} s "
        f"(CPU: {client_cpu:.1f} s in the plan processes, {server_cpu:.1f} s in the sandbox)"
    )

    server_cpu = time.process_time()
    done = run_cli(
        [
            "plan", str(folder), "--target", "clients", "--quiet", "--format", "json",
            "--parallel-targets", str(PARALLEL), "--out-dir", str(root / "plans"),
            *(["--workers", WORKERS] if WORKERS else []),
        ]
    )  # fmt: skip
    server_cpu = time.process_time() - server_cpu
    fleet_wall, peak = done.wall_s, int(done.peak_mib)
    if done.exit_code != 0:
        print(f"fleet plan failed (exit {done.exit_code}): {done.stderr[-2000:]}")
        return figures
    summary = json.loads(done.stdout)["summary"]
    speedup = sequential / fleet_wall if fleet_wall else 0.0
    workers = done.processes - 1
    print(
        f"fleet plan, {PARALLEL} targets at once: {fleet_wall:.1f} s wall, peak memory "
        f"{peak} MiB (the sum over {done.processes} process(es): the fleet process "
        f"{done.own_peak_mib:.0f} MiB, the rest in the {workers} it started), "
        f"{summary['targets']} targets, {summary['failed']} failed, {summary['creates']} "
        f"creates (CPU: {done.cpu_s:.1f} s in the fleet process and its workers, of which "
        f"{done.own_cpu_s:.1f} s in the fleet process; {server_cpu:.1f} s in the sandbox)"
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
    across = at_once.peak_total > REQUESTS_PER_COMPANY  # only a per-company limit allows it
    print(
        f"  requests answered at once: at most {at_once.peak_company} per company (limit "
        f"{REQUESTS_PER_COMPANY}): {verdict(at_once.peak_company <= REQUESTS_PER_COMPANY)}; "
        f"{at_once.peak_total} over all companies"
        + (" (more than one company's limit: the limit is per company)" if across else "")
    )
    figures.update(
        fleet_s=round(fleet_wall, 2),
        fleet_cpu_s={
            "plan": round(done.cpu_s, 2),
            "fleet_process": round(done.own_cpu_s, 2),
            "sandbox": round(server_cpu, 2),
        },
        fleet_processes=done.processes,
        speedup=round(speedup, 2),
        peak_mib=peak,
        failed=summary["failed"],
        peak_requests_per_company=at_once.peak_company,
    )
    aims = [
        {
            "name": "fleet plan memory (MiB, summed over its processes)",
            "value": peak,
            "aim": f"< {MEMORY_TARGET_MIB} MiB",
            "met": 0 < peak < MEMORY_TARGET_MIB,
        }
    ]
    if COMPANIES >= 200:
        aims.insert(
            0,
            {
                "name": f"fleet plan speed-up over {COMPANIES} single plans",
                "value": round(speedup, 2),
                "aim": f">= {SPEEDUP_TARGET:g}x",
                "met": speedup >= SPEEDUP_TARGET,
            },
        )
    figures["aims"] = aims
    return figures
