"""Composers turn evidence into an answer with ``[n]`` markers.

The extractive composer is offline and deterministic: templates per intent, every
value read from the facts store and cited, every quote an exact part of its
source. It never invents: absent facts give "I couldn't find that in your records".

Quotes from records are restricted to declarative clinical sentences
(:func:`guardrails.quarantine.quotable`): an imperative, a question, text addressed to an
assistant, a URL, an image, HTML or code from a document is never echoed, whether or not
the chunk was flagged as an injection. Flagged chunks are still cited for their facts and
add a notice that instructions were not followed.

Disclaimer policy (one place: :func:`wants_disclaimer`; off with
``settings.guardrails.disclaimer = False``, passed as ``ExtractiveComposer(disclaimer=...)``).
The short disclaimer ("Your clinician can tell you what this means for you ...") ends an
answer that *interprets* health information for this person, and only when it states a
cited fact:
- personal values and trends (``value``, ``trend``) citing a record;
- lists and checks of medications, conditions and allergies citing a record;
- knowledge answers about treatment, medication or management citing the knowledge base.
It is not added to "I couldn't find ..." answers, out-of-scope answers, quotes of the
person's own documents (the clinician's words are quoted as they are), vaccine or
procedure lists, or when the question asks for a diagnosis or a medication change (the
answer path adds its own referral then); escalations and refusals never reach a
composer. The verifier drops the disclaimer if no cited sentence survives. The LLM
composer appends the same sentence when the extractive draft has it.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from guardrails.quarantine import injection_flags, quotable
from guardrails.requests import classify_request
from guardrails.verify import DISCLAIMER, MARKER
from indexes.facts import StoredItem, StoredRecord
from indexes.knowledge import StoredSection
from rag.answering.boilerplate import is_boilerplate
from rag.answering.citations import CitationBuilder
from rag.answering.evidence import Evidence, Point, Series
from rag.answering.planner import Plan
from rag.answering.reference import Reference, position, range_words
from rag.answering.trend_units import UnitView, asked_unit
from rag.answering.trends import Stats, TrendResult, about_same, relative_change
from rag.core.text import fold
from rag.core.types import MONTH_NAMES, human_number

MONTHS = MONTH_NAMES


def human_date(iso: str | None, language: str) -> str:
    if not iso or not re.match(r"\d{4}-\d{2}-\d{2}", iso):
        return iso or ""
    y, m, d = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return f"{d} {MONTHS.get(language, MONTHS['en'])[m - 1]} {y}"


def human_unit(unit: str | None) -> str:
    if not unit:
        return ""
    return unit.replace("mm[Hg]", "mmHg").replace("{", "").replace("}", "")


def _of(name: str, language: str) -> str:
    """French elision: "de glycémie", "d'hémoglobine"; nothing in English."""
    if language != "fr":
        return ""
    return "d'" if fold(name)[:1] in set("aeiouyh") else "de "


def _dates(points: list[Point]) -> list[str]:
    return [p.date[:10] for p in points if p.date]


def value_text(p: Point) -> str:
    if p.value2 is not None and p.value is not None:
        return f"{human_number(p.value)}/{human_number(p.value2)} {human_unit(p.unit) or 'mmHg'}"
    if p.value is not None:
        return f"{human_number(p.value)} {human_unit(p.unit)}".strip()
    return p.text or ""


T: dict[str, dict[str, str]] = {
    "en": {
        "latest": "Your most recent {name} was {value} on {date} [{m}].",
        "above": "That is above the reference range of {range} [{m}].",
        "below": "That is below the reference range of {range} [{m}].",
        "within": "That is within the reference range of {range} [{m}].",
        "above_limit": "That is above the reference range ({range}) [{m}].",
        "below_limit": "That is below the reference range ({range}) [{m}].",
        "within_limit": "That is within the reference range ({range}) [{m}].",
        "flagged": "The result is marked {flag} [{m}].",
        "previous": "Your previous result was {value} on {date} [{m}], so it has {direction}.",
        "up": "gone up",
        "down": "gone down",
        "same": "stayed the same",
        "series": "Your {name} results{window}: {items}.",
        "series_dir": "Over this period it went from {first} [{m1}] to {last} [{m2}].",
        "absent": "I couldn't find a {name} result in your records{window}.",
        "upload": "If you have a lab report, you can upload it.",
        "clinician": DISCLAIMER["en"],
        "list_head": "Your records list {n} {what}: {items}.",
        "list_none": "I couldn't find any {what} in your records.",
        "list_more": "Only the {n} most recent are shown.",
        "found_item": "Your records show {name}{detail} [{m}].",
        "no_item": "I couldn't find {name} in your {what} records.",
        "records_intro": "Here is what I found in your records:",
        "nothing": "I couldn't find that in your records.",
        "general": "In general:",
        "no_knowledge": "I don't have information on that in my knowledge base.",
        "out_of_scope": "I can help with questions about your health records and general health "
        "information. That question is outside what I can answer.",
        "quarantined": "Part of one document looks like instructions rather than health "
        "information; I have not followed it.",
        "and": "and",
        "on": "on",
        "recorded": "recorded",
        "since": "since",
        "prescribed": "prescribed",
        "status": "status",
        "criticality": "criticality",
        "reaction": "reaction",
        "window_in": " {phrase}",
    },
    "fr": {
        "latest": "Votre dernier résultat {of}{name} était {value} le {date} [{m}].",
        "above": "C'est au-dessus de l'intervalle de référence de {range} [{m}].",
        "below": "C'est en dessous de l'intervalle de référence de {range} [{m}].",
        "within": "C'est dans l'intervalle de référence de {range} [{m}].",
        "above_limit": "C'est au-dessus de l'intervalle de référence ({range}) [{m}].",
        "below_limit": "C'est en dessous de l'intervalle de référence ({range}) [{m}].",
        "within_limit": "C'est dans l'intervalle de référence ({range}) [{m}].",
        "flagged": "Le résultat est marqué {flag} [{m}].",
        "previous": "Le résultat précédent était {value} le {date} [{m}] : il a {direction}.",
        "up": "augmenté",
        "down": "baissé",
        "same": "peu changé",
        "series": "Vos résultats {of}{name}{window} : {items}.",
        "series_dir": "Sur cette période, il est passé de {first} [{m1}] à {last} [{m2}].",
        "absent": "Je n'ai pas trouvé de résultat {of}{name} dans votre dossier{window}.",
        "upload": "Si vous avez un compte rendu de laboratoire, vous pouvez l'ajouter.",
        "clinician": DISCLAIMER["fr"],
        "list_head": "Votre dossier mentionne {n} {what} : {items}.",
        "list_none": "Je n'ai trouvé aucun(e) {what} dans votre dossier.",
        "list_more": "Seuls les {n} plus récents sont affichés.",
        "found_item": "Votre dossier mentionne {name}{detail} [{m}].",
        "no_item": "Je n'ai pas trouvé {name} dans votre dossier ({what}).",
        "records_intro": "Voici ce que j'ai trouvé dans votre dossier :",
        "nothing": "Je n'ai pas trouvé cela dans votre dossier.",
        "general": "En général :",
        "no_knowledge": "Je n'ai pas d'information à ce sujet dans ma base de connaissances.",
        "out_of_scope": "Je peux répondre aux questions sur votre dossier de santé et sur la "
        "santé en général. Cette question sort de ce cadre.",
        "quarantined": "Une partie d'un document ressemble à des instructions plutôt qu'à des "
        "informations de santé ; je ne l'ai pas suivie.",
        "and": "et",
        "on": "le",
        "recorded": "enregistrée le",
        "since": "depuis",
        "prescribed": "prescrit le",
        "status": "statut",
        "criticality": "criticité",
        "reaction": "réaction",
        "window_in": " ({phrase})",
    },
}


WHAT: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "medication": ("active medications", "medications"),
        "condition": ("active conditions", "conditions"),
        "allergy": ("allergies", "allergies"),
        "immunization": ("vaccines (latest dose of each)", "vaccines"),
        "procedure": ("procedures", "procedures"),
    },
    "fr": {
        "medication": ("médicaments actifs", "médicaments"),
        "condition": ("problèmes de santé actifs", "problèmes de santé"),
        "allergy": ("allergies", "allergies"),
        "immunization": ("vaccins (dernière dose de chacun)", "vaccins"),
        "procedure": ("actes médicaux", "actes médicaux"),
    },
}


@dataclass
class Draft:
    sentences: list[str] = field(default_factory=list)
    computed: set[str] = field(default_factory=set)  # numbers derived by code (counts)
    flags: set[str] = field(default_factory=set)
    # statistics computed by code (means, slopes, changes, period dates) -> the markers of
    # the facts they come from; the verifier accepts them only in sentences citing those
    derived: dict[str, set[int]] = field(default_factory=dict)
    disclaimer: str | None = None  # the disclaimer sentence, when the policy added it

    def declare(self, sentence: str, *facts: str) -> str:
        """Declare ``facts`` (numbers as written, ISO dates) derived from what ``sentence``
        cites; returns the sentence, to append."""
        markers = {int(m) for m in re.findall(r"\[(\d+)\]", sentence)}
        for fact in facts:
            self.derived.setdefault(fact, set()).update(markers)
        return sentence

    @property
    def text(self) -> str:
        return " ".join(s for s in self.sentences if s)


class Composer(ABC):
    name: str

    @abstractmethod
    def compose(self, plan: Plan, evidence: Evidence, cites: CitationBuilder) -> Draft:
        """Write the answer for ``plan`` from ``evidence``, citing through ``cites``."""


def _join(parts: list[str], language: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {T[language]['and']} " + parts[-1]


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9À-Ý])")


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text.replace("\n", " ")) if s.strip()]


def best_sentences(text: str, question: str, n: int = 2, *, documents: bool = False
                   ) -> list[str]:
    """The sentences of ``text`` sharing most words with the question, in text order.
    Returned sentences are exact substrings of ``text``. With ``documents`` (text from a
    person's records) only :func:`~guardrails.quarantine.quotable` sentences are candidates;
    knowledge-base text is curated, but its links and markup are never quoted either."""
    words = {w for w in re.findall(r"\w{4,}", fold(question))}
    cands = [s for s in (x.strip() for x in _SENT.split(text)) if s and "\n" not in s.strip()]
    if not cands:
        cands = [line.strip() for line in text.splitlines() if line.strip()]
    if documents:  # never a copyright line, an address or page furniture either
        cands = [c for c in cands if quotable(c) and not is_boilerplate(c)]
    else:
        cands = [c for c in cands if not _LINKISH.search(c)]
    scored = sorted(
        range(len(cands)),
        key=lambda i: (-len(words & set(re.findall(r"\w{4,}", fold(cands[i])))), i),
    )
    keep = sorted(scored[:n])
    return [cands[i] for i in keep if cands[i] in text]


def cited_sentence(quote: str, marker: int) -> str:
    """ "Text of the quote [n]." with the marker inside the sentence."""
    body = " ".join(quote.split())  # the citation keeps the exact quote; the answer reads flat
    end = body[-1] if body and body[-1] in ".!?" else "."
    return f"{body.rstrip('.!?')} [{marker}]{end}"


_ABBREV = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|St|vs|e\.g|i\.e|approx|No)\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line of ``text``, so runs of them stay exact."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n]+", text):
        start = m.start()
        for cut in re.finditer(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9À-Ý])", m.group(0)):
            if _ABBREV.search(m.group(0)[: cut.start()]):
                continue  # "Dr. Patel" is one sentence
            spans.append((start, m.start() + cut.start()))
            start = m.start() + cut.end()
        spans.append((start, m.end()))
    return [(a, b) for a, b in spans if text[a:b].strip()]


FREE_TEXT_TYPES = {"DocumentReference", "DiagnosticReport"}
_LINKISH = re.compile(r"https?://|\bwww\.|!\[|\]\(|<\s*/?\s*[a-zA-Z][^>]*>|`", re.I)


def free_text(rec: StoredRecord) -> bool:
    """Text written by a person (a letter, a report), not generated from coded fields."""
    return rec.resource_type in FREE_TEXT_TYPES or rec.source_type == "document"


def needs_quarantine(rec: StoredRecord) -> bool:
    """Flagged at ingest, or detected again now (the rules may be newer than the ingest).
    Decides the "not followed" notice; what may be quoted does not depend on it."""
    return "prompt_injection" in rec.flags or bool(injection_flags(rec.text))


def clinical_sentence(sentence: str) -> bool:
    """A declarative sentence that states something clinical: what a document may be
    quoted for (see :func:`guardrails.quarantine.quotable`)."""
    return quotable(sentence, free_text=True)


_HEADER = re.compile(r"^\s*Document:[^:\n]{0,160}:\s*(?=\S)")
_HEALTH_SIGNAL = re.compile(r"\d+(?:[.,]\d+)?")


def safe_quote(rec: StoredRecord, question: str = "") -> str:
    """The part of the record text a composer may echo: the whole text when every sentence
    is quotable, else the run of consecutive quotable sentences that best matches the
    question (then the most values), an exact part of the text; "" when none is."""
    free = free_text(rec)
    spans = sentence_spans(rec.text)
    # The parser's "Document: <title> (part n):" header names the document: a clinical
    # title must not lend its anchor to the sentence that follows it.
    ok = [quotable(_HEADER.sub("", rec.text[a:b]), free_text=free)
          and not (free and is_boilerplate(rec.text[a:b])) for a, b in spans]
    if spans and all(ok):
        return rec.text
    if free:
        # An injected passage runs from its first to its last hostile sentence: what it
        # surrounds belongs to it, however clinical it reads ("Baking uses high
        # temperatures ..." inside a jailbreak), so only text outside it may be quoted.
        # Structural, so it holds for injections that detection misses.
        hostile = [i for i, (a, b) in enumerate(spans)
                   if not quotable(rec.text[a:b], free_text=False)]
        if hostile:
            for i in range(hostile[0], hostile[-1] + 1):
                ok[i] = False
    words = set(re.findall(r"\w{4,}", fold(question)))
    runs: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for (a, b), good in [*zip(spans, ok, strict=True), ((-1, -1), False)]:
        if good:
            start = a if start is None else start
            end = b
        elif start is not None:
            runs.append((start, end))
            start = None
    if not runs:
        return ""

    def score(run: tuple[int, int]) -> tuple[int, int, int]:
        part = rec.text[run[0] : run[1]]
        overlap = len(words & set(re.findall(r"\w{4,}", fold(part))))
        return (overlap, len(_HEALTH_SIGNAL.findall(part)), run[1] - run[0])

    a, b = max(runs, key=score)
    return rec.text[a:b].strip()


def _quote(rec: StoredRecord, name: str) -> str:
    """What a list line cites: the quotable record text, else the item's name as written
    in it, so a citation never carries a record's instructions or links."""
    quote = safe_quote(rec)
    if quote:
        return quote
    return name if name and name in rec.text else rec.text


_TREATMENT = re.compile(
    r"\b(?:treat\w*|therap\w*|medic\w*|drugs?|doses?|dosage|manag\w*|cures?|surgery|"
    r"prescri\w*|side[\s-]effects?|traitements?|traiter|soigner|medicaments?|posologie|"
    r"chirurgie|prendre\s+en\s+charge)\b")
DISCLAIMER_CATEGORIES = {"medication", "condition", "allergy"}


def wants_disclaimer(plan: Plan, draft: Draft, cites: CitationBuilder) -> bool:
    """The disclaimer policy (see the module docstring): does this draft interpret health
    information for the person, with at least one cited fact of the right kind?"""
    if plan.intent in {"out_of_scope", "records"}:
        return False
    markers = {int(m) for s in draft.sentences for m in MARKER.findall(s)}
    kinds = {c.kind for c in cites.citations if c.marker in markers}
    request = classify_request(plan.question)
    if request.diagnosis_request or request.medication_change:
        return False  # the answer path adds its referral sentence instead
    if plan.intent in {"value", "trend"}:
        return "record" in kinds
    if plan.intent in {"list", "check_item"}:
        return plan.category in DISCLAIMER_CATEGORIES and "record" in kinds
    return "knowledge" in kinds and bool(_TREATMENT.search(fold(plan.question)))


def range_sentence(p: Point, cites: CitationBuilder, draft: Draft, lang: str) -> None:
    """The reference-range (or flag) sentence for the latest point."""
    t = T[lang]
    if p.value is None or p.value2 is not None:
        return
    unit = human_unit(p.unit)
    ref = Reference(p.ref_low, p.ref_high, p.ref_text)
    where = position(p.value, ref)
    if where is not None:  # two-sided, or one-sided ("<200", ">60", "≤ 5.6")
        rng = range_words(ref, unit, lang)
        key = where if not ref.one_sided else f"{where}_limit"
        draft.sentences.append(t[key].format(range=rng, m=cites.record(p.record)))
    elif p.interpretation and p.interpretation.upper() in {"H", "L", "HH", "LL", "A"}:
        from ingest.fhir import flag_word

        draft.sentences.append(
            t["flagged"].format(flag=flag_word(p.interpretation), m=cites.record(p.record))
        )


class ExtractiveComposer(Composer):
    name = "extractive"

    def __init__(self, list_limit: int = 50, *, disclaimer: bool = True) -> None:
        self.list_limit = list_limit
        self.disclaimer = disclaimer

    def compose(self, plan: Plan, evidence: Evidence, cites: CitationBuilder) -> Draft:
        lang = plan.language if plan.language in T else "en"
        draft = Draft()
        if plan.intent == "out_of_scope":
            draft.sentences.append(T[lang]["out_of_scope"])
        elif plan.intent in {"value", "trend"} and evidence.series:
            for series in evidence.series:
                result = evidence.trends.get(series.term.key)
                if plan.intent == "trend" and result is not None:
                    TrendWriter(plan, result, cites, draft, lang).write()
                    self._explain(plan, evidence.explainers.get(series.term.key, []), cites,
                                  draft, lang, 1)
                else:
                    self._series(plan, series, evidence, cites, draft, lang)
        elif plan.intent == "list" and plan.category:
            self._list(plan.category, evidence.items, cites, draft, lang)
        elif plan.intent == "check_item" and plan.category:
            self._check(plan, evidence, cites, draft, lang)
        elif plan.intent == "records":
            self._records(plan, evidence, cites, draft, lang)
        else:
            self._knowledge(plan, evidence.knowledge, cites, draft, lang)
        if self.disclaimer and wants_disclaimer(plan, draft, cites):
            draft.disclaimer = T[lang]["clinician"]
            draft.sentences.append(draft.disclaimer)
        return draft

    # ------------------------------------------------------------ values

    def _series(
        self,
        plan: Plan,
        series: Series,
        ev: Evidence,
        cites: CitationBuilder,
        draft: Draft,
        lang: str,
    ) -> None:
        t = T[lang]
        name = series.term.display(lang)
        window = t["window_in"].format(phrase=plan.window.phrase) if plan.window.phrase else ""
        points = [p for p in series.points if p.value is not None or p.text]
        if not points:
            draft.sentences.append(t["absent"].format(name=name, window=window, of=_of(name, lang)))
            draft.sentences.append(t["upload"])
            self._explain(plan, ev.explainers.get(series.term.key, []), cites, draft, lang, 1)
            return
        if plan.intent == "trend" and len(points) > 1:
            shown = points[-10:]
            items = [
                f"{value_text(p)} {t['on']} {human_date(p.date, lang)} [{cites.record(p.record)}]"
                for p in shown
            ]
            # A point's date is the stored fact's: a lab row in a document cites its row,
            # while the date sits in the report's header, so dates are declared derived.
            draft.sentences.append(draft.declare(
                t["series"].format(
                    name=name, window=window, items=_join(items, lang), of=_of(name, lang)
                ), *_dates(shown)
            ))
            first, last = shown[0], shown[-1]
            if first.value is not None and last.value is not None:
                draft.sentences.append(
                    t["series_dir"].format(
                        first=value_text(first),
                        last=value_text(last),
                        m1=cites.record(first.record),
                        m2=cites.record(last.record),
                    )
                )
            self._range(points[-1], cites, draft, lang)
        else:
            latest = points[-1]
            m = cites.record(latest.record)
            draft.sentences.append(draft.declare(
                t["latest"].format(
                    name=name,
                    value=value_text(latest),
                    date=human_date(latest.date, lang),
                    m=m,
                    of=_of(name, lang),
                ), *_dates([latest])
            ))
            self._range(latest, cites, draft, lang)
            earlier = [p for p in points[:-1] if p.date != latest.date or p.value != latest.value]
            if earlier and latest.value is not None and earlier[-1].value is not None:
                prev = earlier[-1]
                if latest.value > prev.value:  # type: ignore[operator]
                    direction = t["up"]
                elif latest.value < prev.value:  # type: ignore[operator]
                    direction = t["down"]
                else:
                    direction = t["same"]
                draft.sentences.append(draft.declare(
                    t["previous"].format(
                        value=value_text(prev),
                        date=human_date(prev.date, lang),
                        m=cites.record(prev.record),
                        direction=direction,
                    ), *_dates([prev])
                ))
        self._explain(plan, ev.explainers.get(series.term.key, []), cites, draft, lang, 1)

    def _range(self, p: Point, cites: CitationBuilder, draft: Draft, lang: str) -> None:
        range_sentence(p, cites, draft, lang)

    def _explain(
        self,
        plan: Plan,
        sections: list[StoredSection],
        cites: CitationBuilder,
        draft: Draft,
        lang: str,
        n: int,
    ) -> None:
        if not sections:
            return
        sec = sections[0]
        quote = " ".join(sentences_of(sec.text)[:n]) if n else sec.text
        if quote and quote in sec.text:
            draft.sentences.append(cited_sentence(quote, cites.knowledge(sec, quote)))

    # ------------------------------------------------------------ lists

    def _describe(self, si: StoredItem, lang: str) -> str:
        t = T[lang]
        it = si.item
        bits: list[str] = []
        date = human_date(it.date, lang) if it.date else ""
        if it.category == "medication":
            if date:
                word = t["prescribed"] if it.detail.get("kind") != "statement" else t["since"]
                bits.append(f"{word} {date}")
        elif it.category == "allergy":
            if date:
                bits.append(f"{t['recorded']} {date}")
            if it.detail.get("criticality"):
                bits.append(f"{t['criticality']} {it.detail['criticality']}")
            if it.detail.get("reactions"):
                bits.append(f"{t['reaction']}: {', '.join(it.detail['reactions'][:2])}")
        elif it.category == "condition":
            if date:
                bits.append(f"{t['since']} {date}")
        elif date:
            bits.append(f"{t['on']} {date}")
        return f"{it.name} ({', '.join(bits)})" if bits else it.name

    def _list(
        self,
        category: str,
        items: list[tuple[StoredItem, StoredRecord]],
        cites: CitationBuilder,
        draft: Draft,
        lang: str,
    ) -> None:
        t = T[lang]
        safe = [x for x in items if quotable(x[0].item.name, free_text=False)]
        if len(safe) < len(items):  # a name that carries instructions, a link or markup
            draft.flags.add("prompt_injection")
        items = safe
        active_words = {"active", "recurrence", "relapse", "on-hold"}
        what_active, what_all = WHAT[lang].get(category, (category, category))
        chosen = items
        what = what_active if category == "immunization" else what_all
        if category in {"medication", "condition"}:
            chosen = [x for x in items if (x[0].item.status or "").lower() in active_words]
            what = what_active
        elif category == "allergy":
            chosen = [
                x
                for x in items
                if (x[0].item.status or "active").lower() not in {"resolved", "inactive"}
            ]
        if category in {"immunization", "procedure", "medication"}:
            chosen = sorted(chosen, key=lambda x: x[0].item.date or "", reverse=True)
        if not chosen:
            draft.sentences.append(t["list_none"].format(what=what))
            return
        # one line per distinct name: the most recent record of it
        seen: dict[str, tuple[StoredItem, StoredRecord]] = {}
        for si, rec in sorted(chosen, key=lambda x: x[0].item.date or "", reverse=True):
            seen.setdefault(fold(si.item.name), (si, rec))
        unique = list(seen.values())
        if category in {"condition", "allergy"}:
            unique.sort(key=lambda x: x[0].item.date or "")
        shown = unique[: self.list_limit]
        parts = [f"{self._describe(si, lang)} [{cites.record(rec, _quote(rec, si.item.name))}]"
                 for si, rec in shown]
        draft.computed.add(str(len(unique)))
        draft.sentences.append(
            t["list_head"].format(n=len(unique), what=what, items=_join(parts, lang))
        )
        if len(unique) > len(shown):
            draft.computed.add(str(len(shown)))
            draft.sentences.append(t["list_more"].format(n=len(shown)))

    def _check(
        self, plan: Plan, ev: Evidence, cites: CitationBuilder, draft: Draft, lang: str
    ) -> None:
        t = T[lang]
        if not ev.items:
            what = WHAT[lang].get(plan.category or "", ("", plan.category or ""))[1]
            draft.sentences.append(t["no_item"].format(name=plan.item_query, what=what))
            return
        items = [x for x in ev.items if quotable(x[0].item.name, free_text=False)]
        if len(items) < len(ev.items):
            draft.flags.add("prompt_injection")
        for si, rec in sorted(items, key=lambda x: x[0].item.date or "", reverse=True)[:5]:
            it = si.item
            extra = []
            if it.status:
                extra.append(f"{t['status']}: {it.status}")
            desc = self._describe(si, lang)
            detail = f" ({', '.join(extra)})" if extra else ""
            draft.sentences.append(
                t["found_item"].format(
                    name=desc, detail=detail, m=cites.record(rec, _quote(rec, it.name))
                )
            )

    # ------------------------------------------------------------ free text

    def _records(
        self, plan: Plan, ev: Evidence, cites: CitationBuilder, draft: Draft, lang: str
    ) -> None:
        t = T[lang]
        if not ev.records:
            draft.sentences.append(t["nothing"])
            self._knowledge(plan, ev.knowledge[:1], cites, draft, lang, intro=True)
            return
        quoted: list[str] = []
        for rec in ev.records[:3]:
            if needs_quarantine(rec):
                draft.flags.add("prompt_injection")
            quote = safe_quote(rec, plan.question)
            if len(quote) > 400:
                picked = best_sentences(quote, plan.question, 2, documents=free_text(rec))
                joined = " ".join(picked)
                quote = joined if picked and joined in rec.text else (picked[0] if picked else "")
            if quote:
                quoted.append(cited_sentence(quote, cites.record(rec, quote)))
        draft.sentences.extend([t["records_intro"], *quoted] if quoted else [t["nothing"]])
        if "prompt_injection" in draft.flags:
            draft.sentences.append(t["quarantined"])

    def _knowledge(
        self,
        plan: Plan,
        sections: list[StoredSection],
        cites: CitationBuilder,
        draft: Draft,
        lang: str,
        intro: bool = False,
    ) -> None:
        t = T[lang]
        if not sections:
            if not intro:
                draft.sentences.append(t["no_knowledge"])
            return
        if intro:
            draft.sentences.append(t["general"])
        for sec in sections[:2]:
            for quote in best_sentences(sec.text, plan.question, 2):
                draft.sentences.append(cited_sentence(quote, cites.knowledge(sec, quote)))


# ---------------------------------------------------------------- trends

TT: dict[str, dict[str, str]] = {
    "en": {
        "yes_down": "Yes: your {name} has been going down {period}, by about {slope} {unit} "
        "per {per} {m}.",
        "yes_up": "Yes: your {name} has been going up {period}, by about {slope} {unit} "
        "per {per} {m}.",
        "no_down": "No: your {name} has been going down {period}, by about {slope} {unit} "
        "per {per} {m}.",
        "no_up": "No: your {name} has been going up {period}, by about {slope} {unit} "
        "per {per} {m}.",
        "no_stable": "No clear change: your {name} has been stable {period} (the trend line "
        "moves less than {pct}% of the average) {m}.",
        "mean": "Your {name} {period} averaged {mean} {unit}{each} over {n} {days} {m}.",
        "one_day": "Your {name} {period}: {value} {m}.",
        "mean_bp": "Your {name} {period} averaged {mean} over {n} {days} {m}.",
        "total": "You recorded {total} {unit} {period}, on {n} {days} with data {m}.",
        "before_down": "That is down {pct}% from {mean} {unit}{each} over the {n} {days} "
        "before ({period}) {m}.",
        "before_up": "That is up {pct}% from {mean} {unit}{each} over the {n} {days} "
        "before ({period}) {m}.",
        "before_same": "That is about the same as the {mean} {unit}{each} over the {n} {days} "
        "before ({period}) {m}.",
        "before_total": "In the period before ({period}) you recorded {total} {unit} {m}.",
        "range": "Lowest {lo} on {lo_date} {m1}; highest {hi} on {hi_date} {m2}.",
        "sparse": "Across these {n} {days} the average was {mean}; the lowest was {lo} on "
        "{lo_date} {m1} and the highest {hi} on {hi_date} {m2}.",
        "trend_down": "The trend line goes down by about {slope} {unit} per {per} {m}.",
        "trend_up": "The trend line goes up by about {slope} {unit} per {per} {m}.",
        "trend_stable": "The trend is stable: the trend line moves less than {pct}% of the "
        "average over the period {m}.",
        "trend_noisy": "There is no clear trend: a change of about {slope} {unit} per {per} is "
        "within the day-to-day variation {m}.",
        "no_noisy": "No clear change: your {name} shows no clear trend {period}; a change of "
        "about {slope} {unit} per {per} is within the day-to-day variation {m}.",
        "absent": "I couldn't find any {name} data in your records{period}.",
        "upload": "If you use a health app or a device, you can upload its export.",
        "series": "Your {name} results {period}: {items}.",
        "week": "week", "month": "month", "year": "year",
        "a_night": " a night", "a_day": " a day",
        "nights": "nights", "days": "days", "results": "results", "measurements": "measurements",
        "in": "in {x}", "on_day": "on {x}", "week_of": "in the week of {x}",
        "from_to": "from {a} to {b}",
    },
    "fr": {
        "yes_down": "Oui : la tendance de {name} est à la baisse {period}, d'environ {slope} "
        "{unit} par {per} {m}.",
        "yes_up": "Oui : la tendance de {name} est à la hausse {period}, d'environ {slope} "
        "{unit} par {per} {m}.",
        "no_down": "Non : la tendance de {name} est à la baisse {period}, d'environ {slope} "
        "{unit} par {per} {m}.",
        "no_up": "Non : la tendance de {name} est à la hausse {period}, d'environ {slope} "
        "{unit} par {per} {m}.",
        "no_stable": "Pas de changement net : la tendance de {name} est stable {period} (la "
        "droite de tendance varie de moins de {pct} % de la moyenne) {m}.",
        "mean": "{Name} {period} : en moyenne {mean} {unit}{each} sur {n} {days} {m}.",
        "one_day": "{Name} {period} : {value} {m}.",
        "mean_bp": "{Name} {period} : en moyenne {mean} sur {n} {days} {m}.",
        "total": "{Name} {period} : {total} {unit} au total, sur {n} {days} avec des données "
        "{m}.",
        "before_down": "C'est {pct} % de moins que les {mean} {unit}{each} des {n} {days} "
        "d'avant ({period}) {m}.",
        "before_up": "C'est {pct} % de plus que les {mean} {unit}{each} des {n} {days} "
        "d'avant ({period}) {m}.",
        "before_same": "C'est à peu près comme les {mean} {unit}{each} des {n} {days} "
        "d'avant ({period}) {m}.",
        "before_total": "Sur la période d'avant ({period}) : {total} {unit} {m}.",
        "range": "Minimum {lo} le {lo_date} {m1} ; maximum {hi} le {hi_date} {m2}.",
        "sparse": "Sur ces {n} {days}, la moyenne est de {mean} ; le plus bas {lo} le "
        "{lo_date} {m1} et le plus haut {hi} le {hi_date} {m2}.",
        "trend_down": "La droite de tendance baisse d'environ {slope} {unit} par {per} {m}.",
        "trend_up": "La droite de tendance monte d'environ {slope} {unit} par {per} {m}.",
        "trend_stable": "La tendance est stable : la droite de tendance varie de moins de "
        "{pct} % de la moyenne sur la période {m}.",
        "trend_noisy": "Pas de tendance nette : une variation d'environ {slope} {unit} par {per} "
        "reste dans les variations d'un jour à l'autre {m}.",
        "no_noisy": "Pas de changement net : pas de tendance nette {period} ; une variation "
        "d'environ {slope} {unit} par {per} reste dans les variations d'un jour à l'autre {m}.",
        "absent": "Je n'ai pas trouvé de données {of}{name} dans votre dossier{period}.",
        "upload": "Si vous utilisez une application ou un appareil de santé, vous pouvez "
        "ajouter son export.",
        "series": "Vos résultats {of}{name} {period} : {items}.",
        "week": "semaine", "month": "mois", "year": "an",
        "a_night": " par nuit", "a_day": " par jour",
        "nights": "nuits", "days": "jours", "results": "résultats", "measurements": "mesures",
        "in": "en {x}", "on_day": "le {x}", "week_of": "la semaine du {x}",
        "from_to": "du {a} au {b}",
    },
}
# Wellness unit words in French ("steps" -> "pas").
UNIT_FR = {"steps": "pas", "workouts": "séances", "floors": "étages"}
_ASKS_DOWN = re.compile(r"\b(going down|decreas\w*|dropp\w*|falling|losing|lower\w*|"
                        r"en baisse|baiss\w*|diminu\w*|descend\w*)\b")
_ASKS_UP = re.compile(r"\b(going up|increas\w*|rising|gaining|higher|en hausse|augment\w*|"
                      r"mont(?:e|ent|er|ee))\b")
_ASKS_TOTAL = re.compile(r"\b(how many|in total|total|combien|au total)\b")
STABLE_PCT = "2"  # rag.answering.trends.STABLE_FRACTION as people read it


def percent(x: float) -> str:
    """12.3 -> "12", 3.44 -> "3.4": percentages read with at most one decimal."""
    text = f"{x:.0f}" if x >= 10 else f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


class TrendWriter:
    """Writes a trend answer from a :class:`~rag.answering.trends.TrendResult`: every number is
    either a stored value quoted by the citation next to it, or a statistic declared on
    the draft as derived from the facts the sentence cites."""

    MAX_CITED = 8

    def __init__(self, plan: Plan, result: TrendResult, cites: CitationBuilder, draft: Draft,
                 lang: str, unit: str | None = None) -> None:
        """``unit``: the unit asked for (a Query's ``unit``); by default read from the
        question ("minutes of sleep"). Values are said in it when a factor is known."""
        self.plan, self.r, self.cites, self.draft, self.lang = plan, result, cites, draft, lang
        self.t = TT[lang]
        self.name = result.term.display(lang)
        self.folded = fold(plan.question)
        metric = result.metric
        unit_text = metric.unit_text if metric else human_unit(result.unit)
        self.view = UnitView.of(unit or asked_unit(plan.question), result.unit, result.term.key)
        if result.stats2 is not None:
            self.view = UnitView(result.unit)  # blood pressure stays in mmHg
        unit_text = self.view.unit_text(unit_text)
        self.unit = UNIT_FR.get(unit_text, unit_text) if lang == "fr" else unit_text
        self._made: list[str] = []  # converted numbers, declared with the next sentence
        key = metric.key if metric else ""
        self.night = key.startswith("sleep")
        self.count_like = metric is not None and metric.key == "workouts"
        self.each = ""
        if result.daily and metric is not None and metric.cumulative:
            self.each = self.t["a_night" if self.night else "a_day"]
        kind = "nights" if self.night else "days" if result.daily else (
            "results" if result.term.kind == "lab" else "measurements")
        self.days = self.t[kind]
        self.bp = result.stats2 is not None
        self.stated_slope = False  # a yes/no answer already gave the slope

    # -------------------------------------------------------- helpers

    def _m(self, *records: StoredRecord) -> str:
        return self.cites.markers(*records)

    def _date(self, iso: str) -> str:
        return human_date(iso, self.lang)

    def _period(self, start: dt.date, end: dt.date, calendar: str | None) -> tuple[str, list[str]]:
        """How a period reads, and the facts (dates, years) it states."""
        t = self.t
        if calendar == "year" and start.month == 1 and start.day == 1:
            return t["in"].format(x=start.year), [str(start.year)]
        if calendar == "month" and start.day == 1:
            month = MONTHS.get(self.lang, MONTHS["en"])[start.month - 1]
            return t["in"].format(x=f"{month} {start.year}"), [str(start.year)]
        if calendar == "week":
            return t["week_of"].format(x=self._date(start.isoformat())), [start.isoformat()]
        if start == end:
            return t["on_day"].format(x=self._date(start.isoformat())), [start.isoformat()]
        text = t["from_to"].format(a=self._date(start.isoformat()), b=self._date(end.isoformat()))
        return text, [start.isoformat(), end.isoformat()]

    def _say(self, sentence: str, *facts: str) -> None:
        made, self._made = self._made, []
        self.draft.sentences.append(self.draft.declare(sentence, *facts, *made))

    def _num(self, x: float, *, change: bool = False) -> str:
        """A recorded value (or, with ``change``, a difference) as said: in the asked
        unit when it converts, then declared with the sentence that says it."""
        if not self.view.active:
            return human_number(x)
        text = human_number(self.view.difference(x) if change else self.view.value(x))
        self._made.append(text)
        return text

    def _value(self, value: float) -> str:
        return f"{self._num(value)} {self.unit}".strip()

    def _point(self, p: Point) -> str:
        """A point's value as said (converted when asked), else as recorded."""
        if self.view.active and p.value is not None and p.value2 is None:
            return self._value(p.value)
        return value_text(p)

    def _support(self, stats: Stats) -> tuple[StoredRecord, ...]:
        """What a period's mean cites: its monthly summaries, else its first and last
        records (the weeks or results holding the first and last days)."""
        if stats.summaries:
            return stats.summaries
        return (stats.first.records[0], stats.last.records[0])

    # -------------------------------------------------------- the answer

    def write(self) -> None:
        r, t = self.r, self.t
        stats = r.stats
        if stats is None or r.start is None or r.end is None:
            phrase = self.plan.window.phrase  # the question's words: nothing to ground
            period = T[self.lang]["window_in"].format(phrase=phrase) if phrase else ""
            self.draft.sentences.append(t["absent"].format(
                name=self.name, period=period, of=_of(self.name, self.lang)))
            self.draft.sentences.append(t["upload"] if r.daily else T[self.lang]["upload"])
            return
        period, period_facts = self._period(r.start, r.end, r.calendar)
        self._direction_answer(stats, period, period_facts)
        if r.daily:
            self._daily(stats, period, period_facts)
        else:
            self._sparse(stats, period, period_facts)

    def _direction_answer(self, stats: Stats, period: str, facts: list[str]) -> None:
        down, up = _ASKS_DOWN.search(self.folded), _ASKS_UP.search(self.folded)
        if stats.slope is None or stats.direction is None or bool(down) == bool(up):
            return
        m = self._m(stats.first.records[0], stats.last.records[0])
        slope = self._num(abs(stats.slope.value), change=True)
        if stats.direction == "stable":
            key = "no_noisy" if stats.stable_reason == "noisy" else "no_stable"
        elif stats.direction == "down":
            key = "yes_down" if down else "no_down"
        else:
            key = "yes_up" if up else "no_up"
        self._say(self.t[key].format(name=self.name, period=period, slope=slope,
                                     unit=self.unit, per=self.t[stats.slope.per], m=m,
                                     pct=STABLE_PCT),
                  *facts, slope, STABLE_PCT)
        self.stated_slope = True

    def _mean_text(self, stats: Stats) -> tuple[str, list[str]]:
        if self.bp and self.r.stats2 is not None:
            s, d = human_number(stats.mean), human_number(self.r.stats2.mean)
            return f"{s}/{d} {human_unit(self.r.unit) or 'mmHg'}", [s, d]
        mean = self._num(stats.mean)
        return mean, [mean]

    def _daily(self, stats: Stats, period: str, facts: list[str]) -> None:
        t = self.t
        name_cap = self.name[:1].upper() + self.name[1:]
        support = self._m(*self._support(stats))
        n = str(stats.n)
        if stats.n == 1 and self.r.calendar == "day":  # one day asked: its value, no stats
            self._say(t["one_day"].format(name=self.name, Name=name_cap, period=period,
                                          value=self._value(stats.first.value),
                                          m=self._m(stats.first.records[0])), *facts)
            return
        if self.count_like or _ASKS_TOTAL.search(self.folded):
            total = self._num(stats.total)
            self._say(t["total"].format(total=total, unit=self.unit, period=period, n=n,
                                        days=self.days, m=support, Name=name_cap),
                      total, n, *facts)
        if not self.count_like:
            mean, mean_facts = self._mean_text(stats)
            key = "mean_bp" if self.bp else "mean"
            self._say(t[key].format(name=self.name, Name=name_cap, period=period, mean=mean,
                                    unit=self.unit, each=self.each, n=n, days=self.days,
                                    m=support),
                      *mean_facts, n, *facts)
        self._compare(stats)
        if stats.n > 1 and not self.bp and not self.count_like:
            self._say(t["range"].format(
                lo=self._value(stats.min.value), lo_date=self._date(stats.min.date),
                hi=self._value(stats.max.value), hi_date=self._date(stats.max.date),
                m1=self._m(stats.min.records[0]), m2=self._m(stats.max.records[0])))
        if not self.count_like:  # days without a workout are not recorded: no slope
            self._slope(stats)

    def _compare(self, stats: Stats) -> None:
        r, t = self.r, self.t
        prev = r.previous
        if prev is None or r.previous_start is None or r.previous_end is None:
            return
        if len(self.cites.citations) >= self.MAX_CITED:
            return
        period, facts = self._period(r.previous_start, r.previous_end, r.calendar)
        m = self._m(*self._support(prev))
        if self.count_like:
            total = self._num(prev.total)
            self._say(t["before_total"].format(period=period, total=total, unit=self.unit, m=m),
                      total, *facts)
            return
        if self.bp:
            return
        mean, n = self._num(prev.mean), str(prev.n)
        change = relative_change(stats.mean, prev.mean)
        if change is None or about_same(stats.mean, prev.mean):
            key, pct = "before_same", ""
        else:
            key, pct = ("before_down" if change < 0 else "before_up"), percent(abs(change))
        self._say(t[key].format(pct=pct, mean=mean, unit=self.unit, each=self.each, n=n,
                                days=self.days, period=period, m=m),
                  mean, n, pct, *facts)

    def _slope(self, stats: Stats) -> None:
        if stats.slope is None or stats.direction is None or self.stated_slope:
            return
        t = self.t
        m = self._m(stats.first.records[0], stats.last.records[0])
        slope = self._num(abs(stats.slope.value), change=True)
        key = {"down": "trend_down", "up": "trend_up", "stable": "trend_stable"}[stats.direction]
        if stats.stable_reason == "noisy":
            key = "trend_noisy"
        unit = f"{human_unit(self.r.unit) or 'mmHg'}" if self.bp else self.unit
        self._say(t[key].format(slope=slope, unit=unit, per=t[stats.slope.per], m=m,
                                pct=STABLE_PCT), slope, STABLE_PCT)

    def _sparse(self, stats: Stats, period: str, facts: list[str]) -> None:
        t, r = self.t, self.r
        shown = r.points[-10:]
        items = [f"{self._point(p)} {T[self.lang]['on']} {human_date(p.date, self.lang)} "
                 f"{self._m(*p.records)}" for p in shown]
        # Each value's date is its stored fact's: a lab row in a document cites its row,
        # while the date sits in the report's header ("Date collected: 04/18/2024"), so
        # the dates are declared derived from the values cited, as in the value answer.
        days = _dates(shown)
        if self.plan.window.bounded:
            self._say(t["series"].format(name=self.name, period=period,
                                         items=_join(items, self.lang),
                                         of=_of(self.name, self.lang)), *facts, *days)
        else:
            self._say(T[self.lang]["series"].format(
                name=self.name, window="", items=_join(items, self.lang),
                of=_of(self.name, self.lang)), *days)
        first, last = shown[0], shown[-1]
        if len(shown) > 1 and first.value is not None and last.value is not None:
            self._say(T[self.lang]["series_dir"].format(
                first=self._point(first), last=self._point(last),
                m1=self.cites.record(first.record), m2=self.cites.record(last.record)))
        if stats.n >= 3:
            mean, mean_facts = self._mean_text(stats)
            unit = "" if self.bp else f" {self.unit}".rstrip()
            lo, hi = (self._point(p) for p in self._extremes(stats))
            self._say(t["sparse"].format(
                n=str(stats.n), days=self.days, mean=f"{mean}{unit}", lo=lo,
                lo_date=self._date(stats.min.date), hi=hi, hi_date=self._date(stats.max.date),
                m1=self._m(stats.min.records[0]), m2=self._m(stats.max.records[0])),
                *mean_facts, str(stats.n), stats.min.date, stats.max.date)
            self._slope(stats)
        range_sentence(shown[-1], self.cites, self.draft, self.lang)

    def _extremes(self, stats: Stats) -> tuple[Point, Point]:
        """The points holding the min and the max (for their value text, with units)."""
        def at(sp_date: str, value: float) -> Point:
            return next(p for p in self.r.points if p.day == sp_date and p.value == value)

        return at(stats.min.date, stats.min.value), at(stats.max.date, stats.max.value)
