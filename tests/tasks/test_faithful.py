"""The faithfulness check of plain-language report sentences (rag/tasks/faithful.py):
adversarial rewrites that add a finding, a number, a side or a certainty are rejected;
the lexicon's own rewrites pass, on hand-written cases and on real radiology reports."""

from __future__ import annotations

import csv
import re

import pytest

from rag.tasks.explain import report_sentences
from rag.tasks.faithful import check
from rag.tasks.plain import rewrite
from tests.conftest import shared_path

POSSIBLE = "There is a possible opacity in the left lower lobe."


@pytest.mark.parametrize(("source", "plain", "reason"), [
    # a finding the source does not state
    (POSSIBLE, "There is possible pneumonia in the left lower lobe.", "adds a finding"),
    ("There is an opacity in the right upper lobe.",
     "There is an infection in the right upper lobe.", "adds a finding"),
    ("Borderline cardiomegaly.", "Borderline enlarged heart with fluid around the lungs.",
     "adds a finding"),
    ("The lungs are clear.", "The lungs are clear but there is a small nodule.",
     "adds a finding"),
    ("No acute cardiopulmonary process.", "Nothing urgent was seen, but there is a mass.",
     "adds a finding"),
    # a number
    (POSSIBLE, "There is a possible 2 cm hazy area in the left lower lobe.", "adds a number"),
    ("There are nodules in the right lung.", "There are three small spots in the right lung.",
     "adds a number"),
    ("A 4 mm nodule.", "A 6 mm small spot.", "adds a number"),
    # a side
    (POSSIBLE, "There is a possible hazy area in the right lower lobe.", "adds a side"),
    ("There is a small pleural effusion.", "There is a little fluid around the left lung.",
     "adds a side"),
    ("Left basilar atelectasis.", "Basilar partly collapsed lung on both sides.",
     "adds a side"),
    ("Right pleural effusion.", "Fluid around the lungs.", "drops a side"),
    # a certainty
    (POSSIBLE, "There is definitely a hazy area in the left lower lobe.", "adds certainty"),
    (POSSIBLE, "There is no sign of a hazy area in the left lower lobe.", "adds a negation"),
    (POSSIBLE, "There is a hazy area in the left lower lobe.", "drops the hedge"),
    ("There is an opacity in the left lower lobe.",
     "There may be a hazy area in the left lower lobe.", "adds the hedge"),
    ("There is no pneumothorax.", "There is a collapsed lung.", "drops the negation"),
    ("Findings could represent atelectasis.", "This confirms atelectasis.", "adds certainty"),
    ("Cardiomegaly cannot be excluded.", "There is clearly an enlarged heart.",
     "adds certainty"),
])
def test_unfaithful_rewrites_are_rejected(source: str, plain: str, reason: str) -> None:
    verdict = check(source, plain)
    assert not verdict, plain
    assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(("source", "plain"), [
    (POSSIBLE, "There is a possible hazy area in the left lower part of the lung."),
    ("No acute cardiopulmonary process.", "Nothing urgent was seen in the heart or lungs."),
    ("Borderline cardiomegaly.", "Borderline enlarged heart."),
    ("There is no pleural effusion or pneumothorax.",
     "There is no fluid around the lungs or a collapsed lung (air around the lung)."),
    ("A 4 mm nodule in the right upper lobe.",
     "A 4 mm small spot in the right upper part of the lung."),
    ("Bilateral pleural effusions.", "Fluid around both lungs."),
    ("Cardiomegaly cannot be excluded.", "An enlarged heart cannot be excluded."),
    ("The osseous structures are unremarkable.", "The bones look normal."),
])
def test_faithful_rewrites_pass(source: str, plain: str) -> None:
    assert check(source, plain), check(source, plain).reasons
    assert rewrite(source).text == plain


@pytest.mark.parametrize(("source", "plain", "reason"), [
    ("Opacité du lobe inférieur gauche.", "Pneumonie du lobe inférieur gauche.",
     "adds a finding"),
    ("Opacité du lobe inférieur gauche.", "Zone voilée du lobe inférieur droit.",
     "adds a side"),
    ("Possible opacité basale.", "Zone voilée basale.", "drops the hedge"),
    ("Pas d'épanchement pleural.", "Du liquide autour des poumons.", "drops the negation"),
    ("Nodule de 4 mm.", "Petite tache de 6 mm.", "adds a number"),
])
def test_french_unfaithful_rewrites_are_rejected(source: str, plain: str, reason: str) -> None:
    verdict = check(source, plain, language="fr")
    assert not verdict
    assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons


def test_french_rewrites_pass() -> None:
    for source in ("Pas d'anomalie cardio-pulmonaire aiguë.", "Cardiomégalie modérée.",
                   "Possible opacité du lobe inférieur gauche.",
                   "Épanchement pleural bilatéral."):
        plain = rewrite(source, "fr")
        assert plain.changed and check(source, plain.text, language="fr"), plain.text


def test_every_lexicon_rewrite_of_real_reports_is_faithful() -> None:
    """The IU chest X-ray reports: every sentence the lexicon changes passes the check, and
    the check is independent of the rewrite (it re-reads the source, not the entries)."""
    path = shared_path("iu_xray_reports", "indiana_reports.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:600]
    changed = 0
    for row in rows:
        for field in ("findings", "impression"):
            text = row[field]
            for a, b in report_sentences(text):
                sentence = re.sub(r"^\s*\(?\d{1,2}[.)]\s+", "", text[a:b])
                if "XXXX" in sentence:
                    continue
                plain = rewrite(sentence)
                if plain.changed:
                    changed += 1
                    assert check(sentence, plain.text), (sentence, plain.text)
    assert changed > 1000
