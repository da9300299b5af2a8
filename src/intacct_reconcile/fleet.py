"""plan and apply over many targets at once: concurrent, bounded, one roll-up.

    results = fleet.plan(Path("intacct"), selectors=["client-*"], out_dir=Path("plans"),
                         on_result=print_line)

Each target runs as the single-target verb does (workflow.plan_in / apply_in), `parallel`
at a time; each target's clients keep that company's own request limit. The targets run as
threads of this process, or, for a fleet large enough to use the machine's other cores, in
worker processes (`workers`, auto_workers; fleet_workers.py), each with its share of the
threads. What a target runs is a job (PlanJob, ApplyJob, ApplyDirJob): settings and paths,
picklable, no credentials. A target that fails (bad credentials, API errors, a stale plan) is
one failed row: the others carry on. Only a small TargetResult per target is kept, and
`on_result` sees each as it finishes, so output streams and memory does not grow with the
plans.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from intacct_reconcile import interrupts, planfile, targets, workflow
from intacct_reconcile.client.errors import redact
from intacct_reconcile.errors import ConfigError, ReconcileError
from intacct_reconcile.run_context import PLAN_SUFFIX
from intacct_reconcile.settings import Config, Target, find_config, load_config

DEFAULT_PARALLEL_TARGETS = 4
# The main thread waits for its targets in steps this long, never in one blocking wait: the
# kernel may hand a Ctrl-C or SIGTERM to any thread of the process, and Python runs its handler
# in the main thread only once that thread wakes up. A main thread blocked until a target
# finished saw the signal only then, after the other targets had sent every request.
WAKE_SECONDS = 0.1
# auto_workers: a worker process costs ~0.3 s of CPU to start (a fresh interpreter, its
# imports, the config and the manifests' schema), about what 10 targets' plans cost, and
# ~45 MiB; a fleet uses one more worker per this many targets, up to one per core
TARGETS_PER_WORKER = 32

# Fleet exit status (README "Exit codes"): the worst of the targets' own codes, in this order,
# worst first: an error (1) hides a stale plan (5), which hides a partial apply (4), then a
# refusal (3), changes (2), manual steps waiting (6), success (0).
# A fleet stopped by SIGTERM (143) or Ctrl-C (130) ranks above all.
SEVERITY = (143, 130, 1, 5, 4, 3, 2, 6, 0)


def worst(codes: Iterable[int]) -> int:
    rank = {code: n for n, code in enumerate(SEVERITY)}
    return min(codes, key=lambda c: rank.get(c, rank[1]), default=0)


@dataclass(frozen=True)
class TargetResult:
    """One target's row of the roll-up."""

    target: str
    company_id: str = ""
    ok: bool = True
    exit_code: int = 0  # the single-target verb's code (plan: its --detailed-exitcode)
    creates: int = 0
    updates: int = 0
    deletes: int = 0  # deletes and deactivations
    manual: int = 0  # open manual steps
    gate: str = ""  # pass | allowed | refused ("" when no plan was made)
    applied: int | None = None  # apply only
    failed: int | None = None
    skipped: int | None = None  # already in place (an earlier, interrupted run of the plan)
    error: str = ""
    plan_file: str = ""

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.deletes or self.manual)

    def to_data(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TargetResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


OnResult = Callable[[TargetResult], None]
NOT_STARTED = "not started: the apply was stopped before this target began (nothing was sent)"


# --- choosing ----------------------------------------------------------------------------------


def choose(config: Config, selectors: Sequence[str], shard: str | None = None) -> list[Target]:
    """The selected targets (all of them without selectors), then this shard's share."""
    chosen = targets.select(config, selectors or [targets.ALL])
    if shard:
        k, n = targets.parse_shard(shard)
        chosen = targets.shard(chosen, k, n)
    return chosen


def _load(path: Path | None, config: Path | None) -> Config:
    if path is not None and not path.exists():
        raise ConfigError(f"{path}: no such manifest directory or file — check the PATH argument")
    return load_config(config, manifest_path=path)


# --- plan --------------------------------------------------------------------------------------


def plan(
    path: Path,
    *,
    selectors: Sequence[str],
    config: Path | None = None,
    shard: str | None = None,
    parallel: int = DEFAULT_PARALLEL_TARGETS,
    out_dir: Path | None = None,
    only_kinds: Sequence[str] = (),
    concurrency: int | None = None,
    on_result: OnResult | None = None,
    workers: int | None = None,
) -> list[TargetResult]:
    """Plan every selected target; with `out_dir`, one plan file per target in it.
    `workers`: processes to run the targets in (None: auto_workers)."""
    cfg = _load(path, config)
    chosen = choose(cfg, selectors, shard)
    if out_dir is not None:
        _prepare_out_dir(out_dir)
    job = PlanJob(cfg, path, out_dir, tuple(only_kinds), concurrency, _first(chosen))
    return _run(chosen, job, parallel, on_result, workers=workers)


@dataclass(frozen=True)
class PlanJob:
    """One target's plan, as every target of a fleet plan runs it. Picklable, for worker
    processes (fleet_workers.py): settings and paths only — no credentials, which each
    process resolves for itself as a single-target run does."""

    cfg: Config
    path: Path
    out_dir: Path | None
    only_kinds: tuple[str, ...]
    concurrency: int | None
    first: Target | None  # whose manifests warm a process up (_warm_up)

    def prepare(self) -> None:
        _warm_up(self.path, self.first)

    def __call__(self, target: Target) -> TargetResult:
        base = self.path if self.path.is_dir() else self.path.parent
        ctx = workflow.Context(self.cfg, _with_concurrency(target, self.concurrency), base)
        out = self.out_dir / plan_file_name(target.name) if self.out_dir is not None else None
        # the roll-up row is made from the plan itself: nothing is rendered per target
        outcome = workflow.plan_in(
            ctx, self.path, out=out, fmt="json", only_kinds=self.only_kinds, quiet=True,
            render=False,
        )  # fmt: skip
        return _plan_row(target, outcome, out)


def _plan_row(target: Target, outcome: workflow.PlanOutcome, out: Path | None) -> TargetResult:
    counts = outcome.plan.summary()
    gate = outcome.plan.gate.status if outcome.plan.gate is not None else ""
    return TargetResult(
        target=target.name,
        company_id=target.company_id or "",
        exit_code=outcome.detailed_exit_code,
        creates=counts["create"],
        updates=counts["update"],
        deletes=counts["delete"] + counts["deactivate"],
        manual=counts["manual"],
        gate=gate,
        plan_file=str(out) if out is not None else "",
    )


def plan_file_name(target: str) -> str:
    """`acme.plan.json`; characters a file name should not hold become `_`."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", target) + PLAN_SUFFIX


def _prepare_out_dir(out_dir: Path) -> None:
    """Before any request: a long fleet plan must not be lost to a bad --out-dir."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: --out-dir is a file — pass a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{out_dir}: cannot create the plan folder ({exc.strerror}) — pass a writable --out-dir"
        ) from None
    stale = sorted(out_dir.glob("*" + PLAN_SUFFIX))
    if stale:
        # an old plan left beside new ones would be applied by `apply DIR` too
        raise ConfigError(
            f"{out_dir}: already holds plan files ({stale[0].name}, ...) — pass an empty or "
            "new --out-dir, so `apply DIR` applies only this run's plans"
        )


# --- apply -------------------------------------------------------------------------------------


def apply(
    path: Path,
    *,
    selectors: Sequence[str],
    config: Path | None = None,
    shard: str | None = None,
    parallel: int = DEFAULT_PARALLEL_TARGETS,
    auto_approve: bool = False,
    force: bool = False,
    allow_irreversible: bool = False,
    only_kinds: Sequence[str] = (),
    concurrency: int | None = None,
    by: str | None = None,
    on_result: OnResult | None = None,
    stop: interrupts.StopRequest | None = None,
    workers: int | None = None,
) -> list[TargetResult]:
    """Plan and apply every selected target from the manifests (needs --auto-approve: a
    fleet is not confirmed target by target; review `plan --out-dir` and `apply DIR`)."""
    if not auto_approve:
        raise ConfigError(
            "apply over several targets needs --auto-approve, or review first: "
            "`plan --target ... --out-dir plans/`, then `apply plans/`"
        )
    cfg = _load(path, config)
    chosen = choose(cfg, selectors, shard)
    job = ApplyJob(
        cfg, path, tuple(only_kinds), concurrency, _first(chosen), force, allow_irreversible, by
    )
    return _run(chosen, job, parallel, on_result, stop, workers)


@dataclass(frozen=True)
class ApplyJob:
    """One target's apply from the manifests (picklable, as PlanJob)."""

    cfg: Config
    path: Path
    only_kinds: tuple[str, ...]
    concurrency: int | None
    first: Target | None
    force: bool
    allow_irreversible: bool
    by: str | None

    def prepare(self) -> None:
        _warm_up(self.path, self.first)

    def __call__(self, target: Target) -> TargetResult:
        base = self.path if self.path.is_dir() else self.path.parent
        ctx = workflow.Context(self.cfg, _with_concurrency(target, self.concurrency), base)
        outcome = workflow.apply_in(
            ctx,
            self.path,
            None,
            auto_approve=True,
            force=self.force,
            allow_irreversible=self.allow_irreversible,
            fmt="json",
            only_kinds=self.only_kinds,
            by=self.by,
            quiet=True,
        )
        return _apply_row(target, outcome)


def apply_dir(
    plan_dir: Path,
    *,
    selectors: Sequence[str] = (),
    config: Path | None = None,
    shard: str | None = None,
    parallel: int = DEFAULT_PARALLEL_TARGETS,
    force: bool = False,
    allow_irreversible: bool = False,
    concurrency: int | None = None,
    by: str | None = None,
    on_result: OnResult | None = None,
    stop: interrupts.StopRequest | None = None,
    workers: int | None = None,
) -> list[TargetResult]:
    """Apply each reviewed plan file in `plan_dir` (exactly as saved, stale ones refused)."""
    files = sorted(plan_dir.glob("*" + PLAN_SUFFIX))
    cfg = load_config(config or find_config(plan_dir) or _recorded_config(files))
    if cfg.path is None:
        raise ConfigError(
            f"{plan_dir}: no intacct-reconcile.yaml beside the plans, in the current directory "
            "or where they were made — pass --config (the one that defines their targets)"
        )
    by_target: dict[str, Path] = {}
    for file in files:
        name = _peek_target(file)
        if name in by_target:
            raise ConfigError(
                f"{file}: a second plan for target {name!r} (the first is "
                f"{by_target[name].name}) — keep one plan per target in {plan_dir}"
            )
        by_target[name] = file
    wanted = {t.name for t in choose(cfg, selectors, shard)} if (selectors or shard) else None
    if wanted is not None:
        by_target = {n: f for n, f in by_target.items() if n in wanted}
    unknown = sorted(set(by_target) - set(cfg.targets))
    if unknown:
        raise ConfigError(
            f"{by_target[unknown[0]]}: plan for target {unknown[0]!r}, which {cfg.path} does "
            "not define — pass the --config the plans were made with"
        )

    chosen = [cfg.targets[n] for n in sorted(by_target)]
    job = ApplyDirJob(cfg, by_target, concurrency, force, allow_irreversible, by)
    return _run(chosen, job, parallel, on_result, stop, workers)


@dataclass(frozen=True)
class ApplyDirJob:
    """One target's reviewed plan file applied (picklable, as PlanJob)."""

    cfg: Config
    files: Mapping[str, Path]  # target name -> its plan file
    concurrency: int | None
    force: bool
    allow_irreversible: bool
    by: str | None

    def prepare(self) -> None:
        pass  # each target reads its own plan file; nothing is shared to build first

    def __call__(self, target: Target) -> TargetResult:
        file = self.files[target.name]
        saved = planfile.load_saved(file)
        tgt = _with_concurrency(target, self.concurrency)
        workflow._same_target(file, saved.target, tgt)
        ctx = workflow.Context(self.cfg, tgt, self.cfg.base_dir)
        outcome = workflow.apply_in(
            ctx,
            file,
            saved,
            auto_approve=True,
            force=self.force,
            allow_irreversible=self.allow_irreversible,
            fmt="json",
            by=self.by,
            quiet=True,
        )
        return dataclasses.replace(_apply_row(target, outcome), plan_file=str(file))


def _recorded_config(files: Sequence[Path]) -> Path | None:
    """The config the first plan was made with (as `apply PLANFILE` finds it)."""
    for file in files[:1]:
        recorded = planfile.load_saved(file).origin.get("config")
        if recorded and Path(recorded).is_file():
            return Path(recorded)
    return None


def _peek_target(file: Path) -> str:
    return str(planfile.load_saved(file).target.get("name", ""))


def _apply_row(target: Target, outcome: workflow.ApplyOutcome) -> TargetResult:
    report = outcome.report
    if report is None:  # nothing to change
        return TargetResult(target.name, target.company_id or "", applied=0, failed=0, gate="pass")
    counts = report.counts()
    actions = [r.change.action for r in report.results]
    return TargetResult(
        target=target.name,
        company_id=target.company_id or "",
        ok=outcome.exit_code == 0,
        exit_code=outcome.exit_code,
        creates=actions.count("create"),
        updates=actions.count("update"),
        deletes=actions.count("delete") + actions.count("deactivate"),
        manual=counts["manual"],
        gate="pass",
        applied=counts["applied"],
        failed=counts["failed"] + counts["not_attempted"],
        skipped=counts["skipped"],
        error=next((redact(r.error) for r in report.results if r.error), ""),
    )


# --- running -----------------------------------------------------------------------------------


class Job(Protocol):
    """What a fleet runs for each target (PlanJob, ApplyJob, ApplyDirJob; or any function of
    a target, which has nothing to prepare and runs in this process only)."""

    def __call__(self, target: Target) -> TargetResult: ...


def prepare(job: Job) -> None:
    """Once per process, before its targets start: the job's `prepare()`, if it has one."""
    ready = getattr(job, "prepare", None)
    if ready is not None:
        ready()


def _first(chosen: Sequence[Target]) -> Target | None:
    """The target whose manifests warm a process up; none for a single target."""
    return chosen[0] if len(chosen) >= 2 else None


def _warm_up(path: Path, first: Target | None) -> None:
    """Load the manifests once before the targets start, for the first target.

    What every target shares is built on first use and then cached for the process (the
    manifest schema and its validators, the permission catalogue, lazily imported modules).
    Targets started together would each build it at once, before any could reuse it: 32
    targets at once built the schema 32 times (~30 ms of CPU each). The outcome is dropped:
    each target loads and checks the manifests with its own vars, and reports its own errors."""
    if first is None:
        return
    from intacct_reconcile import access_review, live, readahead, sod  # noqa: F401
    from intacct_reconcile.client import gateway, rest  # noqa: F401

    with contextlib.suppress(Exception):  # each target's own run reports its problems
        workflow._load_desired(path, first)


def _with_concurrency(target: Target, concurrency: int | None) -> Target:
    return dataclasses.replace(target, concurrency=concurrency) if concurrency else target


def auto_workers(targets: int, parallel: int) -> int:
    """Worker processes when --workers is not given: one per core this process may use,
    one per TARGETS_PER_WORKER targets, at most one per target at once, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, parallel, targets // TARGETS_PER_WORKER))


def _run(
    chosen: Sequence[Target],
    job: Job,
    parallel: int,
    on_result: OnResult | None,
    stop: interrupts.StopRequest | None = None,
    workers: int | None = None,
) -> list[TargetResult]:
    """Run `job` for every target, `parallel` at a time over all, in `workers` processes
    (None: auto_workers; 1: threads of this process); a failure is that target's row.
    Once `stop()` (an apply's first Ctrl-C or SIGTERM), targets not started yet are
    rows that say so; the running ones stop between requests on their own (interrupts.py)."""
    if parallel < 1:
        raise ConfigError("--parallel-targets must be at least 1")
    if workers is not None and workers < 1:
        raise ConfigError("--workers must be at least 1")
    count = auto_workers(len(chosen), parallel) if workers is None else workers
    count = min(count, parallel, len(chosen))  # each worker runs at least one target at once
    if count > 1:
        from intacct_reconcile import fleet_workers

        return fleet_workers.run(chosen, job, parallel, count, on_result, stop)
    prepare(job)
    results: list[TargetResult] = []
    reported: set[Future[TargetResult]] = set()

    def report(future: Future[TargetResult]) -> None:
        reported.add(future)
        while not future.done():
            wait([future], timeout=WAKE_SECONDS)
        result = future.result()
        results.append(result)
        if on_result is not None:
            on_result(result)

    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="target")
    futures: list[Future[TargetResult]] = []
    try:
        futures = [pool.submit(_guarded, job, target, stop) for target in chosen]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=WAKE_SECONDS, return_when=FIRST_COMPLETED)
            for future in futures:
                if future in done:
                    report(future)
    except KeyboardInterrupt:
        # Ctrl-C: targets not started never start. A thread cannot be stopped mid-request,
        # so the targets already running finish, and their rows are still reported: the
        # person learns what happened to every company that was touched. A second Ctrl-C
        # stops waiting.
        for future in futures:
            future.cancel()
        for future in futures:
            if future not in reported and not future.cancelled():
                report(future)
        pool.shutdown(wait=False)
        raise
    pool.shutdown(wait=True)
    return sorted(results, key=lambda r: r.target)


def _guarded(
    one: Callable[[Target], TargetResult],
    target: Target,
    stop: interrupts.StopRequest | None = None,
) -> TargetResult:
    if stop is not None and stop():
        return _failed(target, stop.exit_code, NOT_STARTED)
    try:
        return one(target)
    except ReconcileError as exc:
        return _failed(target, exc.exit_code, str(exc))
    except Exception as exc:  # one company's surprise must not stop the others
        return _failed(target, 1, f"unexpected error: {exc!r}")


def _failed(target: Target, code: int, message: str) -> TargetResult:
    return TargetResult(
        target=target.name,
        company_id=target.company_id or "",
        ok=False,
        exit_code=code,
        error=redact(message),
    )
