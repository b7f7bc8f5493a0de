"""Operations over list items: the latest one, a list, the history, exists, a count.

Items are conditions, medications, allergies, immunizations, procedures, reports and
care plans. A generic question never shows a sensitive item (``sensitive.py``) unless
it names it; "the latest procedure" is then the latest one that is not sensitive.
Existence keeps inactive entries apart so an answer can say "marked inactive" rather
than a bare yes or no.
"""

from __future__ import annotations

from indexes.facts import FactsStore
from rag.answering.ops_facts import (
    bounded,
    in_window,
    is_active,
    load,
    looked_at,
    matches,
    step_back,
    visible,
)
from rag.answering.query import Category, Concept, Query
from rag.answering.results import Count, Fact, Items, Presence, Result, cited
from rag.core.text import fold

CURRENT_ONLY = {"condition", "medication"}  # lists show what is current, unless asked
ONE_PER_NAME = {"condition", "medication", "allergy", "immunization"}


def _concepts(query: Query, category: Category) -> list[Concept]:
    return [c for c in query.concepts if c.category in {category, "none"}]


def scoped(query: Query, facts: FactsStore, category: Category) -> tuple[list[Fact], int]:
    """Items of ``category`` in the query's window that match its concepts (all of them
    without concepts), oldest first; and how many the category holds in all."""
    every = load(facts, category)
    window = bounded(query.filters.window)
    chosen = [f for f in every if in_window(f.date, window)]
    concepts = _concepts(query, category)
    if concepts:
        chosen = [f for f in chosen if any(matches(f, c) for c in concepts)]
    return chosen, len(every)


def _newest_first(facts: list[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (f.date or "", f.chunk_id), reverse=True)


def _one_per_name(facts: list[Fact]) -> list[Fact]:
    """The most recent entry of each name (facts come newest first)."""
    seen: dict[str, Fact] = {}
    for f in facts:
        seen.setdefault(fold(f.item.name), f)
    return list(seen.values())


def latest_item(query: Query, facts: FactsStore, category: Category) -> Result:
    """The one latest item (the one before it for a follow-up); sensitive ones only when
    the question names them."""
    chosen, total = scoped(query, facts, category)
    shown, hidden = visible(_newest_first(chosen), query)
    back = step_back(query)
    seen = looked_at(query, total, category)
    if len(shown) <= back:
        part = Items(category, (), single=True, hidden=hidden, follow_up=back > 0)
        return Result(query, "absent", seen, (part,))
    pick = (shown[back],)
    part = Items(category, pick, single=True, hidden=hidden, follow_up=back > 0)
    return Result(query, "found", seen, (part,), cited(pick))


def list_items(query: Query, facts: FactsStore, category: Category) -> Result:
    """A list: current entries for conditions and medications (unless the status asked
    says otherwise), every allergy with its status, one line per name, newest first."""
    chosen, total = scoped(query, facts, category)
    status = query.filters.status
    if status == "active" or (status == "any" and category in CURRENT_ONLY):
        chosen = [f for f in chosen if is_active(f)]
    elif status == "inactive":
        chosen = [f for f in chosen if not is_active(f)]
    ordered = _newest_first(chosen)
    if category in ONE_PER_NAME:
        ordered = _one_per_name(ordered)
    shown, hidden = visible(ordered, query)
    seen = looked_at(query, total, category)
    part = Items(category, tuple(shown), hidden=hidden)
    return Result(query, "found" if shown else "absent", seen, (part,), cited(shown))


def history_items(query: Query, facts: FactsStore, category: Category) -> Result:
    """Every entry, newest first, in the window if one is given (no default window)."""
    chosen, total = scoped(query, facts, category)
    shown, hidden = visible(_newest_first(chosen), query)
    seen = looked_at(query, total, category)
    part = Items(category, tuple(shown), hidden=hidden)
    return Result(query, "found" if shown else "absent", seen, (part,), cited(shown))


def exists(query: Query, facts: FactsStore, category: Category) -> Result:
    """Yes or no per concept, with the evidence: current entries first, then inactive
    ones (resolved conditions, stopped medications, inactive allergies)."""
    every = load(facts, category)
    window = bounded(query.filters.window)
    # "vacciné contre le zona": the thing named may be filed under another category (the
    # illness, not the vaccine); it is still what the yes/no is about.
    concepts = _concepts(query, category) or list(query.concepts)
    seen = looked_at(query, len(every), category)
    if not concepts:
        return Result(query, "unresolved", seen)
    parts: list[Presence] = []
    for concept in concepts[:3]:
        hits = _newest_first([f for f in every
                              if matches(f, concept) and in_window(f.date, window)])
        parts.append(Presence(concept, category,
                              tuple(f for f in hits if is_active(f)),
                              tuple(f for f in hits if not is_active(f)),
                              query.filters.status))
    found = [p for p in parts if p.active or p.inactive]
    cite = cited(*[(*p.active[:3], *p.inactive[:2]) for p in found])
    return Result(query, "found" if found else "absent", seen, tuple(parts), cite)


def count_items(query: Query, facts: FactsStore, category: Category) -> Result:
    """How many entries of a category (in the window, matching the concepts), citing
    each; sensitive ones count only when asked for directly."""
    chosen, total = scoped(query, facts, category)
    shown, hidden = visible(chosen, query)
    seen = looked_at(query, total, category)
    part = Count(category, len(shown), tuple(shown), bounded(query.filters.window),
                 hidden=hidden)
    return Result(query, "found" if shown else "absent", seen, (part,), cited(shown))
