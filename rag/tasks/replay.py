"""Replaying claim lines through a plan, by the rules of ``shared/contract.md``
("Insurance"), so that any two implementations agree:

1. Lines are taken in date order (ties: by EOB id, then item sequence).
2. A vaccine line (a CVX ``productOrService``) costs 0 when the plan is ``preventive_free``.
3. Otherwise the line's category decides (:meth:`rag.tasks.plans.Plan.share`):
   - the default: the deductible still open applies first, up to the allowed amount, and
     coinsurance applies to the rest of the line;
   - a copay for the category is paid instead of coinsurance and is not subject to the
     deductible (the deductible stays open). A copay is never more than the line's
     allowed amount: nobody is charged more than the allowed amount for a line;
   - the other QHP forms (copay after or with the deductible, coinsurance without it,
     no charge, not covered) are in :mod:`rag.tasks.plans`.
4. The member's running total never exceeds ``oop_max``; once reached, lines cost 0 (the
   deductible still counts down, so "deductible met" is the date it truly was).
   ``Not Covered`` amounts are paid whole and stay outside the maximum.
5. ``premiums`` is 12 × ``premium_monthly`` for a window of one year (``to`` is the day
   before the same date a year after ``from``), else pro rata by days:
   12 × ``premium_monthly`` × days / 365. ``total`` = ``premiums`` + ``out_of_pocket``.

Amounts are summed unrounded and rounded to the cent when written out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rag.tasks.claim_categories import CATEGORIES
from rag.tasks.claims import ClaimLine
from rag.tasks.plans import Plan

EPS = 1e-9
DAYS_PER_YEAR = 365


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Window:
    """Days ``start``..``end``, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def year(cls, year: int) -> Window:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def ending(cls, last: dt.date) -> Window:
        """The 12 months that end on ``last``."""
        return cls(add_years(last, -1) + dt.timedelta(days=1), last)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def one_year(self) -> bool:
        return add_years(self.start, 1) - dt.timedelta(days=1) == self.end

    def contains(self, day: str) -> bool:
        return self.start.isoformat() <= day[:10] <= self.end.isoformat()

    def as_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def default_window(lines: list[ClaimLine]) -> Window:
    """The 12 months that end at the latest claim line."""
    return Window.ending(dt.date.fromisoformat(max(ln.date for ln in lines)))


def premiums(plan: Plan, window: Window) -> float:
    yearly = 12 * plan.premium_monthly
    return yearly if window.one_year else yearly * window.days / DAYS_PER_YEAR


@dataclass(frozen=True)
class Step:
    """What one line cost the member under one plan, and why."""

    line: ClaimLine
    deductible: float
    coinsurance: float
    copay: float
    not_covered: float
    paid: float  # after the out-of-pocket maximum
    rule: str

    def as_json(self) -> dict[str, Any]:
        return {"date": self.line.date, "resource_id": self.line.resource_id,
                "service": self.line.service, "category": self.line.category,
                "allowed": _cents(self.line.allowed or 0.0),
                "deductible": _cents(self.deductible), "coinsurance": _cents(self.coinsurance),
                "copay": _cents(self.copay), "not_covered": _cents(self.not_covered),
                "you_pay": _cents(self.paid), "rule": self.rule}


def _cents(value: float) -> float:
    return round(value + 0.0, 2) + 0.0  # + 0.0: never "-0.0"


@dataclass
class PlanResult:
    plan: Plan
    window: Window
    premiums: float
    steps: list[Step] = field(default_factory=list)
    deductible_met_on: str | None = None
    oop_max_met_on: str | None = None

    @property
    def out_of_pocket(self) -> float:
        return sum(s.paid for s in self.steps)

    @property
    def total(self) -> float:
        return self.premiums + self.out_of_pocket

    def by_category(self) -> dict[str, dict[str, float | int]]:
        out: dict[str, dict[str, float | int]] = {}
        for cat in CATEGORIES:
            steps = [s for s in self.steps if s.line.category == cat]
            if steps:
                out[cat] = {"lines": len(steps),
                            "allowed": _cents(sum(s.line.allowed or 0.0 for s in steps)),
                            "out_of_pocket": _cents(sum(s.paid for s in steps))}
        return out

    def as_json(self, *, lines: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.plan.id, "name": self.plan.name, "premiums": _cents(self.premiums),
            "out_of_pocket": _cents(self.out_of_pocket), "total": _cents(self.total),
            "by_category": self.by_category(),
            "deductible_met_on": self.deductible_met_on,
            "deductible_met_month": (self.deductible_met_on or "")[:7] or None,
            "oop_max_met_on": self.oop_max_met_on,
            "oop_max_met_month": (self.oop_max_met_on or "")[:7] or None,
            "arithmetic": (f"{_cents(self.premiums):.2f} premiums + "
                           f"{_cents(self.out_of_pocket):.2f} out of pocket = "
                           f"{_cents(self.total):.2f}"),
        }
        if lines:
            out["lines"] = [s.as_json() for s in self.steps]
        return out


def _cost(plan: Plan, line: ClaimLine, open_deductible: float
          ) -> tuple[float, float, float, float, str]:
    """(deductible, coinsurance, copay, not covered, rule) before the maximum."""
    allowed = line.allowed or 0.0
    if line.vaccine and plan.preventive_free:
        return 0.0, 0.0, 0.0, 0.0, "vaccine: preventive care is free"
    share = plan.share(line.category)
    if share.kind == "not_covered":
        return 0.0, 0.0, 0.0, allowed, "not covered"
    if share.deductible == "with":  # the copay first, the deductible on the rest
        copay = min(share.amount, allowed) if share.kind == "copay" else 0.0
        ded = min(open_deductible, allowed - copay)
        return ded, 0.0, copay, 0.0, f"{share.text} (copay, then deductible)"
    ded = min(open_deductible, allowed) if share.deductible == "after" else 0.0
    rest = allowed - ded
    if share.kind == "free":
        return ded, 0.0, 0.0, 0.0, share.text or "no charge"
    if share.kind == "copay":
        return ded, 0.0, min(share.amount, rest), 0.0, share.text or "copay"
    return ded, share.amount * rest, 0.0, 0.0, share.text or "coinsurance"


def replay(plan: Plan, lines: list[ClaimLine], window: Window) -> PlanResult:
    """Replay the counted lines inside ``window`` through ``plan``."""
    result = PlanResult(plan, window, premiums(plan, window))
    open_deductible = plan.deductible
    running = 0.0
    if plan.deductible <= 0:
        result.deductible_met_on = window.start.isoformat()
    if plan.oop_max <= 0:
        result.oop_max_met_on = window.start.isoformat()
    ordered = sorted((ln for ln in lines if ln.counted and window.contains(ln.date)),
                     key=lambda ln: (ln.date, ln.resource_id, ln.sequence))
    for line in ordered:
        ded, coins, copay, excluded, rule = _cost(plan, line, open_deductible)
        open_deductible -= ded
        if result.deductible_met_on is None and open_deductible <= EPS:
            result.deductible_met_on = line.date
        room = max(plan.oop_max - running, 0.0)
        capped = min(ded + coins + copay, room)
        if capped < ded + coins + copay - EPS:
            rule += "; out-of-pocket maximum reached"
        running += capped
        if result.oop_max_met_on is None and running >= plan.oop_max - EPS:
            result.oop_max_met_on = line.date
        result.steps.append(Step(line, ded, coins, copay, excluded, capped + excluded, rule))
    return result
