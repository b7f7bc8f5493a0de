"""Retrieval benchmark: BM25, dense, hybrid (RRF), tuned hybrid and a plain llama-index
baseline, side by side in one run, on the same MiniLM embeddings and the same corpus.

    .venv/bin/python -m eval.retrieval --dataset nfcorpus \
        --data ../shared/data/nfcorpus_original_test --out eval/reports/retrieval_nfcorpus.md
    healthrag eval retrieval --dataset medquad --data ../shared/data/medquad/medquad_qa.jsonl --json

Every system except ``llamaindex`` is the product's own ``EdgeIndex`` (Qdrant Edge shard,
exact search below ``hnsw_min_points``): ``bm25`` = mode "sparse" (BM25 with IDF),
``dense`` = mode "dense", ``hybrid`` = RRF k=60 with equal weights in one query,
``hybrid_tuned`` = RRF k, weights, prefetch depth and a query-side rewrite chosen on a
held-out half of the queries (``tune`` half) and reported on the other half (``test``)
and on all queries. Queries are embedded beforehand (batched, cached); latencies time
the search call only, for every system alike.

Datasets:

* ``nfcorpus``: ``test.docs`` (3,162 preprocessed abstracts: lowercased, stop words and
  punctuation removed, numbers -> ``num``), BEIR test topics (323 natural-language titles)
  and BEIR graded qrels (1 = indirect, 2 = direct link). nDCG@10 uses linear gains (as
  pytrec_eval / BEIR); recall and MRR count every grade > 0 as relevant.
* ``medquad``: a deterministic sample. Documents (MedQuAD ``doc_id``, one NIH page) are
  ordered by sha256(doc_id) and taken whole until the corpus holds >= 3,000 answers; the
  questions are the first 500 of those pages' questions by sha256(qid). Each question is
  searched against every sampled answer; relevant = its own answer plus any answer with the
  identical (whitespace-normalised) text. Other answers of the same page are NOT relevant:
  they answer another question type (symptoms vs. treatment vs. inheritance...) about the
  same focus, which is exactly what a retriever must tell apart.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexes.base import IndexPoint, SearchOptions
from indexes.edge import EdgeIndex
from rag.embedder import Embedder

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / "eval" / ".cache"
DEPTH = 100  # every system returns its top 100: recall@100 needs it
SINGLE = ("bm25", "dense")
MEDQUAD_ANSWERS = 3000
MEDQUAD_QUESTIONS = 500
TARGET = 1.05

# A compact English stop-word list, used only for the optional NFCorpus-style query rewrite.
_STOP_WORDS = (
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves"""
)
_STOP = frozenset(_STOP_WORDS.split())
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def nfcorpus_style(text: str) -> str:
    """Rewrite a query the way NFCorpus documents were preprocessed: lowercase, no
    punctuation, no stop words, numbers -> ``num``."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in _STOP:
            continue
        out.append("num" if tok.isdigit() else tok)
    return " ".join(out) or text.lower()


QUERY_REWRITES: dict[str, Callable[[str], str]] = {
    "raw": lambda t: t,
    "nfstyle": nfcorpus_style,
}


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Dataset:
    name: str
    doc_ids: list[str]
    doc_texts: list[str]
    query_ids: list[str]
    query_texts: list[str]
    qrels: dict[str, dict[str, int]]
    notes: list[str] = field(default_factory=list)


def _limit_docs(ds: Dataset, limit: int | None) -> None:
    """Keep every doc judged for the kept queries plus a sha256-ordered sample up to ``limit``."""
    if limit is None or limit >= len(ds.doc_ids):
        return
    judged = {d for q in ds.query_ids for d in ds.qrels.get(q, {})}
    # judged docs first (a sha256-ordered share of them if they alone exceed the limit)
    keep = set(sorted(judged, key=_h)[:limit])
    for d in sorted(ds.doc_ids, key=_h):
        if len(keep) >= limit:
            break
        keep.add(d)
    pairs = [(i, t) for i, t in zip(ds.doc_ids, ds.doc_texts, strict=True) if i in keep]
    ds.doc_ids = [i for i, _ in pairs]
    ds.doc_texts = [t for _, t in pairs]
    ds.notes.append(
        f"--limit-docs {limit}: kept {len(ds.doc_ids)} docs ({len(judged & keep)} of the "
        f"{len(judged)} judged for the kept queries, then a sha256-ordered sample)."
    )


def _limit_queries(ds: Dataset, limit: int | None) -> None:
    if limit is None or limit >= len(ds.query_ids):
        return
    ds.query_ids = ds.query_ids[:limit]
    ds.query_texts = ds.query_texts[:limit]
    ds.qrels = {q: ds.qrels[q] for q in ds.query_ids}
    ds.notes.append(f"--limit-queries {limit}: the first {limit} queries in file order.")


def load_nfcorpus(path: Path) -> Dataset:
    doc_ids, doc_texts = [], []
    with (path / "test.docs").open(encoding="utf-8") as fh:
        for line in fh:
            did, _, text = line.rstrip("\n").partition("\t")
            doc_ids.append(did)
            doc_texts.append(text)
    tq = path / "beir_test_topics_qrels"
    topics = next(tq.glob("topics*.tsv"))
    qrels_file = next(tq.glob("qrels*.txt"))
    qrels: dict[str, dict[str, int]] = {}
    with qrels_file.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 4 and int(parts[3]) > 0:
                qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    qids, qtexts = [], []
    with topics.open(encoding="utf-8") as fh:
        for line in fh:
            qid, _, text = line.rstrip("\n").partition("\t")
            if qid in qrels:
                qids.append(qid)
                qtexts.append(text)
    notes = [
        f"NFCorpus test split: {len(doc_ids)} docs (`test.docs`, preprocessed text), "
        f"{len(qids)} BEIR test topics with graded qrels ({topics.name}, {qrels_file.name}).",
    ]
    return Dataset("nfcorpus", doc_ids, doc_texts, qids, qtexts, qrels, notes)


def load_medquad(path: Path) -> Dataset:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        rows.extend(json.loads(line) for line in fh if line.strip())
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_doc.setdefault(str(r["doc_id"]), []).append(r)
    chosen: list[dict[str, Any]] = []
    for doc in sorted(by_doc, key=_h):
        if len(chosen) >= MEDQUAD_ANSWERS:
            break
        chosen.extend(by_doc[doc])
    ndocs = len({r["doc_id"] for r in chosen})
    norm = {str(r["qid"]): " ".join(str(r["answer"]).split()) for r in chosen}
    by_text: dict[str, list[str]] = {}
    for qid, text in norm.items():
        by_text.setdefault(text, []).append(qid)
    doc_ids = [str(r["qid"]) for r in chosen]
    doc_texts = [str(r["answer"]) for r in chosen]
    picked = sorted(chosen, key=lambda r: _h(str(r["qid"])))[:MEDQUAD_QUESTIONS]
    qids = [str(r["qid"]) for r in picked]
    qtexts = [str(r["question"]) for r in picked]
    qrels = {q: dict.fromkeys(by_text[norm[q]], 1) for q in qids}
    multi = sum(1 for q in qids if len(qrels[q]) > 1)
    notes = [
        f"MedQuAD sample: all {len(doc_ids)} answers of {ndocs} of {len(by_doc)} pages "
        f"(pages ordered by sha256(doc_id), taken whole until >= {MEDQUAD_ANSWERS} answers); "
        f"{len(qids)} questions (first by sha256(qid)) out of {len(rows)} QA pairs.",
        "Relevant = the question's own answer + answers with identical text "
        f"({multi} questions have more than one). Same-page answers to other question "
        "types are not relevant.",
    ]
    return Dataset("medquad", doc_ids, doc_texts, qids, qtexts, qrels, notes)


# ---------------------------------------------------------------- embeddings, cached


def embed_cached(
    embedder: Embedder, texts: Sequence[str], cache: Path, kind: str, key_extra: str = ""
) -> npt.NDArray[np.float32]:
    """Embed ``texts`` once; reruns load ``<cache>/<kind>-<sha256>.npy``."""
    h = hashlib.sha256()
    h.update(f"{embedder.model_id}\x00{key_extra}\x00{len(texts)}\x00".encode())
    for t in texts:
        h.update(t.encode())
        h.update(b"\x00")
    file = cache / f"{kind}-{h.hexdigest()[:32]}.npy"
    if file.exists():
        arr = np.load(file)
        if arr.shape == (len(texts), embedder.dim):
            return np.asarray(arr, dtype=np.float32)
    vecs = embedder.embed(list(texts))
    cache.mkdir(parents=True, exist_ok=True)
    ignore = cache / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # the cache never goes to git
    tmp = cache / f".{file.name}.{os.getpid()}.tmp.npy"
    np.save(tmp, vecs)
    tmp.replace(file)
    return vecs


# ---------------------------------------------------------------- metrics


def metrics_for(ranking: Sequence[str], rel: dict[str, int]) -> dict[str, float]:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    nrel = len(rel)
    mrr = 0.0
    for i, d in enumerate(ranking[:10]):
        if rel.get(d, 0) > 0:
            mrr = 1.0 / (i + 1)
            break
    return {
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "recall@10": sum(1 for d in ranking[:10] if d in rel) / nrel if nrel else 0.0,
        "recall@100": sum(1 for d in ranking[:100] if d in rel) / nrel if nrel else 0.0,
        "mrr@10": mrr,
    }


def aggregate(
    rankings: dict[str, list[str]], qrels: dict[str, dict[str, int]], qids: Sequence[str]
) -> dict[str, float]:
    per = [metrics_for(rankings[q], qrels[q]) for q in qids]
    keys = ("ndcg@10", "recall@10", "recall@100", "mrr@10")
    return {k: statistics.fmean(m[k] for m in per) if per else 0.0 for k in keys}


def _pct(values: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p)) if values else 0.0


# ---------------------------------------------------------------- systems


@dataclass(frozen=True)
class HybridConfig:
    rrf_k: int = 60
    dense_w: float = 1.0
    sparse_w: float = 1.0
    prefetch: int = DEPTH
    dense_query: str = "raw"  # which rewrite feeds the query embedding
    sparse_query: str = "raw"  # which rewrite feeds BM25

    def options(self, limit: int) -> SearchOptions:
        return SearchOptions(
            limit=limit,
            mode="hybrid",
            prefetch_limit=max(self.prefetch, limit),
            rrf_k=self.rrf_k,
            weights=(self.dense_w, self.sparse_w),
        )


class Bench:
    def __init__(self, ds: Dataset, embedder: Embedder, cache: Path, work: Path) -> None:
        from rag.core.settings import EmbeddingSettings

        self.ds = ds
        self.embedder = embedder
        extra = f"seq{EmbeddingSettings().max_seq_length}"
        t = time.perf_counter()
        self.doc_vecs = embed_cached(embedder, ds.doc_texts, cache, f"{ds.name}-docs", extra)
        self.qtext: dict[str, list[str]] = {
            name: [fn(q) for q in ds.query_texts] for name, fn in QUERY_REWRITES.items()
        }
        self.qvecs = {
            name: embed_cached(embedder, texts, cache, f"{ds.name}-q-{name}", extra)
            for name, texts in self.qtext.items()
        }
        self.embed_s = time.perf_counter() - t
        t = time.perf_counter()
        self.index = EdgeIndex(work / "shard", embedder.dim)  # exact search (< 20,000 points)
        for i in range(0, len(ds.doc_ids), 500):
            self.index.upsert(
                [
                    IndexPoint(ds.doc_ids[j], self.doc_vecs[j].tolist(), ds.doc_texts[j])
                    for j in range(i, min(i + 500, len(ds.doc_ids)))
                ]
            )
        self.index.optimize()
        self.index_s = time.perf_counter() - t

    def run_edge(
        self, qidx: Sequence[int], opts: SearchOptions, dense_q: str = "raw", sparse_q: str = "raw"
    ) -> tuple[dict[str, list[str]], list[float]]:
        rankings: dict[str, list[str]] = {}
        lat: list[float] = []
        for i in qidx:
            vec = self.qvecs[dense_q][i].tolist()
            text = self.qtext[sparse_q][i]
            t = time.perf_counter()
            hits = self.index.search(vec, text, opts)
            lat.append(1000 * (time.perf_counter() - t))
            rankings[self.ds.query_ids[i]] = [h.chunk_id for h in hits]
        return rankings, lat

    def run_hybrid(
        self, qidx: Sequence[int], cfg: HybridConfig, limit: int = DEPTH
    ) -> tuple[dict[str, list[str]], list[float]]:
        return self.run_edge(qidx, cfg.options(limit), cfg.dense_query, cfg.sparse_query)

    def run_llamaindex(self, qidx: Sequence[int]) -> tuple[dict[str, list[str]], list[float]]:
        from llama_index.core.schema import QueryBundle

        from eval.llamaindex_baseline import make_retriever

        # llama-index prints "LLM is explicitly disabled" on stdout: keep --json output clean
        with contextlib.redirect_stdout(sys.stderr):
            retriever = make_retriever(
                self.embedder, self.ds.doc_ids, self.ds.doc_texts, self.doc_vecs.tolist(), DEPTH
            )
        rankings: dict[str, list[str]] = {}
        lat: list[float] = []
        for i in qidx:
            bundle = QueryBundle(
                query_str=self.ds.query_texts[i], embedding=self.qvecs["raw"][i].tolist()
            )
            t = time.perf_counter()
            nodes = retriever.retrieve(bundle)
            lat.append(1000 * (time.perf_counter() - t))
            rankings[self.ds.query_ids[i]] = [str(n.node.node_id) for n in nodes]
        return rankings, lat

    def close(self) -> None:
        self.index.close()


def _ndcg(bench: Bench, qidx: Sequence[int], cfg: HybridConfig) -> float:
    rankings, _ = bench.run_hybrid(qidx, cfg, limit=10)
    qids = [bench.ds.query_ids[i] for i in qidx]
    return aggregate(rankings, bench.ds.qrels, qids)["ndcg@10"]


def tune(bench: Bench, qidx: Sequence[int]) -> tuple[HybridConfig, list[dict[str, Any]]]:
    """Two stages on the tune half, by mean nDCG@10: query rewrite, then RRF k x weights x
    prefetch depth. Ties keep the earlier (plainer) setting."""
    log: list[dict[str, Any]] = []

    def score(cfg: HybridConfig) -> float:
        s = _ndcg(bench, qidx, cfg)
        log.append({**cfg.__dict__, "ndcg@10": s})
        return s

    best = HybridConfig()
    best_s = score(best)
    for dq in QUERY_REWRITES:
        for sq in QUERY_REWRITES:
            cfg = HybridConfig(dense_query=dq, sparse_query=sq)
            if cfg == HybridConfig():
                continue
            s = score(cfg)
            if s > best_s:
                best, best_s = cfg, s
    base = best
    for k in (5, 10, 20, 40, 60, 100):
        for dw, sw in ((1.0, 1.0), (1.0, 1.5), (1.0, 2.0), (1.5, 1.0), (2.0, 1.0)):
            for pf in (DEPTH, 300):
                cfg = HybridConfig(k, dw, sw, pf, base.dense_query, base.sparse_query)
                if cfg == base:
                    continue
                s = score(cfg)
                if s > best_s:
                    best, best_s = cfg, s
    return best, log


# ---------------------------------------------------------------- report


def _row(name: str, m: dict[str, float]) -> str:
    lat = " | ".join(f"{m[k]:.2f}" if k in m else "-" for k in ("p50_ms", "p95_ms"))
    return (
        f"| {name} | {m['ndcg@10']:.4f} | {m['recall@10']:.4f} | {m['recall@100']:.4f} "
        f"| {m['mrr@10']:.4f} | {lat} |"
    )


_HEAD = [
    "| system | nDCG@10 | recall@10 | recall@100 | MRR@10 | p50 ms | p95 ms |",
    "|---|---|---|---|---|---|---|",
]


def plot(result: dict[str, Any], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["systems"])
    allq = [result["systems"][n]["ndcg@10"] for n in names]
    held = [result["heldout"]["systems"][n]["ndcg@10"] for n in names]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 4))
    b1 = ax.bar(x - 0.2, allq, 0.4, label=f"all queries (n={result['queries']})")
    b2 = ax.bar(x + 0.2, held, 0.4, label=f"test half (n={result['heldout']['queries']})")
    ax.bar_label(b1, fmt="%.3f", fontsize=7)
    ax.bar_label(b2, fmt="%.3f", fontsize=7)
    ax.set_xticks(x, names)
    ax.set_ylabel("nDCG@10")
    ax.set_title(f"Retrieval nDCG@10 on {result['dataset']} (MiniLM-L6-v2, Qdrant Edge)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def _verdict(name: str, r: float) -> str:
    ok = "meets" if r >= TARGET else "misses"
    return f"{name}: **{r:.3f}x** ({ok} the {TARGET:.2f}x target)"


def render(result: dict[str, Any], command: str, png_name: str | None) -> str:
    s = result["systems"]
    h = result["heldout"]["systems"]
    r = result["ratios"]
    lines = [
        f"# Retrieval benchmark: {result['dataset']}",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {result['machine']['platform']}, os.cpu_count() = "
        f"{result['machine']['cpu_count']}, Python {result['machine']['python']}. "
        f"Embedder: {result['embedder']} (CPU). Doc embedding + query embedding "
        f"{result['timings']['embed_s']:.1f} s (0 when cached), index build "
        f"{result['timings']['index_s']:.1f} s, whole run {result['timings']['total_s']:.1f} s.",
        "",
        "## Data",
        "",
        *[f"- {n}" for n in result["notes"]],
        f"- {result['docs']} documents, {result['queries']} queries.",
        "",
        "## Systems",
        "",
        "- `bm25`: EdgeIndex mode `sparse` (Qdrant Edge BM25, English stemming + stop words, IDF).",
        "- `dense`: EdgeIndex mode `dense` (cosine, exact search: below `hnsw_min_points`).",
        f"- `hybrid`: EdgeIndex mode `hybrid`, RRF k=60, weights (1, 1), prefetch {DEPTH} "
        f"per side (= the evaluation depth; the product default of 50 would cap recall@100).",
        "- `hybrid_tuned`: RRF k, dense/sparse weights, prefetch depth and query rewrite chosen "
        "on the *tune* half of the queries (sha256(query id) even), reported on the *test* "
        "half and, for reference, on all queries (optimistic: includes the tune half). "
        f"Chosen: `{json.dumps(result['tuned_params'])}`. Query rewrite `nfstyle` = "
        "lowercase, drop punctuation and stop words, numbers -> `num` (how NFCorpus docs were "
        "preprocessed).",
        "- `hybrid_dbsf`: EdgeIndex mode `hybrid` with distribution-based score fusion "
        "(`Fusion.Dbsf`), the product's default fusion.",
        "- `llamaindex`: a plain llama-index `VectorStoreIndex` (in-memory, "
        "`eval/llamaindex_baseline.make_retriever`) over the same texts and vectors.",
        "",
        "Latency: the search call only (queries embedded beforehand in one batch, for every "
        "system alike), top 100, single process, on a shared 2-core machine: treat as rough.",
        "",
        "## All queries",
        "",
        *_HEAD,
        *[_row(n, m) for n, m in s.items()],
        "",
        f"## Test half only (n={result['heldout']['queries']}, never seen by the tuning)",
        "",
        *_HEAD,
        *[_row(n, m) for n, m in h.items()],
        "",
        "## Ratios (nDCG@10) vs the 1.05x target",
        "",
        f"- {_verdict('hybrid / best single (' + r['best_single'] + ')', r['hybrid/best_single'])}",
        f"- {_verdict('hybrid / llamaindex', r['hybrid/llamaindex'])}",
        f"- {_verdict('hybrid_dbsf / best single', r['hybrid_dbsf/best_single'])}",
        f"- {_verdict('hybrid_dbsf / llamaindex', r['hybrid_dbsf/llamaindex'])}",
        f"- {_verdict('hybrid / best single, test half', r['hybrid/best_single@test'])}",
        f"- {_verdict('hybrid_tuned / best single, test half', r['tuned/best_single@test'])}",
        f"- {_verdict('hybrid_tuned / llamaindex, test half', r['tuned/llamaindex@test'])}",
        "",
        "Paired bootstrap over queries (2,000 resamples, all queries) of the plain hybrid's "
        "ratio:",
        "",
        *[
            f"- {k}: 95% CI [{v['ci95_low']:.3f}, {v['ci95_high']:.3f}], "
            f"share of resamples >= {TARGET:.2f}: {v['p_ge_target']:.2f}"
            for k, v in r["bootstrap"].items()
        ],
        "",
    ]
    if png_name:
        lines += [f"![nDCG@10 per system]({png_name})", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def _metrics_with_latency(
    rankings: dict[str, list[str]], lat: list[float], ds: Dataset, qids: Sequence[str]
) -> dict[str, float]:
    m = aggregate(rankings, ds.qrels, qids)
    m["p50_ms"] = _pct(lat, 50)
    m["p95_ms"] = _pct(lat, 95)
    return m


def evaluate(
    ds: Dataset, embedder: Embedder, cache: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="healthrag-retrieval-"))
    try:
        bench = Bench(ds, embedder, cache, work)
        progress(f"embedded in {bench.embed_s:.1f} s, indexed in {bench.index_s:.1f} s")
        try:
            allq = list(range(len(ds.query_ids)))
            tune_q = [i for i in allq if int(_h(ds.query_ids[i]), 16) % 2 == 0]
            test_q = [i for i in allq if i not in set(tune_q)]
            runs: dict[str, tuple[dict[str, list[str]], list[float]]] = {
                "bm25": bench.run_edge(allq, SearchOptions(limit=DEPTH, mode="sparse")),
                "dense": bench.run_edge(allq, SearchOptions(limit=DEPTH, mode="dense")),
                "hybrid": bench.run_hybrid(allq, HybridConfig()),
            }
            progress("bm25/dense/hybrid done; tuning")
            best, log = tune(bench, tune_q)
            progress(f"tuned ({len(log)} configs): {best}")
            runs["hybrid_tuned"] = bench.run_hybrid(allq, best)
            runs["hybrid_dbsf"] = bench.run_edge(  # the product default fusion (see settings)
                allq, SearchOptions(limit=DEPTH, prefetch_limit=DEPTH, fusion="dbsf"))
            runs["llamaindex"] = bench.run_llamaindex(allq)
        finally:
            bench.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    all_ids = ds.query_ids
    test_ids = [ds.query_ids[i] for i in test_q]
    systems = {n: _metrics_with_latency(rk, lat, ds, all_ids) for n, (rk, lat) in runs.items()}
    held = {n: aggregate(rk, ds.qrels, test_ids) for n, (rk, _) in runs.items()}
    best_single = max(SINGLE, key=lambda n: systems[n]["ndcg@10"])
    best_single_test = max(SINGLE, key=lambda n: held[n]["ndcg@10"])

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("inf")

    def per_q(name: str) -> npt.NDArray[np.float64]:
        rk = runs[name][0]
        return np.array([metrics_for(rk[q], ds.qrels[q])["ndcg@10"] for q in all_ids])

    def boot(a: str, b: str) -> dict[str, float]:
        """Paired bootstrap (2,000 resamples of queries, seed 0) of mean(a)/mean(b)."""
        x, y = per_q(a), per_q(b)
        idx = np.random.default_rng(0).integers(0, len(x), size=(2000, len(x)))
        r = x[idx].mean(axis=1) / np.maximum(y[idx].mean(axis=1), 1e-12)
        return {"ci95_low": float(np.percentile(r, 2.5)),
                "ci95_high": float(np.percentile(r, 97.5)),
                "p_ge_target": float((r >= TARGET).mean())}

    ratios = {
        "bootstrap": {
            "hybrid/best_single": boot("hybrid", best_single),
            "hybrid/llamaindex": boot("hybrid", "llamaindex"),
        },
        "best_single": best_single,
        "hybrid/best_single": ratio(systems["hybrid"]["ndcg@10"], systems[best_single]["ndcg@10"]),
        "hybrid/llamaindex": ratio(systems["hybrid"]["ndcg@10"], systems["llamaindex"]["ndcg@10"]),
        "hybrid_dbsf/best_single": ratio(
            systems["hybrid_dbsf"]["ndcg@10"], systems[best_single]["ndcg@10"]
        ),
        "hybrid_dbsf/llamaindex": ratio(
            systems["hybrid_dbsf"]["ndcg@10"], systems["llamaindex"]["ndcg@10"]
        ),
        "best_single@test": best_single_test,
        "tuned/best_single@test": ratio(
            held["hybrid_tuned"]["ndcg@10"], held[best_single_test]["ndcg@10"]
        ),
        "tuned/llamaindex@test": ratio(
            held["hybrid_tuned"]["ndcg@10"], held["llamaindex"]["ndcg@10"]
        ),
        "hybrid/best_single@test": ratio(
            held["hybrid"]["ndcg@10"], held[best_single_test]["ndcg@10"]
        ),
        "target": TARGET,
    }
    return {
        "dataset": ds.name,
        "docs": len(ds.doc_ids),
        "queries": len(ds.query_ids),
        "systems": systems,
        "heldout": {"queries": len(test_ids), "tune_queries": len(tune_q), "systems": held},
        "tuned_params": best.__dict__,
        "tuning_log": log,
        "ratios": ratios,
        "notes": ds.notes,
        "embedder": embedder.model_id,
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "timings": {
            "embed_s": bench.embed_s,
            "index_s": bench.index_s,
            "total_s": time.perf_counter() - t0,
        },
        "latency_note": "search call only; queries embedded beforehand",
    }


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="healthrag eval retrieval",
        description="BM25 / dense / hybrid / tuned hybrid / llama-index on one corpus.",
    )
    ap.add_argument("--dataset", choices=("nfcorpus", "medquad"), required=True)
    ap.add_argument("--data", type=Path, required=True,
                    help="nfcorpus: the nfcorpus_original_test folder; medquad: medquad_qa.jsonl")
    ap.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    ap.add_argument("--out", type=Path, help="write a Markdown report (and a .png beside it)")
    ap.add_argument("--limit-queries", type=int, help="keep the first N queries (smoke tests)")
    ap.add_argument("--limit-docs", type=int,
                    help="keep all docs judged for the kept queries + a sample up to N")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help="embedding cache folder (default eval/.cache, git-ignored by itself)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    arglist = list(sys.argv[1:] if argv is None else argv)

    def progress(msg: str) -> None:
        print(f"[retrieval] {msg}", file=sys.stderr, flush=True)

    if not args.data.exists():
        print(f"no such data: {args.data}", file=sys.stderr)
        return 2
    ds = load_nfcorpus(args.data) if args.dataset == "nfcorpus" else load_medquad(args.data)
    _limit_queries(ds, args.limit_queries)
    _limit_docs(ds, args.limit_docs)

    from rag.core.settings import EmbeddingSettings
    from rag.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(EmbeddingSettings())
    result = evaluate(ds, embedder, args.cache, progress)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        png = args.out.with_suffix(".png")
        plot(result, png)
        command = "healthrag eval retrieval " + " ".join(arglist)
        args.out.write_text(render(result, command, png.name), encoding="utf-8")
        progress(f"wrote {args.out} and {png}")
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "tuning_log"}, indent=2))
    else:
        print(render(result, "healthrag eval retrieval " + " ".join(arglist), None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
