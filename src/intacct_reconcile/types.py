"""The values that flow through the engine.

Desired and live state are the same type (State), so planning is a pure function of two
values. A Plan is an ordered, serialisable value; applying it yields an ApplyReport.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from intacct_reconcile.spans import Span  # here too, where the engine's values are

if TYPE_CHECKING:
    from intacct_reconcile.kinds.base import Kind

Action = Literal["create", "update", "delete", "deactivate", "manual"]
Ensure = Literal["present", "absent"]
# interrupted: sent when the apply was stopped at once; Intacct's answer never came
ResultStatus = Literal["applied", "failed", "not_attempted", "interrupted", "manual", "skipped"]


@dataclass(frozen=True, order=True)
class Ref:
    """Identity of one object: its kind (manifest key) and its key within the kind."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.key}"


NO_SPANS: Mapping[str, Span] = MappingProxyType({})


@dataclass(frozen=True, slots=True)  # one per declared and per live object: kept small
class Resource:
    """One object of a kind, with normalised field values.

    For desired state `values` holds only the fields the manifest manages (plus defaults the
    kind defines); for live state it holds every field the kind knows. `field_spans` maps a
    field name to where the manifest set it.
    """

    kind: str
    key: str
    values: Mapping[str, Any]
    source: Span | None = None
    ensure: Ensure = "present"
    # live objects have none: they share one empty mapping rather than a dict each
    field_spans: Mapping[str, Span] = field(default_factory=lambda: NO_SPANS)
    # API identity of a live object (RECORDNO, REST key, ...): needed to write it, never diffed
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.key)


@dataclass(frozen=True)
class State:
    """Resources by kind, then by key. DesiredState and LiveState are both a State."""

    resources: Mapping[str, Mapping[str, Resource]] = field(default_factory=dict)

    def kinds(self) -> tuple[str, ...]:
        return tuple(self.resources)

    def of(self, kind: str) -> Mapping[str, Resource]:
        return self.resources.get(kind, {})

    def get(self, kind: str, key: str) -> Resource | None:
        return self.resources.get(kind, {}).get(key)

    def __iter__(self) -> Iterator[Resource]:
        for by_key in self.resources.values():
            yield from by_key.values()

    def __len__(self) -> int:
        return sum(len(by_key) for by_key in self.resources.values())


DesiredState = State
LiveState = State


# --- plans -----------------------------------------------------------------------------------

Ownership = Literal["additive", "full"]


@dataclass(frozen=True)
class Attestation:
    """A human's record that a manual (UI-only) step was done.

    `digest` is `attestations.value_digest()` of the declared object when it was attested: a
    later change to the declared value no longer matches, which re-opens the step. `expires`
    (ISO 8601, "" = never) comes from the `valid_for` policy in the config: once past, the step
    re-opens too.
    """

    by: str
    at: str  # ISO 8601 timestamp
    digest: str
    note: str = ""
    expires: str = ""


@dataclass(frozen=True)
class PlanOptions:
    """What the planner needs besides the two states.

    `kinds` defaults to `intacct_reconcile.kinds.REGISTRY`; `ownership` overrides a kind's
    own (additive | full); `only_kinds` is the `--kind` filter; `manifest_digest` is recorded
    in the plan (computed from the desired state when empty).
    """

    target: str = ""
    kinds: Mapping[str, Kind] | None = None
    ownership: Mapping[str, Ownership] = field(default_factory=dict)
    attestations: Mapping[Ref, Attestation] = field(default_factory=dict)
    only_kinds: tuple[str, ...] = ()
    manifest_digest: str = ""
    now: str = ""  # ISO 8601 moment attestations expire against ("" = no expiry check)


@dataclass(frozen=True)
class FieldChange:
    """One field of one object: its value before and after. For set-like values (role
    lists, permission sets) `added`/`removed` list the items, e.g. "accounts_payable.bills.add"."""

    name: str
    before: Any
    after: Any
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One step of a plan. The applier executes it as is; it never re-decides."""

    action: Action
    ref: Ref
    api: str  # the kind's api: xml | rest | manual
    fields: tuple[FieldChange, ...] = ()
    desired: Mapping[str, Any] | None = None  # normalised values to write (None: nothing to write)
    # RECORDNO / REST key of the live object, from Resource.meta
    live_meta: Mapping[str, Any] = field(default_factory=dict)
    source: Span | None = None
    depends_on: tuple[Ref, ...] = ()
    manual_steps: tuple[str, ...] = ()
    attested: Attestation | None = None
    irreversible: tuple[str, ...] = ()  # reasons; non-empty needs --allow-irreversible
    note: str = ""
    # fields of `desired` holding secrets (Field.secret): never shown, never saved to a file
    secret_fields: tuple[str, ...] = ()
    # a manual step re-opened because its declared value changed: the attestation it had
    stale_attestation: Attestation | None = None

    @property
    def pending(self) -> bool:
        """False only for a manual step closed by a still-valid attestation."""
        return self.attested is None

    @property
    def waiting(self) -> bool:
        """An open manual step only waiting for a person (never done, nothing changed since):
        not drift. A step re-opened by a changed declared value is a change like any other."""
        return self.action == "manual" and self.pending and self.stale_attestation is None

    @property
    def removes(self) -> bool:
        """True when the change takes the object away (delete, deactivate, manual removal)."""
        if self.action in ("delete", "deactivate"):
            return True
        return self.action == "manual" and self.desired is None


@dataclass(frozen=True)
class AccessChange:
    """Effective access of one user to one permission, before and after the plan."""

    user: Ref
    module: str
    permission: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(r for r in self.after if r not in self.before)

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(r for r in self.before if r not in self.after)


@dataclass(frozen=True)
class AccessScope:
    """What the access review covered: every live user was read (`users_read`), except
    `unreadable` ones (linked to roles but not returned, or a read the API refused: `reasons`).
    """

    users_read: int = 0
    unreadable: int = 0
    reasons: tuple[str, ...] = ()


SodStatus = Literal["new", "live", "resolved"]


@dataclass(frozen=True)
class SodFinding:
    """One user holding every duty of a segregation-of-duties rule.

    `status`: `new` (only after the plan), `live` (before and after), `resolved` (before only).
    `holds` says what grants each duty, e.g. "pay vendors: accounts_payable.pay_bills run".
    A finding with a current `mitigation` is not a violation; `expired` names a lapsed one.
    """

    rule: str
    title: str
    user: str  # login id
    status: SodStatus
    holds: tuple[str, ...] = ()
    mitigation: str = ""  # "owner, until YYYY-MM-DD: reason" of a current mitigation
    expired: str = ""  # the same for a mitigation that has lapsed
    blocks: bool = False  # a new, unmitigated violation the config says must block apply

    @property
    def violation(self) -> bool:
        return not self.mitigation and self.status != "resolved"


SUMMARY_KEYS = ("create", "update", "delete", "deactivate", "manual", "attested")


@dataclass(frozen=True)
class GateFinding:
    """One rule of the safety gate the plan trips (safety.py), as the plan shows it."""

    rule: str  # too_many_deletes | too_many_updates | lockout | irreversible
    message: str
    changes: tuple[str, ...]  # "ACTION kind/key" of the changes concerned
    figures: Mapping[str, float]  # thresholds: count, live, percent, limit, allowed_by_name
    status: Literal["refused", "allowed"]
    allowed_by: tuple[str, ...]  # the reviewed allowances (or flag) that let it through
    to_allow: tuple[str, ...]  # what would let a refused finding through
    override: str  # the command-line flag: --force or --allow-irreversible


@dataclass(frozen=True)
class GateVerdict:
    """What apply would decide about a plan, computed when the plan is made."""

    findings: tuple[GateFinding, ...] = ()
    unused_allowances: tuple[str, ...] = ()  # safety.allow entries matching no change

    @property
    def refused(self) -> tuple[GateFinding, ...]:
        return tuple(f for f in self.findings if f.status == "refused")

    @property
    def status(self) -> Literal["pass", "allowed", "refused"]:
        if self.refused:
            return "refused"
        return "allowed" if self.findings else "pass"


@dataclass(frozen=True)
class Plan:
    """An ordered, serialisable plan for one target.

    `changes` are in apply order: creates, updates and manual steps in dependency order, then
    deletes/deactivations in reverse dependency order. `fingerprints` maps "kind/key" of every
    live object a change touches to the sha256 of its normalised values ("absent" if none),
    so a saved plan can be checked for staleness before it is applied.
    """

    target: str
    changes: tuple[Change, ...] = ()
    unmanaged: tuple[Ref, ...] = ()
    access_changes: tuple[AccessChange, ...] = ()
    live_counts: Mapping[str, int] = field(default_factory=dict)
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    manifest_digest: str = ""
    notes: tuple[str, ...] = ()
    # the safety gate's verdict, added by `plan` (never read back from a plan file: apply
    # decides again from live state)
    gate: GateVerdict | None = None
    # the complete access review (every live user) and segregation-of-duties findings: set by
    # the workflow after planning, from live users read apart from the planned kinds
    access_scope: AccessScope | None = None
    sod_findings: tuple[SodFinding, ...] = ()
    sod_pack: str = ""  # the rule pack evaluated ("" when none was)
    # `--only KIND/KEY`: a partial plan holding only these objects' changes (empty: whole plan)
    only: tuple[Ref, ...] = ()
    # earlier applies of this target that never finished (audit log; never saved in a plan file)
    unfinished_applies: tuple[Mapping[str, Any], ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.only)

    def summary(self) -> dict[str, int]:
        """Counts per action; `manual` counts open steps, `attested` the closed ones;
        `changes` what differs (API changes, re-opened manual steps), `waiting` the open
        manual steps only waiting for a person."""
        counts = dict.fromkeys(SUMMARY_KEYS, 0)
        for change in self.changes:
            counts[change.action if change.pending else "attested"] += 1
        counts["changes"] = len(self.changes_to_make)
        counts["waiting"] = len(self.waiting)
        return counts

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes still to do (attested manual steps left out)."""
        return tuple(c for c in self.changes if c.pending)

    @property
    def waiting(self) -> tuple[Change, ...]:
        """Open manual steps only waiting for a person (`plan --detailed-exitcode`: 6)."""
        return tuple(c for c in self.changes if c.waiting)

    @property
    def changes_to_make(self) -> tuple[Change, ...]:
        """Pending changes other than waiting manual steps (`--detailed-exitcode`: 2)."""
        return tuple(c for c in self.changes if c.pending and not c.waiting)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)


@dataclass(frozen=True)
class ChangeResult:
    """What apply did with one change of the plan: its status, and why when it was not applied."""

    change: Change
    status: ResultStatus
    error: str | None = None


@dataclass(frozen=True)
class ApplyReport:
    """What apply did to each change of the plan, in plan order."""

    results: tuple[ChangeResult, ...] = ()
    target: str = ""
    interrupted: bool = False  # stopped by Ctrl-C / SIGTERM before the end of the plan
    # earlier applies of this target that never finished (audit log), found before this one
    unfinished_applies: tuple[Mapping[str, Any], ...] = ()

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            ("applied", "failed", "not_attempted", "interrupted", "manual", "skipped"), 0
        )
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing was left unattempted."""
        counts = self.counts()
        return counts["failed"] == 0 and counts["not_attempted"] == 0 and not self.interrupted
