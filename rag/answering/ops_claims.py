"""Operations over claims: what was billed, paid by the plan and paid by the person, and
who the insurer is.

Sums follow ``shared/contract.md`` ("Insurance"), as ingest stores them per line
(``ingest/fhir_refs.py``): only EOB lines with an allowed amount count, each on its own
service date, so the figures agree with ``healthrag insurance spending``. A Claim and
the EOB that adjudicates it are the same bill; Claims count (billed only) when no EOB
line falls in the window. The question's words decide which figure leads: "how much did
I pay" is the member's share, "what did insurance pay" the plan's payment.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from indexes.facts import FactsStore
from rag.answering.ops_facts import bounded, in_window, load, looked_at, matches_name
from rag.answering.query import Query
from rag.answering.results import Fact, Payer, Result, Spending, cited
from rag.core.text import fold
from rag.core.types import Item

Focus = Literal["member", "plan", "billed", "all"]
_MEMBER = re.compile(r"\b(?:i|did i|have i|me)\s+(?:pay|paid|spend|spent|owe)|out of pocket|"
                     r"\bcopays?\b|co-pays?|my share|\bowe\b|\b(?:j'ai|ai-je) (?:paye|depense)|"
                     r"reste a charge|de ma poche|ma part|franchise")
_PLAN = re.compile(r"\b(?:insurance|insurer|plan|assurance|mutuelle)\b.{0,20}\b(?:pa(?:y|id)|"
                   r"cover\w*|paye|rembours\w*|pris en charge)|\bcovered\b|rembours")
_BILLED = re.compile(r"\bbill\w*|\bcharg\w*|\bcost\w*|factur\w*|\bcout\w*|\bprix\b")


def focus_of(query: Query) -> Focus:
    text = fold(" ".join([query.question, *(c.phrase for c in query.concepts)]))
    if _MEMBER.search(text):
        return "member"
    if _PLAN.search(text):
        return "plan"
    if _BILLED.search(text):
        return "billed"
    return "all"


def _service_concepts(query: Query) -> list[Any]:
    """Concepts that pick services ("my colonoscopy"), not words about money."""
    return [c for c in query.concepts if c.category not in {"claim", "none", "organization"}]


def _lines(fact: Fact, query: Query) -> list[dict[str, Any]]:
    window = bounded(query.filters.window)
    concepts = _service_concepts(query)
    return [ln for ln in fact.item.detail.get("lines") or []
            if in_window(ln.get("date"), window)
            and (not concepts or any(matches_name(str(ln.get("service") or ""), None, c)
                                     for c in concepts))]


def _add(values: list[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(sum(present), 2) if present else None


def spending(query: Query, facts: FactsStore) -> Result:
    """Billed, allowed, plan-paid and member-share sums per window, with the claims
    whose lines were counted."""
    every = load(facts, "claim")
    seen = looked_at(query, len(every), "claim")
    counted: list[tuple[Fact, list[dict[str, Any]]]] = []
    for fact in every:
        if fact.item.category == "eob":
            lines = _lines(fact, query)
            if lines:
                counted.append((fact, lines))
    window = bounded(query.filters.window)
    focus = focus_of(query)
    if counted:
        lines = [ln for _, ln_list in counted for ln in ln_list]
        currency = next((str(f.item.detail.get("currency")) for f, _ in counted
                         if f.item.detail.get("currency")), "")
        part = Spending(_add([ln.get("submitted") for ln in lines]),
                        _add([ln.get("allowed") for ln in lines]),
                        _add([ln.get("plan") for ln in lines]),
                        _add([ln.get("member") for ln in lines]),
                        currency, tuple(f for f, _ in counted), len(lines), window, focus)
        return Result(query, "found", seen, (part,), cited(part.facts))
    bills = [f for f in every if f.item.category == "claim" and in_window(f.date, window)
             and f.item.detail.get("billed") is not None]
    if not bills or _service_concepts(query):
        return Result(query, "absent", seen)
    currency = next((str(f.item.detail["currency"]) for f in bills
                     if f.item.detail.get("currency")), "")
    part = Spending(_add([f.item.detail.get("billed") for f in bills]), None, None, None,
                    currency, tuple(bills), 0, window, focus)
    return Result(query, "found", seen, (part,), cited(bills))


def _payer_name(item: Item) -> str | None:
    name = item.detail.get("payer") or item.detail.get("insurer")
    return str(name) if name else None


def _coverage_payers(facts: FactsStore) -> list[tuple[str, Fact]]:
    """Coverage resources' payors (read from the resource), newest first."""
    out: list[tuple[str, Fact]] = []
    found = facts.items("coverage")
    records = facts.records_by_chunks(sorted({si.chunk_id for si in found}))
    for si in sorted(found, key=lambda s: s.item.date or "", reverse=True):
        rec = records.get(si.chunk_id)
        payors = (rec.raw or {}).get("payor") if rec is not None else None
        for payor in payors or []:
            if isinstance(payor, dict) and payor.get("display") and rec is not None:
                out.append((str(payor["display"]), Fact(si.item, rec)))
    return out


def payer(query: Query, facts: FactsStore) -> Result:
    """The insurer named on the most recent claim (else on a Coverage), and earlier
    different ones."""
    every = load(facts, "claim")
    named = [(n, f) for f in reversed(every) for n in [_payer_name(f.item)] if n]
    named = named or _coverage_payers(facts)
    seen = looked_at(query, len(every), "claim")
    if not named:
        return Result(query, "absent", seen)
    name, latest = named[0]
    others: dict[str, Fact] = {}
    for other, fact in named[1:]:
        if fold(other) != fold(name):
            others.setdefault(other, fact)
    part = Payer(name, (latest,), tuple(list(others.items())[:2]))
    return Result(query, "found", seen, (part,), cited([latest, *others.values()]))
