"""Attestations: who performed a manual (UI-only) step, when, for which declared value.

Stored in `.intacct-reconcile/attestations/<target>.yaml` next to the manifests, so they are
committed and reviewed with them:

    sender_ids/expensify:
      by: alice
      at: "2026-11-22T03:00:00+00:00"
      digest: sha256:…          # of the declared value at the time of the attestation
      note: added in Company > Setup > … by ticket 123

The planner treats an attestation as satisfied only while the digest still matches the
declared value: editing the manifest re-opens the step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from intacct_reconcile import yamlfile
from intacct_reconcile.digests import canonical_json
from intacct_reconcile.errors import ConfigError, ReconcileError
from intacct_reconcile.manifest.loader import Node
from intacct_reconcile.types import Attestation, Ref, Resource, State

ATTESTATION_DIR = Path(".intacct-reconcile") / "attestations"
_MAX_NODES = 1_000_000  # expanded values; a real file holds a few per manual step


class AttestationError(ReconcileError):
    """An attestation that cannot be recorded (unknown ref, not a manual kind)."""


def value_digest(resource: Resource) -> str:
    """sha256 over the canonical JSON of the declared values (plus ensure)."""
    payload = {"values": dict(resource.values), "ensure": resource.ensure}
    # ASCII escapes, as when the first attestations were recorded: their digests stay valid
    text = canonical_json(payload, ascii_only=True)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def attestation_path(base_dir: Path, target: str) -> Path:
    return base_dir / ATTESTATION_DIR / f"{target}.yaml"


def load(base_dir: Path, target: str) -> dict[Ref, Attestation]:
    path = attestation_path(base_dir, target)
    if not path.exists():
        return {}
    node, data = _read_located(path)
    out: dict[Ref, Attestation] = {}
    for name, entry in data.items():
        kind, sep, key = str(name).partition("/")
        if not sep or not isinstance(entry, Mapping):
            raise ConfigError(
                f"{yamlfile.where(node, [name], str(path), key=True)}: entry {name!r} must be "
                "KIND/KEY: {by, at, digest} — fix or remove the entry"
            )
        out[Ref(kind, key)] = Attestation(
            by=str(entry.get("by", "")),
            at=str(entry.get("at", "")),
            digest=str(entry.get("digest", "")),
            note=str(entry.get("note", "") or ""),
        )
    return out


def _read(path: Path) -> dict[str, Any]:
    return _read_located(path)[1]


def _read_located(path: Path) -> tuple[Node | None, dict[str, Any]]:
    """The attestation file as a mapping; a broken file is a located error, never a crash
    (it is edited by hand and merged in git, so conflict markers do happen)."""
    return yamlfile.load_mapping(
        path,
        yamlfile.read_text(path, "attestation"),
        what="attestation",
        max_nodes=_MAX_NODES,
        shape_hint="write KIND/KEY entries ({by, at, digest}), or remove the file",
    )


def parse_ref(text: str) -> Ref:
    kind, sep, key = text.partition("/")
    if not sep or not kind or not key:
        raise AttestationError(
            f"{text!r} is not KIND/KEY — e.g. `attest sender_ids/expensify --target prod --by you`"
        )
    return Ref(kind, key)


def attest(
    base_dir: Path,
    *,
    ref: Ref,
    target: str,
    by: str,
    note: str,
    desired: State,
    manual_kinds: set[str],
    when: datetime | None = None,
) -> Attestation:
    """Record that `by` performed the manual step for `ref` as currently declared."""
    if ref.kind not in manual_kinds:
        raise AttestationError(
            f"{ref.kind} is not a manual kind: its objects are applied through the API, "
            f"so there is nothing to attest — manual kinds: {', '.join(sorted(manual_kinds))}"
        )
    resource = desired.get(ref.kind, ref.key)
    if resource is None:
        declared = ", ".join(sorted(desired.of(ref.kind))) or "none"
        raise AttestationError(
            f"{ref} is not declared in the manifests (declared {ref.kind}: {declared}) — "
            "declare it first, then attest the step you performed"
        )
    if not by.strip():
        raise AttestationError("--by must name who performed the step")
    record = Attestation(
        by=by.strip(),
        at=(when or datetime.now(UTC)).isoformat(timespec="seconds"),
        digest=value_digest(resource),
        note=note,
    )
    path = attestation_path(base_dir, target)
    existing: dict[str, Any] = _read(path) if path.exists() else {}
    existing[str(ref)] = {
        "by": record.by,
        "at": record.at,
        "digest": record.digest,
        **({"note": record.note} if record.note else {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Manual steps performed in the Intacct UI, recorded by `intacct-reconcile attest`.\n"
        + yaml.safe_dump(existing, sort_keys=True, allow_unicode=True),
        encoding="utf-8",
    )
    return record
