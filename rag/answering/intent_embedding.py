"""The embedding half of the intent model: a classifier over sentence vectors.

Character n-grams see spelling; a sentence encoder sees meaning ("how heavy am I" and "what
do I weigh" share no word). Only a *semantic* encoder may serve as a feature: the test fake
hashes words, and a classifier over word hashes would only echo the n-gram model while
looking like a second opinion. :func:`is_semantic` tells them apart the way
``guardrails/redflags.py`` does: by probes, pairs of paraphrases that share no word against
distractors that share most words. An encoder that counts words fails them.

The bank's vectors are computed once per process and model (about 2,400 short texts), and
kept in memory by text hash; with a ``cache_dir`` they are also written to one ``.npz``
file, so a restarted service does not embed the bank again. The bank is project data, never
a person's, so it never goes into a vault's cache.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import SGDClassifier

from rag.embedder import Embedder, FakeEmbedder

__all__ = ["EmbeddingClassifier", "bank_vectors", "is_semantic"]

Matrix = npt.NDArray[np.float32]

# (anchor, paraphrase sharing no word, distractor sharing most words)
_PROBES = (
    ("what is my weight", "how heavy am i", "what is my insurance plan"),
    ("who is my doctor", "name of the physician treating me", "who is my emergency contact"),
    ("list my medications", "which pills am i taking", "list my appointments"),
)
_VECTORS: dict[tuple[str, str], npt.NDArray[np.float32]] = {}
_LOCK = threading.Lock()
_SEMANTIC: weakref.WeakKeyDictionary[Embedder, bool] = weakref.WeakKeyDictionary()


def is_semantic(embedder: Embedder | None) -> bool:
    """True when ``embedder`` understands paraphrase (a real sentence encoder); the fake
    and any other word-counting encoder answer False. Checked once per instance."""
    if embedder is None or isinstance(embedder, FakeEmbedder):
        return False
    known = _SEMANTIC.get(embedder)
    if known is not None:
        return known
    texts = [t for probe in _PROBES for t in probe]
    vecs = np.asarray(embedder.embed(texts), dtype=np.float32)
    ok = True
    for i in range(len(_PROBES)):
        anchor, para, distractor = vecs[3 * i], vecs[3 * i + 1], vecs[3 * i + 2]
        ok = ok and float(anchor @ para) > float(anchor @ distractor) + 0.05
    _SEMANTIC[embedder] = ok
    return ok


def _hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x1f{text}".encode()).hexdigest()[:24]


def _cache_file(cache_dir: Path, model_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)
    return cache_dir / f"intent-bank-{safe}.npz"


def _read_disk(path: Path, model_id: str) -> None:
    if not path.exists():
        return
    try:
        with np.load(path) as data:
            keys, vecs = data["keys"], data["vectors"]
    except (OSError, ValueError, KeyError):
        return  # a damaged cache is recomputed, never trusted
    for key, vec in zip(keys.tolist(), vecs, strict=True):
        _VECTORS[(model_id, str(key))] = np.asarray(vec, dtype=np.float32)


def _write_disk(path: Path, model_id: str, hashes: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    vecs = np.stack([_VECTORS[(model_id, h)] for h in hashes])
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.asarray(hashes), vectors=vecs)
    tmp.replace(path)


def bank_vectors(
    embedder: Embedder, texts: Sequence[str], cache_dir: Path | None = None
) -> Matrix:
    """Vectors for ``texts`` (shape ``(n, dim)``), embedding only those not seen before."""
    model_id = embedder.model_id
    hashes = [_hash(model_id, t) for t in texts]
    with _LOCK:
        if cache_dir is not None and any((model_id, h) not in _VECTORS for h in hashes):
            _read_disk(_cache_file(cache_dir, model_id), model_id)
        todo = {h: t for h, t in zip(hashes, texts, strict=True) if (model_id, h) not in _VECTORS}
        if todo:
            fresh = np.asarray(embedder.embed(list(todo.values())), dtype=np.float32)
            for h, vec in zip(todo, fresh, strict=True):
                _VECTORS[(model_id, h)] = vec
            if cache_dir is not None:  # every vector known for this model, old and new
                known = [h for m, h in _VECTORS if m == model_id]
                _write_disk(_cache_file(cache_dir, model_id), model_id, known)
        return np.stack([_VECTORS[(model_id, h)] for h in hashes]).astype(np.float32)


class EmbeddingClassifier:
    """Logistic regression (SGD, fixed seed) from a sentence vector to a label, giving
    probabilities over a fixed label order so they can be averaged with the n-gram model."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        self._clf = SGDClassifier(
            loss="log_loss", alpha=3e-5, max_iter=50, tol=None, random_state=0
        )
        self._columns: list[int] = []

    def fit(self, vectors: Matrix, y: Sequence[str]) -> EmbeddingClassifier:
        self._clf.fit(vectors, list(y))
        self._columns = [self.labels.index(str(c)) for c in self._clf.classes_]
        return self

    def proba(self, vectors: Matrix) -> npt.NDArray[np.float64]:
        """Probabilities, one column per label of ``labels`` (unseen labels get 0)."""
        out = np.zeros((len(vectors), len(self.labels)), dtype=np.float64)
        if len(vectors):
            out[:, self._columns] = self._clf.predict_proba(vectors)
        return out
