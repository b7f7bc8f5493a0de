"""How fast, and in how much memory, does the Apple Health parser read a big export?

    python -m eval.bench_apple --size-mb 1024 [--keep /tmp/export-1g.xml] [--seed 7]

Generates a synthetic export of the given size (:mod:`eval.gen_apple_health`; reused when
``--keep`` names a file that exists), then parses it in a fresh subprocess so the peak
RSS (``ru_maxrss``) is the parse's own and no other module (torch) is loaded. Writes
``eval/reports/apple_health.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPORT = Path(__file__).parent / "reports" / "apple_health.md"


def child(path: Path) -> None:
    """Runs in the subprocess: parse ``path`` to records and print the figures as JSON."""
    import resource

    from ingest.apple_health import parse_apple_xml

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = path.stat().st_size
    start = time.perf_counter()
    with path.open("rb") as fh:
        result = parse_apple_xml(fh, source_file=path.name, file_hash="0" * 64, size=size)
    seconds = time.perf_counter() - start
    facts = sum(len(r.measurements) for r in result.records)
    print(json.dumps({
        "seconds": seconds,
        "bytes": size,
        "records_out": len(result.records),
        "day_facts": facts,
        "issues": len(result.issues),
        "skipped": result.skipped,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline / 1024,
        "torch_loaded": "torch" in sys.modules,
    }))


def run(size_mb: float, seed: int, keep: Path | None, report: Path) -> dict[str, object]:
    from eval.gen_apple_health import generate

    with tempfile.TemporaryDirectory(prefix="bench-apple-") as tmp:
        path = keep if keep is not None else Path(tmp) / "export.xml"
        truth_path = path.with_suffix(".truth.json")
        gen_seconds = None
        if not path.exists():
            t = time.perf_counter()
            truth = generate(path, size_mb=size_mb, seed=seed)
            gen_seconds = time.perf_counter() - t
            if keep is not None:
                truth_path.write_text(json.dumps(truth))
        elif truth_path.exists():
            truth = json.loads(truth_path.read_text())
        else:
            truth = {}
        out = subprocess.run(
            [sys.executable, "-m", "eval.bench_apple", "--child", str(path)],
            check=True, capture_output=True, text=True,
        )
        figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    counts = truth.get("record_counts", {})
    figures.update({
        "records_in": sum(counts.values()) if isinstance(counts, dict) else None,
        "days": truth.get("days"), "gen_seconds": gen_seconds, "seed": seed,
        "size_mb_target": size_mb,
    })
    report.write_text(render(figures, size_mb, seed))
    return figures


def render(f: dict[str, object], size_mb: float, seed: int) -> str:
    mib = float(f["bytes"]) / 2**20  # type: ignore[arg-type]  # JSON number
    seconds = float(f["seconds"])  # type: ignore[arg-type]
    records_in = f.get("records_in")
    rate = (f"{float(records_in) / seconds:,.0f}"  # type: ignore[arg-type]
            if records_in else "n/a")
    gen = f.get("gen_seconds")
    lines = [
        "# Apple Health export parser: throughput and memory",
        "",
        f"Command: `.venv/bin/python -m eval.bench_apple --size-mb {size_mb:g} --seed {seed}`.",
        "The export is synthetic (`eval/gen_apple_health.py`: Apple Watch + iPhone with "
        "overlapping steps, sleep stages, workouts, blood pressure correlations, ...); it is "
        "parsed to records (`parse_apple_xml`) in a fresh subprocess, so peak RSS "
        "(`ru_maxrss`) is that of the parse alone, without torch.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| export size | {mib:,.1f} MiB ({f.get('days') or '?'} days) |",
        f"| Record elements in | {records_in if records_in is not None else 'n/a'} |",
        f"| parse time | {seconds:,.1f} s |",
        f"| throughput | {mib / seconds:,.1f} MiB/s |",
        f"| records/s | {rate} |",
        f"| peak RSS | {float(f['peak_rss_mb']):,.0f} MB "  # type: ignore[arg-type]
        f"(after imports: {float(f['baseline_rss_mb']):,.0f} MB) |",  # type: ignore[arg-type]
        f"| day facts out | {f['day_facts']} (in {f['records_out']} weekly/monthly records) |",
        f"| skipped / issues | {f['skipped']} / {f['issues']} |",
        f"| torch loaded | {f['torch_loaded']} |",
    ]
    if gen is not None:
        lines.append(f"| generation time | {float(gen):,.1f} s |")  # type: ignore[arg-type]
    lines += [
        "",
        "Memory: elements are cleared and dropped from the root as soon as they are read; "
        "discrete samples become running per-day aggregates; cumulative and sleep samples "
        "are held until the source de-duplication at the end, as typed arrays (26 bytes a "
        "sample) bucketed by metric and day, so memory grows with those samples only.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared with other jobs), "
        f"Python {platform.python_version()}, {platform.system()}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Apple Health parser benchmark")
    ap.add_argument("--size-mb", type=float, default=1024, help="export size to generate")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep (or reuse, if it exists) the generated export at this path")
    ap.add_argument("--report", type=Path, default=REPORT, help="Markdown report to write")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        child(args.child)
        return
    figures = run(args.size_mb, args.seed, args.keep, args.report)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
