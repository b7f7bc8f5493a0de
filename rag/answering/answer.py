"""The answer path: triage → understand → operation or plan → compose → verify.

Emergency and crisis questions are answered before retrieval, with the locale's
numbers and no list of possible causes.

Two paths share the citation and verification machinery. The typed path (understand.py →
operations.py → render.py) answers record operations: yes/no, counts, visits, the care
team, costs, single items and lists, units and follow-ups; and it asks one clarifying
question when nothing resolves, so no answer is a list of chunks. The planner path keeps
what it already does well: lab values with ranges and explainers, trends, knowledge.
:func:`typed_path` decides, per question.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from guardrails.dosing import dosing_instruction
from guardrails.harm import classify_harm, refusal
from guardrails.redflags import RedFlagMatcher
from guardrails.requests import RequestFlags, classify_request, referral_sentence
from guardrails.triage import emergency_numbers, escalation_message, triage
from guardrails.verify import MARKER, facts_of, verify
from indexes.facts import FactsStore
from indexes.knowledge import KnowledgeStore
from indexes.vaults import Vault, VaultManager
from rag.answering import operations
from rag.answering.citations import CitationBuilder
from rag.answering.compose import Composer, Draft
from rag.answering.compose_llm import LLMComposer, LLMDraft
from rag.answering.conversation import Turn, resolve_question
from rag.answering.evidence import EvidenceGatherer
from rag.answering.ops_facts import looked_at
from rag.answering.planner import Plan, Planner
from rag.answering.query import Category, Query
from rag.answering.render import render
from rag.answering.results import Result
from rag.answering.understand import Understander
from rag.core.errors import InvalidContent
from rag.core.settings import Settings
from rag.core.terms import Term, Vocabulary
from rag.core.text import detect_language, fold_words
from rag.core.types import Answer, Citation, Safety
from rag.embedder import Embedder
from rag.tasks.explain import explain_query

log = logging.getLogger("healthrag.answer")

MAX_QUESTION_CHARS = 4000
CONDITION_TERMS = {
    "diabetes": ("hba1c", "glucose"),
    "kidney": ("egfr", "creatinine", "uacr"),
    "thyroid": ("tsh", "free_t4"),
    "anemia": ("hemoglobin", "ferritin"),
    "cholesterol": ("ldl", "total_cholesterol", "hdl"),
    "hypertension": ("blood_pressure",),
    "heart": ("blood_pressure", "ldl"),
    "liver": ("alt", "ast"),
}
LIST_CATEGORIES = ("medication", "procedure", "immunization", "allergy", "condition")
# What the typed path answers (see typed_path); the rest stays with the planner.
TYPED_OPERATIONS = frozenset({"exists", "count", "sum", "who", "when", "clarify"})
TYPED_CATEGORIES = frozenset({"encounter", "practitioner", "organization", "claim"})
ITEM_CATEGORIES = frozenset({"condition", "medication", "allergy", "immunization", "procedure",
                             "careplan"})
PLANNER_OPERATIONS = frozenset({"knowledge", "trend", "compare", "explain", "prepare",
                                "other"})
# When the category model says "a result" but no result is named, the noun of the question
# says what kind of record it is about ("what was the last visit about", "mon traitement").
CATEGORY_NOUNS: tuple[tuple[Category, re.Pattern[str]], ...] = (
    ("encounter", re.compile(r"\b(?:visits?|appointments?|consultations?|check ?ups?|"
                             r"rendez vous|visites?|rdv)\b")),
    ("medication", re.compile(r"\b(?:medications?|medicines?|meds|pills?|prescriptions?|"
                              r"traitements?|medicaments?|ordonnances?|cachets?)\b")),
    ("condition", re.compile(r"\b(?:illness(?:es)?|diagnos\w*|problems?|conditions?|"
                             r"maladies?|pathologies?|problemes? de sante)\b")),
)
HISTORY_TURNS = 6  # earlier user questions a follow-up may lean on


def typed_path(query: Query, plan: Plan) -> bool:
    """Whether the typed operations answer ``query`` rather than the planner's ``plan``.

    The planner's fall-through (``records``) is a dump of chunks, so it always goes typed;
    a recorded condition asked as yes/no is an ``exists``, not a diagnosis request; lab
    values stay with the planner unless the question asks for a unit, refers to an earlier
    result or to a visit, which only the typed path reads.
    """
    if query.category == "report" and query.operation != "exists":
        return False  # what a document says is read from its text: retrieval, quoted
    if plan.intent == "records":
        return True
    if query.operation in PLANNER_OPERATIONS:
        return False
    if query.category == "observation" and query.operation != "exists":
        # Counts, totals and averages of wellness data are trend statistics.
        window = query.filters.window
        planner_found = plan.intent in {"value", "trend"} and bool(plan.terms)
        absent = bool(query.concepts) and not any(c.in_vault for c in query.concepts)
        return bool(query.unit or query.reference or not planner_found or absent
                    or (window is not None and window.label == "last_visit"))
    if query.operation in TYPED_OPERATIONS or query.category in TYPED_CATEGORIES:
        return True
    if query.category in ITEM_CATEGORIES:
        return query.operation in {"latest", "list", "history"}
    return False


def refine(query: Query) -> Query:
    """Two readings the model cannot make alone. With nothing named, the noun decides the
    kind of record; and "what am I on right now?" (the latest *current* item of a kind,
    nothing named) is the list of current ones."""
    if query.category in {"observation", "none"} and not query.concepts:
        folded = fold_words(query.question)
        noun = next((c for c, rx in CATEGORY_NOUNS if rx.search(folded)), None)
        if noun is not None:
            query = query.with_(category=noun)
    if (query.operation == "latest" and query.category in ITEM_CATEGORIES
            and not query.concepts and query.filters.status == "active"):
        return query.with_(operation="list")
    return query


def renumber(sentences: list[str], citations: list[Citation]) -> tuple[str, list[Citation]]:
    """Drop citations no kept sentence uses and number the rest in order of appearance."""
    order: dict[int, int] = {}
    for s in sentences:
        for m in MARKER.findall(s):
            order.setdefault(int(m), len(order) + 1)
    by_marker = {c.marker: c for c in citations}
    text = " ".join(MARKER.sub(lambda m: f"[{order[int(m.group(1))]}]", s) for s in sentences)
    kept = [by_marker[old].model_copy(update={"marker": new}) for old, new in order.items()]
    return text, kept


class Answerer:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        vaults: VaultManager,
        knowledge: KnowledgeStore | None,
        composer: Composer,
        vocabulary: Vocabulary,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.vaults = vaults
        self.knowledge = knowledge
        self.composer = composer
        self.vocabulary = vocabulary
        self.planner = Planner(vocabulary)
        # The n-gram intent model (trained from the bank in about a second) is what answers;
        # the embedding half needs the bank embedded first (minutes on two cores), so it is
        # measured in eval/intents.py but not loaded here.
        self.understander = Understander()
        self.gatherer = EvidenceGatherer(settings, knowledge)
        self._redflags: RedFlagMatcher | None = None

    def _red_flag_matcher(self) -> RedFlagMatcher:
        """The exemplar-similarity layer, built on first use (it embeds ~80 exemplars) with
        this service's embedder; it switches itself off for an encoder that fails its
        probes (the test fake)."""
        if self._redflags is None:
            self._redflags = RedFlagMatcher(self.embedder.embed)
        return self._redflags

    def answer(
        self,
        user_id: str,
        question: str,
        *,
        locale: str | None = None,
        today: dt.date | None = None,
        composer: Composer | None = None,
        turns: Sequence[Turn] = (),
    ) -> Answer:
        """Answer ``question`` from ``user_id``'s records and the knowledge base. ``turns``
        are the conversation's earlier messages, for follow-ups ("and the one before?")."""
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise InvalidContent("the question is empty", code="empty_question")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidContent(
                f"the question is over {MAX_QUESTION_CHARS} characters", code="question_too_long"
            )
        locale = locale or self.settings.locale
        common: dict[str, Any] = {
            "kb_version": self.knowledge.version() if self.knowledge else None,
            "config_hash": self.settings.config_hash(),
            "composer": (composer or self.composer).name,
        }
        prefix: list[str] = []
        safety = Safety()
        if self.settings.guardrails.triage:
            tri = triage(question, similar=self._red_flag_matcher())
            if tri.level in {"emergency", "crisis", "urgent"}:
                numbers = emergency_numbers(locale, tri.level, question)
                message = escalation_message(tri, numbers, tri.language)
                safety = Safety(triage=tri.level, emergency_numbers=numbers, rule=tri.rule)
                log.info("triage level=%s rule=%s", tri.level, tri.rule)
                if tri.level != "urgent":
                    return Answer(
                        answer=message,
                        safety=safety,
                        language=tri.language,
                        intent="escalation",
                        **common,
                    )
                prefix.append(message)
        harm = classify_harm(question)
        if harm.harmful or harm.off_task:
            log.info("refused request rule=%s", harm.rule)
            language = detect_language(question)
            flag = "harmful_request" if harm.harmful else "out_of_scope"
            return Answer(answer=refusal(harm, language), language=language, intent="refusal",
                          safety=safety.model_copy(update={"flags": [flag], "rule": harm.rule}),
                          **common)
        flags = classify_request(question)
        vault = self.vaults.open(user_id)
        known: dict[str, list[str]] = {}
        if vault.exists:
            for cat in LIST_CATEGORIES:
                known[cat] = vault.facts.item_names(cat)
        standalone = question
        if turns:
            standalone = resolve_question([*turns, Turn("user", question)], self.vocabulary)
        plan = self.planner.plan(standalone, today=today, known_items=known)
        query = self._understand(question, turns, vault.facts if vault.exists else None, today)
        plan = self._adopt(plan, query)
        if query.operation == "explain" and vault.exists:
            return self._explain(query, vault, question, prefix, safety, flags, common, today)
        if typed_path(query, plan):
            typed = self._typed(refine(query), vault, question, prefix, safety, flags, common,
                                started, must_answer=plan.intent == "records")
            if typed is not None:
                return typed
        plan, terms = self._adjust(plan, flags)
        dense = self.embedder.embed_one(question)
        evidence = self.gatherer.gather(vault, plan, dense, terms)
        if flags.medication_change and self.knowledge is not None:
            evidence.knowledge = self.knowledge.sections_tagged(["medication-safety"])[:1] or (
                evidence.knowledge
            )
        cites = CitationBuilder(public_url=self.settings.server.public_url)
        chosen = composer or self.composer
        if isinstance(chosen, LLMComposer) and any(
            t.stats is not None for t in evidence.trends.values()
        ):
            # Trend statistics are computed and stated by code; a model retyping means and
            # slopes could not be verified against the quotes, so these stay extractive.
            chosen = chosen.fallback
            common["composer"] = chosen.name
            common["fallback_reason"] = "trend_statistics"
        draft = chosen.compose(plan, evidence, cites)
        if isinstance(draft, LLMDraft):
            common["composer"] = draft.composer
            common["model"] = draft.model
            common["fallback_reason"] = draft.fallback_reason
            if draft.fallback_reason:
                log.info("composer fallback reason=%s", draft.fallback_reason)
        safety_flags = set(draft.flags)
        if flags.diagnosis_request:
            safety_flags.add("diagnosis_request")
        if flags.medication_change:
            safety_flags.add("medication_change")
        if plan.intent == "out_of_scope":
            safety_flags.add("out_of_scope")
        text, citations = self._finish(question, prefix, draft, cites, flags, plan.language)
        safety = safety.model_copy(update={"flags": sorted(safety_flags)})
        log.info(
            "answered intent=%s citations=%d ms=%.1f",
            plan.intent,
            len(citations),
            1000 * (time.perf_counter() - started),
        )
        return Answer(
            answer=text,
            citations=citations,
            safety=safety,
            language=plan.language,
            intent=plan.intent,
            **common,
        )

    def _understand(self, question: str, turns: Sequence[Turn], facts: FactsStore | None,
                    today: dt.date | None) -> Query:
        """The typed query, with the earlier user questions understood in order, so a
        follow-up inherits what it leaves out."""
        history: list[tuple[str, Query]] = []
        earlier = [t.content for t in turns if t.role == "user" and t.content.strip()]
        for q in earlier[-HISTORY_TURNS:]:
            history.append((q, self.understander.understand(
                q, history=history, vault_facts=facts, today=today)))
        return self.understander.understand(question, history=history, vault_facts=facts,
                                            today=today)

    def _typed(self, query: Query, vault: Vault, question: str, prefix: list[str],
               safety: Safety, flags: RequestFlags, common: dict[str, Any], started: float,
               *, must_answer: bool) -> Answer | None:
        """The typed path's answer, or ``None`` when its operation does not cover the query
        and the planner has a real answer (``must_answer``: the planner would only list
        chunks, so an unsupported query is answered with a clarifying question)."""
        if not vault.exists and not must_answer:
            return None
        if vault.exists:
            result = operations.run(query, vault.facts)
        else:
            result = Result(query, "unresolved", looked_at(query, 0))
        if result.status == "unsupported" and not must_answer:
            return None
        asked = flags
        if query.operation == "exists":
            # A recorded condition is what the record says, not a diagnosis: no referral.
            flags = replace(flags, diagnosis_request=False)
        cites = CitationBuilder(public_url=self.settings.server.public_url)
        draft = render(result, cites)
        text, citations = self._finish(question, prefix, draft, cites, flags, query.language)
        safety_flags = set(draft.flags)
        if asked.diagnosis_request:
            safety_flags.add("diagnosis_request")
        if flags.medication_change:
            safety_flags.add("medication_change")
        log.info("answered operation=%s status=%s citations=%d ms=%.1f", query.describe(),
                 result.status, len(citations), 1000 * (time.perf_counter() - started))
        return Answer(answer=text, citations=citations,
                      safety=safety.model_copy(update={"flags": sorted(safety_flags)}),
                      language=query.language, intent=query.operation, **common)

    def _explain(self, query: Query, vault: Vault, question: str, prefix: list[str],
                 safety: Safety, flags: RequestFlags, common: dict[str, Any],
                 today: dt.date | None) -> Answer:
        """"Explain my results": the latest report or panel, result by result, or a report's
        text sentence by sentence in plain words (rag/tasks/explain.py)."""
        cites = CitationBuilder(public_url=self.settings.server.public_url)
        draft = explain_query(query, vault.facts, today=today or dt.date.today(), cites=cites,
                              knowledge=self.knowledge)
        text, citations = self._finish(question, prefix, draft, cites, flags, query.language)
        safety_flags = set(draft.flags)
        if flags.diagnosis_request:
            safety_flags.add("diagnosis_request")
        log.info("answered operation=%s citations=%d", query.describe(), len(citations))
        return Answer(answer=text, citations=citations,
                      safety=safety.model_copy(update={"flags": sorted(safety_flags)}),
                      language=query.language, intent="explain", **common)

    def _adopt(self, plan: Plan, query: Query) -> Plan:
        """A statistic the planner could not name ("my average daily distance") but the
        understanding resolved in the vault: the planner's trend path computes it with the
        understanding's terms."""
        if plan.intent != "records" or query.operation != "trend":
            return plan
        terms = tuple(
            self.vocabulary.terms[c.key] for c in query.concepts
            if c.in_vault and c.key in self.vocabulary.terms
        )
        return replace(plan, intent="trend", terms=terms) if terms else plan

    def _adjust(self, plan: Plan, flags: RequestFlags) -> tuple[Plan, tuple[Term, ...]]:
        """Diagnosis requests: explain the relevant values, never a verdict."""
        terms = plan.terms
        if flags.diagnosis_request and not terms and flags.condition_hint:
            keys = CONDITION_TERMS.get(flags.condition_hint, ())
            terms = tuple(self.vocabulary.terms[k] for k in keys if k in self.vocabulary.terms)
            if terms:
                plan = Plan(
                    question=plan.question,
                    language=plan.language,
                    intent="value",
                    terms=terms,
                    window=plan.window,
                    personal=True,
                )
        if flags.medication_change and plan.intent not in {"check_item"}:
            plan = Plan(
                question=plan.question,
                language=plan.language,
                intent="list",
                category="medication",
                window=plan.window,
                personal=True,
            )
        return plan, terms

    def _finish(
        self,
        question: str,
        prefix: list[str],
        draft: Draft,
        cites: CitationBuilder,
        flags: RequestFlags,
        language: str,
    ) -> tuple[str, list[Citation]]:
        quotes = {c.marker: c.quote for c in cites.citations}
        asked_numbers, _ = facts_of(question)  # echoing the user's own numbers is fine
        verdict = verify(draft.sentences, quotes, computed=draft.computed,
                         allowed_numbers=asked_numbers, derived=draft.derived)
        for _sentence, reason in verdict.removed:
            log.warning("verifier removed a sentence reason=%s", re.sub(r"\d", "#", reason))
        kept = verdict.kept
        if flags.medication_change:  # never read a note's "if ..., increase to ..." back
            kept = [s for s in kept if not dosing_instruction(s)]
        sentences = list(prefix) + kept
        if flags.diagnosis_request or flags.medication_change:
            sentences.append(referral_sentence(flags, language))
        if not kept and not prefix:
            sentences.append(
                "Je n'ai pas trouvé cela dans votre dossier."
                if language == "fr"
                else "I couldn't find that in your records."
            )
        return renumber(sentences, cites.citations)


__all__ = ["Answerer", "renumber"]
