"""The audit log: one JSON line per apply in `.intacct-reconcile/audit.log` next to the manifests.

Each line says who applied, when (UTC ISO 8601), to which target, which plan (its checksum) and
what happened to every change. It holds refs, actions, statuses and error texts only: never
field values, so a secret that somehow reached a desired value cannot leak into the log.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct_reconcile.client.errors import redact

AUDIT_FILE = Path(".intacct-reconcile") / "audit.log"


def audit_path(base_dir: Path) -> Path:
    return base_dir / AUDIT_FILE


def current_user(by: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """`--by` wins, then $USER, then the OS login name."""
    if by:
        return by
    if env.get("USER"):
        return env["USER"]
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def record(
    base_dir: Path,
    *,
    by: str,
    target: str,
    plan_checksum: str,
    results: list[Mapping[str, Any]],
    when: datetime | None = None,
) -> dict[str, Any]:
    """Append one apply to the audit log and return the entry written.

    `results` items: {"ref": "kind/key", "action": ..., "status": ..., "error": str | None}.
    """
    entry = {
        "when": (when or datetime.now(UTC)).isoformat(timespec="seconds"),
        "who": by,
        "target": target,
        "plan_checksum": plan_checksum,
        "results": [dict(r) for r in results],
    }
    path = audit_path(base_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # errors come redacted from the client; this catches what reached them by another way
    entry = _redacted(entry)
    line = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)
    # one write call per entry in append mode: concurrent applies never interleave a line
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return entry


def _redacted(value: Any) -> Any:
    """`value` with every string redacted (values, not the JSON text: an escape stays whole)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return redact(str(value)) if value is not None and not isinstance(value, int | float) else value


def read(base_dir: Path) -> list[dict[str, Any]]:
    path = audit_path(base_dir)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
