"""The exemplar-similarity layer: off with a word-counting encoder, a careful second signal
with the real one (paraphrases the rules miss escalate; negated, historical and benign
paraphrases do not)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from guardrails.redflags import RedFlagMatcher, load_exemplars
from guardrails.triage import SimilarFlag, triage
from rag.embedder import Embedder, FakeEmbedder


def test_exemplar_file_is_valid_and_bilingual() -> None:
    ex = load_exemplars()
    rules = {e.rule for e in ex.exemplars}
    assert {"chest_pain", "stroke", "suicidal", "breathing", "overdose"} <= rules
    assert any("é" in e.text or " je " in f" {e.text} " for e in ex.exemplars)  # French present
    assert 0 < ex.threshold < 1 and 0 < ex.margin < 1
    assert {e.level for e in ex.exemplars} <= {"emergency", "crisis"}


def test_fake_encoder_switches_the_layer_off() -> None:
    matcher = RedFlagMatcher(FakeEmbedder().embed)
    assert matcher.enabled is False
    # even an exemplar verbatim does not fire through a disabled layer
    text = load_exemplars().exemplars[0].text
    assert matcher([(text, False)]) is None


def test_constant_encoder_is_disabled() -> None:
    def same(texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 8), dtype=np.float32)

    assert RedFlagMatcher(same).enabled is False


def test_triage_uses_similar_only_for_current_sentences() -> None:
    seen: list[list[tuple[str, bool]]] = []

    def always(sentences: Sequence[tuple[str, bool]]) -> SimilarFlag | None:
        seen.append(list(sentences))
        return SimilarFlag(0, "overdose", "emergency", 0.9) if sentences else None

    res = triage("I swallowed the whole bottle of sleeping tablets", similar=always)
    assert (res.level, res.rule, res.similarity) == ("emergency", "overdose", 0.9)
    # history and general questions never reach the layer
    assert triage("What are the warning signs of an overdose?", similar=always).level == "none"
    assert triage("I took too many pills in 2015.", similar=always).level == "none"
    assert seen[-1] == [] and seen[-2] == []
    # negation is passed on to the layer
    triage("I have not taken any tablets today", similar=always)
    assert seen[-1] and seen[-1][0][1] is True
    # rules that already escalate are not second-guessed
    assert triage("crushing chest pain right now", similar=always).rule == "chest_pain"


@pytest.fixture(scope="module")
def matcher(real_embedder: Embedder) -> RedFlagMatcher:
    return RedFlagMatcher(real_embedder.embed)


@pytest.mark.slow
def test_real_encoder_passes_probes(matcher: RedFlagMatcher) -> None:
    assert matcher.enabled is True


# Paraphrases the rules miss (checked below) that the layer must catch.
CAUGHT = [
    "I swallowed the whole bottle of sleeping tablets",
]
# Negated, historical or benign texts near the same topics: never escalated.
QUIET = [
    "I didn't swallow any of the sleeping tablets",
    "I swallowed a bottle of sleeping tablets in 2015, I'm fine now",
    "my chest doesn't hurt at all today",
    "I don't have any trouble breathing",
    "I have a mild headache after a long day",
    "is it normal to feel tired during pregnancy",
    "my son has a cough and a runny nose",
    "je n'ai pas de fièvre, seulement le nez qui coule",
    "what are the warning signs of a stroke?",
    "I had a heart attack ten years ago, what should my LDL target be",
]


@pytest.mark.slow
@pytest.mark.parametrize("text", CAUGHT)
def test_layer_catches_paraphrases_the_rules_miss(matcher: RedFlagMatcher, text: str) -> None:
    assert triage(text).level == "none"  # the lexicon alone misses it
    res = triage(text, similar=matcher)
    assert res.level == "emergency" and res.similarity is not None


@pytest.mark.slow
@pytest.mark.parametrize("text", QUIET)
def test_layer_stays_quiet(matcher: RedFlagMatcher, text: str) -> None:
    assert triage(text, similar=matcher).level == triage(text).level


@pytest.mark.slow
def test_layer_keeps_rule_results(matcher: RedFlagMatcher) -> None:
    for text in ["I have crushing chest pain", "je veux mourir", "no chest pain at all"]:
        assert triage(text, similar=matcher) == triage(text)
