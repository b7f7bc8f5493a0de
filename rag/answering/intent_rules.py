"""The few rules the intent model keeps: they break ties and refuse contradictions, they
never classify on their own.

- **Ties.** When the model's top two operations are within :data:`TIE_MARGIN`, a cue that
  names an operation outright ("how many", "combien de fois", "when", "who") picks it among
  the top three.
- **Contradictions.** An operation that the rest of the question rules out is skipped for
  the next most likely one: a ``sum`` adds money or totals an activity, so it needs a claim,
  a money word or a totalling word ("how much did I weigh" is not a sum); an unsure
  ``count`` needs a counting word ("combien je pèse" is not a count); ``insurance`` needs a
  claim or words about cover or money; ``clarify`` is no answer to a question that names
  something in the vault ("what did the scale say").
- **Category nouns.** When the model has no category for a record question, a noun that
  names one ("meds", "vaccins", "what am I on") gives it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rag.answering.query import OPERATIONS, Category, Operation

__all__ = ["CATEGORY_CUES", "TIE_MARGIN", "break_tie", "category_cue", "consistent",
           "first_consistent"]

TIE_MARGIN = 0.15  # top-1 minus top-2 probability under which a cue may break the tie

_TIE_RULES: tuple[tuple[Operation, re.Pattern[str]], ...] = (
    ("count", re.compile(r"\b(how many|how often|number of|combien de fois|nombre de|"
                         r"cb de fois)\b")),
    ("sum", re.compile(r"\b(how much (did|have|do|does) (i|we|my)\b.*\b(pay|paid|spen[dt]|cost|owe)"
                       r"|in total|total (cost|amount|paid|spent)|au total|combien (j'ai|ai-je) "
                       r"(paye|depense)|depense)")),
    ("when", re.compile(r"(^|\b)(when|quand)\b|\bwhat (year|date|day)\b|\bquelle (annee|date)\b")),
    ("who", re.compile(r"^(who|qui)\b|\bwhich (doctor|nurse|clinic|hospital|provider)\b"
                       r"|\bquel (medecin|docteur|hopital)\b")),
    ("trend", re.compile(r"\b(trend\w*|over time|evolution|evolue\w*|going (up|down)|"
                         r"en (hausse|baisse)|changed)\b")),
    ("compare", re.compile(r"\b(compar\w*|versus|vs|par rapport|better than|worse than)\b")),
    ("exists", re.compile(r"^(have i (ever )?(had|been|got)|do i have|am i (on|allergic)|ai-je|"
                          r"est-ce que j'ai)\b")),
    ("history", re.compile(r"\b(all (of )?my|every|history of|historique|tou(te)?s mes)\b")),
    ("latest", re.compile(r"\b(latest|most recent|newest|dernier|derniere|plus recent)\b")),
    ("explain", re.compile(r"\b(explain\w*|expliqu\w*)\b")),
)
_MONEY = re.compile(r"\b(?:pa(?:y|id)|cost\w*|spen[dt]|bills?|billed|charg\w*|owe\w*|copays?|"
                    r"deductible|premium|price|dollars?|euros?|paye\w*|cout\w*|depens\w*|"
                    r"factur\w*|rembours\w*|franchise|reste a charge|out of pocket|de ma poche)"
                    r"\b|[$€]")
_COUNTING = re.compile(r"\b(?:m[ae]n+[iy]|how often|combien de|combien d'|nombre|number of|"
                       r"tim(?:e)?s|fois|cb de|count\w*|compte\w*|total|tally)\b")
_TOTAL = re.compile(r"\b(?:total\w*|in all|altogether|en tout|au total|cumul\w*|add(?:ed)? up|"
                    r"sum)\b")
_INSURANCE = re.compile(r"\b(?:insur\w*|plans?|cover\w*|assuran\w*|mutuelle|"
                        r"prise en charge|network|reseau)\b")
COUNT_SURE = 0.6  # from this probability a count stands without a counting word (typos)

CATEGORY_CUES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    ("immunization", re.compile(r"\b(?:vaccin\w*|shots?|jabs?|immuni[sz]ations?)\b")),
    ("allergy", re.compile(r"\b(?:allerg\w*)\b")),
    ("medication", re.compile(r"\b(?:meds|medications?|medicines?|medicaments?|drugs?|"
                              r"pills?|traitements?|prescriptions?|what am i on|am i on|"
                              r"i'm on|je prends|sous traitement)\b")),
    ("condition", re.compile(r"\b(?:conditions?|diagnos[ie]s|problems?|maladies?|"
                             r"antecedents?)\b")),
    ("procedure", re.compile(r"\b(?:procedures?|surger(?:y|ies)|operations?|interventions?)\b")),
    ("encounter", re.compile(r"\b(?:visits?|appointments?|visites?|consultations?|"
                             r"rendez vous)\b")),
)


def break_tie(folded: str, ops: npt.NDArray[np.float64]) -> tuple[int, bool]:
    """The operation index to answer with, and whether a cue chose it over the top one."""
    order = np.argsort(-ops, kind="stable")
    best = int(order[0])
    if ops[order[0]] - ops[order[1]] >= TIE_MARGIN:
        return best, False
    top3 = {OPERATIONS[int(i)]: int(i) for i in order[:3]}
    cued = [top3[op] for op, cue in _TIE_RULES if op in top3 and cue.search(folded)]
    if not cued:
        return best, False
    chosen = max(cued, key=lambda i: ops[i])
    return chosen, chosen != best


def consistent(operation: Operation, category: Category, folded: str,
               p: float = 0.0, named: bool = False) -> bool:
    """False when the question rules the operation out (see the module docstring); ``p``
    is the model's probability for it, ``named``: the question names something this vault
    holds (then it is not too vague to answer)."""
    if operation == "clarify":
        return not named
    if operation == "sum" and category != "claim":
        return bool(_MONEY.search(folded) or _TOTAL.search(folded))
    if operation == "insurance" and category not in {"claim", "organization"}:
        return bool(_MONEY.search(folded) or _INSURANCE.search(folded))
    if operation == "count" and p < COUNT_SURE:
        return bool(_COUNTING.search(folded))
    return True


def first_consistent(chosen: tuple[Operation, float],
                     ranked: Sequence[tuple[Operation, float]], category: Category,
                     folded: str, named: bool = False) -> tuple[Operation, float]:
    """``chosen`` when it is consistent, else the most probable operation that is (and
    ``chosen`` when none is)."""
    for op, p in (chosen, *ranked):
        if consistent(op, category, folded, p, named):
            return op, p
    return chosen


def category_cue(folded: str) -> Category | None:
    """The category a noun of the question names, or None."""
    return next((c for c, p in CATEGORY_CUES if p.search(folded)), None)
