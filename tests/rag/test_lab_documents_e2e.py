"""A lab report PDF joins the EHR lab history: its results are answered with the right
numbers, cite the document and page, and the same result in both sources counts once."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from rag.core.types import human_number
from tests.ingest.test_documents import make_pdf

TODAY = dt.date(2026, 11, 30)


def _ldl_bundle(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {
            "resourceType": "Observation", "id": rid, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                      "observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "18262-6",
                                 "display": "LDL Cholesterol"}]},
            "effectiveDateTime": day, "valueQuantity": {"value": v, "unit": "mg/dL"}}}
        for rid, day, v in rows]}))
    return path


def _lab_pdf(path: Path) -> Path:
    page1 = ["Riverside Clinical Laboratory", "Patient: Test Person",
             "Date collected: 03/14/2025", "",
             [(60, "Test"), (250, "Result"), (320, "Flag"), (360, "Units"), (440, "Ref range")],
             [(60, "Cholesterol, Total"), (250, "212"), (320, "H"), (360, "mg/dL"),
              (440, "100-199")],
             [(60, "LDL Cholesterol"), (250, "141"), (320, "H"), (360, "mg/dL"), (440, "0-99")],
             [(60, "HDL Cholesterol"), (250, "48"), (360, "mg/dL"), (440, ">39")],
             [(60, "Triglycerides"), (250, "118"), (360, "mg/dL"), (440, "0-149")]]
    page2 = ["Riverside Clinical Laboratory", "Date collected: 03/14/2025", "",
             [(60, "Potassium"), (250, "4.6"), (360, "mmol/L"), (440, "3.5-5.2")],
             [(60, "Creatinine"), (250, "1.31"), (320, "H"), (360, "mg/dL"),
              (440, "0.57-1.00")]]
    return make_pdf(path, [page1, page2])


def test_lab_pdf_results_join_the_ehr_history(service: Any, tmp_path: Path) -> None:
    ehr = [("ldl-a", "2024-01-05", 162.0), ("ldl-b", "2024-03-10", 150.0),
           ("ldl-c", "2025-03-14", 141.0)]  # the last one is also in the PDF
    service.ingest("pat", [_ldl_bundle(tmp_path / "ehr.json", ehr)])
    pdf = _lab_pdf(tmp_path / "labs-2025.pdf")
    report = service.ingest("pat", [pdf]).files[0]
    assert report.status == "ingested" and report.kind == "pdf"

    ans = service.ask("pat", "How has my LDL changed over the last three years?", today=TODAY)
    assert ans.intent == "trend"
    for _, day, value in ehr:
        when = dt.date.fromisoformat(day)
        assert f"{human_number(value)} mg/dL on {when.day} {when:%B %Y}" in ans.answer
    # The 14 March 2025 result is in both sources: one point, citing both.
    assert len(re.findall(r"141 mg/dL on 14 March 2025 \[\d+\]\[\d+\]", ans.answer)) == 1
    assert "these 3 results" in ans.answer
    kinds = {(c.source.type, c.source.page) for c in ans.citations}
    assert ("document", 1) in kinds and ("fhir", None) in kinds
    doc = next(c for c in ans.citations if c.source.type == "document")
    assert "141" in doc.quote and doc.source.source_file == "labs-2025.pdf"

    k = service.ask("pat", "What was my last potassium?", today=TODAY)
    assert "4.6 mmol/L" in k.answer and "14 March 2025" in k.answer
    cited = [c for c in k.citations if c.source.type == "document"]
    assert cited and cited[0].source.page == 2 and "4.6" in cited[0].quote

    c = service.ask("pat", "What was my creatinine?", today=TODAY)
    assert "1.31 mg/dL" in c.answer
    assert "above" in c.answer.lower()  # flagged against the printed reference range
