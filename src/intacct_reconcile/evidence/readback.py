"""The read-back: a fresh plan of the manifests against the target after the apply.

A converged apply leaves a fresh plan empty. What it says goes into the bundle as it is:

- `empty`: nothing to change, no manual step open;
- `manual steps waiting`: nothing the tool can change, but manual (UI-only) steps wait for a
  person or an attestation — NOT empty;
- `NOT EMPTY`: changes remain (drift by hand since the apply, a change that failed, a
  re-opened manual step) or the safety gate would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct_reconcile.audit import git_state
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.types import Plan

EMPTY = "empty"
WAITING = "manual steps waiting"
NOT_EMPTY = "NOT EMPTY"


@dataclass(frozen=True)
class Readback:
    """The fresh plan made after the apply, and its verdict (readback/result.json)."""

    plan: Plan
    result: dict[str, Any]


def run(
    path: Path,
    *,
    config: Path | None,
    target: str,
    sandbox: bool,
    base_dir: Path,
    applied_git: Any,
    company_id: str,
) -> Readback:
    from intacct_reconcile import workflow
    from intacct_reconcile.settings import load_config, resolve_target
    from intacct_reconcile.terminal import default_ui

    # the same company as the apply, or the read-back proves nothing about it
    found = resolve_target(load_config(config, manifest_path=path), target, sandbox=sandbox)
    if (found.company_id or "") != (company_id or ""):
        raise ConfigError(
            f"target {target!r} now names company {found.company_id!r}, but the apply was to "
            f"company {company_id!r} — read back with the config the apply used (--config)"
        )
    outcome = workflow.plan(
        path,
        config=config,
        target=target,
        fmt="json",
        quiet=True,
        sandbox=sandbox,
        ui=default_ui(),
    )
    return Readback(outcome.plan, verdict(outcome.plan, git_state(base_dir), applied_git))


def verdict(plan: Plan, git: Any, applied_git: Any) -> dict[str, Any]:
    """readback/result.json: the verdict, its figures and what it concerns."""
    refused = plan.gate is not None and bool(plan.gate.refused)
    if plan.changes_to_make or refused:
        status = NOT_EMPTY
    elif plan.waiting:
        status = WAITING
    else:
        status = EMPTY
    now = (git or {}).get("commit") if isinstance(git, dict) else None
    then = applied_git.get("commit") if isinstance(applied_git, dict) else None
    notes = []
    if now and then and now != then:
        notes.append(
            f"the read-back planned the manifests at commit {now}, the apply ran from {then}: "
            "it compares live state with other manifests than the ones applied"
        )
    if isinstance(git, dict) and git.get("dirty"):
        notes.append("the manifests had uncommitted changes when read back")
    return {
        "status": status,
        "empty": status == EMPTY,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": plan.target,
        "changes_to_make": [f"{c.action} {c.ref}" for c in plan.changes_to_make],
        "manual_waiting": [str(c.ref) for c in plan.waiting],
        "manual_attested": [str(c.ref) for c in plan.changes if not c.pending],
        "gate": plan.gate.status if plan.gate is not None else None,
        "manifests_git": git,
        "notes": notes,
    }


def skipped() -> dict[str, Any]:
    return {
        "status": "not performed",
        "empty": None,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes": [
            "--no-readback: live state was not read back; this bundle does not show "
            "that a fresh plan is empty"
        ],
    }
