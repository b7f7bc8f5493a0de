"""The intent model: the bank split, the accuracy floor on its test part, determinism,
speed, tie-breaking, and that the test fake never serves as a semantic feature."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import numpy as np
import pytest

from rag.answering import intent_rules
from rag.answering.intent_bank import Example, load_bank, split, text_key
from rag.answering.intent_embedding import is_semantic
from rag.answering.intent_model import IntentModel, train
from rag.answering.query import OPERATIONS
from rag.embedder import Embedder, FakeEmbedder, Vectors

# Measured on the bank of this change (eval/reports/intents.md): n-gram 79.5% operation and
# 81.0% category; with MiniLM 82.9% and 85.2%. The floors sit a few points below, since the
# bank is still growing and a new example can move a borderline one.
NGRAM_OPERATION_FLOOR = 0.75
NGRAM_CATEGORY_FLOOR = 0.76
COMBINED_OPERATION_FLOOR = 0.79
COMBINED_CATEGORY_FLOOR = 0.81


@pytest.fixture(scope="module")
def bank() -> tuple[Example, ...]:
    return load_bank()


@pytest.fixture(scope="module")
def held_out(bank: tuple[Example, ...]) -> tuple[list[Example], list[Example]]:
    return split(bank)


@pytest.fixture(scope="module")
def ngram(held_out: tuple[list[Example], list[Example]]) -> IntentModel:
    return train(held_out[0])


def _accuracy(model: IntentModel, test: Sequence[Example]) -> tuple[float, float]:
    preds = model.predict_many([e.text for e in test])
    op = np.mean([p.operation == e.operation for p, e in zip(preds, test, strict=True)])
    cat = np.mean([p.category == e.category for p, e in zip(preds, test, strict=True)])
    return float(op), float(cat)


def test_the_bank_covers_every_operation_in_both_languages(bank: tuple[Example, ...]) -> None:
    for op in OPERATIONS:
        for lang in ("en", "fr"):
            assert sum(e.operation == op and e.lang == lang for e in bank) >= 20, (op, lang)


def test_split_is_disjoint_deterministic_and_about_a_fifth(bank: tuple[Example, ...]) -> None:
    train_set, test_set = split(bank)
    assert len(train_set) + len(test_set) == len(bank)
    assert {text_key(e.text) for e in train_set}.isdisjoint(text_key(e.text) for e in test_set)
    assert 0.15 < len(test_set) / len(bank) < 0.25
    again = split(list(reversed(bank)))
    assert {e.text for e in again[1]} == {e.text for e in test_set}


def test_split_does_not_move_when_the_bank_grows(bank: tuple[Example, ...]) -> None:
    extra = [Example(f"made up question number {i}", "en", "latest", "observation")
             for i in range(50)]
    _, before = split(bank)
    _, after = split([*bank, *extra])
    assert {e.text for e in before} == {e.text for e in after} - {e.text for e in extra}


def test_ngram_accuracy_on_the_test_split_is_above_the_floor(
        ngram: IntentModel, held_out: tuple[list[Example], list[Example]]) -> None:
    op, cat = _accuracy(ngram, held_out[1])
    assert op >= NGRAM_OPERATION_FLOOR, op
    assert cat >= NGRAM_CATEGORY_FLOOR, cat


def test_training_is_deterministic(held_out: tuple[list[Example], list[Example]],
                                   ngram: IntentModel) -> None:
    texts = [e.text for e in held_out[1][:40]]
    again = train(held_out[0])
    a_ops, a_cats = ngram.probabilities(texts)
    b_ops, b_cats = again.probabilities(texts)
    assert np.array_equal(a_ops, b_ops) and np.array_equal(a_cats, b_cats)


def test_ngram_training_is_fast(bank: tuple[Example, ...]) -> None:
    start = time.process_time()
    train(bank)
    # ~2 s of CPU on the 2-core dev machine; the bound leaves room for a slower CI runner.
    assert time.process_time() - start < 8.0


def test_typos_and_french_carry_over(ngram: IntentModel) -> None:
    assert ngram.predict("how meny tims did i go to the docter in 2019").operation == "count"
    assert ngram.predict("combien de fois suis-je allée aux urgences").operation == "count"


def test_a_cue_breaks_a_tie_but_never_overrules() -> None:
    ops = np.zeros(len(OPERATIONS))
    ops[OPERATIONS.index("latest")], ops[OPERATIONS.index("count")] = 0.40, 0.35
    chosen, broken = intent_rules.break_tie("how many a1c tests did i have", ops)
    assert OPERATIONS[chosen] == "count" and broken
    ops[OPERATIONS.index("latest")], ops[OPERATIONS.index("count")] = 0.70, 0.20
    chosen, broken = intent_rules.break_tie("how many a1c tests did i have", ops)
    assert OPERATIONS[chosen] == "latest" and not broken


def test_contradictions_yield_to_the_next_operation(ngram: IntentModel) -> None:
    assert not intent_rules.consistent("sum", "observation", "how much did i weigh")
    assert intent_rules.consistent("sum", "observation", "how much did i pay for my scale")
    assert not intent_rules.consistent("count", "observation", "combien je pese")
    assert not intent_rules.consistent("insurance", "observation", "combien je pese")
    assert not intent_rules.consistent("clarify", "observation", "the scale", named=True)
    assert ngram.predict("how much did I weigh when I went in last").operation != "sum"
    assert ngram.predict("combien je pèse en ce moment").operation != "count"


class _WordCounter(Embedder):
    """Another word-hashing encoder (not the fake's class): must fail the probes too."""

    model_id = "word-counter"
    dim = 64

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, sum(map(ord, word)) % self.dim] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        return out


def test_the_fake_embedder_is_never_a_feature(held_out: tuple[list[Example], list[Example]]
                                              ) -> None:
    assert not is_semantic(FakeEmbedder())
    assert not is_semantic(_WordCounter())
    model = train(held_out[0][:300], FakeEmbedder())
    assert not model.uses_embedder


@pytest.mark.slow
def test_minilm_adds_to_the_ngram_model(real_embedder: Embedder, ngram: IntentModel,
                                        held_out: tuple[list[Example], list[Example]]) -> None:
    assert is_semantic(real_embedder)
    combined = train(held_out[0], real_embedder)
    assert combined.uses_embedder
    op, cat = _accuracy(combined, held_out[1])
    base_op, _ = _accuracy(ngram, held_out[1])
    assert op >= COMBINED_OPERATION_FLOOR and cat >= COMBINED_CATEGORY_FLOOR, (op, cat)
    assert op >= base_op - 0.01, (op, base_op)
