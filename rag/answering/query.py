"""The typed query a question becomes: an operation over a subject, with filters.

Understanding (``understand.py``: the intent model and the concept resolver) turns a
question and the conversation before it into a :class:`Query`; operations
(``operations.py``) run it over the facts store; rendering says the result. Examples::

    count(encounter, year=2019)            "how many times did I see a doctor in 2019"
    exists(condition ~ hypertension)       "do I have high blood pressure?"
    latest(observation ~ egfr)             "how are my kidneys doing"
    who(practitioner, last encounter)      "who did I see last time"
    sum(claim.member_share, year=2021)     "how much did I pay in 2021"
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

Operation = Literal[
    "latest", "history", "trend", "list", "exists", "count", "sum", "who", "when",
    "explain", "compare", "knowledge", "prepare", "insurance", "clarify", "other",
]
OPERATIONS: tuple[Operation, ...] = (
    "latest", "history", "trend", "list", "exists", "count", "sum", "who", "when",
    "explain", "compare", "knowledge", "prepare", "insurance", "clarify", "other",
)
Category = Literal[
    "observation", "condition", "medication", "allergy", "immunization", "procedure",
    "encounter", "practitioner", "organization", "claim", "report", "careplan", "none",
]
CATEGORIES: tuple[Category, ...] = (
    "observation", "condition", "medication", "allergy", "immunization", "procedure",
    "encounter", "practitioner", "organization", "claim", "report", "careplan", "none",
)


@dataclass(frozen=True)
class Concept:
    """Something the question names, resolved against the person's own vault."""

    category: Category
    key: str  # a vocabulary key ("hba1c"), or the folded display name as stored
    display: str  # how the record names it ("Hypertension"), or the lay term when absent
    codes: tuple[str, ...] = ()  # LOINC, SNOMED, RxNorm or CVX codes that match
    names: tuple[str, ...] = ()  # display names found in the vault that match
    phrase: str = ""  # the words of the question that named it
    in_vault: bool = True  # False: a known concept this person has no record of
    sensitive: bool = False
    score: float = 1.0


@dataclass(frozen=True)
class Window:
    """A closed date interval; either end may be open (``None``)."""

    start: dt.date | None = None
    end: dt.date | None = None
    label: str = ""  # "2019", "last_year", "since 2020" ... for rendering

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Filters:
    status: Literal["active", "inactive", "any"] = "any"
    window: Window | None = None
    encounter_type: str | None = None  # "emergency", "inpatient", "ambulatory", "wellness"


@dataclass(frozen=True)
class Reference:
    """A follow-up's link to an earlier turn: "the one before that", "and in 2025"."""

    kind: Literal["previous_item", "same_subject", "same_operation"]
    offset: int = 0  # previous_item: how many steps back from the last one shown


@dataclass(frozen=True)
class Query:
    question: str
    language: str
    operation: Operation
    category: Category = "none"
    concepts: tuple[Concept, ...] = ()
    filters: Filters = field(default_factory=Filters)
    unit: str | None = None  # the unit the person asked for ("lbs", "minutes")
    reference: Reference | None = None
    confidence: float = 1.0  # the intent model's probability for ``operation``
    alternatives: tuple[tuple[Operation, float], ...] = ()  # runner-up operations

    def with_(self, **changes: object) -> Query:
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclass fields by name

    def describe(self) -> str:
        """A compact, content-free form for logs and reports: ``count(encounter, 2019)``."""
        parts: list[str] = [self.category]
        if self.filters.window and self.filters.window.label:
            parts.append(self.filters.window.label)
        if self.filters.status != "any":
            parts.append(self.filters.status)
        return f"{self.operation}({', '.join(parts)})"
