"""Packets for real Synthea patients with several active problems, medications and
allergies: every active one is listed with its citation, never a resolved one; the IPS
validates and the PDF renders. Expectations come from the bundle JSON. Skips cleanly
without ``../shared/data``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from rag.answering.sensitive import is_sensitive
from tests.conftest import shared_path

PATIENTS = ("Louis_Maggio", "Karena_Pfeffer")
pytestmark = pytest.mark.shared


def _bundle(prefix: str) -> Path:
    folder = shared_path("synthea_fhir_r4", "bundles")
    return next(folder.glob(f"{prefix}_*.json"))


def _resources(path: Path, *types: str) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] in types]


def _status(r: dict[str, Any]) -> str:
    if "clinicalStatus" in r:
        return str(r["clinicalStatus"]["coding"][0]["code"])
    return str(r.get("status"))


def _name(r: dict[str, Any]) -> str:
    concept = r.get("code") or r.get("medicationCodeableConcept") or {}
    return str(concept.get("text") or concept.get("coding", [{}])[0].get("display", ""))


def _ids(section: dict[str, Any]) -> set[str]:
    return {rid for item in section["items"] for rid in item["citations"]}


@pytest.mark.parametrize("prefix", PATIENTS)
def test_every_active_item_is_listed_and_no_resolved_one(prefix: str, service: Any,
                                                         tmp_path: Path) -> None:
    path = _bundle(prefix)
    assert service.ingest("p", [path]).ok
    expected: dict[str, set[str]] = {}
    inactive: dict[str, set[str]] = {}
    for code, types in (("problems", ("Condition",)),
                        ("medications", ("MedicationRequest", "MedicationStatement")),
                        ("allergies", ("AllergyIntolerance",))):
        found = _resources(path, *types)
        expected[code] = {r["id"] for r in found if _status(r) == "active"}
        inactive[code] = {r["id"] for r in found} - expected[code]
    assert sum(len(v) for v in expected.values()) >= 5
    packet = service.appointments.prepare("p", include_sensitive=True, temporary=True)
    sections = {s["code"]: s for s in packet["sections"]}
    for code, ids in expected.items():
        assert _ids(sections[code]) == ids, code
        assert not _ids(sections[code]) & inactive[code], code
    # Without include_sensitive, no item names a sensitive condition or medication.
    default = service.appointments.prepare("p", temporary=True)
    for code in expected:
        for item in next(s for s in default["sections"] if s["code"] == code)["items"]:
            assert not is_sensitive(item["text"].split(",")[0]), item["text"]
    bundle = service.appointments.ips("p", packet)
    Bundle.model_validate(bundle)
    composition = bundle["entry"][0]["resource"]
    codes = {s["code"]["coding"][0]["code"] for s in composition["section"]}
    assert {"11450-4", "10160-0", "48765-2"} <= codes
    assert service.appointments.pdf(packet).startswith(b"%PDF-")
    assert len(packet["questions"]) >= 1 and all(q.endswith("?") for q in packet["questions"])
