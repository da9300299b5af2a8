"""Versioned JSON for machines (format_version "1", documented in docs/plan-format.md).

Field values keep their normalised JSON form; `source` is "file:line". Additions to this
format are backwards compatible; a removal or change of meaning bumps format_version.
"""

from __future__ import annotations

import json
from typing import Any

from intacct_reconcile.planfile import access_to_data, field_to_data, review_to_data
from intacct_reconcile.render.values import where
from intacct_reconcile.types import ApplyReport, Change, GateVerdict, Plan

FORMAT_VERSION = "1"


def render(obj: Plan | ApplyReport, *, color: bool = False) -> str:
    data = report_data(obj) if isinstance(obj, ApplyReport) else plan_data(obj)
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def plan_data(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": plan.target,
        "summary": {**plan.summary(), "has_changes": plan.has_changes},
        "changes": [change_data(c) for c in plan.changes],
        "unmanaged": [{"kind": r.kind, "key": r.key} for r in plan.unmanaged],
        "access_changes": [access_to_data(a) for a in plan.access_changes],
        "notes": list(plan.notes),
        "manifest_digest": plan.manifest_digest,
        "safety": gate_data(plan.gate),
        "partial": plan.partial,
        "only": [{"kind": r.kind, "key": r.key} for r in plan.only],
        **review_to_data(plan),
        "unfinished_applies": [dict(u) for u in plan.unfinished_applies],
    }


def gate_data(gate: GateVerdict | None) -> dict[str, Any] | None:
    """The safety gate's verdict (null when the plan was not checked, e.g. a bare Plan)."""
    if gate is None:
        return None
    return {
        "verdict": gate.status,
        "refused": len(gate.refused),
        "allowed": len(gate.findings) - len(gate.refused),
        "findings": [
            {
                "rule": f.rule,
                "status": f.status,
                "message": f.message,
                "changes": list(f.changes),
                "figures": dict(f.figures),
                "allowed_by": list(f.allowed_by),
                "to_allow": list(f.to_allow),
                "override": f.override,
            }
            for f in gate.findings
        ],
        "unused_allowances": list(gate.unused_allowances),
    }


def change_data(change: Change) -> dict[str, Any]:
    attested = change.attested
    return {
        "action": change.action,
        "kind": change.ref.kind,
        "key": change.ref.key,
        "api": change.api,
        "source": where(change.source) or None,
        "fields": [field_to_data(f) for f in change.fields],
        "depends_on": [str(r) for r in change.depends_on],
        "manual_steps": list(change.manual_steps),
        "pending": change.pending,
        "waiting": change.waiting,
        "attested": {
            "by": attested.by,
            "at": attested.at,
            "note": attested.note,
            **({"expires": attested.expires} if attested.expires else {}),
        }
        if attested
        else None,
        "irreversible": list(change.irreversible),
        "note": change.note,
    }


def report_data(report: ApplyReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": report.target,
        "summary": {**report.counts(), "ok": report.ok},
        "interrupted": report.interrupted,
        "unfinished_applies": [dict(u) for u in report.unfinished_applies],
        "results": [
            {
                "action": r.change.action,
                "kind": r.change.ref.kind,
                "key": r.change.ref.key,
                "source": where(r.change.source) or None,
                "status": r.status,
                "error": r.error,
            }
            for r in report.results
        ],
    }
