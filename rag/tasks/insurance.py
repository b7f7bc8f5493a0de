"""Insurance: what the person's claims cost them, and which plan would have cost less.

Both are computed from the person's own claim lines (:mod:`rag.tasks.claims`) by the rules
of ``shared/contract.md`` ("Insurance"); a comparison replays the lines through each plan
(:mod:`rag.tasks.replay`). Every figure comes with the ExplanationOfBenefit resources whose
lines were counted, as the same citation objects an Answer carries.

- :func:`spending`: billed, allowed, plan paid and member share of one year, per category
  and per provider.
- :func:`compare`: each plan's premiums, out of pocket and total over a window (default:
  the 12 months that end at the latest claim), the cheapest, the per-category breakdown,
  the dates the deductible and the maximum were reached, and three scenarios: the window
  itself, a quieter year and a busier one (the person's calendar years of claims whose
  allowed totals are nearest the 25th and 75th percentiles, linearly interpolated).
- :func:`generic_comparison`: for a person with no claims, the plans over three synthetic
  years of care (``data/usage_profiles.yaml``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import yaml

from indexes.vaults import VaultManager
from rag.access.audit import AuditLog
from rag.answering.citations import CitationBuilder
from rag.core.errors import NoClaims
from rag.core.types import Citation
from rag.tasks.claim_categories import CATEGORIES, DATA
from rag.tasks.claims import ClaimBook, ClaimLine, claim_book
from rag.tasks.plans import Plan
from rag.tasks.replay import PlanResult, Window, add_years, default_window, replay

CAVEATS = (
    "This is arithmetic on your past claims, not advice: your future care will differ.",
    "Plans differ in their networks of doctors and hospitals: a claim here may be out of "
    "network there, at a different price.",
    "Plans differ in their drug formularies: a prescription covered here may cost more, or "
    "not be covered, there.",
    "Allowed amounts are those your plan negotiated; another plan's prices may differ.",
)


class NoClaimsToReplay(NoClaims):
    """No claim lines to sum or replay. ``offer`` is the generic low/medium/high comparison
    of the plans asked about (None where no plans were given)."""

    def __init__(self, message: str, offer: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.offer = offer


def _cents(value: float) -> float:
    return round(value + 0.0, 2) + 0.0


def _sum(lines: list[ClaimLine], value: Callable[[ClaimLine], float | None]) -> float:
    return _cents(sum(v for v in (value(ln) for ln in lines) if v is not None))


def totals(lines: list[ClaimLine]) -> dict[str, Any]:
    """The contract's sums over ``lines``, and the member share by kind."""
    return {
        "billed": _sum(lines, lambda ln: ln.submitted),
        "allowed": _sum(lines, lambda ln: ln.allowed),
        "plan_paid": _sum(lines, lambda ln: ln.plan_paid),
        "you_paid": _sum(lines, lambda ln: ln.member_share),
        "member_share": {"deductible": _sum(lines, lambda ln: ln.deductible),
                         "coinsurance": _sum(lines, lambda ln: ln.coinsurance),
                         "copay": _sum(lines, lambda ln: ln.copay)},
        "claims": len({ln.resource_id for ln in lines}),
        "lines": len(lines),
    }


def cite(book: ClaimBook, lines: list[ClaimLine], cites: CitationBuilder) -> list[Citation]:
    """Cite each EOB whose lines were counted, in date order; returns those citations."""
    markers: list[int] = []
    for chunk_id in dict.fromkeys(ln.chunk_id for ln in lines):
        marker = cites.record(book.records[chunk_id])
        if marker not in markers:
            markers.append(marker)
    return [c for c in cites.citations if c.marker in markers]


def _need_claims(book: ClaimBook, plans: list[Plan] | None = None) -> None:
    if not book.lines:
        raise NoClaimsToReplay(
            "your records hold no adjudicated claim (an ExplanationOfBenefit line with an "
            "allowed amount); upload your insurer's claims, or compare the plans on the "
            "generic low, medium and high use of care",
            generic_comparison(plans) if plans else None)


# ---------------------------------------------------------------- spending


def spending(book: ClaimBook, year: int, cites: CitationBuilder) -> dict[str, Any]:
    """Billed, allowed, plan paid and member share for ``year``, with breakdowns."""
    _need_claims(book)
    lines = [ln for ln in book.lines if ln.date[:4] == f"{year:04d}"]
    citations = cite(book, lines, cites)
    by_provider: dict[str, list[ClaimLine]] = {}
    for ln in lines:
        by_provider.setdefault(ln.provider or "unknown", []).append(ln)
    bills = [ln for ln in book.unadjudicated if ln.date[:4] == f"{year:04d}"]
    return {
        "year": year, "currency": book.currency, **totals(lines),
        "by_category": {c: totals(ls) for c in CATEGORIES
                        if (ls := [ln for ln in lines if ln.category == c])},
        "by_provider": [{"provider": p, **totals(ls)} for p, ls in
                        sorted(by_provider.items(), key=lambda kv: -_sum(kv[1], _allowed))],
        "payers": sorted({ln.payer for ln in lines if ln.payer}),
        "unadjudicated": {"claims": len({ln.resource_id for ln in bills}),
                          "billed": _sum(bills, lambda ln: ln.submitted)},
        "years_with_claims": book.years(),
        "citations": [c.model_dump(mode="json") for c in citations],
    }


def _allowed(ln: ClaimLine) -> float | None:
    return ln.allowed


# ---------------------------------------------------------------- comparison


def resolve_window(book: ClaimBook, start: dt.date | None, end: dt.date | None) -> Window:
    """Both days given, one (a year from ``from``, or to ``to``), or the default."""
    if start and end:
        return Window(start, end)
    if start:
        return Window(start, add_years(start, 1) - dt.timedelta(days=1))
    if end:
        return Window.ending(end)
    return default_window(book.lines)


def _cheapest(results: list[PlanResult]) -> PlanResult:
    return min(results, key=lambda r: round(r.total, 2))  # ties: the first in the file


def percentile(values: list[float], q: float) -> float:
    """The ``q`` (0..1) percentile, linearly interpolated between closest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _scenario(name: str, label: str, plans: list[Plan], lines: list[ClaimLine],
              window: Window, **extra: Any) -> dict[str, Any]:
    results = [replay(p, lines, window) for p in plans]
    inside = [ln for ln in lines if window.contains(ln.date)]
    return {"name": name, "label": label, "window": window.as_json(), **extra,
            "allowed": _sum(inside, _allowed), "claims": len({ln.resource_id for ln in inside}),
            "plans": [{"id": r.plan.id, "premiums": _cents(r.premiums),
                       "out_of_pocket": _cents(r.out_of_pocket), "total": _cents(r.total)}
                      for r in results],
            "cheapest": _cheapest(results).plan.id}


def scenarios(book: ClaimBook, plans: list[Plan], window: Window) -> list[dict[str, Any]]:
    """The window itself, then the quieter and busier calendar years of the person."""
    out = [_scenario("actual", "the period compared", plans, book.lines, window)]
    per_year = {y: sum(ln.allowed or 0.0 for ln in book.lines if ln.date[:4] == f"{y:04d}")
                for y in book.years()}
    for name, q in (("quieter", 0.25), ("busier", 0.75)):
        target = percentile(list(per_year.values()), q)
        year = min(per_year, key=lambda y: (abs(per_year[y] - target), -y))
        out.append(_scenario(name, f"a {name} year ({year})", plans, book.lines,
                             Window.year(year), year=year, percentile=round(q * 100),
                             target_allowed=_cents(target)))
    return out


def compare(book: ClaimBook, plans: list[Plan], cites: CitationBuilder, *,
            start: dt.date | None = None, end: dt.date | None = None,
            lines: bool = True) -> dict[str, Any]:
    """Replay the person's lines through each plan over the window (contract rules)."""
    _need_claims(book, plans)
    window = resolve_window(book, start, end)
    results = [replay(p, book.lines, window) for p in plans]
    best = _cheapest(results)
    others = sorted((r for r in results if r is not best), key=lambda r: r.total)
    inside = [ln for ln in book.lines if window.contains(ln.date)]
    citations = cite(book, inside, cites)
    return {
        "window": window.as_json(), "currency": book.currency,
        "plans": [r.as_json(lines=lines) for r in results],
        "cheapest": best.plan.id,
        "cheapest_name": best.plan.name,
        "difference": _cents(others[0].total - best.total) if others else 0.0,
        "next_cheapest": others[0].plan.id if others else None,
        "claims": len({ln.resource_id for ln in inside}),
        "actual": {k: v for k, v in totals(inside).items() if k != "claims"},
        "scenarios": scenarios(book, plans, window),
        "caveats": list(CAVEATS),
        "citations": [c.model_dump(mode="json") for c in citations],
    }


# ---------------------------------------------------------------- no claims


@lru_cache(maxsize=1)
def usage_profiles() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = yaml.safe_load(
        (DATA / "usage_profiles.yaml").read_text(encoding="utf-8"))
    return data


def profile_lines(name: str, year: int = 2001) -> list[ClaimLine]:
    """A usage profile as claim lines, spread evenly over one notional year."""
    spec = usage_profiles()[name]
    flat = [ln for ln in spec["lines"] for _ in range(int(ln.get("count", 1)))]
    start = dt.date(year, 1, 1)
    return [ClaimLine(
        date=(start + dt.timedelta(days=round(i * 364 / max(len(flat), 1)))).isoformat(),
        resource_type="profile", resource_id=f"{name}-{i + 1}", chunk_id="", sequence=i,
        service=str(ln["service"]), code_system=None, code=None, category=str(ln["category"]),
        vaccine=bool(ln.get("vaccine", False)), allowed=float(ln["allowed"]))
        for i, ln in enumerate(flat)]


def generic_comparison(plans: list[Plan]) -> dict[str, Any]:
    """The plans over the synthetic low, medium and high years of care."""
    window = Window.year(2001)
    profiles = []
    for name, spec in usage_profiles().items():
        profile = _scenario(name, str(spec["label"]), plans, profile_lines(name), window)
        profile.pop("window")
        profile.pop("claims")
        profiles.append(profile)
    return {"profiles": profiles, "caveats": [
        "These are generic years of care, not yours: your records hold no claims.",
        *CAVEATS[1:]]}


# ---------------------------------------------------------------- for the interfaces


class Insurance:
    """The insurance task over people's vaults, for the service facade: each read is in
    the person's audit trail (the EOB citation ids)."""

    def __init__(self, vaults: VaultManager, audit: AuditLog, *, public_url: str = "") -> None:
        self.vaults = vaults
        self.audit = audit
        self.public_url = public_url

    def book(self, user_id: str) -> ClaimBook:
        vault = self.vaults.open(user_id)
        return claim_book(vault.facts) if vault.exists else ClaimBook()

    def _audited(self, user_id: str, result: dict[str, Any], actor: str) -> dict[str, Any]:
        ids = [c["id"] for c in result["citations"]]
        if ids:
            self.audit.record("read", actor=actor, vault=self.vaults.vault_id(user_id),
                              resources=ids, what="insurance")
        return result

    def spending(self, user_id: str, year: int, *, actor: str = "owner") -> dict[str, Any]:
        result = spending(self.book(user_id), year, CitationBuilder(public_url=self.public_url))
        return self._audited(user_id, result, actor)

    def compare(self, user_id: str, plans: list[Plan], start: dt.date | None = None,
                end: dt.date | None = None, *, actor: str = "owner") -> dict[str, Any]:
        result = compare(self.book(user_id), plans, CitationBuilder(public_url=self.public_url),
                         start=start, end=end)
        return self._audited(user_id, result, actor)
