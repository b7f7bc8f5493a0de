"""`healthrag eval encryption` runs end to end on a tiny setting and writes its report."""

from __future__ import annotations

import json
from pathlib import Path

from api.cli import main as cli_main
from eval import bench_encryption


def test_encryption_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "encryption.md"
    assert cli_main(["eval", "encryption", "--fake", "--data", str(tmp_path / "none"),
                     "--repeats", "1", "--questions-rounds", "1", "--seal-mb", "2",
                     "--out", str(out)]) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert set(result["summary"]) == set(bench_encryption.MODES)
    assert result["summary"]["plain"]["records"] == result["summary"]["encrypted"]["records"] > 0
    assert all(r > 0 for r in result["ratios"].values())
    assert result["seal"]["seal_mib_s"] > 0
    text = out.read_text()
    assert "| answer p95 (ms) |" in text and out.with_suffix(".png").exists()
