"""The packet's PDF (read back with pdftotext, rendered with pdftoppm) and its International
Patient Summary (validated with fhir.resources' R4B models)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.conftest import needs_tool
from tests.tasks.prepare_support import DEMO_TODAY, load_alice

POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
REQUIRED = {"11450-4", "10160-0", "48765-2"}  # problems, medications, allergies


@pytest.fixture
def alice(service: Any, demo_bundle: Path) -> Any:
    return load_alice(service, demo_bundle)


@pytest.fixture
def packet(alice: Any) -> dict[str, Any]:
    return dict(alice.appointments.prepare("alice", reason="follow-up for diabetes",
                                           date=DEMO_TODAY, today=DEMO_TODAY))


def test_the_pdf_is_a_readable_packet(alice: Any, packet: dict[str, Any],
                                      tmp_path: Path) -> None:
    data = alice.appointments.pdf(packet)
    assert data.startswith(b"%PDF-") and len(data) > 2000
    if not POPPLER:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    path = tmp_path / "packet.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for heading in ("Appointment preparation", "Recent results", "Current medications",
                    "Active problems", "Allergies", "Vaccines: due or recent",
                    "Questions to ask", "Alex Jordan Morgan", "Diabetes mellitus type 2",
                    "Metformin hydrochloride", "Peanuts", "Hemoglobin A1c: 6.8 %",
                    "Source: [", "Observation/demo-obs-hba1c-2026-09"):
        assert heading in flat, heading
    assert packet["questions"][0][:40] in flat
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Pages:           1" in pages or "Pages:           2" in pages
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    from PIL import Image

    with Image.open(next(tmp_path.glob("page*.png"))) as img:
        lo, hi = img.convert("L").getextrema()
        assert img.width > 300 and lo < 80 and hi > 240  # ink on paper, not a blank page


@needs_tool(POPPLER, "poppler-utils")
def test_a_french_pdf_keeps_its_accents(alice: Any, tmp_path: Path) -> None:
    packet = alice.appointments.prepare("alice", reason="suivi du diabète", date=DEMO_TODAY,
                                        today=DEMO_TODAY, temporary=True)
    path = tmp_path / "fr.pdf"
    path.write_bytes(alice.appointments.pdf(packet))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Préparation de consultation" in text and "Résultats récents" in text
    assert "hémoglobine glyquée" in text.lower()


def _resolves(bundle: dict[str, Any]) -> None:
    """Every reference in the bundle points at one of its entries (or a contained one)."""
    urls = {e["fullUrl"] for e in bundle["entry"]}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and not ref.startswith("#"):
                assert ref in urls, ref
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(bundle)


def test_the_ips_validates_and_has_the_required_sections(alice: Any,
                                                         packet: dict[str, Any]) -> None:
    bundle = alice.appointments.ips("alice", packet)
    model = Bundle.model_validate(bundle)
    assert model.type == "document" and model.identifier and model.timestamp
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == "60591-5"
    sections = {s["code"]["coding"][0]["code"]: s for s in composition["section"]}
    assert REQUIRED | {"11369-6", "30954-2"} <= set(sections)
    assert all(sections[c]["code"]["coding"][0]["system"] == "http://loinc.org" for c in sections)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    subject = by_url[composition["subject"]["reference"]]
    assert subject["resourceType"] == "Patient" and subject["id"] == "demo-patient"

    def ids(code: str) -> set[str]:
        return {by_url[e["reference"]]["id"] for e in sections[code]["entry"]}

    assert ids("11450-4") == {"demo-cond-type-2-diabetes", "demo-cond-hypertension",
                              "demo-cond-hyperlipidemia", "demo-cond-allergic-rhinitis"}
    assert "demo-medreq-metformin" in ids("10160-0")
    assert "demo-medreq-amoxicillin" not in ids("10160-0")
    assert ids("48765-2") == {"demo-allergy-penicillin", "demo-allergy-peanut"}
    assert "demo-obs-hba1c-2026-09" in ids("30954-2")
    for resource in by_url.values():  # the copies name the Patient entry as their subject
        ref = (resource.get("subject") or resource.get("patient") or {}).get("reference")
        if resource["resourceType"] not in {"Composition", "Patient", "Device"} and ref:
            assert by_url[ref]["resourceType"] == "Patient"
    _resolves(bundle)
    json.dumps(bundle)  # plain JSON


def test_an_ips_without_problems_still_has_its_required_sections(service: Any,
                                                                 tmp_path: Path) -> None:
    obs = {"resourceType": "Observation", "id": "only-obs", "status": "final",
           "category": [{"coding": [{"code": "laboratory"}]}],
           "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}],
                    "text": "Cholesterol"},
           "effectiveDateTime": "2026-01-05", "valueQuantity": {"value": 212, "unit": "mg/dL"},
           "referenceRange": [{"high": {"value": 200, "unit": "mg/dL"}}]}
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(obs))
    assert service.ingest("bob", [path]).ok
    packet = service.appointments.prepare("bob", temporary=True)
    bundle = service.appointments.ips("bob", packet)
    Bundle.model_validate(bundle)
    sections = {s["code"]["coding"][0]["code"]: s for s in bundle["entry"][0]["resource"]
                ["section"]}
    assert set(sections) >= REQUIRED
    for code in REQUIRED:
        assert "entry" not in sections[code] and sections[code]["emptyReason"]
    assert sections["30954-2"]["entry"]
    assert bundle["entry"][1]["resource"]["resourceType"] == "Patient"
    _resolves(bundle)
