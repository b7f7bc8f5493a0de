"""The concept resolver over a real facts store: lay terms, misspellings on either side,
generic words, ties, absent concepts, codes and sensitive records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answering.matching import close, edit_distance
from rag.answering.query import Category, Concept
from rag.answering.resolver import Resolver
from rag.answering.vault_terms import VaultTerms
from tests.rag.understand_vault import build_vault


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VaultTerms]:
    facts = build_vault(Path(tmp_path_factory.mktemp("vault")))
    yield VaultTerms.of(facts)
    facts.close()


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver()


def _find(resolver: Resolver, vault: VaultTerms, question: str, language: str = "en",
          prefer: Category | None = None) -> tuple[Concept, ...]:
    return resolver.resolve(question, vault, language=language, prefer=prefer)


def test_a_misspelling_in_the_record_still_matches(resolver: Resolver, vault: VaultTerms
                                                   ) -> None:
    (concept,) = _find(resolver, vault, "am I still taking simvastatin?")
    assert concept.category == "medication" and concept.in_vault
    assert concept.names == ("Simvistatin 10 MG Oral Tablet",)
    assert "314231" in concept.codes


def test_a_misspelling_in_the_question_still_matches(resolver: Resolver, vault: VaultTerms
                                                     ) -> None:
    (concept,) = _find(resolver, vault, "do I still take lisinoprl")
    assert concept.names == ("lisinopril 10 MG Oral Tablet",) and concept.score < 1.0
    (chol,) = _find(resolver, vault, "what's my cholestrol")
    assert chol.key == "total_cholesterol"


def test_generic_words_never_become_drug_names(resolver: Resolver, vault: VaultTerms) -> None:
    assert _find(resolver, vault, "what am I on right now?") == ()
    assert _find(resolver, vault, "what medications do I take these days") == ()
    assert _find(resolver, vault, "quelles sont mes allergies") == ()


@pytest.mark.parametrize(
    ("question", "language", "keys"),
    [
        ("what did my sugar test say", "en", {"hba1c", "glucose"}),
        ("how is my kidney function", "en", {"egfr", "creatinine"}),
        ("what did the scale say this spring", "en", {"weight"}),
        ("how heavy am I these days", "en", {"weight"}),
        ("combien je pèse maintenant ?", "fr", {"weight"}),
    ],
)
def test_lay_terms_map_onto_what_the_vault_measures(
        resolver: Resolver, vault: VaultTerms, question: str, language: str,
        keys: set[str]) -> None:
    found = _find(resolver, vault, question, language)
    assert {c.key for c in found} == keys
    assert all(c.in_vault and c.category == "observation" for c in found)


def test_two_meanings_that_both_fit_both_come_back(resolver: Resolver, vault: VaultTerms
                                                   ) -> None:
    found = _find(resolver, vault, "my latest sugar test")
    assert [c.key for c in found] == ["hba1c", "glucose"]  # most likely first
    assert found[0].score > found[1].score


def test_lay_terms_for_items(resolver: Resolver, vault: VaultTerms) -> None:
    (shot,) = _find(resolver, vault, "when did I get my last tetanus shot")
    assert shot.category == "immunization" and shot.names == ("Td (adult) preservative free",)
    (bp,) = _find(resolver, vault, "do I have high blood pressure?")
    assert bp.category == "condition" and bp.names == ("Essential hypertension (disorder)",)
    (fr,) = _find(resolver, vault, "est-ce que j'ai de l'hypertension ?", "fr")
    assert fr.category == "condition" and fr.in_vault


def test_a_known_concept_absent_from_this_vault(resolver: Resolver, vault: VaultTerms) -> None:
    (zoster,) = _find(resolver, vault, "have I had the shingles vaccine?",
                      prefer="immunization")
    assert zoster.category == "immunization" and not zoster.in_vault
    assert "shingles" in zoster.display
    (vit_d,) = _find(resolver, vault, "what was my vitamin d level")
    assert vit_d.key == "vitamin_d" and not vit_d.in_vault


def test_codes_typed_in_the_question(resolver: Resolver, vault: VaultTerms) -> None:
    (concept,) = _find(resolver, vault, "show me 4548-4")
    assert concept.key == "hba1c" and concept.in_vault


def test_sensitive_records_and_lexicon_entries_are_marked(resolver: Resolver,
                                                          vault: VaultTerms) -> None:
    (procedure,) = _find(resolver, vault, "did I have a termination of pregnancy")
    assert procedure.sensitive and procedure.in_vault
    (hiv,) = _find(resolver, vault, "my hiv test results")
    assert hiv.sensitive
    (a1c,) = _find(resolver, vault, "what's my a1c")
    assert not a1c.sensitive


def test_several_things_in_one_question(resolver: Resolver, vault: VaultTerms) -> None:
    found = _find(resolver, vault, "am I on simvastatin and lisinopril")
    assert [c.key for c in found] == ["simvastatin", "lisinopril"]


def test_without_a_vault_everything_is_absent(resolver: Resolver) -> None:
    (concept,) = resolver.resolve("what was my last a1c", None)
    assert concept.key == "hba1c" and not concept.in_vault


def test_the_record_name_wins_over_an_absent_lay_meaning(resolver: Resolver,
                                                         vault: VaultTerms) -> None:
    found = _find(resolver, vault, "tell me about my influenza")
    assert any(c.in_vault and c.category == "immunization" for c in found)


def test_edit_distance_and_closeness() -> None:
    assert edit_distance("simvastatin", "simvistatin", 2) == 1
    assert edit_distance("thyriod", "thyroid", 1) == 1  # a swap is one edit
    assert close("cholestrol", "cholesterol")
    assert not close("iron", "iris")  # four letters: exact only
    assert not close("b12", "b16")  # digits never change
    assert not close("creatinine", "kreatinine")  # the first letter is kept
