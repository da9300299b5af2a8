"""What the CLI and the workflow call: load desired state, validate a path with a summary."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.manifest.desired import Manifests, load_desired

__all__ = ["Manifests", "load_desired", "target_vars", "validate_path"]


def target_vars(
    path: Path, config: Path | None, target: str | None, sandbox: bool = False
) -> tuple[dict[str, str], str]:
    """The chosen target's vars (and its name) from intacct-reconcile.yaml, if there is one
    (--config, else beside PATH, else in the current directory)."""
    try:
        from intacct_reconcile import settings
    except ImportError:  # pragma: no cover - settings is built alongside the manifest layer
        return {}, ""
    if config is None and target is None and not sandbox and settings.find_config(path) is None:
        return {}, ""  # offline and without a config: manifests that use no vars still check
    cfg = settings.load_config(config, path)
    chosen = settings.resolve_target(cfg, target, sandbox=sandbox)
    return dict(chosen.vars), chosen.name if hasattr(chosen, "name") else (target or "")


def validate_path(
    path: Path, config: Path | None = None, target: str | None = None, sandbox: bool = False
) -> str:
    """Validate offline; the summary on success, ManifestError (all problems) otherwise."""
    from intacct_reconcile import targets

    every = targets.every_target_config(Path(path), config, target, sandbox)
    if every is not None:
        # several targets and none chosen: the manifests with each target's vars
        manifests = targets.check_every_target(Path(path), every, os.environ)
        return summary(manifests) + f"\nvars checked for all {len(every.targets)} targets"
    vars, target_name = target_vars(Path(path), config, target, sandbox)
    manifests = load_desired(path, vars=vars, env=os.environ)
    return summary(manifests, target_name)


def summary(manifests: Manifests, target: str = "") -> str:
    counts = Counter(r.kind for r in manifests.desired)
    total = sum(counts.values())
    files = len(manifests.files)
    for_target = f" (vars of target {target})" if target else ""
    lines = [
        f"valid: {total} object{'s' if total != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}{for_target}"
    ]
    if counts:
        lines.append("  " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
    deferred = manifests.deferred_refs
    if deferred:
        lines.append(
            f"{len(deferred)} reference{'s' if len(deferred) != 1 else ''} to objects not "
            "declared here, checked against Intacct at plan time:"
        )
        lines.extend(
            f"  {d.span}: {d.source} {d.field} -> {d.target}"
            + (f" (did you mean {d.suggestion}?)" if d.suggestion else "")
            for d in deferred
        )
    manual = [r for r in manifests.desired if REGISTRY[r.kind].api == "manual"]
    if manual:
        lines.append(
            f"{len(manual)} manual step{'s' if len(manual) != 1 else ''} (UI-only; `plan` "
            "shows where to click, `attest` records who did it): "
            + ", ".join(str(r.ref) for r in manual)
        )
    if manifests.mitigations:
        today = datetime.now(UTC).date()
        lapsed = sum(not m.current(today) for m in manifests.mitigations)
        count = len(manifests.mitigations)
        lines.append(
            f"{count} SoD mitigation{'s' if count != 1 else ''} (sod_mitigations)"
            + (f", {lapsed} expired: a violation again" if lapsed else "")
        )
    if manifests.smoke_checks:
        count = len(manifests.smoke_checks)
        lines.append(
            f"{count} smoke check{'s' if count != 1 else ''} (smoke_checks, run by "
            "`smoke-check` or `apply --smoke-check`): "
            + ", ".join(check.user for check in manifests.smoke_checks)
        )
    return "\n".join(lines)
