"""Adding curated documents to the knowledge base (embedding included)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexes.knowledge import KnowledgeStore
from ingest.knowledge import parse_markdown, parse_medquad
from rag.core.errors import IngestError, UnsupportedFormat
from rag.core.settings import Settings
from rag.core.types import KnowledgeSection
from rag.embedder import Embedder, embed_cached
from rag.ingestion.pipeline import iter_files

log = logging.getLogger("healthrag.knowledge")

STARTER_DIR = Path(__file__).resolve().parents[1] / "resources" / "knowledge"


@dataclass
class KnowledgeReport:
    documents: int = 0
    unchanged: int = 0
    chunks: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "unchanged": self.unchanged,
            "chunks": self.chunks,
            "errors": self.errors,
        }


class KnowledgeWriter:
    def __init__(self, store: KnowledgeStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def add_sections(
        self, sections: list[KnowledgeSection], source_file: str, report: KnowledgeReport
    ) -> None:
        doc_id = sections[0].doc_id
        if self.store.doc_version(doc_id) == sections[0].version:
            report.unchanged += 1
            return
        texts = [f"{s.title}. {s.heading}. {s.text}" for s in sections]
        vectors, fresh = embed_cached(self.embedder, texts, self.store)
        report.chunks += self.store.replace_doc(
            sections, vectors, fresh, self.embedder.model_id, source_file
        )
        report.documents += 1

    def add_paths(
        self, paths: Iterable[Path], *, medquad_limit: int | None = None
    ) -> KnowledgeReport:
        report = KnowledgeReport()
        chunk = self.settings.ingest.chunk_chars
        for path in iter_files(paths):
            try:
                data = path.read_bytes()
                if path.suffix.lower() in {".md", ".markdown"}:
                    self.add_sections(
                        parse_markdown(data, path.name, chunk_chars=chunk), path.name, report
                    )
                elif path.suffix.lower() == ".jsonl":
                    for sections in parse_medquad(
                        data, path.name, limit=medquad_limit, chunk_chars=chunk
                    ):
                        self.add_sections(sections, path.name, report)
                else:
                    raise UnsupportedFormat(
                        f"{path.name}: knowledge accepts Markdown with front matter (.md) "
                        "or MedQuAD JSONL (.jsonl)"
                    )
            except IngestError as exc:
                report.errors.append({"file": path.name, "code": exc.code, "message": exc.message})
        log.info(
            "knowledge added documents=%d chunks=%d errors=%d",
            report.documents,
            report.chunks,
            len(report.errors),
        )
        return report
