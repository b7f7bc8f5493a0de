"""Shared by the appointment-preparation tests: the demo patient in alice's vault (without
the knowledge base) and a small bundle of sensitive records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

DEMO_TODAY = dt.date(2026, 11, 1)  # the demo generator's default "today"


def load_alice(service: Any, demo_bundle: Path) -> Any:
    """The service, with user 'alice' holding the demo patient's records."""
    assert service.ingest("alice", [demo_bundle]).ok
    return service


def sensitive_bundle(path: Path) -> Path:
    """A small bundle for the demo patient: an active depression and its medication."""
    patient = {"reference": "Patient/demo-patient"}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {
            "resourceType": "Condition", "id": "sens-cond-depression",
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "370143000",
                                 "display": "Major depressive disorder"}],
                     "text": "Major depressive disorder"},
            "subject": patient, "onsetDateTime": "2026-04-02"}},
        {"resource": {
            "resourceType": "MedicationRequest", "id": "sens-med-sertraline",
            "status": "active", "intent": "order",
            "medicationCodeableConcept": {"text": "sertraline 50 MG Oral Tablet"},
            "subject": patient, "authoredOn": "2026-04-02",
            "reasonCode": [{"text": "Major depressive disorder"}],
            "dosageInstruction": [{"text": "Take 1 tablet by mouth once daily."}]}},
    ]}
    path.write_text(json.dumps(bundle))
    return path
