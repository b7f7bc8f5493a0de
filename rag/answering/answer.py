"""The answer path: triage → plan → facts + retrieval → compose → verify.

Emergency and crisis questions are answered before retrieval, with the locale's
numbers and no list of possible causes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from typing import Any

from guardrails.harm import classify_harm, refusal
from guardrails.redflags import RedFlagMatcher
from guardrails.requests import RequestFlags, classify_request, referral_sentence
from guardrails.triage import emergency_numbers, escalation_message, triage
from guardrails.verify import MARKER, facts_of, verify
from indexes.knowledge import KnowledgeStore
from indexes.vaults import VaultManager
from rag.answering.citations import CitationBuilder
from rag.answering.compose import Composer, Draft
from rag.answering.compose_llm import LLMComposer, LLMDraft
from rag.answering.evidence import EvidenceGatherer
from rag.answering.planner import Plan, Planner
from rag.core.errors import InvalidContent
from rag.core.settings import Settings
from rag.core.terms import Term, Vocabulary
from rag.core.text import detect_language
from rag.core.types import Answer, Citation, Safety
from rag.embedder import Embedder

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
    ) -> Answer:
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
        plan = self.planner.plan(question, today=today, known_items=known)
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
        sentences = list(prefix) + verdict.kept
        if flags.diagnosis_request or flags.medication_change:
            sentences.append(referral_sentence(flags, language))
        if not verdict.kept and not prefix:
            sentences.append(
                "Je n'ai pas trouvé cela dans votre dossier."
                if language == "fr"
                else "I couldn't find that in your records."
            )
        return renumber(sentences, cites.citations)


__all__ = ["Answerer", "renumber"]
