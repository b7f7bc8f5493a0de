from __future__ import annotations

import numpy as np
import pytest

from rag.embedder import Embedder, FakeEmbedder, embed_cached, text_hash


class _Cache:
    def __init__(self) -> None:
        self.store: dict[str, list[float]] = {}

    def get_vectors(self, model_id: str, hashes: list[str]) -> dict[str, list[float]]:
        return {h: self.store[h] for h in hashes if h in self.store}


def test_cache_means_no_re_embedding() -> None:
    cache = _Cache()
    emb = FakeEmbedder()
    vecs, fresh = embed_cached(emb, ["a b", "c d", "a b"], cache)
    assert len(vecs) == 3 and vecs[0] == vecs[2]
    assert set(fresh) == {text_hash("a b"), text_hash("c d")}
    cache.store.update(fresh)
    vecs2, fresh2 = embed_cached(emb, ["c d", "a b"], cache)
    assert fresh2 == {}
    assert vecs2 == [vecs[1], vecs[0]]


def test_fake_embedder_is_deterministic_and_normalised() -> None:
    a = FakeEmbedder().embed(["hemoglobin a1c result"])
    b = FakeEmbedder().embed(["hemoglobin a1c result"])
    assert np.allclose(a, b)
    assert abs(float(np.linalg.norm(a[0])) - 1.0) < 1e-5


@pytest.mark.slow
def test_real_minilm_masks_padding_in_pooling(real_embedder: Embedder) -> None:
    short = "hemoglobin a1c"
    long = "a much longer sentence about glucose control and kidney function " * 8
    alone = real_embedder.embed([short])[0]
    batched = real_embedder.embed([short, long])[0]
    # If padding tokens leaked into mean pooling, the batched vector would drift.
    assert float(np.dot(alone, batched)) > 0.99999
    assert real_embedder.dim == 384


@pytest.mark.slow
def test_real_minilm_ranks_related_text_higher(real_embedder: Embedder) -> None:
    q, related, unrelated = real_embedder.embed(
        ["what is my blood sugar average", "Hemoglobin A1c reflects average blood glucose",
         "The Eiffel tower is in Paris"])
    assert float(q @ related) > float(q @ unrelated) + 0.2
