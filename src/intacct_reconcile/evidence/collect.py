"""What the bundle copies from the manifest folder: the apply's audit records (verbatim), the
reviewed plan file, the attestation file and the smoke check of the apply."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intacct_reconcile import attestations, planfile
from intacct_reconcile.audit import history, log
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.planfile import SavedPlan

SMOKE_DIR = Path(".intacct-reconcile") / "smoke-checks"


@dataclass(frozen=True)
class AuditExtract:
    """The apply's records copied verbatim from the audit log, their line numbers, and what
    checking the whole log's chain found."""

    apply: history.Apply
    lines: bytes  # the apply's records exactly as the log holds them, one per line
    line_numbers: tuple[int, ...]
    chain: dict[str, Any]  # what `audit verify` said of the whole log


def select_apply(
    base_dir: Path, wanted: str, target: str | None, plan_checksum: str | None = None
) -> history.Apply:
    """`latest` (of `target`, when given; of the plan with `plan_checksum`, when given), an
    apply id, or a unique prefix of one."""
    path = log.audit_path(base_dir)
    if not path.is_file():
        raise ConfigError(
            f"{path}: no audit log here — pass PATH the manifest folder the apply ran from "
            "(the folder holding .intacct-reconcile/)"
        )
    chained = [
        a
        for a in history.applies(base_dir)
        if "type" in a.begin and (target is None or a.target == target)
    ]
    scope = f" to target {target}" if target else ""
    if not chained:
        raise ConfigError(f"{path}: no apply{scope} is recorded — nothing to gather evidence of")
    if wanted == "latest" and plan_checksum:
        of_plan = [a for a in chained if a.begin.get("plan_checksum") == plan_checksum]
        if not of_plan:
            raise ConfigError(
                f"{path}: no apply{scope} of the plan with checksum {plan_checksum} is recorded "
                "— it was not applied, or found nothing to change (an apply with nothing to "
                "change writes no audit records); pass --apply ID for another apply"
            )
        return of_plan[-1]
    if wanted == "latest":
        return chained[-1]
    matches = [a for a in chained if a.apply_id.startswith(wanted.lower())]
    if len(matches) == 1 and len(wanted) >= 6:
        return matches[0]
    recent = ", ".join(f"{a.apply_id[:12]} ({a.begin.get('at')})" for a in chained[-5:])
    if len(matches) > 1 or (matches and len(wanted) < 6):
        raise ConfigError(
            f"--apply {wanted!r} names more than one apply{scope} (or is shorter than 6 "
            f"characters) — give more of the id; recent applies: {recent}"
        )
    raise ConfigError(
        f"--apply {wanted!r}: no such apply{scope} in {path} — recent applies: {recent} "
        "(`intacct-reconcile audit show` lists them)"
    )


def audit_records(base_dir: Path, apply: history.Apply) -> AuditExtract:
    """The apply's records, verbatim, after checking the whole chain (a broken log is refused:
    evidence is not made from a log that was altered)."""
    path = log.audit_path(base_dir)
    verdict = log.verify(path)
    if not verdict.ok:
        raise ConfigError(
            f"{path}:{verdict.bad_line}: {verdict.problem} — the audit log was altered, so no "
            "evidence is made from it; keep the file and compare it with a copy or backup"
        )
    mark = f'"apply":"{apply.apply_id}"'.encode()
    kept: list[bytes] = []
    numbers: list[int] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if mark not in raw:
                continue
            record = json.loads(raw)
            if isinstance(record, dict) and record.get("apply") == apply.apply_id:
                kept.append(raw.rstrip(b"\n") + b"\n")
                numbers.append(number)
    chain = {
        "log": str(path),
        "intact": True,
        "records_in_log": verdict.records,
        "last_hash_in_log": verdict.last_hash,
        "lines_of_this_apply": numbers,
        "first_hash": json.loads(kept[0])["hash"] if kept else None,
        "last_hash": json.loads(kept[-1])["hash"] if kept else None,
    }
    return AuditExtract(apply, b"".join(kept), tuple(numbers), chain)


def plan_checksum(path: Path) -> str:
    """The checksum of a plan file (refused when edited since it was saved)."""
    return planfile.load_saved(path).checksum


def reviewed_plan(path: Path, apply: history.Apply) -> tuple[bytes, SavedPlan]:
    """The plan file the apply ran, refused when it is not that one (or was edited)."""
    saved = planfile.load_saved(path)  # refuses an edited file (checksum)
    applied = apply.begin.get("plan_checksum")
    if saved.checksum != applied:
        raise ConfigError(
            f"{path}: this plan file (checksum {saved.checksum}) is not the plan apply "
            f"{apply.apply_id[:12]} ran (checksum {applied}) — pass --plan the reviewed plan "
            "file that was applied, or leave --plan out (the bundle then says no reviewed plan "
            "file was given)"
        )
    if saved.target.get("name") != apply.target:
        raise ConfigError(
            f"{path}: the plan is for target {saved.target.get('name')!r}, the apply was to "
            f"{apply.target!r} — pass the plan file of this apply"
        )
    return path.read_bytes(), saved


def attestation_file(base_dir: Path, target: str) -> bytes | None:
    path = attestations.attestation_path(base_dir, target)
    return path.read_bytes() if path.is_file() else None


def smoke_check(base_dir: Path, apply_id: str) -> tuple[bytes | None, Any, str]:
    """(the file's bytes, its parsed content, a problem) of the apply's smoke check."""
    path = base_dir / SMOKE_DIR / f"{apply_id}.json"
    if not path.is_file():
        return None, None, ""
    data = path.read_bytes()
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return data, None, f"the smoke check file cannot be read ({exc})"
    if not isinstance(parsed, dict):
        return data, None, "the smoke check file is not a JSON object"
    if parsed.get("apply") != apply_id:
        return data, parsed, f"the smoke check names apply {parsed.get('apply')!r}, not this one"
    return data, parsed, ""
