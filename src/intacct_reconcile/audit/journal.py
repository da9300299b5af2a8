"""The write-ahead journal of one apply: intents before a request is sent, outcomes after.

    begin    the apply: target, company, who ran it, git commit, plan checksum
    intent   one per change, written (and fsync'd) before the request carrying it is sent
    outcome  one per change once its answer is known (or it is known never to have been sent)
    end      the apply finished (completed, or stopped by Ctrl-C / SIGTERM) with its counts

Intents and outcomes are written one batch at a time (one append per writer call, not per
change). A process killed mid-apply leaves intents without outcomes: exactly the changes that
may or may not have landed (see history.py). Values are masked as `***`: secret fields, any
text that looks like a secret reference (`${env:NAME}`), and any text holding a known secret
(loaded credentials, and the value of every environment variable named like a secret —
*_PASSWORD, *_SECRET, *_TOKEN...: what a manifest's `${env:NAME}` may have put in a value).
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct_reconcile.audit import log
from intacct_reconcile.client.errors import redact, register_secret, secrets_generation
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.io import entity_of
from intacct_reconcile.manifest.coerce import SECRET_NAME
from intacct_reconcile.types import ApplyReport, Change, ChangeResult

MASK = "***"
# `${env:NAME}` and its kin (`${file:...}`, `${vault:...}`): a reference to a secret
SECRET_REFERENCE = re.compile(r"\$\{\s*[A-Za-z_][\w.-]*\s*:[^}]*\}")
# outcomes whose change may have reached Intacct (the others certainly did not)
SENT = ("applied", "failed", "interrupted")


@dataclass(frozen=True)
class RunFacts:
    """What every record of one apply says about the run."""

    target: str
    company_id: str
    entity: str
    who: str
    who_from: str
    by: str | None  # --by, when given (a claim, next to the detected identity)
    git: Mapping[str, object] | None
    plan_checksum: str
    tool_version: str


class ApplyJournal:
    """Records one apply as it happens. The applier calls `sending` and `answered` around
    every writer call; the apply verb calls `finish` with the report."""

    def __init__(
        self,
        path: Path,
        facts: RunFacts,
        apply_id: str | None = None,
        env: Mapping[str, str] = os.environ,
        masked: MaskedAhead | None = None,
    ) -> None:
        for name, value in env.items():
            if SECRET_NAME.search(name):
                register_secret(value)  # `redact` then masks it wherever it turns up
        self.path = path
        self.facts = facts
        self.apply_id = apply_id or uuid.uuid4().hex
        self._known: dict[tuple[str, str], str] = {}  # (ref, action) -> journaled status
        self._sent: set[tuple[str, str]] = set()
        self.masked = masked or MaskedAhead()

    def _base(self, kind: str) -> dict[str, Any]:
        return {
            "v": log.FORMAT,
            "type": kind,
            "apply": self.apply_id,
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "target": self.facts.target,
            "company_id": self.facts.company_id,
        }

    def begin(self, changes: Sequence[Change]) -> None:
        facts = self.facts
        record = {
            **self._base("begin"),
            "entity": facts.entity,
            "who": facts.who,
            "who_from": facts.who_from,
            "by": facts.by,
            "git": dict(facts.git) if facts.git else None,
            "plan_checksum": facts.plan_checksum,
            "tool_version": facts.tool_version,
            "changes": len([c for c in changes if c.action != "manual"]),
        }
        log.append(self.path, [record])

    def sending(self, changes: Sequence[Change]) -> None:
        """Before the request carrying `changes` is sent: one intent each, on disk (the
        records of one batch are written at one moment, and say so: one `at`)."""
        base = self._base("intent")
        log.append(self.path, [self._intent(c, base) for c in changes])
        self._sent.update(_key(c) for c in changes)

    def answered(self, results: Sequence[ChangeResult]) -> None:
        """After the writer returned: one outcome each."""
        base = self._base("outcome")
        log.append(self.path, [self._outcome(r, base=base) for r in results])

    def finish(self, report: ApplyReport) -> None:
        """Outcomes the writers did not give (never sent, manual, found failed on verification,
        in flight at a second Ctrl-C), then the end record: one append."""
        records = [
            self._outcome(r, phase=self._phase(r))
            for r in report.results
            if self._known.get(_key(r.change)) != r.status
        ]
        counts = report.counts()
        status = "interrupted" if report.interrupted else "completed"
        records.append({**self._base("end"), "status": status, "counts": counts})
        log.append(self.path, records)

    def _phase(self, result: ChangeResult) -> str:
        if _key(result.change) not in self._sent:
            return "not sent"
        if self._known.get(_key(result.change)) == "applied":
            return "verification"  # written, then read back different
        return "stopped"

    def _intent(self, change: Change, base: Mapping[str, Any]) -> dict[str, Any]:
        facts = self.facts
        return {
            **base,
            "entity": entity_of(change) or facts.entity,
            "ref": str(change.ref),
            "action": change.action,
            "source": f"{change.source.file}:{change.source.line}" if change.source else None,
            "git": dict(facts.git) if facts.git else None,
            "who": facts.who,
            "values": self.masked.of(change),
        }

    def _outcome(
        self, result: ChangeResult, phase: str = "", base: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        self._known[_key(result.change)] = result.status
        record = {
            **(base or self._base("outcome")),
            "ref": str(result.change.ref),
            "action": result.change.action,
            "status": result.status,
            "error": _error_text(result.error) if result.error else None,
        }
        if phase:
            record["phase"] = phase
        return record


class MaskedAhead:
    """Changes' masked values worked out before they are journaled (while the live reads are
    in flight, for the creates the plan may hold): used for the very same change, as long as
    no secret was registered since (which may mask more)."""

    def __init__(self) -> None:
        self._values: dict[int, tuple[Change, int, list[dict[str, Any]]]] = {}

    def add(self, changes: Iterable[Change], until: Callable[[], bool]) -> None:
        """Work out `changes`' values, stopping once `until()` is true."""
        generation = secrets_generation()
        for n, change in enumerate(changes):
            if n % 100 == 0 and until():
                return
            # kept with the change: its id cannot be reused meanwhile
            self._values[id(change)] = (change, generation, masked_values(change))

    def of(self, change: Change) -> list[dict[str, Any]]:
        found = self._values.pop(id(change), None)
        if found is not None and found[0] is change and found[1] == secrets_generation():
            return found[2]
        return masked_values(change)


def _key(change: Change) -> tuple[str, str]:
    return (str(change.ref), change.action)


def masked_values(change: Change) -> list[dict[str, Any]]:
    """Before -> after of every field the change writes, secrets as `***`."""
    secret = set(change.secret_fields) | _secret_fields(change.ref.kind)
    if change.fields:
        pairs = [(f.name, f.before, f.after, f.added, f.removed) for f in change.fields]
    else:  # e.g. a delete: nothing compared field by field, the object's last values
        pairs = [(n, v, None, (), ()) for n, v in (change.desired or {}).items()]
    values = []
    for name, before, after, added, removed in pairs:
        hidden = name in secret
        item: dict[str, Any] = {
            "field": name,
            "before": _hide(before, hidden),
            "after": _hide(after, hidden),
        }
        if added and not hidden:
            item["added"] = [_masked(a) for a in added]
        if removed and not hidden:
            item["removed"] = [_masked(r) for r in removed]
        values.append(item)
    return values


@functools.cache
def _secret_fields(kind_key: str) -> frozenset[str]:
    """The kind's fields that hold secrets (once per kind, not once per change)."""
    kind = REGISTRY.get(kind_key)
    return frozenset(f.name for f in kind.fields if f.secret) if kind is not None else frozenset()


def _error_text(error: str) -> str:
    """An error stays readable: only the secrets (and secret references) in it become ***."""
    return SECRET_REFERENCE.sub(MASK, redact(error))


def _hide(value: Any, hidden: bool) -> Any:
    if value is None:
        return None
    return MASK if hidden else _masked(value)


# text -> does it hold a secret or a secret reference, for texts seen while no secret was
# registered since (a thousand creates repeat the same type and balance values)
_VERDICTS: dict[str, bool] = {}
_VERDICTS_OF = [-1]  # the secrets generation the verdicts hold for
_VERDICTS_MAX = 4096


def _holds_secret(text: str) -> bool:
    generation = secrets_generation()
    if _VERDICTS_OF[0] != generation or len(_VERDICTS) >= _VERDICTS_MAX:
        _VERDICTS.clear()
        _VERDICTS_OF[0] = generation
    verdict = _VERDICTS.get(text)
    if verdict is None:
        verdict = _VERDICTS[text] = bool(SECRET_REFERENCE.search(text)) or redact(text) != text
    return verdict


def _masked(value: Any) -> Any:
    """Any secret reference inside a value, at any depth, as `***`."""
    if isinstance(value, str):
        # the whole value, not the secret inside it: no prefix or suffix of a secret survives
        return MASK if _holds_secret(value) else value
    if isinstance(value, Mapping):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v) for v in value]
    return value
