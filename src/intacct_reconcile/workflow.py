"""The verbs as plain functions: plan, apply, attest, export. The CLI only parses and prints.

plan:   config + target (vars) -> desired state -> clients -> live state -> planner -> render
apply:  the target's lock (locks.py) -> the same plan, or a saved plan file (checksum and
        signature checked, refused when stale, the gate's inputs derived again from live
        state: rederive.py) -> safety gate -> confirmation -> applier (journaled in the audit
        log) -> rendered report
unlock: break a target's lock whose holder is gone
attest: record a manual step in `.intacct-reconcile/attestations/<target>.yaml`
export: live state -> manifest YAML, so that a first plan is empty (module `export`)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from intacct_reconcile import (
    __version__,
    attestations,
    audit,
    digests,
    locks,
    planfile,
    planner,
    rederive,
    safety,
)
from intacct_reconcile.connect import open_clients, warm_tls
from intacct_reconcile.errors import ConfigError, ReconcileError, StalePlanError
from intacct_reconcile.interrupts import stop_on_signal
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.progress import Progress
from intacct_reconcile.readahead import ReadAhead
from intacct_reconcile.render import RENDERERS
from intacct_reconcile.run_context import Context, is_plan_file, resolve_context
from intacct_reconcile.settings import Config, Target, load_config, resolve_target
from intacct_reconcile.terminal import Ui, default_ui
from intacct_reconcile.types import ApplyReport, ChangeResult, Plan, PlanOptions, Ref, State

if TYPE_CHECKING:
    from intacct_reconcile.early_session import EarlyApply

FORMATS = ("text", "markdown", "json")


# `plan --detailed-exitcode` (README "Exit codes"): 2 changes the tool can make (or a manual
# step whose declared value changed), 3 apply would refuse the plan (the safety gate),
# 6 only manual steps waiting for a person
EXIT_CHANGES = 2
EXIT_REFUSED = 3
EXIT_WAITING = 6


@dataclass(frozen=True)
class PlanOutcome:
    """What `plan` gives: the plan, its rendered output, and whether it holds pending changes."""

    plan: Plan
    output: str
    has_changes: bool

    @property
    def detailed_exit_code(self) -> int:
        if self.plan.gate is not None and self.plan.gate.refused:
            return EXIT_REFUSED
        if self.plan.changes_to_make:
            return EXIT_CHANGES
        return EXIT_WAITING if self.plan.waiting else 0


@dataclass(frozen=True)
class ApplyOutcome:
    """What `apply` gives: the report (None: nothing was applied), the rendered output and the
    exit code."""

    report: ApplyReport | None
    output: str
    exit_code: int
    # for what runs after the apply (smoke/commands.py): the audit log's id of this apply
    # (None when nothing was written) and the target and folder it ran against
    apply_id: str | None = None
    context: Context | None = None


# --- shared steps ----------------------------------------------------------------------------


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown --format {fmt!r} — use one of: {', '.join(FORMATS)}")


def _color(ui: Ui, fmt: str) -> bool:
    """Colour for stdout, asked only for text: asking makes the terminal's console, which a
    run writing JSON or markdown to a pipe never needs (rich takes a while to import)."""
    return fmt == "text" and ui.color


def _render(thing: Plan | ApplyReport, fmt: str, color: bool = False) -> str:
    """`color`: the Ui's verdict for the stream the text goes to (text format only)."""
    return RENDERERS[fmt](thing, color=color and fmt == "text")


def _load_desired(path: Path, target: Target, on_loaded: Any = None) -> Any:
    from intacct_reconcile.manifest.api import load_desired

    return load_desired(path, vars=dict(target.vars), env=os.environ, on_loaded=on_loaded)


def _read_live(
    clients: Any,
    kinds: Sequence[str],
    manifests: Any,
    progress: Progress,
    ahead: ReadAhead | None = None,
) -> State:
    from intacct_reconcile.live import check_deferred_refs, declared_fields, own_objects, read_live

    deferred = list(getattr(manifests, "deferred_refs", ()) or ())
    ref_kinds = sorted({d.target.kind for d in deferred} - set(kinds))
    # only the fields the plan compares (kinds read for references: their identity)
    declared = declared_fields(manifests.desired)
    fields = {k: declared.get(k, frozenset()) for k in kinds}
    fields.update({k: frozenset() for k in ref_kinds})
    wanted = [*kinds, *ref_kinds]
    early = ahead.result(wanted, fields) if ahead is not None else State({})
    rest = [k for k in wanted if k not in early.resources]
    if rest:
        progress.step(f"reading live state: {', '.join(rest)}")
    elif not wanted:
        progress.step("reading live state: nothing")
    later = read_live(clients, rest, fields=fields) if rest else State({})
    read = {**early.resources, **later.resources}
    live = own_objects(State({k: read[k] for k in wanted}), manifests.desired)
    if deferred:
        check_deferred_refs(deferred, live)
    # kinds read only to check references are not planned (no "unmanaged" noise)
    return State({**{k: live.of(k) for k in kinds}, **_read_for_notes(clients, kinds)})


def _read_for_notes(clients: Any, kinds: Sequence[str]) -> dict[str, Any]:
    """Live state the declared kinds' plan notes need (`Kind.note_reads`) of kinds the
    manifests do not declare. Only notes depend on it: a read the API refuses leaves them
    silent instead of failing the plan. The planner plans declared kinds only."""
    from intacct_reconcile.live import read_live

    wanted = sorted({n for k in kinds for n in REGISTRY[k].note_reads} - set(kinds))
    out: dict[str, Any] = {}
    for key in wanted:
        try:
            out[key] = read_live(clients, [key]).of(key)
        except ReconcileError:  # refused or unreachable: the notes stay silent
            continue
    return out


def _check_kinds(only_kinds: Sequence[str]) -> None:
    unknown = sorted(set(only_kinds) - set(REGISTRY))
    if unknown:
        raise ConfigError(
            f"unknown --kind {', '.join(unknown)} — known kinds: {', '.join(REGISTRY)}"
        )


def _plan_options(ctx: Context, manifests: Any, only_kinds: Sequence[str]) -> PlanOptions:
    _check_kinds(only_kinds)
    return PlanOptions(
        target=ctx.target.name,
        ownership=dict(ctx.target.ownership),  # type: ignore[arg-type]
        attestations=attestations.load(
            ctx.base_dir,
            ctx.target.name,
            attestations.Validity.from_config(ctx.config.attestations),
        ),
        only_kinds=tuple(only_kinds),
        manifest_digest=str(getattr(manifests, "digest", "") or ""),
        now=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _kinds_used(desired: State, only_kinds: Sequence[str]) -> list[str]:
    return [k for k in desired.kinds() if not only_kinds or k in only_kinds]


def _make_plan(
    ctx: Context,
    clients: Any,
    manifests: Any,
    only_kinds: Sequence[str],
    progress: Progress,
    only: Sequence[Ref] = (),
    ahead: ReadAhead | None = None,
    creates: planner.Creates | None = None,
) -> Plan:
    options = _plan_options(ctx, manifests, only_kinds)  # a mistyped --kind: before any read
    kinds = _kinds_used(manifests.desired, only_kinds)
    live = _read_live(clients, kinds, manifests, progress, ahead)
    full = planner.plan(manifests.desired, live, options, creates)
    full = _review_access(ctx, clients, manifests, kinds, live, full, progress)
    return partial_plan(full, only, manifests.desired) if only else full


# --- --only KIND/KEY -------------------------------------------------------------------------


def parse_only(texts: Sequence[str], only_kinds: Sequence[str] = ()) -> tuple[Ref, ...]:
    """`--only KIND/KEY` values as refs (keys normalised like the kind's identity)."""
    refs = []
    for text in texts:
        kind_key, sep, key = text.partition("/")
        if not sep or not kind_key or not key:
            raise ConfigError(f"--only {text!r} is not KIND/KEY — e.g. --only gl_accounts/2110")
        if kind_key not in REGISTRY:
            raise ConfigError(
                f"--only {text!r}: unknown kind {kind_key!r} — known kinds: {', '.join(REGISTRY)}"
            )
        if only_kinds and kind_key not in only_kinds:
            raise ConfigError(
                f"--only {text!r} is outside the --kind filter ({', '.join(only_kinds)}) — "
                "drop --kind or add its kind"
            )
        refs.append(Ref(kind_key, REGISTRY[kind_key].normalize_key(key)))
    return tuple(dict.fromkeys(refs))


def partial_plan(full: Plan, only: Sequence[Ref], desired: State) -> Plan:
    """The full plan cut down to the `--only` objects, refused when that would leave out a
    dependency: an object they refer to that this plan also creates or changes."""
    wanted = set(only)
    planned = {c.ref for c in full.changes}
    unknown = [r for r in only if r not in planned and desired.get(r.kind, r.key) is None]
    if unknown:
        raise ConfigError(
            f"--only {', '.join(map(str, unknown))}: not declared in the manifests and not in "
            "the plan — check the KIND/KEY spelling"
        )
    changing = {c.ref: c for c in full.pending}
    missing = sorted(
        {
            (str(c.ref), str(dep), changing[dep].action)
            for c in full.changes
            if c.ref in wanted
            for dep in c.depends_on
            if dep in changing and dep not in wanted
        }
    )
    if missing:
        needs = "; ".join(
            f"{ref} needs {dep} ({action} in this plan)" for ref, dep, action in missing
        )
        adds = " ".join(f"--only {dep}" for dep in sorted({dep for _, dep, _ in missing}))
        raise ConfigError(
            f"--only leaves out a dependency: {needs} — add {adds}, or plan without --only"
        )
    kept = tuple(c for c in full.changes if c.ref in wanted)
    kept_refs = {str(c.ref) for c in kept}
    notes = [
        f"partial plan (--only): {len(kept)} of {len(full.changes)} change(s); other "
        "objects were compared but are left out",
        *full.notes,
    ]
    return dataclasses.replace(
        full,
        changes=kept,
        unmanaged=(),  # a partial plan speaks only of the objects named
        access_changes=tuple(a for a in full.access_changes if a.user in wanted),
        fingerprints={k: v for k, v in full.fingerprints.items() if k in kept_refs},
        notes=tuple(notes),
        only=tuple(only),
    )


def _review_access(
    ctx: Context,
    clients: Any,
    manifests: Any,
    kinds: Sequence[str],
    live: State,
    the_plan: Plan,
    progress: Progress,
) -> Plan:
    """Access review of every live user, and segregation of duties, when the plan touches
    roles or users (or the config enables SoD): one extra read of users and roles (what the
    plan's own reads asked already is answered from them: readahead.SharedReads)."""
    from intacct_reconcile import sod
    from intacct_reconcile.access import affects_access

    touches = affects_access(REGISTRY, kinds)
    run_sod = sod.enabled(ctx.config.sod, touches)
    if not (touches or run_sod):
        return the_plan
    from intacct_reconcile import access_review  # the permission catalogue with it

    role_kind = access_review.role_kind(REGISTRY)
    if role_kind is None:
        return the_plan
    progress.step("reading users and roles for the access review")
    access = access_review.read_live_access(clients, role_kind)
    the_plan, snaps = access_review.review(REGISTRY, the_plan, manifests.desired, live, access)
    if not run_sod:
        return the_plan
    mitigations = getattr(manifests, "mitigations", ())
    today = datetime.now(UTC).date()
    return sod.evaluate_plan(
        the_plan,
        snaps,
        ctx.config.sod,
        ctx.base_dir,
        mitigations,
        today,
        complete=access.complete,
        reasons=access.scope.reasons,
    )


def target_identity(target: Target) -> dict[str, str]:
    """What a plan file records about the target: never credentials."""
    return {
        "name": target.name,
        "company_id": target.company_id or "",
        "entity": target.entity_id or "",
        "endpoint": "sandbox" if target.sandbox else target.endpoint,
    }


# --- plan ------------------------------------------------------------------------------------


def plan(
    path: Path,
    *,
    config: Path | None = None,
    target: str | None = None,
    out: Path | None = None,
    fmt: str = "text",
    only_kinds: Sequence[str] = (),
    only: Sequence[str] = (),
    concurrency: int | None = None,
    quiet: bool = False,
    sandbox: bool = False,
    ui: Ui | None = None,
    base: str | None = None,
) -> PlanOutcome:
    ui = ui or default_ui()
    _check_format(fmt)
    only_refs = parse_only(only, only_kinds)
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        # before reading Intacct: a long plan must not be lost to a typo in --out
        raise ConfigError(
            f"{out}: cannot write the plan file there (a directory, or its folder does not "
            "exist) — pass --out a file path in an existing folder"
        )
    ctx = resolve_context(path, config, target, concurrency, sandbox=sandbox)
    warm_tls(ctx.target)  # while the manifests load
    if base is not None:  # `--base REF`: the base planned against the same live read
        from intacct_reconcile import base_split

        _check_kinds(only_kinds)
        with base_split.prepare(base, path, ctx, only_kinds, only_refs) as against:
            return plan_in(
                ctx,
                path,
                out=out,
                fmt=fmt,
                only_kinds=only_kinds,
                quiet=quiet,
                ui=ui,
                base=against,
            )
    return plan_in(
        ctx, path, out=out, fmt=fmt, only_kinds=only_kinds, only=only_refs, quiet=quiet, ui=ui
    )


def plan_in(
    ctx: Context,
    path: Path,
    *,
    out: Path | None = None,
    fmt: str = "text",
    only_kinds: Sequence[str] = (),
    only: Sequence[Ref] = (),
    quiet: bool = False,
    ui: Ui | None = None,
    base: Any = None,
    render: bool = True,
) -> PlanOutcome:
    """`plan` for a target already chosen (a fleet chooses many from one config). `base`:
    `plan --base`'s base manifests (base_split.AgainstBase), planned against the same read.
    `render=False`: no rendered output (a fleet shows one roll-up row per target instead)."""
    ui = ui or default_ui()
    _check_kinds(only_kinds)  # a mistyped --kind: before any read
    with ui.progress(quiet=quiet) as progress, contextlib.ExitStack() as stack:
        # reads start once the manifests have parsed, while they are checked (readahead.py)
        ahead: Any = ReadAhead(ctx.target, progress, only_kinds, stack, share_reads=True)
        if base is not None:  # one live read serves the base's plan too
            ahead = base.shared(ahead)
        try:
            manifests = _load_desired(path, ctx.target, on_loaded=ahead.start)
        except BaseException:
            ahead.join()  # invalid manifests: what was read no longer matters
            raise
        unfinished = _unfinished_applies(ctx, ui)
        clients = ahead.clients()
        the_plan = _make_plan(ctx, clients, manifests, only_kinds, progress, only, ahead)
        # the verdict apply would reach, so the review shows it (apply decides again)
        gate = safety.verdict(the_plan, _safety_options(ctx, False, False, clients, the_plan))
        the_plan = dataclasses.replace(the_plan, gate=gate, unfinished_applies=unfinished)
        if base is not None:
            base.compare(ctx, the_plan, progress)
    if out is not None:
        planfile.save(
            the_plan,
            out,
            tool_version=__version__,
            target_identity=target_identity(ctx.target),
            origin=_origin(ctx),
            signing_key=planfile.signing_key(os.environ),
        )
        if not quiet:
            ui.note(f"saved plan to {out}")
    # only text carries colour: JSON or markdown never asks the terminal (rich stays unloaded)
    color = fmt == "text" and ui.color
    output = _render(the_plan, fmt, color) if render else ""
    if base is not None:  # the split is for review: the plan file holds the whole head plan
        output = base.render(output, the_plan, fmt, color)
    return PlanOutcome(the_plan, output, the_plan.has_changes)


# --- show ------------------------------------------------------------------------------------


def show(path: Path, *, fmt: str = "text", ui: Ui | None = None) -> str:
    """A saved plan rendered again: no config, no credentials, no network."""
    ui = ui or default_ui()
    _check_format(fmt)
    if path.is_dir():
        raise ConfigError(
            f"{path}: is a directory — `show` takes a plan file saved by `plan --out FILE`"
        )
    saved = planfile.load_saved(path)
    return _render(saved.plan, fmt, ui.color)


# --- apply -----------------------------------------------------------------------------------


def apply(
    path: Path,
    *,
    config: Path | None = None,
    target: str | None = None,
    auto_approve: bool = False,
    force: bool = False,
    allow_irreversible: bool = False,
    fmt: str = "text",
    only_kinds: Sequence[str] = (),
    only: Sequence[str] = (),
    concurrency: int | None = None,
    by: str | None = None,
    quiet: bool = False,
    sandbox: bool = False,
    ui: Ui | None = None,
    early: EarlyApply | None = None,
) -> ApplyOutcome:
    """`early`: the target already resolved and signing in (early_session.py), for the
    manifests at `path`."""
    ui = ui or default_ui()
    _check_format(fmt)
    from_file = early is None and is_plan_file(path)
    if from_file and (only_kinds or only):
        flag = "--kind" if only_kinds else "--only"
        raise ConfigError(
            f"{path}: {flag} filters manifests; a saved plan is applied exactly as reviewed — "
            f"make a new plan with `plan {flag} ... --out FILE` instead"
        )
    only_refs = parse_only(only, only_kinds)
    saved = None
    if from_file:
        saved = planfile.load_saved(path)
        ctx = _saved_plan_context(path, saved, config, target, concurrency, sandbox)
        _same_target(path, saved.target, ctx.target)
        auto_approve = True  # a saved plan was reviewed: applying it is the approval
    elif early is not None:
        ctx = early.context
    else:
        ctx = resolve_context(path, config, target, concurrency, sandbox=sandbox)
    if early is None:
        warm_tls(ctx.target)  # while the plan file or the manifests load
    return apply_in(
        ctx,
        path,
        saved,
        early=early,
        auto_approve=auto_approve,
        force=force,
        allow_irreversible=allow_irreversible,
        fmt=fmt,
        only_kinds=only_kinds,
        only=only_refs,
        by=by,
        quiet=quiet,
        ui=ui,
    )


def apply_in(
    ctx: Context,
    path: Path,
    saved: planfile.SavedPlan | None,
    *,
    auto_approve: bool = False,
    force: bool = False,
    allow_irreversible: bool = False,
    fmt: str = "text",
    only_kinds: Sequence[str] = (),
    only: Sequence[Ref] = (),
    by: str | None = None,
    quiet: bool = False,
    ui: Ui | None = None,
    early: EarlyApply | None = None,
) -> ApplyOutcome:
    """`apply` for a target already chosen: the manifests at `path`, or the `saved` plan
    (already checked to be this target's). `early`: its session already asked for."""
    from intacct_reconcile import applier
    from intacct_reconcile.audit.journal import MaskedAhead

    ui = ui or default_ui()
    masked = MaskedAhead()  # the journal's masked values, worked out while reads are out
    if saved is not None:  # bound to its review when a plan key is set (planfile.py)
        planfile.verify_signature(
            path,
            saved,
            planfile.signing_key(os.environ),
            required_by=str(ctx.config.path) if ctx.config.require_signed_plans else None,
        )
    with (
        locks.hold(ctx.config.base_dir, ctx.target.name),
        ui.progress(quiet=quiet) as progress,
        contextlib.ExitStack() as stack,
    ):
        # under the lock: an apply running right now is not an unfinished one
        if saved is not None:
            unfinished = _unfinished_applies(ctx, ui)
            provenance = _provenance(ctx)
            clients = stack.enter_context(open_clients(ctx.target, progress=progress))
            already_done, live = _refuse_stale(clients, saved.plan, progress)
            # the gate judges what the file asks for against live state, never the file's
            # own counts and flags (rederive.py)
            the_plan = rederive.for_gate(saved.plan, live, REGISTRY, source=str(path))
            the_plan = _saved_plan_sod(ctx, clients, the_plan, live, progress)
            checksum = saved.checksum
        else:
            # as `plan` does: the reads start once the manifests have parsed, while they are
            # checked (readahead.py)
            if early is not None:
                ahead = early.reads_for(progress, only_kinds)
            else:
                ahead = ReadAhead(ctx.target, progress, only_kinds, stack)
                ahead.sign_in()  # the session needs only the target: while the manifests load
            try:
                manifests = _load_desired(path, ctx.target, on_loaded=ahead.start)
            except BaseException:
                ahead.join()  # invalid manifests: what was read no longer matters
                raise
            # while the reads are on their way
            unfinished, provenance = _unfinished_applies(ctx, ui), _provenance(ctx)
            clients = ahead.clients()
            # and, until they are back, what would be written if the objects are missing
            creates = planner.creates_ahead(
                manifests.desired,
                _kinds_used(manifests.desired, only_kinds),
                REGISTRY,
                until=ahead.reads_back,
            )
            masked.add(creates.changes(), until=ahead.reads_back)
            the_plan = _make_plan(
                ctx, clients, manifests, only_kinds, progress, only, ahead, creates
            )
            checksum = _run_checksum(the_plan)
            already_done = frozenset()
        if not the_plan.has_changes:
            the_plan = dataclasses.replace(the_plan, unfinished_applies=unfinished)
            return ApplyOutcome(None, _render(the_plan, fmt, _color(ui, fmt)), 0, context=ctx)
        allowed = safety.enforce(
            the_plan, _safety_options(ctx, force, allow_irreversible, clients, the_plan)
        )
        for violation in allowed:
            how = ", ".join(a.describe() for a in violation.allowed_by) or violation.override
            progress.step(f"safety gate: [{violation.rule}] {violation.message} — allowed by {how}")
        if not auto_approve and not _confirmed(ui, the_plan, progress):
            return ApplyOutcome(None, "apply cancelled: nothing was changed", 1)
        pending = [c for c in the_plan.changes if c.pending and c.action != "manual"]
        progress.step(f"applying {len(pending)} change(s) to {ctx.target.name}")
        journal = _journal(ctx, by, checksum, provenance, masked)
        journal.begin(the_plan.changes)
        with stop_on_signal(progress.step) as stop:
            try:
                report = applier.apply(
                    the_plan,
                    clients,
                    plan_checksum=checksum,
                    progress=progress.step,
                    already_done=already_done,
                    should_stop=stop,
                    journal=journal,
                )
            except applier.ApplyInterrupted as exc:
                report, interrupted_code = exc.report, exc.exit_code
            except KeyboardInterrupt:
                # interrupted outside the applier's own bookkeeping: nobody knows what landed
                unknown = tuple(_unknown(c) for c in pending)
                journal.finish(ApplyReport(unknown, ctx.target.name, interrupted=True))
                raise
            else:
                interrupted_code = stop.exit_code
        # still under the lock: the next apply of this target never sees this one unfinished
        journal.finish(report)
    report = dataclasses.replace(report, unfinished_applies=unfinished)
    if report.interrupted:
        counts = report.counts()
        ui.note(
            f"interrupted: {counts['applied']} applied, {counts['failed']} failed, "
            f"{counts['not_attempted']} not attempted"
            + (f", {counts['interrupted']} sent without answer" if counts["interrupted"] else "")
            + f" — each change is listed in the report and in {audit.audit_path(ctx.base_dir)}"
        )
        return ApplyOutcome(
            report, _render(report, fmt, _color(ui, fmt)), interrupted_code, journal.apply_id, ctx
        )
    exit_code = 0 if report.counts()["failed"] == 0 and report.counts()["not_attempted"] == 0 else 4
    output = _render(report, fmt, _color(ui, fmt))
    return ApplyOutcome(report, output, exit_code, journal.apply_id, ctx)


CONFIRM_QUESTION = "Apply these changes?"


def _confirmed(ui: Ui, the_plan: Plan, progress: Progress) -> bool:
    """Show the plan and ask, with no live display running: nothing may redraw the terminal
    between the question and the answer."""
    if not ui.interactive:
        raise ConfigError(
            "apply needs confirmation but stdin is not a terminal — review the plan, then "
            "run again with --auto-approve (e.g. in CI: `apply plan.json --auto-approve`)"
        )
    with progress.paused():
        # the plan goes to stderr with the question: stdout carries only the report
        ui.note(_render(the_plan, "text", ui.color_stderr))
        try:
            return ui.confirm(CONFIRM_QUESTION)
        except KeyboardInterrupt as exc:
            raise type(exc)("nothing was changed") from None


def _unknown(change: Any) -> ChangeResult:
    return ChangeResult(
        change, "interrupted", "apply interrupted: run `plan` to see what is in place"
    )


def _provenance(ctx: Context) -> tuple[str, str, dict[str, object] | None]:
    """Who runs this apply (and how that is known) and the manifests' git commit: asked while
    the live reads are on their way (each may run git, which takes a while in a big checkout)."""
    who, who_from = audit.who_ran(ctx.base_dir)
    return who, who_from, audit.git_state(ctx.base_dir)


def _journal(
    ctx: Context,
    by: str | None,
    checksum: str,
    provenance: tuple[str, str, dict[str, object] | None],
    masked: Any = None,
) -> Any:
    """The audit log's journal of this apply: who ran it, from which commit, to where
    (`masked`: values worked out ahead, journal.MaskedAhead)."""
    from intacct_reconcile.audit.journal import ApplyJournal, RunFacts

    who, who_from, git = provenance
    facts = RunFacts(
        target=ctx.target.name,
        company_id=ctx.target.company_id or "",
        entity=ctx.target.entity_id or "",
        who=who,
        who_from=who_from,
        by=by,
        git=git,
        plan_checksum=checksum,
        tool_version=__version__,
    )
    return ApplyJournal(audit.audit_path(ctx.base_dir), facts, masked=masked)


def _unfinished_applies(ctx: Context, ui: Ui) -> tuple[dict[str, Any], ...]:
    """Earlier applies of this target that never finished: said on stderr, returned for JSON."""
    found = audit.unfinished(ctx.base_dir, ctx.target.name)
    for line in audit.warnings(found, ctx.target.name):
        ui.note(line)
    return tuple(one.summary() for one in found)


def _origin(ctx: Context) -> dict[str, str | None]:
    """Where a saved plan's config and state folder were, so `apply PLANFILE` run from
    another folder finds the same target (paths relative to the working directory)."""
    return {
        "config": _portable(ctx.config.path) if ctx.config.path else None,
        "base_dir": _portable(ctx.base_dir),
    }


def _portable(path: Path) -> str:
    """Relative to the working directory when inside it (a CI checkout moves), else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _saved_plan_context(
    plan_path: Path,
    saved: planfile.SavedPlan,
    config: Path | None,
    target: str | None,
    concurrency: int | None,
    sandbox: bool,
) -> Context:
    """The target a saved plan records: its config from --config, beside the plan file, in
    the current directory, or where the plan was made; the embedded sandbox when the plan
    was made against it without a config."""
    from intacct_reconcile.settings import find_config

    recorded = saved.origin.get("config")
    recorded_path = Path(recorded) if recorded else None
    found = (
        config
        or find_config(plan_path)
        or (recorded_path if recorded_path and recorded_path.is_file() else None)
    )
    name = target or saved.target.get("name")
    base = Path(saved.origin["base_dir"]) if saved.origin.get("base_dir") else plan_path.parent
    implicit_sandbox = recorded is None and saved.target.get("endpoint") == "sandbox"
    if found is None and not (sandbox or implicit_sandbox):
        from intacct_reconcile.settings import has_env_credentials

        if recorded is not None or not has_env_credentials(os.environ):
            made_with = f"with config {recorded}" if recorded else "with INTACCT_* credentials"
            raise ConfigError(
                f"{plan_path}: the plan was made for target {name!r} (company "
                f"{saved.target.get('company_id')!r}) {made_with}, and no "
                f"intacct-reconcile.yaml was found beside the plan file, in the current "
                f"directory{' or at ' + recorded if recorded else ''} — pass --config "
                "PATH/TO/intacct-reconcile.yaml (the one that defines the target)"
            )
    if found is None and implicit_sandbox and not sandbox and not base.is_dir():
        raise ConfigError(
            f"{plan_path}: the plan was made against the embedded sandbox in {base}, which is "
            "not here — run apply from the folder the plan was made in, or pass --config"
        )
    cfg = Config(None, None, {}, base_dir=base) if found is None else load_config(found)
    tgt = resolve_target(cfg, name, sandbox=sandbox or (implicit_sandbox and found is None))
    if concurrency:
        tgt = dataclasses.replace(tgt, concurrency=concurrency)
    return Context(cfg, tgt, cfg.base_dir)


def _same_target(path: Path, recorded: Mapping[str, str], tgt: Target) -> None:
    current = target_identity(tgt)
    for field in ("name", "company_id", "entity"):
        if recorded.get(field, "") != current[field]:
            raise ConfigError(
                f"{path}: the plan was made for target {recorded.get('name')!r} "
                f"(company {recorded.get('company_id')!r}) but would be applied to "
                f"{tgt.name!r} (company {tgt.company_id!r}) — pass the plan's --target"
            )
    # same name and company at another address (a test sandbox renamed prod, a moved
    # endpoint): reviewed against one Intacct, it must not be applied to another
    if "endpoint" in recorded and recorded["endpoint"] != current["endpoint"]:
        raise ConfigError(
            f"{path}: the plan was made against {recorded['endpoint']!r} but target "
            f"{tgt.name!r} now points at {current['endpoint']!r} — plan again against it"
        )


def _saved_plan_sod(
    ctx: Context, clients: Any, the_plan: Plan, live: State, progress: Progress
) -> Plan:
    """A saved plan's segregation-of-duties findings evaluated again, since the gate reads
    them: live users and roles, the plan's changes, and the mitigations declared in the
    manifests beside the config (reviewed files read at apply time, like `safety.allow`)."""
    if not ctx.config.sod.get("block_new_violations"):
        # nothing blocks on SoD here: the file's findings only inform, never refuse
        findings = tuple(dataclasses.replace(f, blocks=False) for f in the_plan.sod_findings)
        return dataclasses.replace(the_plan, sod_findings=findings)
    manifests = _load_desired(ctx.base_dir, ctx.target)
    subject = SimpleNamespace(desired=rederive.written(the_plan), mitigations=manifests.mitigations)
    kinds = sorted({c.ref.kind for c in the_plan.changes})
    unjudged = dataclasses.replace(the_plan, sod_findings=())
    return _review_access(ctx, clients, subject, kinds, live, unjudged, progress)


def _refuse_stale(clients: Any, the_plan: Plan, progress: Progress) -> tuple[frozenset[Ref], State]:
    """Refuse a saved plan whose live objects changed since review (exit 5).

    Returns the changes already in place, and the live state read: an object that differs
    from its fingerprint only because it now holds exactly what the plan writes was applied
    by an interrupted run of this plan (kill -9, lost connection): resuming is safe, those
    changes are skipped.
    """
    from intacct_reconcile.applier import satisfied
    from intacct_reconcile.live import read_live

    kinds = sorted({c.ref.kind for c in the_plan.changes})
    progress.step("checking the saved plan against live state")
    # narrowed to each kind's own objects as the plan's declared state narrowed it
    live = read_live(clients, kinds, rederive.touched(the_plan))
    done = frozenset(c.ref for c in the_plan.pending if c.action != "manual" and satisfied(c, live))
    # A manual step done in the UI since review (a module subscribed) is progress, not drift:
    # the applier never writes those objects, so only the API-applied ones must be unchanged.
    manual = {str(c.ref) for c in the_plan.changes if c.action == "manual"}
    skip = manual | {str(ref) for ref in done}
    checked = dataclasses.replace(
        the_plan, fingerprints={k: v for k, v in the_plan.fingerprints.items() if k not in skip}
    )
    changed = planfile.stale(checked, live)
    if changed:
        raise StalePlanError(changed)
    if done:
        progress.step(
            f"{len(done)} change(s) already in place (an earlier run of this plan applied "
            f"them): {', '.join(sorted(map(str, done)))}"
        )
    return done, live


def _run_checksum(the_plan: Plan) -> str:
    """Checksum of a plan made for this run: what it was made from (the manifests' digest,
    the live fingerprint of every object it changes), what it does (each change's action and
    object) and the moment it was made, so a plan re-made later (after someone removed an
    object by hand) gets fresh control ids. The values each change writes follow from the
    manifests and the fingerprints; the whole plan's JSON, which a saved plan's checksum
    covers, would cost a thousand creates ~15 ms before their first request."""
    text = "\n".join(
        [
            the_plan.target,
            the_plan.manifest_digest,
            digests.canonical_json(dict(the_plan.fingerprints)),
            *(f"{c.action} {c.ref}" for c in the_plan.changes),
            datetime.now(UTC).isoformat(),
        ]
    )
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _safety_options(
    ctx: Context, force: bool, allow_irreversible: bool, clients: Any, the_plan: Plan
) -> safety.SafetyOptions:
    from intacct_reconcile.credentials import load_credentials

    try:
        xml_creds, _ = load_credentials(ctx.target)
        own_user, own_sender = xml_creds.user_id, xml_creds.sender_id
    except ReconcileError:
        own_user = own_sender = None
    policy = ctx.target.safety
    return safety.SafetyOptions(
        max_delete_percent=policy.max_delete_percent,
        max_update_percent=policy.max_update_percent,
        min_existing=policy.min_existing,
        per_kind=policy.kinds,
        allow=policy.allow,
        config=str(ctx.config.path or "intacct-reconcile.yaml"),
        force=force,
        allow_irreversible=allow_irreversible,
        own_user=own_user,
        own_roles=_own_roles(clients, the_plan, own_user),
        own_sender_id=own_sender,
        own_ip="127.0.0.1" if ctx.target.is_local else None,
        own_entity=ctx.target.entity_id or "",
    )


def _own_roles(clients: Any, the_plan: Plan, own_user: str | None) -> tuple[str, ...]:
    """Roles of the tool's own login user, read only when the plan changes a role (the
    lockout guard needs them; one small query otherwise not worth making)."""
    from intacct_reconcile.access import permission_field

    takes = any(
        c.ref.kind in REGISTRY
        and permission_field(REGISTRY[c.ref.kind]) is not None
        and c.action != "create"
        for c in the_plan.pending
    )
    if not own_user or not takes:
        return ()
    from intacct_reconcile.client import envelope

    rows = clients.xml.read_all(
        "USERROLES", ["USERID", "ROLENAME"], envelope.eq("USERID", own_user)
    )
    return tuple(sorted({str(r.get("ROLENAME", "")) for r in rows} - {""}))


# --- unlock ----------------------------------------------------------------------------------


def unlock(
    *,
    path: Path | None = None,
    config: Path | None = None,
    target: str | None = None,
    sandbox: bool = False,
) -> str:
    """Break the apply lock of a target whose holder is gone (locks.py says when that is)."""
    path = path or (config.parent if config else Path("."))
    ctx = resolve_context(path, config, target, sandbox=sandbox)
    return locks.break_lock(ctx.config.base_dir, ctx.target.name)


# --- attest ----------------------------------------------------------------------------------


def attest(
    ref_text: str,
    *,
    path: Path | None = None,
    config: Path | None = None,
    target: str | None = None,
    by: str | None = None,
    note: str = "",
    sandbox: bool = False,
    env: Mapping[str, str] | None = None,
) -> str:
    # manifests live next to their config (DESIGN §7); without either, the working directory
    path = path or (config.parent if config else Path("."))
    ctx = resolve_context(path, config, target, sandbox=sandbox)
    ref = attestations.parse_ref(ref_text)
    manifests = _load_desired(path, ctx.target)
    manual = {k for k, kind in REGISTRY.items() if kind.api == "manual"}
    key = REGISTRY[ref.kind].normalize_key(ref.key) if ref.kind in REGISTRY else ref.key
    by_source = ""
    if by is None:  # who runs this: the CI's triggering user, else the git identity
        by, by_source = attestations.identity(os.environ if env is None else env, ctx.base_dir)
    record = attestations.attest(
        ctx.base_dir,
        ref=Ref(ref.kind, key),
        target=ctx.target.name,
        by=by,
        note=note,
        desired=manifests.desired,
        manual_kinds=manual,
        by_source=by_source,
    )
    where = attestations.attestation_path(ctx.base_dir, ctx.target.name)
    return f"attested {ref.kind}/{key} for target {ctx.target.name} by {record.by} ({where})"


# --- export ----------------------------------------------------------------------------------


def export(**options: Any) -> str:
    """live -> manifests (see `intacct_reconcile.export`)."""
    from intacct_reconcile import export as exporter

    return exporter.export(**options)
