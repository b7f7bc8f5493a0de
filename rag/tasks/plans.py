"""Insurance plans: the contract's JSON plan file and the QHP cost-sharing strings,
validated with errors that name the plan and the field (CSV files: :mod:`rag.tasks.plan_files`).

A plan is the contract's fields (``premium_monthly``, ``deductible``, ``coinsurance``,
``oop_max``, ``preventive_free``, optional ``copays`` per category) plus, for CSV plans,
a :class:`CostShare` per category read from the QHP cost-sharing strings:

===================================  =============================================
``$30``, ``$30 Copay``,              copay, not subject to the deductible
``$30 Copay before deductible``
``$30 Copay after deductible``       the deductible first, then the copay
``$30 Copay with deductible``        the copay, and the deductible on the rest
``20%``, ``20% Coinsurance``         coinsurance, not subject to the deductible
``20% Coinsurance after deductible`` the deductible first, then coinsurance (the default)
``No Charge``, ``$0``, ``0%``        nothing to pay
``No Charge after deductible``       the deductible, then nothing
``Not Covered``                      the whole allowed amount, outside the deductible
                                     and the out-of-pocket maximum
``Not Applicable``                   no rule here: the plan's default applies
===================================  =============================================

``per day``/``per stay``/``per visit``/``per prescription`` suffixes are read as per line.
A plan file's ``copays`` are copays not subject to the deductible, as the contract says.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from rag.core.errors import InvalidPlan
from rag.tasks.claim_categories import CATEGORIES

ShareKind = Literal["copay", "coinsurance", "free", "not_covered"]
DeductibleRule = Literal["none", "after", "with"]
REQUIRED = ("id", "name", "premium_monthly", "deductible", "coinsurance", "oop_max",
            "preventive_free")
MAX_PLANS = 50
MAX_AMOUNT = 100_000_000.0  # dollars; anything above is a typo, and keeps sums finite


@dataclass(frozen=True)
class CostShare:
    """What the member pays for a line of one category."""

    kind: ShareKind
    amount: float = 0.0  # dollars for a copay, a rate in 0..1 for coinsurance
    deductible: DeductibleRule = "after"
    text: str = ""  # as written in the source

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "amount": self.amount, "deductible": self.deductible,
                "text": self.text}


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    premium_monthly: float
    deductible: float
    coinsurance: float
    oop_max: float
    preventive_free: bool
    copays: dict[str, float] = field(default_factory=dict)
    shares: dict[str, CostShare] = field(default_factory=dict)  # per category
    source: str = ""

    def share(self, category: str) -> CostShare:
        """The category's cost sharing: its copay or QHP rule, else the plan's coinsurance
        after the deductible."""
        return self.shares.get(category) or CostShare(
            "coinsurance", self.coinsurance, "after", f"{self.coinsurance:.0%} after deductible")

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "premium_monthly": self.premium_monthly,
                "deductible": self.deductible, "coinsurance": self.coinsurance,
                "oop_max": self.oop_max, "preventive_free": self.preventive_free,
                "copays": dict(self.copays),
                "cost_sharing": {c: s.as_json() for c, s in self.shares.items()}}


def plan_error(where: str, message: str) -> InvalidPlan:
    return InvalidPlan(f"{where}: {message}")


def _amount(value: Any, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise plan_error(where, f"'{name}' must be a number, got {json.dumps(value)[:40]}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or number > MAX_AMOUNT:
        raise plan_error(where, f"'{name}' is too large ({str(value)[:20]})")
    if number < 0:
        raise plan_error(where, f"'{name}' is negative ({number:g})")
    return number


def check_rate(value: float, where: str, name: str) -> float:
    if not 0 <= value <= 1:
        raise plan_error(where, f"'{name}' must be between 0 and 1, got {value:g}")
    return value


# ---------------------------------------------------------------- the JSON plan file


def parse_plans(data: Any, source: str | None = None) -> list[Plan]:
    """Plans from the contract's JSON object ``{"plans": [...]}``; errors start with
    ``source`` (a file name) when given."""
    head = f"{source}: " if source else ""
    if not isinstance(data, dict) or "plans" not in data:
        raise plan_error(source or "plans", "missing field 'plans' (a list of plans)")
    entries = data["plans"]
    if not isinstance(entries, list) or not entries:
        raise plan_error(source or "plans", "'plans' must be a non-empty list")
    if len(entries) > MAX_PLANS:
        raise plan_error(source or "plans", f"at most {MAX_PLANS} plans, got {len(entries)}")
    plans = [_plan(entry, f"{head}plans[{i}]") for i, entry in enumerate(entries)]
    check_unique_ids(plans)
    return plans


def _plan(entry: Any, where: str) -> Plan:
    if not isinstance(entry, dict):
        raise plan_error(where, "a plan must be an object")
    if isinstance(entry.get("id"), str) and entry["id"]:
        where = f"{where} (id {entry['id'][:40]!r})"
    for name in REQUIRED:
        if name not in entry or entry[name] is None:
            raise plan_error(where, f"missing field '{name}'")
    for name, limit in (("id", 64), ("name", 200)):
        if not isinstance(entry[name], str) or not entry[name].strip() or len(entry[name]) > limit:
            raise plan_error(where, f"'{name}' must be a non-empty string of at most {limit} "
                               "characters")
    if not isinstance(entry["preventive_free"], bool):
        raise plan_error(where, "'preventive_free' must be true or false")
    amounts = {n: _amount(entry[n], where, n)
               for n in ("premium_monthly", "deductible", "coinsurance", "oop_max")}
    check_rate(amounts["coinsurance"], where, "coinsurance")
    copays: dict[str, float] = {}
    raw = entry.get("copays")
    if raw is not None:
        if not isinstance(raw, dict):
            raise plan_error(where, "'copays' must be an object of category: amount")
        for category, value in raw.items():
            if category not in CATEGORIES:
                raise plan_error(where, f"'copays.{str(category)[:40]}' is not a category "
                                   f"({', '.join(CATEGORIES)})")
            copays[category] = _amount(value, where, f"copays.{category}")
    shares = {c: CostShare("copay", v, "none", f"${v:g} copay") for c, v in copays.items()}
    return Plan(entry["id"].strip(), entry["name"].strip(), amounts["premium_monthly"],
                amounts["deductible"], amounts["coinsurance"], amounts["oop_max"],
                entry["preventive_free"], copays, shares, where)


def check_unique_ids(plans: list[Plan]) -> None:
    seen: set[str] = set()
    for plan in plans:
        if plan.id in seen:
            raise plan_error(plan.source, f"duplicate plan id {plan.id!r}")
        seen.add(plan.id)


# ---------------------------------------------------------------- QHP strings

_SHARE = re.compile(r"^(?:(?P<money>\$\s*[\d,]+(?:\.\d+)?)|(?P<pct>\d+(?:\.\d+)?)\s*%)"
                    r"\s*(?P<word>copay(?:ment)?|coinsurance)?(?P<rest>.*)$")
_QUALIFIER = re.compile(r"\b(before|after|with) deductible\b")
_PER = re.compile(r"\bper (?:day|stay|visit|admission|script|prescription|service|procedure)\b")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def parse_cost_share(text: str, where: str = "cost sharing") -> CostShare | None:
    """One QHP cost-sharing string (table in the module docstring); None for
    ``Not Applicable`` or an empty cell."""
    t = normalise(text)
    if t in {"", "not applicable", "n/a", "na"}:
        return None
    if t == "not covered":
        return CostShare("not_covered", 0.0, "none", text.strip())
    qualifiers = _QUALIFIER.findall(t)
    qualifier = qualifiers[0] if qualifiers else "before"
    rule: DeductibleRule = "after" if qualifier == "after" else "with" if qualifier == "with" \
        else "none"
    rest = _PER.sub(" ", _QUALIFIER.sub(" ", t)).strip()
    if len(qualifiers) > 1:
        raise plan_error(where, f"cannot read cost sharing {text.strip()[:60]!r}")
    if rest == "no charge":
        return CostShare("free", 0.0, "none" if rule == "none" else "after", text.strip())
    m = _SHARE.match(rest)
    if not m or m["rest"].strip():
        raise plan_error(where, f"cannot read cost sharing {text.strip()[:60]!r} (expected forms "
                           "like '$30 Copay after deductible', '20% Coinsurance after "
                           "deductible', 'No Charge', 'Not Applicable')")
    word = m["word"] or ""
    if m["money"] is not None:
        if word == "coinsurance":
            raise plan_error(where, f"a dollar amount is a copay, not a coinsurance: {text[:60]!r}")
        value = parse_money(m["money"], where, "copay")
        kind: ShareKind = "copay"
    else:
        if word.startswith("copay"):
            raise plan_error(where, f"a percentage is a coinsurance, not a copay: {text[:60]!r}")
        value = check_rate(float(m["pct"]) / 100, where, "coinsurance")
        kind = "coinsurance"
    if value == 0:
        return CostShare("free", 0.0, "none" if rule == "none" else "after", text.strip())
    return CostShare(kind, value, rule, text.strip())


def parse_money(text: str, where: str, name: str) -> float:
    """``$3,000``, ``3000.50``, ``$3,000 per person | $6,000 per group`` (the first)."""
    t = normalise(text)
    m = re.match(r"^(-)?\s*\$?\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?P<rest>.*)$", t)
    if not m or (m["rest"].strip() and not m["rest"].strip().startswith(("per ", "|"))):
        raise plan_error(where, f"'{name}' is not an amount: {text.strip()[:40]!r}")
    if m[1] or m[2]:
        raise plan_error(where, f"'{name}' is negative ({text.strip()[:20]})")
    return _amount(float(m[3].replace(",", "") + (m[4] or "")), where, name)
