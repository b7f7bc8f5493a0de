"""Insurance answers for chat: "what did my visits cost me in 2019", "which plan would have
cost me less". Sentences with ``[n]`` markers, the cited EOBs, and every figure from the
calculator (:mod:`rag.tasks.insurance`), never from retrieved text.

Each figure is computed, so it is declared in ``derived`` (number as written, or ISO date
-> the markers of the EOBs it was computed from), the form the answer verifier
(:func:`guardrails.verify.verify`) accepts. The comparison leads with the cheapest plan and
the difference, then the other plans, the scenarios and the caveats.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from indexes.facts import FactsStore
from rag.answering.citations import CitationBuilder
from rag.core.errors import NoClaims
from rag.core.types import MONTH_NAMES, Answer, Citation
from rag.tasks.claims import claim_book
from rag.tasks.insurance import compare, spending
from rag.tasks.plans import Plan

T: dict[str, dict[str, str]] = {
    "en": {
        "spent": "In {year}, your claims were billed {billed}; your plan allowed {allowed} "
                 "and paid {plan}, and your share was {you}, over {n} {claims} {m}.",
        "split": "Your share was {parts} {m}.",
        "part": "{v} {what}",
        "deductible": "deductible", "coinsurance": "coinsurance", "copay": "copays",
        "top": "Most of it went to {cat}: {v} of your share {m}.",
        "none_year": "I don't see any claim for {year} in your records; your claims are from "
                     "{years}.",
        "no_claims": "I don't see any insurance claim in your records, so I can't add up "
                     "what you paid.",
        "claim": "claim", "claims": "claims",
        "lead": "From {start} to {end}, {name} would have cost you the least: {total} in all "
                "({premiums} in premiums and {oop} out of pocket), {diff} less than {other} "
                "{m}.",
        "alone": "From {start} to {end}, {name} would have cost you {total} in all "
                 "({premiums} in premiums and {oop} out of pocket) {m}.",
        "other": "{name} would have cost {total} ({premiums} in premiums and {oop} out of "
                 "pocket) {m}.",
        "scenario": "In a {kind} year like {year}, the cheapest would be {name}, at {total} "
                    "{m}.",
        "quieter": "quieter", "busier": "busier",
        "caveat": "This is arithmetic on your past claims, not advice: networks, formularies "
                  "and your future care differ.",
        "table": "The table below shows each plan by category.",
        "no_plans": "I don't have the plans to compare: upload a plan file or attach one.",
    },
    "fr": {
        "spent": "En {year}, vos soins ont été facturés {billed} ; votre assurance a retenu "
                 "{allowed} et payé {plan}, et votre part a été de {you}, sur {n} {claims} {m}.",
        "split": "Votre part se compose de {parts} {m}.",
        "part": "{v} de {what}",
        "deductible": "franchise", "coinsurance": "coassurance", "copay": "tickets modérateurs",
        "top": "La plus grande part est allée à : {cat}, {v} de votre part {m}.",
        "none_year": "Je ne vois aucune demande de remboursement pour {year} dans votre "
                     "dossier ; vos demandes datent de {years}.",
        "no_claims": "Je ne vois aucune demande de remboursement dans votre dossier : je ne "
                     "peux pas additionner ce que vous avez payé.",
        "claim": "demande de remboursement", "claims": "demandes de remboursement",
        "lead": "Du {start} au {end}, {name} vous aurait coûté le moins : {total} au total "
                "({premiums} de primes et {oop} de votre poche), soit {diff} de moins que "
                "{other} {m}.",
        "alone": "Du {start} au {end}, {name} vous aurait coûté {total} au total ({premiums} "
                 "de primes et {oop} de votre poche) {m}.",
        "other": "{name} aurait coûté {total} ({premiums} de primes et {oop} de votre poche) "
                 "{m}.",
        "scenario": "Une année {kind} comme {year}, le moins cher serait {name}, à {total} {m}.",
        "quieter": "plus calme", "busier": "plus chargée",
        "caveat": "C'est un calcul sur vos demandes passées, pas un conseil : les réseaux, "
                  "les listes de produits remboursés et vos besoins à venir diffèrent.",
        "table": "Le tableau ci-dessous détaille chaque contrat par catégorie.",
        "no_plans": "Je n'ai pas les contrats à comparer : envoyez un fichier de contrats.",
    },
}
CATEGORY_WORDS = {
    "en": {"preventive": "preventive care", "office_visit": "office visits",
           "emergency": "emergency care", "inpatient": "hospital stays",
           "pharmacy": "prescriptions", "lab_imaging": "lab tests and imaging",
           "other": "other care"},
    "fr": {"preventive": "la prévention", "office_visit": "les consultations",
           "emergency": "les urgences", "inpatient": "les hospitalisations",
           "pharmacy": "les médicaments", "lab_imaging": "les analyses et l'imagerie",
           "other": "d'autres soins"},
}


@dataclass
class TaskAnswer:
    """Sentences with markers, their citations, the figures declared as derived, and the
    calculator's JSON (the table a client can show)."""

    sentences: list[str]
    citations: list[Citation]
    derived: dict[str, set[int]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    language: str = "en"

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    def as_answer(self) -> Answer:
        return Answer(answer=self.text, citations=self.citations, language=self.language,
                      intent="insurance")


class _Writer:
    def __init__(self, lang: str, currency: str, markers: list[int]) -> None:
        self.lang = lang if lang in T else "en"
        self.currency = currency
        self.m = "".join(f"[{n}]" for n in markers)
        self.markers = set(markers)
        self.sentences: list[str] = []
        self.derived: dict[str, set[int]] = {}

    def t(self, key: str) -> str:
        return T[self.lang][key]

    def money(self, value: float) -> str:
        text = f"{value:.2f}"
        self.derived.setdefault(text, set()).update(self.markers)
        return f"{text} {self.currency}".strip()

    def day(self, iso: str) -> str:
        self.derived.setdefault(iso, set()).update(self.markers)
        d = dt.date.fromisoformat(iso)
        return f"{d.day} {MONTH_NAMES[self.lang][d.month - 1]} {d.year}"

    def number(self, value: int) -> str:
        self.derived.setdefault(str(value), set()).update(self.markers)
        return str(value)

    def name(self, text: str) -> str:
        """A plan's name as the person's plan file gives it (numbers in it are theirs)."""
        for number in re.findall(r"\d+(?:[.,]\d+)?", text):
            self.derived.setdefault(number, set()).update(self.markers)
        return text

    def say(self, key: str, **kw: str) -> None:
        self.sentences.append(self.t(key).format(m=self.m, **kw).replace(" .", "."))

    def done(self, cites: list[Citation], data: dict[str, Any]) -> TaskAnswer:
        return TaskAnswer(self.sentences, cites, self.derived, data, self.lang)


def _markers(data: dict[str, Any], cites: CitationBuilder) -> tuple[list[int], list[Citation]]:
    ids = {c["id"] for c in data.get("citations") or []}
    chosen = [c for c in cites.citations if c.id in ids]
    return [c.marker for c in chosen], chosen


def spending_answer(facts: FactsStore, year: int | None = None, *, lang: str = "en",
                    cites: CitationBuilder | None = None) -> TaskAnswer:
    """What the person's claims of ``year`` (default: the latest year with claims) cost."""
    cites = cites if cites is not None else CitationBuilder()
    book = claim_book(facts)
    if not book.lines:
        w = _Writer(lang, "", [])
        w.say("no_claims")
        return w.done([], {})
    year = year if year is not None else book.years()[-1]
    data = spending(book, year, cites)
    markers, chosen = _markers(data, cites)
    w = _Writer(lang, data["currency"], markers)
    if not data["lines"]:
        years = book.years()
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        w.say("none_year", year=str(year), years=span)
        return w.done([], data)
    w.say("spent", year=w.number(year), billed=w.money(data["billed"]),
          allowed=w.money(data["allowed"]), plan=w.money(data["plan_paid"]),
          you=w.money(data["you_paid"]), n=w.number(data["claims"]),
          claims=w.t("claim" if data["claims"] == 1 else "claims"))
    parts = [w.t("part").format(v=w.money(v), what=w.t(k))
             for k, v in data["member_share"].items() if v > 0]
    if len(parts) > 1:
        w.say("split", parts=", ".join(parts))
    top = max(data["by_category"].items(), key=lambda kv: kv[1]["you_paid"], default=None)
    if top and top[1]["you_paid"] > 0 and len(data["by_category"]) > 1:
        w.say("top", cat=CATEGORY_WORDS[w.lang][top[0]], v=w.money(top[1]["you_paid"]))
    return w.done(chosen, data)


def compare_answer(facts: FactsStore, plans: list[Plan], *, start: dt.date | None = None,
                   end: dt.date | None = None, lang: str = "en",
                   cites: CitationBuilder | None = None) -> TaskAnswer:
    """Which plan would have cost the person least over the window, and by how much."""
    cites = cites if cites is not None else CitationBuilder()
    if not plans:
        w = _Writer(lang, "", [])
        w.say("no_plans")
        return w.done([], {})
    try:
        data = compare(claim_book(facts), plans, cites, start=start, end=end, lines=False)
    except NoClaims:
        w = _Writer(lang, "", [])
        w.say("no_claims")
        return w.done([], {})
    markers, chosen = _markers(data, cites)
    w = _Writer(lang, data["currency"], markers)
    by_id = {p["id"]: p for p in data["plans"]}
    best = by_id[data["cheapest"]]
    window = {"start": w.day(data["window"]["from"]), "end": w.day(data["window"]["to"])}
    money = {k: w.money(best[k]) for k in ("total", "premiums", "out_of_pocket")}
    if data["next_cheapest"]:
        w.say("lead", **window, name=w.name(best["name"]), total=money["total"],
              premiums=money["premiums"], oop=money["out_of_pocket"],
              diff=w.money(data["difference"]), other=w.name(by_id[data["next_cheapest"]]["name"]))
    else:
        w.say("alone", **window, name=w.name(best["name"]), total=money["total"],
              premiums=money["premiums"], oop=money["out_of_pocket"])
    for plan in sorted(data["plans"], key=lambda p: p["total"]):
        if plan["id"] != best["id"]:
            w.say("other", name=w.name(plan["name"]), total=w.money(plan["total"]),
                  premiums=w.money(plan["premiums"]), oop=w.money(plan["out_of_pocket"]))
    sides = data["scenarios"][1:]
    if len({side["year"] for side in sides}) == 1:
        sides = []  # one year of claims (or two alike): no range to show
    for sc in sides:
        row = next(p for p in sc["plans"] if p["id"] == sc["cheapest"])
        w.say("scenario", kind=w.t(sc["name"]), year=w.number(sc["year"]),
              name=w.name(by_id[sc["cheapest"]]["name"]), total=w.money(row["total"]))
    w.sentences.append(w.t("caveat"))
    if len(data["plans"]) > 1:
        w.sentences.append(w.t("table"))
    return w.done(chosen, data)
