"""`healthrag eval perf` runs end to end on a tiny setting and writes its report."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import perf


def test_latency_distribution_percentiles() -> None:
    d = perf._dist([float(x) for x in range(1, 101)])
    assert d["p50"] == 51 and d["p95"] == 95 and d["p99"] == 99


def test_matmul_gflops_is_positive_and_bounded() -> None:
    g = perf.matmul_gflops(1, n=256, repeat=2)
    assert 0.1 < g < 10_000


@pytest.mark.slow
def test_perf_smoke(tmp_path: Path) -> None:
    out = tmp_path / "perf.md"
    assert perf.main(["--docs", "24", "--vaults", "2,3", "--questions", "4", "--no-ndcg",
                      "--out", str(out)]) == 0
    text = out.read_text()
    for part in ("## The physical limit", "two single-threaded worker processes",
                 "int8", "| 3 |"):
        assert part in text
