"""The per-vault facts store (SQLite): records, typed measurements and items, the
ingest log and the embedding cache.

Numbers in answers come from here, never from retrieved prose. Migrations are
numbered functions applied in order and tracked with ``PRAGMA user_version``.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexes.sqlcrypt import connect
from rag.core.types import Item, Measurement, Record, text_hash

_M001_INITIAL = """
        CREATE TABLE sources (
            file_hash TEXT PRIMARY KEY, source_file TEXT NOT NULL, kind TEXT NOT NULL,
            records INTEGER NOT NULL, ingested_at REAL NOT NULL
        );
        CREATE TABLE records (
            key TEXT PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            text TEXT NOT NULL, source_type TEXT NOT NULL, resource_type TEXT, resource_id TEXT,
            version TEXT, source_file TEXT NOT NULL, file_hash TEXT NOT NULL, page INTEGER,
            span_start INTEGER, span_end INTEGER, raw_json TEXT, flags TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL, ingested_at REAL NOT NULL
        );
        CREATE INDEX records_file ON records(file_hash);
        CREATE TABLE measurements (
            id INTEGER PRIMARY KEY, record_key TEXT NOT NULL REFERENCES records(key)
                ON DELETE CASCADE,
            code_system TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
            value REAL, unit TEXT, value_text TEXT, effective TEXT, ref_low REAL, ref_high REAL,
            ref_text TEXT, interpretation TEXT, category TEXT, component_of TEXT
        );
        CREATE INDEX measurements_code ON measurements(code, effective);
        CREATE TABLE items (
            id INTEGER PRIMARY KEY, record_key TEXT NOT NULL REFERENCES records(key)
                ON DELETE CASCADE,
            category TEXT NOT NULL, name TEXT NOT NULL, status TEXT, date TEXT, code TEXT,
            code_system TEXT, detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX items_category ON items(category, date);
        CREATE TABLE embeddings (
            model_id TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL,
            PRIMARY KEY (model_id, text_hash)
        );
"""

_M002_HISTORY = """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at REAL NOT NULL,
            updated_at REAL NOT NULL, user_digest TEXT NOT NULL
        );
        CREATE INDEX conversations_digest ON conversations(user_digest, updated_at);
        CREATE INDEX conversations_updated ON conversations(updated_at);
        CREATE TABLE messages (
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
            citations TEXT NOT NULL DEFAULT '[]', created_at REAL NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        );
"""

_M003_APPOINTMENTS = """
        CREATE TABLE appointments (
            id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
            date TEXT, reason TEXT, packet TEXT NOT NULL
        );
        CREATE INDEX appointments_created ON appointments(created_at);
"""

# Numbered migrations, applied in order; each runs in one transaction with the version bump.
MIGRATIONS: list[str] = [_M001_INITIAL, _M002_HISTORY, _M003_APPOINTMENTS]


@dataclass(frozen=True)
class StoredRecord:
    key: str
    chunk_id: str
    title: str
    text: str
    source_type: str
    resource_type: str | None
    resource_id: str | None
    version: str | None
    source_file: str
    file_hash: str
    page: int | None
    span: tuple[int, int] | None
    raw: dict[str, Any] | None
    flags: tuple[str, ...]
    ingested_at: float


@dataclass(frozen=True)
class StoredMeasurement:
    record_key: str
    chunk_id: str
    m: Measurement


@dataclass(frozen=True)
class StoredItem:
    record_key: str
    chunk_id: str
    item: Item


def select_in(
    db: sqlite3.Connection, sql: str, keys: Sequence[str], args: Sequence[Any] = ()
) -> list[sqlite3.Row]:
    """Run ``sql`` (with one ``{marks}`` placeholder for an IN list) over ``keys`` in batches
    that stay under SQLite's variable limit; ``args`` come before the keys."""
    rows: list[sqlite3.Row] = []
    for i in range(0, len(keys), 500):
        part = list(keys[i : i + 500])
        rows.extend(db.execute(sql.format(marks=",".join("?" * len(part))), [*args, *part]))
    return rows


def read_vectors(
    db: sqlite3.Connection, model_id: str, hashes: Sequence[str]
) -> dict[str, list[float]]:
    """Cached embeddings by text hash (the facts store and the knowledge store share this)."""
    rows = select_in(
        db,
        "SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
        hashes,
        (model_id,),
    )
    return {r[0]: _unpack(r[1]) for r in rows}


def _pack(vec: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(vec)}f", *vec)


def _unpack(blob: bytes) -> list[float]:
    return list(struct.unpack(f"<{len(blob) // 4}f", blob))


class FactsStore:
    """One SQLite file. Writes happen inside :meth:`transaction` so a failed ingest leaves
    nothing behind."""

    def __init__(self, path: Path, key: bytes | None = None) -> None:
        """``key``: the SQLCipher key (a subkey of the vault key); None keeps it plaintext."""
        self.path = path
        self._lock = threading.RLock()
        self._db = connect(path, key)
        self._db.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, so deleted health data does not linger
        # in free pages of the file.
        self._db.execute("PRAGMA secure_delete = ON")
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.executescript(
                    f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """One read query under the store's lock (for stores that share this file)."""
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    # ------------------------------------------------------------ ingest log

    def has_source(self, file_hash: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM sources WHERE file_hash = ?", (file_hash,)
            ).fetchone()
        return row is not None

    def content_hashes(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """key -> (content_hash, chunk_id) for the records that exist."""
        with self._lock:
            rows = select_in(
                self._db,
                "SELECT key, content_hash, chunk_id FROM records WHERE key IN ({marks})",
                keys,
            )
        return {r["key"]: (r["content_hash"], r["chunk_id"]) for r in rows}

    @staticmethod
    def write_record(
        db: sqlite3.Connection, record: Record, chunk_id: str, content_hash: str
    ) -> None:
        """Replace one record and its facts (inside a transaction)."""
        p = record.provenance
        db.execute("DELETE FROM records WHERE key = ?", (record.key,))
        db.execute(
            "INSERT INTO records (key, chunk_id, title, text, source_type, resource_type, "
            "resource_id, version, source_file, file_hash, page, span_start, span_end, raw_json, "
            "flags, content_hash, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.key,
                chunk_id,
                record.title,
                record.text,
                p.source_type,
                p.resource_type,
                p.resource_id,
                p.version,
                p.source_file,
                p.file_hash,
                p.page,
                p.span[0] if p.span else None,
                p.span[1] if p.span else None,
                json.dumps(record.raw) if record.raw is not None else None,
                ",".join(record.flags),
                content_hash,
                time.time(),
            ),
        )
        for m in record.measurements:
            db.execute(
                "INSERT INTO measurements (record_key, code_system, code, display, value, unit, "
                "value_text, effective, ref_low, ref_high, ref_text, interpretation, category, "
                "component_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.key,
                    m.code_system,
                    m.code,
                    m.display,
                    m.value,
                    m.unit,
                    m.value_text,
                    m.effective,
                    m.ref_low,
                    m.ref_high,
                    m.ref_text,
                    m.interpretation,
                    m.category,
                    m.component_of,
                ),
            )
        for it in record.items:
            db.execute(
                "INSERT INTO items (record_key, category, name, status, date, code, code_system, "
                "detail) VALUES (?,?,?,?,?,?,?,?)",
                (
                    record.key,
                    it.category,
                    it.name,
                    it.status,
                    it.date,
                    it.code,
                    it.code_system,
                    json.dumps(it.detail, sort_keys=True),
                ),
            )

    @staticmethod
    def log_source(
        db: sqlite3.Connection, file_hash: str, source_file: str, kind: str, records: int
    ) -> None:
        db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?)",
            (file_hash, source_file, kind, records, time.time()),
        )

    def sources(self) -> list[dict[str, Any]]:
        """The ingested files: id (sha256), name, kind, record count, time."""
        with self._lock:
            rows = self._db.execute(
                "SELECT file_hash, source_file, kind, records, ingested_at FROM sources "
                "ORDER BY ingested_at"
            ).fetchall()
        return [
            {"document_id": r[0], "file": r[1], "kind": r[2], "records": r[3], "ingested_at": r[4]}
            for r in rows
        ]

    def delete_source(self, file_hash: str) -> tuple[list[str], list[str]]:
        """Remove a file's records, facts, cached embeddings and log row in one transaction.
        Returns (chunk ids removed, text hashes removed from the embedding cache)."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT key, chunk_id, text FROM records WHERE file_hash = ?", (file_hash,)
            ).fetchall()
            chunk_ids = [r[1] for r in rows]
            texts = {r[2] for r in rows}
            db.execute("DELETE FROM records WHERE file_hash = ?", (file_hash,))
            db.execute("DELETE FROM sources WHERE file_hash = ?", (file_hash,))
            # Keep cached vectors that another record (another file) still uses.
            kept = {
                r[0]
                for r in select_in(
                    db, "SELECT text FROM records WHERE text IN ({marks})", sorted(texts)
                )
            }
            gone = sorted(text_hash(t) for t in texts - kept)
            db.executemany("DELETE FROM embeddings WHERE text_hash = ?", [(h,) for h in gone])
        return chunk_ids, gone

    # ------------------------------------------------------------ reads

    def _record(self, row: sqlite3.Row) -> StoredRecord:
        return StoredRecord(
            key=row["key"],
            chunk_id=row["chunk_id"],
            title=row["title"],
            text=row["text"],
            source_type=row["source_type"],
            resource_type=row["resource_type"],
            resource_id=row["resource_id"],
            version=row["version"],
            source_file=row["source_file"],
            file_hash=row["file_hash"],
            page=row["page"],
            span=(row["span_start"], row["span_end"]) if row["span_start"] is not None else None,
            raw=json.loads(row["raw_json"]) if row["raw_json"] else None,
            flags=tuple(f for f in row["flags"].split(",") if f),
            ingested_at=row["ingested_at"],
        )

    def record_by_chunk(self, chunk_id: str) -> StoredRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM records WHERE chunk_id = ?", (chunk_id,)
            ).fetchone()
        return self._record(row) if row else None

    def records_by_chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredRecord]:
        with self._lock:
            rows = select_in(
                self._db, "SELECT * FROM records WHERE chunk_id IN ({marks})", chunk_ids
            )
        return {row["chunk_id"]: self._record(row) for row in rows}

    def count(self, table: str) -> int:
        if table not in {"records", "measurements", "items", "sources", "embeddings",
                         "conversations", "messages", "appointments"}:
            raise ValueError(table)
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def all_chunk_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT chunk_id FROM records")}

    def measurements(
        self, *, codes: Sequence[str] = (), display_like: str | None = None
    ) -> list[StoredMeasurement]:
        """Measurements matching any LOINC code or a display substring, oldest first."""
        where: list[str] = []
        args: list[Any] = []
        if codes:
            where.append(f"m.code IN ({','.join('?' * len(codes))})")
            args.extend(codes)
        if display_like:
            where.append("LOWER(m.display) LIKE ?")
            args.append(f"%{display_like.lower()}%")
        if not where:
            return []
        sql = (
            "SELECT m.*, r.chunk_id FROM measurements m JOIN records r ON r.key = m.record_key "
            f"WHERE {' OR '.join(where)} ORDER BY m.effective, m.id"
        )
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [
            StoredMeasurement(
                record_key=row["record_key"],
                chunk_id=row["chunk_id"],
                m=Measurement(
                    code_system=row["code_system"],
                    code=row["code"],
                    display=row["display"],
                    value=row["value"],
                    unit=row["unit"],
                    value_text=row["value_text"],
                    effective=row["effective"],
                    ref_low=row["ref_low"],
                    ref_high=row["ref_high"],
                    ref_text=row["ref_text"],
                    interpretation=row["interpretation"],
                    category=row["category"],
                    component_of=row["component_of"],
                ),
            )
            for row in rows
        ]

    def measurement_codes(self) -> list[tuple[str, str, int]]:
        """(code, display, count) of every measured code, for the planner's vocabulary."""
        with self._lock:
            rows = self._db.execute(
                "SELECT code, MIN(display), COUNT(*) FROM measurements GROUP BY code"
            ).fetchall()
        return [(r[0], r[1], int(r[2])) for r in rows]

    def item_names(self, category: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT name FROM items WHERE category = ? ORDER BY name", (category,)
            ).fetchall()
        return [r[0] for r in rows]

    def items(self, category: str) -> list[StoredItem]:
        with self._lock:
            rows = self._db.execute(
                "SELECT i.*, r.chunk_id FROM items i JOIN records r ON r.key = i.record_key "
                "WHERE i.category = ? ORDER BY i.date, i.id",
                (category,),
            ).fetchall()
        return [
            StoredItem(
                record_key=row["record_key"],
                chunk_id=row["chunk_id"],
                item=Item(
                    category=row["category"],
                    name=row["name"],
                    status=row["status"],
                    date=row["date"],
                    code=row["code"],
                    code_system=row["code_system"],
                    detail=json.loads(row["detail"]),
                ),
            )
            for row in rows
        ]

    # ------------------------------------------------------------ embedding cache

    def get_vectors(self, model_id: str, hashes: Sequence[str]) -> dict[str, list[float]]:
        with self._lock:
            return read_vectors(self._db, model_id, hashes)

    @staticmethod
    def put_vectors(db: sqlite3.Connection, model_id: str, items: dict[str, list[float]]) -> None:
        """Store fresh embeddings (inside the ingest transaction)."""
        db.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?,?,?)",
            [(model_id, h, _pack(v)) for h, v in items.items()],
        )
