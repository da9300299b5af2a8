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
                     Override: --force.
  irreversible       a change that cannot be undone (deleting GL accounts). A sequence's
                     next number is never lowered: the planner treats it as a floor.
                     Override: --allow-irreversible (--force does not).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from intacct_reconcile.access import permission_field, role_list_field
from intacct_reconcile.errors import UnsafePlanError
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.types import Change, Plan, Ref

FORCE = "--force"
ALLOW_IRREVERSIBLE = "--allow-irreversible"
SENDER_KIND = "sender_ids"
IP_KIND = "ip_allowlist"
SUBSCRIPTIONS_KIND = "module_subscriptions"
# every API call needs the Web Services subscription (reference §3.3: without it, XL03000006)
WEB_SERVICES_MODULE = "web_services"
ACTIVE = "active"
# The permissions that let a user manage users and roles: removing them locks the tool out.
# Company/Users is their home before the 2024 move to Administration (reference permissions.yaml).
ACCESS_PERMISSIONS = frozenset({("administration", "users"), ("company", "users")})


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
    for change in plan.changes:
        kind = kinds.get(change.ref.kind)
        if options.own_user and kind is not None and _is_user_kind(kind, kinds):
            yield from _own_user(change, kind, kinds, options)
        if options.own_roles and kind is not None and permission_field(kind):
            yield from _own_role(change, kind, options)
        if change.ref.kind == SENDER_KIND and options.own_sender_id:
            yield from _own_sender(change, options.own_sender_id)
        if change.ref.kind == IP_KIND and options.own_ip:
            yield from _own_address(change, options.own_ip)
        if change.ref == Ref(SUBSCRIPTIONS_KIND, WEB_SERVICES_MODULE) and change.removes:
            yield _lockout(change, "would unsubscribe Web Services, which every API call needs")
    yield from _own_access(plan, options)
    if options.own_ip:
        yield from _allowlist_without_own_address(plan, options.own_ip)


def _kinds(options: SafetyOptions) -> Mapping[str, Kind]:
    if options.kinds is not None:
        return options.kinds
    from intacct_reconcile.kinds import REGISTRY

    return REGISTRY


def _is_user_kind(kind: Kind, kinds: Mapping[str, Kind]) -> bool:
    return kind.object == "USERINFO" or role_list_field(kind, kinds) is not None


def _same_login(a: str, b: str) -> bool:
    # assumption: Intacct login ids compare case-insensitively (the sign-in form does).
    return a.casefold() == b.casefold()


def _lockout(change: Change, message: str) -> Violation:
    return Violation("lockout", f"{change.ref}: {message}", FORCE, change.ref)


def _own_user(
    change: Change, kind: Kind, kinds: Mapping[str, Kind], options: SafetyOptions
) -> Iterator[Violation]:
    if not _same_login(change.ref.key, options.own_user or ""):
        return
    if change.removes:
        yield _lockout(change, f"would {change.action} the user this tool signs in with")
        return
    roles = role_list_field(kind, kinds)
    for fc in change.fields:
        if roles is not None and fc.name == roles.name and fc.removed:
            yield _lockout(
                change,
                f"would remove role(s) {', '.join(fc.removed)} from the user this tool signs "
                "in with",
            )
        if fc.name == kind.extra.get("status_field", "status") and fc.after != ACTIVE:
            # inactive or locked out: either way the tool can no longer sign in
            yield _lockout(change, f"would set the user this tool signs in with to {fc.after}")


def _own_role(change: Change, kind: Kind, options: SafetyOptions) -> Iterator[Violation]:
    if change.ref.key not in options.own_roles:
        return
    if change.removes:
        yield _lockout(change, f"would {change.action} a role of the user this tool signs in with")
        return
    name = permission_field(kind)
    for fc in change.fields:
        lost = [i for i in fc.removed if tuple(i.split(".")[:2]) in ACCESS_PERMISSIONS]
        if fc.name == name and lost:
            yield _lockout(
                change,
                f"would remove {', '.join(lost)} from a role of the user this tool signs in with",
            )


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


def _own_sender(change: Change, sender_id: str) -> Iterator[Violation]:
    # sender ids are case-sensitive (DESIGN §5)
    inactive = any(fc.name == "status" and fc.after != ACTIVE for fc in change.fields)
    if change.ref.key == sender_id and (change.removes or inactive):
        yield _lockout(
            change, "would remove or deactivate the sender ID this tool uses for every API call"
        )


def _own_address(change: Change, own_ip: str) -> Iterator[Violation]:
    if change.removes and _covers(change.ref.key, own_ip):
        yield _lockout(
            change, f"would remove the IP allowlist entry covering this tool's address {own_ip}"
        )


def _allowlist_without_own_address(plan: Plan, own_ip: str) -> Iterator[Violation]:
    """IP filters are UI-only, so every declared entry is in the plan (pending or attested):
    adding entries when none of them covers the tool's address locks it out once enforced."""
    entries = [c for c in plan.changes if c.ref.kind == IP_KIND and not c.removes]
    added = [c for c in entries if c.pending]
    if added and not any(_covers(c.ref.key, own_ip) for c in entries):
        yield Violation(
            "lockout",
            f"{IP_KIND}: no declared entry covers this tool's address {own_ip}; once the IP "
            f"filters are enforced every API call is refused (add {own_ip}/32 to ip_allowlist)",
            FORCE,
            added[0].ref,
        )


def _covers(cidr: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


# --- irreversible --------------------------------------------------------------------------------


def _irreversible(plan: Plan) -> Iterator[Violation]:
    for change in plan.changes:
        for reason in change.irreversible:
            yield Violation(
                "irreversible", f"{change.ref}: {reason}", ALLOW_IRREVERSIBLE, change.ref
            )
