"""Wording for rendered operations, English and French, and the writer that cites.

Templates are plain strings; :class:`Writer` fills them, cites records through the
shared :class:`~rag.answering.citations.CitationBuilder` with exact quotes, and declares
to the verifier every number and date the code computed (counts, sums, converted units,
window years), tied to the markers of the facts they come from. Sentences that say what
was searched start with "I don't" / "Je n'ai" so the verifier reads them as connective.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from indexes.facts import StoredRecord
from rag.answering.citations import CitationBuilder
from rag.answering.compose import Draft, human_date, safe_quote
from rag.answering.query import Query, Window
from rag.answering.results import Fact
from rag.core.types import MONTH_NAMES

# Category words: (singular, plural, "records of" phrase).
WHAT: dict[str, dict[str, tuple[str, str, str]]] = {
    "en": {
        "condition": ("condition", "conditions", "condition records"),
        "medication": ("medication", "medications", "medication records"),
        "allergy": ("allergy", "allergies", "allergy records"),
        "immunization": ("vaccine", "vaccines", "immunization records"),
        "procedure": ("procedure", "procedures", "procedure records"),
        "encounter": ("visit", "visits", "visits"),
        "report": ("report", "reports", "reports"),
        "careplan": ("care plan", "care plans", "care plans"),
        "claim": ("claim", "claims", "claims"),
        "observation": ("result", "results", "kinds of results and measurements"),
    },
    "fr": {
        "condition": ("problème de santé", "problèmes de santé", "problèmes de santé"),
        "medication": ("médicament", "médicaments", "médicaments"),
        "allergy": ("allergie", "allergies", "allergies"),
        "immunization": ("vaccin", "vaccins", "vaccinations"),
        "procedure": ("acte médical", "actes médicaux", "actes médicaux"),
        "encounter": ("consultation", "consultations", "consultations"),
        "report": ("compte rendu", "comptes rendus", "comptes rendus"),
        "careplan": ("plan de soins", "plans de soins", "plans de soins"),
        "claim": ("demande de remboursement", "demandes de remboursement",
                  "demandes de remboursement"),
        "observation": ("résultat", "résultats", "types de résultats et de mesures"),
    },
}
_TAG = re.compile(r"\s*\((?:disorder|finding|procedure|situation|substance|qualifier value|"
                  r"observable entity|regime/therapy|morphologic abnormality)\)\s*$", re.I)


FEMININE = {"allergy", "encounter", "claim"}  # French: "quelle allergie", "aucune"
KEEP_CASE = {"immunization", "medication"}


def aucun(category: str) -> str:
    return "aucune" if category in FEMININE else "aucun"


def plain(name: str, category: str = "") -> str:
    """A record's name as it reads inside a sentence: without its SNOMED semantic tag,
    and with a capitalised first word lowered when the rest is lower case ("Essential
    hypertension (disorder)" -> "essential hypertension"); acronyms and title-case names
    stay ("SARS-COV-2 vaccine", "Death Certification"), and so do vaccine and medication
    names, which are often brands or acronyms ("Tdap", "Lisinopril")."""
    name = _TAG.sub("", name).strip() or name
    words = name.split(" ")
    first, rest = words[0], words[1:]
    sentence_case = category not in KEEP_CASE and not any(w[:1].isupper() for w in rest)
    if sentence_case and len(first) > 1 and first[0].isupper() and first[1:].islower():
        return name[0].lower() + name[1:]
    return name


def article(name: str) -> str:
    """ "a" or "an" before an English name."""
    return "an" if name[:1].lower() in "aeiou" else "a"


def of(name: str, lang: str) -> str:
    """French "de"/"d'" before a name; nothing in English."""
    if lang != "fr":
        return ""
    return "d'" if name[:1].lower() in "aeiouyhéèêàâîôû" else "de "


def join(parts: list[str], lang: str) -> str:
    """ "a, b and c" / "a, b et c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + (" et " if lang == "fr" else " and ") + parts[-1]


def money(value: float, currency: str) -> str:
    return f"{value:.2f} {currency}".strip()


def what(category: str, lang: str, form: int = 1) -> str:
    words = WHAT.get(lang, WHAT["en"]).get(category)
    return words[form] if words else category


# A record's date and place: "on 2021-03-03 at Riverside Clinic, with Dr. Ann Lee".
_NEUTRAL = re.compile(r"\bon \d{4}-\d{2}-\d{2}(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St)\.|[^.])*")
_DAY = dt.timedelta(days=1)


@dataclass
class Writer:
    """Fills templates for one answer: cites, declares computed facts, appends."""

    query: Query
    cites: CitationBuilder
    draft: Draft

    @property
    def lang(self) -> str:
        return "fr" if self.query.language == "fr" else "en"

    def date(self, iso: str | None) -> str:
        return human_date(iso[:10] if iso else None, self.lang)

    def cite(self, fact: Fact, *, neutral: bool = False) -> int:
        """Cite a fact's record: its quotable text, or (``neutral``: a sensitive record
        in a generic answer) only the part that gives its date and place."""
        rec = fact.record
        if neutral:
            m = _NEUTRAL.search(rec.text)
            if m:
                return self.cites.record(rec, m.group(0).strip())
        quote = safe_quote(rec)
        if not quote:
            quote = fact.item.name if fact.item.name in rec.text else rec.text
        return self.cites.record(rec, quote)

    def cite_record(self, rec: StoredRecord) -> int:
        return self.cites.record(rec, safe_quote(rec) or rec.text)

    def point_marks(self, records: tuple[StoredRecord, ...]) -> str:
        out: list[int] = []
        for rec in records:
            m = self.cite_record(rec)
            if m not in out:
                out.append(m)
        return "".join(f"[{m}]" for m in out)

    def marks(self, facts: list[Fact] | tuple[Fact, ...], *, neutral: bool = False) -> str:
        out: list[int] = []
        for fact in facts:
            m = self.cite(fact, neutral=neutral and fact.sensitive)
            if m not in out:
                out.append(m)
        return "".join(f"[{m}]" for m in out)

    def say(self, sentence: str, *derived: str) -> None:
        """Append ``sentence``, declaring ``derived`` numbers/dates from what it cites."""
        self.draft.sentences.append(self.draft.declare(sentence, *derived))

    def named(self, name: str) -> str:
        """A name said in the answer: numbers that are part of it ("25-hydroxyvitamin D",
        "Simvastatin 20 MG") are a label, not a fact to ground."""
        self.draft.computed.update(re.findall(r"\d+(?:[.,]\d+)?", name))
        return name

    def count(self, n: int) -> str:
        self.draft.computed.add(str(n))
        return str(n)

    def window(self, window: Window | None, *, cited: bool = True) -> tuple[str, list[str]]:
        """How a window reads (" in 2019", " since 3 May 2020") and the facts it states, to
        declare from what the sentence cites. A sentence that cites nothing (not found)
        can ground a year (the window is the question's) but no day: it then says "in
        the period you asked about"."""
        phrase, facts = self._window(window)
        if cited or not facts:
            return phrase, facts
        if all(len(f) == 4 for f in facts):
            self.draft.computed.update(facts)
            return phrase, []
        return (" sur la période demandée" if self.lang == "fr"
                else " in the period you asked about"), []

    def _window(self, window: Window | None) -> tuple[str, list[str]]:
        if window is None or (window.start is None and window.end is None):
            return "", []
        start, end = window.start, window.end
        fr = self.lang == "fr"
        if start and end and start.year == end.year and (start.month, start.day) == (1, 1) \
                and (end.month, end.day) == (12, 31):
            return (f" en {start.year}" if fr else f" in {start.year}"), [str(start.year)]
        if start and end and start.year == end.year and start.month == end.month \
                and start.day == 1 and (end + _DAY).day == 1:
            month = MONTH_NAMES[self.lang][start.month - 1]
            return (f" en {month} {start.year}" if fr else f" in {month} {start.year}"), \
                [str(start.year)]
        a = self.date(start.isoformat()) if start else ""
        b = self.date(end.isoformat()) if end else ""
        dates = [d.isoformat() for d in (start, end) if d]
        if start and end:
            return (f" du {a} au {b}" if fr else f" from {a} to {b}"), dates
        if start:
            return (f" depuis le {a}" if fr else f" since {a}"), dates
        return (f" jusqu'au {b}" if fr else f" until {b}"), dates
