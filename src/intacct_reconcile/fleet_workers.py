"""A fleet's targets in worker processes: the machine's other cores for a fleet of many targets.

A Python process runs Python code on one core at a time (the GIL). A fleet plan spends most
of its CPU in Python (reading answers, planning, writing plan files), so past a few dozen
targets one process is bound by one core while its requests could go faster. `run()` starts
`workers` processes ("spawn": fresh interpreters, never forks of this process's threads and
sockets). `--parallel-targets` is the bound over all of them, split between them; each runs
its threads over one shared queue of targets, so a slow company holds up no other.

What crosses between the processes: to the workers, the job (the config and the options:
no credentials, which each worker resolves from the environment and the credentials file as
a single-target run does) and each target's settings; back, a note when a target starts and
its TargetResult (redacted as every row is) when it ends, streamed to `on_result` then.

Signals: the workers ignore SIGINT and SIGTERM (a terminal's Ctrl-C reaches the whole
process group); this process alone handles them, and tells the workers through one shared
number (the signal, 0 until then):
- Ctrl-C or SIGTERM during a plan (KeyboardInterrupt here): no target starts any more, the
  running ones finish and are reported, then the interrupt goes on (exit 130/143);
- an apply's first signal (its stop request, interrupts.py): told at once, so every running
  target stops between requests and keeps what landed; targets not started are rows that
  say so. Its second signal is then as a plan's first;
- one more signal while the running targets are waited for stops at once: the workers are
  killed (an apply's changes then in flight are unknown, and the audit log says so on the
  target's next apply, as for any apply killed mid-way).
A worker that ends without finishing (killed, out of memory) fails the targets it was
running, and only those. A worker whose fleet process is gone starts no further target.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from collections.abc import Sequence
from multiprocessing import get_context
from typing import Any

from intacct_reconcile import interrupts
from intacct_reconcile.client import deadline
from intacct_reconcile.fleet import (
    NOT_STARTED,
    Job,
    OnResult,
    TargetResult,
    _failed,
    _guarded,
    prepare,
)
from intacct_reconcile.settings import Target

POLL_SECONDS = 0.1  # how often a waiting side looks again (its workers, its fleet process)
LOST = (
    "the worker process running this target ended unexpectedly (exit code {code}); requests "
    "it had sent may have landed — plan this target again"
)

UNTAKEN = "not run: no worker process took this target (nothing was sent)"


def shares(parallel: int, workers: int) -> list[int]:
    """--parallel-targets split between the workers: it bounds the fleet, not each worker."""
    base, extra = divmod(parallel, workers)
    return [base + (1 if n < extra else 0) for n in range(workers)]


def run(
    chosen: Sequence[Target],
    job: Job,
    parallel: int,
    workers: int,
    on_result: OnResult | None,
    stop: interrupts.StopRequest | None,
) -> list[TargetResult]:
    """Run `job` for every target in `workers` processes; the rows sorted by target."""
    context = get_context("spawn")
    tasks: Any = context.Queue()
    results: Any = context.Queue()
    # the signal that stopped the fleet (0: none yet); a plain shared int, so a signal
    # handler can set it without taking a lock the interrupted code might hold
    stopped: Any = context.RawValue("i", 0)
    threads = shares(parallel, workers)
    for target in chosen:
        tasks.put(target)
    for _ in range(sum(threads)):
        tasks.put(None)  # one "no more targets" per thread
    tasks.cancel_join_thread()  # at exit, never wait to hand out targets nobody will take
    processes = [
        context.Process(
            target=work,
            args=(n, job, tasks, results, stopped, count, deadline.current(), stop is not None),
            name=f"intacct-reconcile fleet worker {n + 1}",
        )
        for n, count in enumerate(threads)
    ]
    fleet = _Fleet(chosen, processes, results, on_result)

    def tell(signum: int) -> None:
        stopped.value = signum

    if stop is not None:
        stop.listeners.append(tell)
    try:
        for process in processes:
            process.start()
        fleet.wait()
    except KeyboardInterrupt as exc:
        # a plan's signal, or an apply's second: no target starts, the running ones finish
        # (an apply's between requests) and are reported, as threads do
        tell(signal.SIGTERM if isinstance(exc, interrupts.Terminated) else signal.SIGINT)
        try:
            fleet.wait()
        except KeyboardInterrupt:
            _end_now(processes)  # asked once more: stop at once
            raise
        raise
    except BaseException:
        # this process failed (its output closed, say): the workers stop as for a signal
        # rather than carry on with nobody to report to
        tell(signal.SIGTERM)
        raise
    finally:
        if stop is not None:
            stop.listeners.remove(tell)
    if stop is not None and stop():
        tell(stop.signum or signal.SIGINT)
    for process in processes:
        if process.pid is not None:
            process.join()
    for target in chosen:  # never taken by a worker: an apply stopped before they began
        if target.name not in fleet.rows:
            if stop is not None and stop():
                fleet.report(_failed(target, stop.exit_code, NOT_STARTED))
            else:
                fleet.report(_failed(target, 1, UNTAKEN))
    return sorted(fleet.rows.values(), key=lambda r: r.target)


def _end_now(processes: Sequence[Any]) -> None:
    """Kill the workers (they ignore SIGTERM): what an apply had in flight is unknown, and the
    audit log says so on the target's next apply, as for any apply killed mid-way."""
    for process in processes:
        if process.pid is not None and process.exitcode is None:
            process.kill()
    for process in processes:
        if process.pid is not None:
            process.join()


class _Fleet:
    """This process's side: the rows as they come, and which worker runs which target."""

    def __init__(
        self,
        chosen: Sequence[Target],
        processes: Sequence[Any],
        results: Any,
        on_result: OnResult | None,
    ) -> None:
        self.by_name = {t.name: t for t in chosen}
        self.processes = processes
        self.results = results
        self.on_result = on_result
        self.rows: dict[str, TargetResult] = {}
        self.running: dict[int, set[str]] = {n: set() for n in range(len(processes))}
        self.done: set[int] = set()

    def wait(self) -> None:
        """Until every worker is done (or gone)."""
        while len(self.done) < len(self.processes):
            try:
                self.handle(self.results.get(timeout=POLL_SECONDS))
                continue
            except queue.Empty:
                pass
            for n, process in enumerate(self.processes):
                if n not in self.done and process.pid is None:
                    self.done.add(n)  # never started (a signal while starting them)
                elif n not in self.done and process.exitcode is not None:
                    self.drain()  # what it sent before it ended is in the pipe already
                    if n not in self.done:
                        self.lost(n, process.exitcode)

    def drain(self) -> None:
        while True:
            try:
                self.handle(self.results.get_nowait())
            except queue.Empty:
                return

    def handle(self, message: tuple[str, int, Any]) -> None:
        kind, worker, payload = message
        if kind == "started":
            self.running[worker].add(payload)
        elif kind == "row":
            self.running[worker].discard(payload.target)
            self.report(payload)
        elif kind == "done":
            self.done.add(worker)

    def report(self, row: TargetResult) -> None:
        self.rows[row.target] = row
        if self.on_result is not None:
            self.on_result(row)

    def lost(self, worker: int, code: int) -> None:
        self.done.add(worker)
        for name in sorted(self.running.pop(worker, set())):
            self.report(_failed(self.by_name[name], 1, LOST.format(code=code)))


# --- in a worker process -----------------------------------------------------------------------


class _Relayed(interrupts.StopRequest):
    """The fleet process's stop request, as a worker's threads see it."""

    def __init__(self, stopped: Any) -> None:
        super().__init__()
        self._stopped = stopped

    def __call__(self) -> bool:
        if self.signum is None and self._stopped.value:
            self.signum = int(self._stopped.value)
        return self.signum is not None


def work(
    worker: int,
    job: Job,
    tasks: Any,
    results: Any,
    stopped: Any,
    threads: int,
    limits: Any,
    unstarted_rows: bool,
) -> None:
    """A worker process: `threads` threads take targets until there are none (or a stop)."""
    # the fleet process decides about signals and tells the workers (module docstring)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    fleet_process = os.getppid()
    deadline.adopt(limits)  # --timeout / --request-timeout, as the fleet process has them
    stop = _Relayed(stopped)
    interrupts.share(stop)  # an apply's targets stop between requests when told
    prepare(job)

    def take() -> None:
        while not stop() and os.getppid() == fleet_process:
            try:
                target = tasks.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if target is None:
                return
            if stop() and not unstarted_rows:
                return  # a stopped plan: this target never starts (no row, as with threads)
            results.put(("started", worker, target.name))
            results.put(("row", worker, _guarded(job, target, stop if unstarted_rows else None)))

    running = [
        threading.Thread(target=take, name=f"target-{n}", daemon=True) for n in range(threads)
    ]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    with contextlib.suppress(BrokenPipeError):
        results.put(("done", worker, None))
