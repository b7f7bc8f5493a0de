"""The vector index interface. One instance always serves exactly one tenant.

A backend is opened for a vault (or the knowledge base) and scopes every call to
it; there is no method that searches "everything". The embedded backend keeps a
Qdrant Edge shard per vault; a server backend (qdrant-client) would keep the
tenant as an ``is_tenant`` payload index and add the filter itself.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

SearchMode = Literal["hybrid", "dense", "sparse"]

_NS = uuid.UUID("6f1d7a8e-2b43-4c8e-9a5e-3f0c2d1b7e61")


def point_uuid(chunk_id: str) -> str:
    """Qdrant wants integer or UUID ids; ours are strings, so map them stably."""
    return str(uuid.uuid5(_NS, chunk_id))


@dataclass(frozen=True)
class IndexPoint:
    """What gets indexed: the chunk id, its dense vector, its text (for BM25) and payload."""

    chunk_id: str
    dense: list[float]
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 10
    mode: SearchMode = "hybrid"
    prefetch_limit: int = 50
    rrf_k: int = 60
    weights: tuple[float, float] = (1.0, 1.0)  # dense, sparse
    fusion: Literal["rrf", "dbsf"] = "rrf"  # rank fusion, or distribution-based score fusion
    match: dict[str, str] = field(default_factory=dict)  # payload equality filters


class VectorIndex(ABC):
    """Dense + BM25 sparse vectors for one tenant, fused with RRF in one query."""

    @abstractmethod
    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points by chunk id."""

    @abstractmethod
    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove points; unknown ids are ignored."""

    @abstractmethod
    def search(self, dense: Sequence[float], text: str, options: SearchOptions) -> list[Hit]:
        """Best chunks for a query, by dense, BM25 or both fused."""

    @abstractmethod
    def count(self) -> int:
        """How many points the tenant holds."""

    @abstractmethod
    def chunk_ids(self) -> set[str]:
        """Every chunk id the tenant holds (used to check parity and deletion)."""

    def optimize(self) -> None:  # noqa: B027 - optional hook
        """Build search structures if the backend benefits from it."""

    @abstractmethod
    def flush(self) -> None:
        """Make every change durable."""

    @abstractmethod
    def close(self) -> None:
        """Release files and memory."""
