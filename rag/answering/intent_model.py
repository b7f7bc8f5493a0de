"""The intent model: a question's operation and category, learned from the labelled bank.

Patterns over known wordings missed every question phrased another way. Here a small
classifier learns from our bank (``rag/answering/intents/*.yaml``, EN and FR, typos and
lay words included):

- TF-IDF over the folded text (:func:`rag.core.text.fold`): character n-grams (``char_wb``
  2–5), which carry over typos ("cholestrol") and French inflections, plus word uni- and
  bigrams ("how many", "combien de fois");
- logistic regression (SGD, ``log_loss``, fixed seed: deterministic, and ~1 s on 2 cores
  where the lbfgs solver took 15 s for the same accuracy);
- when a *semantic* encoder is passed in (never the test fake, see
  :func:`rag.answering.intent_embedding.is_semantic`), a second classifier over sentence
  vectors, whose probabilities are averaged with the n-gram ones;
- rules only to break ties and refuse contradictions (``intent_rules.py``): when the top
  two operations are close, a cue such as "how many" picks the one it names among the top
  three; a "sum" without money or a "count" without a counting word yields to the next.

:func:`train` fits a model on any examples (the evaluation trains on :func:`split`'s train
part); :func:`bank_model` is the product's model, trained on the whole bank and kept per
process, per bank version and per encoder.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion

from rag.answering.intent_bank import Example, fingerprint, load_bank, split
from rag.answering.intent_embedding import EmbeddingClassifier, bank_vectors, is_semantic
from rag.answering.intent_rules import break_tie, first_consistent
from rag.answering.query import CATEGORIES, OPERATIONS, Category, Operation
from rag.core.text import fold
from rag.embedder import Embedder

__all__ = ["IntentModel", "Prediction", "bank_model", "split", "train"]

Proba = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Prediction:
    """The model's reading of one question: best operation and category, with the ranked
    alternatives so callers can ask instead of guessing when it is unsure."""

    operation: Operation
    category: Category
    operation_p: float
    category_p: float
    operations: tuple[tuple[Operation, float], ...]  # every operation, most probable first
    categories: tuple[tuple[Category, float], ...]
    tie_broken: bool = False  # a rule moved the operation off the model's first choice

    @property
    def margin(self) -> float:
        """How far the best operation is ahead of the runner-up (model probabilities)."""
        ranked = sorted((p for _, p in self.operations), reverse=True)
        return ranked[0] - ranked[1] if len(ranked) > 1 else ranked[0]


def _vectorizer() -> FeatureUnion:
    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
    ])


class _NgramHead:
    """One SGD logistic regression over the shared TF-IDF features, probabilities in a
    fixed label order."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        self._clf = SGDClassifier(loss="log_loss", alpha=2e-5, max_iter=12, tol=None,
                                  random_state=0)
        self._columns: list[int] = []

    def fit(self, x: object, y: Sequence[str]) -> _NgramHead:
        self._clf.fit(x, list(y))
        self._columns = [self.labels.index(str(c)) for c in self._clf.classes_]
        return self

    def proba(self, x: object, rows: int) -> Proba:
        out = np.zeros((rows, len(self.labels)), dtype=np.float64)
        if rows:
            out[:, self._columns] = self._clf.predict_proba(x)
        return out


class IntentModel:
    """A fitted intent model. Thread-safe to call: prediction reads fitted state only."""

    def __init__(self, examples: Sequence[Example], embedder: Embedder | None = None,
                 cache_dir: Path | None = None, rules: bool = True) -> None:
        if not examples:
            raise ValueError("an intent model needs examples to learn from")
        texts = [fold(ex.text) for ex in examples]
        self._features = _vectorizer()
        x = self._features.fit_transform(texts)
        self._op = _NgramHead(OPERATIONS).fit(x, [ex.operation for ex in examples])
        self._cat = _NgramHead(CATEGORIES).fit(x, [ex.category for ex in examples])
        self.rules = rules
        self._embedder = embedder if is_semantic(embedder) else None
        self._cache_dir = cache_dir
        self._op_emb: EmbeddingClassifier | None = None
        self._cat_emb: EmbeddingClassifier | None = None
        if self._embedder is not None:
            vecs = bank_vectors(self._embedder, [ex.text for ex in examples], cache_dir)
            self._op_emb = EmbeddingClassifier(OPERATIONS).fit(
                vecs, [ex.operation for ex in examples])
            self._cat_emb = EmbeddingClassifier(CATEGORIES).fit(
                vecs, [ex.category for ex in examples])

    @property
    def uses_embedder(self) -> bool:
        """True when the semantic half is part of this model (a real encoder was given)."""
        return self._embedder is not None

    def probabilities(self, texts: Sequence[str]) -> tuple[Proba, Proba]:
        """(operation, category) probabilities, one row per text, columns in the order of
        :data:`OPERATIONS` and :data:`CATEGORIES`; the average of both halves when the
        embedding half is present."""
        x = self._features.transform([fold(t) for t in texts])
        ops, cats = self._op.proba(x, len(texts)), self._cat.proba(x, len(texts))
        if self._embedder is not None and self._op_emb and self._cat_emb and texts:
            vecs = np.asarray(self._embedder.embed(list(texts)), dtype=np.float32)
            ops = (ops + self._op_emb.proba(vecs)) / 2
            cats = (cats + self._cat_emb.proba(vecs)) / 2
        return ops, cats

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        ops, cats = self.probabilities(texts)
        return [self._prediction(t, o, c) for t, o, c in zip(texts, ops, cats, strict=True)]

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def _prediction(self, text: str, ops: Proba, cats: Proba) -> Prediction:
        folded = fold(text)
        ranked_ops = tuple(sorted(((OPERATIONS[i], float(p)) for i, p in enumerate(ops)),
                                  key=lambda kv: -kv[1]))
        ranked_cats = tuple(sorted(((CATEGORIES[i], float(p)) for i, p in enumerate(cats)),
                                   key=lambda kv: -kv[1]))
        category, category_p = ranked_cats[0]
        operation, operation_p = ranked_ops[0]
        broken = False
        if self.rules:
            index, broken = break_tie(folded, ops)
            chosen = (OPERATIONS[index], float(ops[index]))
            operation, operation_p = first_consistent(chosen, ranked_ops, category, folded)
            broken = operation != ranked_ops[0][0]
        return Prediction(
            operation=operation,
            category=category,
            operation_p=operation_p,
            category_p=category_p,
            operations=ranked_ops,
            categories=ranked_cats,
            tie_broken=broken,
        )


def train(examples: Sequence[Example], embedder: Embedder | None = None, *,
          cache_dir: Path | None = None, rules: bool = True) -> IntentModel:
    """Fit a model on ``examples``. The evaluation passes ``split(bank)[0]``; the product
    uses :func:`bank_model`, trained on all of the bank."""
    return IntentModel(examples, embedder, cache_dir, rules)


_MODELS: dict[tuple[str, str], IntentModel] = {}
_MODELS_LOCK = threading.Lock()
_TRAINING: dict[tuple[str, str], threading.Lock] = {}


def bank_model(embedder: Embedder | None = None, *, cache_dir: Path | None = None) -> IntentModel:
    """The product's model: trained on the whole bank, once per process, bank version and
    encoder. Each model trains under its own lock, so concurrent first questions train it
    once, and the n-gram model stays available while the embedding one trains."""
    bank = load_bank()
    semantic = embedder if is_semantic(embedder) else None
    key = (fingerprint(bank), f"{semantic.model_id}#{id(semantic)}" if semantic else "ngram")
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is not None:
            return model
        lock = _TRAINING.setdefault(key, threading.Lock())
    with lock:
        with _MODELS_LOCK:
            model = _MODELS.get(key)
        if model is None:
            model = train(bank, semantic, cache_dir=cache_dir)
            with _MODELS_LOCK:
                while len(_MODELS) >= 4:  # an old bank version or encoder: forget the oldest
                    del _MODELS[next(iter(_MODELS))]
                _MODELS[key] = model
                _TRAINING.pop(key, None)
        return model
