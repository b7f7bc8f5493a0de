"""Does a person's vault need HNSW? Exact (plain) search vs HNSW in a Qdrant Edge shard,
at vault sizes from one patient to far beyond, side by side in one run.

    python -m eval.bench_hnsw --out eval/reports/hnsw.md
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from indexes.base import IndexPoint, SearchOptions
from indexes.edge import EdgeIndex


def measure(n: int, queries: int, rng: np.random.Generator, root: Path) -> dict[str, float]:
    vecs = rng.standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    words = [f"w{i}" for i in range(2000)]
    texts = [" ".join(rng.choice(words, 12)) for _ in range(n)]
    out: dict[str, float] = {"points": n}
    for label, threshold in (("plain", 10**9), ("hnsw", 1)):
        path = root / f"{label}-{n}"
        idx = EdgeIndex(path, 384, hnsw_min_points=threshold)
        t = time.perf_counter()
        for i in range(0, n, 1000):
            idx.upsert([IndexPoint(f"c{j}", vecs[j].tolist(), texts[j], {})
                        for j in range(i, min(n, i + 1000))])
        out[f"{label}_upsert_s"] = time.perf_counter() - t
        t = time.perf_counter()
        idx.optimize()
        out[f"{label}_optimize_s"] = time.perf_counter() - t
        lat = []
        for q in range(queries):
            qv = vecs[q % n].tolist()
            t = time.perf_counter()
            idx.search(qv, texts[q % n], SearchOptions(limit=10))
            lat.append(1000 * (time.perf_counter() - t))
        out[f"{label}_p50_ms"] = statistics.median(lat)
        idx.close()
        shutil.rmtree(path, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="300,5000,20000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path("eval/reports/hnsw.md"))
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    root = Path(tempfile.mkdtemp(prefix="hnsw-"))
    rows = [measure(int(n), args.queries, rng, root) for n in args.sizes.split(",")]
    shutil.rmtree(root, ignore_errors=True)
    lines = [
        "# Exact search vs HNSW in a vault shard (hybrid query: dense + BM25, RRF)",
        "",
        "Command: `.venv/bin/python -m eval.bench_hnsw`. Random unit vectors (384-d) and",
        "12-word texts; query p50 over repeated queries; both variants built in the same run.",
        "",
        "| points | upsert | exact: optimize | exact: query p50 | HNSW: optimize (build) "
        "| HNSW: query p50 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {int(r['points'])} | {r['plain_upsert_s']:.2f} s | {r['plain_optimize_s']:.2f} s "
            f"| {r['plain_p50_ms']:.2f} ms | {r['hnsw_optimize_s']:.2f} s "
            f"| {r['hnsw_p50_ms']:.2f} ms |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
