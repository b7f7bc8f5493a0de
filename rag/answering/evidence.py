"""Gathering evidence for a plan: facts-store lookups first, hybrid retrieval second.

Everything returned is typed and carries the stored record it came from, so the
composer can cite it and quote it exactly. Series points and blood-pressure pairing
live in :mod:`rag.answering.trends` (``Point`` is re-exported here for the composers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexes.base import SearchOptions
from indexes.facts import StoredItem, StoredRecord
from indexes.knowledge import KnowledgeStore, StoredSection
from indexes.vaults import Vault
from rag.answering.planner import Plan, TimeWindow
from rag.answering.trends import (
    BP_DIASTOLIC,
    BP_KEYS,
    BP_SYSTOLIC,
    Point,
    TrendResult,
    series_points,
    trend,
)
from rag.core.settings import Settings
from rag.core.terms import Term
from rag.core.text import fold


@dataclass
class Series:
    term: Term
    points: list[Point]  # oldest first, inside the plan's time window


@dataclass
class Evidence:
    series: list[Series] = field(default_factory=list)
    items: list[tuple[StoredItem, StoredRecord]] = field(default_factory=list)
    records: list[StoredRecord] = field(default_factory=list)
    knowledge: list[StoredSection] = field(default_factory=list)
    explainers: dict[str, list[StoredSection]] = field(default_factory=dict)
    # term key -> the computed trend (trend questions): statistics stated by code
    trends: dict[str, TrendResult] = field(default_factory=dict)


__all__ = ["BP_DIASTOLIC", "BP_KEYS", "BP_SYSTOLIC", "Evidence", "EvidenceGatherer", "Point",
           "Series"]


class EvidenceGatherer:
    def __init__(self, settings: Settings, knowledge: KnowledgeStore | None) -> None:
        self.settings = settings
        self.knowledge = knowledge

    def series(self, vault: Vault, term: Term, window: TimeWindow) -> Series:
        if not vault.exists:
            return Series(term, [])
        bp = term.key in BP_KEYS
        codes = [BP_SYSTOLIC, BP_DIASTOLIC] if bp else list(term.loinc)
        found = vault.facts.measurements(codes=codes)
        if not found and not bp:
            found = vault.facts.measurements(display_like=term.display_en)
        records = vault.facts.records_by_chunks(sorted({f.chunk_id for f in found}))
        return Series(term, series_points(found, records, window, bp))

    def items(
        self, vault: Vault, category: str, name: str | None = None
    ) -> list[tuple[StoredItem, StoredRecord]]:
        if not vault.exists:
            return []
        found = vault.facts.items(category)
        if name:
            needle = fold(name)
            found = [f for f in found if needle in fold(f.item.name)]
        records = vault.facts.records_by_chunks(sorted({f.chunk_id for f in found}))
        return [(f, records[f.chunk_id]) for f in found if f.chunk_id in records]

    def _options(self, limit: int) -> SearchOptions:
        """Hybrid search as configured: the same for records and knowledge."""
        idx = self.settings.index
        return SearchOptions(limit=limit, prefetch_limit=idx.prefetch_limit, rrf_k=idx.rrf_k,
                             weights=(idx.dense_weight, idx.sparse_weight), fusion=idx.fusion)

    def search_records(
        self, vault: Vault, question: str, dense: list[float], limit: int
    ) -> list[StoredRecord]:
        if not vault.exists:
            return []
        hits = vault.index.search(
            dense,
            question,
            self._options(limit),
        )
        records = vault.facts.records_by_chunks([h.chunk_id for h in hits])
        return [records[h.chunk_id] for h in hits if h.chunk_id in records]

    def search_knowledge(
        self, question: str, dense: list[float], limit: int
    ) -> list[StoredSection]:
        if self.knowledge is None:
            return []
        hits = self.knowledge.index.search(
            dense,
            question,
            self._options(limit),
        )
        sections = self.knowledge.sections([h.chunk_id for h in hits])
        return [sections[h.chunk_id] for h in hits if h.chunk_id in sections]

    def explainers(self, term: Term, language: str) -> list[StoredSection]:
        """Sections of the knowledge documents tagged for this lab or vital."""
        if self.knowledge is None:
            return []
        tags = [f"lab:{term.key}", f"vital:{term.key}", *(f"loinc:{c}" for c in term.loinc)]
        sections = self.knowledge.sections_tagged(tags)
        same = [s for s in sections if s.language == language]
        return same or sections

    def gather(
        self,
        vault: Vault,
        plan: Plan,
        dense: list[float] | None,
        terms: tuple[Term, ...] | None = None,
    ) -> Evidence:
        ev = Evidence()
        gen = self.settings.generation
        for term in (terms if terms is not None else plan.terms)[:3]:
            if plan.intent in {"value", "trend"}:
                ev.series.append(self.series(vault, term, plan.window))
            if plan.intent == "trend":
                ev.trends[term.key] = trend(vault, term, plan.window, today=plan.today)
            ev.explainers[term.key] = self.explainers(term, plan.language)
        if plan.category:
            ev.items = self.items(vault, plan.category, plan.item_query)
        if dense is not None:
            if plan.intent in {"records", "check_item"} or (plan.personal and not plan.terms):
                ev.records = self.search_records(vault, plan.question, dense, gen.record_hits)
            ev.knowledge = self.search_knowledge(plan.question, dense, gen.knowledge_hits)
        return ev
