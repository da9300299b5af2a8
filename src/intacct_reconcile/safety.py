"""The one safety gate: rules over a Plan, each naming how to override it.

Rules (DESIGN §11):
  too_many_deletes   deletes + deactivations over `max_delete_percent` of a kind's live objects
  too_many_updates   updates over `max_update_percent` of a kind's live objects
                     Both thresholds apply only to kinds with at least `min_existing` (10) live
                     objects, so a small kind (3 sender IDs, 2 roles) is never blocked by
                     percentages. Override: --force.
  lockout            a change that would lock the tool out of the company: deactivating or
                     deleting its own login user, removing a role from that user, taking the
                     Company/Administration `users` permission from it, removing its own sender
                     ID, removing an IP allowlist entry covering its own address (or declaring
                     filters none of which covers it), unsubscribing Web Services.
                     Each kind guards its own objects (`Hooks.lockout`, `Hooks.plan_lockout` in
                     its module); the effective-access check spans kinds and stays here.
                     Override: --force.
  irreversible       a change that cannot be undone (deleting GL accounts). A sequence's
                     next number is never lowered: the planner treats it as a floor.
                     Override: --allow-irreversible (--force does not).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from intacct_reconcile.access import ACCESS_PERMISSIONS
from intacct_reconcile.errors import UnsafePlanError
from intacct_reconcile.kinds.base import Kind, RunAs
from intacct_reconcile.types import Change, Plan, Ref

FORCE = "--force"
ALLOW_IRREVERSIBLE = "--allow-irreversible"


@dataclass(frozen=True)
class SafetyOptions:
    """Thresholds, overrides and who the tool is logged in as (for the lockout guards)."""

    max_delete_percent: float = 20
    max_update_percent: float = 50
    min_existing: int = 10
    force: bool = False
    allow_irreversible: bool = False
    own_user: str | None = None  # login id the tool signs in with
    own_roles: tuple[str, ...] = ()  # roles of own_user, when the caller knows them
    own_sender_id: str | None = None
    own_ip: str | None = None  # the address Intacct sees the tool connect from
    kinds: Mapping[str, Kind] | None = None  # default: the registry


@dataclass(frozen=True)
class Violation:
    """One reason the plan is unsafe: the rule, what and why, and the flag that overrides it."""

    rule: str
    message: str
    override: str  # FORCE or ALLOW_IRREVERSIBLE
    ref: Ref | None = None

    def overridden(self, options: SafetyOptions) -> bool:
        if self.override == ALLOW_IRREVERSIBLE:
            return options.allow_irreversible
        return options.force

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} — to proceed anyway, apply with {self.override}"


def check(plan: Plan, options: SafetyOptions | None = None) -> list[Violation]:
    """Every violation in the plan, whether or not the options override it."""
    options = options or SafetyOptions()
    return [
        *_thresholds(plan, options),
        *_lockouts(plan, options),
        *_irreversible(plan),
    ]


def blocking(violations: list[Violation], options: SafetyOptions) -> list[Violation]:
    return [v for v in violations if not v.overridden(options)]


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
    removals = Counter(c.ref.kind for c in plan.changes if c.action in ("delete", "deactivate"))
    updates = Counter(c.ref.kind for c in plan.changes if c.action == "update")
    for kind, live in sorted(plan.live_counts.items()):
        if live < options.min_existing:
            continue
        yield from _over(kind, removals[kind], live, options.max_delete_percent, "delete")
        yield from _over(kind, updates[kind], live, options.max_update_percent, "update")


def _over(kind: str, count: int, live: int, limit: float, what: str) -> Iterator[Violation]:
    percent = 100.0 * count / live
    if percent <= limit:
        return
    verb = "deleted or deactivated" if what == "delete" else "updated"
    yield Violation(
        rule=f"too_many_{what}s",
        message=(
            f"{kind}: {count} of {live} live objects ({percent:.1f}%) would be {verb}, over "
            f"max_{what}_percent {limit:g}% (or raise safety.max_{what}_percent in "
            "intacct-reconcile.yaml)"
        ),
        override=FORCE,
    )


# --- lockout -----------------------------------------------------------------------------------


def _lockouts(plan: Plan, options: SafetyOptions) -> Iterator[Violation]:
    kinds = _kinds(options)
    run_as = RunAs(options.own_user, options.own_roles, options.own_sender_id, options.own_ip)
    for change in plan.changes:
        kind = kinds.get(change.ref.kind)
        if kind is not None and kind.hooks.lockout is not None:
            for message in kind.hooks.lockout(kind, change, run_as, kinds):
                yield _lockout(change, message)
    yield from _own_access(plan, options)
    for key, kind in kinds.items():
        if kind.hooks.plan_lockout is not None:
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
