"""The embedded backend: one Qdrant Edge shard per tenant, on local disk."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from indexes.base import Hit, IndexPoint, SearchOptions, VectorIndex, point_uuid
from indexes.locks import hold, lock_path
from indexes.sealed import IndexSeal
from rag.core.errors import IndexError_

DENSE = "dense"
SPARSE = "bm25"


def _bm25() -> qe.Bm25:
    # English stemming and stop words; accents folded so "hémoglobine" ~ "hemoglobine".
    return qe.Bm25(qe.Bm25Config(language="english", ascii_folding=True))


class EdgeIndex(VectorIndex):
    """A Qdrant Edge shard with a named dense vector (cosine) and BM25 sparse vector (IDF)."""

    def __init__(self, path: Path, dim: int, *, hnsw_min_points: int = 20000,
                 seal: IndexSeal | None = None) -> None:
        """``seal``: the vault's keyed vector transforms (see indexes/sealed.py); every
        vector written and every query goes through it.

        The shard's lock (indexes/locks.py) is taken before Qdrant Edge touches a file: a
        shard that another process holds is :class:`~rag.core.errors.IndexBusy`, and its
        files stay as they were."""
        self._guard = hold(lock_path(path), f"the vector shard {path}")
        try:
            self._open(path, dim, hnsw_min_points, seal)
        except BaseException:
            self._guard.release()
            raise

    def _open(self, path: Path, dim: int, hnsw_min_points: int, seal: IndexSeal | None
              ) -> None:
        self._path = path
        self._dim = dim
        self._seal = seal
        self._hnsw_min_points = hnsw_min_points
        self._bm25 = _bm25()
        self._lock = threading.RLock()
        self._closed = False
        try:
            if (path / "edge_config.json").exists() or any(path.glob("segments*")):
                self._shard = qe.EdgeShard.load(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._shard = qe.EdgeShard.create(str(path), self._config())
        except Exception as exc:  # qdrant_edge raises bare Exception; re-raised typed
            raise IndexError_(f"cannot open the vector shard: {exc}") from exc

    def _config(self) -> qe.EdgeConfig:
        return qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=self._dim, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=self._hnsw_min_points),
        )

    def _dense(self, vector: Sequence[float]) -> list[float]:
        return self._seal.dense(vector) if self._seal else list(vector)

    def _sparse(self, vector: qe.SparseVector) -> qe.SparseVector:
        if self._seal is None:
            return vector
        indices, values = self._seal.sparse(vector.indices, vector.values)
        return qe.SparseVector(indices=indices, values=values)

    def _tag(self, value: Any) -> Any:
        return self._seal.tag(value) if self._seal else value

    def _payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {k: self._tag(v) for k, v in payload.items()}

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        qpoints = []
        for p in points:
            if len(p.dense) != self._dim:
                raise IndexError_(f"vector size {len(p.dense)} != {self._dim}")
            vector: dict[str, Any] = {
                DENSE: self._dense(p.dense),
                SPARSE: self._sparse(self._bm25.embed_document(p.text)),
            }
            qpoints.append(
                qe.Point(point_uuid(p.chunk_id), vector, {**self._payload(p.payload),
                                                          "cid": p.chunk_id})
            )
        with self._lock:
            self._shard.update(qe.UpdateOperation.upsert_points(qpoints))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if not chunk_ids:
            return
        ids: list[qe.PointId] = [point_uuid(c) for c in chunk_ids]
        with self._lock:
            self._shard.update(qe.UpdateOperation.delete_points(ids))

    def _filter(self, options: SearchOptions) -> qe.Filter | None:
        if not options.match:
            return None
        must: list[qe.ConditionType] = [
            qe.FieldCondition(key=k, match=qe.MatchValue(self._tag(v)))
            for k, v in options.match.items()
        ]
        return qe.Filter(must=must)

    def search(self, dense: Sequence[float], text: str, options: SearchOptions) -> list[Hit]:
        flt = self._filter(options)
        dense_q = qe.Query.Nearest(self._dense(dense), using=DENSE)
        sparse_q = qe.Query.Nearest(self._sparse(self._bm25.embed_query(text)), using=SPARSE)
        if options.mode == "dense":
            req = qe.QueryRequest(limit=options.limit, query=dense_q, filter=flt, with_payload=True)
        elif options.mode == "sparse":
            req = qe.QueryRequest(
                limit=options.limit, query=sparse_q, filter=flt, with_payload=True
            )
        else:
            fusion: Any = (  # the stub's union names Fusion; the runtime takes Rrf / Dbsf
                qe.Fusion.Dbsf() if options.fusion == "dbsf"
                else qe.Fusion.Rrf(k=options.rrf_k, weights=list(options.weights))
            )
            req = qe.QueryRequest(
                limit=options.limit,
                prefetches=[
                    qe.Prefetch(limit=options.prefetch_limit, query=dense_q, filter=flt),
                    qe.Prefetch(limit=options.prefetch_limit, query=sparse_q, filter=flt),
                ],
                query=fusion,
                with_payload=True,
            )
        with self._lock:
            scored = self._shard.query(req)
        return [
            Hit(chunk_id=str((s.payload or {}).get("cid")), score=s.score, payload=s.payload or {})
            for s in scored
        ]

    def count(self) -> int:
        with self._lock:
            return self._shard.count(qe.CountRequest(exact=True))

    def chunk_ids(self) -> set[str]:
        out: set[str] = set()
        offset: qe.PointId | None = None
        with self._lock:
            while True:
                records, offset = self._shard.scroll(
                    qe.ScrollRequest(offset=offset, limit=1000, with_payload=["cid"])
                )
                out.update(str((r.payload or {}).get("cid")) for r in records)
                if offset is None:
                    break
        return out

    def optimize(self) -> None:
        # Small vaults are searched exactly: the optimizer only builds HNSW past
        # `indexing_threshold`, so this is cheap for them (see README, "HNSW or not").
        with self._lock:
            self._shard.optimize()

    def flush(self) -> None:
        with self._lock:
            self._shard.flush()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._shard.flush()
                self._shard.close()
            finally:
                self._guard.release()
