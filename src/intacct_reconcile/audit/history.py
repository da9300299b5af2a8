"""Reading the audit log back: applies with their changes, and applies that never finished.

An apply without an `end` record was killed (kill -9, a CI timeout, a lost machine) or is
still running. Its intents without outcomes are the changes that may or may not have landed.
It stays reported until a later apply of the same target finishes: that one started from a
fresh read of live state, so the question is settled.
"""

from __future__ import annotations

import json
import os
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


def applies(
    base_dir: Path, only: frozenset[str] = frozenset(), start: tuple[int, int] = (0, 0)
) -> list[Apply]:
    """Every apply in the log, oldest first (`only`: just the applies with these ids;
    `start`: (byte offset, lines before it) of a line where they all begin or later)."""
    path = log.audit_path(base_dir)
    if not path.exists():
        return []
    marks = [f'"apply":"{apply_id}"'.encode() for apply_id in only]
    found: dict[str, Apply] = {}
    with path.open("rb") as fh:
        fh.seek(start[0])
        for number, raw in enumerate(fh, start[1] + 1):
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

    Run before every plan and apply, so it reads only what was appended since it last ran:
    what it found up to then (every target's open applies, and where it stopped) is kept in
    `audit.scan.json` beside the log (_Scan), and used only while the log still holds the
    line it stopped after, at the same place. Only begin and end records are parsed (found
    by their canonical text); the intents and outcomes of an open apply are read only when
    there is one, from its begin record on.
    """
    path = log.audit_path(base_dir)
    if not path.exists():
        return []
    scan = _Scan.resume(path)
    last = b""
    with path.open("rb") as fh:
        fh.seek(scan.offset)
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # being written now, or torn by a crash: read again next time
            scan.lines += 1
            scan.note(raw)
            scan.offset += len(raw)
            last = raw
    if last:  # something new was read: where it ends is what the next lookup checks
        scan.last, scan.last_length = log.digest(last), len(last)
        scan.save(path)
    open_ids = scan.open.get(target, {})
    if not open_ids:
        return []
    line, offset = min(open_ids.values())
    found = applies(base_dir, frozenset(open_ids), start=(offset, line - 1))
    return [a for a in found if not a.finished]


SCAN_FILE = "audit.scan.json"


@dataclass
class _Scan:
    """How far `unfinished` has read the log, and the open applies it found there."""

    offset: int = 0  # bytes read: whole lines only
    lines: int = 0
    last: str = ""  # digest of the last line read: the log must still hold it there
    last_length: int = 0
    open: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    # target -> apply id -> (line, byte offset) of its begin record

    def note(self, raw: bytes) -> None:
        """One whole line of the log, read after `offset` lines."""
        if b'"type":' not in raw:
            record = _parsed(raw)  # format 1: one finished apply per line
            if record is not None:
                self.open.pop(str(record.get("target")), None)
            return
        if b'"type":"begin"' not in raw and b'"type":"end"' not in raw:
            return
        record = _parsed(raw)
        if record is None:
            return
        target = str(record.get("target"))
        if record.get("type") == "begin":
            self.open.setdefault(target, {})[str(record.get("apply"))] = (self.lines, self.offset)
        else:  # it read live state afresh: earlier doubts about this target are settled
            self.open.pop(target, None)

    @classmethod
    def resume(cls, path: Path) -> _Scan:
        """The scan saved beside the log, if the log still holds the line it ended with at
        the same place (a log cut short, replaced or rewritten is read from the start)."""
        try:
            saved = json.loads((path.parent / SCAN_FILE).read_text(encoding="utf-8"))
            scan = cls(
                offset=int(saved["offset"]),
                lines=int(saved["lines"]),
                last=str(saved["last"]),
                last_length=int(saved["last_length"]),
                open={
                    str(t): {str(a): (int(at[0]), int(at[1])) for a, at in ids.items()}
                    for t, ids in saved["open"].items()
                },
            )
            with path.open("rb") as fh:
                fh.seek(scan.offset - scan.last_length)
                held = fh.read(scan.last_length)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return cls()
        if scan.offset <= 0 or log.digest(held) != scan.last:
            return cls()
        return scan

    def save(self, path: Path) -> None:
        """Best effort: without it, the next lookup reads the whole log again."""
        record = {
            "offset": self.offset,
            "lines": self.lines,
            "last": self.last,
            "last_length": self.last_length,
            "open": {t: {a: list(at) for a, at in ids.items()} for t, ids in self.open.items()},
        }
        into = path.parent / SCAN_FILE
        part = into.with_name(f"{SCAN_FILE}.{os.getpid()}.tmp")
        try:
            part.write_text(json.dumps(record), encoding="utf-8")
            os.replace(part, into)  # whole or not at all: concurrent lookups may race
        except OSError:
            part.unlink(missing_ok=True)


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
