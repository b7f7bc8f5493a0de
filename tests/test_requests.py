"""Diagnosis and medication-change requests, and the diagnosis phrasings answers must avoid."""

from __future__ import annotations

import pytest

from guardrails.requests import (
    DIAGNOSIS_BANNED,
    RequestFlags,
    banned_phrases,
    classify_request,
    referral_sentence,
)

# (question, diagnosis_request, medication_change, condition_hint)
CLASSIFY: list[tuple[str, bool, bool, str | None]] = [
    # diagnosis requests
    ("Do I have diabetes?", True, False, "diabetes"),
    ("Is this cancer?", True, False, "cancer"),
    ("What's wrong with me?", True, False, None),
    ("Could my results mean kidney disease?", True, False, "kidney"),
    ("Diagnose me", True, False, None),
    ("Am I diabetic?", True, False, "diabetes"),
    ("Could it be my thyroid?", True, False, "thyroid"),
    ("Could these symptoms be thyroid?", True, False, "thyroid"),
    ("Do you think I have anemia?", True, False, "anemia"),
    ("Do my results mean I have high cholesterol?", True, False, "cholesterol"),
    ("I think I have the flu, what should I do?", True, False, None),
    ("Could I have heart disease?", True, False, "heart"),
    ("Do I have hypertension?", True, False, "hypertension"),
    ("Ai-je du diabète ?", True, False, "diabetes"),
    ("Est-ce que j'ai un cancer ?", True, False, "cancer"),
    ("Est-ce que j'ai une maladie des reins ?", True, False, "kidney"),
    ("c'est un cancer ?", True, False, "cancer"),
    ("Mes résultats veulent-ils dire que j'ai du diabète ?", True, False, "diabetes"),
    ("Qu'est-ce que j'ai ?", True, False, None),
    ("Suis-je anémique ?", True, False, "anemia"),
    # medication changes, starts, stops and prescriptions
    ("Should I stop taking metformin?", False, True, None),
    ("Can I double my lisinopril dose?", False, True, None),
    ("Can you prescribe me antibiotics?", False, True, None),
    ("Can I skip my evening dose of insulin?", False, True, None),
    ("Should I switch from Lipitor to Crestor?", False, True, None),
    ("Can you refill my prescription?", False, True, None),
    ("Can I take ibuprofen with lisinopril?", False, True, None),
    ("I want to come off my antidepressants", False, True, None),
    ("Should I start insulin for my diabetes?", False, True, "diabetes"),
    ("Puis-je arrêter mon traitement ?", False, True, None),
    ("Je veux augmenter ma dose", False, True, None),
    ("Est-ce que je peux diminuer mon Levothyrox ?", False, True, None),
    ("Dois-je prendre de l'ibuprofène ?", False, True, None),
    ("Pouvez-vous me prescrire des antibiotiques ?", False, True, None),
    ("J'ai besoin d'une ordonnance pour mes statines", False, True, None),
    # both
    ("Do I have diabetes and should I start metformin?", True, True, "diabetes"),
    # neither
    ("What was my last A1c?", False, False, None),
    ("What am I allergic to?", False, False, None),
    ("What is diabetes?", False, False, "diabetes"),
    ("Do I have an appointment?", False, False, None),
    ("Do I have any allergies listed?", False, False, None),
    ("Do I have diabetes in my records?", False, False, "diabetes"),
    ("When should I take my metformin?", False, False, None),
    ("What is my prescription for lisinopril?", False, False, None),
    ("What does my high LDL mean?", False, False, None),
    ("Should I stop running?", False, False, None),
    ("How can I lower my cholesterol with diet?", False, False, "cholesterol"),
    ("Is my kidney function normal?", False, False, "kidney"),
    ("quelle est ma dernière glycémie ?", False, False, None),
    ("je veux arrêter de fumer", False, False, None),
    ("quand dois-je prendre mes comprimés ?", False, False, None),
    ("j'ai un diabète de type 2, que dois-je manger ?", False, False, "diabetes"),
    ("Qu'est-ce que l'hypothyroïdie ?", False, False, "thyroid"),
    ("", False, False, None),
]


@pytest.mark.parametrize(("text", "diagnosis", "medication", "hint"), CLASSIFY)
def test_classify_request(text: str, diagnosis: bool, medication: bool, hint: str | None) -> None:
    flags = classify_request(text)
    assert flags == RequestFlags(diagnosis, medication, hint), flags


def test_case_table_is_large_enough() -> None:
    assert len(CLASSIFY) >= 30


# ---------------------------------------------------------------- banned phrasings

BANNED: list[str] = [
    "You have diabetes.",
    "Based on this, you have type 2 diabetes.",
    "You have high cholesterol.",
    "You have anemia.",
    "You have a tumor in your left kidney.",
    "You've got the flu.",
    "You are diabetic.",
    "You're prediabetic.",
    "You suffer from hypertension.",
    "This means you have kidney disease.",
    "These results show that you have hypothyroidism.",
    "Vous avez un diabète de type 2.",
    "Vous avez une anémie.",
    "Vous avez de l'hypertension.",
    "Vous êtes diabétique.",
    "Vous souffrez d'hypertension.",
    "Ces résultats montrent que vous avez une anémie.",
    "Tu as un cancer.",
]

ALLOWED: list[str] = [
    "You have 2 allergies listed.",
    "You have an appointment on May 3.",
    "You have an upcoming appointment with Dr Lee.",
    "You have no allergies recorded.",
    "You have a few results from 2023.",
    "You have the right to ask for a copy.",
    "you have a history of hypertension in your records",
    "You have been prescribed metformin 500 mg.",
    "Your records list type 2 diabetes, diagnosed in 2019 [1].",
    "Your last A1c was 7.2 % [2].",
    "Only your clinician can tell you whether you have a condition.",
    "If you have chest pain, call 911.",
    "Do you have any questions?",
    "Vous avez des résultats récents.",
    "Vous avez un rendez-vous demain.",
    "Vous avez le droit de demander une copie.",
    "Vous avez des antécédents de diabète.",
    "Vous avez 2 allergies enregistrées.",
    "Si vous avez une maladie chronique, parlez-en à votre médecin.",
]


@pytest.mark.parametrize("answer", BANNED)
def test_banned_phrases_found(answer: str) -> None:
    assert banned_phrases(answer), answer
    assert DIAGNOSIS_BANNED.search(answer)


@pytest.mark.parametrize("answer", ALLOWED)
def test_record_wording_allowed(answer: str) -> None:
    assert banned_phrases(answer) == []


def test_banned_phrases_reports_each_span() -> None:
    found = banned_phrases("You have diabetes. Also, you are hypertensive.")
    assert len(found) == 2
    assert found[0].lower().startswith("you have diabetes")


# ---------------------------------------------------------------- referral sentences


@pytest.mark.parametrize("language", ["en", "fr", "fr-FR", "en-US"])
def test_referral_sentences(language: str) -> None:
    diag = referral_sentence(RequestFlags(True, False, "diabetes"), language)
    med = referral_sentence(RequestFlags(False, True, None), language)
    both = referral_sentence(RequestFlags(True, True, None), language)
    assert diag and med
    assert both == f"{diag} {med}"
    assert referral_sentence(RequestFlags(False, False, "kidney"), language) == ""
    for sentence in (diag, med, both):
        assert banned_phrases(sentence) == []  # the referral itself never diagnoses
        assert "?" not in sentence


def test_referral_wording() -> None:
    assert referral_sentence(RequestFlags(True, False, None), "en").startswith(
        "I can't diagnose conditions. Only your clinician can tell you whether you have a condition"
    )
    assert "Please don't start, stop or change the dose of a medication" in referral_sentence(
        RequestFlags(False, True, None), "en"
    )
    assert referral_sentence(RequestFlags(True, False, None), "fr").startswith(
        "Je ne peux pas poser de diagnostic."
    )
    assert "pharmacien" in referral_sentence(RequestFlags(False, True, None), "fr")
