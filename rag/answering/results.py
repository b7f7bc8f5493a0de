"""What an operation found: typed values, the records to cite, and what was looked at.

:func:`rag.answering.operations.run` returns a :class:`Result`; :mod:`rag.answering.render`
says it. Every value keeps the stored record it came from, so the renderer can cite it
with an exact quote, and a "not found" answer can say what was searched
(:class:`LookedAt`) instead of showing unrelated records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from indexes.facts import StoredRecord
from rag.answering.query import Category, Concept, Query, Window
from rag.answering.trends import Point
from rag.core.types import Item

# found: the answer is in the records; absent: the subject resolved, nothing matches;
# unresolved: the query lacks what the operation needs (ask one clarifying question);
# unsupported: not an operation over the facts store (trend, explain, knowledge ...).
Status = Literal["found", "absent", "unresolved", "unsupported"]


@dataclass(frozen=True)
class Fact:
    """A stored item and the record that holds it: what an answer names and cites."""

    item: Item
    record: StoredRecord
    sensitive: bool = False

    @property
    def date(self) -> str | None:
        return self.item.date

    @property
    def chunk_id(self) -> str:
        return self.record.chunk_id


@dataclass(frozen=True)
class LookedAt:
    """What was searched, for "not found" answers: the category, how many of its records
    the vault holds, the names searched for and the window."""

    category: Category
    records: int
    names: tuple[str, ...] = ()
    window: Window | None = None


@dataclass(frozen=True)
class Values:
    """Measurements of one concept, oldest first. ``shown`` is the one asked for (the
    latest, or an earlier one for "the one before"), ``before`` the one before it."""

    concept: Concept
    points: tuple[Point, ...]
    shown: Point | None
    before: Point | None
    history: bool = False  # all values were asked for
    follow_up: bool = False  # ``shown`` answers "the one before", not "the latest"
    unit: str | None = None  # the unit asked for, when it differs from the recorded one


@dataclass(frozen=True)
class Items:
    """Items of a category, newest first; ``single``: one item was asked for."""

    category: Category
    facts: tuple[Fact, ...]
    single: bool = False
    hidden: int = 0  # sensitive items left out of a generic list
    follow_up: bool = False


Verdict = Literal["yes", "past", "not_now", "no"]


@dataclass(frozen=True)
class Presence:
    """Whether the record lists a concept; ``inactive`` holds resolved, stopped or
    inactive entries, said as such. ``asked`` is the status the question asked about."""

    concept: Concept
    category: Category
    active: tuple[Fact, ...]
    inactive: tuple[Fact, ...]
    asked: Literal["active", "inactive", "any"] = "any"

    @property
    def verdict(self) -> Verdict:
        """yes: listed and current (or an event that happened); past: only inactive, and
        the question asks about the past; not_now: only inactive; no: not listed."""
        if self.active:
            return "yes"
        if self.inactive:
            return "past" if self.asked == "inactive" else "not_now"
        return "no"


@dataclass(frozen=True)
class Count:
    category: Category
    n: int
    facts: tuple[Fact, ...]  # what was counted, oldest first
    window: Window | None = None
    encounter_type: str | None = None
    hidden: int = 0  # sensitive items left out of a generic count


@dataclass(frozen=True)
class Visit:
    """One encounter with the names it points at."""

    fact: Fact
    practitioners: tuple[str, ...]
    organization: str | None
    location: str | None
    kind: str | None  # the encounter type as written
    reasons: tuple[str, ...]
    follow_up: bool = False


@dataclass(frozen=True)
class Clinician:
    name: str
    visits: int
    last: str | None  # ISO date of the latest encounter with them
    organization: str | None
    facts: tuple[Fact, ...]  # their encounters, newest first


@dataclass(frozen=True)
class CareTeam:
    members: tuple[Clinician, ...]  # most encounters first, then the most recent


@dataclass(frozen=True)
class Spending:
    """Sums over claim lines (contract.md "Insurance"); None where no line states it."""

    billed: float | None
    allowed: float | None
    plan_paid: float | None
    member_share: float | None
    currency: str
    facts: tuple[Fact, ...]  # the claims or EOBs whose lines were counted, oldest first
    lines: int
    window: Window | None = None
    focus: Literal["member", "plan", "billed", "all"] = "all"


@dataclass(frozen=True)
class Payer:
    name: str
    facts: tuple[Fact, ...]  # the latest record naming it first
    others: tuple[tuple[str, Fact], ...] = ()  # earlier payers, the latest record of each


Payload = Values | Items | Presence | Count | Visit | CareTeam | Spending | Payer


@dataclass(frozen=True)
class Result:
    """An operation's outcome. ``parts`` holds one payload per concept answered (two
    when two concepts fit: "sugar test" -> A1c and glucose); ``cite`` the chunk ids an
    answer cites, in order."""

    query: Query
    status: Status
    looked_at: LookedAt
    parts: tuple[Payload, ...] = ()
    cite: tuple[str, ...] = ()

    @property
    def payload(self) -> Payload | None:
        return self.parts[0] if self.parts else None


def cited(*groups: tuple[Fact, ...] | list[Fact]) -> tuple[str, ...]:
    """Chunk ids of ``groups`` in order, each once."""
    out: list[str] = []
    for group in groups:
        for fact in group:
            if fact.chunk_id not in out:
                out.append(fact.chunk_id)
    return tuple(out)
