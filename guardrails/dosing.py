"""Dosing instructions in text the service might quote (English and French).

A clinician's note often says what to do next: "increase to 1000 mg twice daily if A1c stays
above 6.5 %", "si la glycémie reste haute, passer à 2 comprimés". Read back to someone who
asks whether they may change a dose, such a sentence becomes advice to act on alone. When a
question is a medication change (``guardrails.requests``), the answer refers the person to
the prescriber and leaves these sentences out: :func:`dosing_instruction` finds them.

A sentence counts when it tells someone to change a dose (increase, reduce, double, halve,
titrate, switch, stop; augmenter, diminuer, passer à, doubler, arrêter) and names either an
amount (a number with a unit, "two tablets", "deux comprimés") or a condition ("if", "when",
"until", "si", "quand", "tant que"). A plain record of the current dose ("Take 1 tablet
(500 mg) by mouth twice daily") changes nothing and is not one.
"""

from __future__ import annotations

import re

from rag.core.text import fold_words

__all__ = ["dosing_instruction"]

_CHANGE = re.compile(
    r"\b(?:increas\w*|decreas\w*|reduc\w*|rais\w*|lower\w*|doubl\w*|halv\w*|titrat\w*|"
    r"up ?titrat\w*|step (?:up|down)|go up|go down|bump up|switch\w* to|chang\w* to|stop\w*|"
    r"discontinu\w*|hold|skip|add|start|augment\w*|diminu\w*|baiss\w*|redui\w*|pass\w* a|"
    r"monte\w* a|monter|doubl\w*|arret\w*|suspend\w*|ajout\w*|commenc\w*)\b"
)
_AMOUNT = re.compile(
    r"\b\d+(?:[.,]\d+)? ?(?:mg|mcg|ug|µg|μg|g|ml|units?|unites|u|iu|ui|puffs?|bouffees|gouttes|"
    r"drops)\b|\b(?:one|two|three|four|half|a half|un|une|deux|trois|quatre|demi|moitie) "
    r"(?:tablets?|pills?|capsules?|doses?|comprimes?|cachets?|gelules?|prises?)\b|"
    r"\b(?:twice|three times|deux fois|trois fois)\b"
)
_CONDITION = re.compile(
    r"\b(?:if|when|once|until|unless|should|in case|si|s'il|s'ils|quand|lorsque|tant que|"
    r"en cas de|des que)\b"
)


def dosing_instruction(sentence: str) -> bool:
    """Whether ``sentence`` tells someone to change a dose (see the module docstring)."""
    folded = fold_words(sentence or "")
    if not _CHANGE.search(folded):
        return False
    return bool(_AMOUNT.search(folded) or _CONDITION.search(folded))
