"""The one safety gate: rules over a Plan, each naming how to override it.

Rules (DESIGN §11):
  too_many_deletes   deletes + deactivations over `max_delete_percent` of a kind's live objects
  too_many_updates   updates over `max_update_percent` of a kind's live objects
                     Both thresholds apply only to kinds with at least `min_existing` (10) live
                     objects, so a small kind (3 sender IDs, 2 roles) is never blocked by
                     percentages; each can be set per kind (safety.kinds). Changes allowed by
                     name (safety.allow) do not count. Override: --force.
  lockout            a change that would lock the tool out of the company, or leave it unable
                     to make the user and role changes later runs need: deactivating, deleting
                     or locking out its own login user, taking its admin privileges, a user type
                     that cannot be an admin, entity restrictions that leave out the entity it
                     signs in to, removing a role from that user, taking the Administration
                     `users` (or legacy Company `users`/`roles`) permission from its roles,
                     making one of its roles apply to console slide-ins only, removing or
                     deactivating its own sender ID, removing an IP allowlist entry covering
                     its own address (or declaring filters none of which covers it),
                     unsubscribing Web Services.
                     Each kind guards its own objects (`Hooks.lockout`, `Hooks.plan_lockout` in
                     its module); the effective-access check spans kinds and stays here.
                     Override: --force.
  irreversible       a change that cannot be undone (deleting GL accounts). A sequence's
                     next number is never lowered: the planner treats it as a floor.
                     Override: --allow-irreversible (--force does not).
  sod                new segregation-of-duties violations, only when the config sets
                     `sod: {block_new_violations: true}` (the plan carries the findings, sod/).
                     Fix: remove a duty or declare a mitigation. Override: --force.

Besides the flags, a change named in the reviewed config (`safety.allow`, safety_policy.py)
lets through every violation that concerns only allowed changes. `verdict()` is what `plan`
shows (and `plan --detailed-exitcode` exits 3 on); `enforce()` is what apply runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from intacct_reconcile.access import ACCESS_PERMISSIONS
from intacct_reconcile.errors import UnsafePlanError
from intacct_reconcile.kinds.base import Kind, RunAs
from intacct_reconcile.safety_policy import (
    DEFAULT_MAX_DELETE_PERCENT,
    DEFAULT_MAX_UPDATE_PERCENT,
    DEFAULT_MIN_EXISTING,
    Allowance,
)
from intacct_reconcile.types import Change, GateFinding, GateVerdict, Plan, Ref

FORCE = "--force"
ALLOW_IRREVERSIBLE = "--allow-irreversible"


@dataclass(frozen=True)
class SafetyOptions:
    """Thresholds, overrides and who the tool is logged in as (for the lockout guards)."""

    max_delete_percent: float = DEFAULT_MAX_DELETE_PERCENT
    max_update_percent: float = DEFAULT_MAX_UPDATE_PERCENT
    min_existing: int = DEFAULT_MIN_EXISTING
    force: bool = False
    allow_irreversible: bool = False
    own_user: str | None = None  # login id the tool signs in with
    own_roles: tuple[str, ...] = ()  # roles of own_user, when the caller knows them
    own_sender_id: str | None = None
    own_ip: str | None = None  # the address Intacct sees the tool connect from
    own_entity: str | None = None  # the entity it signs in to ("" = top level)
    kinds: Mapping[str, Kind] | None = None  # default: the registry
    # declared in the reviewed config (safety_policy.py): per-kind thresholds, allowances
    per_kind: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    allow: tuple[Allowance, ...] = ()
    config: str = "intacct-reconcile.yaml"

    def limit(self, kind: str, name: str) -> float:
        return float(self.per_kind.get(kind, {}).get(name, getattr(self, name)))

    def allowances(self, change: Change) -> tuple[Allowance, ...]:
        return tuple(a for a in self.allow if a.matches(change))


@dataclass(frozen=True)
class Violation:
    """One reason the plan is unsafe: the rule, what and why, the changes it is about, the
    flag that overrides it, and the reviewed allowances that already let it through."""

    rule: str
    message: str
    override: str  # FORCE or ALLOW_IRREVERSIBLE
    ref: Ref | None = None
    changes: tuple[str, ...] = ()  # "ACTION kind/key" of the changes concerned
    figures: Mapping[str, float] = field(default_factory=dict)
    allowed_by: tuple[Allowance, ...] = ()
    remedies: tuple[str, ...] = ()  # what would let it through, besides the flag

    def overridden(self, options: SafetyOptions) -> bool:
        if self.allowed_by:
            return True
        if self.override == ALLOW_IRREVERSIBLE:
            return options.allow_irreversible
        return options.force

    def ways_through(self) -> tuple[str, ...]:
        return (*self.remedies, f"apply with {self.override} at a terminal")

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} — to let it through: " + "; or ".join(
            self.ways_through()
        )


def check(plan: Plan, options: SafetyOptions | None = None) -> list[Violation]:
    """Every violation in the plan, whether or not the options override it."""
    options = options or SafetyOptions()
    return [
        *_thresholds(plan, options),
        *(_by_name(v, plan, options) for v in _lockouts(plan, options)),
        *(_by_name(v, plan, options) for v in _irreversible(plan)),
        *_segregation_of_duties(plan),
    ]


SOD_REMEDY = "remove one of the duties, or declare a mitigation in `sod_mitigations:`"


def _segregation_of_duties(plan: Plan) -> Iterator[Violation]:
    """New SoD violations, when the config's `sod.block_new_violations` asks (sod/)."""
    from intacct_reconcile.sod import gate_messages  # late: sod reads plans, not the gate

    for message in gate_messages(plan):
        yield Violation("sod", message, FORCE, remedies=(SOD_REMEDY,))


def blocking(violations: list[Violation], options: SafetyOptions) -> list[Violation]:
    return [v for v in violations if not v.overridden(options)]


def verdict(plan: Plan, options: SafetyOptions | None = None) -> GateVerdict:
    """What apply would decide, for the plan to show: each finding refused or allowed (by a
    reviewed allowance, or by the flags in `options`), and allowances that match nothing."""
    options = options or SafetyOptions()
    findings = tuple(
        GateFinding(
            rule=v.rule,
            message=v.message,
            changes=v.changes,
            figures=dict(v.figures),
            status="allowed" if v.overridden(options) else "refused",
            allowed_by=tuple(a.describe() for a in v.allowed_by)
            or ((f"{v.override}",) if v.overridden(options) else ()),
            to_allow=v.ways_through(),
            override=v.override,
        )
        for v in check(plan, options)
    )
    unused = tuple(
        a.describe() for a in options.allow if not any(a.matches(c) for c in plan.pending)
    )
    return GateVerdict(findings, unused)


def enforce(plan: Plan, options: SafetyOptions | None = None) -> list[Violation]:
    """Raise UnsafePlanError (exit 3) unless every violation is overridden; return the
    overridden ones so the caller can warn about them."""
    options = options or SafetyOptions()
    violations = check(plan, options)
    refused = blocking(violations, options)
    if refused:
        raise UnsafePlanError([str(v) for v in refused])
    return violations


# --- thresholds ------------------------------------------------------------------------------


def _thresholds(plan: Plan, options: SafetyOptions) -> Iterator[Violation]:
    for kind, live in sorted(plan.live_counts.items()):
        if live < options.limit(kind, "min_existing") or live == 0:
            continue
        mine = [c for c in plan.changes if c.ref.kind == kind]
        removals = [c for c in mine if c.action in ("delete", "deactivate")]
        updates = [c for c in mine if c.action == "update"]
        yield from _over(kind, removals, live, options, "delete")
        yield from _over(kind, updates, live, options, "update")


def _over(
    kind: str, changes: list[Change], live: int, options: SafetyOptions, what: str
) -> Iterator[Violation]:
    name = f"max_{what}_percent"
    limit = options.limit(kind, name)
    percent = 100.0 * len(changes) / live
    if percent <= limit:
        return
    allowed = {c.ref: options.allowances(c) for c in changes}
    counted = [c for c in changes if not allowed[c.ref]]  # allowed by name: not counted
    counted_percent = 100.0 * len(counted) / live
    verb = "deleted or deactivated" if what == "delete" else "updated"
    n_allowed = len(changes) - len(counted)
    by_name = f"; {n_allowed} of them allowed by name" if n_allowed else ""
    first = counted[0] if counted else changes[0]
    yield Violation(
        rule=f"too_many_{what}s",
        message=(
            f"{kind}: {len(changes)} of {live} live objects ({percent:.1f}%) would be {verb}, "
            f"over {name} {limit:g}%{by_name}"
        ),
        override=FORCE,
        changes=tuple(f"{c.action} {c.ref}" for c in changes),
        figures={
            "count": len(changes),
            "live": live,
            "percent": round(percent, 1),
            "limit": limit,
            "allowed_by_name": n_allowed,
        },
        allowed_by=tuple(a for c in changes for a in allowed[c.ref])
        if counted_percent <= limit
        else (),
        remedies=(
            f"raise safety.kinds.{kind}.{name} to {math.ceil(counted_percent)} in {options.config}",
            f"allow the changes by name under safety.allow in {options.config}, e.g. "
            f'{{change: "{first.action} {first.ref}", reason: "..."}}',
        ),
    )


def _by_name(violation: Violation, plan: Plan, options: SafetyOptions) -> Violation:
    """The changes a violation is about, and the allowances that cover all of them."""
    concerned = _concerned(violation, plan)
    allowances = [options.allowances(c) for c in concerned]
    allowed = tuple(a for found in allowances for a in found)
    first = concerned[0] if concerned else None
    example = f'{{change: "{first.action} {first.ref}", reason: "..."}}' if first else "the change"
    return Violation(
        violation.rule,
        violation.message,
        violation.override,
        violation.ref,
        changes=tuple(f"{c.action} {c.ref}" for c in concerned),
        allowed_by=allowed if concerned and all(allowances) else (),
        remedies=(f"allow it by name under safety.allow in {options.config}: {example}",)
        if first
        else (),
    )


def _concerned(violation: Violation, plan: Plan) -> list[Change]:
    """The plan's pending changes on the violation's object; for a user losing access
    through its roles, the role changes that take access away."""
    direct = [c for c in plan.pending if c.ref == violation.ref]
    if direct or violation.ref is None:
        return direct
    return [
        c
        for c in plan.pending
        if any(
            tuple(item.split(".")[:2]) in ACCESS_PERMISSIONS
            for fc in c.fields
            for item in fc.removed
        )
    ]


# --- lockout -----------------------------------------------------------------------------------


def _lockouts(plan: Plan, options: SafetyOptions) -> Iterator[Violation]:
    kinds = _kinds(options)
    run_as = RunAs(
        options.own_user,
        options.own_roles,
        options.own_sender_id,
        options.own_ip,
        options.own_entity,
    )
    for change in plan.changes:
        kind = kinds.get(change.ref.kind)
        if kind is not None and kind.hooks.lockout is not None:
            for message in kind.hooks.lockout(kind, change, run_as, kinds):
                yield _lockout(change, message)
    yield from _own_access(plan, options)
    planned = {c.ref.kind for c in plan.changes}
    for key in kinds:
        # asked of the kinds the plan changes (a kind without changes cannot lock out)
        kind = kinds[key] if key in planned else None
        if kind is not None and kind.hooks.plan_lockout is not None:
            changes = [c for c in plan.changes if c.ref.kind == key]
            for ref, message in kind.hooks.plan_lockout(kind, changes, run_as):
                yield Violation("lockout", message, FORCE, ref)


def _kinds(options: SafetyOptions) -> Mapping[str, Kind]:
    if options.kinds is not None:
        return options.kinds
    from intacct_reconcile.kinds import REGISTRY

    return REGISTRY


def _same_login(a: str, b: str) -> bool:
    # assumption: Intacct login ids compare case-insensitively (the sign-in form does).
    return a.casefold() == b.casefold()


def _lockout(change: Change, message: str) -> Violation:
    return Violation("lockout", f"{change.ref}: {message}", FORCE, change.ref)


def _own_access(plan: Plan, options: SafetyOptions) -> Iterator[Violation]:
    """Effective access is the last word: whatever path takes `users` away from the tool."""
    if not options.own_user:
        return
    for access in plan.access_changes:
        if not _same_login(access.user.key, options.own_user):
            continue
        if (access.module, access.permission) in ACCESS_PERMISSIONS and access.removed:
            yield Violation(
                "lockout",
                f"{access.user}: the user this tool signs in with would lose "
                f"{access.module}.{access.permission} rights {', '.join(access.removed)}",
                FORCE,
                access.user,
            )


# --- irreversible --------------------------------------------------------------------------------


def _irreversible(plan: Plan) -> Iterator[Violation]:
    for change in plan.changes:
        for reason in change.irreversible:
            yield Violation(
                "irreversible", f"{change.ref}: {reason}", ALLOW_IRREVERSIBLE, change.ref
            )
