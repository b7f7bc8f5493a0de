"""The unit a trend or value answer is said in: the one asked for, when it converts.

"How many minutes of sleep did I get last week?" asks for minutes while sleep is stored
in hours (``ingest/wellness.py``). :func:`asked_unit` reads the unit from the question
(``cues.unit`` plus "<unit> of <thing>" phrasings such as "minutes of sleep", "pounds of
weight"); :class:`UnitView` converts the recorded values with
:func:`rag.answering.units.convert`. Converted numbers are statistics the composer's code
derives from the cited facts, so a writer declares them on its draft
(:meth:`rag.answering.compose.Draft.declare`); without a known factor the view is the
identity and the answer keeps the recorded unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answering import cues
from rag.answering.units import canonical_unit, convert
from rag.core.text import fold_words
from rag.core.types import human_number

# "minutes of sleep", "hours of sleep", "pounds of weight", "minutes de sommeil"
_OF = re.compile(
    r"\b(minutes?|mins?|hours?|hrs?|heures?|pounds?|lbs?|kilos?|kilograms?|kgs?|livres?)"
    r"\s+(?:of|de|d')\s*\w+")


def asked_unit(question: str) -> str | None:
    """The unit the question asks its answer in ("minutes", "lbs", "mmol/L"), or None."""
    named = cues.unit(question)
    if named is not None:
        return named
    m = _OF.search(fold_words(question))
    return m.group(1) if m else None


@dataclass(frozen=True)
class UnitView:
    """Recorded values (``recorded`` unit) as said in the asked unit, when a factor is
    known; ``active`` is False when the answer keeps the recorded unit."""

    recorded: str | None
    target: str | None = None  # canonical key of the asked unit ("min", "lb") when it converts
    concept_key: str = ""

    @classmethod
    def of(cls, asked: str | None, recorded: str | None, concept_key: str = "") -> UnitView:
        if asked is None or recorded is None:
            return cls(recorded)
        target, source = canonical_unit(asked), canonical_unit(recorded)
        if target is None or target == source or convert(1.0, recorded, asked,
                                                         concept_key) is None:
            return cls(recorded)
        return cls(recorded, target, concept_key)

    @property
    def active(self) -> bool:
        return self.target is not None

    def value(self, x: float) -> float:
        """``x`` (recorded unit) in the asked unit."""
        if self.target is None:
            return x
        out = convert(x, self.recorded, self.target, self.concept_key)
        return x if out is None else out

    def difference(self, dx: float) -> float:
        """A change (a slope, a difference) in the asked unit: affine units (°C, °F)
        convert differences without their offset."""
        return self.value(dx) - self.value(0.0)

    def number(self, x: float) -> str:
        return human_number(self.value(x))

    def unit_text(self, recorded_text: str) -> str:
        return self.target if self.target is not None else recorded_text


__all__ = ["UnitView", "asked_unit"]
