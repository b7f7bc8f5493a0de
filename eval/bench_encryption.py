"""What encryption at rest costs: the same work with ``privacy.encryption`` off and on,
side by side in one process, alternating the order on every round.

Measured per mode, on fresh data dirs:
1. upload ingest (HTTP path: spooled file, parse, facts DB transaction, shard upsert,
   original kept: sealed when encrypted) of the Synthea bundles;
2. the full answer path (p50/p95 over the skeleton's questions);
3. cold vault open + first answer (key unwrap, SQLCipher open, seal matrix);
4. forget (key shred + removal);
5. sealing a 64 MiB file against a plain copy (MiB/s).

The embedder is the real MiniLM, memoised by text and warmed before timing: embedding
costs the same in both modes, so leaving it out shows the storage overhead undiluted
(with it, the ratio would be closer to 1).

    python -m eval.bench_encryption --data ../shared/data/synthea_fhir_r4/bundles \
        --out eval/reports/encryption.md
"""

from __future__ import annotations

import argparse
import base64
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

import numpy as np

from eval.bench_skeleton import QUESTIONS, pct
from eval.plots import bar_chart
from eval.timing import best_of, timed
from indexes.sealed import seal_file
from rag.core.settings import EmbeddingSettings, PrivacySettings, Settings
from rag.embedder import Embedder, FakeEmbedder, SentenceTransformerEmbedder, Vectors
from rag.ingestion.pipeline import IngestSummary
from rag.service import Service

MODES = ("plain", "encrypted")


class MemoEmbedder(Embedder):
    """The real embedder, memoised by text: both modes get the very same vectors for free."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._memo: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for text, vec in zip(missing, self.inner.embed(missing), strict=True):
                self._memo[text] = np.asarray(vec, dtype=np.float32)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts])


def _settings(root: Path, mode: str, model_id: str) -> Settings:
    return Settings(
        data_dir=root / "data",
        embedding=EmbeddingSettings(model_id=model_id,
                                    backend="fake" if model_id == "fake-hash-bow"
                                    else "sentence-transformers"),
        privacy=PrivacySettings(encryption=mode == "encrypted",
                                master_key=base64.b64encode(os.urandom(32)).decode()))


def _ingest(service: Service, files: list[Path]) -> None:
    spool = service.upload_dir("bench")
    staged = []
    for f in files:
        target = spool / f.name
        shutil.copyfile(f, target)
        staged.append((target, f.name))
    summary = service.ingest_uploads("bench", staged, background=False)
    if not isinstance(summary, IngestSummary) or not summary.ok:
        raise SystemExit(f"ingest failed: {summary}")


def run_round(mode: str, files: list[Path], embedder: Embedder, rounds: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix=f"healthrag-enc-{mode}-"))
    try:
        settings = _settings(root, mode, embedder.model_id)
        service = Service(settings, embedder=embedder)
        service.ensure_starter_knowledge()
        ingest_s = timed(lambda: _ingest(service, files))
        latencies = []
        for _ in range(rounds):
            for q in QUESTIONS:
                t = time.perf_counter()
                service.ask("bench", q)
                latencies.append((time.perf_counter() - t) * 1000)
        service.vaults.release(service.vaults.vault_id("bench"))  # closes it, drops its key
        cold_ms = timed(lambda: service.ask("bench", QUESTIONS[0])) * 1000
        records = service.vaults.open("bench").facts.count("records")
        forget_ms = timed(lambda: service.forget("bench")) * 1000
        service.close()
        return {"ingest_s": ingest_s, "ask_ms": latencies, "cold_ms": cold_ms,
                "forget_ms": forget_ms, "records": records}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def seal_throughput(size_mb: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="healthrag-seal-"))
    try:
        src = root / "src"
        src.write_bytes(os.urandom(size_mb << 20))
        key = os.urandom(32)
        copy_s = best_of(lambda: shutil.copyfile(src, root / "copy"), 3)
        seal_s = best_of(lambda: seal_file(src, root / "sealed", key), 3)
        return {"copy_mib_s": size_mb / copy_s, "seal_mib_s": size_mb / seal_s}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="healthrag eval encryption", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/synthea_fhir_r4/bundles"))
    ap.add_argument("--max-files", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="rounds per mode (alternating)")
    ap.add_argument("--questions-rounds", type=int, default=5)
    ap.add_argument("--seal-mb", type=int, default=64)
    ap.add_argument("--fake", action="store_true", help="fake embedder (smoke test only)")
    ap.add_argument("--out", type=Path, default=Path("eval/reports/encryption.md"))
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    files = sorted(args.data.glob("*.json"))[: args.max_files]
    if not files:
        from eval.gen_demo_patient import write_demo_bundle

        tmp = Path(tempfile.mkdtemp(prefix="healthrag-enc-demo-"))
        files = [write_demo_bundle(tmp / "demo-patient.json")]
    embedder: Embedder = MemoEmbedder(
        FakeEmbedder() if args.fake else SentenceTransformerEmbedder(EmbeddingSettings()))
    run_round("plain", files, embedder, 1)  # warm the memo, caches and imports

    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    for r in range(args.repeats):
        for mode in (MODES if r % 2 == 0 else MODES[::-1]):
            runs[mode].append(run_round(mode, files, embedder, args.questions_rounds))
    summary: dict[str, dict[str, float]] = {}
    for mode, rs in runs.items():
        asks = [x for run in rs for x in run["ask_ms"]]
        summary[mode] = {
            "ingest_s": min(run["ingest_s"] for run in rs),
            "ask_p50_ms": pct(asks, 0.5), "ask_p95_ms": pct(asks, 0.95),
            "cold_open_ms": statistics.median(run["cold_ms"] for run in rs),
            "forget_ms": statistics.median(run["forget_ms"] for run in rs),
            "records": rs[0]["records"],
        }
    ratios = {k: summary["encrypted"][k] / summary["plain"][k]
              for k in ("ingest_s", "ask_p50_ms", "ask_p95_ms", "cold_open_ms", "forget_ms")}
    seal = seal_throughput(args.seal_mb)
    result = {"files": len(files), "embedder": embedder.model_id, "summary": summary,
              "ratios": ratios, "seal": seal, "machine": f"{platform.machine()}, "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}"}
    write_report(args.out, result)
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


def write_report(out: Path, result: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    s, r = result["summary"], result["ratios"]
    rows = [("upload ingest (best, s)", "ingest_s", "{:.2f}"),
            ("answer p50 (ms)", "ask_p50_ms", "{:.1f}"),
            ("answer p95 (ms)", "ask_p95_ms", "{:.1f}"),
            ("cold vault open + first answer (ms)", "cold_open_ms", "{:.1f}"),
            ("forget (ms)", "forget_ms", "{:.1f}")]
    chart = out.with_suffix(".png")
    bar_chart(chart, "Encrypted / plaintext (1.0 = no overhead)", [x[0] for x in rows],
              [r[k] for _, k, _ in rows], xlabel="ratio", reference=1.0,
              reference_label="no overhead")
    lines = [
        "# Encryption at rest: overhead", "",
        f"`python -m eval.bench_encryption` ({result['files']} Synthea bundles, "
        f"{s['plain']['records']} records; embedder `{result['embedder']}` memoised, so "
        f"embedding time is excluded from both modes; {result['machine']}). Both modes run "
        "in one process, alternating order each round.", "",
        "| measure | plaintext | encrypted | ratio |", "|---|---:|---:|---:|",
    ]
    for label, key, fmt in rows:
        lines.append(f"| {label} | {fmt.format(s['plain'][key])} | "
                     f"{fmt.format(s['encrypted'][key])} | {r[key]:.2f}× |")
    seal = result["seal"]
    lines += ["", f"Sealing an upload (AES-256-GCM, 1 MiB chunks): "
              f"{seal['seal_mib_s']:,.0f} MiB/s, against {seal['copy_mib_s']:,.0f} MiB/s for a "
              f"plain copy ({seal['seal_mib_s'] / seal['copy_mib_s']:.2f}×).", "",
              f"![ratios]({chart.name})", ""]
    out.write_text("\n".join(lines))
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
