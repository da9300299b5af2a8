"""The auditor's sections of a plan, shared by the text and Markdown renderers: the access
review's scope and the segregation-of-duties findings."""

from __future__ import annotations

from collections import Counter

from intacct_reconcile.sod import NOT_EVALUATED
from intacct_reconcile.types import Plan, SodFinding

# how a finding reads, by what it means for the reviewer
SOD_LABELS = {"new": "NEW violation", "live": "violation (already live)", "resolved": "resolved"}


def scope_line(plan: Plan) -> str:
    """ "Access review: 12 live users read, 1 could not be read (why)"; "" without a review."""
    scope = plan.access_scope
    if scope is None:
        return ""
    line = f"Access review: {scope.users_read} live user(s) read"
    if scope.unreadable:
        line += f", {scope.unreadable} could not be read — their access is not shown"
    if scope.reasons:
        line += " (" + "; ".join(scope.reasons) + ")"
    return line


def sod_label(finding: SodFinding) -> str:
    if finding.rule == NOT_EVALUATED:
        return "NOT EVALUATED"
    if finding.mitigation:
        return "mitigated"
    return SOD_LABELS[finding.status]


def sod_summary(plan: Plan) -> str:
    """ "Segregation of duties (pack default): 1 new, 2 already live, 1 mitigated, 0 resolved"."""
    counts = Counter(sod_label(f) for f in plan.sod_findings)
    parts = [
        f"{counts['NEW violation']} new violation(s)",
        f"{counts['violation (already live)']} already live",
        f"{counts['mitigated']} mitigated",
        f"{counts['resolved']} resolved",
    ]
    blocking = sum(f.blocks for f in plan.sod_findings)
    tail = f"; {blocking} block apply" if blocking else ""
    return f"{', '.join(parts)}{tail}"


def sod_title(plan: Plan) -> str:
    return f"Segregation of duties (rule pack: {plan.sod_pack})"


def sod_details(finding: SodFinding) -> list[str]:
    """What the user holds per duty, and the mitigation (current or expired)."""
    lines = list(finding.holds)
    if finding.mitigation:
        lines.append(f"mitigated by {finding.mitigation}")
    if finding.expired:
        lines.append(f"mitigation EXPIRED: {finding.expired}")
    return lines


def sod_sorted(plan: Plan) -> list[SodFinding]:
    """Violations first (new, then live), then mitigated, then resolved."""
    order = {
        "NOT EVALUATED": 0,
        "NEW violation": 1,
        "violation (already live)": 2,
        "mitigated": 3,
        "resolved": 4,
    }
    return sorted(plan.sod_findings, key=lambda f: (order[sod_label(f)], f.rule, f.user))
