"""The appointment packet over the demo patient: what each section lists, that every item
cites records of the vault, how the reason steers it, the questions, what changed between
two visits, vaccines due, sensitive items, and bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from rag.core.errors import InvalidContent, NotFound
from tests.tasks.prepare_support import DEMO_TODAY, load_alice, sensitive_bundle

CONTRACT_CODES = {"problems", "medications", "allergies", "results", "changes",
                  "immunizations", "visits"}


@pytest.fixture
def alice(service: Any, demo_bundle: Path) -> Any:
    return load_alice(service, demo_bundle)


def _prepare(svc: Any, **kw: Any) -> dict[str, Any]:
    kw.setdefault("date", DEMO_TODAY)
    kw.setdefault("today", DEMO_TODAY)
    kw.setdefault("temporary", True)
    return dict(svc.appointments.prepare("alice", **kw))


def _section(packet: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return next(s["items"] for s in packet["sections"] if s["code"] == code)


def _cited(items: list[dict[str, Any]]) -> set[str]:
    return {rid for item in items for rid in item["citations"]}


def _bundle(demo_bundle: Path, rtype: str) -> list[dict[str, Any]]:
    doc = json.loads(demo_bundle.read_text())
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == rtype]


def test_the_packet_has_the_contract_shape(alice: Any) -> None:
    packet = _prepare(alice)
    assert {"reason", "generated_at", "sections", "questions", "citations"} <= set(packet)
    assert {s["code"] for s in packet["sections"]} >= CONTRACT_CODES
    assert packet["id"] is None and packet["temporary"] is True
    for s in packet["sections"]:
        assert s["title"] and isinstance(s["items"], list)
        for item in s["items"]:
            assert item["text"] and item["citations"], item
    assert packet["patient"]["name"] == "Alex Jordan Morgan"


def test_problems_are_the_active_conditions_only(alice: Any, demo_bundle: Path) -> None:
    conditions = _bundle(demo_bundle, "Condition")
    active = {c["id"] for c in conditions
              if c["clinicalStatus"]["coding"][0]["code"] == "active"}
    resolved = {c["id"] for c in conditions} - active
    problems = _section(_prepare(alice), "problems")
    assert _cited(problems) == active
    assert resolved and not resolved & _cited(problems)
    texts = " ".join(i["text"] for i in problems)
    assert "Prediabetes" not in texts and "since 6 August 2025" in texts  # onset shown


def test_medications_are_the_active_ones_with_their_dose(alice: Any, demo_bundle: Path
                                                         ) -> None:
    meds = [*_bundle(demo_bundle, "MedicationRequest"),
            *_bundle(demo_bundle, "MedicationStatement")]
    active = {m["id"] for m in meds if m["status"] == "active"}
    items = _section(_prepare(alice), "medications")
    assert _cited(items) == active and "demo-medreq-amoxicillin" not in _cited(items)
    metformin = next(i for i in items if "metformin" in i["text"].lower())
    assert "twice daily with meals" in metformin["text"]


def test_allergies_show_reaction_and_severity(alice: Any) -> None:
    items = _section(_prepare(alice), "allergies")
    assert _cited(items) == {"demo-allergy-penicillin", "demo-allergy-peanut"}
    peanut = next(i for i in items if "Peanut" in i["text"])
    assert "Anaphylaxis" in peanut["text"] and "severe" in peanut["text"]


def test_every_item_cites_records_of_the_vault(alice: Any) -> None:
    packet = _prepare(alice, reason="follow-up for diabetes")
    facts = alice.vaults.open("alice").facts
    ids = {r[0] for r in facts.read("SELECT resource_id FROM records")}
    chunks = {r[0]: r[1] for r in facts.read("SELECT chunk_id, text FROM records")}
    items = [i for s in packet["sections"] for i in s["items"]]
    assert len(items) > 20
    markers = {c["marker"]: c for c in packet["citations"]}
    for item in [*items, *packet["question_items"]]:
        assert set(item["citations"]) <= ids, item
        for m in item["markers"]:
            c = markers[m]
            assert c["kind"] == "record" and c["quote"] in chunks[c["id"]]
            assert c["source"]["resource_id"] in item["citations"]
    assert sorted(markers) == list(range(1, len(markers) + 1))


def test_diabetes_puts_a1c_glucose_and_kidney_first(alice: Any) -> None:
    packet = _prepare(alice, reason="follow-up for diabetes")
    assert packet["sections"][0]["code"] == "results" and packet["focus"][0] == "diabetes"
    first = [i["code"] for i in _section(packet, "results")[:5]]
    assert first == ["4548-4", "2345-7", "33914-3", "2160-0", "9318-7"]  # A1c, glucose, kidney
    assert "metformin" in _section(packet, "medications")[0]["text"].lower()
    assert "diabetes" in _section(packet, "problems")[0]["text"].lower()
    general = _prepare(alice)
    assert general["sections"][0]["code"] == "problems" and general["focus"] == []


def test_cardiology_and_a_french_reason(alice: Any) -> None:
    packet = _prepare(alice, reason="cardiology")
    assert [i["code"] for i in _section(packet, "results")[:2]] == ["2093-3", "18262-6"]
    assert packet["language"] == "en"
    fr = _prepare(alice, reason="rendez-vous de cardiologie")
    assert fr["language"] == "fr" and fr["focus"] == ["cardiology"]
    assert fr["sections"][0]["title"] == "Résultats récents"
    assert any("cholestérol" in i["text"].lower() for i in _section(fr, "results"))
    assert fr["questions"] and all(q.endswith("?") for q in fr["questions"])


def test_questions_from_an_out_of_range_result_and_a_new_medication(alice: Any) -> None:
    # The appointment after the visit where type 2 diabetes was found and metformin started.
    packet = _prepare(alice, reason="follow-up for diabetes", date=dt.date(2025, 9, 1))
    items = packet["question_items"]
    kinds = [q["kind"] for q in items]
    assert len(items) >= 3 and {"out_of_range", "new_medication"} <= set(kinds)
    assert all(q["text"].endswith("?") and q["citations"] for q in items)
    a1c = next(q for q in items if q["kind"] == "out_of_range")
    assert a1c["citations"] == ["demo-obs-hba1c-2025-08"] and "6.6 %" in a1c["text"]
    new = next(q for q in items if q["kind"] == "new_medication")
    assert new["citations"] == ["demo-medreq-metformin"] and "6 August 2025" in new["text"]
    assert packet["questions"] == [q["text"] for q in items]
    again = _prepare(alice, reason="follow-up for diabetes", date=dt.date(2025, 9, 1))
    assert again["questions"] == packet["questions"]  # deterministic


def test_what_changed_between_two_visits(alice: Any) -> None:
    packet = _prepare(alice, reason="follow-up for diabetes", date=dt.date(2025, 9, 1))
    assert packet["changes_since"] == "2025-02-17" and packet["last_visit"] == "2025-08-06"
    changes = {(i["change"], rid) for i in _section(packet, "changes") for rid in i["citations"]}
    assert ("new_problem", "demo-cond-type-2-diabetes") in changes
    assert ("resolved_problem", "demo-cond-prediabetes") in changes
    assert ("medication_started", "demo-medreq-metformin") in changes
    # Nothing after the appointment day is used.
    assert not any(i["date"] and i["date"] > "2025-09-01"
                   for s in packet["sections"] for i in s["items"])
    later = _prepare(alice)
    moved = {i["citations"][0]: i["change"] for i in _section(later, "changes")
             if i["kind"] == "change" and i["change"] == "back_in_range"}
    assert moved.get("demo-obs-ldl-2026-09") == "back_in_range"  # 101 (high) -> 92


def test_vaccines_due_or_recent(alice: Any) -> None:
    items = _section(_prepare(alice), "immunizations")
    status = {(i["status"], i.get("group")) for i in items}
    assert ("recent", "influenza") in status and ("due", "covid19") in status
    assert ("due", "influenza") not in status and ("due", "zoster") not in status
    packet = _prepare(alice)
    assert any(q["kind"] == "vaccine_due" and q["citations"] == ["demo-imm-covid19-2025-09"]
               for q in packet["question_items"])


def test_wellness_trends_where_data_exists(alice: Any) -> None:
    from eval.gen_demo_patient import DEMO_DIR

    assert alice.ingest("alice", [DEMO_DIR / "demo-wellness.csv"]).ok
    items = _section(_prepare(alice), "wellness")
    metrics = {i["metric"] for i in items}
    assert {"weight", "steps", "sleep"} <= metrics
    steps = next(i for i in items if i["metric"] == "steps")
    assert "a day over" in steps["text"] and steps["citations"]


def test_sensitive_items_only_when_included(alice: Any, tmp_path: Path) -> None:
    assert alice.ingest("alice", [sensitive_bundle(tmp_path / "sens.json")]).ok
    hidden = _prepare(alice)
    every = json.dumps(hidden)
    assert "depress" not in every.lower() and "sertraline" not in every.lower()
    assert hidden["hidden_sensitive"] >= 2 and any("sensitive" in n for n in hidden["notes"])
    shown = _prepare(alice, include_sensitive=True)
    assert "sens-cond-depression" in _cited(_section(shown, "problems"))
    assert "sens-med-sertraline" in _cited(_section(shown, "medications"))
    assert shown["hidden_sensitive"] == 0


def test_unknown_user_and_empty_vault_are_not_found(service: Any) -> None:
    with pytest.raises(NotFound):
        service.appointments.prepare("nobody")
    assert not service.vaults.open("nobody").exists  # asking created nothing
    with pytest.raises(NotFound):
        service.appointments.list("nobody") or service.appointments.get("nobody", "apt_x")


def test_bad_dates_and_a_reason_that_matches_nothing(alice: Any) -> None:
    with pytest.raises(InvalidContent):
        _prepare(alice, date=dt.date(1850, 1, 1))
    packet = _prepare(alice, reason="zzz qqq", date=dt.date(2025, 1, 10))
    assert packet["focus"] == [] and len(packet["notes"]) >= 2  # past date, no focus
    assert _section(packet, "problems")  # still a useful general packet
