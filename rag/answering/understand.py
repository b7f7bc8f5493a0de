"""Understanding: a question, with the conversation before it, becomes a typed :class:`Query`.

Four readers, each for what it is good at:

- the intent model (``intent_model.py``) learns the operation and the category from our
  labelled bank, so a new phrasing lands where its neighbours are;
- the concept resolver (``resolver.py``) maps the words onto this person's vault, lay
  terms and misspellings included;
- rules read the closed classes: time window, status, encounter type, unit (``cues.py``);
- follow-ups (``followup.py``) fill a fragment from the last answered query, and turn a
  fragment with nothing before it into ``clarify``.

Nothing here reads values or writes anything: the query is all that leaves.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path

from indexes.facts import FactsStore
from rag.answering import cues, followup
from rag.answering.intent_model import IntentModel, Prediction, bank_model
from rag.answering.intent_rules import category_cue, first_consistent
from rag.answering.query import Category, Concept, Filters, Operation, Query
from rag.answering.resolver import Resolver
from rag.answering.vault_terms import VaultTerms
from rag.core.text import detect_language, fold, fold_words
from rag.embedder import Embedder

__all__ = ["Understander"]

History = Sequence[tuple[str, Query]]
_PREFER_AT = 0.5  # category probability from which the resolver prefers that category
_KEEP_CATEGORY_AT = 0.6  # below it, resolved concepts of one category decide it
_CONFIDENT = 0.5  # operation probability from which a follow-up's own operation counts
_NO_CATEGORY = frozenset({"clarify", "other", "knowledge"})
_ENGLISH_CUES = frozenset(["and", "what", "about", "how", "the", "in", "for", "same",
                           "one", "before", "that", "of", "my"])


class Understander:
    """Turns questions into queries. Build one per service (it holds the trained model and
    the phrase index) and call :meth:`understand` from any thread."""

    def __init__(self, embedder: Embedder | None = None, *, model: IntentModel | None = None,
                 resolver: Resolver | None = None, cache_dir: Path | None = None) -> None:
        """``embedder``: the service's encoder; used as a feature only when it is a real
        sentence encoder (the test fake is ignored). ``cache_dir`` keeps the bank's
        vectors between runs. The model trains on first use, or in :meth:`warm`."""
        self._embedder = embedder
        self._model = model
        self._resolver = resolver
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._vault: tuple[FactsStore, tuple[int, int], VaultTerms] | None = None
        self._training: threading.Thread | None = None

    @property
    def model(self) -> IntentModel:
        """The intent model; while :meth:`warm` trains the embedding half in the
        background, the n-gram model (trained in about a second) answers."""
        with self._lock:
            if self._model is None:
                if self._training is not None:
                    return bank_model(None)
                self._model = bank_model(self._embedder, cache_dir=self._cache_dir)
            return self._model

    @property
    def resolver(self) -> Resolver:
        with self._lock:
            if self._resolver is None:
                self._resolver = Resolver()
            return self._resolver

    def warm(self, background: bool = False) -> None:
        """Train the model and read the lexicon now (at startup), not on the first question.
        ``background``: embed the bank in a thread (tens of seconds on two cores when no
        ``cache_dir`` holds its vectors yet); questions get the n-gram model meanwhile."""
        _ = self.resolver
        if not background:
            _ = self.model
            return
        with self._lock:
            if self._model is not None or self._training is not None:
                return
            self._training = threading.Thread(target=self._train, name="intent-model",
                                              daemon=True)
            self._training.start()

    def _train(self) -> None:
        model = bank_model(self._embedder, cache_dir=self._cache_dir)
        with self._lock:
            self._model = model
            self._training = None

    def understand(self, question: str, *, language: str | None = None,
                   history: History = (), vault_facts: FactsStore | VaultTerms | None = None,
                   today: dt.date | None = None) -> Query:
        """The query ``question`` asks, given the earlier turns as (question, Query) pairs."""
        prediction = self.model.predict(question)
        fresh = self._fresh(question, prediction, language or detect_language(question),
                            self._terms(vault_facts), today or dt.date.today())
        if not any(ch.isalnum() for ch in question):
            return fresh.with_(operation="clarify")  # "?", "..." ask nothing yet
        fragment = followup.read_fragment(
            question, has_window=fresh.filters.window is not None,
            has_unit=fresh.unit is not None, has_concepts=bool(fresh.concepts))
        if not fragment.is_fragment:
            return fresh
        prev = followup.previous_query(history)
        confident = prediction.operation_p >= _CONFIDENT
        if prev is None:
            if fragment.bare_concept or (confident and fragment.complete(bool(fresh.concepts))):
                return fresh  # "LDL?", "also, what was my last A1c?" stand on their own
            return fresh.with_(operation="clarify")
        merged = followup.merge(fresh, prev, fragment, confident=confident)
        if language is None and fresh.language == "en" and not _english_words(question):
            merged = merged.with_(language=prev.language)
        return merged

    def _fresh(self, question: str, prediction: Prediction, language: str,
               terms: VaultTerms, today: dt.date) -> Query:
        """The question read on its own, before any earlier turn is considered."""
        predicted = prediction.category
        prefer = predicted if prediction.category_p >= _PREFER_AT and predicted != "none" else None
        concepts = self.resolver.resolve(question, terms, language=language, prefer=prefer)
        category = _category(prediction, concepts, question)
        named = any(c.in_vault for c in concepts)
        operation, confidence = _operation(prediction, category, question, named)
        return Query(
            question=question,
            language=language,
            operation=operation,
            category=category,
            concepts=concepts,
            filters=Filters(status=cues.status(question), window=cues.window(question, today),
                            encounter_type=cues.encounter_type(question)),
            unit=cues.unit(question),
            confidence=confidence,
            alternatives=tuple((op, p) for op, p in prediction.operations[:4]
                               if op != operation)[:3],
        )

    def _terms(self, facts: FactsStore | VaultTerms | None) -> VaultTerms:
        """The vault snapshot, read again only when the vault's item or measurement count
        changed (a conversation asks many questions of the same vault)."""
        if facts is None:
            return VaultTerms.empty()
        if isinstance(facts, VaultTerms):
            return facts
        signature = (facts.count("items"), facts.count("measurements"))
        cached = self._vault
        if cached is not None and cached[0] is facts and cached[1] == signature:
            return cached[2]
        terms = VaultTerms.of(facts)
        self._vault = (facts, signature, terms)
        return terms


def _category(prediction: Prediction, concepts: Sequence[Concept], question: str) -> Category:
    """The model's category, unless it is unsure and what the question names, in this
    vault, is all of one other category ("simvastatin" is a medication); a record question
    the model gives no category gets the one its nouns name ("what am I on?")."""
    found = {c.category for c in concepts if c.in_vault} or {c.category for c in concepts}
    unsure = prediction.category == "none" or prediction.category_p < _KEEP_CATEGORY_AT
    if len(found) == 1 and unsure:
        return next(iter(found))
    if prediction.category == "none" and prediction.operation not in _NO_CATEGORY:
        return category_cue(fold_words(question)) or "none"
    return prediction.category


def _operation(prediction: Prediction, category: Category, question: str,
               named: bool) -> tuple[Operation, float]:
    """The model's operation, checked again against what the resolver settled ("how much
    did I weigh" is no sum once "weigh" is a weight; "what did the scale say" is not too
    vague once "the scale" is the vault's body weight)."""
    return first_consistent((prediction.operation, prediction.operation_p),
                            prediction.operations, category, fold(question), named)


def _english_words(question: str) -> bool:
    """The question has a word that marks it as English ("and", "what about" ...): a bare
    "LDL ?" says nothing about the language, so a follow-up keeps the conversation's."""
    return bool(set(fold_words(question).replace("?", " ").split()) & _ENGLISH_CUES)
