"""Parse throughput per source kind, side by side with a bare parse of the same bytes.

    python -m eval.bench_ingest [--out eval/reports/ingest_kinds.md] [--apple-mb 64]

For each kind, the healthrag parser (content detection included: :func:`parse_source`)
and a baseline that only reads the format (``json.loads``, ``csv.reader``, lxml,
``iterparse`` with clearing, pypdfium2 text) run on the same files in the same process,
alternating, best of ``--repeat``. The ratio parser/baseline is what to compare across
machines; the MB/s figures move with load on a shared 2-core box. Embedding is not
included (see ``eval/reports/skeleton.md`` for the whole pipeline).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import platform
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from eval.timing import best_of
from ingest.base import Source
from ingest.detect import parse_source
from rag.core.settings import IngestSettings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REPORT = ROOT / "eval" / "reports" / "ingest_kinds.md"


def _json_baseline(paths: list[Path]) -> Callable[[], object]:
    return lambda: [json.loads(p.read_bytes()) for p in paths]


def _ndjson_baseline(paths: list[Path]) -> Callable[[], object]:
    return lambda: [[json.loads(line) for line in p.read_bytes().splitlines() if line.strip()]
                    for p in paths]


def _xml_baseline(paths: list[Path]) -> Callable[[], object]:
    from lxml import etree  # type: ignore[import-untyped]

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return lambda: [etree.parse(str(p), parser) for p in paths]


def _csv_baseline(paths: list[Path]) -> Callable[[], object]:
    return lambda: [list(csv.reader(io.StringIO(p.read_text("utf-8-sig")))) for p in paths]


def _iterparse_baseline(paths: list[Path]) -> Callable[[], object]:
    def run() -> int:
        n = 0
        for p in paths:
            for _, elem in ET.iterparse(p):
                if elem.tag == "Record":
                    n += 1
                    elem.clear()
        return n
    return run


def _pdf_baseline(paths: list[Path]) -> Callable[[], object]:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    def run() -> int:
        chars = 0
        for p in paths:
            doc = pdfium.PdfDocument(str(p))
            for page in doc:
                chars += len(page.get_textpage().get_text_range())
            doc.close()
        return chars
    return run


def _text_baseline(paths: list[Path]) -> Callable[[], object]:
    return lambda: [p.read_text("utf-8").split("\n") for p in paths]


Baseline = Callable[[list[Path]], Callable[[], object]]


def _inputs(work: Path, apple_mb: float) -> dict[str, tuple[list[Path], Baseline]]:
    sets: dict[str, tuple[list[Path], Baseline]] = {}
    bundles = sorted((SHARED / "synthea_fhir_r4" / "bundles").glob("*.json"))
    if bundles:
        sets["FHIR bundle JSON (20 Synthea patients)"] = (bundles, _json_baseline)
        nd = work / "ndjson"
        nd.mkdir()
        for b in bundles:
            entries = json.loads(b.read_bytes())["entry"]
            lines = []
            for e in entries:
                res = e["resource"]
                res.setdefault("id", e.get("fullUrl", "").removeprefix("urn:uuid:"))
                lines.append(json.dumps(res))
            (nd / f"{b.stem}.ndjson").write_text("\n".join(lines) + "\n")
        sets["FHIR bulk NDJSON (same patients)"] = (sorted(nd.glob("*.ndjson")), _ndjson_baseline)
    docs = sorted(p for p in (SHARED / "ccda_examples" / "xml" / "Documents").rglob("*")
                  if p.suffix.lower() == ".xml")
    if docs:
        sets[f"C-CDA documents ({len(docs)})"] = (docs, _xml_baseline)
    daily = SHARED / "fitbit_fitabase_2016"
    if daily.exists():
        out = work / "fitbit"
        out.mkdir()
        for name in ("dailyActivity_merged.csv", "sleepDay_merged.csv",
                     "hourlyCalories_merged.csv"):
            rows = list(csv.reader(io.StringIO((daily / name).read_text("utf-8-sig"))))
            people: dict[str, list[list[str]]] = {}
            for row in rows[1:]:
                people.setdefault(row[0], []).append(row)
            for pid, part in people.items():
                buf = io.StringIO()
                csv.writer(buf).writerows([rows[0], *part])
                (out / f"{name[:-4]}-{pid}.csv").write_text(buf.getvalue())
        sets["Fitbit CSV (per person, 3 layouts)"] = (sorted(out.glob("*.csv")), _csv_baseline)
        reports = SHARED / "iu_xray_reports" / "indiana_reports.csv"
        if reports.exists():
            rad = work / "radiology"
            rad.mkdir()
            for i, rep in enumerate(csv.DictReader(reports.open(encoding="utf-8"))):
                if i >= 300:
                    break
                (rad / f"r{i}.txt").write_text(
                    f"INDICATION: {rep['indication']}\nCOMPARISON: {rep['comparison']}\n"
                    f"FINDINGS: {rep['findings']}\nIMPRESSION: {rep['impression']}\n")
            sets["Radiology reports as text (300)"] = (sorted(rad.glob("*.txt")),
                                                       _text_baseline)
    from eval.gen_apple_health import generate

    apple = work / "export.xml"
    generate(apple, size_mb=apple_mb, seed=11)
    sets[f"Apple Health export.xml ({apple_mb:g} MB generated)"] = ([apple],
                                                                    _iterparse_baseline)
    from eval.bench_documents import generated_pdfs

    pdfs = generated_pdfs(work, 20)
    sets["Lab-report PDF (20 generated pages)"] = ([pdfs["generated-labs-20p.pdf"]],
                                                   _pdf_baseline)
    return sets


def run(apple_mb: float, repeat: int) -> list[dict[str, object]]:
    settings = IngestSettings()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        for label, (paths, baseline) in _inputs(work, apple_mb).items():
            sources = [Source.from_path(p) for p in paths]
            size = sum(s.size for s in sources)
            counts: dict[str, int] = {}

            def ours(sources: list[Source] = sources, counts: dict[str, int] = counts) -> None:
                counts.clear()
                for s in sources:
                    kind, parsed = parse_source(s, settings, work / "tmp")
                    counts[kind] = counts.get(kind, 0) + len(parsed.records)

            base = baseline(paths)
            ours_s = best_of(ours, repeat)
            base_s = best_of(base, repeat)
            records = sum(counts.values())
            rows.append({
                "kind": label, "files": len(paths), "mb": size / 1e6, "records": records,
                "detected": ",".join(sorted(counts)), "ours_s": ours_s, "base_s": base_s,
                "ours_mb_s": size / 1e6 / ours_s, "base_mb_s": size / 1e6 / base_s,
                "records_s": records / ours_s, "ratio": ours_s / base_s,
            })
            print(f"{label}: {size / 1e6 / ours_s:.1f} MB/s ({ours_s / base_s:.1f}x baseline)",
                  flush=True)
    return rows


def report(rows: list[dict[str, object]], apple_mb: float, repeat: int) -> str:
    lines = [
        "# Parse throughput per source kind",
        "",
        f"Command: `python -m eval.bench_ingest --apple-mb {apple_mb:g} --repeat {repeat}`  ",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, best of "
        f"{repeat}, parser and baseline run alternately in one process. Embedding excluded.",
        "",
        "| source kind | files | MB | records out | healthrag MB/s | records out/s | "
        "baseline MB/s | healthrag ÷ baseline time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['files']} | {r['mb']:.1f} | {r['records']} | "
            f"{r['ours_mb_s']:.1f} | {r['records_s']:,.0f} | {r['base_mb_s']:.1f} | "
            f"{r['ratio']:.1f}× |"
        )
    lines += [
        "",
        "Baselines: `json.loads` (FHIR), `json.loads` per line (NDJSON), lxml parse (C-CDA), "
        "`csv.reader` (CSV), `ElementTree.iterparse` with clearing (Apple Health), "
        "pypdfium2 text of every page (PDF), `str.split` (text). The ratio is the price of "
        "validation, normalisation, de-duplication, chunking and fact extraction over a bare "
        "read of the format.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPORT)
    ap.add_argument("--apple-mb", type=float, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = run(args.apple_mb, args.repeat)
    args.out.write_text(report(rows, args.apple_mb, args.repeat))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
