"""Every source kind through the whole pipeline (detect, parse, quarantine, embed, write),
with the counts checked against what the test computes itself."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from eval.gen_apple_health import generate
from tests.conftest import shared_path


def _obs(oid: str, code: str, display: str, value: float, unit: str, date: str
         ) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code,
                             "display": display}]},
        "effectiveDateTime": date, "valueQuantity": {"value": value, "unit": unit},
    }


@pytest.fixture
def apple_zip(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    xml = tmp_path / "export.xml"
    truth = generate(xml, size_mb=None, seed=3, days=21, start=dt.date(2024, 3, 1))
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(xml, "apple_health_export/export.xml")
        zf.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        zf.writestr("apple_health_export/workout-routes/route_1.gpx", "<gpx/>")
        zf.writestr("apple_health_export/clinical-records/Observation-ldl.json",
                    json.dumps(_obs("ldl1", "18262-6", "LDL Cholesterol", 131, "mg/dL",
                                    "2024-02-10")))
    return path, truth


def test_apple_health_zip_with_clinical_records(service: Any, apple_zip: tuple[Path, Any]
                                                ) -> None:
    path, truth = apple_zip
    report = service.ingest("u1", [path]).files[0]
    assert report.status == "ingested", report.error
    assert report.kind == "apple_health"
    vault = service.vaults.open("u1")
    steps = {m.m.effective: m.m.value for m in vault.facts.measurements(codes=["41950-7"])}
    expected = truth["metrics"]["steps"]
    assert steps.keys() == expected.keys()
    for day, value in expected.items():
        assert steps[day] == pytest.approx(value, rel=1e-9)
    ldl = vault.facts.measurements(codes=["18262-6"])
    assert [(m.m.value, m.m.effective) for m in ldl] == [(131.0, "2024-02-10")]
    record = vault.facts.record_by_chunk(ldl[0].chunk_id)
    assert record is not None
    assert record.source_file == "export.zip/apple_health_export/clinical-records/" \
                                 "Observation-ldl.json"
    assert record.file_hash == report.file_hash
    # Deleting the upload deletes the wellness days and the clinical records together.
    service.delete_document("u1", report.file_hash)
    assert vault.facts.count("records") == 0 and vault.index.count() == 0


def test_reingesting_the_same_export_is_a_no_op(service: Any, apple_zip: tuple[Path, Any]
                                                ) -> None:
    path, _ = apple_zip
    first = service.ingest("u1", [path]).files[0]
    again = service.ingest("u1", [path]).files[0]
    assert first.status == "ingested" and again.status == "unchanged"


@pytest.mark.shared
@pytest.mark.parametrize(("parts", "kind"), [
    (("apple_health_export_samples", "tdda_applehealthdata", "export6s3sample.xml"),
     "apple_health"),
    (("apple_health_export_samples", "alxdrcirilo_apple-health-parser", "export.xml"),
     "apple_health"),
    (("ccda_examples", "xml", "Documents", "CCD", "CCD_2", "CCD.xml"), "ccda"),
    (("ccda_examples", "pdf", "Results", "Result_with_Multiple_Reference_Ranges",
      "164947.pdf"), "pdf"),
    (("ccda_examples", "pdf", "Unstructured", "CDA_reference_PDF", "UD_sample.pdf"), "pdf"),
    (("us_core_fhir_examples", "examples"), "fhir"),
])
def test_each_shared_sample_kind_ingests(service: Any, parts: tuple[str, ...], kind: str
                                         ) -> None:
    path = shared_path(*parts)
    summary = service.ingest("u1", [path])
    ingested = [f for f in summary.files if f.status == "ingested"]
    assert ingested, [f.error for f in summary.files]
    assert kind in {f.kind for f in ingested}
    assert sum(f.records for f in ingested) > 0
    vault = service.vaults.open("u1")
    assert vault.index.chunk_ids() == vault.facts.all_chunk_ids()


def test_an_unzipped_apple_export_folder_reads_like_the_zip(service: Any,
                                                             apple_zip: tuple[Path, Any],
                                                             tmp_path: Path) -> None:
    path, truth = apple_zip
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(folder)
    summary = service.ingest("u1", [folder])
    by_name = {f.source_file: f for f in summary.files}
    # export_cda.xml and workout routes are the export's side files, not records
    assert set(by_name) == {"export.xml", "Observation-ldl.json"}
    assert summary.ok
    steps = service.vaults.open("u1").facts.measurements(codes=["41950-7"])
    assert len(steps) == len(truth["metrics"]["steps"])
