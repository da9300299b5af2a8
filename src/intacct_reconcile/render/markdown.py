"""Markdown for pull-request comments (GitHub flavour).

A summary table, one section per kind with collapsible field diffs, a checklist of manual
steps (attested ones ticked, with who), effective access per user, unmanaged objects. GitHub
refuses comments over 65,536 characters, so when the full text would not fit, the largest
sections are cut to a fair share of the space (water-filling: small sections stay whole) and
each cut section says how many entries it left out.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from intacct_reconcile.render import auditor
from intacct_reconcile.render.values import (
    RESULT_SYMBOLS,
    SYMBOLS,
    access_delta,
    access_name,
    access_rights,
    change_brief,
    gate_changes,
    gate_headline,
    grouped,
    partial_line,
    report_line,
    summary_line,
    value,
    where,
)
from intacct_reconcile.types import ApplyReport, Change, FieldChange, Plan

GITHUB_LIMIT = 65_536
_MARGIN = 1_000  # room for the omission notes and any wrapper text the CI adds
_DELETES = ("delete", "deactivate")


@dataclass(frozen=True)
class Section:
    """A block of the comment whose items can be dropped from the end to save space."""

    header: str
    items: Sequence[str]
    footer: str = ""
    what: str = "entries"

    def full(self) -> str:
        return self.header + "".join(self.items) + self.footer

    def cut(self, budget: int) -> str:
        kept: list[str] = []
        used = len(self.header) + len(self.footer) + 200  # 200: the omission line
        for item in self.items:
            if used + len(item) > budget:
                break
            kept.append(item)
            used += len(item)
        omitted = len(self.items) - len(kept)
        note = (
            f"\n_… {omitted} more {self.what} omitted to fit GitHub's 65,536-character comment "
            "limit; run `intacct-reconcile plan --format text` for the full plan._\n"
        )
        return self.header + "".join(kept) + note + self.footer


def render(obj: Plan | ApplyReport, *, color: bool = False, limit: int = GITHUB_LIMIT) -> str:
    if isinstance(obj, ApplyReport):
        return render_report(obj, limit=limit)
    return render_plan(obj, limit=limit)


def fit(preamble: str, sections: Sequence[Section], limit: int = GITHUB_LIMIT) -> str:
    """Join the sections after the preamble, cutting the largest ones to stay under `limit`."""
    texts = [s.full() for s in sections]
    budget = limit - _MARGIN - len(preamble)
    if sum(map(len, texts)) <= budget:
        return preamble + "".join(texts)
    left = len(sections)
    for i in sorted(range(len(sections)), key=lambda i: len(texts[i])):
        share = max(budget // left, 0)
        if len(texts[i]) > share:
            texts[i] = sections[i].cut(share)
        budget -= len(texts[i])
        left -= 1
    return preamble + "".join(texts)


# --- plans ---------------------------------------------------------------------------------------


def render_plan(plan: Plan, *, limit: int = GITHUB_LIMIT) -> str:
    preamble = (
        f"## intacct-reconcile plan: `{plan.target or '(unnamed)'}`\n\n"
        f"**{summary_line(plan)}**\n\n{_summary_table(plan)}"
    )
    if plan.partial:
        preamble = preamble.replace("\n\n", f"\n\n> **{partial_line(plan)}**\n\n", 1)
    if not plan.has_changes:
        preamble += "\nNo changes: live state matches the manifests.\n"
    preamble += _gate_block(plan)
    sections = [
        *_kind_sections(plan),
        *_manual_section(plan),
        *_access_section(plan),
        *_sod_section(plan),
        *_unmanaged_section(plan),
        *_notes_section(plan),
    ]
    return fit(preamble, sections, limit)


def _gate_block(plan: Plan) -> str:
    """The safety gate's verdict, in the preamble: never cut to fit the comment limit."""
    headline = gate_headline(plan)
    if not headline or plan.gate is None:
        return ""
    gate = plan.gate
    if gate.status == "refused":
        lines = ["\n> [!CAUTION]\n", f"> **{cell(headline)}**\n"]
    else:
        lines = [f"\n**{cell(headline)}**\n"]
    prefix = "> " if gate.status == "refused" else ""
    if gate.findings:
        lines.append(f"{prefix}\n")
    for finding in gate.findings:
        mark = "❌ refused" if finding.status == "refused" else "✅ allowed"
        lines.append(f"{prefix}- {mark} `{finding.rule}`: {cell(finding.message)}\n")
        if finding.changes:
            lines.append(f"{prefix}  - changes: {cell(gate_changes(finding))}\n")
        if finding.status == "refused":
            ways = "; or ".join(finding.to_allow)
            lines.append(f"{prefix}  - to let it through: {cell(ways)}\n")
        else:
            lines.append(f"{prefix}  - allowed by {cell('; '.join(finding.allowed_by))}\n")
    for allowance in gate.unused_allowances:
        lines.append(f"{prefix}- unused allowance (matches no change): {cell(allowance)}\n")
    return "".join(lines)


def _kinds(changes: Iterable[Change]) -> list[str]:
    return list(dict.fromkeys(c.ref.kind for c in changes))


def _summary_table(plan: Plan) -> str:
    rows = ["| Kind | Create | Update | Delete | Manual |\n", "|---|---:|---:|---:|---:|\n"]
    for kind in _kinds(plan.changes):
        mine = [c for c in plan.changes if c.ref.kind == kind]
        counts = [
            sum(c.action == "create" for c in mine),
            sum(c.action == "update" for c in mine),
            sum(c.action in _DELETES for c in mine),
            sum(c.action == "manual" and c.pending for c in mine),
        ]
        rows.append(f"| {kind} | " + " | ".join(map(str, counts)) + " |\n")
    return "".join(rows) if len(rows) > 2 else ""


def _kind_sections(plan: Plan) -> list[Section]:
    api_changes = [c for c in plan.changes if c.action != "manual"]
    sections = []
    for kind in _kinds(api_changes):
        mine = [c for c in api_changes if c.ref.kind == kind]
        header = f"\n### {kind}\n\n| | Object | Source | Change |\n|---|---|---|---|\n"
        sections.append(Section(header, [_row(c) for c in mine], what=f"{kind} changes"))
        detailed = [c for c in mine if c.fields]
        if detailed:
            sections.append(
                Section(
                    f"\n<details><summary>Field changes in {kind} ({len(detailed)})</summary>\n\n",
                    [_field_block(c) for c in detailed],
                    "\n</details>\n",
                    what=f"{kind} field diffs",
                )
            )
    return sections


def _row(change: Change) -> str:
    what = cell(change_brief(change))
    if change.irreversible:
        what += " — **irreversible**: " + cell("; ".join(change.irreversible))
    if change.note:
        what += f" ({cell(change.note)})"
    source = code(where(change.source)) if change.source else ""
    action = f"{SYMBOLS[change.action]} {change.action}"
    return f"| {action} | {code(str(change.ref))} | {source} | {what} |\n"


def _field_block(change: Change) -> str:
    plain = [fc for fc in change.fields if not (fc.added or fc.removed)]
    sets = [fc for fc in change.fields if fc.added or fc.removed]
    parts = [f"**{code(str(change.ref))}**\n\n"]
    if plain:
        parts.append("| Field | Before | After |\n|---|---|---|\n")
        parts += [f"| {cell(fc.name)} | {_val(fc.before)} | {_val(fc.after)} |\n" for fc in plain]
        parts.append("\n")
    parts += [_set_block(fc) for fc in sets]
    return "".join(parts)


def _set_block(fc: FieldChange) -> str:
    lines = [f"- {cell(fc.name)}:\n"]
    lines += [f"  - ➕ {code(i)}\n" for i in grouped(fc.added)]
    lines += [f"  - ➖ {code(i)}\n" for i in grouped(fc.removed)]
    return "".join(lines) + "\n"


def _manual_section(plan: Plan) -> list[Section]:
    manual = [c for c in plan.changes if c.action == "manual"]
    if not manual:
        return []
    header = "\n### Manual steps (Intacct UI)\n\n"
    return [Section(header, [_checklist_item(c) for c in manual], what="manual steps")]


def _checklist_item(change: Change) -> str:
    source = f" ({code(where(change.source))})" if change.source else ""
    if change.attested:
        a = change.attested
        note = f": {cell(a.note)}" if a.note else ""
        until = f" (valid until {a.expires[:10]})" if a.expires else ""
        who = f"attested by {cell(a.by)} at {a.at}{until}{note}"
        return f"- [x] **{code(str(change.ref))}**{source} — {who}\n"
    steps = "".join(f"  {n}. {cell(step)}\n" for n, step in enumerate(change.manual_steps, 1))
    note = f"  _{cell(change.note)}_\n" if change.note else ""
    return f"- [ ] **{code(str(change.ref))}**{source}\n{steps}{note}"


def _access_section(plan: Plan) -> list[Section]:
    scope = auditor.scope_line(plan)
    if not plan.access_changes and not scope:
        return []
    users = len({a.user for a in plan.access_changes})
    header = (
        "\n### Effective access changes\n\n"
        + (f"{cell(scope)}\n\n" if scope else "")
        + f"{users} user(s), {len(plan.access_changes)} permission change(s)\n\n"
    )
    # one collapsible block per user: a reviewer opens the people they know
    items = [
        f"<details><summary><code>{html.escape(str(user))}</code>: {len(changes)} change(s)"
        "</summary>\n\n"
        "| Permission | Before | After | Change |\n|---|---|---|---|\n"
        + "".join(
            f"| {access_name(a)} | {access_rights(a, a.before)} | "
            f"{access_rights(a, a.after)} | {access_delta(a)} |\n"
            for a in changes
        )
        + "\n</details>\n"
        for user, changes in (
            (u, list(g)) for u, g in groupby(plan.access_changes, lambda a: a.user)
        )
    ]
    return [Section(header, items, what="users' access changes")]


def _sod_section(plan: Plan) -> list[Section]:
    if not plan.sod_pack:
        return []
    header = f"\n### {cell(auditor.sod_title(plan))}\n\n**{cell(auditor.sod_summary(plan))}**\n\n"
    items = [
        f"- **{cell(auditor.sod_label(f))}** {code(f.rule)} — {code(f.user)}: {cell(f.title)}\n"
        + "".join(f"  - {cell(line)}\n" for line in auditor.sod_details(f))
        for f in auditor.sod_sorted(plan)
    ]
    return [Section(header, items, what="SoD findings")]


def _unmanaged_section(plan: Plan) -> list[Section]:
    if not plan.unmanaged:
        return []
    n = len(plan.unmanaged)
    header = (
        f"\n### Unmanaged ({n})\n\n<details><summary>{n} live object(s) not declared in the "
        "manifests, left as they are</summary>\n\n"
    )
    items = [f"- {code(str(ref))}\n" for ref in plan.unmanaged]
    return [Section(header, items, "\n</details>\n", what="unmanaged objects")]


def _notes_section(plan: Plan) -> list[Section]:
    if not plan.notes:
        return []
    return [Section("\n### Notes\n\n", [f"- {cell(n)}\n" for n in plan.notes], what="notes")]


# --- apply reports ----------------------------------------------------------------------------


def render_report(report: ApplyReport, *, limit: int = GITHUB_LIMIT) -> str:
    preamble = (
        f"## intacct-reconcile apply: `{report.target or '(unnamed)'}`\n\n"
        f"**{report_line(report.counts())}**\n"
    )
    if report.interrupted:
        preamble += "\n**Interrupted: stopped before the end of the plan.**\n"
    header = "\n| Result | Change | Object | Error |\n|---|---|---|---|\n"
    rows = [
        f"| {RESULT_SYMBOLS[r.status]} {r.status.replace('_', ' ')} | {r.change.action} | "
        f"{code(str(r.change.ref))} | {cell(r.error or '')} |\n"
        for r in report.results
    ]
    sections = [Section(header, rows, what="results")]
    manual = [r.change for r in report.results if r.status == "manual"]
    if manual:
        todo = "\n### Manual steps still to do (Intacct UI)\n\n"
        sections.append(Section(todo, [_checklist_item(c) for c in manual], what="manual steps"))
    return fit(preamble, sections, limit)


# --- escaping -----------------------------------------------------------------------------------


def cell(text: str) -> str:
    """Text safe inside a table cell or list item: no pipes, newlines or raw HTML."""
    text = (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )
    # ">" is harmless mid-line (UI paths read "Company > Setup"); leading, it would quote
    return "\\" + text if text.startswith(">") else text


def code(text: str) -> str:
    """Inline code, with a fence long enough for backticks inside; pipes still escaped."""
    text = text.replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _val(v: object) -> str:
    return code(value(v)) if v is not None else "_(none)_"
