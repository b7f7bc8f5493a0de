"""The question planner: language, intent, entities and time, by rules.

Value and list questions are answered from the facts store, never from whichever
chunk ranked highest; the planner decides which path a question takes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from rag.terms import Term, Vocabulary, fold
from rag.types import MONTH_NUMBERS

Intent = Literal["value", "trend", "list", "check_item", "records", "knowledge", "out_of_scope"]

_FR_WORDS = {
    "quel",
    "quelle",
    "quels",
    "quelles",
    "est",
    "mon",
    "ma",
    "mes",
    "le",
    "la",
    "les",
    "des",
    "du",
    "une",
    "un",
    "et",
    "pour",
    "dernier",
    "derniere",
    "dernière",
    "j'ai",
    "je",
    "suis",
    "avez",
    "est-ce",
    "que",
    "qu'est-ce",
    "taux",
    "combien",
    "depuis",
    "mais",
    "avec",
    "dans",
    "sur",
    "moi",
    "vous",
    "mal",
    "pas",
    "très",
    "tres",
    "comment",
    "pourquoi",
    "ai-je",
    "médicaments",
    "medicaments",
    "vaccins",
}
_EN_WORDS = {
    "what",
    "is",
    "my",
    "the",
    "and",
    "was",
    "were",
    "how",
    "have",
    "do",
    "did",
    "i",
    "am",
    "last",
    "of",
    "for",
    "to",
    "a",
    "an",
    "in",
    "since",
    "with",
    "on",
    "are",
    "me",
    "it",
    "why",
    "can",
    "should",
    "when",
    "which",
    "your",
    "does",
}


def detect_language(text: str) -> str:
    words = re.findall(r"[\w'’-]+", text.lower())
    fr = sum(w in _FR_WORDS for w in words) + 2 * len(re.findall(r"[éèêàùçôî]", text.lower()))
    en = sum(w in _EN_WORDS for w in words)
    return "fr" if fr > en else "en"


_LIST_CATEGORIES: list[tuple[str, re.Pattern[str]]] = [
    ("allergy", re.compile(r"\b(allerg\w*)\b")),
    ("immunization", re.compile(r"\b(vaccin\w*|immuni[sz]\w*|shots?|jabs?|booster\w*)\b")),
    (
        "medication",
        re.compile(
            r"\b(medications?|medicines?|meds|drugs?|prescriptions?|prescribed|pills?|medicaments?|"
            r"traitements?|ordonnances?|taking|take)\b"
        ),
    ),
    (
        "condition",
        re.compile(
            r"\b(conditions?|diagnos[ei]s|problems?|illness\w*|diseases?|maladies?|pathologies?|"
            r"antecedents?|health issues?)\b"
        ),
    ),
    ("procedure", re.compile(r"\b(procedures?|surger(y|ies)|operations?|interventions?)\b")),
]
_LIST_CUE = re.compile(
    r"\b(what|which|list|all|any|my|mes|mon|ma|quels?|quelles?|liste|do i|am i|suis-je|ai-je)\b"
)
_TREND = re.compile(
    r"\b(trend\w*|over time|history|historique|evolution|evolu\w*|progress\w*|changed?|"
    r"going up|going down|improv\w*|worse\w*|all my|every|toutes? mes|series)\b"
)
_PERSONAL = re.compile(
    r"\b(my|mine|me|i|i'm|i've|am i|do i|did i|mon|ma|mes|je|j'ai|ai-je|suis-je|moi)\b"
)
_GENERAL = re.compile(
    r"^(what|qu'est-ce|c'est quoi|what's|whats|explain|define|tell me about)\b.*\b(is|are|a|an|"
    r"que|qu'|quoi|about)\b"
)
_OFF_TOPIC = re.compile(
    r"\b(weather|stock|bitcoin|crypto|recipe|poem|song|lyrics|football|soccer|movie|capital of|"
    r"write (a|some) code|python code|javascript|translate|joke|horoscope|election|president|"
    r"meteo|recette|blague)\b"
)
_HEALTH = re.compile(
    r"\b(health|sant[eé]|doctor|m[eé]decin|clinician|symptom\w*|pain|douleur|blood|sang|"
    r"lab|test|result\w*|r[eé]sultat\w*|medic\w*|vaccin\w*|allerg\w*|record\w*|dossier|"
    r"disease|condition|diet|sleep|exercise|weight|poids|heart|coeur|insurance|assurance|"
    r"appointment|rendez-vous|visit|visite|hospital|h[oô]pital|doctor|dose|mg)\b"
)

_ON_DRUG = re.compile(
    r"\b(am i (?:on|taking|still taking|still on)|do i (?:take|still take)|have i been "
    r"(?:on|taking)|suis-je sous|est-ce que je prends|je prends)\s+(?:any\s+)?([a-z][a-z-]{3,})"
)
_GENERIC_DRUG_WORDS = {
    "medication",
    "medications",
    "medicine",
    "medicines",
    "drugs",
    "pills",
    "anything",
    "something",
    "treatment",
    "traitement",
    "medicaments",
    "insulin?",
    "prescription",
    "prescriptions",
    "blood",
    "vitamins",
    "supplements",
}

_MONTHS = MONTH_NUMBERS


@dataclass(frozen=True)
class TimeWindow:
    start: str | None = None  # inclusive ISO date
    end: str | None = None  # exclusive ISO date
    phrase: str | None = None

    def contains(self, iso: str | None) -> bool:
        if iso is None:
            return self.start is None and self.end is None
        day = iso[:10]
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None


@dataclass(frozen=True)
class Plan:
    question: str
    language: str
    intent: Intent
    terms: tuple[Term, ...] = ()
    category: str | None = None
    item_query: str | None = None  # "metformin" in "am I on metformin?"
    window: TimeWindow = field(default_factory=TimeWindow)
    personal: bool = False


def parse_time(folded: str, today: dt.date) -> TimeWindow:
    m = re.search(r"\b(in|en|during|pendant|durant)\s+((?:19|20)\d\d)\b", folded) or re.search(
        r"\b((?:19|20)\d\d)\b", folded
    )
    iso = re.search(
        r"\b(before|avant|since|depuis|after|apres)\s+((?:19|20)\d\d-\d\d-\d\d)\b", folded
    )
    if iso:
        if iso.group(1) in {"before", "avant"}:
            return TimeWindow(end=iso.group(2), phrase=iso.group(0))
        return TimeWindow(start=iso.group(2), phrase=iso.group(0))
    since = re.search(r"\b(since|depuis|after|apres)\s+(\w+)(?:\s+((?:19|20)\d\d))?", folded)
    before = re.search(r"\b(before|avant)\s+(\w+)(?:\s+((?:19|20)\d\d))?", folded)
    if since:
        start = _point(since.group(2), since.group(3), today)
        if start:
            return TimeWindow(start=start, phrase=since.group(0))
    if before:
        end = _point(before.group(2), before.group(3), today)
        if end:
            return TimeWindow(end=end, phrase=before.group(0))
    if m:
        year = int(m.group(2) if m.lastindex and m.lastindex >= 2 else m.group(1))
        return TimeWindow(start=f"{year}-01-01", end=f"{year + 1}-01-01", phrase=m.group(0))
    return TimeWindow()


def _point(word: str, year: str | None, today: dt.date) -> str | None:
    if re.fullmatch(r"(19|20)\d\d", word):
        return f"{word}-01-01"
    month = _MONTHS.get(word)
    if month is None:
        return None
    y = int(year) if year else (today.year if month <= today.month else today.year - 1)
    return f"{y}-{month:02d}-01"


class Planner:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def plan(
        self,
        question: str,
        *,
        today: dt.date | None = None,
        known_items: dict[str, list[str]] | None = None,
    ) -> Plan:
        """``known_items`` maps a list category to the names in this person's records, so
        "am I on metformin?" can be recognised without a drug dictionary."""
        today = today or dt.date.today()
        folded = fold(question)
        language = detect_language(question)
        window = parse_time(folded, today)
        personal = bool(_PERSONAL.search(folded))
        terms = tuple(self.vocabulary.find(question))
        if not terms and language == "fr" and re.search(r"\btension\b", folded):
            # "ma tension" is blood pressure in French (too ambiguous to be an English synonym)
            bp = self.vocabulary.terms.get("blood_pressure")
            terms = (bp,) if bp else ()
        category = next((c for c, p in _LIST_CATEGORIES if p.search(folded)), None)
        item_query = self._item_query(folded, known_items or {})
        base = Plan(
            question=question,
            language=language,
            intent="knowledge",
            window=window,
            personal=personal,
        )
        if _OFF_TOPIC.search(folded) and not terms and not _HEALTH.search(folded):
            return replace(base, intent="out_of_scope")
        if item_query is not None and not terms:
            cat, name = item_query
            return replace(base, intent="check_item", category=cat, item_query=name)
        asked = _ON_DRUG.search(folded)
        if asked and not terms and asked.group(2) not in _GENERIC_DRUG_WORDS:
            return replace(
                base, intent="check_item", category="medication", item_query=asked.group(2)
            )
        if terms:
            if not personal and _GENERAL.search(folded) and not window.bounded:
                return replace(base, terms=terms)
            # "in 2019" asks for the values of a period; "before <date>" for the one before.
            periodic = window.start is not None
            intent: Intent = "trend" if _TREND.search(folded) or periodic else "value"
            return replace(base, intent=intent, terms=terms)
        if category and (personal or _LIST_CUE.search(folded)):
            if category == "medication" and not personal:
                return base
            return replace(base, intent="list", category=category)
        if personal:
            return replace(base, intent="records")
        return base

    @staticmethod
    def _item_query(folded: str, known: dict[str, list[str]]) -> tuple[str, str] | None:
        words = set(re.findall(r"[a-z][a-z-]{3,}", folded))
        for category, names in known.items():
            for name in names:
                for word in _significant_words(name):
                    if word in words:
                        return category, word
        return None


_STOP = {
    "oral",
    "tablet",
    "capsule",
    "solution",
    "injection",
    "extended",
    "release",
    "hour",
    "disorder",
    "finding",
    "situation",
    "procedure",
    "product",
    "preparation",
    "topical",
    "chronic",
    "acute",
    "body",
    "mass",
    "index",
    "with",
    "without",
    "total",
    "blood",
    "test",
    "history",
    "unit",
    "units",
    "dose",
    "day",
    "daily",
    "hydrochloride",
    "sodium",
    "potassium",
    "calcium",
    "containing",
    "active",
    "food",
    "allergy",
    "allergic",
    "pain",
    "tablets",
    "seasonal",
    "injectable",
    "preservative",
    "free",
    "vaccine",
    "disease",
    "syndrome",
    "type",
    "primary",
    "secondary",
    "left",
    "right",
    "normal",
    "medication",
    "review",
    "encounter",
    "check",
    "adult",
    "mild",
    "severe",
    "moderate",
    "high",
    "low",
    "level",
    "levels",
    "induced",
    "related",
    "due",
    "other",
    "unspecified",
}


def _significant_words(name: str) -> list[str]:
    """Words that name this item specifically: not filler, not a category word
    ("Documentation of current medications" must not capture "what medications ...")."""
    words = re.findall(r"[a-z][a-z-]{3,}", fold(name))
    return [
        w for w in words if w not in _STOP and not any(p.fullmatch(w) for _, p in _LIST_CATEGORIES)
    ]
