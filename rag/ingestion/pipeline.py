"""Ingest orchestration: detect, parse, quarantine-check, embed, write atomically.

A file is parsed completely before anything is written, so a rejected file leaves
the vault byte-for-byte unchanged. Writing happens in one SQLite transaction with
the vector upsert inside it; if the upsert fails the transaction rolls back and
the points written so far are removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from guardrails.quarantine import injection_flags
from indexes.base import IndexPoint
from indexes.facts import FactsStore, select_in
from indexes.vaults import Vault
from ingest.apple_health import is_apple_health
from ingest.base import Source, source_from_bytes
from ingest.detect import parse_source
from rag.core.errors import IngestError, TooLarge
from rag.core.settings import Settings
from rag.core.types import ParseIssue, ParseResult, Record, stable_id
from rag.embedder import Embedder, embed_cached

log = logging.getLogger("healthrag.ingest")

Progress = Callable[[str, int, int], None]  # (phase, done, total): parse bytes, embed chunks


@dataclass
class FileReport:
    source_file: str
    status: str  # ingested | unchanged | rejected
    file_hash: str | None = None
    kind: str | None = None
    resources: int = 0
    records: int = 0
    chunks: int = 0
    embedded: int = 0
    skipped: int = 0
    issues: list[ParseIssue] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    error_status: int = 422  # the HTTP status of the error's class, for the API


@dataclass
class IngestSummary:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.status != "rejected" and not f.issues for f in self.files)

    def as_json(self) -> dict[str, object]:
        errors: list[dict[str, object]] = []
        for f in self.files:
            if f.error:
                errors.append({"file": f.source_file, "code": f.error_code, "message": f.error})
            for i in f.issues:
                errors.append(
                    {
                        "file": i.source_file,
                        "code": "invalid_resource",
                        "message": i.reason,
                        "resource_type": i.resource_type,
                        "resource_id": i.resource_id,
                    }
                )
        return {
            "documents": sum(1 for f in self.files if f.status != "rejected"),
            "records": sum(f.records for f in self.files),
            "chunks": sum(f.chunks for f in self.files),
            "resources": sum(f.resources for f in self.files),
            "skipped": sum(f.skipped for f in self.files),
            "unchanged": sum(1 for f in self.files if f.status == "unchanged"),
            "kinds": sorted({f.kind for f in self.files if f.kind}),
            "errors": errors,
        }


# Beside export.xml, an unzipped Apple Health export holds a CDA copy of the same data and
# files that are not health records; reading a folder skips them as the zip path does.
_APPLE_SIDE_FILES = {"export_cda.xml"}
_APPLE_SIDE_DIRS = {"workout-routes", "electrocardiograms"}


def _apple_roots(files: list[Path]) -> set[Path]:
    roots = set()
    for f in files:
        if f.name == "export.xml":
            with f.open("rb") as fh:
                if is_apple_health(fh.read(65536)):
                    roots.add(f.parent)
    return roots


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            files = sorted(x for x in p.rglob("*") if x.is_file() and not x.name.startswith("."))
            roots = _apple_roots(files)
            for f in files:
                root = next((r for r in roots if r in f.parents), None)
                if root is not None and (
                    f.name in _APPLE_SIDE_FILES
                    or _APPLE_SIDE_DIRS & set(f.relative_to(root).parts[:-1])
                ):
                    continue
                yield f
        else:
            yield p


def _content_hash(record: Record) -> str:
    blob = json.dumps(
        [record.text, record.title, record.flags, record.raw], sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class Ingestor:
    """Writes parsed sources into one vault."""

    def __init__(self, vault: Vault, embedder: Embedder, settings: Settings,
                 progress: Progress | None = None) -> None:
        self.vault = vault
        self.embedder = embedder
        self.settings = settings
        self.progress = progress

    def chunk_id(self, key: str) -> str:
        return stable_id(self.vault.vault_id, key, prefix="r_")

    def ingest_paths(self, paths: Iterable[Path]) -> IngestSummary:
        summary = IngestSummary()
        for path in iter_files(paths):
            name = path.name
            try:
                source = Source.from_path(path, name, progress=self.parse_progress)
            except OSError as exc:
                summary.files.append(
                    FileReport(
                        name,
                        "rejected",
                        error=f"{name}: cannot read ({exc.strerror})",
                        error_code="unreadable",
                    )
                )
                continue
            summary.files.append(self.ingest_source(source))
        return summary

    def ingest_bytes(self, data: bytes, name: str) -> FileReport:
        """Ingest one file held in memory (small uploads, tests)."""
        if len(data) > self.settings.ingest.max_file_bytes:
            cap = self.settings.ingest.max_file_bytes
            return FileReport(name, "rejected", error_code=TooLarge.code,
                              error_status=TooLarge.status,
                              error=f"{name}: {len(data)} bytes is over the {cap}-byte cap")
        source = source_from_bytes(data, name, self.vault.workspace())
        source.progress = self.parse_progress
        try:
            return self.ingest_source(source)
        finally:
            source.path.unlink(missing_ok=True)

    def ingest_source(self, source: Source) -> FileReport:
        """Ingest one file; never raises for bad content, reports it instead."""
        try:
            return self._ingest(source)
        except IngestError as exc:
            log.info("rejected file vault=%s code=%s", self.vault.vault_id[:8], exc.code)
            return FileReport(source.name, "rejected", error=exc.message, error_code=exc.code,
                              error_status=exc.status)

    def parse_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress("parse", done, total)

    def embed_progress(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress("embed", done, total)

    def _ingest(self, source: Source) -> FileReport:
        cap = self.settings.ingest.max_upload_bytes
        if source.size > cap:
            raise TooLarge(f"{source.name}: {source.size} bytes is over the {cap}-byte cap")
        if self.vault.exists and self.vault.facts.has_source(source.file_hash):
            return FileReport(source.name, "unchanged", file_hash=source.file_hash)
        kind, parsed = parse_source(source, self.settings.ingest, self.vault.workspace())
        self.parse_progress(source.size, source.size)
        return self.ingest_parsed(parsed, name=source.name, file_hash=source.file_hash,
                                  kind=kind, original=source.path)

    def ingest_parsed(
        self, parsed: ParseResult, *, name: str, file_hash: str, kind: str,
        original: Path | None = None,
    ) -> FileReport:
        """Quarantine-check, embed and write what a parser returned, atomically."""
        records = self._quarantine_all(parsed.records)
        report = FileReport(
            name, "ingested", kind=kind, skipped=parsed.skipped, issues=parsed.issues,
            file_hash=file_hash,
        )
        report.resources = (
            len({r.key.split("#")[0] for r in records}) + parsed.skipped + len(parsed.issues)
        )
        report.records = len(records)
        # Parsing ran without the vault lock (it can take minutes); writing takes it.
        with self.vault.lock:
            self._write(records, file_hash, name, kind, original, report)
        log.info(
            "ingested file vault=%s kind=%s records=%d embedded=%d issues=%d",
            self.vault.vault_id[:8],
            kind,
            report.records,
            report.embedded,
            len(report.issues),
        )
        return report

    @classmethod
    def _quarantine_all(cls, records: list[Record]) -> list[Record]:
        """Flag each chunk that carries instructions, then every chunk of the same resource:
        a long document split in parts is quarantined as a whole."""
        flagged = [cls._quarantine(r) for r in records]
        tainted = {r.key.split("#")[0] for r in flagged if "prompt_injection" in r.flags}
        return [
            dataclasses.replace(r, flags=tuple(sorted({*r.flags, "prompt_injection"})))
            if r.key.split("#")[0] in tainted and "prompt_injection" not in r.flags else r
            for r in flagged
        ]

    @staticmethod
    def _quarantine(record: Record) -> Record:
        flags = injection_flags(record.text)
        if not flags:
            return record
        return dataclasses.replace(record, flags=tuple(sorted({*record.flags, *flags})))

    def _write(
        self,
        records: list[Record],
        file_hash: str,
        name: str,
        kind: str,
        original: Path | None,
        report: FileReport,
    ) -> None:
        facts = self.vault.facts
        hashes = {r.key: _content_hash(r) for r in records}
        existing = facts.content_hashes(list(hashes))
        changed = [r for r in records if existing.get(r.key, ("",))[0] != hashes[r.key]]
        vectors, fresh = embed_cached(self.embedder, [r.text for r in changed], facts,
                                      self.embed_progress)
        report.embedded = len(fresh)
        report.chunks = len(records)
        keys = set(hashes)
        index = self.vault.index
        written: list[str] = []
        try:
            with facts.transaction() as db:
                # A new version of a file (same name, new content) replaces the old one.
                replaced = [
                    row[0]
                    for row in db.execute(
                        "SELECT file_hash FROM sources WHERE source_file = ? AND file_hash != ?",
                        (name, file_hash),
                    )
                ]
                stale = [
                    (row[0], row[1])
                    for row in select_in(
                        db, "SELECT key, chunk_id FROM records WHERE file_hash IN ({marks})",
                        replaced,
                    )
                    if row[0] not in keys
                ]
                for key, _ in stale:
                    db.execute("DELETE FROM records WHERE key = ?", (key,))
                for old in replaced:
                    db.execute("DELETE FROM sources WHERE file_hash = ?", (old,))
                for r in changed:
                    FactsStore.write_record(db, r, self.chunk_id(r.key), hashes[r.key])
                FactsStore.put_vectors(db, self.embedder.model_id, fresh)
                FactsStore.log_source(db, file_hash, name, kind, len(records))
                points = [
                    IndexPoint(
                        chunk_id=self.chunk_id(r.key),
                        dense=vec,
                        text=f"{r.title}. {r.text}",
                        payload={
                            "kind": "record",
                            "rtype": r.provenance.resource_type or "",
                            "source": r.provenance.source_type,
                        },
                    )
                    for r, vec in zip(changed, vectors, strict=True)
                ]
                written = [p.chunk_id for p in points]
                index.delete([cid for _, cid in stale])
                for i in range(0, len(points), 256):
                    index.upsert(points[i : i + 256])
        except BaseException:
            index.delete(written)
            raise
        index.flush()
        if original is not None:
            self.vault.keep_upload(file_hash, name, original)
