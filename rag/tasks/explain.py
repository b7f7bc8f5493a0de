"""Explain my results: the latest report, or the results a question names, in plain words.

:func:`explain` writes a :class:`~rag.answering.compose.Draft` for the verifier, like any
composer, over the facts store:

- **which results**: with no concept, the newest report (:mod:`rag.tasks.reports`): a
  DiagnosticReport with its Observations, a lab document, an imaging report, and the other
  lab reports of the same day; a report concept ("my lipid panel", "my chest x-ray") picks
  the newest report of that kind; an observation concept picks that test's latest value,
  and a panel word ("is my cholesterol OK?") every member of the panel present in the
  vault (``data/panels.yaml``), the missing ones said as such. Old reports and other
  records are never shown.
- **per result**: the value and unit; where it sits against the reference range, one-sided
  ranges included ("<200", ">60", "≤ 5.6": :mod:`rag.answering.reference`), or the lab's
  flag; the previous value and its direction; with three results or more, the trend; and
  a plain-language explainer quoted from the knowledge base. Up to :data:`DETAILED`
  results are explained in full, flagged ones first; the rest are listed with their
  values.
- **report text** (radiology, imaging reports): sentence by sentence, each plain sentence
  citing the report sentence it explains (:mod:`rag.tasks.plain`); a plain sentence that
  fails the faithfulness check (:mod:`rag.tasks.faithful`) is replaced by the report's own
  sentence. Boilerplate (:mod:`rag.answering.boilerplate`) is never quoted.

Every value is cited and every date is declared derived from the facts it cites, so the
verifier checks the draft as it checks any answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from guardrails.quarantine import quotable
from guardrails.verify import DISCLAIMER
from indexes.facts import FactsStore, StoredRecord
from indexes.knowledge import KnowledgeStore, StoredSection
from rag.answering.boilerplate import is_boilerplate
from rag.answering.citations import CitationBuilder
from rag.answering.compose import (
    Draft,
    cited_sentence,
    human_date,
    needs_quarantine,
    range_sentence,
    sentences_of,
    value_text,
)
from rag.answering.ops_values import points as concept_points
from rag.answering.query import Concept, Query
from rag.answering.reference import Reference, position
from rag.answering.trends import Point, compute_stats
from rag.core.terms import Term, vocabulary
from rag.core.text import detect_language, fold
from rag.tasks.faithful import check
from rag.tasks.plain import rewrite
from rag.tasks.reports import (
    Report,
    find_reports,
    is_imaging_words,
    latest_reports,
    matching,
    report_sections,
    result_points,
)

DETAILED = 6  # results explained in full; the others are listed with their values
MAX_PLAIN = 14  # report sentences explained
PANELS = Path(__file__).resolve().parent / "data" / "panels.yaml"
FLAGS = {"H": "high", "HH": "critically high", "L": "low", "LL": "critically low",
         "A": "abnormal", "AA": "critically abnormal", "POS": "positive"}
FLAGS_FR = {"H": "élevé", "HH": "très élevé", "L": "bas", "LL": "très bas", "A": "anormal",
            "AA": "très anormal", "POS": "positif"}
# ingest/radiology.py report titles, in French
TITLES_FR = {
    "Chest X-ray report": "compte rendu de radiographie thoracique",
    "X-ray report": "compte rendu de radiographie", "CT report": "compte rendu de scanner",
    "MRI report": "compte rendu d'IRM", "Ultrasound report": "compte rendu d'échographie",
    "Mammography report": "compte rendu de mammographie",
    "Chest imaging report": "compte rendu d'imagerie thoracique",
    "Radiology report": "compte rendu de radiologie",
}
_MASKED = re.compile(r"X{3,}")  # de-identified text ("XXXX"): nothing to explain
_ENUM = re.compile(r"^\s*\(?\d{1,2}[.)]\s+")

W: dict[str, dict[str, str]] = {
    "en": {
        "intro_one": "Your most recent lab results are from {date}: {title} {m}.",
        "intro_many": "Your most recent lab results are from {date}, in {n} reports: {titles} {m}.",
        "intro_day": "Your most recent lab results are from {date} {m}.",
        "intro_undated": "Your most recent lab report is {title} {m}.",
        "value": "Your {name} was {value} {m}.",
        "value_dated": "Your most recent {name} was {value} on {date} {m}.",
        "flag": "The lab marked it {flag} {m}.",
        "previous": "Your previous result was {value} on {date} {m}, so it has {direction}.",
        "previous_plain": "Your previous result was {value} on {date} {m}.",
        "up": "gone up", "down": "gone down", "same": "stayed the same",
        "trend": "Across your {n} results since {date}, the trend is {direction} {m}.",
        "t_up": "upward", "t_down": "downward", "t_stable": "stable",
        "others_within": "Your other results on this report are within their reference "
                         "ranges: {items}.",
        "others": "Your other results on this report: {items}.",
        "missing": "I couldn't find a result for {names} in your records.",
        "nothing": "I couldn't find a lab or imaging report in your records.",
        "nothing_named": "I couldn't find {name} in your records.",
        "upload": "If you have a lab report, you can upload it.",
        "imaging_intro": "Here is your {title}{when} in plain words, sentence by sentence {m}.",
        "imaging_intro_other": "Here is your {title}{when} in plain words, sentence by "
                               "sentence {m}.",
        "from": " from {date}",
        "and": "and",
    },
    "fr": {
        "intro_one": "Vos derniers résultats d'analyses datent du {date} : {title} {m}.",
        "intro_many": "Vos derniers résultats d'analyses datent du {date}, en {n} comptes "
                      "rendus : {titles} {m}.",
        "intro_day": "Vos derniers résultats d'analyses datent du {date} {m}.",
        "intro_undated": "Votre dernier compte rendu d'analyses est {title} {m}.",
        "value": "Votre résultat {of}{name} était {value} {m}.",
        "value_dated": "Votre dernier résultat {of}{name} était {value} le {date} {m}.",
        "flag": "Le laboratoire l'a marqué {flag} {m}.",
        "previous": "Le résultat précédent était {value} le {date} {m} : il a {direction}.",
        "previous_plain": "Le résultat précédent était {value} le {date} {m}.",
        "up": "augmenté", "down": "baissé", "same": "peu changé",
        "trend": "Sur vos {n} résultats depuis le {date}, la tendance est {direction} {m}.",
        "t_up": "à la hausse", "t_down": "à la baisse", "t_stable": "stable",
        "others_within": "Vos autres résultats de ce compte rendu sont dans leurs intervalles "
                         "de référence : {items}.",
        "others": "Vos autres résultats de ce compte rendu : {items}.",
        "missing": "Je n'ai pas trouvé de résultat pour {names} dans votre dossier.",
        "nothing": "Je n'ai pas trouvé de compte rendu d'analyses ou d'imagerie dans votre "
                   "dossier.",
        "nothing_named": "Je n'ai pas trouvé {name} dans votre dossier.",
        "upload": "Si vous avez un compte rendu de laboratoire, vous pouvez l'ajouter.",
        "imaging_intro": "Voici votre {title}{when} en termes simples, phrase par phrase {m}.",
        "imaging_intro_other": "Voici votre {title}{when} en termes simples, phrase par phrase "
                               "(le compte rendu est en anglais, ses phrases aussi) {m}.",
        "from": " du {date}",
        "and": "et",
    },
}


# ---------------------------------------------------------------- panels


@dataclass(frozen=True)
class Panel:
    key: str
    display: dict[str, str]
    members: tuple[str, ...]
    report_codes: tuple[str, ...]
    phrases: frozenset[str]  # folded, both languages
    knowledge_tag: str | None


@lru_cache(maxsize=1)
def panels() -> tuple[Panel, ...]:
    data = yaml.safe_load(PANELS.read_text(encoding="utf-8"))
    return tuple(
        Panel(str(p["key"]), {"en": p["display_en"], "fr": p["display_fr"]},
              tuple(p["members"]), tuple(p.get("report_codes") or ()),
              frozenset(fold(x).strip() for x in (*p.get("phrases_en", ()),
                                                  *p.get("phrases_fr", ()))),
              p.get("knowledge_tag"))
        for p in data["panels"])


def panel_for(concept: Concept) -> Panel | None:
    """The panel a concept names: a report concept with a panel's code, or a member named
    by a panel phrase ("cholesterol" names the lipid panel, "total cholesterol" the test)."""
    phrase = fold(concept.phrase or "").strip()
    for panel in panels():
        if concept.category == "report" and (set(concept.codes) & set(panel.report_codes)
                                             or phrase in panel.phrases):
            return panel
        if concept.category in {"observation", "none"} and phrase in panel.phrases and (
                concept.key in panel.members or concept.key == panel.key):
            return panel
    return None


# ---------------------------------------------------------------- the writer


def _term(p: Point) -> Term | None:
    return vocabulary().by_loinc.get(p.code or "")


def _concept_of(term: Term) -> Concept:
    return Concept("observation", term.key, term.display_en, codes=term.loinc)


def _flagged(p: Point) -> bool:
    if p.value is not None and p.value2 is None:
        where = position(p.value, Reference(p.ref_low, p.ref_high, p.ref_text))
        if where in {"above", "below"}:
            return True
    return (p.interpretation or "").upper() in FLAGS


def _numbers_of(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)?", text)


_CUT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n")
_ABBREVIATION = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof|St|vs|e\.g|i\.e|approx|No|cm|mm)\.$")


def report_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of report text. Radiologists' lines wrap inside a
    sentence, so a line break alone does not end one (a blank line does); a list number
    ("2. No acute ...") starts a new one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in _CUT.finditer(text):
        if _ABBREVIATION.search(text[start:cut.start()]) or re.search(
                r"(?:^|\s)\d{1,2}\.$", text[start:cut.start()].strip()):
            continue  # "Dr. Reader", or the "1." of a list
        spans.append((start, cut.start()))
        start = cut.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


class Explainer:
    """Writes one explanation into ``draft``."""

    def __init__(self, facts: FactsStore, cites: CitationBuilder, language: str,
                 knowledge: KnowledgeStore | None, today: dt.date) -> None:
        self.facts, self.cites, self.knowledge, self.today = facts, cites, knowledge, today
        self.lang = language if language in W else "en"
        self.w = W[self.lang]
        self.draft = Draft()
        self._explained: set[str] = set()  # knowledge sections already quoted

    # -------------------------------------------------------- helpers

    def _say(self, sentence: str, *facts: str) -> None:
        self.draft.sentences.append(self.draft.declare(sentence, *facts))

    def _m(self, *records: StoredRecord) -> str:
        return self.cites.markers(*records)

    def _date(self, iso: str | None) -> str:
        return human_date(iso, self.lang)

    def _join(self, parts: Sequence[str]) -> str:
        parts = list(parts)
        if len(parts) <= 1:
            return "".join(parts)
        return ", ".join(parts[:-1]) + f" {self.w['and']} " + parts[-1]

    def _name(self, p: Point) -> str:
        term = _term(p)
        if term is not None:
            return term.display(self.lang)
        return p.record.title.split(":")[0].strip() or (p.code or "")

    def _of(self, name: str) -> str:
        if self.lang != "fr":
            return ""
        return "d'" if fold(name)[:1] in set("aeiouyh") else "de "

    def _history(self, p: Point) -> list[Point]:
        term = _term(p)
        if term is None:
            return [p]
        return [q for q in concept_points(self.facts, _concept_of(term))
                if (q.day or "") <= (p.day or "9999")]

    # -------------------------------------------------------- one result

    def result(self, p: Point, *, dated: bool) -> None:
        name = self._name(p)
        value = value_text(p)
        m = self._m(p.record)
        if dated and p.day:
            self._say(self.w["value_dated"].format(name=name, value=value, m=m,
                                                   date=self._date(p.day), of=self._of(name)),
                      p.day)
        else:
            self._say(self.w["value"].format(name=name, value=value, m=m, of=self._of(name)))
        before = len(self.draft.sentences)
        range_sentence(p, self.cites, self.draft, self.lang)
        if len(self.draft.sentences) == before and p.value is None and p.interpretation:
            flag = (FLAGS_FR if self.lang == "fr" else FLAGS).get(p.interpretation.upper())
            if flag:
                self._say(self.w["flag"].format(flag=flag, m=m))
        history = self._history(p)
        self._previous(p, history)
        self._trend(history)
        self._explainer(p)

    def _previous(self, p: Point, history: list[Point]) -> None:
        earlier = [q for q in history if q.day and p.day and q.day < p.day
                   and (q.value is not None or q.text)]
        if not earlier:
            return
        prev = earlier[-1]
        if p.value is not None and prev.value is not None and p.value2 is None:
            key = "up" if p.value > prev.value else "down" if p.value < prev.value else "same"
        elif value_text(p) == value_text(prev):
            key = "same"
        else:  # a qualitative change ("Negative" -> "Positive"): the values say it
            self._say(self.w["previous_plain"].format(
                value=value_text(prev), date=self._date(prev.day), m=self._m(prev.record)),
                prev.day or "")
            return
        self._say(self.w["previous"].format(value=value_text(prev), date=self._date(prev.day),
                                            m=self._m(prev.record), direction=self.w[key]),
                  prev.day or "")

    def _trend(self, history: list[Point]) -> None:
        numeric = [q for q in history if q.value is not None and q.value2 is None and q.day]
        if len(numeric) < 3:
            return
        first, last = numeric[0], numeric[-1]
        assert first.day is not None and last.day is not None
        stats = compute_stats(numeric, dt.date.fromisoformat(first.day),
                              dt.date.fromisoformat(last.day), False)
        if stats is None or stats.direction is None:
            return
        word = self.w[{"up": "t_up", "down": "t_down", "stable": "t_stable"}[stats.direction]]
        self._say(self.w["trend"].format(n=str(stats.n), date=self._date(first.day),
                                         direction=word,
                                         m=self._m(first.record, last.record)),
                  str(stats.n), first.day)

    def _sections(self, tags: Sequence[str], prefer: str) -> list[StoredSection]:
        if self.knowledge is None:
            return []
        found = self.knowledge.sections_tagged(list(tags))
        same = [s for s in found if s.language == self.lang] or found
        return sorted(same, key=lambda s: prefer not in {t.lower() for t in s.tags})

    def _explainer(self, p: Point) -> None:
        term = _term(p)
        if term is None:
            return
        tags = [f"lab:{term.key}", f"vital:{term.key}", *(f"loinc:{c}" for c in term.loinc)]
        self._quote_knowledge(self._sections(tags, f"lab:{term.key}"), 1)

    def _quote_knowledge(self, sections: list[StoredSection], n: int,
                         words: Sequence[str] = ()) -> None:
        for sec in sections:
            if sec.chunk_id in self._explained:
                return  # one explainer per document section
            sentences = sentences_of(sec.text)
            if words:
                wanted = {fold(x) for x in words}
                sentences.sort(key=lambda s: -sum(w in fold(s) for w in wanted))
            quote = " ".join(sentences[:n])
            if quote and quote in sec.text:
                self._explained.add(sec.chunk_id)
                self.draft.sentences.append(cited_sentence(quote,
                                                           self.cites.knowledge(sec, quote)))
            return

    # -------------------------------------------------------- reports

    def _title(self, report: Report) -> str:
        title = report.title.split(" - ")[0].strip()
        if self.lang == "fr" and title in TITLES_FR:
            return TITLES_FR[title]
        return title[:1].lower() + title[1:] if title[:2].istitle() else title

    def lab_reports(self, reports: list[Report]) -> None:
        pts: list[Point] = []
        seen: set[tuple[str, str, str]] = set()
        for report in reports:
            for p in result_points(self.facts, report):
                key = (p.code or "", value_text(p), p.day or "")
                if key not in seen:
                    seen.add(key)
                    pts.append(p)
        if not pts:
            return
        # a DiagnosticReport cites its own record; a document, the rows of what it shows
        heads = [r.records[0] for r in reports if r.records and r.title
                 and r.records[0].source_type != "document"]
        heads += [p.record for p in pts if p.record.source_type == "document"][:1]
        day = reports[0].day
        titles = [self._title(r) for r in reports if r.title]
        m = self._m(*heads) if heads else self._m(pts[0].record)
        facts = [n for t in titles for n in _numbers_of(t)]
        if day and len(titles) == 1:
            self._say(self.w["intro_one"].format(date=self._date(day), title=titles[0], m=m),
                      day, *facts)
        elif day and titles:
            self._say(self.w["intro_many"].format(date=self._date(day), n=str(len(titles)),
                                                  titles=self._join(titles), m=m),
                      day, str(len(titles)), *facts)
        elif day:
            self._say(self.w["intro_day"].format(date=self._date(day), m=m), day)
        elif titles:
            self._say(self.w["intro_undated"].format(title=titles[0], m=m), *facts)
        ranked = sorted(range(len(pts)), key=lambda i: (not _flagged(pts[i]), i))
        detailed = ranked[:DETAILED]  # flagged results first, then in report order
        for i in detailed:
            self.result(pts[i], dated=False)
        rest = [pts[i] for i in range(len(pts)) if i not in set(detailed)]
        if rest:
            items = [f"{self._name(p)} {value_text(p)} {self._m(p.record)}" for p in rest]
            all_within = all(
                p.value is not None and p.value2 is None
                and position(p.value, Reference(p.ref_low, p.ref_high, p.ref_text)) == "within"
                for p in rest)
            which = "others_within" if all_within else "others"
            self._say(self.w[which].format(items=self._join(items)))

    def imaging(self, report: Report) -> None:
        sections = report_sections(report)
        if any(needs_quarantine(s.record) for s in sections):
            self.draft.flags.add("prompt_injection")  # its instructions are never quoted
        report_lang = detect_language(" ".join(s.text for s in sections))
        lines: list[str] = []
        first_marker: int | None = None
        for section in sections:
            for a, b in report_sentences(section.text):
                if len(lines) >= MAX_PLAIN:
                    break
                start, end = section.start + a, section.start + b
                raw = section.record.text[start:end]
                enum = _ENUM.match(raw)
                if enum:
                    start += enum.end()
                sentence = section.record.text[start:end].strip()
                if not sentence or _MASKED.search(sentence) or is_boilerplate(sentence) \
                        or not quotable(sentence, free_text=True):
                    continue
                m = self.cites.record(section.record, sentence)
                first_marker = first_marker or m
                plain = rewrite(sentence, report_lang)
                if plain.changed and check(sentence, plain.text, language=report_lang):
                    lines.append(f"{plain.text.rstrip('.!?:; ')} [{m}].")
                else:
                    lines.append(cited_sentence(sentence, m))
        if first_marker is None:
            return
        when = self.w["from"].format(date=self._date(report.day)) if report.day else ""
        key = "imaging_intro_other" if report_lang != self.lang else "imaging_intro"
        title = self._title(report)
        self._say(self.w[key].format(title=title, when=when, m=f"[{first_marker}]"),
                  *([report.day] if report.day else []), *_numbers_of(title))
        self.draft.sentences.extend(lines)

    # -------------------------------------------------------- concepts

    def latest_of(self, concepts: Sequence[Concept]) -> list[Concept]:
        """Explain the latest value of each concept; returns those with no value."""
        missing: list[Concept] = []
        for concept in concepts:
            pts = [p for p in concept_points(self.facts, concept)
                   if not p.day or p.day <= self.today.isoformat()]
            if not pts:
                missing.append(concept)
                continue
            self.result(pts[-1], dated=True)
        return missing

    def panel(self, panel: Panel) -> None:
        terms = [vocabulary().terms[k] for k in panel.members if k in vocabulary().terms]
        if panel.knowledge_tag:
            names = [t.display(self.lang) for t in terms]
            self._quote_knowledge(self._sections([panel.knowledge_tag], panel.knowledge_tag), 1,
                                  names)
        missing = self.latest_of([_concept_of(t) for t in terms])
        if missing and len(missing) < len(terms):
            names = [vocabulary().terms[c.key].display(self.lang) for c in missing]
            self.draft.sentences.append(self.w["missing"].format(names=self._join(names)))

    def finish(self) -> Draft:
        if any(c.kind == "record" for c in self.cites.citations):
            self.draft.disclaimer = DISCLAIMER[self.lang]
            self.draft.sentences.append(self.draft.disclaimer)
        return self.draft


def _concepts(concept: Concept | Sequence[Concept] | None) -> list[Concept]:
    if concept is None:
        return []
    if isinstance(concept, Concept):
        return [concept]
    return list(concept)


def explain(
    facts: FactsStore,
    *,
    today: dt.date,
    language: str,
    cites: CitationBuilder,
    concept: Concept | Sequence[Concept] | None = None,
    knowledge: KnowledgeStore | None = None,
) -> Draft:
    """Explain the person's latest results (module docstring), or those ``concept`` names
    (one or several resolved concepts: a test, a panel word, a report kind). ``knowledge``
    gives the plain-language explainers; without it the results are still explained."""
    ex = Explainer(facts, cites, language, knowledge, today)
    concepts = _concepts(concept)
    observed = [c for c in concepts if c.category in {"observation", "none"}]
    reported = [c for c in concepts if c.category not in {"observation", "none"}]
    panel = next((p for p in map(panel_for, concepts) if p is not None), None)
    reports = [r for r in find_reports(facts) if not r.day or r.day <= today.isoformat()]
    if reported:
        codes = [code for c in reported for code in c.codes]
        names = [n for c in reported for n in (*c.names, c.display, c.key)]
        chosen = matching(reports, codes, names)[:1]
        if not chosen and any(is_imaging_words(" ".join((c.display, c.key, c.phrase)))
                              for c in reported):
            chosen = [r for r in reports if r.kind == "imaging"][:1]  # "my x-ray", "ma radio"
        if chosen:
            _report(ex, chosen)
            return ex.finish()
        if panel is None and not observed:
            named = reported[0].display or reported[0].phrase
            ex.draft.sentences.extend([W[ex.lang]["nothing_named"].format(name=named),
                                       W[ex.lang]["upload"]])
            return ex.draft
    if panel is not None:
        ex.panel(panel)
    elif observed:
        missing = ex.latest_of(observed)
        for c in missing:
            ex.draft.sentences.append(W[ex.lang]["nothing_named"].format(
                name=c.display or c.phrase))
    elif not reported:
        _report(ex, latest_reports(reports))
    if not ex.draft.sentences:
        ex.draft.sentences.extend([W[ex.lang]["nothing"], W[ex.lang]["upload"]])
        return ex.draft
    return ex.finish()


def _report(ex: Explainer, chosen: list[Report]) -> None:
    if not chosen:
        return
    if chosen[0].kind == "imaging":
        ex.imaging(chosen[0])
    else:
        ex.lab_reports(chosen)


def explain_query(query: Query, facts: FactsStore, *, today: dt.date, cites: CitationBuilder,
                  knowledge: KnowledgeStore | None = None) -> Draft:
    """:func:`explain` for an ``explain`` query: its language and concepts."""
    return explain(facts, today=today, language=query.language, cites=cites,
                   concept=query.concepts or None, knowledge=knowledge)


__all__ = ["Explainer", "Panel", "explain", "explain_query", "panel_for", "panels"]
