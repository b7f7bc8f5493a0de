"""Issue 15, end to end through Service: the typed path answers the questions the planner
missed, follow-ups keep their conversation in every interface, and nothing is a chunk dump.

The demo patient (eval/gen_demo_patient.py) has six A1c results (5.9 → 6.8 %), active
metformin, lisinopril and atorvastatin, a stopped amoxicillin, hypertension, a peanut
allergy and weights at each visit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from api.cli import main as cli_main
from rag.answering.answer import refine, typed_path
from rag.answering.planner import Plan
from rag.answering.query import Concept, Filters, Query, Reference

DUMP = "Here is what I found in your records"


def _record_ids(ans: Any) -> list[str]:
    return [c.source.resource_id for c in ans.citations if c.kind == "record"]


def test_a_follow_up_in_answer_with_conversation_id_uses_the_earlier_turn(
        demo_service: Any) -> None:
    first = demo_service.ask("alice", "What was my last A1c?", temporary=False)
    assert first.conversation_id and "6.8" in first.answer
    follow = demo_service.ask("alice", "and the one before that?", temporary=False,
                              conversation_id=first.conversation_id)
    assert follow.answer.startswith("Your previous result was 6.7 %"), follow.answer
    assert "most recent" not in follow.answer.lower()
    assert _record_ids(follow)[0] != _record_ids(first)[0]
    again = demo_service.ask("alice", "and in 2025?", temporary=False,
                             conversation_id=first.conversation_id)
    assert "2025" in again.answer and DUMP not in again.answer


def test_a_follow_up_with_no_earlier_turn_asks_instead_of_guessing(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "and the one before that?")
    assert not _record_ids(ans), ans.answer  # no Tdap, no A1c: nothing to lean on
    assert DUMP not in ans.answer


def test_chat_follow_up_says_previous_not_most_recent(demo_service: Any) -> None:
    messages = [
        {"role": "user", "content": "what was my last a1c"},
        {"role": "assistant", "content": "Your most recent hemoglobin A1c was 6.8 %."},
        {"role": "user", "content": "and the one before that?"},
    ]
    result = demo_service.chat("alice", messages, temporary=True)
    assert result.answer.answer.startswith("Your previous result was 6.7 %")


def test_cli_ask_continues_a_conversation(tmp_path: Path, demo_bundle: Path,
                                          capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("HEALTHRAG_EMBEDDING__BACKEND", "fake")
    data = ["--data-dir", str(tmp_path / "d")]
    assert cli_main([*data, "ingest", "--user", "u1", "--json", str(demo_bundle)]) == 0
    capsys.readouterr()
    assert cli_main([*data, "ask", "--user", "u1", "--json", "what was my last A1c?"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert cli_main([*data, "ask", "--user", "u1", "--json", "--conversation",
                     first["conversation_id"], "and the one before that?"]) == 0
    follow = json.loads(capsys.readouterr().out)
    assert follow["answer"].startswith("Your previous result was 6.7 %")
    assert follow["conversation_id"] == first["conversation_id"]


def test_what_am_i_on_lists_current_medications(demo_service: Any) -> None:
    ans = demo_service.ask("alice", "what am I on right now?")
    text = ans.answer.lower()
    assert "metformin" in text and "lisinopril" in text and "atorvastatin" in text
    assert "amoxicillin" not in text and "right" not in re.sub(r"right now", "", text)


def test_scale_and_french_weight_questions_give_the_weight(demo_service: Any) -> None:
    for question in ("what did the scale say", "Combien je pèse ?"):
        ans = demo_service.ask("alice", question)
        assert re.search(r"\b8\d(?:[.,]\d)? kg\b", ans.answer), (question, ans.answer)
        assert "pressure" not in ans.answer.lower() and "tension" not in ans.answer.lower()
        assert "BMI" not in ans.answer and "IMC" not in ans.answer


def test_absent_things_are_said_absent_without_unrelated_records(demo_service: Any) -> None:
    for question in ("did I ever get an MRI", "am I allergic to latex?"):
        ans = demo_service.ask("alice", question)
        assert ans.answer.startswith("No."), (question, ans.answer)
        assert not _record_ids(ans) and DUMP not in ans.answer


def test_no_question_gets_a_chunk_dump(demo_service: Any) -> None:
    for question in ("what is my blood type", "results?", "tell me everything",
                     "what's going on with me"):
        ans = demo_service.ask("alice", question)
        assert DUMP not in ans.answer and "Voici ce que" not in ans.answer, question


def _plan(intent: str, terms: tuple[Any, ...] = ()) -> Plan:
    return Plan(question="q", language="en", intent=intent, terms=terms)  # type: ignore[arg-type]


def test_typed_path_policy() -> None:
    weight = Concept("observation", "weight", "Body weight")
    q = Query("q", "en", "latest", "observation", (weight,))
    assert typed_path(q, _plan("records"))  # never the planner's dump
    assert typed_path(q, _plan("knowledge"))  # the planner found no term for it
    assert not typed_path(q, _plan("value", (object(),)))  # lab values with explainers
    assert typed_path(q.with_(unit="lbs"), _plan("value", (object(),)))
    assert typed_path(q.with_(reference=Reference("previous_item", 1)),
                      _plan("value", (object(),)))
    assert typed_path(Query("q", "en", "count", "encounter"), _plan("value", (object(),)))
    assert not typed_path(Query("q", "en", "knowledge", "none"), _plan("knowledge"))
    assert not typed_path(Query("q", "en", "list", "report"), _plan("records"))
    meds = Query("q", "en", "latest", "medication", filters=Filters(status="active"))
    assert refine(meds).operation == "list"
    assert refine(meds.with_(concepts=(weight,))).operation == "latest"
