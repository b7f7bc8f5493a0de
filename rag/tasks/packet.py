"""The parts of an appointment packet: items that keep the records they come from, sections,
and the context every section builder reads (the vault's facts as of the appointment day).

An item never holds a number or a date that is not in one of its records: builders write
its text from typed facts only, and the packet cites every record an item names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from indexes.facts import FactsStore, StoredRecord
from rag.answering.ops_facts import day, is_active, load
from rag.answering.query import Category
from rag.answering.results import Fact
from rag.tasks.reasons import Focus

_SEMANTIC_TAG = re.compile(r"\s*\((?:disorder|finding|situation|procedure|morphologic "
                           r"abnormality|qualifier value|regime/therapy)\)$", re.I)


def plain_name(name: str) -> str:
    """A SNOMED name without its semantic tag: "Prediabetes (finding)" -> "Prediabetes"."""
    return _SEMANTIC_TAG.sub("", name).strip() or name


def unique(records: list[StoredRecord] | tuple[StoredRecord, ...]) -> tuple[StoredRecord, ...]:
    """Records in order, each once (by chunk id)."""
    seen: dict[str, StoredRecord] = {}
    for rec in records:
        seen.setdefault(rec.chunk_id, rec)
    return tuple(seen.values())


SECTION_CODES = ("problems", "medications", "allergies", "results", "changes",
                 "immunizations", "visits", "wellness")


@dataclass
class PacketItem:
    text: str
    records: tuple[StoredRecord, ...]
    kind: str
    date: str | None = None
    relevant: bool = False  # related to the reason: shown first
    extra: dict[str, Any] = field(default_factory=dict)

    def resource_ids(self) -> list[str]:
        out: list[str] = []
        for rec in self.records:
            rid = rec.resource_id or rec.chunk_id
            if rid not in out:
                out.append(rid)
        return out


@dataclass
class Section:
    code: str
    title: str
    items: list[PacketItem] = field(default_factory=list)


@dataclass
class Question:
    text: str
    records: tuple[StoredRecord, ...]
    kind: str  # out_of_range, new_medication, vaccine_due, trend, missing_exam, new_problem


@dataclass
class Context:
    """What the builders share: the vault's facts up to the appointment day, the focus,
    the language, and whether sensitive items are shown (``hidden`` counts the others)."""

    facts: FactsStore
    as_of: dt.date
    focus: Focus
    language: str
    include_sensitive: bool
    hidden: set[str] = field(default_factory=set)  # chunk ids held back as sensitive
    _loaded: dict[str, list[Fact]] = field(default_factory=dict)
    changes_since: dt.date | None = None  # the visit "what changed" is measured from
    last_visit: dt.date | None = None

    def due(self, iso: str | None) -> bool:
        """Dated on or before the appointment day (undated facts count)."""
        when = day(iso)
        return when is None or when <= self.as_of

    def facts_of(self, category: Category) -> list[Fact]:
        """The category's facts up to the appointment day, oldest first, sensitive ones
        only when the person included them."""
        if category not in self._loaded:
            shown: list[Fact] = []
            for fact in load(self.facts, category):
                if not self.due(fact.date):
                    continue
                if fact.sensitive and not self.include_sensitive:
                    self.hidden.add(fact.chunk_id)
                    continue
                shown.append(fact)
            self._loaded[category] = shown
        return self._loaded[category]

    def active(self, category: Category) -> list[list[Fact]]:
        """Active facts grouped by name, each group newest first (one item cites them
        all: a condition recorded twice is one problem)."""
        groups: dict[str, list[Fact]] = {}
        for fact in sorted(self.facts_of(category), key=lambda f: (f.date or "", f.chunk_id),
                           reverse=True):
            if is_active(fact):
                groups.setdefault(fact.item.name.strip().lower(), []).append(fact)
        return list(groups.values())

    def in_changes(self, iso: str | None) -> bool:
        """After the visit changes are measured from, up to the appointment day."""
        when = day(iso)
        if when is None or when > self.as_of:
            return False
        return self.changes_since is None or when > self.changes_since


def order_sections(sections: dict[str, Section], focus: Focus) -> list[Section]:
    """The focus's sections first, in its order; then the others in the default order."""
    first = [c for c in focus.order() if c in sections]
    return [sections[c] for c in [*first, *(c for c in SECTION_CODES if c not in first)]]
