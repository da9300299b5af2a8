"""report.html: the bundle for people who would rather look than read.

Self-contained: one file, CSS in a <style> element, no script, no image, no link to anything,
and a Content-Security-Policy that forbids loading anything even if a browser tried. Every
value is escaped (`_e`): a role description holding `<script>` is shown as text.

Sections: the apply at a glance, the changes with their outcomes, an access matrix (role ×
module, before → after, changes highlighted), effective access per user, segregation-of-duties
findings with their mitigations, manual steps with their attestations, the integration smoke
check, the read-back, and the files of the bundle.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intacct_reconcile.access import permission_field
from intacct_reconcile.audit.history import Apply
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.render.auditor import scope_line, sod_details, sod_label, sod_sorted
from intacct_reconcile.types import Change, Plan

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1d1d1f}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f2f2f2}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.changed{background:#fff3bf}.added{color:#0a6b2d}.removed{color:#b00020}
.ok{background:#d3f9d8}.bad{background:#ffc9c9}.warn{background:#ffe8cc}
.verdict{display:inline-block;padding:2px 8px;border-radius:3px;font-weight:bold}
.muted{color:#666}ul.tight{margin:0;padding-left:1.2em}
"""


@dataclass
class Report:
    """Everything the page shows (built by bundle.py)."""

    apply: Apply
    approval: Mapping[str, Any]
    plan_file: Mapping[str, Any]  # plan/checksum.json, or {"given": False, ...}
    reviewed: Plan | None
    readback: Plan | None
    readback_result: Mapping[str, Any]
    smoke: Any
    smoke_problem: str
    tool_version: str
    files: Mapping[str, str] = field(default_factory=dict)  # path -> sha256 (the others)


def _e(value: Any) -> str:
    """Any value as escaped text (JSON for structures)."""
    if value is None:
        return '<span class="muted">—</span>'
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return html.escape(value, quote=True)


def _verdict(text: str, good: bool | None) -> str:
    css = "ok" if good else ("warn" if good is None else "bad")
    return f'<span class="verdict {css}">{_e(text)}</span>'


def render(report: Report) -> str:
    begin = report.apply.begin
    title = f"Evidence: apply {report.apply.apply_id[:12]} to {report.apply.target}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _overview(report, begin),
        _changes(report.apply),
        _matrix(report.apply),
        _access(report.reviewed),
        _sod(report.reviewed, report.readback),
        _manual(report),
        _smoke(report.smoke, report.smoke_problem),
        _readback(report.readback, report.readback_result),
        _files(report.files),
        f'<p class="muted">Written by intacct-reconcile {_e(report.tool_version)}. Check '
        "this bundle with <code>intacct-reconcile evidence verify FOLDER_OR_ZIP</code>.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _rows(header: Sequence[str], rows: Iterable[Sequence[str]], css: Sequence[str] = ()) -> str:
    """A table; cells are already escaped HTML. `css`: a class per row ("" for none)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{css[i]}"' if i < len(css) and css[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    if not body:
        return '<p class="muted">none</p>'
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


# --- overview --------------------------------------------------------------------------------


def _overview(report: Report, begin: Mapping[str, Any]) -> str:
    end = report.apply.end
    status = "NEVER FINISHED (killed, or still running)" if end is None else end.get("status")
    counts = (end or {}).get("counts") or {}
    git = begin.get("git") if isinstance(begin.get("git"), dict) else {}
    approval = report.approval
    pr = approval.get("pull_request") or {}
    approvers = approval.get("approvers") or {}
    commit = approval.get("commit") or {}
    ci = approval.get("ci") or {}
    plan = report.plan_file
    if plan.get("given"):
        plan_cell = (
            f"<code>{_e(plan.get('plan_checksum'))}</code> — "
            + _verdict("the plan applied", True)
            + (" (signed)" if plan.get("signed") else " (not signed)")
        )
    else:
        plan_cell = _verdict("no reviewed plan file given", None) + " " + _e(plan.get("note"))
    result = report.readback_result
    rb_status = str(result.get("status"))
    smoke = report.smoke
    smoke_cell = (
        _verdict(str(smoke.get("status")), smoke.get("status") == "passed")
        if isinstance(smoke, dict)
        else _verdict("not run", None)
    )
    rows = [
        (
            "Target",
            f"{_e(report.apply.target)} (company {_e(begin.get('company_id'))}, "
            f"entity {_e(begin.get('entity') or 'top level')})",
        ),
        ("Apply", f"<code>{_e(report.apply.apply_id)}</code> started {_e(begin.get('at'))}"),
        (
            "Outcome",
            _verdict(str(status), status == "completed" and not counts.get("failed"))
            + " "
            + _e(", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if n)),
        ),
        (
            "Run by",
            f"{_e(begin.get('who'))} (from {_e(begin.get('who_from'))})"
            + (f", --by {_e(begin.get('by'))}" if begin.get("by") else ""),
        ),
        (
            "Manifests commit (audit log)",
            f"<code>{_e(git.get('commit'))}</code>"
            + (" (uncommitted changes)" if git.get("dirty") else "")
            if git
            else "the manifests were not in git",
        ),
        ("Reviewed plan", plan_cell),
        ("Pull request", f"#{_e(pr.get('number'))} ({_e(pr.get('source'))})" if pr else _e(None)),
        (
            "Approvers",
            f"{_e(', '.join(approvers.get('names') or []) or 'NONE: no approval recorded')} "
            f"({_e(approvers.get('source'))})"
            if approvers
            else "not provided by the CI",
        ),
        (
            "Commit (CI)",
            f"<code>{_e(commit.get('sha'))}</code> ({_e(commit.get('source'))})"
            if commit.get("sha")
            else "not known",
        ),
        (
            "CI run",
            f"{_e(ci.get('system'))}: {_e(ci.get('run_url'))}, actor {_e(ci.get('actor'))}"
            if ci
            else _e(None),
        ),
        ("Read-back (fresh plan)", _verdict(rb_status, result.get("empty"))),
        ("Integration smoke check", smoke_cell),
    ]
    return "<h2>The apply</h2>" + _rows(("", ""), [(f"<b>{_e(k)}</b>", v) for k, v in rows])


# --- changes ---------------------------------------------------------------------------------


def _changes(apply: Apply) -> str:
    final = apply.final()
    rows, css = [], []
    for (ref, action), intent in apply.intents.items():
        status = final.get(ref, "unknown")
        outcome = apply.outcomes.get((ref, action)) or {}
        fields = "".join(_field(v) for v in intent.get("values") or ())
        error = (
            f'<div class="removed">{_e(outcome.get("error"))}</div>' if outcome.get("error") else ""
        )
        rows.append(
            (
                _e(action),
                f"<code>{_e(ref)}</code>",
                _e(intent.get("source")),
                _e(status) + error,
                f'<ul class="tight">{fields}</ul>',
            )
        )
        css.append("ok" if status == "applied" else "bad")
    for (ref, action), outcome in apply.outcomes.items():
        if (ref, action) not in apply.intents:  # never sent: manual steps, skipped changes
            rows.append(
                (
                    _e(action),
                    f"<code>{_e(ref)}</code>",
                    _e(None),
                    _e(outcome.get("status"))
                    + (f" — {_e(outcome.get('error'))}" if outcome.get("error") else ""),
                    _e(outcome.get("phase")),
                )
            )
            css.append("warn")
    return "<h2>Changes</h2>" + _rows(
        ("Action", "Object", "Manifest", "Outcome", "Values"), rows, css
    )


def _field(value: Mapping[str, Any]) -> str:
    name = _e(value.get("field"))
    added, removed = value.get("added") or [], value.get("removed") or []
    if added or removed:
        items = [f'<li class="added">+ {_e(a)}</li>' for a in added]
        items += [f'<li class="removed">- {_e(r)}</li>' for r in removed]
        return (
            f"<li>{name}: <details><summary>+{len(added)} −{len(removed)}</summary>"
            f'<ul class="tight mono">{"".join(items)}</ul></details></li>'
        )
    return f"<li>{name}: {_e(value.get('before'))} → {_e(value.get('after'))}</li>"


# --- access matrix ---------------------------------------------------------------------------


def _permission_fields() -> dict[str, str]:
    out = {}
    for key, kind in REGISTRY.items():
        name = permission_field(kind)
        if name:
            out[key] = name
    return out


def role_changes(apply: Apply) -> list[tuple[str, Any, Any]]:
    """(role ref, permissions before, after) of every change of the apply to a role-like kind
    (one with a permission set)."""
    fields = _permission_fields()
    out = []
    for (ref, _action), intent in apply.intents.items():
        kind = ref.split("/", 1)[0]
        if kind not in fields:
            continue
        for value in intent.get("values") or ():
            if value.get("field") == fields[kind]:
                out.append((ref, value.get("before"), value.get("after")))
    return out


def _as_modules(value: Any) -> dict[str, dict[str, list[str]]]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for module, perms in value.items():
        if isinstance(perms, Mapping):
            out[str(module)] = {str(p): sorted(map(str, r or ())) for p, r in perms.items()}
        else:
            out[str(module)] = {"*": [str(perms)]}
    return out


def _summary(perms: Mapping[str, list[str]]) -> str:
    if not perms:
        return "none"
    rights = sum(len(r) for r in perms.values())
    return f"{len(perms)} permission(s), {rights} right(s)"


def _matrix(apply: Apply) -> str:
    changes = role_changes(apply)
    if not changes:
        return "<h2>Access matrix (role × module)</h2><p>This apply changed no role.</p>"
    modules = sorted({m for _, b, a in changes for m in (*_as_modules(b), *_as_modules(a))})
    head = "".join(f"<th>{_e(m)}</th>" for m in modules)
    body, details = [], []
    for ref, before_raw, after_raw in changes:
        before, after = _as_modules(before_raw), _as_modules(after_raw)
        cells = []
        for module in modules:
            b, a = before.get(module, {}), after.get(module, {})
            if b == a:
                cells.append(f"<td>{_e(_summary(a))}</td>")
                continue
            gained = sum(len(set(r) - set(b.get(p, []))) for p, r in a.items())
            lost = sum(len(set(r) - set(a.get(p, []))) for p, r in b.items())
            cells.append(
                f'<td class="changed">{_e(_summary(b))} → {_e(_summary(a))} '
                f'<span class="added">+{gained}</span> <span class="removed">−{lost}</span></td>'
            )
        body.append(f"<tr><th><code>{_e(ref)}</code></th>{''.join(cells)}</tr>")
        details.append(_role_details(ref, before, after))
    table = f"<table><tr><th>role</th>{head}</tr>{''.join(body)}</table>"
    return (
        "<h2>Access matrix (role × module)</h2>"
        "<p>Each cell: the role's rights in the module before → after this apply; changed cells "
        'are <span class="changed">highlighted</span>.</p>' + table + "".join(details)
    )


def _role_details(ref: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    rows, css = [], []
    for module in sorted(set(before) | set(after)):
        b, a = before.get(module, {}), after.get(module, {})
        for perm in sorted(set(b) | set(a)):
            rb, ra = b.get(perm, []), a.get(perm, [])
            rows.append(
                (_e(f"{module}.{perm}"), _e(", ".join(rb) or "none"), _e(", ".join(ra) or "none"))
            )
            css.append("changed" if rb != ra else "")
    return (
        f"<details><summary>Permissions of <code>{_e(ref)}</code>, before → after</summary>"
        + _rows(("Permission", "Before", "After"), rows, css)
        + "</details>"
    )


# --- effective access, SoD ---------------------------------------------------------------------


def _access(plan: Plan | None) -> str:
    title = "<h2>Effective access per user (reviewed plan)</h2>"
    if plan is None:
        return (
            title + "<p>No reviewed plan file in this bundle: the access review is not shown.</p>"
        )
    by_user: dict[str, list[Any]] = {}
    for change in plan.access_changes:
        by_user.setdefault(str(change.user), []).append(change)
    blocks = []
    for user, changes in sorted(by_user.items()):
        rows = [
            (
                _e(f"{a.module}.{a.permission}"),
                _e(", ".join(a.before) or "none"),
                _e(", ".join(a.after) or "none"),
                _e(" ".join([*(f"+{r}" for r in a.added), *(f"-{r}" for r in a.removed)])),
            )
            for a in changes
        ]
        table = _rows(("Permission", "Before", "After", "Change"), rows, ["changed"] * len(rows))
        blocks.append(
            f"<details><summary><code>{_e(user)}</code>: {len(changes)} permission(s) "
            f"change</summary>{table}</details>"
        )
    scope = scope_line(plan)
    return (
        title
        + (f"<p>{_e(scope)}</p>" if scope else "")
        + ("".join(blocks) or "<p>No user's effective access changes.</p>")
    )


def _sod(reviewed: Plan | None, after: Plan | None) -> str:
    out = ["<h2>Segregation of duties</h2>"]
    for label, plan in (("In the reviewed plan", reviewed), ("After the apply (read-back)", after)):
        if plan is None:
            continue
        if not plan.sod_pack:
            out.append(
                f"<h3>{_e(label)}</h3><p>Not evaluated (the plan touched no roles or users).</p>"
            )
            continue
        rows, css = [], []
        for f in sod_sorted(plan):
            status = sod_label(f)
            details = "".join(f"<li>{_e(d)}</li>" for d in sod_details(f))
            rows.append(
                (
                    _e(status),
                    _e(f.rule),
                    _e(f.title),
                    f"<code>{_e(f.user)}</code>",
                    f'<ul class="tight">{details}</ul>',
                    _e(f.mitigation or None),
                )
            )
            css.append("ok" if f.mitigation or f.status == "resolved" else "bad")
        out.append(f"<h3>{_e(label)} (rule pack: {_e(plan.sod_pack)})</h3>")
        out.append(_rows(("Status", "Rule", "Title", "User", "Holds", "Mitigation"), rows, css))
    if len(out) == 1:
        out.append("<p>No plan in this bundle to take findings from.</p>")
    return "".join(out)


# --- manual steps and attestations -------------------------------------------------------------


def _manual(report: Report) -> str:
    plan = report.readback or report.reviewed
    title = "<h2>Manual steps and attestations</h2>"
    if plan is None:
        refs = sorted(
            ref for (ref, _), o in report.apply.outcomes.items() if o.get("status") == "manual"
        )
        return title + _rows(
            ("Manual step", "Status"), [(f"<code>{_e(r)}</code>", "open") for r in refs]
        )
    source = "read back after the apply" if report.readback is not None else "the reviewed plan"
    rows, css = [], []
    for change in (c for c in plan.changes if c.action == "manual"):
        state, good = _manual_state(change)
        record = change.attested or change.stale_attestation
        attested = (
            f"{_e(record.by)} at {_e(record.at)}"
            + (f", valid until {_e(record.expires)}" if record.expires else "")
            + (f"<br>{_e(record.note)}" if record.note else "")
            if record
            else _e(None)
        )
        steps = "".join(f"<li>{_e(s)}</li>" for s in change.manual_steps)
        rows.append(
            (
                f"<code>{_e(str(change.ref))}</code>",
                _verdict(state, good),
                attested,
                f'<details><summary>UI steps</summary><ol class="tight">{steps}</ol></details>'
                + (f"<div>{_e(change.note)}</div>" if change.note else ""),
            )
        )
        css.append("")
    return (
        title
        + f"<p>As {_e(source)}.</p>"
        + _rows(("Manual step", "Status", "Attestation", "Steps"), rows, css)
    )


def _manual_state(change: Change) -> tuple[str, bool | None]:
    if not change.pending:
        return "attested", True
    if change.stale_attestation is not None:
        return "re-opened (attestation no longer valid)", False
    return "open: waiting for a person", None


# --- smoke check, read-back, files ------------------------------------------------------------


def _smoke(smoke: Any, problem: str) -> str:
    title = "<h2>Integration smoke check</h2>"
    if smoke is None:
        return title + (f"<p>{_e(problem)}</p>" if problem else "<p>not run</p>")
    note = f'<p class="removed">{_e(problem)}</p>' if problem else ""
    head = (
        f"<p>{_verdict(str(smoke.get('status')), smoke.get('status') == 'passed')} at "
        f"{_e(smoke.get('at'))}, target {_e(smoke.get('target'))}, company "
        f"{_e(smoke.get('company_id'))}</p>"
    )
    rows, css = [], []
    users = smoke.get("users") if isinstance(smoke.get("users"), list) else []
    for user in users:
        if not isinstance(user, dict):
            continue
        reads = user.get("reads") if isinstance(user.get("reads"), list) else []
        items = "".join(
            f"<li>{_e(r.get('object'))}: {_e(r.get('status'))}"
            + (f" — {_e(r.get('error'))}" if r.get("error") else "")
            + "</li>"
            for r in reads
            if isinstance(r, dict)
        )
        rows.append(
            (
                f"<code>{_e(user.get('user'))}</code>",
                _e(user.get("sender_id")),
                _e(user.get("status")),
                _e(user.get("reason") or None),
                f'<ul class="tight">{items}</ul>',
            )
        )
        status = user.get("status")
        css.append("ok" if status == "passed" else ("warn" if status == "skipped" else "bad"))
    return (
        title + note + head + _rows(("User", "Sender ID", "Status", "Reason", "Reads"), rows, css)
    )


def _readback(plan: Plan | None, result: Mapping[str, Any]) -> str:
    title = "<h2>Read-back: a fresh plan after the apply</h2>"
    status = str(result.get("status"))
    out = [title, f"<p>{_verdict(status, result.get('empty'))} at {_e(result.get('at'))}</p>"]
    out += [f"<p>{_e(n)}</p>" for n in result.get("notes") or ()]
    if plan is not None:
        pending = [c for c in plan.changes if c.pending]
        rows = [
            (
                _e(c.action),
                f"<code>{_e(str(c.ref))}</code>",
                '<ul class="tight">'
                + "".join(
                    f"<li>{_e(f.name)}: {_e(f.before)} → {_e(f.after)}</li>" for f in c.fields
                )
                + "</ul>",
            )
            for c in pending
        ]
        if rows:
            out.append("<p>What the fresh plan still finds to do:</p>")
            out.append(_rows(("Action", "Object", "Differences"), rows, ["bad"] * len(rows)))
    return "".join(out)


def _files(files: Mapping[str, str]) -> str:
    rows = [(f"<code>{_e(p)}</code>", f"<code>{_e(d)}</code>") for p, d in sorted(files.items())]
    return (
        "<h2>Files</h2><p>SHA-256 of the bundle's files (this page, index.json and SHA256SUMS "
        "are listed in index.json).</p>" + _rows(("File", "SHA-256"), rows)
    )
