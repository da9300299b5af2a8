"""Saved plans: JSON with a checksum and the fingerprints of the live objects they touch.

`plan --out plan.json` saves; `apply plan.json` loads (an edited file fails its checksum),
re-reads live state and asks `stale()` what changed since the plan was reviewed.

The checksum only catches accidents: anyone who can edit the file can compute a new one. To
bind a plan to its review, set a secret key in INTACCT_RECONCILE_PLAN_KEY where plans are made
and applied: `plan --out` then adds `"signature": "hmac-sha256:<hex>"` (HMAC-SHA256 with that
key over the canonical JSON of everything but checksum and signature), and `apply` refuses an
unsigned or badly signed plan while the key is set (or while the config says
`plans: {require_signature: true}`). The key itself is never written or shown. Whatever the
file says, apply derives the safety gate's inputs again from live state (rederive.py).

File layout (format_version "1"; see docs/plan-format.md):

    {"format_version": "1", "tool_version": "0.1.0", "created_at": "...",
     "target": {"name": "prod", "company_id": "acme", "entity": "", "endpoint": "..."},
     "manifest_digest": "...", "plan": {...every Plan field...},
      "signature": "hmac-sha256:<hex>",        (only when signed)
     "checksum": "sha256:<hex of the canonical JSON of everything else>"}

No secrets: the target identity keeps only name, company id, entity and endpoint, and plan
values never hold credentials (manifests cannot carry them as literals).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct_reconcile.digests import ABSENT, canonical_json, fingerprint, fingerprint_fields
from intacct_reconcile.errors import PlanFileError
from intacct_reconcile.types import (
    AccessChange,
    AccessScope,
    Attestation,
    Change,
    FieldChange,
    Plan,
    Ref,
    SodFinding,
    Span,
    State,
)

FORMAT_VERSION = "1"
KEY_ENV = "INTACCT_RECONCILE_PLAN_KEY"
SIGNATURE_PREFIX = "hmac-sha256:"
TARGET_KEYS = ("name", "company_id", "entity", "endpoint")
_REGENERATE = "run `intacct-reconcile plan --out FILE` again and review the new plan"


@dataclass(frozen=True)
class SavedPlan:
    """A loaded plan file: the plan plus what it was made with and for."""

    plan: Plan
    tool_version: str
    target: Mapping[str, str]
    created_at: str
    checksum: str
    # where the plan was made: {"config": path or None, "base_dir": path} (older files: {})
    origin: Mapping[str, str | None] = field(default_factory=dict)
    signature: str | None = None
    # the bytes the signature covers (canonical JSON of the body without checksum/signature)
    signed_content: bytes = field(default=b"", repr=False)


def signing_key(env: Mapping[str, str]) -> bytes | None:
    """The plan key from the environment (None when unset or empty)."""
    value = env.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def _signed_content(body: Mapping[str, Any]) -> bytes:
    rest = {k: v for k, v in body.items() if k not in ("checksum", "signature")}
    return canonical_json(rest).encode("utf-8")


def _sign(content: bytes, key: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(key, content, hashlib.sha256).hexdigest()


def verify_signature(
    path: str | Path, saved: SavedPlan, key: bytes | None, *, required_by: str | None = None
) -> None:
    """Refuse (PlanFileError) a plan not signed with `key` when a key is set, or when the
    config (`required_by`, its path) requires signed plans. Messages never hold the key."""
    if key is None:
        if required_by is not None:
            raise PlanFileError(
                f"{path}: {required_by} says plans: {{require_signature: true}}, but {KEY_ENV} "
                "is not set — set it to the key the plan was signed with when it was made"
            )
        return
    if saved.signature is None:
        raise PlanFileError(
            f"{path}: the plan file is not signed, and {KEY_ENV} is set: only plans signed "
            f"with that key are applied — make the plan with {KEY_ENV} set "
            "(`intacct-reconcile plan --out FILE`) and review it"
        )
    if not hmac.compare_digest(saved.signature, _sign(saved.signed_content, key)):
        raise PlanFileError(
            f"{path}: signature mismatch: the plan file was edited after it was signed, or "
            f"it was signed with another key than {KEY_ENV} holds — apply only reviewed "
            f"plans; {_REGENERATE}"
        )


def save(
    plan: Plan,
    path: str | Path,
    *,
    tool_version: str,
    target_identity: Mapping[str, Any],
    now: datetime | None = None,
    origin: Mapping[str, str | None] | None = None,
    signing_key: bytes | None = None,
) -> str:
    """Write the plan to `path` (signed when a key is given); return its checksum."""
    secret = [f"{c.ref}.{name}" for c in plan.changes for name in c.secret_fields]
    if secret:
        raise PlanFileError(
            f"{path}: the plan writes secret values ({', '.join(secret)}) and secrets are never "
            "saved to plan files — apply from the manifests instead of a saved plan"
        )
    body = {
        "format_version": FORMAT_VERSION,
        "tool_version": tool_version,
        "created_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "target": {k: str(target_identity[k]) for k in TARGET_KEYS if k in target_identity},
        "manifest_digest": plan.manifest_digest,
        "plan": plan_to_data(plan),
    }
    if origin is not None:
        body["origin"] = {k: (None if v is None else str(v)) for k, v in origin.items()}
    if signing_key is not None:
        body["signature"] = _sign(_signed_content(body), signing_key)
    body["checksum"] = checksum(body)
    text = json.dumps(body, indent=2, ensure_ascii=False, default=str)
    try:
        Path(path).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise PlanFileError(
            f"{path}: cannot write the plan file ({exc.strerror}) — choose a writable --out path"
        ) from None
    return body["checksum"]


def checksum(body: Mapping[str, Any]) -> str:
    rest = {k: v for k, v in body.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(canonical_json(rest).encode("utf-8")).hexdigest()


def load(path: str | Path) -> Plan:
    """The plan in `path`, refused (PlanFileError) if unreadable, edited or of another format."""
    return load_saved(path).plan


def load_saved(path: str | Path) -> SavedPlan:
    body = _read(Path(path))
    version = body.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"{path}: plan file format {version!r} is not supported (expected "
            f"{FORMAT_VERSION!r}) — {_REGENERATE} with this version of the tool"
        )
    if body.get("checksum") != checksum(body):
        raise PlanFileError(
            f"{path}: checksum mismatch: the plan file was edited after it was saved — "
            f"apply only reviewed plans; {_REGENERATE}"
        )
    signature = body.get("signature")
    try:
        plan = plan_from_data(body["plan"])
        return SavedPlan(
            plan,
            str(body["tool_version"]),
            dict(body["target"]),
            str(body["created_at"]),
            body["checksum"],
            dict(body.get("origin") or {}),
            None if signature is None else str(signature),
            _signed_content(body),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # a hand-built file with a valid checksum but the wrong shapes (a list for a mapping)
        raise PlanFileError(f"{path}: malformed plan file ({exc!r}) — {_REGENERATE}") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such plan file — {_REGENERATE}") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}) — {_REGENERATE}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path}: cannot read the plan file ({exc}) — {_REGENERATE}") from None
    if not isinstance(body, dict):
        raise PlanFileError(f"{path}: not a plan file (a JSON object is expected) — {_REGENERATE}")
    return body


# --- staleness ---------------------------------------------------------------------------------


def stale(plan: Plan, live: State) -> list[str]:
    """What changed in live state since the plan was made, one line per object.

    `live` must cover the kinds the plan touches (read them again before applying).
    """
    changes = {str(c.ref): c for c in plan.changes}
    covered = fingerprint_fields(plan.changes)
    problems = []
    for name, planned in plan.fingerprints.items():
        kind, _, key = name.partition("/")
        current = live.get(kind, key)
        if fingerprint(current, covered.get(kind, frozenset())) == planned:
            continue
        problems.append(_what_changed(name, planned, current, changes.get(name)))
    return problems


def _what_changed(name: str, planned: str, current: Any, change: Change | None) -> str:
    if planned == ABSENT:
        return f"{name}: was absent when planned, now exists in Intacct"
    if current is None:
        return f"{name}: was deleted in Intacct since the plan was made"
    details = [
        f"{fc.name} was {_short(fc.before)}, now {_short(current.values.get(fc.name))}"
        for fc in (change.fields if change else ())
        if fc.before is not None and fc.before != current.values.get(fc.name)
    ]
    if details:
        return f"{name}: " + "; ".join(details)
    return f"{name}: changed in Intacct since the plan was made (fields the plan does not change)"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


# --- Plan <-> JSON data --------------------------------------------------------------------------


def plan_to_data(plan: Plan) -> dict[str, Any]:
    return {
        "target": plan.target,
        "changes": [change_to_data(c) for c in plan.changes],
        "unmanaged": [str(r) for r in plan.unmanaged],
        "access_changes": [access_to_data(a) for a in plan.access_changes],
        "live_counts": dict(plan.live_counts),
        "fingerprints": dict(plan.fingerprints),
        "manifest_digest": plan.manifest_digest,
        "notes": list(plan.notes),
        "only": [str(r) for r in plan.only],
        **review_to_data(plan),
    }


def review_to_data(plan: Plan) -> dict[str, Any]:
    """The access review's scope and the SoD findings, when the plan has them."""
    out: dict[str, Any] = {}
    if plan.access_scope is not None:
        scope = plan.access_scope
        out["access_review"] = {
            "users_read": scope.users_read,
            "unreadable": scope.unreadable,
            "reasons": list(scope.reasons),
        }
    if plan.sod_pack:
        out["sod"] = {
            "pack": plan.sod_pack,
            "findings": [dataclasses.asdict(f) for f in plan.sod_findings],
        }
    return out


def plan_from_data(data: Mapping[str, Any]) -> Plan:
    return Plan(
        target=str(data["target"]),
        changes=tuple(change_from_data(c) for c in data["changes"]),
        unmanaged=tuple(parse_ref(r) for r in data["unmanaged"]),
        access_changes=tuple(access_from_data(a) for a in data["access_changes"]),
        live_counts={str(k): int(v) for k, v in data["live_counts"].items()},
        fingerprints={str(k): str(v) for k, v in data["fingerprints"].items()},
        manifest_digest=str(data["manifest_digest"]),
        notes=tuple(str(n) for n in data["notes"]),
        only=tuple(parse_ref(r) for r in data.get("only", ())),
        access_scope=_scope_from_data(data.get("access_review")),
        sod_findings=tuple(_finding_from_data(f) for f in data.get("sod", {}).get("findings", ())),
        sod_pack=str(data.get("sod", {}).get("pack", "")),
    )


def _scope_from_data(data: Mapping[str, Any] | None) -> AccessScope | None:
    if data is None:
        return None
    return AccessScope(int(data["users_read"]), int(data["unreadable"]), tuple(data["reasons"]))


def _finding_from_data(data: Mapping[str, Any]) -> SodFinding:
    return SodFinding(**{**data, "holds": tuple(data.get("holds", ()))})


def change_to_data(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "kind": change.ref.kind,
        "key": change.ref.key,
        "api": change.api,
        "source": str(change.source) if change.source else None,
        "fields": [field_to_data(f) for f in change.fields],
        "desired": _thaw(change.desired),
        "live_meta": _thaw(change.live_meta),
        "depends_on": [str(r) for r in change.depends_on],
        "manual_steps": list(change.manual_steps),
        "attested": _attestation_data(change.attested),
        "irreversible": list(change.irreversible),
        "note": change.note,
        "secret_fields": list(change.secret_fields),
        "stale_attestation": _attestation_data(change.stale_attestation),
    }


def change_from_data(data: Mapping[str, Any]) -> Change:
    attested = data["attested"]
    stale = data.get("stale_attestation")
    return Change(
        action=data["action"],
        ref=Ref(data["kind"], data["key"]),
        api=data["api"],
        fields=tuple(field_from_data(f) for f in data["fields"]),
        desired=_freeze(data["desired"]),
        live_meta=_freeze(data["live_meta"]),
        source=parse_span(data["source"]) if data["source"] else None,
        depends_on=tuple(parse_ref(r) for r in data["depends_on"]),
        manual_steps=tuple(data["manual_steps"]),
        attested=Attestation(**attested) if attested else None,
        irreversible=tuple(data["irreversible"]),
        note=data["note"],
        secret_fields=tuple(data.get("secret_fields", ())),
        stale_attestation=Attestation(**stale) if stale else None,
    )


def field_to_data(fc: FieldChange) -> dict[str, Any]:
    return {
        "name": fc.name,
        "before": _thaw(fc.before),
        "after": _thaw(fc.after),
        "added": list(fc.added),
        "removed": list(fc.removed),
    }


def field_from_data(data: Mapping[str, Any]) -> FieldChange:
    return FieldChange(
        data["name"],
        _freeze(data["before"]),
        _freeze(data["after"]),
        tuple(data["added"]),
        tuple(data["removed"]),
    )


def access_to_data(access: AccessChange) -> dict[str, Any]:
    return {
        "user": str(access.user),
        "module": access.module,
        "permission": access.permission,
        "before": list(access.before),
        "after": list(access.after),
        "added": list(access.added),
        "removed": list(access.removed),
    }


def access_from_data(data: Mapping[str, Any]) -> AccessChange:
    return AccessChange(
        parse_ref(data["user"]),
        data["module"],
        data["permission"],
        tuple(data["before"]),
        tuple(data["after"]),
    )


def _attestation_data(record: Attestation | None) -> dict[str, str] | None:
    if record is None:
        return None
    data = {"by": record.by, "at": record.at, "digest": record.digest, "note": record.note}
    return {**data, "expires": record.expires} if record.expires else data


def parse_ref(text: str) -> Ref:
    kind, sep, key = text.partition("/")  # keys may hold "/" (CIDRs); kinds never do
    if not sep:
        raise ValueError(f"not KIND/KEY: {text!r}")
    return Ref(kind, key)


def parse_span(text: str) -> Span:
    file, line, column = text.rsplit(":", 2)
    return Span(file, int(line), int(column))


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _thaw(value: Any) -> Any:
    """Normalised values -> JSON data (tuples and sets become lists)."""
    if type(value) in _PLAIN:  # nearly every value: no abstract-class checks for them
        return value
    if isinstance(value, Mapping):
        return {str(k): _thaw(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [_thaw(v) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    """JSON data -> normalised values: sequences are tuples in the normalised form."""
    if isinstance(value, Mapping):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
