"""Composers turn evidence into an answer with ``[n]`` markers.

The extractive composer is offline and deterministic: templates per intent, every
value read from the facts store and cited, every quote an exact part of its
source. It never invents: absent facts give "I couldn't find that in your records".
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from guardrails.quarantine import assistant_directed
from indexes.facts import StoredItem, StoredRecord
from indexes.knowledge import StoredSection
from rag.citations import CitationBuilder
from rag.evidence import Evidence, Point, Series
from rag.planner import Plan
from rag.terms import fold
from rag.types import MONTH_NAMES, human_number

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
        "flagged": "The result is marked {flag} [{m}].",
        "previous": "Your previous result was {value} on {date} [{m}], so it has {direction}.",
        "up": "gone up",
        "down": "gone down",
        "same": "stayed the same",
        "series": "Your {name} results{window}: {items}.",
        "series_dir": "Over this period it went from {first} [{m1}] to {last} [{m2}].",
        "absent": "I couldn't find a {name} result in your records{window}.",
        "upload": "If you have a lab report, you can upload it.",
        "clinician": "Your clinician can tell you what this means for you, and whether "
        "anything should change.",
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
        "flagged": "Le résultat est marqué {flag} [{m}].",
        "previous": "Le résultat précédent était {value} le {date} [{m}] : il a {direction}.",
        "up": "augmenté",
        "down": "baissé",
        "same": "peu changé",
        "series": "Vos résultats {of}{name}{window} : {items}.",
        "series_dir": "Sur cette période, il est passé de {first} [{m1}] à {last} [{m2}].",
        "absent": "Je n'ai pas trouvé de résultat {of}{name} dans votre dossier{window}.",
        "upload": "Si vous avez un compte rendu de laboratoire, vous pouvez l'ajouter.",
        "clinician": "Votre médecin peut vous dire ce que cela signifie pour vous, et si quelque "
        "chose doit changer.",
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


def best_sentences(text: str, question: str, n: int = 2) -> list[str]:
    """The sentences of ``text`` sharing most words with the question, in text order.
    Returned sentences are exact substrings of ``text``."""
    words = {w for w in re.findall(r"\w{4,}", fold(question))}
    cands = [s for s in (x.strip() for x in _SENT.split(text)) if s and "\n" not in s.strip()]
    if not cands:
        cands = [line.strip() for line in text.splitlines() if line.strip()]
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
        for cut in re.finditer(r"(?<=[.!?])\s+(?=[A-Z0-9À-Ý])", m.group(0)):
            if _ABBREV.search(m.group(0)[: cut.start()]):
                continue  # "Dr. Patel" is one sentence
            spans.append((start, m.start() + cut.start()))
            start = m.start() + cut.end()
        spans.append((start, m.end()))
    return [(a, b) for a, b in spans if text[a:b].strip()]


FREE_TEXT_TYPES = {"DocumentReference", "DiagnosticReport"}


def needs_quarantine(rec: StoredRecord) -> bool:
    """Flagged at ingest, or free text from a document that holds a task-like sentence."""
    if "prompt_injection" in rec.flags:
        return True
    if rec.resource_type in FREE_TEXT_TYPES or rec.source_type == "document":
        # A task or a question inside a document is addressed to whoever reads it: not data.
        return any(assistant_directed(rec.text[a:b]) or "?" in rec.text[a:b]
                   for a, b in sentence_spans(rec.text))
    return False


_HEALTH_WORDS = re.compile(
    r"\b(pain|blood|sugar|glucose|pressure|dose|tablet|pill|medication|medicine|refill|doctor|"
    r"clinic|clinician|nurse|patient|test|result|lab|symptom|fever|cough|visit|appointment|"
    r"weight|sleep|diet|exercise|insulin|metformin|allerg\w*|vaccin\w*|diagnos\w*|note|report|"
    r"mg|mmhg|mmol|kg|cm|bpm|douleur|sang|glycemie|tension|medicament|ordonnance|medecin|"
    r"rendez-vous|analyse|resultat|reading|readings)s?\b", re.I)
_META_WORDS = re.compile(
    r"\b(ai|a\.i\.|prompt\w*|model|chatgpt|gpt|openai|dan|jailbr\w*|role|roleplay|persona|"
    r"character|mode|developer|filter\w*|polic(y|ies)|content|token\w*|generator|immerse|"
    r"user|responses?|comply\w*|cut\s?off|enabled|sentiment|review|feedback|"
    r"instructions?|pretend\w*|act)\b",
    re.I)


def clinical_sentence(sentence: str) -> bool:
    """A sentence that states something about health, as opposed to a task, a question
    or talk about the assistant: what a quarantined document may still be quoted for."""
    text = sentence.strip()
    if not text or "?" in text or assistant_directed(text) or _META_WORDS.search(text):
        return False
    return bool(re.search(r"\d", text) or _HEALTH_WORDS.search(fold(text)))


def safe_quote(rec: StoredRecord) -> str:
    """The record text, minus any sentence that carries instructions: the longest run of
    clean sentences, which is an exact part of the text."""
    if not needs_quarantine(rec):
        return rec.text
    def signal(a: int, b: int) -> tuple[int, int]:
        """Health words count double; values count; dates (headers) do not."""
        part = re.sub(r"\d{4}-\d{2}-\d{2}", " ", rec.text[a:b])
        words = len(_HEALTH_WORDS.findall(fold(part)))
        return (2 * words + len(re.findall(r"\d+", part)), b - a)

    best = (0, 0)
    run_start: int | None = None
    run_end = 0
    for a, b in [*sentence_spans(rec.text), (-1, -1)]:
        if a >= 0 and clinical_sentence(rec.text[a:b]):
            run_start = a if run_start is None else run_start
            run_end = b
            continue
        if run_start is not None and signal(run_start, run_end) > signal(*best):
            best = (run_start, run_end)
        run_start = None
    return rec.text[best[0] : best[1]].strip()


class ExtractiveComposer(Composer):
    name = "extractive"

    def __init__(self, list_limit: int = 50) -> None:
        self.list_limit = list_limit

    def compose(self, plan: Plan, evidence: Evidence, cites: CitationBuilder) -> Draft:
        lang = plan.language if plan.language in T else "en"
        draft = Draft()
        if plan.intent == "out_of_scope":
            draft.sentences.append(T[lang]["out_of_scope"])
        elif plan.intent in {"value", "trend"} and evidence.series:
            for series in evidence.series:
                self._series(plan, series, evidence, cites, draft, lang)
            draft.sentences.append(T[lang]["clinician"])
        elif plan.intent == "list" and plan.category:
            self._list(plan.category, evidence.items, cites, draft, lang)
        elif plan.intent == "check_item" and plan.category:
            self._check(plan, evidence, cites, draft, lang)
        elif plan.intent == "records":
            self._records(plan, evidence, cites, draft, lang)
        else:
            self._knowledge(plan, evidence.knowledge, cites, draft, lang)
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
            draft.sentences.append(
                t["series"].format(
                    name=name, window=window, items=_join(items, lang), of=_of(name, lang)
                )
            )
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
            draft.sentences.append(
                t["latest"].format(
                    name=name,
                    value=value_text(latest),
                    date=human_date(latest.date, lang),
                    m=m,
                    of=_of(name, lang),
                )
            )
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
                draft.sentences.append(
                    t["previous"].format(
                        value=value_text(prev),
                        date=human_date(prev.date, lang),
                        m=cites.record(prev.record),
                        direction=direction,
                    )
                )
        self._explain(plan, ev.explainers.get(series.term.key, []), cites, draft, lang, 1)

    def _range(self, p: Point, cites: CitationBuilder, draft: Draft, lang: str) -> None:
        t = T[lang]
        if p.value is None or p.value2 is not None:
            return
        unit = human_unit(p.unit)
        if p.ref_low is not None and p.ref_high is not None:
            rng = f"{human_number(p.ref_low)}–{human_number(p.ref_high)} {unit}".strip()
            key = "above" if p.value > p.ref_high else "below" if p.value < p.ref_low else "within"
            draft.sentences.append(t[key].format(range=rng, m=cites.record(p.record)))
        elif p.interpretation and p.interpretation.upper() in {"H", "L", "HH", "LL", "A"}:
            from ingest.fhir import flag_word

            draft.sentences.append(
                t["flagged"].format(flag=flag_word(p.interpretation), m=cites.record(p.record))
            )

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
        parts = [f"{self._describe(si, lang)} [{cites.record(rec)}]" for si, rec in shown]
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
        for si, rec in sorted(ev.items, key=lambda x: x[0].item.date or "", reverse=True)[:5]:
            it = si.item
            extra = []
            if it.status:
                extra.append(f"{t['status']}: {it.status}")
            desc = self._describe(si, lang)
            detail = f" ({', '.join(extra)})" if extra else ""
            draft.sentences.append(
                t["found_item"].format(
                    name=desc, detail=detail, m=cites.record(rec, safe_quote(rec) or rec.text)
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
        draft.sentences.append(t["records_intro"])
        for rec in ev.records[:3]:
            quote = safe_quote(rec)
            if needs_quarantine(rec):
                draft.flags.add("prompt_injection")
            if not quote:
                continue
            if len(quote) > 400:
                picked = best_sentences(quote, plan.question, 2)
                joined = " ".join(picked)
                quote = joined if picked and joined in rec.text else (
                    picked[0] if picked else quote[:400])
            draft.sentences.append(cited_sentence(quote, cites.record(rec, quote)))
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
