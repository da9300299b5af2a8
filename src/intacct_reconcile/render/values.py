"""Shared wording for the renderers: values, symbols, summary line, change one-liners."""

from __future__ import annotations

import json
from typing import Any

from intacct_reconcile.types import AccessChange, Change, FieldChange, GateFinding, Plan, Span

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "deactivate": "x", "manual": "!"}
ATTESTED_SYMBOL = "✓"
RESULT_SYMBOLS = {
    "applied": "✓",
    "failed": "✗",
    "not_attempted": "·",
    "interrupted": "?",
    "manual": "!",
    "skipped": "·",
}
MAX_VALUE = 120  # characters of one value shown inline


def summary_line(plan: Plan) -> str:
    """The line scripts and humans look for: "N to create, N to update, N to delete, N manual",
    open manual steps split into re-opened ones (changes) and those only waiting for a person:
    "... 3 manual (1 changed, 2 waiting for a person)"."""
    s = plan.summary()
    deletes = s["delete"] + s["deactivate"]
    line = (
        f"{s['create']} to create, {s['update']} to update, {deletes} to delete, "
        f"{s['manual']} manual"
    )
    if s["manual"]:
        line += f" ({s['manual'] - s['waiting']} changed, {s['waiting']} waiting for a person)"
    return line


def partial_line(plan: Plan) -> str:
    """Said first in a partial plan (`--only`): what it holds and that the rest is left out."""
    named = ", ".join(str(r) for r in plan.only)
    return f"PARTIAL PLAN (--only {named}): every other change is left out"


def report_line(counts: dict[str, int]) -> str:
    # "interrupted" only when there are some: sent, answer unknown (a second Ctrl-C)
    unknown = f", {counts['interrupted']} interrupted" if counts.get("interrupted") else ""
    return (
        f"{counts['applied']} applied, {counts['failed']} failed, "
        f"{counts['not_attempted']} not attempted{unknown}, {counts['manual']} manual"
    )


def value(v: Any) -> str:
    """A value as JSON text (strings quoted), shortened to MAX_VALUE characters."""
    if v is None:
        return "(none)"
    text = json.dumps(v, ensure_ascii=False, default=str, sort_keys=True)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def where(span: Span | None) -> str:
    """file:line of a manifest node (the column is noise in a review)."""
    return f"{span.file}:{span.line}" if span else ""


def is_set_change(fc: FieldChange) -> bool:
    return bool(fc.added or fc.removed)


def grouped(items: tuple[str, ...]) -> list[str]:
    """Permission items ("module.permission.right") folded per permission, so a role granted
    `all` reads as one line per permission: "accounts_payable.bills: add, edit, list".
    Other items (role names) stay as they are."""
    groups: dict[str, list[str]] = {}
    for item in items:
        head, _, right = item.rpartition(".") if item.count(".") >= 2 else (item, "", "")
        groups.setdefault(head, [])
        if right:
            groups[head].append(right)
    return [f"{head}: {', '.join(rights)}" if rights else head for head, rights in groups.items()]


def field_brief(fc: FieldChange) -> str:
    """One line: `title: "Cash" → "Cash at bank"`, or `roles: +A -B` for set-like fields."""
    if is_set_change(fc):
        items = [f"+{i}" for i in grouped(fc.added)] + [f"-{i}" for i in grouped(fc.removed)]
        return f"{fc.name}: {'; '.join(items)}"
    if fc.before is None:
        return f"{fc.name}: {value(fc.after)}"
    return f"{fc.name}: {value(fc.before)} → {value(fc.after)}"


def change_brief(change: Change) -> str:
    """A short description of what the change does, for tables and reports."""
    if change.action == "manual":
        return change.manual_steps[0] if change.manual_steps else "manual step"
    if change.action in ("delete", "deactivate"):
        return change.action
    if change.action == "create":
        return f"create with {len(change.fields)} field{'s' if len(change.fields) != 1 else ''}"
    return ", ".join(fc.name for fc in change.fields) or "update"


def access_delta(access: AccessChange) -> str:
    """`+add -delete`: the rights a user gains and loses on one permission."""
    return " ".join([f"+{r}" for r in access.added] + [f"-{r}" for r in access.removed])


def access_brief(access: AccessChange) -> str:
    if (access.module, access.permission) == ADMIN_PRIVILEGES:
        return f"admin privileges: {admin_level(access.before)} → {admin_level(access.after)}"
    before = ", ".join(access.before) or "none"
    after = ", ".join(access.after) or "none"
    return f"{access.module}.{access.permission}: {before} → {after} ({access_delta(access)})"


def access_name(access: AccessChange) -> str:
    """module.permission, or "admin privileges" for the user's admin level."""
    if (access.module, access.permission) == ADMIN_PRIVILEGES:
        return "admin privileges"
    return f"{access.module}.{access.permission}"


def access_rights(access: AccessChange, rights: tuple[str, ...]) -> str:
    """One side of an access change as shown in tables: rights, or the admin level."""
    if (access.module, access.permission) == ADMIN_PRIVILEGES:
        return admin_level(rights)
    return ", ".join(rights) or "none"


def admin_level(rights: tuple[str, ...]) -> str:
    """Admin privileges as Intacct names them: the level held, else Off."""
    return rights[0].capitalize() if rights else "Off"


# the access review's pseudo permission for a user's admin level (access_review.py)
ADMIN_PRIVILEGES = ("admin", "privileges")


GATE_CHANGES_SHOWN = 10  # a bulk delete names thousands of changes: show a sample


def gate_headline(plan: Plan) -> str:
    """One line on the safety gate's verdict; empty when there is nothing to say."""
    gate = plan.gate
    if gate is None or (not gate.findings and not plan.has_changes):
        return ""
    if gate.status == "refused":
        n = len(gate.refused)
        return (
            f"Safety gate: apply would refuse this plan (exit 3): {n} finding"
            f"{'s' if n != 1 else ''} refused"
        )
    if gate.status == "allowed":
        return "Safety gate: passes, with findings allowed by the reviewed config"
    return "Safety gate: passes"


def gate_changes(finding: GateFinding) -> str:
    shown = ", ".join(finding.changes[:GATE_CHANGES_SHOWN])
    more = len(finding.changes) - GATE_CHANGES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")
