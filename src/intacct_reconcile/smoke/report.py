"""The smoke check's result: one canonical JSON file per run, and a summary for people.

    .intacct-reconcile/smoke-checks/<apply id>.json     after `apply --smoke-check`
    .intacct-reconcile/smoke-checks/check-<time>-<hex>.json   standalone (or nothing applied)

    {"v":1,"apply":"<apply id>"|null,"target":"...","company_id":"...","at":"<ISO time>",
     "status":"passed"|"failed",
     "users":[{"user":"...","sender_id":"...","status":"passed"|"failed"|"skipped",
               "reason":"...","reads":[{"object":"GLACCOUNT","status":"passed"|"failed",
                                        "error":"..."}]}]}

The run passes only when every user passed: a skipped user (its password not in the
environment) is a check that was asked for and did not run. The file holds no secret: logins,
sender IDs, object names, Intacct's (redacted) errors and the names of environment variables.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct_reconcile.digests import canonical_json
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.settings import STATE_DIR
from intacct_reconcile.smoke.run import FAILED, PASSED, SKIPPED, UserResult

FORMAT_VERSION = 1
FOLDER = "smoke-checks"


def to_data(
    results: Sequence[UserResult],
    *,
    apply_id: str | None,
    target: str,
    company_id: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    return {
        "v": FORMAT_VERSION,
        "apply": apply_id,
        "target": target,
        "company_id": company_id,
        "at": when,
        "status": status(results),
        "users": [
            {
                "user": r.user,
                "sender_id": r.sender_id,
                "status": r.status,
                # Intacct's errors arrive redacted (client/errors.py); the rest is logins,
                # object names and the names of environment variables
                "reason": r.reason,
                "reads": [
                    {"object": read.object, "status": read.status, "error": read.error}
                    for read in r.reads
                ],
            }
            for r in results
        ],
    }


def status(results: Sequence[UserResult]) -> str:
    return PASSED if results and all(r.status == PASSED for r in results) else FAILED


def result_path(base_dir: Path, apply_id: str | None, at: datetime | None = None) -> Path:
    folder = base_dir / STATE_DIR / FOLDER
    if apply_id:
        return folder / f"{apply_id}.json"
    stamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"check-{stamp}-{secrets.token_hex(3)}.json"


def write(path: Path, data: dict[str, Any]) -> Path:
    """The file as canonical JSON (sorted keys, no spaces, UTF-8, no trailing newline)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(canonical_json(data), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot write the smoke check result ({exc.strerror}) — make "
            f"{path.parent} writable"
        ) from None
    return path


_MARK = {PASSED: "✓", FAILED: "✗", SKIPPED: "-"}


def summary(data: dict[str, Any], written: Path | None = None) -> str:
    """The result for people: one line per user, one per read, the reason beneath."""
    users = data["users"]
    counts = {s: sum(u["status"] == s for u in users) for s in (PASSED, FAILED, SKIPPED)}
    lines = [
        f"Smoke check of target {data['target']} (company {data['company_id'] or '?'}): "
        f"{data['status']}",
        f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped",
    ]
    for user in users:
        lines.append(
            f"{_MARK[user['status']]} {user['user']} (sender ID {user['sender_id']}): "
            f"{user['status']}"
        )
        for read in user["reads"]:
            error = f": {read['error']}" if read["error"] else ""
            lines.append(f"    {_MARK[read['status']]} read {read['object']}{error}")
        if user["reason"]:
            lines.append(f"    {user['reason']}")
    if written is not None:
        lines.append(f"result: {written}")
    return "\n".join(lines)
