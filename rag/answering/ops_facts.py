"""Shared reads for the operations: facts of a category, concept matching, windows, status.

Operations never search text: they read typed items from the facts store and keep the
record each came from (:class:`~rag.answering.results.Fact`), so every answer can cite
what it used. Matching a concept uses what the concept resolver found in this vault
(codes and display names), then the concept's own name as a fallback.
"""

from __future__ import annotations

import datetime as dt

from indexes.facts import FactsStore
from rag.answering.query import Category, Concept, Query, Window
from rag.answering.results import Fact, LookedAt
from rag.answering.sensitive import is_sensitive
from rag.core.text import fold
from rag.core.types import Item

# Query category -> the item categories the facts store keeps it under.
STORED: dict[str, tuple[str, ...]] = {
    "condition": ("condition",),
    "medication": ("medication",),
    "allergy": ("allergy",),
    "immunization": ("immunization",),
    "procedure": ("procedure",),
    "encounter": ("encounter",),
    "claim": ("eob", "claim"),
    "report": ("report",),
    "careplan": ("careplan",),
}
ACTIVE = {"active", "recurrence", "relapse", "on-hold"}
INACTIVE = {"inactive", "resolved", "remission", "stopped", "completed", "cancelled",
            "ended", "refuted"}
NEVER = {"entered-in-error", "not-done"}  # not facts about the person at all
REFUTED = {"refuted", "entered-in-error"}  # a condition's verification status
# For these categories "completed" means it happened, not that it stopped.
EVENTS = {"immunization", "procedure", "encounter", "claim", "report"}


def load(facts: FactsStore, category: Category) -> list[Fact]:
    """Every item of ``category`` with its record, oldest first, without entries in error."""
    out: list[Fact] = []
    for stored_category in STORED.get(category, ()):
        found = [si for si in facts.items(stored_category)
                 if (si.item.status or "").lower() not in NEVER
                 and str(si.item.detail.get("verification") or "").lower() not in REFUTED]
        records = facts.records_by_chunks(sorted({si.chunk_id for si in found}))
        out.extend(Fact(si.item, records[si.chunk_id], sensitive(si.item))
                   for si in found if si.chunk_id in records)
    out.sort(key=lambda f: (f.date or "", f.chunk_id))
    return out


def sensitive(item: Item) -> bool:
    """The item, or a reason recorded for it ("encounter for problem; reason: ADHD"),
    belongs to a sensitive category."""
    reasons = item.detail.get("reasons") or []
    return is_sensitive(item.name, item.code) or any(
        is_sensitive(str(r)) for r in reasons if isinstance(r, str))


def day(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso[:10]) if iso else None
    except ValueError:
        return None


def in_window(iso: str | None, window: Window | None) -> bool:
    """Inside the window; without a window everything is (no default period)."""
    if window is None or (window.start is None and window.end is None):
        return True
    when = day(iso)
    return when is not None and window.contains(when)


def bounded(window: Window | None) -> Window | None:
    """The window when it has an end, else None (labels like "last_visit" alone)."""
    return window if window and (window.start or window.end) else None


def needles(concept: Concept) -> list[str]:
    """Folded names to look for: what the vault calls it, else the concept's own words."""
    names = [fold(n) for n in concept.names if n]
    names += [fold(x) for x in (concept.key, concept.display, concept.phrase) if x]
    return [n.strip() for n in names if len(n.strip()) >= 3]


def matches_name(name: str, code: str | None, concept: Concept) -> bool:
    if code and code in concept.codes:
        return True
    folded = fold(name)
    return any(n in folded for n in needles(concept))


def matches(fact: Fact, concept: Concept) -> bool:
    return matches_name(fact.item.name, fact.item.code, concept)


def asked_directly(fact: Fact, query: Query) -> bool:
    """The question names this item (or a sensitive concept that covers it)."""
    return any(matches(fact, c) for c in query.concepts)


def visible(facts: list[Fact], query: Query) -> tuple[list[Fact], int]:
    """Facts a generic answer may show: sensitive ones only when asked for directly.
    Returns (shown, how many were held back)."""
    shown = [f for f in facts if not f.sensitive or asked_directly(f, query)]
    return shown, len(facts) - len(shown)


def is_active(fact: Fact) -> bool:
    """Active in the record's own terms; an entry without a status counts as current."""
    status = (fact.item.status or "").lower()
    if fact.item.category in EVENTS:
        return status not in NEVER
    return status in ACTIVE or status not in INACTIVE


def looked_at(query: Query, records: int, category: Category | None = None) -> LookedAt:
    names = tuple(c.display for c in query.concepts if c.display)
    return LookedAt(category or query.category, records, names, query.filters.window)


def step_back(query: Query) -> int:
    """0 for "the latest"; for a "the one before" follow-up, how many steps back from the
    latest (an offset of 0 is read as 1: the one before the latest)."""
    ref = query.reference
    if ref is None or ref.kind != "previous_item":
        return 0
    return max(1, ref.offset)
