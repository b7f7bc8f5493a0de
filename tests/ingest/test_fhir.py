"""Table-driven FHIR extractor tests: input resource → expected text and facts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ingest.fhir import parse_fhir
from rag.core.errors import EmptyInput, InvalidContent, UnsupportedFormat


def _bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode()


A1C = {
    "resourceType": "Observation", "id": "obs-a1c", "meta": {"versionId": "3"},
    "status": "final",
    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                              "code": "laboratory"}]}],
    "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4",
                         "display": "Hemoglobin A1c"}], "text": "Hemoglobin A1c"},
    "subject": {"reference": "Patient/p1"},
    "effectiveDateTime": "2023-04-02T09:30:00Z",
    "valueQuantity": {"value": 6.8, "unit": "%", "system": "http://unitsofmeasure.org",
                      "code": "%"},
    "referenceRange": [{"low": {"value": 4.0, "unit": "%"}, "high": {"value": 5.6, "unit": "%"}}],
    "interpretation": [{"coding": [{"code": "H"}]}],
}
BP = {
    "resourceType": "Observation", "id": "obs-bp", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9",
                         "display": "Blood pressure panel"}]},
    "effectiveDateTime": "2024-01-05",
    "component": [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6",
                              "display": "Systolic blood pressure"}]},
         "valueQuantity": {"value": 138, "unit": "mm[Hg]"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4",
                              "display": "Diastolic blood pressure"}]},
         "valueQuantity": {"value": 88, "unit": "mm[Hg]"}},
    ],
}
MEDREQ = {
    "resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "order",
    "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                              "code": "860975", "display": "Metformin 500 MG"}]},
    "subject": {"reference": "Patient/p1"}, "authoredOn": "2023-04-10",
    "dosageInstruction": [{"text": "1 tablet twice daily with meals"}],
}
ALLERGY = {
    "resourceType": "AllergyIntolerance", "id": "al1",
    "clinicalStatus": {"coding": [{"code": "active"}]}, "criticality": "high",
    "code": {"text": "Penicillin"}, "patient": {"reference": "Patient/p1"},
    "recordedDate": "2015-01-03", "reaction": [{"manifestation": [{"text": "Hives"}]}],
}
NOTE_TEXT = "Progress note. A1c is rising. Continue metformin and recheck in three months."
DOCREF = {
    "resourceType": "DocumentReference", "id": "doc1", "status": "current",
    "type": {"text": "Progress note"}, "date": "2024-02-01T10:00:00Z",
    "content": [{"attachment": {"contentType": "text/plain", "title": "Visit note",
                                "data": base64.b64encode(NOTE_TEXT.encode()).decode()}}],
}

CASES = [
    (A1C, "Observation/obs-a1c",
     "Hemoglobin A1c 6.8 % on 2023-04-02 (reference 4–5.6 %, high).",
     {"code": "4548-4", "value": 6.8, "ref_low": 4.0, "ref_high": 5.6, "interpretation": "H",
      "effective": "2023-04-02"}),
    (BP, "Observation/obs-bp", "Blood pressure panel 138/88 mm[Hg] on 2024-01-05",
     {"code": "8480-6", "value": 138.0, "component_of": "85354-9"}),
    (MEDREQ, "MedicationRequest/mr1",
     "Medication: Metformin 500 MG (active), prescribed 2023-04-10. Dosage: 1 tablet twice daily",
     {"category": "medication", "name": "Metformin 500 MG", "status": "active"}),
    (ALLERGY, "AllergyIntolerance/al1",
     "Allergy: Penicillin (active, criticality high), recorded 2015-01-03. Reaction: Hives.",
     {"category": "allergy", "name": "Penicillin", "date": "2015-01-03"}),
    (DOCREF, "DocumentReference/doc1", NOTE_TEXT,
     {"category": "document", "name": "Visit note"}),
]


@pytest.mark.parametrize(("resource", "key", "text", "fact"), CASES,
                         ids=[c[1] for c in CASES])
def test_resource_becomes_text_and_facts(resource: dict[str, Any], key: str, text: str,
                                         fact: dict[str, Any]) -> None:
    result = parse_fhir(_bytes(resource), "r.json")
    assert not result.issues
    rec = result.records[0]
    assert rec.key == key
    assert text in rec.text
    assert rec.raw == resource
    assert rec.provenance.resource_id == resource["id"]
    target: Any = rec.measurements[0] if "code" in fact else rec.items[0]
    for name, expected in fact.items():
        assert getattr(target, name) == expected, name


def test_version_and_file_hash_are_provenance() -> None:
    rec = parse_fhir(_bytes(A1C), "a1c.json").records[0]
    assert rec.provenance.version == "3"
    assert len(rec.provenance.file_hash) == 64
    assert rec.provenance.source_file == "a1c.json"


def test_transaction_bundle_without_ids_uses_full_url() -> None:
    entry = dict(A1C)
    entry.pop("id")
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:0b5e0c2a-1111-4a6b-9c1e-123456789abc", "resource": entry,
         "request": {"method": "POST", "url": "Observation"}}]}
    rec = parse_fhir(_bytes(bundle), "b.json").records[0]
    assert rec.provenance.resource_id == "0b5e0c2a-1111-4a6b-9c1e-123456789abc"


def test_report_lists_resolved_results() -> None:
    report = {"resourceType": "DiagnosticReport", "id": "dr1", "status": "final",
              "code": {"text": "HbA1c panel"}, "effectiveDateTime": "2023-04-02",
              "result": [{"reference": "urn:uuid:aaaaaaaa-1111-4a6b-9c1e-123456789abc"}]}
    obs = dict(A1C)
    obs.pop("id")
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:aaaaaaaa-1111-4a6b-9c1e-123456789abc", "resource": obs},
        {"fullUrl": "urn:uuid:bbbbbbbb-1111-4a6b-9c1e-123456789abc", "resource": report}]}
    texts = {r.key: r.text for r in parse_fhir(_bytes(bundle), "b.json").records}
    assert "Results: Hemoglobin A1c: 6.8 %" in texts["DiagnosticReport/dr1"]


def test_one_invalid_resource_is_reported_and_the_rest_go_in() -> None:
    bad = {"resourceType": "Observation", "id": "bad", "status": "final",
           "code": {"text": "x"}, "effectiveDateTime": "yesterday"}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": A1C}, {"resource": bad}, {"resource": ALLERGY}]}
    result = parse_fhir(_bytes(bundle), "b.json")
    assert [r.key for r in result.records] == ["Observation/obs-a1c", "AllergyIntolerance/al1"]
    assert len(result.issues) == 1
    assert result.issues[0].resource_id == "bad"
    assert "effectiveDateTime" in result.issues[0].reason


def test_r4_medication_request_is_valid_under_r4b_models() -> None:
    # R5 models reject R4 MedicationRequest.medicationCodeableConcept; R4B accepts it.
    assert not parse_fhir(_bytes(MEDREQ), "m.json").issues


@pytest.mark.parametrize(("data", "error"), [
    (b"", EmptyInput),
    (b"   \n", EmptyInput),
    (b"this is not json", InvalidContent),
    (b'{"name": "not fhir"}', UnsupportedFormat),
    (b"[1, 2, 3]", UnsupportedFormat),
    (b"\xff\xfe\x00garbage", InvalidContent),
])
def test_bad_files_raise_typed_errors(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_fhir(data, "bad.json")


# ------------------------------------------------------------------ hostile input (issue #22)


def test_unknown_resource_type_is_a_typed_error_not_a_value_error() -> None:
    """F1: ``{"resourceType": "Evil"}`` raised ValueError (a 500) from the model lookup."""
    with pytest.raises(InvalidContent, match="unknown resource type 'Evil'"):
        parse_fhir(b'{"resourceType": "Evil", "id": "1"}', "evil.json")
    bundle = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Evil", "id": "1"}},
        {"resource": {"resourceType": "Patient", "id": "p1"}}]}).encode()
    result = parse_fhir(bundle, "b.json")
    assert [(i.resource_type, i.resource_id) for i in result.issues] == [("Evil", "1")]
    assert result.records


@pytest.mark.parametrize("data", [b"[" * 100_000, b'{"resourceType": "Bundle", "entry": [' * 400
                                  + b"{}" + b"]}" * 400])
def test_deep_nesting_is_json_too_deep(data: bytes) -> None:
    """F2: 100,000 nested arrays raised RecursionError."""
    with pytest.raises(InvalidContent) as err:
        parse_fhir(data, "deep.json")
    assert err.value.code == "json_too_deep" and err.value.status == 422
