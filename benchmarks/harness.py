"""What every benchmark shares: a seeded sandbox served by `intacct-reconcile sandbox serve`
in a process of its own, the CLI run as a whole process that reports its CPU time and peak
memory (with those of the processes it starts, a fleet's workers: their CPU added, their
peaks summed), requests counted from the sandbox's request log, and aims printed as met /
missed.

The package is byte-compiled once before the first CLI run, as installing it (pip install, a
wheel) does: without that, an editable install under PYTHONDONTWRITEBYTECODE=1 (as on CI
machines) compiles every module of the package from source in every process, ~0.2 s of CPU
per run that no installed copy pays.

Latency model (sandbox/realism.py): LATENCY_MS flat per request, plus FUNCTION_MS per
function and RECORD_MS per record sent or returned, held inside the server's concurrency slot
(CONCURRENCY requests in flight, Intacct's standard limit).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

LATENCY_MS = 50.0
FUNCTION_MS = float(os.environ.get("BENCH_FUNCTION_MS", "2"))  # 0 for the flat model
RECORD_MS = float(os.environ.get("BENCH_RECORD_MS", "0.05"))
CONCURRENCY = 2
PAGE = 2000
ROUNDS = 3  # each timed figure: min / median of this many runs


def model() -> dict[str, float]:
    return {
        "latency_ms": LATENCY_MS,
        "function_ms": FUNCTION_MS,
        "record_ms": RECORD_MS,
        "concurrency": CONCURRENCY,
    }


@dataclass
class Run:
    """One CLI process: what it printed and what it cost."""

    exit_code: int
    wall_s: float  # the whole process, interpreter start-up included
    in_process_s: float  # from the first line of the program to its exit
    cpu_s: float  # user + system time of the process and the processes it waited for
    peak_mib: float  # the sum of the peaks of the process and of those it started
    requests: int  # HTTP requests the sandbox logged meanwhile
    stdout: str
    stderr: str
    processes: int = 1  # the CLI's own process and those it started (a fleet's workers)
    own_cpu_s: float = 0.0  # the CLI's own process alone (run_cli)
    own_peak_mib: float = 0.0


# The CLI, run as `python -c`, reporting its own figures as the last line of stderr: its CPU
# time and that of the processes it started and waited for (a fleet's worker processes), and
# the peak memory of all of them summed. A process's peak is its VmHWM; the peaks of the
# processes it starts are sampled every 0.1 s while they run (a thread scanning /proc for
# them, ~1 ms of CPU a scan), the last sample of each being its peak (VmHWM only grows).
_CHILD = """\
import json, os, resource, runpy, sys, threading, time
started = time.perf_counter()
peaks = {}
def hwm(pid):
    try:
        with open(f'/proc/{pid}/status') as status:
            return next(int(l.split()[1]) for l in status if l.startswith('VmHWM:'))
    except (OSError, StopIteration, ValueError):
        return 0
def watch():
    family = {os.getpid()}
    while True:
        for entry in os.scandir('/proc'):
            if entry.name.isdigit() and int(entry.name) not in family:
                try:
                    with open(f'/proc/{entry.name}/stat', 'rb') as stat:
                        ppid = int(stat.read().rsplit(b')', 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid in family:
                    family.add(int(entry.name))
        for pid in family - {os.getpid()}:
            peaks[pid] = max(peaks.get(pid, 0), hwm(pid))
        time.sleep(0.1)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ['intacct-reconcile', *sys.argv[1:]]
code = 0
try:
    runpy.run_module('intacct_reconcile', run_name='__main__')
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # VmHWM: this program's own peak (ru_maxrss carries the parent's across fork and exec)
    print(json.dumps({'in_process_s': time.perf_counter() - started,
                      'cpu_s': own.ru_utime + own.ru_stime,
                      'children_cpu_s': children.ru_utime + children.ru_stime,
                      'maxrss_kib': hwm('self') or own.ru_maxrss,
                      'children_maxrss_kib': sum(peaks.values()),
                      'processes': 1 + len(peaks)}), file=sys.stderr, flush=True)
sys.exit(code)
"""


def log_lines(log: Path | None) -> int:
    if log is None or not log.exists():
        return 0
    with log.open("rb") as fh:
        return sum(1 for _ in fh)


_COMPILED: list[bool] = []


def ensure_bytecode() -> None:
    """Byte-compile the package (once per benchmark run), as an installed copy is."""
    if _COMPILED:
        return
    import compileall

    import intacct_reconcile

    compileall.compile_dir(str(Path(intacct_reconcile.__file__).parent), quiet=1)
    _COMPILED.append(True)


def run_cli(args: Iterable[str], log: Path | None = None, python: str = sys.executable) -> Run:
    ensure_bytecode()
    before = log_lines(log)
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-c", _CHILD, *args], capture_output=True, text=True, timeout=900
    )
    wall = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    # the figures line is the program's last, but a process it started (multiprocessing's
    # resource tracker) may still write after it: take the last line that holds figures
    found = [n for n, line in enumerate(lines) if line.startswith('{"in_process_s"')]
    figures = json.loads(lines.pop(found[-1])) if found else {}
    if not figures:
        print(f"  (no figures from the CLI process; its stderr ends: {lines[-3:]!r})")
    return Run(
        exit_code=done.returncode,
        wall_s=wall,
        in_process_s=float(figures.get("in_process_s", wall)),
        cpu_s=float(figures.get("cpu_s", 0.0)) + float(figures.get("children_cpu_s", 0.0)),
        peak_mib=(int(figures.get("maxrss_kib", 0)) + int(figures.get("children_maxrss_kib", 0)))
        / 1024,
        requests=log_lines(log) - before,
        stdout=done.stdout,
        stderr="\n".join(lines),
        processes=int(figures.get("processes", 1)),
        own_cpu_s=float(figures.get("cpu_s", 0.0)),
        own_peak_mib=int(figures.get("maxrss_kib", 0)) / 1024,
    )


def run_script(python: str, script: Path, args: Iterable[str], log: Path | None) -> Run:
    """Another program (the SDK way) as a whole process: it prints its figures as JSON."""
    before = log_lines(log)
    started = time.perf_counter()
    done = subprocess.run([python, str(script), *args], capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    figures = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    return Run(
        exit_code=done.returncode,
        wall_s=wall,
        in_process_s=float(figures.get("in_process_s", wall)),
        cpu_s=float(figures.get("cpu_s", 0.0)),
        peak_mib=int(figures.get("maxrss_kib", 0)) / 1024,
        requests=log_lines(log) - before,
        stdout=done.stdout,
        stderr=done.stderr[-2000:],
    )


def timed(runs: list[Run]) -> dict[str, Any]:
    """min / median of each figure over the runs (rounded for printing and JSON)."""

    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "min": round(ordered[0], 3),
            "median": round(ordered[len(ordered) // 2], 3),
            "max": round(ordered[-1], 3),
        }

    return {
        "runs": len(runs),
        "wall_s": stats([r.wall_s for r in runs]),
        "in_process_s": stats([r.in_process_s for r in runs]),
        "cpu_s": stats([r.cpu_s for r in runs]),
        "peak_mib": stats([r.peak_mib for r in runs]),
        "requests": stats([float(r.requests) for r in runs]),
        "exit_codes": sorted({r.exit_code for r in runs}),
    }


def check(run: Run, ok_codes: Iterable[int] = (0,)) -> Run:
    if run.exit_code not in tuple(ok_codes):
        raise RuntimeError(f"exit {run.exit_code}: {run.stderr[-1500:]}")
    return run


def aim(name: str, value: float, target: float, unit: str, *, below: bool = True) -> dict:
    met = value <= target if below else value >= target
    sign = "<=" if below else ">="
    print(
        f"  {name}: {value:.2f} {unit} (aim {sign} {target:g} {unit}): {'met' if met else 'missed'}"
    )
    return {"name": name, "value": round(value, 3), "aim": f"{sign} {target:g} {unit}", "met": met}


def network_bound_s(pages: Iterable[int], extra_requests: int = 1) -> float:
    """The least wall time the reads can take at this latency model: every page of `pages`
    (records per page) is one function in flight CONCURRENCY at a time, plus
    `extra_requests` sequential ones (the session)."""
    costs = sorted(((LATENCY_MS + FUNCTION_MS + n * RECORD_MS) / 1000 for n in pages), reverse=True)
    lanes = [0.0] * CONCURRENCY
    for cost in costs:  # longest first onto the least loaded lane
        lanes[lanes.index(min(lanes))] += cost
    return max(lanes) + extra_requests * (LATENCY_MS + FUNCTION_MS) / 1000


def pages_of(*totals: int) -> list[int]:
    out = []
    for total in totals:
        full, rest = divmod(total, PAGE)
        out += [PAGE] * full + ([rest] if rest else [])
    return out


def requests_bound(*totals: int) -> int:
    return sum(math.ceil(t / PAGE) for t in totals)


@contextmanager
def served(db: Path, log: Path) -> Iterator[str]:
    """`intacct-reconcile sandbox serve` on 127.0.0.1 in its own process; yields its URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "intacct_reconcile",
            "sandbox",
            "serve",
            "--db",
            str(db),
            "--log",
            str(log),
            "--latency-ms",
            str(LATENCY_MS),
            "--function-ms",
            str(FUNCTION_MS),
            "--record-ms",
            str(RECORD_MS),
            "--concurrency",
            str(CONCURRENCY),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"sandbox did not start: {line!r} {err[-1000:]}")
        yield line.removeprefix("listening on ").strip()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def write_config(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "intacct-reconcile.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "default_target": "local",
                "targets": {"local": {"endpoint": url, "company_id": "DEMO"}},
                "safety": {"max_delete_percent": 20, "max_update_percent": 50},
            }
        )
    )
    return path


def as_json(value: Any) -> Any:
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def run_cli_done(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """run_cli as (completed process, wall seconds, peak MiB), for benchmarks that print."""
    run = run_cli(args)
    done = subprocess.CompletedProcess(args, run.exit_code, run.stdout, run.stderr)
    return done, run.wall_s, int(run.peak_mib)
