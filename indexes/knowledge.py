"""The curated knowledge base: its own Edge shard and SQLite DB, shared by every user.

Documents carry a version (content hash), review status and source; each section is
one chunk. Replacing a document replaces all its sections atomically.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexes.base import IndexPoint, VectorIndex
from indexes.facts import FactsStore, read_vectors
from rag.core.errors import IndexError_
from rag.core.types import KnowledgeSection

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, version TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
    url TEXT, language TEXT NOT NULL, reviewed_by TEXT NOT NULL, tags TEXT NOT NULL,
    source_file TEXT NOT NULL, added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sections (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sections_doc ON sections(doc_id);
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
);
"""


@dataclass(frozen=True)
class StoredSection:
    chunk_id: str
    doc_id: str
    version: str
    title: str
    heading: str
    text: str
    source: str
    url: str | None
    language: str
    reviewed_by: str
    tags: tuple[str, ...]


def section_chunk_id(doc_id: str, ordinal: int) -> str:
    return "k_" + hashlib.sha256(f"{doc_id}\x1f{ordinal}".encode()).hexdigest()[:20]


class KnowledgeStore:
    def __init__(self, root: Path, index: VectorIndex) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.index = index
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                str(root / "knowledge.sqlite"), check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise IndexError_(f"cannot open the knowledge DB: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(_SCHEMA)
        self._version: str | None = None  # cached; every write resets it

    def close(self) -> None:
        with self._lock:
            self.index.close()
            self._db.close()

    def doc_version(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT version FROM docs WHERE doc_id = ?", (doc_id,)
            ).fetchone()
        return str(row[0]) if row else None

    def get_vectors(self, model_id: str, hashes: Sequence[str]) -> dict[str, list[float]]:
        with self._lock:
            return read_vectors(self._db, model_id, hashes)

    def replace_doc(
        self,
        sections: Sequence[KnowledgeSection],
        vectors: Sequence[Sequence[float]],
        fresh: dict[str, list[float]],
        model_id: str,
        source_file: str,
    ) -> int:
        """Store one document's sections (all of the same doc) atomically; returns chunks."""
        if not sections:
            return 0
        first = sections[0]
        with self._lock:
            old = [
                r[0]
                for r in self._db.execute(
                    "SELECT chunk_id FROM sections WHERE doc_id = ?", (first.doc_id,)
                )
            ]
            chunk_ids = [section_chunk_id(first.doc_id, i) for i in range(len(sections))]
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM docs WHERE doc_id = ?", (first.doc_id,))
                self._db.execute(
                    "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        first.doc_id,
                        first.version,
                        first.title,
                        first.source,
                        first.url,
                        first.language,
                        first.reviewed_by,
                        json.dumps(list(first.tags)),
                        source_file,
                        time.time(),
                    ),
                )
                for i, (s, cid) in enumerate(zip(sections, chunk_ids, strict=True)):
                    self._db.execute(
                        "INSERT INTO sections VALUES (?,?,?,?,?)",
                        (cid, s.doc_id, i, s.heading, s.text),
                    )
                FactsStore.put_vectors(self._db, model_id, fresh)
                stale = [c for c in old if c not in set(chunk_ids)]
                self.index.delete(stale)
                self.index.upsert(
                    [
                        IndexPoint(
                            chunk_id=cid,
                            dense=list(vec),
                            text=f"{s.title}. {s.heading}. {s.text}",
                            payload={"doc_id": s.doc_id, "language": s.language},
                        )
                        for s, cid, vec in zip(sections, chunk_ids, vectors, strict=True)
                    ]
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._version = None
            self.index.flush()
        return len(sections)

    def _section(self, row: sqlite3.Row) -> StoredSection:
        return StoredSection(
            chunk_id=row["chunk_id"],
            doc_id=row["doc_id"],
            version=row["version"],
            title=row["title"],
            heading=row["heading"],
            text=row["text"],
            source=row["source"],
            url=row["url"],
            language=row["language"],
            reviewed_by=row["reviewed_by"],
            tags=tuple(json.loads(row["tags"])),
        )

    _SELECT = (
        "SELECT s.chunk_id, s.doc_id, s.heading, s.text, s.ordinal, d.version, d.title, "
        "d.source, d.url, d.language, d.reviewed_by, d.tags FROM sections s "
        "JOIN docs d ON d.doc_id = s.doc_id"
    )

    def sections(self, chunk_ids: Sequence[str]) -> dict[str, StoredSection]:
        if not chunk_ids:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"{self._SELECT} WHERE s.chunk_id IN ({','.join('?' * len(chunk_ids))})",
                list(chunk_ids),
            ).fetchall()
        return {r["chunk_id"]: self._section(r) for r in rows}

    def sections_tagged(self, tags: Sequence[str]) -> list[StoredSection]:
        """Sections of documents carrying any of ``tags``, in document order."""
        if not tags:
            return []
        # Tags are stored as a JSON list: a LIKE on the quoted tag narrows the scan in SQLite;
        # the exact (case-insensitive) membership test below decides.
        like = " OR ".join("LOWER(d.tags) LIKE ?" for _ in tags)
        with self._lock:
            rows = self._db.execute(
                f"{self._SELECT} WHERE {like} ORDER BY d.doc_id, s.ordinal",
                [f'%{json.dumps(t.lower())}%' for t in tags],
            ).fetchall()
        wanted = {t.lower() for t in tags}
        return [
            self._section(r) for r in rows if wanted & {t.lower() for t in json.loads(r["tags"])}
        ]

    def doc_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def version(self) -> str:
        """The knowledge-base version: a digest of every (doc, version) pair. Every answer
        carries it, so it is computed once per change of the knowledge base, not per answer."""
        with self._lock:
            if self._version is None:
                rows = self._db.execute(
                    "SELECT doc_id, version FROM docs ORDER BY doc_id"
                ).fetchall()
                blob = "\n".join(f"{r[0]}@{r[1]}" for r in rows).encode()
                self._version = "kb-" + hashlib.sha256(blob).hexdigest()[:12]
            return self._version
