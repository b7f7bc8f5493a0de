"""A plain llama-index ``VectorStoreIndex`` over the same chunks and the same embedder:
the baseline that benchmarks run side by side with ours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.embedder import Embedder


def make_retriever(embedder: Embedder, ids: Sequence[str], texts: Sequence[str],
                   vectors: Sequence[Sequence[float]], top_k: int = 10) -> Any:
    """Build a llama-index retriever from precomputed vectors (nothing is re-embedded)."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.schema import TextNode

    class _Wrapped(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_one(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_one(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed_one(text)

    model = _Wrapped(model_name=embedder.model_id)
    LlamaSettings.embed_model = model
    LlamaSettings.llm = None
    nodes = [TextNode(id_=i, text=t, embedding=list(v))
             for i, t, v in zip(ids, texts, vectors, strict=True)]
    index = VectorStoreIndex(nodes, embed_model=model, show_progress=False)
    return index.as_retriever(similarity_top_k=top_k)
