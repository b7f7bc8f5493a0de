"""Radiology reports: section split, one record per section, exact spans."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.base import Source
from ingest.documents import parse_document
from ingest.radiology import is_radiology_report, report_title, split_report
from rag.core.settings import IngestSettings
from tests.ingest.test_documents import make_pdf

HEADINGS = {"indication": "INDICATION", "comparison": "COMPARISON", "findings": "FINDINGS",
            "impression": "IMPRESSION"}


def _norm(text: str) -> str:
    return " ".join(text.split())


def _sections(text: str) -> dict[str, str]:
    return {name: text[a:b] for name, a, b in split_report(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INDICATION: cough\nFINDINGS: Clear lungs.\nIMPRESSION: Normal.",
         {"indication": "cough", "findings": "Clear lungs.", "impression": "Normal."}),
        ("Clinical history: fall\n\nFindings:\nNo fracture.\nImpression: No acute injury.\n",
         {"indication": "fall", "findings": "No fracture.", "impression": "No acute injury."}),
        ("EXAM: CT head\nTECHNIQUE: Axial images.\nCOMPARISON: None.\nFINDINGS\nNo bleed.\n"
         "IMPRESSION\n1. No acute intracranial abnormality.\n2. XXXX sinus disease.",
         {"header": "EXAM: CT head", "technique": "Axial images.", "comparison": "None.",
          "findings": "No bleed.",
          "impression": "1. No acute intracranial abnormality.\n2. XXXX sinus disease."}),
        ("Findings: The impression: is not a heading mid-line.\nImpression: ok",
         {"findings": "The impression: is not a heading mid-line.", "impression": "ok"}),
        ("FINDINGS: Heart normal.\nFindings go on\nimpression\nLower case alone is text.",
         {"findings": "Heart normal.\nFindings go on\nimpression\nLower case alone is text."}),
        ("CONCLUSION: Stable.", {"impression": "Stable."}),
    ],
)
def test_split_report(text: str, expected: dict[str, str]) -> None:
    sections = split_report(text)
    assert {name: text[a:b] for name, a, b in sections} == expected
    assert [a for _, a, _ in sections] == sorted(a for _, a, _ in sections)


def test_is_radiology_report() -> None:
    assert is_radiology_report("FINDINGS: clear\nIMPRESSION: normal")
    assert is_radiology_report("Comparison: 2020\nImpression: stable")
    assert not is_radiology_report("IMPRESSION: normal")  # one heading is not a report
    assert not is_radiology_report("HISTORY: diabetes\nPLAN: metformin\nSUMMARY: stable")
    assert not is_radiology_report("Glucose 95 mg/dL 70-99\nSodium 140 mmol/L 135-145")
    assert not is_radiology_report(
        "1. On 3/26/2009, portable chest, single view. Impression: atherosclerotic change."
    )


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Xray Chest PA and Lateral\nFINDINGS: x", "Chest X-ray report"),
        ("CT ABDOMEN\nFINDINGS: liver", "CT report"),
        ("MRI brain with contrast", "MRI report"),
        ("FINDINGS: lungs are clear", "Chest imaging report"),
        ("FINDINGS: the knee", "Radiology report"),
        ("Mr. Smith, let us review: FINDINGS: knee", "Radiology report"),
    ],
)
def test_report_title(text: str, title: str) -> None:
    assert report_title(text) == title


def _iu_rows(count: int) -> list[dict[str, str]]:
    from tests.conftest import shared_path

    path = shared_path("iu_xray_reports", "indiana_reports.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # Spread over the file, keeping rows that have findings or an impression.
    step = max(1, len(rows) // count)
    picked = [r for r in rows[::step] if r["findings"].strip() or r["impression"].strip()]
    return picked[:count]


def _report_text(row: dict[str, str]) -> str:
    lines = [row["image"]]
    lines += [f"{heading}: {row[column]}" for column, heading in HEADINGS.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.shared
def test_iu_reports_round_trip(tmp_path: Path) -> None:
    rows = _iu_rows(200)
    assert len(rows) >= 190
    settings = IngestSettings(chunk_chars=400)
    redacted = xray = 0
    for n, row in enumerate(rows):
        path = tmp_path / f"report-{n}.txt"
        path.write_text(_report_text(row), encoding="utf-8")
        records = parse_document(Source.from_path(path), settings).records
        by_section: dict[str, list[str]] = {}
        for record in records:
            section = record.title.rsplit(" — ", 1)[-1].lower()
            by_section.setdefault(section, []).append(record.text)
            assert record.title.startswith(("Chest X-ray report — ", "Chest imaging report — "))
            assert record.provenance.page == 1
            assert record.measurements == ()
        for column in ("findings", "impression", "comparison"):
            expected = _norm(row[column])
            got = _norm(" ".join(by_section.get(column, [])))
            assert got == expected, (row["uid"], column)
        redacted += sum("XXXX" in r.text for r in records)
        xray += records[0].title.startswith("Chest X-ray")
    assert xray >= 0.9 * len(rows)  # the exam line names the X-ray in most reports
    assert redacted > 0  # redaction tokens are kept as they are


@pytest.mark.shared
def test_iu_report_spans_point_into_the_text(tmp_path: Path) -> None:
    row = next(r for r in _iu_rows(50) if len(r["findings"]) > 150)
    text = _report_text(row)
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    for record in parse_document(Source.from_path(path), IngestSettings()).records:
        start, end = record.provenance.span or (0, 0)
        assert text[start:end] == record.text


def test_radiology_pdf_sections_by_page(tmp_path: Path) -> None:
    pages = [["CT CHEST WITHOUT CONTRAST", "INDICATION: Cough for 3 weeks.",
              "TECHNIQUE: Axial images of the chest.", "FINDINGS: A 4 mm nodule in the",
              "right upper lobe. No effusion."],
             ["IMPRESSION: 4 mm right upper lobe nodule.", "No acute disease."]]
    pdf = make_pdf(tmp_path / "ct.pdf", pages)
    records = parse_document(Source.from_path(pdf), IngestSettings()).records
    got = [(r.provenance.page, r.title, _norm(r.text)) for r in records]
    assert got == [
        (1, "CT report — Header", "CT CHEST WITHOUT CONTRAST"),
        (1, "CT report — Indication", "Cough for 3 weeks."),
        (1, "CT report — Technique", "Axial images of the chest."),
        (1, "CT report — Findings", "A 4 mm nodule in the right upper lobe. No effusion."),
        (2, "CT report — Impression", "4 mm right upper lobe nodule. No acute disease."),
    ]
