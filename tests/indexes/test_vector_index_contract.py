"""One contract suite, run over every VectorIndex backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexes.base import IndexPoint, SearchOptions, VectorIndex
from indexes.edge import EdgeIndex
from indexes.sealed import IndexSeal
from rag.embedder import FakeEmbedder

DOCS = {
    "a1c": "Hemoglobin A1c 6.8 % on 2023-04-02 (reference 4–5.6 %, high).",
    "ldl": "Low density lipoprotein cholesterol 131 mg/dL on 2023-04-02.",
    "allergy": "Allergy: Penicillin (active, criticality high). Reaction: hives.",
    "vaccine": "Immunization: Influenza, seasonal, injectable on 2023-10-01 (completed).",
    "note": "Document: progress note. Blood pressure is improving with lisinopril.",
}

_KEY = bytes(range(32))
BACKENDS: dict[str, Callable[[Path], VectorIndex]] = {
    "edge": lambda p: EdgeIndex(p / "shard", 384),
    # A vault's shard: keyed vectors, token ids and payload values (indexes/sealed.py).
    "edge-sealed": lambda p: EdgeIndex(p / "shard", 384, seal=IndexSeal(_KEY, 384)),
}


@pytest.fixture(params=sorted(BACKENDS))
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    idx = BACKENDS[request.param](tmp_path)
    emb = FakeEmbedder()
    vecs = emb.embed(list(DOCS.values()))
    idx.upsert([
        IndexPoint(cid, [float(x) for x in v], text, {"kind": "record" if cid != "note" else "doc"})
        for (cid, text), v in zip(DOCS.items(), vecs, strict=True)
    ])
    yield idx
    idx.close()


def _q(text: str) -> list[float]:
    return [float(x) for x in FakeEmbedder().embed([text])[0]]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_search_finds_the_matching_chunk(index: VectorIndex, mode: str) -> None:
    hits = index.search(_q("penicillin allergy"), "penicillin allergy",
                        SearchOptions(limit=3, mode=mode))  # type: ignore[arg-type]
    assert hits[0].chunk_id == "allergy"
    assert hits[0].payload["cid"] == "allergy"


def test_hybrid_fuses_both_signals(index: VectorIndex) -> None:
    # BM25 alone knows "lisinopril"; the fused ranking must still surface it first.
    hits = index.search(_q("what about my lisinopril"), "lisinopril",
                        SearchOptions(limit=5))
    assert hits[0].chunk_id == "note"
    assert len({h.chunk_id for h in hits}) == len(hits)


def test_count_ids_delete_and_filter(index: VectorIndex) -> None:
    assert index.count() == len(DOCS)
    assert index.chunk_ids() == set(DOCS)
    index.delete(["ldl", "unknown-id"])
    assert index.count() == len(DOCS) - 1
    assert "ldl" not in index.chunk_ids()
    hits = index.search(_q("progress note"), "progress note",
                        SearchOptions(limit=5, match={"kind": "record"}))
    assert hits and all(h.chunk_id != "note" for h in hits)


def test_upsert_replaces_by_chunk_id(index: VectorIndex) -> None:
    text = "Allergy: Peanuts (active). Reaction: anaphylaxis."
    index.upsert([IndexPoint("allergy", _q(text), text, {"kind": "record"})])
    assert index.count() == len(DOCS)
    hits = index.search(_q("peanuts"), "peanuts", SearchOptions(limit=1, mode="sparse"))
    assert hits[0].chunk_id == "allergy"


def test_edge_persists_across_reopen(tmp_path: Path) -> None:
    idx = EdgeIndex(tmp_path / "s", 384)
    idx.upsert([IndexPoint("x", _q("kidney function"), "kidney function egfr", {})])
    idx.close()
    again = EdgeIndex(tmp_path / "s", 384)
    assert again.count() == 1
    assert again.search(_q("egfr"), "egfr", SearchOptions(limit=1))[0].chunk_id == "x"
    again.close()


def test_wrong_vector_size_is_a_typed_error(tmp_path: Path) -> None:
    from rag.core.errors import IndexError_

    idx = EdgeIndex(tmp_path / "s", 384)
    with pytest.raises(IndexError_):
        idx.upsert([IndexPoint("x", [0.1, 0.2], "short", {})])
    idx.close()
