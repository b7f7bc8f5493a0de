"""Operations over measurements: the latest value (with the one before) and the full history.

A concept's codes are those the resolver found in the vault, else its vocabulary
term's LOINC codes; blood pressure pairs systolic and diastolic (``trends.py``). Points
are de-duplicated per day the way trends are, so the same result from the EHR and a
lab PDF is one value citing both. History has no default window: all of it, oldest
first. "At my last visit" (window label ``last_visit``) anchors on the latest encounter.
"""

from __future__ import annotations

from indexes.facts import FactsStore, StoredMeasurement
from rag.answering.ops_facts import bounded, in_window, load, looked_at, step_back
from rag.answering.planner import TimeWindow
from rag.answering.query import Concept, Query
from rag.answering.results import Result, Values
from rag.answering.trends import BP_DIASTOLIC, BP_KEYS, BP_SYSTOLIC, Point, dedupe, series_points
from rag.answering.units import convert, wants_other_unit
from rag.core.terms import vocabulary

LAST_VISIT = {"last_visit", "last visit", "derniere visite"}


def _codes(concept: Concept) -> list[str]:
    if concept.key in BP_KEYS:
        return [BP_SYSTOLIC, BP_DIASTOLIC]
    term = vocabulary().terms.get(concept.key)
    return list(dict.fromkeys([*concept.codes, *(term.loinc if term else ())]))


def points(facts: FactsStore, concept: Concept) -> list[Point]:
    """Every dated value of ``concept`` in the vault, de-duplicated, oldest first."""
    found: list[StoredMeasurement] = facts.measurements(codes=_codes(concept))
    if not found:
        for name in concept.names:
            found.extend(facts.measurements(display_like=name))
    records = facts.records_by_chunks(sorted({m.chunk_id for m in found}))
    bp = concept.key in BP_KEYS
    pts = series_points(found, records, TimeWindow(), bp)
    pts = [p for p in pts if p.value is not None or p.text]
    return dedupe(pts)


def _last_visit_day(facts: FactsStore) -> str | None:
    visits = [f.date[:10] for f in load(facts, "encounter") if f.date]
    return visits[-1] if visits else None


def _in_scope(pts: list[Point], query: Query, facts: FactsStore) -> list[Point]:
    window = query.filters.window
    if window is not None and window.label in LAST_VISIT and bounded(window) is None:
        anchor = _last_visit_day(facts)
        if anchor is not None:
            same_day = [p for p in pts if p.day == anchor]
            return same_day or [p for p in pts if (p.day or "") <= anchor]
    return [p for p in pts if in_window(p.date, bounded(window))]


def _asked_unit(query: Query, concept: Concept, sample: Point | None) -> str | None:
    """The unit asked for, when it differs from the recorded one and a factor is known."""
    if sample is None or sample.value is None or sample.value2 is not None:
        return None
    if not wants_other_unit(query.unit, sample.unit):
        return None
    ok = convert(sample.value, sample.unit, query.unit, concept.key) is not None
    return query.unit if ok else None


def value_part(query: Query, facts: FactsStore, concept: Concept) -> Values:
    """The values of one concept for a latest or history query."""
    pts = _in_scope(points(facts, concept), query, facts)
    history = query.operation == "history"
    back = 0 if history else step_back(query)
    shown = pts[-1 - back] if len(pts) > back else None
    index = len(pts) - 1 - back
    before = pts[index - 1] if shown is not None and index >= 1 else None
    return Values(concept, tuple(pts if history else pts[: index + 1]), shown, before,
                  history=history, follow_up=back > 0,
                  unit=_asked_unit(query, concept, shown or (pts[-1] if pts else None)))


def values(query: Query, facts: FactsStore) -> Result:
    """latest / history (observation): one part per concept (at most three)."""
    concepts = [c for c in query.concepts if c.category in {"observation", "none"}][:3]
    if not concepts:
        return Result(query, "unresolved", looked_at(query, 0))
    parts = [value_part(query, facts, c) for c in concepts]
    seen = looked_at(query, len(facts.measurement_codes()))  # kinds of results searched
    found = [p for p in parts if (p.points if p.history else p.shown)]
    if not found:
        return Result(query, "absent", seen, tuple(parts))
    cite: list[str] = []
    for part in found:
        chosen = list(part.points[-12:]) if part.history else [part.shown, part.before]
        for p in chosen:
            if p is not None:
                cite.extend(r.chunk_id for r in p.records if r.chunk_id not in cite)
    return Result(query, "found", seen, tuple(parts), tuple(cite))
