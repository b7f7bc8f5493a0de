"""The unit the person asked for: kg and lb, hours and minutes, mmol/L and mg/dL.

Stored values keep the unit of their source (ingest converts wellness data to one
canonical unit per metric, ``ingest/wellness.py``). An answer is given in the unit the
question asks for when a factor is known here, and the recorded value is said next to it,
so the cited quote still grounds the answer. Molar conversions depend on the analyte,
so they are keyed by vocabulary key (glucose uses ingest's own 18.0156). Without a known
factor, :func:`convert` returns None and the answer keeps the recorded unit.
"""

from __future__ import annotations

from collections.abc import Callable

from rag.core.text import fold

# Spellings people and records use -> one unit key.
ALIASES: dict[str, str] = {
    **dict.fromkeys(["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme",
                     "kilogrammes"], "kg"),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds", "[lb_av]", "livre", "livres"], "lb"),
    **dict.fromkeys(["g", "gram", "grams", "gramme", "grammes"], "g"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours", "heure", "heures"], "h"),
    **dict.fromkeys(["min", "mins", "minute", "minutes"], "min"),
    **dict.fromkeys(["cm", "centimeter", "centimeters", "centimetre", "centimetres"], "cm"),
    **dict.fromkeys(["in", "inch", "inches", "[in_i]", "pouce", "pouces"], "in"),
    **dict.fromkeys(["mg/dl", "milligrams per deciliter"], "mg/dL"),
    **dict.fromkeys(["mmol/l", "millimoles per liter", "millimoles par litre"], "mmol/L"),
    **dict.fromkeys(["cel", "°c", "degc", "celsius", "c"], "°C"),
    **dict.fromkeys(["[degf]", "°f", "degf", "fahrenheit", "f"], "°F"),
}

_LINEAR: dict[tuple[str, str], float] = {
    ("kg", "lb"): 1 / 0.45359237,
    ("lb", "kg"): 0.45359237,
    ("g", "kg"): 0.001,
    ("kg", "g"): 1000.0,
    ("g", "lb"): 0.001 / 0.45359237,
    ("h", "min"): 60.0,
    ("min", "h"): 1 / 60,
    ("cm", "in"): 1 / 2.54,
    ("in", "cm"): 2.54,
}
# mg/dL per mmol/L, by analyte (vocabulary key).
_MOLAR: dict[str, float] = {
    "glucose": 18.0156,
    "total_cholesterol": 38.67,
    "ldl": 38.67,
    "hdl": 38.67,
    "triglycerides": 88.57,
}
_AFFINE: dict[tuple[str, str], Callable[[float], float]] = {
    ("°C", "°F"): lambda c: c * 9 / 5 + 32,
    ("°F", "°C"): lambda f: (f - 32) * 5 / 9,
}


def canonical_unit(unit: str | None) -> str | None:
    """The unit key of a spelling ("lbs" -> "lb", "Minutes" -> "min"), or the spelling."""
    if not unit:
        return None
    folded = fold(unit).strip()
    return ALIASES.get(folded, unit.strip())


def convert(value: float, unit: str | None, to: str | None, concept_key: str = "") -> float | None:
    """``value`` recorded in ``unit`` expressed in ``to``; the value itself when the
    units are the same, None when no factor is known (mmol/L <-> mg/dL only for the
    analytes of :data:`_MOLAR`)."""
    src, dst = canonical_unit(unit), canonical_unit(to)
    if src is None or dst is None:
        return None
    if src == dst:
        return value
    if (src, dst) in _LINEAR:
        return value * _LINEAR[(src, dst)]
    if (src, dst) in _AFFINE:
        return _AFFINE[(src, dst)](value)
    factor = _MOLAR.get(concept_key)
    if factor is not None and (src, dst) == ("mmol/L", "mg/dL"):
        return value * factor
    if factor is not None and (src, dst) == ("mg/dL", "mmol/L"):
        return value / factor
    return None


def wants_other_unit(asked: str | None, recorded: str | None) -> bool:
    """The question asks for a unit other than the recorded one."""
    a, r = canonical_unit(asked), canonical_unit(recorded)
    return a is not None and r is not None and a != r
