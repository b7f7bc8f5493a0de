"""Tests of the demo patient bundle: FHIR R4B validity, determinism and internal consistency."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import json
import pathlib
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from eval.gen_demo_patient import (
    DEFAULT_TODAY,
    INJECTED_SENTENCE,
    PATIENT_ID,
    build_demo_bundle,
    write_demo_bundle,
)

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
REFERENCE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")
DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")
OTHER_TODAYS = [dt.date(2025, 1, 31), dt.date(2030, 2, 28), dt.date(2028, 12, 15)]


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return build_demo_bundle()


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def _of_type(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [r for r in _resources(bundle) if r["resourceType"] == rtype]


def _walk(node: Any, key: str) -> Iterator[Any]:
    """Every value stored under ``key`` anywhere inside ``node``."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node


def _model(rtype: str) -> Any:
    module = importlib.import_module(f"fhir.resources.R4B.{rtype.lower()}")
    return getattr(module, rtype)


def _codes(concept: dict[str, Any]) -> set[str]:
    return {c["code"] for c in concept.get("coding", [])}


def _interpretations(obs: dict[str, Any]) -> set[str]:
    return {code for concept in obs.get("interpretation", []) for code in _codes(concept)}


def _lab_observations(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        obs
        for obs in _of_type(bundle, "Observation")
        if any("laboratory" in _codes(cat) for cat in obs["category"])
    ]


def _hba1c(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in _lab_observations(bundle) if "4548-4" in _codes(o["code"])]


def _attachments(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for resource in _resources(bundle):
        for content in resource.get("content", []):
            found.append(content["attachment"])
        found.extend(resource.get("presentedForm", []))
    return found


def _decoded(attachment: dict[str, Any]) -> str:
    return base64.b64decode(attachment["data"], validate=True).decode("utf-8")


# --------------------------------------------------------------------------- FHIR validity


@pytest.mark.parametrize("today", [None, *OTHER_TODAYS])
def test_every_resource_and_the_bundle_validate_as_r4b(today: dt.date | None) -> None:
    bundle = build_demo_bundle(today)
    for resource in _resources(bundle):
        _model(resource["resourceType"]).model_validate(resource)
    _model("Bundle").model_validate(bundle)


def test_bundle_is_a_transaction_of_puts(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        rid = resource["id"]
        assert rid.startswith("demo-")
        assert resource["meta"]["versionId"] == "1"
        assert entry["request"] == {"method": "PUT", "url": f"{resource['resourceType']}/{rid}"}
        assert entry["fullUrl"].startswith("urn:uuid:")
        parsed = uuid.UUID(entry["fullUrl"].removeprefix("urn:uuid:"))
        assert parsed.version == 5


def test_expected_resource_types_and_counts(bundle: dict[str, Any]) -> None:
    counts = Counter(r["resourceType"] for r in _resources(bundle))
    assert counts["Patient"] == 1
    assert counts["Coverage"] == 1
    assert counts["CarePlan"] == 1
    assert counts["DocumentReference"] == 2
    assert counts["Claim"] == 2
    assert counts["ExplanationOfBenefit"] == 2
    assert counts["AllergyIntolerance"] == 2
    assert counts["Procedure"] == 2
    assert counts["MedicationRequest"] == 4
    assert counts["MedicationStatement"] == 1
    assert counts["Immunization"] == 9
    assert counts["Condition"] >= 5
    assert counts["Encounter"] >= 5
    assert counts["DiagnosticReport"] >= 4 * 4


# --------------------------------------------------------------------------- determinism, ids


def test_deterministic() -> None:
    assert build_demo_bundle() == build_demo_bundle()
    assert build_demo_bundle() == build_demo_bundle(DEFAULT_TODAY)
    other = OTHER_TODAYS[0]
    assert build_demo_bundle(other) == build_demo_bundle(other)
    assert build_demo_bundle(other) != build_demo_bundle()


@pytest.mark.parametrize("today", [None, *OTHER_TODAYS])
def test_ids_and_full_urls_are_unique(today: dt.date | None) -> None:
    bundle = build_demo_bundle(today)
    ids = [r["id"] for r in _resources(bundle)]
    assert len(ids) == len(set(ids))
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("today", [None, *OTHER_TODAYS])
def test_every_reference_resolves_inside_the_bundle(today: dt.date | None) -> None:
    bundle = build_demo_bundle(today)
    known = {f"{r['resourceType']}/{r['id']}" for r in _resources(bundle)}
    references = list(_walk(_resources(bundle), "reference"))
    assert references
    for ref in references:
        assert REFERENCE.match(ref), ref
        assert ref in known, ref


@pytest.mark.parametrize("today", [None, *OTHER_TODAYS])
def test_no_date_lies_after_today(today: dt.date | None) -> None:
    bundle = build_demo_bundle(today)
    limit = (today or DEFAULT_TODAY).isoformat()
    for text in _strings(_resources(bundle)):
        match = DATE_PREFIX.match(text)
        if match:
            assert match.group(1) <= limit, text


# --------------------------------------------------------------------------- labs


def test_hba1c_history_rises_over_time(bundle: dict[str, Any]) -> None:
    obs = _hba1c(bundle)
    assert len(obs) >= 5
    dates = [o["effectiveDateTime"] for o in obs]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    values = [o["valueQuantity"]["value"] for o in obs]
    assert values[0] == pytest.approx(5.9)
    assert values[-1] == pytest.approx(6.8)
    assert values == sorted(values)
    assert obs[0]["id"].startswith("demo-obs-hba1c-")


def test_labs_have_ranges_ucum_and_interpretations(bundle: dict[str, Any]) -> None:
    labs = _lab_observations(bundle)
    assert labs
    for obs in labs:
        assert obs["referenceRange"], obs["id"]
        assert obs["valueQuantity"]["system"] == "http://unitsofmeasure.org"
        assert obs["code"]["coding"][0]["system"] == "http://loinc.org"
        assert obs["encounter"]["reference"].startswith("Encounter/")
        assert all(
            c["system"] == INTERPRETATION for i in obs["interpretation"] for c in i["coding"]
        )
    flags = Counter(flag for obs in labs for flag in _interpretations(obs))
    assert flags["H"] >= 1 and flags["L"] >= 1 and flags["N"] >= 1


def test_interpretation_matches_value_and_range(bundle: dict[str, Any]) -> None:
    for obs in _lab_observations(bundle):
        value = obs["valueQuantity"]["value"]
        rng = obs["referenceRange"][0]
        low = rng.get("low", {}).get("value")
        high = rng.get("high", {}).get("value")
        expected = (
            "L"
            if low is not None and value < low
            else ("H" if high is not None and value > high else "N")
        )
        assert _interpretations(obs) == {expected}, obs["id"]


def test_each_lab_analyte_has_four_to_six_draws(bundle: dict[str, Any]) -> None:
    per_code = Counter(o["code"]["coding"][0]["code"] for o in _lab_observations(bundle))
    required = {
        "4548-4",
        "2345-7",
        "2093-3",
        "18262-6",
        "2085-9",
        "2571-8",
        "2160-0",
        "33914-3",
        "2823-3",
        "2951-2",
        "718-7",
        "6690-2",
        "777-3",
        "3016-3",
        "1989-3",
        "1742-6",
        "9318-7",
    }
    assert required <= set(per_code)
    assert all(4 <= n <= 6 for n in per_code.values()), per_code


def test_every_lab_belongs_to_a_report_of_its_draw(bundle: dict[str, Any]) -> None:
    labs = {o["id"]: o for o in _lab_observations(bundle)}
    grouped: set[str] = set()
    for report in _of_type(bundle, "DiagnosticReport"):
        for ref in report["result"]:
            obs = labs[ref["reference"].removeprefix("Observation/")]
            assert obs["effectiveDateTime"] == report["effectiveDateTime"]
            grouped.add(obs["id"])
    assert grouped == set(labs)
    panels = {c for r in _of_type(bundle, "DiagnosticReport") for c in _codes(r["code"])}
    assert {"57698-3", "24323-8", "58410-2", "4548-4"} <= panels


def test_newest_lab_is_not_after_default_today(bundle: dict[str, Any]) -> None:
    newest = max(o["effectiveDateTime"][:10] for o in _lab_observations(bundle))
    assert dt.date.fromisoformat(newest) <= DEFAULT_TODAY


def test_vitals_at_every_encounter(bundle: dict[str, Any]) -> None:
    encounters = {f"Encounter/{e['id']}" for e in _of_type(bundle, "Encounter")}
    vitals = [
        o
        for o in _of_type(bundle, "Observation")
        if any("vital-signs" in _codes(c) for c in o["category"])
    ]
    for code in ("85354-9", "8867-4", "29463-7", "8302-2", "39156-5", "59408-5"):
        seen = {o["encounter"]["reference"] for o in vitals if code in _codes(o["code"])}
        assert seen == encounters, code
    systolic = [
        c["valueQuantity"]["value"]
        for o in vitals
        for c in o.get("component", [])
        if "8480-6" in _codes(c["code"])
    ]
    assert max(systolic) >= 135


# --------------------------------------------------------------------------- clinical content


def test_conditions_medications_and_allergies(bundle: dict[str, Any]) -> None:
    conditions = {r["id"]: r for r in _of_type(bundle, "Condition")}
    status = {rid: _codes(r["clinicalStatus"]) for rid, r in conditions.items()}
    assert status["demo-cond-prediabetes"] == {"resolved"}
    assert status["demo-cond-type-2-diabetes"] == {"active"}
    assert status["demo-cond-acute-bronchitis"] == {"resolved"}
    prediabetes = conditions["demo-cond-prediabetes"]
    assert (
        prediabetes["abatementDateTime"]
        == (conditions["demo-cond-type-2-diabetes"]["onsetDateTime"])
    )

    requests = {r["id"]: r for r in _of_type(bundle, "MedicationRequest")}
    active = {rid for rid, r in requests.items() if r["status"] == "active"}
    assert active == {"demo-medreq-metformin", "demo-medreq-lisinopril", "demo-medreq-atorvastatin"}
    assert requests["demo-medreq-amoxicillin"]["status"] == "stopped"
    assert all(
        r["intent"] == "order" and r["dosageInstruction"][0]["text"] for r in requests.values()
    )

    allergies = _of_type(bundle, "AllergyIntolerance")
    assert {a["criticality"] for a in allergies} == {"high"}


def test_patient_is_invented_and_complete(bundle: dict[str, Any]) -> None:
    (patient,) = _of_type(bundle, "Patient")
    assert patient["id"] == PATIENT_ID
    assert patient["name"][0]["family"] == "Morgan"
    assert patient["birthDate"].startswith("1968")
    assert patient["address"][0]["country"] == "US"


# --------------------------------------------------------------------------- attachments


def test_attachments_decode_to_utf8_text(bundle: dict[str, Any]) -> None:
    attachments = _attachments(bundle)
    assert len(attachments) >= 3
    for attachment in attachments:
        assert attachment["contentType"] == "text/plain"
        assert _decoded(attachment).strip()


def test_progress_note_mentions_trend_bp_medications_and_plan(bundle: dict[str, Any]) -> None:
    (note,) = [d for d in _of_type(bundle, "DocumentReference") if "11506-3" in _codes(d["type"])]
    text = _decoded(note["content"][0]["attachment"])
    assert 150 <= len(text.split()) <= 300
    for needle in (
        "A1c",
        "5.9 %",
        "6.8 %",
        "BP 126/80",
        "metformin",
        "lisinopril",
        "atorvastatin",
        "Plan:",
    ):
        assert needle in text


def test_portal_message_carries_exactly_one_injected_sentence(bundle: dict[str, Any]) -> None:
    messages = [
        d
        for d in _of_type(bundle, "DocumentReference")
        if d["content"][0]["attachment"]["title"] == "Portal message"
    ]
    assert len(messages) == 1
    text = _decoded(messages[0]["content"][0]["attachment"])
    assert text.count(INJECTED_SENTENCE) == 1
    assert "ignore previous instructions" in INJECTED_SENTENCE.lower()
    everywhere = [_decoded(a) for a in _attachments(bundle)]
    assert sum(INJECTED_SENTENCE in t for t in everywhere) == 1


# --------------------------------------------------------------------------- write


def test_write_demo_bundle_round_trips(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out" / "demo.json"
    assert write_demo_bundle(target) == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("{\n  ")
    assert json.loads(text) == build_demo_bundle()


def test_shipped_demo_files_are_the_generator_output() -> None:
    """`healthrag demo` loads data files; they must be exactly what the generator writes."""
    from eval.gen_demo_patient import DEMO_DIR, wellness_csv
    from rag.demo import DEMO_FILES

    shipped = {p.name: p.read_text(encoding="utf-8") for p in DEMO_FILES}
    assert shipped["demo-patient.json"] == json.dumps(
        build_demo_bundle(), indent=2, ensure_ascii=False) + "\n"
    assert shipped["demo-wellness.csv"] == wellness_csv()
    assert all(p.parent == DEMO_DIR for p in DEMO_FILES)


def test_demo_files_ingest_cleanly(service: Any) -> None:
    """Both demo files are read by the product's own parsers, with no issue; the CSV gives
    its three metrics, and the steps trend covers the CSV's 180 days."""
    from rag.demo import DEMO_FILES

    summary = service.ingest("demo", list(DEMO_FILES))
    assert [f.status for f in summary.files] == ["ingested", "ingested"], summary.as_json()
    assert summary.ok and [f.kind for f in summary.files] == ["fhir", "csv"]
    assert summary.files[1].records > 0
    answer = service.ask("demo", "how many steps did I walk per day?", temporary=True)
    assert answer.citations and any(c.source.type == "wellness" for c in answer.citations)
