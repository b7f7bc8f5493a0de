"""The filters a question states in so many words: its time window, the status it asks
about, the encounter type and the unit it wants the answer in.

These are closed classes with few wordings ("in pounds", "en kg", "still", "ER",
"urgences"), so rules read them, and read them the same way in every operation. Time
reuses the planner's window parser ("in 2019", "last year", "since March", "en 2025"),
turned into a :class:`Window` whose end is inclusive.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from rag.answering.planner import TimeWindow, parse_time
from rag.answering.query import Window
from rag.core.text import fold_words

__all__ = ["Status", "encounter_type", "status", "unit", "window"]

Status = Literal["active", "inactive", "any"]

_LAST_VISIT = re.compile(
    r"\b(?:at|during|from|on|in|for)\s+(?:my|the)\s+(?:last|latest|most recent|previous)\s+"
    r"(?:visit|appointment|appt|check ?up|physical|consult\w*|exam)\b"
    r"|(?<!the )\blast time\b"
    r"|\b(?:lors de|a|pendant|au cours de)\s+(?:ma|mon|la|le)\s+(?:derniere|dernier)\s+"
    r"(?:visite|consultation|rendez vous|rdv|bilan|examen)\b"
    r"|\bla derniere fois\b")
_SINCE_LAST_VISIT = re.compile(
    r"\b(?:since|depuis)\s+(?:my|the|ma|mon|la|le)\s+(?:last|derniere|dernier)\s+"
    r"(?:visit|appointment|check ?up|visite|consultation|rendez vous|rdv)\b")

_INACTIVE = re.compile(
    r"\b(?:used to|did i use to|no longer|not anymore|anymore|any more|stopped|discontinued|"
    r"former(?:ly)?|previously|old ones?|past ones?|arrete\w*|ancien\w*|plus maintenant|"
    r"autrefois)\b"
    r"|\b(?:ne|n')\s*\w+\s+plus\b|\bn'\w+\s+plus\b")
_ACTIVE = re.compile(
    r"\b(?:still|currently|current|right now|now|at the moment|these days|nowadays|presently|"
    r"active|ongoing|encore|actuellement|en ce moment|toujours|en cours|actuel\w*|"
    r"aujourd'hui)\b")

_ENCOUNTERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("urgent care", re.compile(r"\b(?:urgent care|walk in clinic|walk in|sans rendez vous)\b")),
    ("emergency", re.compile(
        r"\b(?:er|a&e|emergency(?: room| department| dept)?|urgences?|salle d'urgence)\b")),
    ("inpatient", re.compile(
        r"\b(?:hospital stays?|stay(?:ed)? in (?:the )?hospital|admitted|admissions?|"
        r"hospitali[sz]\w*|inpatient|overnight|sejours? a l'hopital)\b")),
    ("wellness", re.compile(
        r"\b(?:check ?ups?|physicals?|annual (?:exam|visit|physical)|wellness|well child|"
        r"bilans? de sante|visite annuelle)\b")),
    ("virtual", re.compile(
        r"\b(?:telehealth|video (?:visit|call)|telemedicine|teleconsultation|virtual visit)\b")),
    ("ambulatory", re.compile(r"\b(?:office visits?|outpatient|ambulatoire)\b")),
)

_UNITS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("lbs", re.compile(r"\b(?:in|en)\s+(?:pounds?|lbs?|livres?)\b|\bhow many (?:pounds|lbs)\b")),
    ("kg", re.compile(r"\b(?:in|en)\s+(?:kgs?|kilos?|kilogram\w*)\b|\bhow many (?:kilos|kg)\b"
                      r"|\bcombien de kilos\b")),
    ("minutes", re.compile(r"\b(?:in|en)\s+(?:minutes?|mins?)\b|\bhow many minutes\b"
                           r"|\bcombien de minutes\b")),
    ("hours", re.compile(r"\b(?:in|en)\s+(?:hours?|hrs?|heures?)\b|\bhow many hours\b"
                         r"|\bcombien d'heures\b")),
    ("mmol/L", re.compile(r"\bmmol\b|\bmillimol\w*")),
    ("mg/dL", re.compile(r"\bmg\s*/\s*dl\b|\b(?:in|en)\s+mg\b")),
    ("g/L", re.compile(r"\bg\s*/\s*l\b")),
    ("ft_in", re.compile(r"\bfeet and inches\b|\b(?:in|en)\s+(?:feet|ft)\b|\bpieds\b")),
    ("in", re.compile(r"\b(?:in|en)\s+(?:inch(?:es)?|pouces?)\b")),
    ("cm", re.compile(r"\b(?:in|en)\s+(?:cm|centimet\w*)\b")),
    ("°F", re.compile(r"\bfahrenheit\b|\b(?:in|en)\s+f\b")),
    ("°C", re.compile(r"\bcelsius\b|\b(?:in|en)\s+(?:c|degres)\b")),
    ("km", re.compile(r"\b(?:in|en)\s+(?:km|kilomet\w*)\b")),
    ("miles", re.compile(r"\b(?:in|en)\s+miles?\b")),
    ("eur", re.compile(r"\b(?:in|en)\s+euros?\b")),
    ("usd", re.compile(r"\b(?:in|en)\s+(?:dollars?|usd)\b")),
)


def _text(question: str) -> str:
    return fold_words(question)


def _label(tw: TimeWindow, start: dt.date | None, end: dt.date | None) -> str:
    """A short label for rendering and logs: "2019", "2019-03", "2019-03-02", "since ..."."""
    if tw.period == "year" and start:
        return str(start.year)
    if tw.period == "month" and start:
        return f"{start:%Y-%m}"
    if tw.period == "day" and start:
        return start.isoformat()
    if start and end:
        return f"{start.isoformat()}..{end.isoformat()}"
    if start:
        return f"since {start.isoformat()}"
    return f"before {end.isoformat()}" if end else ""


def window(question: str, today: dt.date) -> Window | None:
    """The time window the question names, or None. "At my last visit" is a window with
    no dates and the label ``last_visit``: operations anchor it on the latest encounter."""
    text = _text(question)
    if _SINCE_LAST_VISIT.search(text):
        return Window(label="since_last_visit")
    if _LAST_VISIT.search(text):
        return Window(label="last_visit")
    tw = parse_time(text, today)
    if not tw.bounded:
        return None
    start = dt.date.fromisoformat(tw.start) if tw.start else None
    end = dt.date.fromisoformat(tw.end) - dt.timedelta(days=1) if tw.end else None
    return Window(start=start, end=end, label=_label(tw, start, end))


def status(question: str) -> Status:
    """``inactive`` for "used to", "stopped", "ne ... plus"; ``active`` for "still",
    "currently", "right now", "encore", "actuellement"; else ``any`` ("ever", "in the
    past" ask about any time)."""
    text = _text(question)
    if re.search(r"\b(?:in the past|ever|dans le passe|deja|jamais)\b", text):
        return "inactive" if _INACTIVE.search(text) else "any"
    if _INACTIVE.search(text):
        return "inactive"
    return "active" if _ACTIVE.search(text) else "any"


def encounter_type(question: str) -> str | None:
    """"emergency", "inpatient", "wellness", "urgent care", "virtual", "ambulatory", or
    None; names as the operations read them (``ops_visits.TYPES``)."""
    text = _text(question)
    return next((kind for kind, pattern in _ENCOUNTERS if pattern.search(text)), None)


def unit(question: str) -> str | None:
    """The unit asked for ("lbs", "kg", "minutes", "hours", "mmol/L", ...), or None."""
    text = _text(question)
    return next((name for name, pattern in _UNITS if pattern.search(text)), None)
