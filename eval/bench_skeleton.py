"""Walking-skeleton benchmarks, side by side on the same machine in one run.

1. Ingest: the 20 Synthea bundles into one vault; resources/s and chunks/s, and the
   pipeline's overhead against the raw embedder on the very same texts (raw runs before
   and after the pipeline; their mean is the baseline). Resource parity is checked.
2. Ask latency: p50/p95 of the full answer path on that vault plus the knowledge base,
   next to a plain llama-index VectorStoreIndex retriever over the same chunks and
   embedder (retrieval only, which is less work than our full path).

    python -m eval.bench_skeleton --data ../shared/data/synthea_fhir_r4/bundles \
        --out eval/reports/skeleton.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.llamaindex_baseline import make_retriever
from ingest.fhir import parse_fhir
from rag.core.settings import EmbeddingSettings, Settings
from rag.embedder import Embedder, SentenceTransformerEmbedder, Vectors, text_hash
from rag.service import Service

QUESTIONS = [
    "What was my last A1c?", "What am I allergic to?", "What medications am I taking?",
    "What was my blood pressure?", "How has my cholesterol changed over time?",
    "What vaccines have I had?", "What are my conditions?", "When was my last colonoscopy?",
    "What is my latest eGFR?", "What was my weight in 2015?", "What does LDL mean?",
    "Quelle est ma dernière glycémie ?", "Do I have diabetes?", "What procedures have I had?",
    "What is my BMI?", "Am I on metformin?",
]


class TimedEmbedder(Embedder):
    """Counts the seconds spent inside the real embedder (to split pipeline time)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.seconds = 0.0

    def embed(self, texts: Sequence[str]) -> Vectors:
        t = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path,
                    default=Path("../shared/data/synthea_fhir_r4/bundles"))
    ap.add_argument("--out", type=Path, default=Path("eval/reports/skeleton.md"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no bundles under {args.data}")
    workdir = Path(tempfile.mkdtemp(prefix="healthrag-bench-"))
    settings = Settings(data_dir=workdir / "data")
    embedder = SentenceTransformerEmbedder(EmbeddingSettings())

    # Texts exactly as the pipeline embeds them.
    texts: list[str] = []
    n_resources = 0
    for f in files:
        parsed = parse_fhir(f.read_bytes(), f.name)
        texts.extend(r.text for r in parsed.records)
        n_resources += len({r.key.split("#")[0] for r in parsed.records}) + parsed.skipped + len(
            parsed.issues)
    embedder.embed(texts[:64])  # warm-up

    def raw_run() -> float:
        t = time.perf_counter()
        for i in range(0, len(texts), 256):
            embedder.embed(texts[i : i + 256])
        return time.perf_counter() - t

    raw_before = raw_run()
    timed = TimedEmbedder(embedder)
    service = Service(settings, embedder=timed)
    service.ensure_starter_knowledge()
    timed.seconds = 0.0
    t = time.perf_counter()
    summary = service.ingest("synthea", files)
    pipeline = time.perf_counter() - t
    in_embedder = timed.seconds
    raw_after = raw_run()
    raw = min(raw_before, raw_after)  # the least-disturbed run on a noisy machine
    out: dict[str, Any] = summary.as_json()
    assert out["resources"] == n_resources, "resource parity"
    vault = service.vaults.open("synthea")
    parity = vault.index.chunk_ids() == vault.facts.all_chunk_ids()

    # Ask latency, ours vs llama-index retrieval, interleaved.
    ids = sorted(vault.facts.all_chunk_ids())
    recs = vault.facts.records_by_chunks(ids)
    vecs = vault.facts.get_vectors(embedder.model_id, [text_hash(recs[i].text) for i in ids])
    retriever = make_retriever(embedder, ids, [recs[i].text for i in ids],
                               [vecs[text_hash(recs[i].text)] for i in ids])
    ours: list[float] = []
    llama: list[float] = []
    for _ in range(args.repeats):
        for q in QUESTIONS:
            t = time.perf_counter()
            service.ask("synthea", q)
            ours.append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            retriever.retrieve(q)
            llama.append(1000 * (time.perf_counter() - t))
    service.close()
    shutil.rmtree(workdir, ignore_errors=True)

    res = {
        "bundles": len(files), "resources": out["resources"], "records": out["records"],
        "chunks": out["chunks"], "issues": len(out["errors"]), "index_parity": parity,
        "pipeline_s": round(pipeline, 2), "raw_embed_s": round(raw, 2),
        "raw_embed_before_s": round(raw_before, 2), "raw_embed_after_s": round(raw_after, 2),
        "overhead": round(pipeline / raw - 1, 3),
        "in_embedder_s": round(in_embedder, 2),
        "non_embedding_share": round((pipeline - in_embedder) / in_embedder, 3),
        "resources_per_s": round(out["resources"] / pipeline, 1),
        "chunks_per_s": round(out["chunks"] / pipeline, 1),
        "ask_p50_ms": round(statistics.median(ours), 1), "ask_p95_ms": round(pct(ours, 0.95), 1),
        "llamaindex_p50_ms": round(statistics.median(llama), 1),
        "llamaindex_p95_ms": round(pct(llama, 0.95), 1),
        "questions": len(QUESTIONS) * args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    print(json.dumps(res, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(res))


def render(r: dict[str, Any]) -> str:
    return f"""# Walking-skeleton benchmark

Command: `.venv/bin/python -m eval.bench_skeleton` (machine: {r['machine']}).

## Ingest: {r['bundles']} Synthea bundles into one vault

| measure | value |
|---|---|
| resources (indexed or reported) | {r['resources']} |
| records / chunks | {r['records']} / {r['chunks']} |
| resources reported as invalid | {r['issues']} |
| index ↔ facts parity | {r['index_parity']} |
| pipeline time | {r['pipeline_s']} s |
| raw embedder on the same texts, best of a run before and after \
({r['raw_embed_before_s']} s, {r['raw_embed_after_s']} s) | {r['raw_embed_s']} s |
| **pipeline overhead vs raw embedder** | **{r['overhead'] * 100:.1f} %** (target ≤ 20 %) |
| inside the pipeline: embedder time / everything else on top \
| {r['in_embedder_s']} s / {r['non_embedding_share'] * 100:.1f} % |
| throughput | {r['resources_per_s']} resources/s, {r['chunks_per_s']} chunks/s |

## Ask latency ({r['questions']} questions, interleaved)

| system | p50 | p95 |
|---|---|---|
| healthrag `ask` (triage, plan, facts, hybrid retrieval of records and knowledge, \
compose, verify) | {r['ask_p50_ms']} ms | {r['ask_p95_ms']} ms |
| llama-index `VectorStoreIndex` retriever, same chunks and embedder (retrieval only) \
| {r['llamaindex_p50_ms']} ms | {r['llamaindex_p95_ms']} ms |
"""


if __name__ == "__main__":
    main()
