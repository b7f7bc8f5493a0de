"""Operations over encounters: how many visits, the last visit, and the care team.

Encounters carry the practitioners and organisation they point at (``ingest/fhir_refs``).
A visit count is a number, not a list, so every encounter counts (sensitive ones too) and
each is cited; the answer names none of them. The encounter type comes from the query's
filter, or from a concept that names one ("the ER", "check-ups"); words that only mean
"a visit" ("see a doctor", "appointments") do not narrow anything.
"""

from __future__ import annotations

from collections import Counter

from indexes.facts import FactsStore
from rag.answering.ops_facts import bounded, in_window, load, looked_at, matches, step_back
from rag.answering.query import Concept, Query
from rag.answering.results import (
    CareTeam,
    Clinician,
    Count,
    Fact,
    Result,
    Status,
    Visit,
    cited,
)
from rag.core.text import fold

# encounter type -> (class codes, folded name stems); the query's words for each type.
TYPES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "emergency": (frozenset({"emer"}), ("emergency",)),
    "inpatient": (frozenset({"imp", "acute", "nonac", "inpatient"}),
                  ("inpatient", "hospital stay", "admission")),
    "ambulatory": (frozenset({"amb"}), ("outpatient", "office visit", "ambulatory")),
    "wellness": (frozenset(), ("check up", "check-up", "checkup", "wellness", "well child",
                               "annual", "physical exam", "general exam", "bilan de sante")),
    "urgent care": (frozenset({"urgentcare", "ucc"}), ("urgent care",)),
    "virtual": (frozenset({"vr"}), ("telehealth", "telemedicine", "virtual", "video",
                                    "teleconsultation")),
    "home": (frozenset({"hh"}), ("home visit", "home health")),
}
TYPE_WORDS: dict[str, str] = {
    "er": "emergency", "ed": "emergency", "a&e": "emergency", "emergency": "emergency",
    "emergency room": "emergency", "urgences": "emergency", "urgence": "emergency",
    "hospital": "inpatient", "hospitalised": "inpatient", "hospitalized": "inpatient",
    "in hospital": "inpatient", "inpatient": "inpatient", "hospitalisation": "inpatient",
    "hopital": "inpatient", "checkup": "wellness", "check-up": "wellness",
    "check up": "wellness", "checkups": "wellness", "check-ups": "wellness",
    "physical": "wellness", "annual exam": "wellness", "wellness": "wellness",
    "bilan": "wellness", "urgent care": "urgent care", "urgent_care": "urgent care",
    "telehealth": "virtual", "video visit": "virtual", "teleconsultation": "virtual",
    "outpatient": "ambulatory", "office visit": "ambulatory", "office visits": "ambulatory",
}
GENERIC = frozenset({
    "a", "an", "the", "my", "me", "i", "to", "at", "of", "for", "see", "saw", "seen", "go",
    "went", "been", "times", "time", "visit", "visits", "doctor", "doctors", "doc", "docs", "gp",
    "physician", "physicians", "appointment", "appointments", "appt", "appts", "encounter",
    "encounters", "consultation", "consultations", "office", "clinic", "care", "team",
    "provider", "providers", "nurse", "healthcare", "medical", "un", "une", "le", "la", "les",
    "mon", "ma", "mes", "voir", "vu", "chez", "rendez", "vous", "rendez-vous", "rdv", "medecin",
    "medecins", "generaliste", "visite", "visites", "consulte",
})
NOT_A_VISIT = {"planned", "cancelled", "entered-in-error"}


def type_of(query: Query) -> str | None:
    """The encounter type asked for: the filter, else a concept that names a type."""
    if query.filters.encounter_type:
        word = fold(query.filters.encounter_type).strip()
        return TYPE_WORDS.get(word, word)
    for concept in query.concepts:
        for word in (concept.phrase, concept.key, concept.display):
            kind = TYPE_WORDS.get(fold(word or "").strip())
            if kind:
                return kind
    return None


def of_type(fact: Fact, kind: str) -> bool:
    classes, stems = TYPES.get(kind, (frozenset(), (kind,)))
    cls = fold(str(fact.item.detail.get("class") or ""))
    name = fold(" ".join([fact.item.name, str(fact.item.detail.get("type") or "")]))
    return cls in classes or any(s in name for s in stems)


def _narrows(concept: Concept) -> bool:
    """A concept that picks some encounters: not a type word, not a word for any visit."""
    words = set(fold(concept.phrase or concept.display or concept.key).replace("'", " ").split())
    if not words or words <= GENERIC:
        return False
    return concept.category in {"encounter", "condition"} and not any(
        TYPE_WORDS.get(fold(w or "").strip()) for w in (concept.phrase, concept.key))


def _reason_match(fact: Fact, concept: Concept) -> bool:
    reasons = " ".join(str(r) for r in fact.item.detail.get("reasons") or [])
    return matches(fact, concept) or (bool(reasons) and any(
        fold(n) in fold(reasons) for n in (*concept.names, concept.display) if len(n) >= 3))


def visits(query: Query, facts: FactsStore) -> tuple[list[Fact], int]:
    """Encounters in the window, of the type asked, for the concepts asked; oldest first."""
    every = [f for f in load(facts, "encounter")
             if (f.item.status or "").lower() not in NOT_A_VISIT]
    window = bounded(query.filters.window)
    chosen = [f for f in every if in_window(f.date, window)]
    kind = type_of(query)
    if kind:
        chosen = [f for f in chosen if of_type(f, kind)]
    for concept in (c for c in query.concepts if _narrows(c)):
        chosen = [f for f in chosen if _reason_match(f, concept)]
    return chosen, len(every)


def visit_of(fact: Fact, follow_up: bool = False) -> Visit:
    d = fact.item.detail
    return Visit(fact, tuple(d.get("practitioners") or ()), d.get("organization"),
                 d.get("location"), d.get("type") or fact.item.name,
                 tuple(d.get("reasons") or ()), follow_up)


def count_visits(query: Query, facts: FactsStore) -> Result:
    chosen, total = visits(query, facts)
    part = Count("encounter", len(chosen), tuple(chosen), bounded(query.filters.window),
                 type_of(query))
    status: Status = "found" if chosen else "absent"
    return Result(query, status, looked_at(query, total, "encounter"), (part,), cited(chosen))


def last_visit(query: Query, facts: FactsStore) -> Result:
    """The latest encounter (or the one before, for a follow-up) with its names."""
    chosen, total = visits(query, facts)
    back = step_back(query)
    seen = looked_at(query, total, "encounter")
    if len(chosen) <= back:
        return Result(query, "absent", seen)
    fact = chosen[-1 - back]
    return Result(query, "found", seen, (visit_of(fact, back > 0),), cited([fact]))


def _members(chosen: list[Fact], by: str) -> list[Clinician]:
    groups: dict[str, list[Fact]] = {}
    for fact in chosen:
        d = fact.item.detail
        names = (d.get("practitioners") or []) if by == "practitioner" else [d.get("organization")]
        for name in names:
            if name:
                groups.setdefault(str(name), []).append(fact)
    members: list[Clinician] = []
    for name, group in groups.items():
        newest = sorted(group, key=lambda f: (f.date or "", f.chunk_id), reverse=True)
        orgs = Counter(str(f.item.detail.get("organization")) for f in newest
                       if f.item.detail.get("organization"))
        org = max(orgs, key=lambda o: orgs[o]) if orgs and by == "practitioner" else None
        members.append(Clinician(name, len(group), newest[0].date, org, tuple(newest)))
    members.sort(key=lambda m: (m.visits, m.last or "", m.name), reverse=True)
    return members


def care_team(query: Query, facts: FactsStore, by: str = "practitioner") -> Result:
    """Who the person sees: practitioners (or organisations) ranked by the number of
    encounters, then by the most recent one, each with the organisation seen most."""
    chosen, total = visits(query, facts)
    members = _members(chosen, by)
    seen = looked_at(query, total, "encounter")
    if not members:
        return Result(query, "absent", seen)
    cite = cited(*[m.facts[:1] for m in members[:3]])
    return Result(query, "found", seen, (CareTeam(tuple(members)),), cite)
