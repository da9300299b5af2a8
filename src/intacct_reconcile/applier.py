"""apply(plan, clients) -> ApplyReport: execute a plan exactly as reviewed, then verify it.

- Changes run in plan order, each through its kind's writer (kinds/io.py). Consecutive
  changes of one kind, action and entity that do not depend on each other go to the writer
  together when it `batches`: the XML writer sends them through the gateway's batched writes
  (≤ 100 records per function, several functions per request; a call's creates or updates
  in requests in flight together within the company's concurrency limit); the REST writer
  sends one object per request, in parallel within that limit.
- Idempotency: every write carries a key derived from the plan checksum and the change refs;
  the clients turn it into deterministic control ids (XML `uniqueid`) or request keys (REST),
  so a retried request, or a re-run of the same saved plan, never creates twice.
- A failure does not stop the run: independent changes still run; a change whose
  `depends_on` names a failed (or not attempted) change is `not_attempted`, with the reason.
- Manual changes are never executed: they are reported as `manual` (or `skipped` when an
  attestation closed them).
- After the writes, touched objects are read again; one that does not hold what the plan
  wrote is a failed change whose error shows the difference.
- Stopping (`should_stop`, set by the first Ctrl-C or SIGTERM): the requests in flight get
  their answers, nothing more is sent (batched groups go to the writer up to
  RECORDS_PER_REQUEST records at a time); the rest is `not_attempted` and the report is
  `interrupted`. A KeyboardInterrupt (a second Ctrl-C) raises `ApplyInterrupted` carrying the
  report so far: the changes whose request was in flight are `interrupted` (answer unknown).
- Journal (`journal`, the audit log's write-ahead journal): told of every writer call before
  its request is sent and again of its answers (before the next call's intents, or while
  the re-read is on the wire), so a killed run leaves a record of what was on its way.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from intacct_reconcile.client.gateway import FUNCTIONS_PER_REQUEST, RECORDS_PER_FUNCTION
from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.kinds.io import STOPPED, WriteContext, entity_of, never
from intacct_reconcile.live import fields_to_read, read_live
from intacct_reconcile.planner import diff_fields
from intacct_reconcile.types import ApplyReport, Change, ChangeResult, Plan, Ref, State

log = logging.getLogger("intacct_reconcile.applier")
Step = Callable[[str], None]
# a batched group goes to its writer one XML request's worth of records at a time (sent as the
# company's concurrent requests at once when independent), so that a stop request is honoured
# between them
RECORDS_PER_REQUEST = RECORDS_PER_FUNCTION * FUNCTIONS_PER_REQUEST
IN_FLIGHT = (
    "in flight when the apply was stopped at once; Intacct's answer never came — run `plan` "
    "to see whether it is in place"
)


class WriteJournal(Protocol):
    """Records writes as they happen (audit/journal.py): before sending, after the answers."""

    def sending(self, changes: Sequence[Change]) -> None: ...

    def answered(self, results: Sequence[ChangeResult]) -> None: ...


class _NoJournal:
    def sending(self, changes: Sequence[Change]) -> None:
        pass

    def answered(self, results: Sequence[ChangeResult]) -> None:
        pass


NO_JOURNAL: WriteJournal = _NoJournal()


class ApplyInterrupted(KeyboardInterrupt):
    """Stopped at once (a second Ctrl-C): `report` says what is known about every change."""

    def __init__(self, report: ApplyReport, exit_code: int = 130) -> None:
        super().__init__()
        self.report = report
        self.exit_code = exit_code


@dataclass
class _Run:
    """One apply in progress: its clients and kinds, each change's result so far (by plan
    index), the requests in flight and the answers the journal has still to record."""

    plan_checksum: str
    clients: Any
    kinds: Mapping[str, Kind]
    results: dict[int, ChangeResult]
    step: Step
    should_stop: Callable[[], bool] = never
    in_flight: frozenset[int] = frozenset()  # plan indexes whose request is being sent
    journal: WriteJournal = NO_JOURNAL
    # the last writer call's answers, not journaled yet: written before the next intents, or
    # while the re-read that verifies them is on the wire (a kill before that leaves their
    # intents without outcomes: changes that may have landed, which is what they then are)
    unjournaled: Sequence[ChangeResult] = ()

    def journal_answers(self) -> None:
        answers, self.unjournaled = self.unjournaled, ()
        if answers:
            self.journal.answered(answers)

    def key(self, *parts: str) -> str:
        text = "\0".join((self.plan_checksum, *parts))
        return "ir-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def apply(
    plan: Plan,
    clients: Any,
    *,
    plan_checksum: str,
    progress: Step | None = None,
    registry: Mapping[str, Kind] | None = None,
    verify: bool = True,
    already_done: frozenset[Ref] = frozenset(),
    should_stop: Callable[[], bool] | None = None,
    journal: WriteJournal | None = None,
) -> ApplyReport:
    """Execute `plan` against the clients' company; never raises for a failed change.

    `already_done`: changes found in place before the run (an interrupted earlier run of the
    same saved plan applied them); they are reported as skipped, not written again.
    `should_stop`: asked before every request; once true, nothing more is sent.
    `journal`: told of every write before it is sent and when its answers are back.
    """
    run = _Run(
        plan_checksum,
        clients,
        registry or REGISTRY,
        {},
        progress or (lambda _m: None),
        should_stop or never,
        journal=journal or NO_JOURNAL,
    )
    changes: Sequence[Change] = plan.changes
    try:
        try:
            _run_groups(run, changes, already_done)
            stopped = run.should_stop()
            if verify and not stopped:
                _verify(run, changes, plan.live_counts)
        finally:
            run.journal_answers()
    except KeyboardInterrupt as exc:
        for index in run.in_flight:
            run.results.setdefault(index, ChangeResult(changes[index], "interrupted", IN_FLIGHT))
        report = _report(run, plan, interrupted=True)
        raise ApplyInterrupted(report, int(getattr(exc, "exit_code", 130))) from None
    return _report(run, plan, interrupted=stopped)


def _report(run: _Run, plan: Plan, *, interrupted: bool) -> ApplyReport:
    ordered = tuple(
        run.results.get(i) or ChangeResult(c, "not_attempted", STOPPED)
        for i, c in enumerate(plan.changes)
    )
    return ApplyReport(results=ordered, target=plan.target, interrupted=interrupted)


def _run_groups(run: _Run, changes: Sequence[Change], already_done: frozenset[Ref]) -> None:
    blocked: dict[Ref, str] = {}  # ref -> why its dependants cannot run
    for group in _groups(changes, run.kinds):
        if run.should_stop():
            return  # the rest is reported not attempted
        runnable = []
        for index, change in group:
            if change.action == "manual":
                status = "manual" if change.pending else "skipped"
                run.results[index] = ChangeResult(change, status)  # type: ignore[arg-type]
                continue
            if change.ref in already_done:
                run.results[index] = ChangeResult(change, "skipped")
                continue
            reason = _blocked_by(change, blocked)
            if reason:
                run.results[index] = ChangeResult(change, "not_attempted", reason)
                blocked[change.ref] = f"{change.ref} was not attempted"
                continue
            runnable.append((index, change))
        if runnable:
            _execute(run, runnable)
        for index, change in runnable:
            result = run.results.get(index)
            if result is None:
                return  # stopped inside the group: the rest is not attempted
            if result.status != "applied":
                blocked[change.ref] = f"{change.ref} failed"


# --- grouping --------------------------------------------------------------------------------


def _blocked_by(change: Change, blocked: Mapping[Ref, str]) -> str:
    for dep in change.depends_on:
        if dep in blocked:
            return f"depends on {dep}: {blocked[dep]}"
    return ""


def _batchable(change: Change, kinds: Mapping[str, Kind]) -> bool:
    """May this change share one writer call with its neighbours (the writer says)?"""
    kind = kinds.get(change.ref.kind)
    return (
        kind is not None
        and kind.writer.batches
        and change.action in ("create", "update", "deactivate", "delete")
    )


def _groups(
    changes: Sequence[Change], kinds: Mapping[str, Kind]
) -> Iterator[list[tuple[int, Change]]]:
    """Consecutive batchable changes of one kind, action and entity with no edge between them."""
    group: list[tuple[int, Change]] = []
    refs: set[Ref] = set()
    for index, change in enumerate(changes):
        same = (
            group
            and _batchable(change, kinds)
            and _batchable(group[0][1], kinds)
            and _group_key(change) == _group_key(group[0][1])
            and not refs.intersection(change.depends_on)
        )
        if group and not same:
            yield group
            group, refs = [], set()
        group.append((index, change))
        refs.add(change.ref)
    if group:
        yield group


def _group_key(change: Change) -> tuple[str, str, str]:
    return (change.ref.kind, change.action, entity_of(change))


# --- execution -------------------------------------------------------------------------------


def _execute(run: _Run, items: list[tuple[int, Change]]) -> None:
    kind = run.kinds[items[0][1].ref.kind]
    context = WriteContext(run.key, run.step, run.should_stop)
    for start in range(0, len(items), RECORDS_PER_REQUEST):
        if run.should_stop():
            return  # the rest of the group is reported not attempted
        chunk = items[start : start + RECORDS_PER_REQUEST]
        changes = [change for _, change in chunk]
        run.journal_answers()  # the previous call's outcomes come before these intents
        run.journal.sending(changes)  # on disk before the request leaves: a kill leaves a trace
        run.in_flight = frozenset(index for index, _ in chunk)
        try:
            results = kind.writer.write(kind, run.clients, changes, context)
        except ReconcileError as exc:  # a whole group refused (e.g. the session could not open)
            results = [ChangeResult(change, "failed", str(exc)) for change in changes]
        run.unjournaled = results
        for (index, _), result in zip(chunk, results, strict=True):
            run.results[index] = result


# --- verification ----------------------------------------------------------------------------


def _verify(run: _Run, changes: Sequence[Change], live_counts: Mapping[str, int]) -> None:
    """Re-read the kinds that were written; a change that did not stick becomes failed.
    `live_counts`: the objects of each kind the plan saw, to tell the reads how many to
    expect (the plan's count plus the creates, less the deletes)."""
    applied = {i: r for i, r in run.results.items() if r.status == "applied"}
    kinds = sorted({r.change.ref.kind for r in applied.values()})
    if not kinds:
        return
    run.step(f"verifying {len(applied)} change(s)")
    # only the fields the changes wrote (as a plan reads only the declared ones): less XML to
    # answer and to parse; a kind whose reader reads whole objects reads them whole anyway
    written: dict[str, set[str]] = {k: set() for k in kinds}
    for result in applied.values():
        written[result.change.ref.kind].update(result.change.desired or {})
    fields = {k: fields_to_read(run.kinds[k], names) for k, names in written.items()}
    expected = {k: live_counts.get(k, 0) for k in kinds}
    for result in applied.values():
        step = {"create": 1, "delete": -1}.get(result.change.action, 0)
        expected[result.change.ref.kind] += step
    try:
        live = _reading_while_journaling(
            run,
            lambda: read_live(
                run.clients, kinds, registry=run.kinds, fields=fields, expected=expected
            ),
        )
    except ReconcileError as exc:
        for index, result in applied.items():
            run.results[index] = ChangeResult(
                result.change, "failed", f"applied, but could not be verified: {exc}"
            )
        return
    for index, result in applied.items():
        problem = _mismatch(run.kinds[result.change.ref.kind], result.change, live)
        if problem:
            run.results[index] = ChangeResult(result.change, "failed", problem)


def _reading_while_journaling(run: _Run, read: Callable[[], State]) -> State:
    """`read()` on a thread of its own while the last answers are journaled here: the re-read
    waits on the wire, the journal on the CPU and the disk. The journal's error (the audit
    log cannot be written) is raised first, as it would have been before the read."""
    if not run.unjournaled:
        return read()
    # leaving the block waits for the read, also when the journal raised
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="intacct-verify") as reader:
        reading = reader.submit(read)
        run.journal_answers()
        return reading.result()


def satisfied(change: Change, live: State, registry: Mapping[str, Kind] | None = None) -> bool:
    """Does live state already hold what this change writes?"""
    kinds = registry or REGISTRY
    kind = kinds.get(change.ref.kind)
    if kind is None or change.action == "manual":
        return False
    if change.action == "create" and live.get(change.ref.kind, change.ref.key) is None:
        return False
    return not _mismatch(kind, change, live)


def _mismatch(kind: Kind, change: Change, live: State) -> str:
    current = live.get(change.ref.kind, change.ref.key)
    if change.action == "delete":
        return "" if current is None else f"{change.ref} still exists after delete"
    if current is None:
        return f"{change.ref} is not in Intacct after {change.action}"
    wanted = {k: v for k, v in (change.desired or {}).items() if not _unverifiable(kind, k)}
    held = current.values
    if all(held.get(name) == value for name, value in wanted.items()):
        return ""  # the usual verdict, without a field-level diff
    diffs = diff_fields(kind, wanted, held)
    if not diffs:
        return ""
    shown = "; ".join(f"{d.name}: wrote {d.after!r}, reads {d.before!r}" for d in diffs)
    return f"{change.ref} does not hold what was written ({shown})"


def _unverifiable(kind: Kind, name: str) -> bool:
    """Fields the live reader cannot see (write-only, placement, computed from manifest files)."""
    if not kind.has_field(name):
        return True
    spec = kind.field(name)
    return spec.write_only or spec.placement or name in kind.extra.get("computed_fields", ())


__all__ = ["apply", "satisfied"]
