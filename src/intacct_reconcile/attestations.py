"""Attestations: who performed a manual (UI-only) step, when, for which declared value.

Stored in `.intacct-reconcile/attestations/<target>.yaml` next to the manifests, so they are
committed and reviewed with them:

    sender_ids/expensify:
      by: alice
      at: "2026-11-22T03:00:00+00:00"
      digest: sha256:…          # of the declared value at the time of the attestation
      note: added in Company > Setup > … by ticket 123

The planner treats an attestation as satisfied only while the digest still matches the
declared value: editing the manifest re-opens the step. An attestation can also expire: the
config's `attestations.valid_for` (a default, per kind and per object, e.g. `90d`) gives each
record an `expires` moment, after which the step re-opens ("attestation expired on …").

Who attested: `--by`, else the CI or git identity of whoever runs the command (GITHUB_ACTOR,
GITLAB_USER_LOGIN, …, then `git config user.email`), recorded with where it came from.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from intacct_reconcile import yamlfile
from intacct_reconcile.digests import canonical_json
from intacct_reconcile.errors import ConfigError, ReconcileError
from intacct_reconcile.manifest.loader import Node

if TYPE_CHECKING:
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


# --- expiry --------------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+)\s*([dwy])\s*$")
_UNIT_DAYS = {"d": 1, "w": 7, "y": 365}
# `attestations:` in intacct-reconcile.yaml (settings.py checks the config against this)
DURATION_SCHEMA: dict[str, Any] = {"type": "string", "pattern": r"^\s*\d+\s*[dwy]\s*$"}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "valid_for": DURATION_SCHEMA,
        "kinds": {"type": "object", "additionalProperties": DURATION_SCHEMA},
        "objects": {"type": "object", "additionalProperties": DURATION_SCHEMA},
    },
}


def parse_duration(text: str) -> timedelta:
    """`90d`, `12w`, `1y` -> a timedelta (days, weeks, 365-day years)."""
    match = _DURATION.match(str(text))
    if not match or int(match[1]) == 0:
        raise ConfigError(
            f"valid_for {text!r} is not a duration — write a positive number of days, weeks or "
            "years, e.g. `90d`, `12w`, `1y`"
        )
    return timedelta(days=int(match[1]) * _UNIT_DAYS[match[2]])


@dataclass(frozen=True)
class Validity:
    """How long an attestation holds: per object, else per kind, else the default (None:
    forever). Built from the config's `attestations:` section."""

    default: timedelta | None = None
    kinds: Mapping[str, timedelta] = field(default_factory=dict)
    objects: Mapping[str, timedelta] = field(default_factory=dict)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None) -> Validity:
        raw = raw or {}
        default = raw.get("valid_for")
        return cls(
            default=parse_duration(default) if default is not None else None,
            kinds={str(k): parse_duration(v) for k, v in (raw.get("kinds") or {}).items()},
            objects={str(k): parse_duration(v) for k, v in (raw.get("objects") or {}).items()},
        )

    def valid_for(self, ref: Ref) -> timedelta | None:
        return self.objects.get(str(ref), self.kinds.get(ref.kind, self.default))


def expires(record: Attestation, ref: Ref, validity: Validity) -> str:
    """The moment `record` lapses under `validity` ("" = never, or an unreadable `at`)."""
    period = validity.valid_for(ref)
    at = _moment(record.at)
    if period is None or at is None:
        return ""
    return (at + period).isoformat(timespec="seconds")


def expired(record: Attestation, now: str) -> bool:
    """Has the attestation lapsed at `now` (ISO 8601)? Never without both moments."""
    end, moment = _moment(record.expires), _moment(now)
    return end is not None and moment is not None and moment >= end


def _moment(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- who attests ----------------------------------------------------------------------------

# CI systems' variables naming the person who triggered the run, most specific first
CI_IDENTITY = (
    "GITHUB_ACTOR",
    "GITLAB_USER_LOGIN",
    "GITLAB_USER_EMAIL",
    "BITBUCKET_STEP_TRIGGERER_UUID",
    "BUILDKITE_BUILD_CREATOR_EMAIL",
    "CIRCLE_USERNAME",
    "BUILD_REQUESTEDFOREMAIL",  # Azure Pipelines
)


def _git_email(cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "config", "user.email"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def identity(
    env: Mapping[str, str], cwd: Path, git_email: Callable[[Path], str] = _git_email
) -> tuple[str, str]:
    """(who, where it came from): the CI's triggering user, else `git config user.email`."""
    for name in CI_IDENTITY:
        if env.get(name, "").strip():
            return env[name].strip(), name
    email = git_email(cwd)
    if email:
        return email, "git config user.email"
    raise AttestationError(
        "cannot tell who performed the step: pass --by NAME (no CI identity such as "
        "GITHUB_ACTOR or GITLAB_USER_LOGIN is set, and `git config user.email` is empty)"
    )


# --- the file -------------------------------------------------------------------------------


def load(base_dir: Path, target: str, validity: Validity | None = None) -> dict[Ref, Attestation]:
    path = attestation_path(base_dir, target)
    if not path.exists():
        return {}
    node, data = _read_located(path)
    validity = validity or Validity()
    from intacct_reconcile.types import Attestation, Ref

    out: dict[Ref, Attestation] = {}
    for name, entry in data.items():
        kind, sep, key = str(name).partition("/")
        if not sep or not isinstance(entry, Mapping):
            raise ConfigError(
                f"{yamlfile.where(node, [name], str(path), key=True)}: entry {name!r} must be "
                "KIND/KEY: {by, at, digest} — fix or remove the entry"
            )
        ref = Ref(kind, key)
        record = Attestation(
            by=str(entry.get("by", "")),
            at=str(entry.get("at", "")),
            digest=str(entry.get("digest", "")),
            note=str(entry.get("note", "") or ""),
        )
        out[ref] = replace(record, expires=expires(record, ref, validity))
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
    from intacct_reconcile.types import Ref

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
    by_source: str = "",
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
    from intacct_reconcile.types import Attestation

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
        **({"by_source": by_source} if by_source else {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Manual steps performed in the Intacct UI, recorded by `intacct-reconcile attest`.\n"
        + yaml.safe_dump(existing, sort_keys=True, allow_unicode=True),
        encoding="utf-8",
    )
    return record
