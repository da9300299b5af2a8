"""SQLite storage for the sandbox company: records, settings, sessions, replay ids, result sets.

    store = Store.open(":memory:")            # or a file path; the schema is created on open
    with store.transaction():                 # nests (SAVEPOINT); rolls back on exception
        recordno = store.insert("GLACCOUNT", "1000", {"ACCOUNTNO": "1000", ...})
    store.get("GLACCOUNT", recordno)          # -> dict | None (a copy, with "RECORDNO")

Records are dicts of XML field name -> value (str, nested dict for groups such as CONTACTINFO,
list for repeated elements), kept as JSON, one row per record in table `records` with columns
(obj, recordno, key, data). `key` is the object's id field (ACCOUNTNO, LOGINID...), unique per
object. RECORDNO is allocated per object from 1 upward and (assumption) never reused.

Thread safety: one sqlite3 connection guarded by a re-entrant lock. `transaction()` holds the
lock for its whole duration, so a multi-step write is never interleaved with another thread's;
plain reads take the lock per call. This serialises the sandbox at the store, which is what a
single small company needs; latency and the concurrency limit are simulated outside the store.

Inserts inside a transaction are written behind: `insert` allocates the RECORDNO and keeps the
row in memory, and the rows go to SQLite together (one executemany) the moment anything else
touches the connection — every other read or write, the transaction's end, a savepoint. So a
create function of 100 records costs one statement for its rows instead of four per record,
and nothing can observe the difference: `get_by_key` answers from the kept rows (a key is
unique per object, so a key not kept is answered by SQLite alone, as it would be after writing
them), everything else sees them written. A transaction that fails drops them unwritten, as
its rollback would have undone them.

Object rules (required fields, enums, references, read-only objects) live in `objects`, not here:
the store only keeps what it is given. Company settings (authorized sender ids, IP filters,
subscriptions, T&E prefs) are JSON values in table `settings`, changed through `company`.

Many companies, one file: the company a database was created with (the default, DEMO) keeps the
plain tables; every further company gets its own set (records, counters, settings, resultsets)
under a table prefix (`c1_records`...), listed in table `companies` (see sandbox/companies.py).
`store.company_view(prefix)` is another company's Store on the same connection and lock.
Sessions and replay ids are one table each, keyed by company. Old single-company files open
unchanged: they simply have no further companies.

Entities: `store.in_entity("E100")` is a view that reads only the records of entity E100 and of
the top level (MEGAENTITYID empty or absent); a top-level store (entity "") reads everything.
Writes go to the company's table either way; `store.entity` tells creates where they belong.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

Record = dict[str, Any]

# one set per company; {p} is the company's table prefix ("" for the default company)
_COMPANY_SCHEMA = """
CREATE TABLE IF NOT EXISTS {p}records (
    obj TEXT NOT NULL,
    recordno INTEGER NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (obj, recordno)
);
CREATE UNIQUE INDEX IF NOT EXISTS {p}records_key ON {p}records (obj, key);
CREATE TABLE IF NOT EXISTS {p}counters (obj TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS {p}settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {p}resultsets (
    resultid TEXT PRIMARY KEY,
    obj TEXT NOT NULL,
    fields TEXT NOT NULL,
    recordnos TEXT NOT NULL,
    position INTEGER NOT NULL,
    pagesize INTEGER NOT NULL
);
"""
# shared by the companies of one database
_SHARED_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    sessionid TEXT PRIMARY KEY,
    userid TEXT NOT NULL,
    companyid TEXT NOT NULL,
    locationid TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS controlids (
    companyid TEXT NOT NULL,
    controlid TEXT NOT NULL,
    PRIMARY KEY (companyid, controlid)
);
CREATE TABLE IF NOT EXISTS companies (
    companyid TEXT PRIMARY KEY COLLATE NOCASE,
    prefix TEXT NOT NULL UNIQUE
);
"""
_PREFIX = re.compile(r"^(c[0-9]+_)?$")


class _Connection:
    """What every view of one database shares: the connection, its lock, savepoint depth and
    the inserts written behind (see the module docstring)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.lock = threading.RLock()
        self.depth = 0
        # rows not yet written: (records table, obj, recordno, key, data as JSON), in order
        self.pending: list[tuple[str, str, int, str, str]] = []
        # (records table, obj, key) -> (data as JSON, MEGAENTITYID) of each pending row
        self.pending_keys: dict[tuple[str, str, str], tuple[str, Any]] = {}
        # (counters table, obj) -> the last RECORDNO handed out to a pending row
        self.allocated: dict[tuple[str, str], int] = {}
        # (records SQL of a view, obj, key) -> data as JSON or None: read ahead by prefetch,
        # good until the connection is used for anything else (which might write)
        self.fetched: dict[tuple[str, str, str], str | None] = {}

    def flush(self) -> None:
        """Write the pending rows and their counters (all or none: a savepoint of its own)."""
        if not self.pending:
            return
        rows, counters = self.pending, self.allocated
        self.discard()
        db = self.db
        db.execute("SAVEPOINT flush")
        try:
            tables = dict.fromkeys(table for table, *_ in rows)
            for table in tables:
                db.executemany(
                    f"INSERT INTO {table} (obj, recordno, key, data) VALUES (?, ?, ?, ?)",
                    [row[1:] for row in rows if row[0] == table],
                )
            for (table, obj), last in counters.items():
                db.execute(
                    f"INSERT INTO {table} (obj, last) VALUES (?, ?) "
                    "ON CONFLICT (obj) DO UPDATE SET last = excluded.last",
                    (obj, last),
                )
        except BaseException:
            db.execute("ROLLBACK TO flush")
            db.execute("RELEASE flush")
            raise
        db.execute("RELEASE flush")

    def discard(self) -> None:
        self.pending = []
        self.pending_keys = {}
        self.allocated = {}
        self.fetched = {}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Store:
    """One sandbox company's state in SQLite (seen from one entity, or the top level); see the
    module docstring."""

    def __init__(
        self,
        connection: sqlite3.Connection | _Connection,
        *,
        prefix: str = "",
        entity: str = "",
    ):
        if not _PREFIX.match(prefix):
            raise ValueError(f"not a company table prefix: {prefix!r}")
        shared = connection if isinstance(connection, _Connection) else _Connection(connection)
        self._shared = shared
        self.prefix = prefix
        self.entity = entity
        self._records = f"{prefix}records"
        self._counters = f"{prefix}counters"
        self._settings = f"{prefix}settings"
        self._resultsets = f"{prefix}resultsets"
        if entity:
            # assumption: an entity session sees its own records and the top level's, never a
            # sibling entity's; the top level sees every entity's records (with or without the
            # query option showprivate)
            self.records_sql = (
                f"(SELECT * FROM {self._records} WHERE "
                f"COALESCE(json_extract(data, '$.MEGAENTITYID'), '') IN ('', {_sql_text(entity)}))"
            )
        else:
            self.records_sql = self._records
        if not isinstance(connection, _Connection):
            with self._lock:
                self._db.executescript(_SHARED_SCHEMA + _COMPANY_SCHEMA.format(p=prefix))
                # query's like/notlike are case-sensitive unless the caseinsensitive option is set
                self._db.execute("PRAGMA case_sensitive_like = ON")

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection, with every insert written behind written first (callers hold the
        lock, as every use of the connection does)."""
        shared = self._shared
        if shared.pending:
            shared.flush()
        if shared.fetched:
            shared.fetched = {}
        return shared.db

    @property
    def _lock(self) -> threading.RLock:
        return self._shared.lock

    def company_view(self, prefix: str) -> Store:
        """Another company of this database (its tables are created if missing)."""
        with self._lock:
            if self._shared.depth:
                # executescript would commit the open transaction first
                raise RuntimeError("a company's tables cannot be created inside a transaction")
            self._db.executescript(_COMPANY_SCHEMA.format(p=prefix))
        return Store(self._shared, prefix=prefix)

    def in_entity(self, entity: str) -> Store:
        """This company as an entity's session sees it ("" = the top level: everything)."""
        if entity == self.entity:
            return self
        return Store(self._shared, prefix=self.prefix, entity=entity)

    def company_wide(self) -> Store:
        """This company from the top level (duplicate-id and in-use checks span entities)."""
        return self.in_entity("")

    @classmethod
    def open(cls, path: str = ":memory:") -> Store:
        # one connection shared by all threads (guarded by the lock) keeps ":memory:" shared
        connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        if path != ":memory:":
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        return cls(connection)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All writes inside commit together or not at all; nested blocks are savepoints."""
        with self._lock:
            shared = self._shared
            name = f"sp{shared.depth}"
            self._db.execute(f"SAVEPOINT {name}")  # rows written behind so far go in first
            shared.depth += 1
            try:
                yield self
                shared.flush()  # inside the try: rows that cannot be written undo the block
                shared.fetched = {}
            except BaseException:
                shared.depth -= 1
                shared.discard()  # all kept since the savepoint began: undone with it
                shared.db.execute(f"ROLLBACK TO {name}")
                shared.db.execute(f"RELEASE {name}")
                raise
            shared.depth -= 1
            shared.db.execute(f"RELEASE {name}")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one SQL statement under the lock and return all rows (for query compilers)."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- records ------------------------------------------------------------------------

    def next_recordno(self, obj: str) -> int:
        with self._lock:
            row = self._db.execute(
                f"INSERT INTO {self._counters} (obj, last) VALUES (?, 1) "
                "ON CONFLICT (obj) DO UPDATE SET last = last + 1 RETURNING last",
                (obj,),
            ).fetchone()
            return int(row[0])

    def insert(self, obj: str, key: str, data: Record) -> int:
        """Store a new record (RECORDNO allocated here) and return its RECORDNO."""
        shared = self._shared
        with shared.lock:
            # a key already pending is a write that must fail now: it takes the path below
            if shared.depth and (self._records, obj, key) not in shared.pending_keys:
                return self._insert_behind(obj, key, data)
        with self.transaction():
            recordno = self.next_recordno(obj)
            body = {**data, "RECORDNO": str(recordno)}
            self._db.execute(
                f"INSERT INTO {self._records} (obj, recordno, key, data) VALUES (?, ?, ?, ?)",
                (obj, recordno, key, json.dumps(body)),
            )
            return recordno

    def _insert_behind(self, obj: str, key: str, data: Record) -> int:
        """insert inside a transaction: the row is kept to be written with the next ones."""
        shared = self._shared
        counter = (self._counters, obj)
        last = shared.allocated.get(counter)
        if last is None:
            # the counter as written (no pending row of this object's is counted yet)
            row = shared.db.execute(
                f"SELECT last FROM {self._counters} WHERE obj = ?", (obj,)
            ).fetchone()
            last = int(row[0]) if row else 0
        recordno = last + 1
        body = json.dumps({**data, "RECORDNO": str(recordno)})  # may fail: nothing taken yet
        shared.allocated[counter] = recordno
        shared.pending.append((self._records, obj, recordno, key, body))
        shared.pending_keys[(self._records, obj, key)] = (body, data.get("MEGAENTITYID"))
        if not isinstance(key, str):
            shared.flush()  # SQLite keeps it as text: get_by_key("5") must find the key 5
        return recordno

    def insert_many(self, obj: str, rows: Iterable[tuple[str, Record]]) -> int:
        """Bulk insert (key, data) pairs in one transaction; returns how many were stored."""
        with self.transaction():
            row = self._db.execute(
                f"SELECT last FROM {self._counters} WHERE obj = ?", (obj,)
            ).fetchone()
            last = int(row[0]) if row else 0
            batch = []
            for key, data in rows:
                last += 1
                batch.append((obj, last, key, json.dumps({**data, "RECORDNO": str(last)})))
            self._db.executemany(
                f"INSERT INTO {self._records} (obj, recordno, key, data) VALUES (?, ?, ?, ?)", batch
            )
            self._db.execute(
                f"INSERT INTO {self._counters} (obj, last) VALUES (?, ?) "
                "ON CONFLICT (obj) DO UPDATE SET last = excluded.last",
                (obj, last),
            )
            return len(batch)

    def replace(self, obj: str, recordno: int, key: str, data: Record) -> None:
        with self._lock:
            body = {**data, "RECORDNO": str(recordno)}
            self._db.execute(
                f"UPDATE {self._records} SET key = ?, data = ? WHERE obj = ? AND recordno = ?",
                (key, json.dumps(body), obj, recordno),
            )

    def remove(self, obj: str, recordno: int) -> bool:
        with self._lock:
            cursor = self._db.execute(
                f"DELETE FROM {self._records} WHERE obj = ? AND recordno = ?", (obj, recordno)
            )
            return cursor.rowcount > 0

    def get(self, obj: str, recordno: int) -> Record | None:
        rows = self.execute(
            f"SELECT data FROM {self.records_sql} WHERE obj = ? AND recordno = ?", (obj, recordno)
        )
        return json.loads(rows[0][0]) if rows else None

    def get_by_key(self, obj: str, key: str) -> Record | None:
        sql = f"SELECT data FROM {self.records_sql} WHERE obj = ? AND key = ?"
        shared = self._shared
        with shared.lock:
            if not shared.pending_keys and not shared.fetched:
                rows = self._db.execute(sql, (obj, key)).fetchall()
                return json.loads(rows[0][0]) if rows else None
            kept = shared.pending_keys.get((self._records, obj, key))
            if kept is not None:
                body, entity = kept
                visible = not self.entity or (entity or "") in ("", self.entity)
                # the key is unique per object: no written row can hold it too
                return json.loads(body) if visible else None
            ahead = shared.fetched.get((self.records_sql, obj, key), False)
            if ahead is not False:
                return json.loads(ahead) if ahead is not None else None
            # no pending row holds the key, so writing them first would not change the answer
            rows = shared.db.execute(sql, (obj, key)).fetchall()
            return json.loads(rows[0][0]) if rows else None

    def prefetch(self, obj: str, keys: Iterable[str]) -> None:
        """Read the records of these keys in one query, for the get_by_key calls that follow
        (a create function checks each of its records' ids). Inside a transaction only: its
        snapshot holds still, and nothing but get_by_key and inserts kept behind may use the
        connection before those calls for the reads to count."""
        shared = self._shared
        with shared.lock:
            if not shared.depth:
                return
            sql = self.records_sql
            wanted = [k for k in dict.fromkeys(keys) if (sql, obj, k) not in shared.fetched]
            found: dict[str, str] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(
                    shared.db.execute(
                        f"SELECT key, data FROM {sql} WHERE obj = ? AND key IN ({marks})",
                        (obj, *chunk),
                    ).fetchall()
                )
            for key in wanted:
                shared.fetched[(sql, obj, key)] = found.get(key)

    def get_many(self, obj: str, recordnos: Sequence[int]) -> list[Record]:
        """Records for the given RECORDNOs, in the order given (missing ones skipped)."""
        found: dict[int, Record] = {}
        for start in range(0, len(recordnos), 500):
            chunk = list(recordnos[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for recordno, data in self.execute(
                f"SELECT recordno, data FROM {self.records_sql} WHERE obj = ? "
                f"AND recordno IN ({marks})",
                (obj, *chunk),
            ):
                found[recordno] = json.loads(data)
        return [found[n] for n in recordnos if n in found]

    def all(self, obj: str) -> list[Record]:
        rows = self.execute(
            f"SELECT data FROM {self.records_sql} WHERE obj = ? ORDER BY recordno", (obj,)
        )
        return [json.loads(data) for (data,) in rows]

    def count(self, obj: str) -> int:
        sql = f"SELECT COUNT(*) FROM {self.records_sql} WHERE obj = ?"
        return int(self.execute(sql, (obj,))[0][0])

    # -- settings -----------------------------------------------------------------------

    def setting(self, name: str, default: Any = None) -> Any:
        rows = self.execute(f"SELECT value FROM {self._settings} WHERE name = ?", (name,))
        return json.loads(rows[0][0]) if rows else default

    def set_setting(self, name: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                f"INSERT INTO {self._settings} (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, json.dumps(value)),
            )

    # -- sessions -----------------------------------------------------------------------

    def add_session(
        self, sessionid: str, userid: str, companyid: str, locationid: str, expires: float
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                (sessionid, userid, companyid, locationid, expires),
            )

    def session(self, sessionid: str) -> tuple[str, str, str, float] | None:
        """(userid, companyid, locationid, expires) of a session, expired or not."""
        rows = self.execute(
            "SELECT userid, companyid, locationid, expires FROM sessions WHERE sessionid = ?",
            (sessionid,),
        )
        return tuple(rows[0]) if rows else None  # type: ignore[return-value]

    def touch_session(self, sessionid: str, expires: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE sessions SET expires = ? WHERE sessionid = ?", (expires, sessionid)
            )

    def drop_session(self, sessionid: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE sessionid = ?", (sessionid,))

    # -- replay protection (uniqueid) ---------------------------------------------------

    def controlid_seen(self, companyid: str, controlid: str) -> bool:
        rows = self.execute(
            "SELECT 1 FROM controlids WHERE companyid = ? AND controlid = ?",
            (companyid, controlid),
        )
        return bool(rows)

    def record_controlid(self, companyid: str, controlid: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO controlids VALUES (?, ?)", (companyid, controlid)
            )

    # -- readByQuery result sets --------------------------------------------------------

    def save_resultset(
        self, resultid: str, obj: str, fields: list[str], recordnos: list[int], pagesize: int
    ) -> None:
        with self._lock:
            self._db.execute(
                f"INSERT INTO {self._resultsets} VALUES (?, ?, ?, ?, 0, ?)",
                (resultid, obj, json.dumps(fields), json.dumps(recordnos), pagesize),
            )

    def resultset(self, resultid: str) -> tuple[str, list[str], list[int], int, int] | None:
        """(obj, fields, recordnos, position, pagesize) of a saved readByQuery result."""
        rows = self.execute(
            f"SELECT obj, fields, recordnos, position, pagesize FROM {self._resultsets} "
            "WHERE resultid = ?",
            (resultid,),
        )
        if not rows:
            return None
        obj, fields, recordnos, position, pagesize = rows[0]
        return obj, json.loads(fields), json.loads(recordnos), int(position), int(pagesize)

    def advance_resultset(self, resultid: str, position: int) -> None:
        with self._lock:
            self._db.execute(
                f"UPDATE {self._resultsets} SET position = ? WHERE resultid = ?",
                (position, resultid),
            )

    def drop_resultset(self, resultid: str) -> None:
        with self._lock:
            self._db.execute(f"DELETE FROM {self._resultsets} WHERE resultid = ?", (resultid,))
