"""Reading the audit log back: applies with their changes, and applies that never finished.

An apply without an `end` record was killed (kill -9, a CI timeout, a lost machine) or is
still running. Its intents without outcomes are the changes that may or may not have landed.
It stays reported until a later apply of the same target finishes: that one started from a
fresh read of live state, so the question is settled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intacct_reconcile.audit import log

SHOWN_REFS = 10  # refs named in a warning line; the JSON field lists them all


@dataclass
class Apply:
    """One apply as the log tells it (format 1 lines become applies without intents)."""

    apply_id: str
    begin: dict[str, Any]
    intents: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    line: int = 0  # line of its first record

    @property
    def target(self) -> str:
        return str(self.begin.get("target", ""))

    @property
    def finished(self) -> bool:
        return self.end is not None

    def final(self) -> dict[str, str]:
        """ref -> last recorded status ("unknown" for an intent with no outcome)."""
        statuses = {ref: "unknown" for ref, _ in self.intents}
        statuses.update({ref: str(o.get("status")) for (ref, _), o in self.outcomes.items()})
        return statuses

    def unanswered(self) -> list[str]:
        """Changes sent (or about to be) whose answer was never recorded."""
        return sorted(ref for (ref, action) in self.intents if (ref, action) not in self.outcomes)

    def summary(self) -> dict[str, Any]:
        """The JSON form of an unfinished apply (plan and report JSON, `unfinished_applies`)."""
        landed = sorted(
            ref for (ref, _), o in self.outcomes.items() if o.get("status") == "applied"
        )
        return {
            "apply": self.apply_id,
            "started": self.begin.get("at"),
            "who": self.begin.get("who"),
            "plan_checksum": self.begin.get("plan_checksum"),
            "changes": self.begin.get("changes"),
            "unknown": self.unanswered(),
            "applied": landed,
            "audit_log_line": self.line,
        }


def applies(base_dir: Path, only: frozenset[str] = frozenset()) -> list[Apply]:
    """Every apply in the log, oldest first (`only`: just the applies with these ids)."""
    path = log.audit_path(base_dir)
    if not path.exists():
        return []
    marks = [f'"apply":"{apply_id}"'.encode() for apply_id in only]
    found: dict[str, Apply] = {}
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if marks and not any(mark in raw for mark in marks):
                continue  # canonical JSON: another apply's record, not worth parsing
            record = _parsed(raw)
            if record is not None:
                _add(found, number, record)
    return list(found.values())


def _add(found: dict[str, Apply], number: int, record: dict[str, Any]) -> None:
    if "type" not in record:  # format 1: one finished apply per line
        legacy = Apply(f"line-{number}", _legacy_begin(record), line=number, end=record)
        for r in record.get("results") or ():
            legacy.outcomes[(str(r.get("ref")), str(r.get("action")))] = dict(r)
        found[legacy.apply_id] = legacy
        return
    apply_id = str(record.get("apply", ""))
    current = found.get(apply_id)
    if current is None:
        current = found[apply_id] = Apply(apply_id, record, line=number)
    key = (str(record.get("ref")), str(record.get("action")))
    kind = record.get("type")
    if kind == "intent":
        current.intents[key] = record
    elif kind == "outcome":
        current.outcomes[key] = record
    elif kind == "end":
        current.end = record


def _legacy_begin(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": record.get("when"),
        "who": record.get("who"),
        "target": record.get("target"),
        "plan_checksum": record.get("plan_checksum"),
        "changes": len(record.get("results") or ()),
    }


def unfinished(base_dir: Path, target: str) -> list[Apply]:
    """Applies of `target` that never finished and that no later finished apply settled.

    Run before every plan and apply: a first pass parses only begin and end records (found by
    their canonical text), the intents and outcomes of an open apply are read only when
    there is one.
    """
    path = log.audit_path(base_dir)
    if not path.exists():
        return []
    open_ids: dict[str, int] = {}  # apply id -> line of its begin record
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if b'"type":' not in raw:
                record = _parsed(raw)  # format 1: one finished apply per line
                if record is not None and record.get("target") == target:
                    open_ids.clear()
                continue
            if b'"type":"begin"' not in raw and b'"type":"end"' not in raw:
                continue
            record = _parsed(raw)
            if record is None or record.get("target") != target:
                continue
            if record.get("type") == "begin":
                open_ids[str(record.get("apply"))] = number
            else:  # it read live state afresh: earlier doubts are settled
                open_ids.clear()
    if not open_ids:
        return []
    return [a for a in applies(base_dir, frozenset(open_ids)) if not a.finished]


def _parsed(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def warnings(found: list[Apply], target: str) -> Iterator[str]:
    """The stderr lines that tell the operator about unfinished applies."""
    for one in found:
        unknown = one.unanswered()
        shown = ", ".join(unknown[:SHOWN_REFS]) + (", ..." if len(unknown) > SHOWN_REFS else "")
        landed = sum(1 for o in one.outcomes.values() if o.get("status") == "applied")
        yield (
            f"warning: an earlier apply to {target} (started {one.begin.get('at')} by "
            f"{one.begin.get('who')}, audit log line {one.line}) never finished — killed, or "
            f"still running. {len(unknown)} change(s) were being sent with no recorded answer "
            f"and may or may not have landed"
            + (f": {shown}" if unknown else "")
            + f"; {landed} were recorded applied. A fresh plan reads live state and shows what "
            "is in place now."
        )
