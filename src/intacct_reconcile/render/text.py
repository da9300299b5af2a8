"""Plain text for the terminal. Colour only when asked (`color=True`: the CLI passes the
verdict of its rich console, which honours NO_COLOR, FORCE_COLOR, TERM=dumb and --no-color),
so piped output and golden files stay plain. The escape codes come from rich's styles."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from intacct_reconcile.render import auditor
from intacct_reconcile.render.values import (
    ATTESTED_SYMBOL,
    RESULT_SYMBOLS,
    SYMBOLS,
    access_brief,
    field_brief,
    gate_changes,
    gate_headline,
    grouped,
    partial_line,
    report_line,
    summary_line,
    where,
)
from intacct_reconcile.types import ApplyReport, Change, Plan

# the style of each word; rich is imported only when something is coloured (a terminal)
STYLE_SPECS = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "deactivate": "red",
    "manual": "cyan",
    "attested": "dim",
    "applied": "green",
    "failed": "red",
    "not_attempted": "dim",
    "interrupted": "yellow",
    "skipped": "dim",
    "heading": "bold",
}


@functools.cache
def _styles() -> tuple[dict[str, Any], Any]:
    from rich.color import ColorSystem
    from rich.style import Style

    return {name: Style.parse(spec) for name, spec in STYLE_SPECS.items()}, ColorSystem.STANDARD


def render(obj: Plan | ApplyReport, *, color: bool = False) -> str:
    if isinstance(obj, ApplyReport):
        return render_report(obj, color=color)
    return render_plan(obj, color=color)


def _paint(text: str, style: str, color: bool) -> str:
    # the 8 standard colours: every colour terminal shows them, whatever its palette
    if not color:
        return text
    styles, standard = _styles()
    return str(styles[style].render(text, color_system=standard))


def render_plan(plan: Plan, *, color: bool = False) -> str:
    lines = [f"Plan for target {plan.target or '(unnamed)'}", summary_line(plan)]
    if plan.partial:
        lines.insert(1, _paint(partial_line(plan), "heading", color))
    attested = plan.summary()["attested"]
    if attested:
        lines.append(f"{attested} manual step{'s' if attested != 1 else ''} already attested")
    if not plan.has_changes:
        lines.append("No changes: live state matches the manifests.")
    lines += _gate_lines(plan, color)
    if plan.changes:
        lines.append("")
        for change in plan.changes:
            lines += _change_lines(change, color)
    lines += _access_lines(plan, color)
    lines += _sod_lines(plan, color)
    lines += _unmanaged_lines(plan, color)
    lines += _section("Notes", [f"  - {n}" for n in plan.notes], color)
    return "\n".join(lines) + "\n"


def _change_lines(change: Change, color: bool) -> Iterator[str]:
    style = change.action if change.pending else "attested"
    symbol = SYMBOLS[change.action] if change.pending else ATTESTED_SYMBOL
    source = f"  ({where(change.source)})" if change.source else ""
    label = change.action if change.pending else "attested"
    yield _paint(f"{symbol} {label} {change.ref}", style, color) + source
    for fc in change.fields:
        if fc.added or fc.removed:
            yield f"    {fc.name}:"
            yield from (_paint(f"      + {i}", "create", color) for i in grouped(fc.added))
            yield from (_paint(f"      - {i}", "delete", color) for i in grouped(fc.removed))
        else:
            yield f"    {field_brief(fc)}"
    if change.attested:
        a = change.attested
        until = f" (valid until {a.expires[:10]})" if a.expires else ""
        yield f"    attested by {a.by} at {a.at}{until}" + (f": {a.note}" if a.note else "")
    elif change.manual_steps:
        yield from (f"    {n}. {step}" for n, step in enumerate(change.manual_steps, 1))
    for reason in change.irreversible:
        yield _paint(f"    irreversible: {reason}", "delete", color)
    if change.note:
        yield f"    note: {change.note}"


def _gate_lines(plan: Plan, color: bool) -> list[str]:
    headline = gate_headline(plan)
    if not headline or plan.gate is None:
        return []
    refused = plan.gate.status == "refused"
    lines = [_paint(headline, "delete", color) if refused else headline]
    for finding in plan.gate.findings:
        if finding.status == "refused":
            lines.append(_paint(f"  ✗ [{finding.rule}] {finding.message}", "delete", color))
        else:
            lines.append(f"  ✓ [{finding.rule}] {finding.message}")
        if finding.changes:
            lines.append(f"      changes: {gate_changes(finding)}")
        if finding.status == "refused":
            lines.append("      to let it through: " + "; or ".join(finding.to_allow))
        else:
            lines.append("      allowed by " + "; ".join(finding.allowed_by))
    lines += [
        f"  unused allowance (matches no change in this plan): {a}"
        for a in plan.gate.unused_allowances
    ]
    return lines


def _access_lines(plan: Plan, color: bool) -> list[str]:
    lines = []
    scope = auditor.scope_line(plan)
    if scope:
        lines.append(f"  {scope}")
    for user, items in groupby(plan.access_changes, key=lambda a: a.user):
        lines.append(f"  {user}")
        lines += [f"    {access_brief(a)}" for a in items]
    if not plan.access_changes and scope:
        lines.append("  no user's effective access changes")
    return _section("Effective access changes (per user)", lines, color)


def _sod_lines(plan: Plan, color: bool) -> list[str]:
    if not plan.sod_pack:
        return []
    lines = [f"  {auditor.sod_summary(plan)}"]
    for finding in auditor.sod_sorted(plan):
        label = auditor.sod_label(finding)
        style = "delete" if finding.violation else "attested"
        head = f"  {label}: {finding.rule} — {finding.user} ({finding.title})"
        lines.append(_paint(head, style, color))
        lines += [f"      {line}" for line in auditor.sod_details(finding)]
    return _section(auditor.sod_title(plan), lines, color)


# a large company has thousands of undeclared objects: a terminal shows a sample per kind
UNMANAGED_PER_KIND = 10


def _unmanaged_lines(plan: Plan, color: bool) -> list[str]:
    lines: list[str] = []
    for kind, refs in groupby(plan.unmanaged, key=lambda r: r.kind):
        shown = list(refs)
        lines += [f"  {ref}" for ref in shown[:UNMANAGED_PER_KIND]]
        if len(shown) > UNMANAGED_PER_KIND:
            more = len(shown) - UNMANAGED_PER_KIND
            lines.append(f"  … and {more} more {kind} (see --format json)")
    title = f"Unmanaged: {len(plan.unmanaged)} live object(s) not declared, left as they are"
    return _section(title, lines, color)


def _section(title: str, lines: list[str], color: bool) -> list[str]:
    return ["", _paint(title, "heading", color), *lines] if lines else []


def render_report(report: ApplyReport, *, color: bool = False) -> str:
    title = f"Apply to target {report.target or '(unnamed)'}"
    if report.interrupted:
        title += _paint(" — INTERRUPTED: stopped before the end of the plan", "failed", color)
    lines = [title, report_line(report.counts()), ""]
    for result in report.results:
        change = result.change
        if result.status == "manual":
            lines.append(
                _paint(f"{RESULT_SYMBOLS['manual']} manual step {change.ref}", "manual", color)
            )
            lines += [f"    {n}. {step}" for n, step in enumerate(change.manual_steps, 1)]
            lines += [f"    note: {change.note}"] if change.note else []
            continue
        status = result.status.replace("_", " ")
        head = f"{RESULT_SYMBOLS[result.status]} {status}: {change.action} {change.ref}"
        lines.append(_paint(head, result.status, color))
        if result.error:
            lines.append(f"    error: {result.error}")
    return "\n".join(lines) + "\n"
