"""Dosing instructions a medication-change answer must not read back."""

from __future__ import annotations

import pytest

from guardrails.dosing import dosing_instruction


@pytest.mark.parametrize(
    "sentence",
    [
        "Plan: Continue metformin 500 mg twice daily; increase to 1000 mg twice daily if A1c "
        "stays above 6.5 % at the next check.",
        "If the blood pressure stays above 140, double the lisinopril.",
        "Si la glycémie reste au-dessus de 1,30 g/L, passer à 2 comprimés le soir.",
        "Augmenter la levothyroxine à 75 µg.",
        "Stop the atorvastatin if muscle pain appears.",
    ],
)
def test_instructions(sentence: str) -> None:
    assert dosing_instruction(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Your records list 1 medication: metformin hydrochloride 500 MG Oral Tablet [1].",
        "Dosage: Take 1 tablet (500 mg) by mouth twice daily with meals.",
        "Votre dernier résultat d'HbA1c était de 6,8 % [1].",
        "Your clinician can tell you what this means for you.",
    ],
)
def test_not_instructions(sentence: str) -> None:
    assert not dosing_instruction(sentence)
