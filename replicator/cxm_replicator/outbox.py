"""The local SQLite store: the outbox of receipts waiting for CXM, each register's
checkpoint (the watermark on OFD receive time), and the documents that were rejected.

Everything a sync window yields is written with that window's new checkpoint in one
transaction, so a crash or a reboot at any moment resumes from a consistent state: either
the window is in the outbox and the watermark moved, or neither happened. A receipt's
identity is (fiscal drive, fiscal document number), the same as CXM's, so a document read
twice (the overlap window, a retried call) is stored once.
"""

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cxm_replicator.providers.base import Fetched

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    fn TEXT NOT NULL,
    fd INTEGER NOT NULL,
    register TEXT NOT NULL,
    doc_time TEXT NOT NULL,
    received_at TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | rejected
    reason TEXT,
    UNIQUE (fn, fd)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
CREATE TABLE IF NOT EXISTS checkpoints (
    register TEXT PRIMARY KEY,
    watermark TEXT NOT NULL,
    last_received_at TEXT,
    last_document TEXT,
    errors INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    synced_at TEXT
);
CREATE TABLE IF NOT EXISTS problems (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    register TEXT NOT NULL,
    ref TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class WindowResult:
    fetched: int
    new: int
    rejected: int
    problems: list[tuple[str, str]]  # (ref, reason) of rejections not seen before


@dataclass(frozen=True)
class RegisterStatus:
    register: str
    watermark: datetime
    last_received_at: datetime | None
    last_document: str | None
    documents_today: int
    pending: int
    errors: int
    last_error: str | None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit off by hand: each method is one explicit transaction.
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across process crashes
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- pulling ------------------------------------------------------------------------

    def checkpoint(self, register: str) -> datetime | None:
        row = self.db.execute(
            "SELECT watermark FROM checkpoints WHERE register = ?", (register,)
        ).fetchone()
        return _parse(row[0]) if row and row[0] else None

    def record_window(
        self, register: str, fetched: Iterable[Fetched], watermark: datetime, now: datetime
    ) -> WindowResult:
        """Store a window's documents and move the register's watermark, atomically."""
        count = new = rejected = 0
        problems: list[tuple[str, str]] = []
        last_received: datetime | None = None
        last_doc: str | None = None
        with self._transaction():
            for doc in fetched:
                count += 1
                if doc.received_at and (last_received is None or doc.received_at > last_received):
                    last_received = doc.received_at
                if doc.receipt is None:
                    rejected += 1
                    if self._problem(register, doc.ref, doc.error or "?", now):
                        problems.append((doc.ref, doc.error or "?"))
                    continue
                r = doc.receipt
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO outbox (fn, fd, register, doc_time, received_at,"
                    " payload) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        r["fiscalDriveNumber"],
                        r["fiscalDocumentNumber"],
                        register,
                        r["dateTime"],
                        _iso(doc.received_at),
                        json.dumps(r, ensure_ascii=False, separators=(",", ":")),
                    ),
                )
                new += cursor.rowcount
                last_doc = f"ФН {r['fiscalDriveNumber']} ФД {r['fiscalDocumentNumber']}"
            self.db.execute(
                "INSERT INTO checkpoints (register, watermark, last_received_at, last_document,"
                " errors, last_error, synced_at) VALUES (?, ?, ?, ?, 0, NULL, ?)"
                " ON CONFLICT (register) DO UPDATE SET watermark = excluded.watermark,"
                " last_received_at = max(coalesce(last_received_at, ''),"
                "   coalesce(excluded.last_received_at, '')),"
                " last_document = coalesce(excluded.last_document, last_document),"
                " errors = 0, last_error = NULL, synced_at = excluded.synced_at",
                (register, _iso(watermark), _iso(last_received), last_doc, _iso(now)),
            )
        return WindowResult(count, new, rejected, problems)

    def _problem(self, register: str, ref: str, reason: str, now: datetime) -> bool:
        # A document may be read again in the overlap window: note each problem once.
        seen = self.db.execute(
            "SELECT 1 FROM problems WHERE register = ? AND ref = ? AND reason = ?",
            (register, ref, reason),
        ).fetchone()
        if seen is None:
            self.db.execute(
                "INSERT INTO problems (at, register, ref, reason) VALUES (?, ?, ?, ?)",
                (_iso(now), register, ref, reason),
            )
        return seen is None

    def note_error(self, register: str, message: str) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO checkpoints (register, watermark, errors, last_error)"
                " VALUES (?, '', 1, ?) ON CONFLICT (register) DO UPDATE SET"
                " errors = errors + 1, last_error = excluded.last_error",
                (register, message),
            )

    # --- pushing ------------------------------------------------------------------------

    def pending(self, limit: int) -> list[tuple[int, str]]:
        return self.db.execute(
            "SELECT id, payload FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()

    def settle(self, sent: Iterable[int], rejected: dict[int, str], now: datetime) -> None:
        """Mark a pushed batch: delivered rows `sent`, rows CXM refused with the reason."""
        with self._transaction():
            self.db.executemany(
                "UPDATE outbox SET state = 'sent' WHERE id = ?", [(i,) for i in sent]
            )
            for row_id, reason in rejected.items():
                self.db.execute(
                    "UPDATE outbox SET state = 'rejected', reason = ? WHERE id = ?",
                    (reason, row_id),
                )
                register, fn, fd = self.db.execute(
                    "SELECT register, fn, fd FROM outbox WHERE id = ?", (row_id,)
                ).fetchone()
                self._problem(register, f"ФН {fn} ФД {fd}", f"CXM: {reason}", now)

    def prune(self, before: datetime) -> int:
        """Forget delivered receipts the OFD received before `before`: far behind every
        watermark, they can no longer come back through the overlap window."""
        with self._transaction():
            cursor = self.db.execute(
                "DELETE FROM outbox WHERE state = 'sent' AND received_at < ?", (_iso(before),)
            )
        return cursor.rowcount

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {"pending": 0, "sent": 0, "rejected": 0, **dict(rows)}

    # --- status -------------------------------------------------------------------------

    def statuses(self, now: datetime) -> list[RegisterStatus]:
        today = now.astimezone(UTC).date().isoformat()
        rows = self.db.execute(
            "SELECT c.register, c.watermark, c.last_received_at, c.last_document, c.errors,"
            " c.last_error,"
            " (SELECT count(*) FROM outbox o WHERE o.register = c.register"
            "   AND o.received_at >= ?),"
            " (SELECT count(*) FROM outbox o WHERE o.register = c.register"
            "   AND o.state = 'pending')"
            " FROM checkpoints c ORDER BY c.register",
            (today,),
        ).fetchall()
        return [
            RegisterStatus(
                register=r[0],
                watermark=_parse(r[1]) if r[1] else datetime.min.replace(tzinfo=UTC),
                last_received_at=_parse(r[2]) if r[2] else None,
                last_document=r[3],
                documents_today=r[6],
                pending=r[7],
                errors=r[4],
                last_error=r[5],
            )
            for r in rows
        ]

    def problems(self, limit: int = 20) -> list[tuple[str, str, str, str]]:
        return self.db.execute(
            "SELECT at, register, ref, reason FROM problems ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def _transaction(self):
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *exc: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
