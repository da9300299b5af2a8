"""The audit log file: append-only JSON lines, hash-chained, flushed and fsync'd per append.

Every record carries `prev` (the previous record's `hash`) and `hash`, the SHA-256 of its own
canonical JSON (sorted keys, no spaces) without the `hash` key, `prev` included: changing,
removing or reordering one record breaks the chain at that line. The first chained record's
`prev` is the SHA-256 of every byte before it in the file: of nothing (a fixed genesis) in a
new log, or of the lines earlier versions wrote (format 1: one unchained JSON line per
apply), so those are covered from then on too. docs/audit-log.md describes the format.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intacct_reconcile.digests import canonical_json
from intacct_reconcile.errors import ConfigError

try:  # one appender at a time keeps the chain linear (POSIX; elsewhere unlocked)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

AUDIT_FILE = Path(".intacct-reconcile") / "audit.log"
FORMAT = 2  # format 1: the unchained one-line-per-apply log of earlier versions
TAIL_CHUNK = 64 * 1024


def audit_path(base_dir: Path) -> Path:
    return base_dir / AUDIT_FILE


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash a record must carry: of its canonical JSON without the `hash` key."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return digest(canonical_json(body).encode())


def append(path: Path, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chain `records` onto the log in one write, flushed to disk before returning."""
    if not records:
        return []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        with os.fdopen(fd, "r+b") as fh:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file closes
            prev, torn = _chain_end(fh)
            sealed, lines = [], []
            stand_in = _stand_in()  # one for the batch: each record is sealed on its own
            for record in records:
                body = {**record, "prev": prev}
                line, prev = _sealed_line(body, stand_in)
                body["hash"] = prev
                sealed.append(body)
                lines.append(line)
            # a line torn by a crash stays a line of its own (verify reports it)
            text = ("\n" if torn else "") + "\n".join(lines) + "\n"
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot write the audit log ({exc.strerror}) — nothing more is sent "
            "until the apply can be recorded; make the folder writable and run `plan`"
        ) from None
    return sealed


def _stand_in() -> str:
    """A random token in the form of a hash, which no record holds."""
    return "sha256:" + secrets.token_hex(32)


def _sealed_line(body: Mapping[str, Any], stand_in: str = "") -> tuple[str, str]:
    """(the record's line with its hash, the hash) for a record without `hash` yet, from one
    `canonical_json`: the record is written with a stand-in hash (a random token no record
    holds); without that entry the text is exactly the hashed one, and the line is the text
    with the real hash in its place (same keys, same sorted order)."""
    if "hash" in body:
        raise ValueError("a record to seal carries a hash already")
    stand_in = stand_in or _stand_in()
    text = canonical_json({**body, "hash": stand_in})
    entry = '"hash":"' + stand_in + '"'  # its JSON text: hex digits need no escapes
    if text.count(stand_in) != 1:  # pragma: no cover - a random token found twice
        hashed = record_hash(body)
        return canonical_json({**body, "hash": hashed}), hashed
    if entry + "," in text:
        without = text.replace(entry + ",", "", 1)
    elif "," + entry in text:
        without = text.replace("," + entry, "", 1)
    else:
        without = text.replace(entry, "", 1)
    hashed = digest(without.encode())
    return text.replace(stand_in, hashed, 1), hashed


def _chain_end(fh: Any) -> tuple[str, bool]:
    """The hash the next record chains from, and whether the file ends mid-line."""
    size = fh.seek(0, os.SEEK_END)
    if size == 0:
        return digest(b""), False
    start = max(0, size - TAIL_CHUNK)
    while True:
        fh.seek(start)
        tail = fh.read(size - start)
        torn = not tail.endswith(b"\n")
        lines = [line for line in tail.split(b"\n") if line.strip()]
        complete = lines[:-1] if torn else lines
        if start == 0 or len(complete) >= 2:
            break
        start = max(0, start - TAIL_CHUNK)
    for raw in reversed(complete if start == 0 else complete[1:]):
        try:
            last = json.loads(raw)
        except ValueError:
            continue
        if isinstance(last, dict) and "hash" in last:
            return str(last["hash"]), torn
        break
    # no chained record at the end yet (a new log after format 1 lines): chain from them all
    fh.seek(0)
    before = fh.read() + (b"\n" if torn else b"")  # what will precede the first record
    return digest(before), torn


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: the records checked, the legacy lines, the last hash, and the first
    line that breaks the chain (if any) with what is wrong there."""

    records: int  # chained records checked
    legacy: int  # format 1 lines before the chain (covered by its first link, not chained)
    last_hash: str  # record it elsewhere (a CI log) to detect a log cut short later
    bad_line: int = 0  # first line that breaks the chain (0: none)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.bad_line


def verify(path: Path) -> Verdict:
    """Check every link of the chain; the first broken one is reported with its line."""
    if not path.is_file():
        raise ConfigError(
            f"{path}: no audit log here — pass --path the folder holding .intacct-reconcile/ "
            "(the manifest folder)"
        )
    data = path.read_bytes()
    prev: str | None = None
    records = legacy = 0
    offset = 0
    raw_lines = data.split(b"\n")
    for number, raw in enumerate(raw_lines, 1):
        line_start, offset = offset, offset + len(raw) + 1
        if not raw.strip():
            if number == len(raw_lines):
                break  # the newline that ends the last record
            return Verdict(records, legacy, prev or "", number, "an empty line (edited)")
        try:
            record = json.loads(raw)
        except ValueError:
            where = "torn by a crash while writing, or edited"
            return Verdict(records, legacy, prev or "", number, f"not a JSON record ({where})")
        if not isinstance(record, dict):
            return Verdict(records, legacy, prev or "", number, "not a JSON object (edited)")
        if "hash" not in record:
            if prev is not None:
                why = "a record without a hash inside the chain (inserted or edited)"
                return Verdict(records, legacy, prev, number, why)
            legacy += 1  # format 1, written before this version
            continue
        expected = prev if prev is not None else digest(data[:line_start])
        if record.get("prev") != expected:
            why = (
                "does not follow the record before it (a record was removed, inserted or "
                "moved here, or an earlier line was changed)"
            )
            return Verdict(records, legacy, prev or "", number, why)
        if record_hash(record) != record.get("hash"):
            why = "its content does not match its hash (the record was edited)"
            return Verdict(records, legacy, prev or "", number, why)
        prev = str(record["hash"])
        records += 1
    return Verdict(records, legacy, prev or digest(data))
