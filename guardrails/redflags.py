"""The second triage signal: embedding similarity to curated red-flag exemplars.

The rules in :mod:`guardrails.triage` read words; people describe emergencies in words no
lexicon lists ("an elephant is sitting on my ribcage"). This layer embeds short, hand-written
exemplars per red-flag category once (``guardrails/data/redflag_exemplars.yaml``), and for
each sentence that ``triage`` hands it (current, not history, not a general question) finds
the nearest category. It escalates only when all of these hold:

- the best exemplar is at least ``threshold`` similar (tuned on our own cases, see the
  report in the module tests);
- it beats every benign anchor ("I had chest pain last year, it was reflux") by ``margin``,
  so a question near the topic but not an emergency stays quiet;
- polarity agrees: a negated sentence ("I don't have chest pain") may only match a negated
  crisis exemplar ("I don't want to be alive anymore"), where the negation is part of the
  red flag; embeddings barely see "not", so no negated sentence escalates to an emergency.

The encoder is passed in (``Embedder.embed`` from the service), never imported: this package
stays below the pipeline. At construction the matcher checks the encoder on probes that
share almost no words with the exemplars; an encoder that only counts words (the test fake)
fails them and the matcher switches itself off (``enabled`` is False), so it can never fire
on word overlap alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from guardrails.triage import SimilarFlag, has_negation
from rag.core.types import TriageLevel

__all__ = ["EXEMPLARS_FILE", "Encoder", "Exemplars", "RedFlagMatcher", "load_exemplars"]

EXEMPLARS_FILE = Path(__file__).resolve().parent / "data" / "redflag_exemplars.yaml"
_LEVELS: frozenset[str] = frozenset({"emergency", "crisis"})

# Texts in, an array-like of shape (n, dim) out (``Embedder.embed``).
Encoder = Callable[[Sequence[str]], Any]


@dataclass(frozen=True)
class Exemplar:
    rule: str
    level: TriageLevel
    text: str
    negated: bool


@dataclass(frozen=True)
class Exemplars:
    """The curated file, validated."""

    exemplars: tuple[Exemplar, ...]
    benign: tuple[str, ...]
    threshold: float
    margin: float
    probe_margin: float
    probes_positive: tuple[tuple[str, str], ...]  # (text, rule)
    probes_negative: tuple[str, ...]


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{EXEMPLARS_FILE.name}: {where} must be a list of non-empty strings")
    return tuple(value)


def load_exemplars(path: Path = EXEMPLARS_FILE) -> Exemplars:
    """Read and check the exemplar file (a malformed file is a packaging bug: ValueError)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), dict):
        raise ValueError(f"{path.name}: a mapping with 'categories' is expected")
    items: list[Exemplar] = []
    for rule, body in raw["categories"].items():
        level = body.get("level") if isinstance(body, dict) else None
        if level not in _LEVELS:
            raise ValueError(f"{path.name}: category {rule!r} needs level emergency or crisis")
        for text in _strings(body.get("exemplars"), f"{rule}.exemplars"):
            items.append(Exemplar(str(rule), level, text, has_negation(text)))
    probes = raw.get("probes") or {}
    positive = probes.get("positive") or []
    if not all(isinstance(p, dict) and {"text", "category"} <= p.keys() for p in positive):
        raise ValueError(f"{path.name}: probes.positive items need text and category")
    return Exemplars(
        exemplars=tuple(items),
        benign=_strings(raw.get("benign_anchors"), "benign_anchors"),
        threshold=float(raw["threshold"]),
        margin=float(raw["margin"]),
        probe_margin=float(raw.get("probe_margin", 0.1)),
        probes_positive=tuple((str(p["text"]), str(p["category"])) for p in positive),
        probes_negative=_strings(probes.get("negative"), "probes.negative"),
    )


def _unit(encode: Encoder, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    vectors = np.asarray(encode(list(texts)), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ValueError("the encoder must return one vector per text")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


@dataclass(frozen=True)
class Scored:
    """The nearest red-flag exemplar for one sentence (whatever the threshold)."""

    rule: str
    level: TriageLevel
    score: float
    benign: float  # similarity to the nearest benign anchor
    exemplar: str


class RedFlagMatcher:
    """Callable as ``triage(text, similar=matcher)``; see the module docstring."""

    def __init__(
        self,
        encode: Encoder,
        exemplars: Exemplars | None = None,
        *,
        threshold: float | None = None,
        margin: float | None = None,
    ) -> None:
        self._encode = encode
        self._set = exemplars or load_exemplars()
        self.threshold = self._set.threshold if threshold is None else threshold
        self.margin = self._set.margin if margin is None else margin
        self._vectors = _unit(encode, [e.text for e in self._set.exemplars])
        self._benign = _unit(encode, self._set.benign)
        self.enabled = self._encoder_passes_probes()

    def _encoder_passes_probes(self) -> bool:
        """Each positive probe must land on its own category and score above every negative
        probe by ``probe_margin``: proof the encoder reads meaning, not shared words."""
        pos = self._set.probes_positive
        if not pos:
            return False
        scored = self.score([text for text, _ in pos])
        negatives = self.score(list(self._set.probes_negative))
        ceiling = max((s.score for s in negatives), default=0.0)
        return all(
            s.rule == rule and s.score >= ceiling + self._set.probe_margin
            for s, (_, rule) in zip(scored, pos, strict=True)
        )

    def score(self, texts: Sequence[str]) -> list[Scored]:
        """The nearest exemplar of each text (for measurement and the decision below)."""
        if not texts:
            return []
        q = _unit(self._encode, texts)
        sims = q @ self._vectors.T
        benign = (q @ self._benign.T).max(axis=1)
        out: list[Scored] = []
        for row in range(len(texts)):
            j = int(np.argmax(sims[row]))
            ex = self._set.exemplars[j]
            out.append(Scored(ex.rule, ex.level, float(sims[row, j]), float(benign[row]), ex.text))
        return out

    def __call__(self, sentences: Sequence[tuple[str, bool]]) -> SimilarFlag | None:
        """The best red flag among ``(text, negated)`` sentences, or None."""
        if not self.enabled or not sentences:
            return None
        best: SimilarFlag | None = None
        scored = self.score([text for text, _ in sentences])
        for i, (s, (_, negated)) in enumerate(zip(scored, sentences, strict=True)):
            if s.score < self.threshold or s.score - s.benign < self.margin:
                continue
            if negated and (s.level != "crisis" or not has_negation(s.exemplar)):
                continue  # "I don't have chest pain" is not "I have chest pain"
            if best is None or s.score > best.score:
                best = SimilarFlag(i, s.rule, s.level, s.score)
        return best
