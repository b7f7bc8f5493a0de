"""Follow-ups: a fragment ("and the one before that?", "et en 2025 ?", "what about LDL?",
"in pounds?") read against the conversation's last answered query.

A fragment keeps what the previous query asked and changes what it names: a new window, a
new concept, a new unit, a step back to the item before. With no earlier turn a fragment
has nothing to lean on; it becomes ``clarify`` (ask what the person means), never an answer
about whatever the words happen to match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rag.answering.intent_rules import category_cue
from rag.answering.query import Category, Concept, Filters, Operation, Query, Reference, Window
from rag.core.text import fold_words

__all__ = ["Fragment", "merge", "previous_query", "read_fragment"]

_LEAD = re.compile(
    r"^(?:ok(?:ay)?\s+|so\s+|alors\s+|d'accord\s+)?(?:and|what about|how about|what of|same for|"
    r"same with|same thing for|also|plus|and for|and what about|then|et|et pour|et pour le|"
    r"et pour la|et les|et le|et la|et l'|pareil pour|meme chose pour|quid de|et du|et des|"
    r"et en|and in)\b")
_PREVIOUS = re.compile(
    r"\b(?:the one before(?: that| it| this)?|one before|the previous one|before that|"
    r"the time before|the one prior|prior one|second to last|"
    r"celui d'avant|celle d'avant|ceux d'avant|le precedent|la precedente|l'avant dernier\w*|"
    r"avant ca|avant cela|d'avant)\b")
_YEAR_BEFORE = re.compile(
    r"\b(?:the year before|the previous year|a year earlier|l'annee d'avant|l'annee precedente|"
    r"l'an d'avant)\b")
_ANAPHOR = re.compile(r"\b(?:that|it|this|those|them|ca|cela|ce resultat|celui ci|celle ci)\b")
# Operation words strong enough to change the operation of a follow-up ("and when?").
_OPERATION_CUES: tuple[tuple[Operation, re.Pattern[str]], ...] = (
    ("count", re.compile(r"\b(?:how many|how often|combien de fois|nombre de)\b")),
    ("when", re.compile(r"\b(?:when|quand|what year|what date|quelle annee|quelle date)\b")),
    ("who", re.compile(r"\b(?:who|qui|which doctor|quel medecin)\b")),
    ("trend", re.compile(r"\b(?:trend|over time|evolution)\b")),
    ("explain", re.compile(r"\b(?:what does (?:that|it|this) mean|is (?:that|it|this) "
                           r"(?:normal|ok|good|bad)|ca veut dire quoi|c'est normal|explain)\b")),
)
@dataclass(frozen=True)
class Fragment:
    """What a question says as a follow-up: None/empty where it says nothing."""

    is_fragment: bool
    previous: bool = False  # "the one before that"
    year_before: bool = False
    anaphor: bool = False  # "what does that mean": points at the last subject
    operation: Operation | None = None
    category: Category | None = None
    words: int = 0
    lead_only: bool = False  # only a leading "and"/"et" marks it as a follow-up
    bare_concept: bool = False  # "LDL?": a follow-up after a turn, a question on its own

    def complete(self, has_concepts: bool) -> bool:
        """A whole question behind a leading "and" ("and what was my last A1c?"): its own
        words say what to do."""
        return self.lead_only and has_concepts and self.words >= 5


def read_fragment(question: str, *, has_window: bool, has_unit: bool,
                  has_concepts: bool) -> Fragment:
    """Whether ``question`` leans on an earlier turn, and how."""
    text = fold_words(question).strip(" ?!.")
    words = re.findall(r"[a-z0-9']+", text)
    previous = bool(_PREVIOUS.search(text))
    year_before = bool(_YEAR_BEFORE.search(text))
    lead = bool(_LEAD.search(text)) and len(words) <= 8
    bare = len(words) <= 4 and (has_window or has_unit) and not has_concepts
    anaphor = not has_concepts and len(words) <= 5 and bool(_ANAPHOR.search(text))
    operation = next((op for op, p in _OPERATION_CUES if p.search(text)), None)
    category = category_cue(text)
    lead_only = lead and not (previous or year_before or bare or anaphor)
    bare_concept = has_concepts and len(words) <= 2 and not (previous or lead)
    return Fragment(previous or year_before or lead or bare or anaphor or bare_concept,
                    previous, year_before, anaphor, operation, category, len(words), lead_only,
                    bare_concept)


def previous_query(history: Sequence[tuple[str, Query]]) -> Query | None:
    """The last query that asked something (a clarifying turn or small talk is skipped)."""
    for _, query in reversed(history):
        if query.operation not in {"clarify", "other"}:
            return query
    return None


def _year_before(window: Window | None) -> Window | None:
    if window is None or window.start is None or window.end is None:
        return window
    try:
        start = window.start.replace(year=window.start.year - 1)
        end = window.end.replace(year=window.end.year - 1)
    except ValueError:  # 29 February
        start = window.start.replace(year=window.start.year - 1, day=28)
        end = window.end.replace(year=window.end.year - 1, day=28)
    label = str(start.year) if window.label == str(window.start.year) else window.label
    return Window(start, end, label)


def _subject(fresh: Query, prev: Query, fragment: Fragment) -> tuple[Category,
                                                                     tuple[Concept, ...]]:
    if fresh.concepts:
        cats = {c.category for c in fresh.concepts}
        return (cats.pop() if len(cats) == 1 else fresh.category), fresh.concepts
    if fragment.category is not None and fragment.category != prev.category:
        return fragment.category, ()
    return prev.category, prev.concepts


def merge(fresh: Query, prev: Query, fragment: Fragment, *, confident: bool = False) -> Query:
    """The follow-up as a full query: the previous one with what the fragment changes.
    ``confident``: the intent model is sure of the fragment's own operation."""
    category, concepts = _subject(fresh, prev, fragment)
    window = fresh.filters.window
    if window is None:
        window = _year_before(prev.filters.window) if fragment.year_before else (
            prev.filters.window)
    filters = Filters(
        status=fresh.filters.status if fresh.filters.status != "any" else prev.filters.status,
        window=window,
        encounter_type=fresh.filters.encounter_type or prev.filters.encounter_type,
    )
    same_subject = concepts == prev.concepts and category == prev.category
    unit = fresh.unit or (prev.unit if same_subject else None)
    if fragment.previous:
        step = prev.reference.offset if prev.reference and prev.reference.kind == (
            "previous_item") else 0
        reference = Reference("previous_item", step + 1)
    elif same_subject:
        reference = Reference("same_subject")
    else:
        reference = Reference("same_operation")
    if fragment.previous:
        operation = prev.operation
    elif fragment.operation is not None:
        operation = fragment.operation
    elif confident and fragment.complete(bool(fresh.concepts)):
        operation = fresh.operation
    else:
        operation = prev.operation
    return replace(fresh, operation=operation, category=category, concepts=concepts,
                   filters=filters, unit=unit, reference=reference)
