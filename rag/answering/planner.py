"""The question planner: language, intent, entities and time, by rules.

Value and list questions are answered from the facts store, never from whichever
chunk ranked highest; the planner decides which path a question takes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from rag.core.terms import Term, Vocabulary
from rag.core.text import detect_language, fold
from rag.core.types import MONTH_NUMBERS

Intent = Literal["value", "trend", "list", "check_item", "records", "knowledge", "out_of_scope"]

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
# Averages, counts and totals are computed over a period: a trend question.
_AGGREGATE = re.compile(
    r"\b(average(?!\s+(?:blood\s+)?sugar)|on average|how many|in total|moyenne|en moyenne|"
    r"combien|au total|going (?:up|down)|decreas\w*|increas\w*|dropp\w*|ris(?:ing|en)|"
    r"compare\w*|en baisse|en hausse|baiss\w*|augment\w*|diminu\w*)\b"
)
# Sleep named as a complaint or a condition is not a question about sleep data.
_SLEEP_NOT_METRIC = re.compile(
    r"\b(apn[oe]a|apnee|insomni\w*|disorder\w*|trouble\w*|troubles du|can'?t sleep|cannot sleep|"
    r"unable to sleep|help me sleep|sleeping pills?|sleep(?:ing)? aids?|somnif\w*|narcolep\w*|"
    r"sleep study|ronfl\w*|snor\w*)\b"
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
    end: str | None = None  # exclusive ISO date; None = up to today
    phrase: str | None = None
    # "week" | "month" | "year" when the window is that calendar unit (a trend compares it
    # with the unit before); None for rolling windows (compared with as many days before)
    period: str | None = None

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
    today: dt.date | None = None  # what relative windows were resolved against


def parse_time(folded: str, today: dt.date) -> TimeWindow:
    """The window a (folded) question names; relative phrases resolve against ``today``."""
    relative = _relative_time(folded, today)
    if relative is not None:
        return relative
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
    day = _one_day(folded)
    if day is not None:
        return day
    month = next((x for x in _IN_MONTH.finditer(folded) if _MONTHS.get(x.group(1))), None)
    if month:
        start = _point(month.group(1), month.group(2), today)
        if start:
            first = dt.date.fromisoformat(start)
            return TimeWindow(start=start, end=_month_after(first).isoformat(),
                              phrase=month.group(0), period="month")
    if m:
        year = int(m.group(2) if m.lastindex and m.lastindex >= 2 else m.group(1))
        return TimeWindow(start=f"{year}-01-01", end=f"{year + 1}-01-01", phrase=m.group(0),
                          period="year")
    return TimeWindow()


_DAY_PATTERNS = [
    # "on 2016-04-12"
    re.compile(r"\b(?:on\s+|le\s+)?((?:19|20)\d\d)-(\d\d)-(\d\d)\b"),
    # "on 12 April 2016", "le 12 avril 2016"
    re.compile(r"\b(?:on\s+(?:the\s+)?|le\s+)?(\d{1,2})(?:st|nd|rd|th|er)?\s+(?:of\s+)?"
               r"([a-z]+)\s+((?:19|20)\d\d)\b"),
    # "on April 12, 2016"
    re.compile(r"\b(?:on\s+)?([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b"),
]


def _one_day(folded: str) -> TimeWindow | None:
    """A single named day: "on 2016-04-12", "on 12 April 2016", "April 12, 2016"."""
    for i, pattern in enumerate(_DAY_PATTERNS):
        for m in pattern.finditer(folded):
            try:
                if i == 0:
                    day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                elif i == 1:
                    month = _MONTHS.get(m.group(2))
                    if month is None:
                        continue
                    day = dt.date(int(m.group(3)), month, int(m.group(1)))
                else:
                    month = _MONTHS.get(m.group(1))
                    if month is None:
                        continue
                    day = dt.date(int(m.group(3)), month, int(m.group(2)))
            except ValueError:
                continue
            end = (day + dt.timedelta(days=1)).isoformat()
            return TimeWindow(start=day.isoformat(), end=end, phrase=m.group(0).strip(),
                              period="day")
    return None


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
}
_NUM = r"(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT_WORDS = {
    "day": "day", "days": "day", "jour": "day", "jours": "day",
    "week": "week", "weeks": "week", "semaine": "week", "semaines": "week",
    "month": "month", "months": "month", "mois": "month",
    "year": "year", "years": "year", "an": "year", "ans": "year", "annee": "year",
    "annees": "year",
}
_ROLLING = [
    # "past 30 days", "over the last three years", "in the past year", "the last 2 months"
    re.compile(r"\b(?:the\s+)?(?:last|past|previous)\s+" + _NUM
               + r"\s+(days?|weeks?|months?|years?)\b"),
    re.compile(r"\bthe\s+(?:last|past|previous)\s+()(day|week|month|year)\b"),
    # "les 30 derniers jours", "ces trois dernieres annees", "des 12 derniers mois"
    re.compile(r"\b(?:les|ces|des|aux|sur les)\s+" + _NUM
               + r"\s+(?:derniers?|dernieres?)\s+(jours|semaines|mois|ans|annees)\b"),
    # "depuis 3 mois", "depuis deux ans"
    re.compile(r"\bdepuis\s+" + _NUM + r"\s+(jours|semaines|mois|ans|annees)\b"),
    # "le dernier mois", "la derniere annee" (rolling, unlike "le mois dernier")
    re.compile(r"\b(?:le|la|du|de la)\s+(?:dernier|derniere)\s+()(jour|semaine|mois|annee)\b"),
]
_CALENDAR = [
    (re.compile(r"\b(?:last|previous)\s+(week|month|year)\b"), -1),
    (re.compile(r"\b(?:this|current)\s+(week|month|year)\b"), 0),
    (re.compile(r"\b(?:la\s+)?(semaine)\s+(?:derniere|passee)\b"), -1),
    (re.compile(r"\b(?:le\s+)?(mois)\s+(?:dernier|passe)\b"), -1),
    (re.compile(r"\b(?:l'|l’|le\s+)?(annee|an)\s+(?:derniere|dernier|passee|passe)\b"), -1),
    (re.compile(r"\b(?:cette|ce)\s+(semaine|mois|annee)(?:-ci)?\b"), 0),
]
_YESTERDAY = re.compile(r"\b(yesterday|hier)\b")
_BETWEEN = re.compile(
    r"\b(?:between|entre|from|de|du)\s+(\w+)(?:\s+((?:19|20)\d\d))?\s+(?:and|et|to|a|au)\s+"
    r"(\w+)(?:\s+((?:19|20)\d\d))?"
)
_IN_MONTH = re.compile(
    r"\b(?:in|en|during|pendant|durant|for|au mois de)\s+([a-z]+)(?:\s+((?:19|20)\d\d))?\b"
)
_SINCE_CALENDAR = re.compile(r"\b(?:since|depuis)\s+(?:la\s+|le\s+|l'|l’)?$")


def _month_after(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _shift(day: dt.date, unit: str, n: int) -> dt.date:
    """``day`` moved ``n`` units back (the same day of the month, clamped)."""
    if unit == "day":
        return day - dt.timedelta(days=n)
    if unit == "week":
        return day - dt.timedelta(weeks=n)
    months = n * (12 if unit == "year" else 1)
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    last = (_month_after(dt.date(year, month, 1)) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _calendar(unit: str, today: dt.date, offset: int) -> tuple[dt.date, dt.date]:
    """(first day, first day after) of the calendar unit ``offset`` units from today's."""
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=offset)
        return monday, monday + dt.timedelta(days=7)
    if unit == "month":
        first = _shift(today.replace(day=1), "month", -offset)
        return first, _month_after(first)
    year = today.year + offset
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def _relative_time(folded: str, today: dt.date) -> TimeWindow | None:
    """Rolling windows ("past 30 days", "ces trois dernières années"), calendar units
    ("last month", "cette année"), "yesterday" and "between January and March"."""
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    for pattern in _ROLLING:
        m = pattern.search(folded)
        if m:
            count = m.group(1)
            n = int(count) if count.isdigit() else _NUMBER_WORDS.get(count, 1)
            unit = _UNIT_WORDS[m.group(2)]
            if n < 1:
                continue
            start = _shift(today, unit, n) + dt.timedelta(days=1)
            return TimeWindow(start=start.isoformat(), end=tomorrow, phrase=m.group(0))
    for pattern, offset in _CALENDAR:
        m = pattern.search(folded)
        if m:
            unit = _UNIT_WORDS[m.group(1)]
            first, after = _calendar(unit, today, offset)
            if _SINCE_CALENDAR.search(folded[: m.start()]):  # "since last month"
                return TimeWindow(start=first.isoformat(), phrase=m.group(0))
            end = tomorrow if offset == 0 else after.isoformat()
            return TimeWindow(start=first.isoformat(), end=end, phrase=m.group(0), period=unit)
    m = _YESTERDAY.search(folded)
    if m:
        day = today - dt.timedelta(days=1)
        return TimeWindow(start=day.isoformat(), end=today.isoformat(), phrase=m.group(0),
                          period="day")
    m = next((x for x in _BETWEEN.finditer(folded)
              if _MONTHS.get(x.group(1)) and _MONTHS.get(x.group(3))), None)
    if m:
        first_month, last_month = _MONTHS[m.group(1)], _MONTHS[m.group(3)]
        last_year = int(m.group(4) or m.group(2) or 0) or (
            today.year if last_month <= today.month else today.year - 1)
        first_year = int(m.group(2) or 0) or (
            last_year if first_month <= last_month else last_year - 1)
        first_day = dt.date(first_year, first_month, 1)
        after = _month_after(dt.date(last_year, last_month, 1))
        if first_day < after:
            return TimeWindow(start=first_day.isoformat(), end=after.isoformat(),
                              phrase=m.group(0))
    return None


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
        terms = tuple(t for t in self.vocabulary.find(question)
                      if not (t.key.startswith("sleep") and _SLEEP_NOT_METRIC.search(folded)))
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
            today=today,
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
            trendy = _TREND.search(folded) or _AGGREGATE.search(folded)
            intent: Intent = "trend" if trendy or periodic else "value"
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
