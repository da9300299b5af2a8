"""Segregation of duties: a rule pack (pack.py), mitigations declared in the manifests
(mitigations.py), evaluation against the access before and after a plan (evaluate.py).

The config decides which pack and whether new violations block apply:

    sod:
      enabled: true                 # default: evaluated whenever the plan touches roles or users
      pack: sod-rules.yaml          # relative to intacct-reconcile.yaml; default: the shipped one
      block_new_violations: true    # the safety gate refuses apply (override: --force)

`gate_messages(plan)` is what the safety gate reads: one message per new, unmitigated
violation the config said must block.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intacct_reconcile.settings import SOD_SCHEMA as CONFIG_SCHEMA
from intacct_reconcile.types import Plan, SodFinding

if TYPE_CHECKING:
    from intacct_reconcile.access_review import Snapshots
    from intacct_reconcile.sod.mitigations import Mitigation
    from intacct_reconcile.sod.pack import Pack

# The pack, its evaluation and the access review it reads are imported when a plan is
# evaluated: the manifests' `sod_mitigations:` section (mitigations.py, under this package)
# and the safety gate's `gate_messages` are needed by every plan, the rest only by one that
# touches roles or users.

# the finding standing for "not evaluated" when users or roles could not be read
NOT_EVALUATED = "not_evaluated"

__all__ = ["CONFIG_SCHEMA", "Pack", "enabled", "evaluate_plan", "gate_messages", "load_pack"]


def __getattr__(name: str) -> Any:
    if name in ("Pack", "load_pack"):
        from intacct_reconcile.sod import pack

        return getattr(pack, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def enabled(config: Mapping[str, Any], touches_access: bool) -> bool:
    """Explicit `enabled` wins; otherwise SoD runs whenever the plan touches roles or users."""
    return bool(config.get("enabled", touches_access))


def pack_for(config: Mapping[str, Any], base_dir: Path) -> Pack:
    from intacct_reconcile.sod.pack import load_pack

    path = config.get("pack")
    return load_pack(base_dir / str(path) if path else None)


def evaluate_plan(
    plan: Plan,
    snaps: Snapshots,
    config: Mapping[str, Any],
    base_dir: Path,
    mitigations: Sequence[Mitigation],
    today: dt.date,
    *,
    complete: bool = True,
    reasons: Sequence[str] = (),
) -> Plan:
    """The plan with its SoD findings (and the pack's name).

    When users or roles could not be read (`complete=False`) nothing is evaluated: the plan
    says so, and if new violations must block, that unknown blocks too (fail closed).
    """
    from intacct_reconcile.sod.evaluate import evaluate
    from intacct_reconcile.sod.mitigations import check_rules

    pack = pack_for(config, base_dir)
    check_rules(mitigations, pack.rules)
    block_new = bool(config.get("block_new_violations", False))
    if not complete:
        unknown = SodFinding(
            rule=NOT_EVALUATED,
            title="users or roles could not be read: violations cannot be ruled out",
            user="*",
            status="new",
            holds=tuple(reasons),
            blocks=block_new,
        )
        return dataclasses.replace(plan, sod_findings=(unknown,), sod_pack=pack.name)
    findings = evaluate(pack, snaps, mitigations, today, block_new=block_new)
    return dataclasses.replace(plan, sod_findings=findings, sod_pack=pack.name)


def gate_messages(plan: Plan) -> list[str]:
    """New, unmitigated violations the config says must block apply."""
    return [
        f"segregation of duties not evaluated: {'; '.join(f.holds)} (grant the tool's user "
        "read access to users and roles, or set sod.block_new_violations: false)"
        if f.rule == NOT_EVALUATED
        else f"{f.user} would violate SoD rule {f.rule} ({f.title}): " + "; ".join(f.holds)
        for f in plan.sod_findings
        if f.blocks
    ]
