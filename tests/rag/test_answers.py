"""End-to-end answers on the demo patient (fake embedder): values come from the facts
store, every sentence with a fact is cited, quotes are exact source text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from guardrails.verify import facts_of
from rag.core.types import Answer


def _latest(bundle: Path, loinc: str) -> list[dict[str, Any]]:
    obs = [e["resource"] for e in json.loads(bundle.read_bytes())["entry"]
           if e["resource"]["resourceType"] == "Observation"
           and any(c.get("code") == loinc for c in e["resource"]["code"]["coding"])]
    return sorted(obs, key=lambda o: o["effectiveDateTime"])


def _check_grounded(ans: Answer) -> None:
    """Every marker resolves; every number/date in a cited sentence is in its quotes."""
    markers = {c.marker for c in ans.citations}
    for m in re.findall(r"\[(\d+)\]", ans.answer):
        assert int(m) in markers
    assert sorted(markers) == list(range(1, len(markers) + 1))
    for c in ans.citations:
        assert c.quote.strip()


def test_last_a1c_value_date_range_previous_and_explainer(demo_service: Any,
                                                          demo_bundle: Path) -> None:
    series = _latest(demo_bundle, "4548-4")
    latest, prev = series[-1], series[-2]
    ans = demo_service.ask("alice", "What was my last A1c?")
    _check_grounded(ans)
    assert ans.intent == "value"
    v = latest["valueQuantity"]["value"]
    assert f"{v:g} %" in ans.answer
    first = ans.citations[0]
    assert first.kind == "record"
    assert first.source.resource_type == "Observation"
    assert first.source.resource_id == latest["id"]
    assert f"{prev['valueQuantity']['value']:g} %" in ans.answer
    assert any(c.source.resource_id == prev["id"] for c in ans.citations)
    assert "above the reference range" in ans.answer
    assert any(c.kind == "knowledge" for c in ans.citations)
    _, dates = facts_of(ans.answer.split("[1]")[0])
    assert latest["effectiveDateTime"][:10] in dates


def test_allergies_list_cites_each_allergy(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "What am I allergic to?")
    _check_grounded(ans)
    assert ans.intent == "list"
    names = {c.source.resource_type for c in ans.citations}
    assert names == {"AllergyIntolerance"}
    assert "Penicillin" in ans.answer or "penicillin" in ans.answer
    assert re.search(r"list 2 allergies", ans.answer)


def test_active_medications_exclude_stopped(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "What medications am I taking?")
    _check_grounded(ans)
    text = ans.answer.lower()
    assert "metformin" in text and "lisinopril" in text and "atorvastatin" in text
    assert "amoxicillin" not in text


def test_am_i_on_a_medication(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "Am I on metformin?")
    assert ans.intent == "exists" and ans.answer.startswith("Yes.")
    assert ans.citations and ans.citations[0].source.resource_type == "MedicationRequest"
    missing = demo_service.ask("alice", "Am I taking warfarin?")
    assert missing.answer.startswith("No.") and "warfarin" in missing.answer.lower()
    assert not [c for c in missing.citations if c.kind == "record"]


def test_trend_lists_values_in_order(demo_service: Any, demo_bundle: Path) -> None:
    series = _latest(demo_bundle, "4548-4")
    ans = demo_service.ask("alice", "How has my A1c changed over time?")
    _check_grounded(ans)
    assert ans.intent == "trend"
    cited = [c.source.resource_id for c in ans.citations if c.kind == "record"]
    assert cited == [o["id"] for o in series][-len(cited):]
    assert len(cited) == len(series)


def test_time_window(demo_service: Any, demo_bundle: Path) -> None:
    series = _latest(demo_bundle, "4548-4")
    year = series[0]["effectiveDateTime"][:4]
    ans = demo_service.ask("alice", f"What was my A1c in {year}?")
    ids = [c.source.resource_id for c in ans.citations if c.kind == "record"]
    assert ids and all(
        next(o for o in series if o["id"] == i)["effectiveDateTime"].startswith(year) for i in ids)


def test_absent_value_is_not_invented(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "What is my ferritin level?")
    assert "couldn't find" in ans.answer.lower()
    assert not [c for c in ans.citations if c.kind == "record"]


def test_general_knowledge_cites_the_knowledge_base(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "What does an LDL cholesterol test measure?")
    _check_grounded(ans)
    assert ans.citations and all(c.kind == "knowledge" for c in ans.citations)
    assert ans.kb_version and ans.config_hash


def test_emergency_skips_retrieval_with_local_numbers(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "I have crushing chest pain going into my left arm")
    assert ans.safety.triage == "emergency"
    assert "911" in ans.answer and ans.safety.emergency_numbers[0] == "911"
    assert ans.citations == []
    fr = demo_service.ask("alice", "J'ai une douleur thoracique qui serre et irradie dans le bras",
                          locale="fr-FR")
    assert fr.safety.triage == "emergency" and "15" in fr.safety.emergency_numbers
    assert fr.language == "fr"


def test_diagnosis_request_reports_the_recorded_condition(demo_service: Any) -> None:
    """Issue 15: a condition the record lists is reported as the record says it, cited,
    yes first; that is not a diagnosis, so no "I can't diagnose" hides it."""
    ans = demo_service.ask("alice", "Do I have diabetes?")
    assert "diagnosis_request" in ans.safety.flags
    assert ans.answer.startswith("Yes. Your record lists diabetes")
    assert not re.search(r"\byou have (diabetes|type)", ans.answer, re.I)
    assert "can't diagnose" not in ans.answer
    assert ans.citations[0].source.resource_type == "Condition"
    assert "clinician" in ans.answer.lower()


def test_diagnosis_request_without_a_record_explains_values_and_refers(
        demo_service: Any) -> None:
    ans = demo_service.ask("alice", "Is my thyroid ok, do I have hypothyroidism?")
    assert "diagnosis_request" in ans.safety.flags
    assert not re.search(r"\byou have (hypo|thyroid)", ans.answer, re.I)
    assert "clinician" in ans.answer.lower()


def test_medication_change_is_referred(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "Should I stop taking metformin?")
    assert "medication_change" in ans.safety.flags
    assert "pharmacist" in ans.answer.lower() or "clinician" in ans.answer.lower()


def test_injected_instructions_are_never_echoed(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "What did my portal message say?")
    assert "ignore previous instructions" not in ans.answer.lower()
    assert "stop taking metformin" not in ans.answer.lower()


def test_french_question_gets_french_answer(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "Quelle est ma dernière hémoglobine glyquée ?")
    assert ans.language == "fr"
    assert "Votre dernier résultat" in ans.answer
    assert ans.citations[0].source.resource_type == "Observation"


def test_other_users_vault_is_never_reached(demo_service: Any) -> None:
    ans = demo_service.ask("bob", "What was my last A1c?")
    assert not [c for c in ans.citations if c.kind == "record"]
    assert "couldn't find" in ans.answer.lower()


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_bad_questions_are_typed_errors(demo_service: Any, question: str) -> None:
    from rag.core.errors import InvalidContent

    with pytest.raises(InvalidContent):
        demo_service.ask("alice", question)


def test_french_blood_pressure(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "Quelle est ma dernière tension ?")
    assert ans.language == "fr" and ans.intent == "value"
    assert ans.citations[0].source.resource_id.startswith("demo-obs-bp")
    assert "mmHg" in ans.answer


def test_disclaimer_policy(demo_service: Any) -> None:
    """Added to interpreted personal values, never to "I couldn't find" answers."""
    from guardrails.verify import DISCLAIMER

    value = demo_service.ask("alice", "What was my last A1c?")
    assert value.answer.endswith(DISCLAIMER["en"])
    absent = demo_service.ask("alice", "What is my ferritin level?")
    assert DISCLAIMER["en"] not in absent.answer


def test_disclaimer_can_be_turned_off() -> None:
    from rag.answering.compose import ExtractiveComposer

    assert ExtractiveComposer(disclaimer=False).disclaimer is False
    assert ExtractiveComposer().disclaimer is True


def test_disclaimer_setting_reaches_the_service(settings: Any, fake_embedder: Any,
                                                demo_bundle: Any) -> None:
    from guardrails.verify import DISCLAIMER
    from rag.service import Service

    settings.guardrails.disclaimer = False
    service = Service(settings, fake_embedder)
    try:
        service.ingest("bea", [demo_bundle])
        ans = service.ask("bea", "What was my last A1c?")
        assert "[1]" in ans.answer and DISCLAIMER["en"] not in ans.answer
    finally:
        service.close()
