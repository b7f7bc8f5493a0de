"""Where a value sits against its reference range, one-sided ranges included.

Labs print two-sided intervals ("15-150") and one-sided limits: "<200" (total
cholesterol), ">60" or ">39" (eGFR, HDL), "≤ 5.6". Ingest keeps the printed text
(``ref_text``) and the bound (``ref_high`` for "<200", ``ref_low`` for ">60"). A strict
limit excludes its bound ("<200": 200 is above); an inclusive one (``≤``, ``≥``, or a
FHIR ``high`` without text) includes it.

:func:`position` says "below", "within" or "above"; :func:`range_words` how the range
reads in an answer ("15–150 ng/mL", "under 200 mg/dL", "60 or more"), with the bound as
:func:`~rag.core.types.human_number` writes it, which is how the quote prints it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.core.types import human_number

Position = Literal["below", "within", "above"]
_LIMIT = re.compile(r"^\s*(<=|>=|<|>|≤|≥|=<|=>)\s*\d")


@dataclass(frozen=True)
class Reference:
    low: float | None
    high: float | None
    text: str | None = None

    @property
    def operator(self) -> str | None:
        """The printed comparison of a one-sided limit ("<", "≤", ">", "≥"), if printed."""
        m = _LIMIT.match(self.text or "")
        if not m:
            return None
        return {"<=": "≤", "=<": "≤", ">=": "≥", "=>": "≥"}.get(m.group(1), m.group(1))

    @property
    def one_sided(self) -> bool:
        return (self.low is None) != (self.high is None)

    @property
    def known(self) -> bool:
        return self.low is not None or self.high is not None


def position(value: float, ref: Reference) -> Position | None:
    """Where ``value`` sits against ``ref``; None without a numeric range."""
    op = ref.operator
    if ref.high is not None and (value > ref.high or (op == "<" and value >= ref.high)):
        return "above"
    if ref.low is not None and (value < ref.low or (op == ">" and value <= ref.low)):
        return "below"
    return "within" if ref.known else None


_WORDS = {
    "en": {"<": "under {x}", "≤": "{x} or less", ">": "over {x}", "≥": "{x} or more"},
    "fr": {"<": "moins de {x}", "≤": "{x} ou moins", ">": "plus de {x}", "≥": "{x} ou plus"},
}


def range_words(ref: Reference, unit: str, language: str) -> str:
    """The range as an answer says it: "15–150 ng/mL", "under 200 mg/dL", "60 or more"."""
    suffix = f" {unit}" if unit else ""
    if ref.low is not None and ref.high is not None:
        return f"{human_number(ref.low)}–{human_number(ref.high)}{suffix}"
    words = _WORDS.get(language, _WORDS["en"])
    op = ref.operator
    if ref.high is not None:
        key = op if op in {"<", "≤"} else "≤"
        return words[key].format(x=human_number(ref.high) + suffix)
    if ref.low is not None:
        key = op if op in {">", "≥"} else "≥"
        return words[key].format(x=human_number(ref.low) + suffix)
    return ""


__all__ = ["Position", "Reference", "position", "range_words"]
