"""Smoke test of the retrieval benchmark on a slice of NFCorpus, with the real embedder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import shared_path

SYSTEMS = ("bm25", "dense", "hybrid", "hybrid_tuned", "llamaindex")


@pytest.mark.slow
@pytest.mark.shared
def test_retrieval_smoke_nfcorpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = shared_path("nfcorpus_original_test")
    from eval.retrieval import main

    out = tmp_path / "report.md"
    t = time.perf_counter()
    rc = main([
        "--dataset", "nfcorpus", "--data", str(data), "--json",
        "--limit-queries", "20", "--limit-docs", "400",
        "--cache", str(tmp_path / "cache"), "--out", str(out),
    ])
    elapsed = time.perf_counter() - t
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "nfcorpus"
    assert result["queries"] == 20
    systems = result["systems"]
    for name in SYSTEMS:
        m = systems[name]
        assert 0.0 <= m["ndcg@10"] <= 1.0, name
        assert 0.0 <= m["recall@100"] <= 1.0, name
        assert m["p95_ms"] >= m["p50_ms"] >= 0.0, name
    # fusion must not fall below the weaker of its two inputs (it can, if RRF is broken)
    assert systems["hybrid"]["ndcg@10"] >= min(
        systems["bm25"]["ndcg@10"], systems["dense"]["ndcg@10"]
    )
    assert out.exists() and out.with_suffix(".png").stat().st_size > 0
    assert "| hybrid |" in out.read_text()
    assert (tmp_path / "cache" / ".gitignore").exists()
    assert elapsed < 120, f"smoke run took {elapsed:.0f} s"
