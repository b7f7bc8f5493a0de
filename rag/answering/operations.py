"""Operations: a typed :class:`~rag.answering.query.Query` run over the person's facts store.

``run(query, facts)`` picks the operation for the query's operation and category and
returns a :class:`~rag.answering.results.Result`: typed values, the chunk ids to cite,
and what was looked at. Nothing here searches text or ranks chunks; what is not in the
facts is "absent", a query that lacks its subject is "unresolved" (the renderer asks one
clarifying question), and operations that are not record look-ups (trends, explanations,
knowledge) are "unsupported" here.

    latest / when   observation: the latest value and the one before; encounter or
                    practitioner: the last visit with its practitioner and organisation;
                    other items: the one latest item (never a sensitive one unless named)
    history         every value or item, date-ordered, no default window
    list            current conditions and medications, all allergies (inactive said so),
                    vaccines and procedures; practitioners: the care team
    exists          yes/no per concept with the evidence, inactive entries kept apart
    count           encounters by window and type, or items of a category
    who             the care team ("who is my doctor"), the last visit's practitioner
                    ("who did I see last"), or the insurer
    sum             billed, plan-paid and member-share sums over claim lines per window
"""

from __future__ import annotations

import re
from collections.abc import Callable

from indexes.facts import FactsStore
from rag.answering import ops_claims, ops_items, ops_values, ops_visits
from rag.answering.ops_facts import looked_at
from rag.answering.query import Category, Query
from rag.answering.results import Result, Status
from rag.core.text import fold

Handler = Callable[[Query, FactsStore], Result]
ITEM_CATEGORIES = {"condition", "medication", "allergy", "immunization", "procedure",
                   "report", "careplan"}
_INSURER = re.compile(r"\b(?:insur\w*|payer|payor|health plan|assur\w*|mutuelle|"
                      r"caisse|secu(?:rite sociale)?)\b")
_LAST = re.compile(r"\b(?:last|latest|most recent|recently|derniere?|recemment)\b")
_COMPARE = re.compile(r"\b(?:cheaper|cheapest|cost me less|compare|comparer|moins cher|"
                      r"plans|options|switch|changer)\b")
LAST_VISIT = {"last_visit", "last visit", "derniere visite"}


def category_of(query: Query) -> Category:
    """The query's category, else that of its first concept."""
    if query.category != "none":
        return query.category
    return next((c.category for c in query.concepts if c.category != "none"), "none")


def _asks_insurer(query: Query) -> bool:
    words = [query.question, *(c.phrase or c.key for c in query.concepts)]
    return bool(_INSURER.search(fold(" ".join(words))))


def _asks_last(query: Query) -> bool:
    window = query.filters.window
    return (query.reference is not None or (window is not None and window.label in LAST_VISIT)
            or bool(_LAST.search(fold(query.question))))


def _who(query: Query, facts: FactsStore) -> Result:
    category = category_of(query)
    if category == "claim" or _asks_insurer(query):
        return ops_claims.payer(query, facts)
    if category == "organization":
        return ops_visits.care_team(query, facts, by="organization")
    if _asks_last(query):
        return ops_visits.last_visit(query, facts)
    return ops_visits.care_team(query, facts)


ItemOp = Callable[[Query, FactsStore, Category], Result]
ITEM_OPS: dict[str, ItemOp] = {
    "latest": ops_items.latest_item, "when": ops_items.latest_item,
    "list": ops_items.list_items, "history": ops_items.history_items,
    "exists": ops_items.exists, "count": ops_items.count_items,
}


def _on(op: ItemOp, category: Category) -> Handler:
    """``op`` bound to one item category."""
    return lambda query, facts: op(query, facts, category)


def _visits(op: str, category: Category) -> Handler | None:
    if op in {"latest", "when"}:
        return ops_visits.last_visit
    if category == "encounter" and op in {"count", "exists"}:
        return ops_visits.count_visits
    if category == "encounter" and op == "history":
        return _on(ops_items.history_items, "encounter")
    if category == "practitioner" and op == "list":
        return ops_visits.care_team
    return None


def _route(query: Query) -> Handler | None:
    op, category = query.operation, category_of(query)
    if op == "who":
        return _who
    if op == "sum":
        return ops_claims.spending
    if category == "observation" and op in {"latest", "when", "history", "exists"}:
        return ops_values.values
    if category in {"encounter", "practitioner"}:
        return _visits(op, category)
    if category == "organization" and op in {"latest", "when"} and _asks_last(query):
        return ops_visits.last_visit
    if op == "insurance" and _asks_insurer(query) and not _COMPARE.search(fold(query.question)):
        return ops_claims.payer  # "which insurance covers me": the payer, not a comparison
    if category == "organization" and op in {"list", "latest"}:
        return lambda q, f: ops_visits.care_team(q, f, by="organization")
    if category == "claim" and op in {"latest", "when"}:
        return ops_claims.payer if _asks_insurer(query) else _on(ops_items.latest_item, "claim")
    if category in ITEM_CATEGORIES and op in ITEM_OPS:
        return _on(ITEM_OPS[op], category)
    return None


def run(query: Query, facts: FactsStore) -> Result:
    """Run ``query`` over ``facts`` (one person's vault)."""
    handler = _route(query)
    if handler is None:
        status: Status = "unresolved" if query.operation in {"clarify", "other"} else "unsupported"
        return Result(query, status, looked_at(query, 0))
    return handler(query, facts)
