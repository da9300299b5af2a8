"""Evaluate a rule pack against every user's access before (live) and after the plan.

A user violates a rule when they hold every duty of it: a duty is held through any of its
grants, a grant through any of its rights (or the admin level it names). Inactive users hold
nothing. Each violation found after the plan is `new` (not held live) or `live` (held already);
one held live but no longer after the plan is `resolved`. A current mitigation covering the
rule and the user (or a role the user holds after the plan) turns a violation into an accepted
conflict; an expired one says so and counts as a violation again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from intacct_reconcile.access_review import Snapshots, UserAccess
from intacct_reconcile.sod.mitigations import Mitigation
from intacct_reconcile.sod.pack import Grant, Pack, Rule
from intacct_reconcile.types import SodFinding


def holds(rule: Rule, user: UserAccess) -> tuple[str, ...] | None:
    """What grants each duty of `rule` to `user` ("duty: grant, grant"), or None if not all."""
    if not user.active:
        return None
    if rule.applies_to == "web_services_users" and not user.web_services:
        return None
    out = []
    for duty in rule.duties:
        held = [_held(grant, user) for grant in duty.grants]
        shown = [text for text in held if text]
        if not shown:
            return None
        out.append(f"{duty.name}: {', '.join(shown)}")
    return tuple(out)


def _held(grant: Grant, user: UserAccess) -> str:
    if grant.admin:
        return f"admin {user.admin}" if user.admin == grant.admin else ""
    rights = user.rights.get((grant.module, grant.permission), frozenset())
    matched = [r for r in grant.rights if r in rights]
    return f"{grant.module}.{grant.permission} {'/'.join(matched)}" if matched else ""


def evaluate(
    pack: Pack,
    snaps: Snapshots,
    mitigations: Sequence[Mitigation],
    today: dt.date,
    *,
    block_new: bool = False,
) -> tuple[SodFinding, ...]:
    findings: list[SodFinding] = []
    for rule in pack.rules.values():
        for login in sorted({*snaps.before, *snaps.after}, key=str.casefold):
            before = _holds_at(rule, snaps.before, login)
            after = _holds_at(rule, snaps.after, login)
            if before is None and after is None:
                continue
            status = "resolved" if after is None else "live" if before is not None else "new"
            user = snaps.after.get(login) or snaps.before[login]
            current, lapsed = _mitigation(rule.id, user, mitigations, today)
            mitigated = current is not None and status != "resolved"
            findings.append(
                SodFinding(
                    rule=rule.id,
                    title=rule.title,
                    user=login,
                    status=status,
                    holds=after if after is not None else before or (),
                    mitigation=current.describe() if mitigated and current else "",
                    expired=lapsed.describe() if lapsed and not mitigated else "",
                    blocks=block_new and status == "new" and not mitigated,
                )
            )
    return tuple(findings)


def _holds_at(rule: Rule, users: Mapping[str, UserAccess], login: str) -> tuple[str, ...] | None:
    user = users.get(login)
    return holds(rule, user) if user is not None else None


def _mitigation(
    rule_id: str, user: UserAccess, mitigations: Sequence[Mitigation], today: dt.date
) -> tuple[Mitigation | None, Mitigation | None]:
    """(a current mitigation, else the latest expired one) covering the rule and user."""
    covering = [m for m in mitigations if m.rule == rule_id and m.covers(user.login, user.roles)]
    current = [m for m in covering if m.current(today)]
    lapsed = sorted((m for m in covering if not m.current(today)), key=lambda m: m.expires)
    return (current[0] if current else None), (lapsed[-1] if lapsed else None)
