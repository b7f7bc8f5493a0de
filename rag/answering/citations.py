"""Numbered citations with stable ids and exact quotes.

A citation id is the chunk id: it is stable across answers and opens with
``GET /v1/citations/{id}`` (scoped to the caller's vault, or the knowledge base).
The quote is always an exact substring of the cited chunk's text; a document record
is quoted for its result rows or its text without boilerplate (copyright, addresses, page
furniture), never for those lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexes.facts import StoredRecord
from indexes.knowledge import StoredSection
from rag.answering.boilerplate import default_quote
from rag.core.types import Citation, CitationSource


@dataclass
class CitationBuilder:
    public_url: str = ""
    citations: list[Citation] = field(default_factory=list)
    _by_key: dict[tuple[str, str], int] = field(default_factory=dict)

    def record(self, rec: StoredRecord, quote: str | None = None) -> int:
        """Cite ``rec``; without ``quote``, its default quote: a document's result rows or
        its text without report boilerplate (``rag.answering.boilerplate``), else the text."""
        quote = quote if quote is not None else default_quote(rec)
        if quote not in rec.text:
            raise ValueError("a quote must be an exact part of its source text")
        key = (rec.chunk_id, quote)
        if key in self._by_key:
            return self._by_key[key]
        for c in self.citations:  # same chunk, wider quote already cited
            if c.id == rec.chunk_id and quote in c.quote:
                return c.marker
        marker = len(self.citations) + 1
        self.citations.append(
            Citation(
                marker=marker,
                id=rec.chunk_id,
                kind="record",
                source=CitationSource(
                    type=rec.source_type,
                    resource_type=rec.resource_type,
                    resource_id=rec.resource_id,
                    version=rec.version,
                    document_id=rec.file_hash[:16],
                    title=rec.title,
                    page=rec.page,
                    source_file=rec.source_file,
                    file_hash=rec.file_hash,
                ),
                quote=quote,
                url=f"{self.public_url}/v1/citations/{rec.chunk_id}",
            )
        )
        self._by_key[key] = marker
        return marker

    def markers(self, *records: StoredRecord) -> str:
        """Cite each record with its default quote: "[1][2]", each marker once, in order."""
        seen: list[int] = []
        for rec in records:
            m = self.record(rec)
            if m not in seen:
                seen.append(m)
        return "".join(f"[{m}]" for m in seen)

    def knowledge(self, sec: StoredSection, quote: str) -> int:
        if quote not in sec.text:
            raise ValueError("a quote must be an exact part of its source text")
        key = (sec.chunk_id, quote)
        if key in self._by_key:
            return self._by_key[key]
        marker = len(self.citations) + 1
        self.citations.append(
            Citation(
                marker=marker,
                id=sec.chunk_id,
                kind="knowledge",
                source=CitationSource(
                    type="knowledge",
                    document_id=sec.doc_id,
                    version=sec.version,
                    title=f"{sec.title} — {sec.heading}" if sec.heading != sec.title else sec.title,
                    url=sec.url,
                ),
                quote=quote,
                url=f"{self.public_url}/v1/citations/{sec.chunk_id}",
            )
        )
        self._by_key[key] = marker
        return marker
