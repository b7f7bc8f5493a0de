"""Understanding: question (+ earlier turns) -> Query. One phrasing per operation that is
not in the bank, the filters read by rules, and follow-ups with and without a turn before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.intent_bank import load_bank, text_key
from rag.answering.query import Query, Reference, Window
from rag.answering.understand import Understander
from rag.answering.vault_terms import VaultTerms
from rag.embedder import FakeEmbedder
from tests.rag.understand_vault import build_vault

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def understander() -> Understander:
    u = Understander()
    u.warm()
    return u


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VaultTerms]:
    facts = build_vault(Path(tmp_path_factory.mktemp("vault")))
    yield VaultTerms.of(facts)
    facts.close()


def ask(u: Understander, vault: VaultTerms, question: str,
        history: tuple[tuple[str, Query], ...] = ()) -> Query:
    return u.understand(question, history=history, vault_facts=vault, today=TODAY)


# Written for this test, checked against the bank below: none of them is a bank example.
PER_OPERATION = [
    ("what did my most recent potassium test show", "latest", "observation"),
    ("quel était mon dernier taux de ferritine", "latest", "observation"),
    ("show me every blood pressure reading on file", "history", "observation"),
    ("is my weight going up or down over the years", "trend", "observation"),
    ("mon poids a-t-il baissé depuis l'été dernier", "trend", "observation"),
    ("which medicines am I currently prescribed", "list", "medication"),
    ("quels vaccins ai-je reçus", "list", "immunization"),
    ("am I allergic to penicillin by any chance", "exists", "allergy"),
    ("how many times did I visit the emergency room in 2022", "count", "encounter"),
    ("combien de fois suis-je allé chez le médecin en 2020", "count", "encounter"),
    ("how much money did I spend on doctor visits last year", "sum", "claim"),
    ("who is the physician in charge of my care", "who", "practitioner"),
    ("when was my last tetanus booster", "when", "immunization"),
    ("help me understand my blood test results", "explain", None),
    ("compare my cholesterol from 2020 with this year", "compare", "observation"),
    ("what is the normal range for a1c", "knowledge", "observation"),
    ("help me get ready for my appointment next week", "prepare", None),
    ("est-ce que ma mutuelle rembourse les lunettes", "insurance", "claim"),
    ("that thing?", "clarify", None),
    ("write me a poem about cats", "other", None),
]


def test_the_phrasings_are_not_in_the_bank() -> None:
    bank = {text_key(e.text) for e in load_bank()}
    assert not [q for q, _, _ in PER_OPERATION if text_key(q) in bank]


@pytest.mark.parametrize(("question", "operation", "category"), PER_OPERATION)
def test_one_phrasing_per_operation(understander: Understander, vault: VaultTerms,
                                    question: str, operation: str, category: str | None) -> None:
    query = ask(understander, vault, question)
    assert query.operation == operation, (query.describe(), query.alternatives)
    if category is not None:
        assert query.category == category, query.describe()
    assert 0.0 < query.confidence <= 1.0


@pytest.mark.parametrize(
    ("question", "operation", "keys"),
    [("Combien je pèse ?", "latest", ["weight"]),
     ("what did the scale say", "latest", ["weight"]),
     ("still taking simvastatin?", "exists", ["simvastatin"]),
     ("Do I have high blood pressure?", "exists", ["hypertension"])],
)
def test_the_wordings_the_issue_names(understander: Understander, vault: VaultTerms,
                                      question: str, operation: str, keys: list[str]) -> None:
    query = ask(understander, vault, question)
    assert (query.operation, [c.key for c in query.concepts]) == (operation, keys)


def test_language_and_concepts(understander: Understander, vault: VaultTerms) -> None:
    query = ask(understander, vault, "est-ce que je prends encore de la simvastatine ?")
    assert query.language == "fr" and query.operation == "exists"
    assert query.filters.status == "active"
    assert [c.names for c in query.concepts] == [("Simvistatin 10 MG Oral Tablet",)]


def test_a_sum_is_money_not_weight(understander: Understander, vault: VaultTerms) -> None:
    query = ask(understander, vault, "how much did I weigh at my last visit")
    assert query.operation != "sum" and query.category == "observation"
    assert query.filters.window == Window(label="last_visit")
    assert [c.key for c in query.concepts] == ["weight"]


@pytest.mark.parametrize(
    ("question", "status"),
    [("am I still on lisinopril", "active"), ("what am I taking right now", "active"),
     ("est-ce que je prends actuellement un traitement", "active"),
     ("which drugs did I use to take", "inactive"),
     ("je ne prends plus de paracétamol", "inactive"),
     ("have I ever had asthma in the past", "any")],
)
def test_status(understander: Understander, vault: VaultTerms, question: str,
                status: str) -> None:
    assert ask(understander, vault, question).filters.status == status


@pytest.mark.parametrize(
    ("question", "kind"),
    [("how many ER trips in 2023", "emergency"), ("combien de passages aux urgences", "emergency"),
     ("when was my last hospital stay", "inpatient"), ("date of my last check-up", "wellness")],
)
def test_encounter_type(understander: Understander, vault: VaultTerms, question: str,
                        kind: str) -> None:
    assert ask(understander, vault, question).filters.encounter_type == kind


@pytest.mark.parametrize(
    ("question", "unit"),
    [("my weight in pounds", "lbs"), ("mon poids en kg", "kg"),
     ("how long did I sleep in minutes", "minutes"), ("my sleep last week in hours", "hours"),
     ("my glucose in mmol", "mmol/L")],
)
def test_unit_asked(understander: Understander, vault: VaultTerms, question: str,
                    unit: str) -> None:
    assert ask(understander, vault, question).unit == unit


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [("visits in 2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
     ("my weight last year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
     ("my steps since March", dt.date(2026, 3, 1), None),
     ("mes consultations en 2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31))],
)
def test_time_window(understander: Understander, vault: VaultTerms, question: str,
                     start: dt.date, end: dt.date | None) -> None:
    window = ask(understander, vault, question).filters.window
    assert window is not None and (window.start, window.end) == (start, end)


def test_the_one_before_that_steps_back_each_time(understander: Understander,
                                                  vault: VaultTerms) -> None:
    first = ask(understander, vault, "what was my last a1c?")
    second = ask(understander, vault, "and the one before that?", (("q1", first),))
    third = ask(understander, vault, "and the one before that?", (("q1", first), ("q2", second)))
    assert second.reference == Reference("previous_item", 1)
    assert third.reference == Reference("previous_item", 2)
    assert second.operation == third.operation == first.operation
    assert [c.key for c in third.concepts] == ["hba1c"]


@pytest.mark.parametrize("fragment", ["and in 2025?", "et en 2025 ?"])
def test_a_new_window_keeps_the_subject(understander: Understander, vault: VaultTerms,
                                        fragment: str) -> None:
    first = ask(understander, vault, "how many visits did I have in 2019?")
    follow = ask(understander, vault, fragment, (("q1", first),))
    assert (follow.operation, follow.category) == ("count", "encounter")
    assert follow.filters.window is not None and follow.filters.window.label == "2025"
    assert follow.reference == Reference("same_subject")


def test_what_about_ldl_keeps_the_operation(understander: Understander,
                                            vault: VaultTerms) -> None:
    first = ask(understander, vault, "what was my last a1c?")
    follow = ask(understander, vault, "what about LDL?", (("q1", first),))
    assert follow.operation == first.operation and [c.key for c in follow.concepts] == ["ldl"]
    assert follow.reference == Reference("same_operation")


def test_a_new_unit_keeps_the_query(understander: Understander, vault: VaultTerms) -> None:
    first = ask(understander, vault, "what's my current weight?")
    follow = ask(understander, vault, "in pounds?", (("q1", first),))
    assert follow.unit == "lbs" and follow.concepts == first.concepts
    assert follow.operation == first.operation


def test_a_french_fragment_keeps_the_conversation_language(understander: Understander,
                                                           vault: VaultTerms) -> None:
    first = ask(understander, vault, "quel est mon dernier hba1c ?")
    follow = ask(understander, vault, "LDL ?", (("q1", first),))
    assert follow.language == "fr" and [c.key for c in follow.concepts] == ["ldl"]


def test_a_category_noun_moves_a_list(understander: Understander, vault: VaultTerms) -> None:
    first = ask(understander, vault, "list my allergies")
    follow = ask(understander, vault, "and the vaccines?", (("q1", first),))
    assert (follow.operation, follow.category, follow.concepts) == ("list", "immunization", ())


@pytest.mark.parametrize("fragment", ["and the one before that?", "and in 2025?",
                                      "what about LDL?", "in pounds?", "et celui d'avant ?",
                                      "what does that mean?"])
def test_a_fragment_without_an_earlier_turn_asks(understander: Understander, vault: VaultTerms,
                                                 fragment: str) -> None:
    assert ask(understander, vault, fragment).operation == "clarify"


def test_a_whole_question_behind_and_stands_alone(understander: Understander,
                                                  vault: VaultTerms) -> None:
    query = ask(understander, vault, "and what was my most recent a1c result")
    assert query.operation == "latest" and [c.key for c in query.concepts] == ["hba1c"]


def test_small_talk_in_between_is_skipped(understander: Understander, vault: VaultTerms) -> None:
    first = ask(understander, vault, "what was my last a1c?")
    thanks = ask(understander, vault, "thanks!", (("q1", first),))
    follow = ask(understander, vault, "and the one before?", (("q1", first), ("q2", thanks)))
    assert thanks.operation == "other" and follow.reference == Reference("previous_item", 1)


def test_the_fake_embedder_is_not_used_as_a_feature() -> None:
    assert not Understander(FakeEmbedder()).model.uses_embedder


def test_punctuation_alone_asks(understander: Understander, vault: VaultTerms) -> None:
    assert ask(understander, vault, "??").operation == "clarify"


def test_a_background_warm_answers_meanwhile(vault: VaultTerms) -> None:
    u = Understander()
    u.warm(background=True)
    assert ask(u, vault, "how many visits did I have in 2021").operation == "count"
