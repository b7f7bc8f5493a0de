"""The output verifier: uncited medical facts, connective sentences, the disclaimer."""

from __future__ import annotations

import pytest

from guardrails.verify import DISCLAIMER, connective, states_medical_fact, verify
from rag.answering.compose import TT, T

QUOTES = {1: "Hemoglobin A1c 7.2 % on 2024-03-01", 2: "Metformin 500 mg tablet"}


@pytest.mark.parametrize(
    "sentence",
    [
        "Metformin lowers blood glucose.",
        "Your A1c is above the target.",
        "Your blood pressure was 130/85 mmHg.",
        "It was measured on 1 March 2024.",
        "Your doctor said your blood pressure is high.",
    ],
)
def test_uncited_medical_facts_are_removed(sentence: str) -> None:
    assert states_medical_fact(sentence)
    verdict = verify([sentence, "Your last A1c was 7.2 % [1]."], QUOTES)
    assert (sentence, "uncited medical fact") in verdict.removed or any(
        s == sentence for s, _ in verdict.removed
    )
    assert verdict.kept == ["Your last A1c was 7.2 % [1]."]


@pytest.mark.parametrize(
    "sentence",
    [
        "I couldn't find a hemoglobin A1c result in your records.",
        "Here is what I found in your records:",
        "Please talk to your doctor about your blood pressure.",
        "If you have a lab report, you can upload it.",
        DISCLAIMER["en"],
        DISCLAIMER["fr"],
        "Je n'ai pas trouvé cela dans votre dossier.",
    ],
)
def test_connective_and_safety_sentences_need_no_citation(sentence: str) -> None:
    assert connective(sentence)
    assert not states_medical_fact(sentence)


def test_every_uncited_template_of_the_composer_is_connective() -> None:
    """The composer's own sentences without a marker must survive the new rule."""
    sample = {"name": "hemoglobin A1c", "window": "", "what": "medications", "of": "",
              "n": "3", "period": "", "phrase": "", "Name": "Hemoglobin A1c"}
    uncited = [(lang, key, text) for table in (T, TT) for lang, keys in table.items()
               for key, text in keys.items()
               if key in {"absent", "upload", "clinician", "list_none", "list_more", "no_item",
                          "records_intro", "nothing", "general", "no_knowledge",
                          "out_of_scope", "quarantined"}]
    assert len(uncited) >= 20
    for lang, key, text in uncited:
        sentence = text.format(**sample)
        verdict = verify([sentence, "A [1]."], {1: "A"}, computed={"3"})
        assert sentence in verdict.kept, (lang, key, verdict.removed)


def test_disclaimer_alone_is_dropped() -> None:
    verdict = verify(["I couldn't find that in your records.", DISCLAIMER["en"]], QUOTES)
    assert DISCLAIMER["en"] not in verdict.kept
    assert verdict.kept == ["I couldn't find that in your records."]
    kept = verify(["Your last A1c was 7.2 % [1].", DISCLAIMER["en"]], QUOTES).kept
    assert kept[-1] == DISCLAIMER["en"]


def test_existing_rules_still_apply() -> None:
    verdict = verify(["Your A1c was 8.1 % [1].", "You have diabetes [1].", "X [9]."], QUOTES)
    reasons = [r for _, r in verdict.removed]
    assert reasons[0].startswith("ungrounded number")
    assert reasons[1].startswith("diagnosis wording")
    assert reasons[2].startswith("unknown citation")
