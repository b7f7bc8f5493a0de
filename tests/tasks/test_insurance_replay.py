"""The replay, table-driven: each case's cost worked out by hand from the contract's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rag.tasks.claims import ClaimLine
from rag.tasks.insurance import percentile, profile_lines, scenarios
from rag.tasks.plans import CostShare, Plan, parse_plans
from rag.tasks.replay import Window, default_window, premiums, replay

YEAR = Window.year(2019)


def line(date: str, allowed: float, category: str = "other", vaccine: bool = False,
         rid: str = "eob") -> ClaimLine:
    return ClaimLine(date=date, resource_type="ExplanationOfBenefit", resource_id=rid,
                     chunk_id="c", sequence=1, service="s", code_system=None, code=None,
                     category=category, vaccine=vaccine, allowed=allowed)


def plan(**kw: Any) -> Plan:
    base = {"id": "p", "name": "P", "premium_monthly": 0, "deductible": 0, "coinsurance": 0,
            "oop_max": 100000, "preventive_free": False}
    return parse_plans({"plans": [{**base, **kw}]})[0]


CASES: list[tuple[str, dict[str, Any], list[ClaimLine], list[float], str | None, str | None]] = [
    # name, plan, lines, member pays per line, deductible met on, oop max met on
    ("deductible crossing inside a line", {"deductible": 500, "coinsurance": 0.2},
     [line("2019-01-10", 300), line("2019-02-10", 400)],
     [300, 200 + 0.2 * 200], "2019-02-10", None),
    ("coinsurance with no deductible left", {"deductible": 100, "coinsurance": 0.25},
     [line("2019-01-10", 100), line("2019-03-01", 1000)], [100, 250], "2019-01-10", None),
    ("copay instead of coinsurance, deductible untouched",
     {"deductible": 1000, "coinsurance": 0.3, "copays": {"office_visit": 25}},
     [line("2019-01-10", 200, "office_visit"), line("2019-02-10", 200)], [25, 200], None,
     None),
    ("copay never above the allowed amount", {"copays": {"office_visit": 25}},
     [line("2019-01-10", 20, "office_visit")], [20], "2019-01-01", None),
    ("oop max reached mid-year", {"deductible": 1000, "coinsurance": 0.5, "oop_max": 2000},
     [line("2019-02-01", 1500), line("2019-05-01", 2000), line("2019-08-01", 300)],
     [1000 + 250, 750, 0], "2019-02-01", "2019-05-01"),
    ("copays count toward the oop max", {"oop_max": 50, "copays": {"emergency": 400}},
     [line("2019-02-01", 1000, "emergency"), line("2019-03-01", 10, "emergency")], [50, 0],
     "2019-01-01", "2019-02-01"),
    ("vaccine free when preventive_free", {"deductible": 500, "preventive_free": True},
     [line("2019-01-10", 140, "preventive", vaccine=True), line("2019-02-10", 100)],
     [0, 100], None, None),
    ("vaccine charged without preventive_free", {"deductible": 500},
     [line("2019-01-10", 140, "preventive", vaccine=True)], [140], None, None),
    ("preventive but not a vaccine: charged", {"deductible": 500, "preventive_free": True},
     [line("2019-01-10", 200, "preventive")], [200], None, None),
    ("lines replayed in date order", {"deductible": 500, "coinsurance": 0.1},
     [line("2019-06-01", 1000), line("2019-01-01", 300)], [300, 200 + 0.1 * 800],
     "2019-06-01", None),
    ("lines outside the window are not counted", {"deductible": 500},
     [line("2018-12-31", 300), line("2020-01-01", 300), line("2019-12-31", 300)], [300],
     None, None),
]


@pytest.mark.parametrize(("name", "spec", "lines", "paid", "ded_on", "oop_on"), CASES,
                         ids=[c[0] for c in CASES])
def test_replay_by_hand(name: str, spec: dict[str, Any], lines: list[ClaimLine],
                        paid: list[float], ded_on: str | None, oop_on: str | None) -> None:
    result = replay(plan(**spec), lines, YEAR)
    assert [round(s.paid, 6) for s in result.steps] == pytest.approx(paid)
    assert result.out_of_pocket == pytest.approx(sum(paid))
    assert (result.deductible_met_on, result.oop_max_met_on) == (ded_on, oop_on)


SHARE_CASES = [
    # cost sharing, deductible, lines (allowed), member pays per line
    (CostShare("copay", 30, "after"), 100, [80, 150], [80, 20 + 30]),
    (CostShare("copay", 30, "with"), 100, [150, 150], [30 + 100, 30]),
    (CostShare("coinsurance", 0.2, "none"), 100, [150], [30]),
    (CostShare("free", 0, "after"), 100, [150, 50], [100, 0]),
    (CostShare("free", 0, "none"), 100, [150], [0]),
]


@pytest.mark.parametrize(("share", "deductible", "allowed", "paid"), SHARE_CASES)
def test_qhp_cost_sharing_in_the_replay(share: CostShare, deductible: float,
                                        allowed: list[float], paid: list[float]) -> None:
    base = plan(deductible=deductible, coinsurance=0.5)
    p = Plan(**{**base.__dict__, "shares": {"office_visit": share}})
    days = [f"2019-0{i + 1}-01" for i in range(len(allowed))]
    result = replay(p, [line(d, a, "office_visit") for d, a in zip(days, allowed, strict=True)],
                    YEAR)
    assert [s.paid for s in result.steps] == pytest.approx(paid)


def test_not_covered_is_paid_whole_and_outside_the_maximum() -> None:
    base = plan(oop_max=100, deductible=1000)
    p = Plan(**{**base.__dict__, "shares": {"pharmacy": CostShare("not_covered", 0, "none")}})
    result = replay(p, [line("2019-01-01", 300, "pharmacy"), line("2019-02-01", 500)], YEAR)
    assert [s.paid for s in result.steps] == [300, 100]  # the maximum caps only the second


@pytest.mark.parametrize(("window", "want"), [
    (Window.year(2019), 12 * 455),
    (Window.year(2020), 12 * 455),  # a leap year is still one year
    (Window(dt.date(2019, 3, 1), dt.date(2020, 2, 29)), 12 * 455),
    (Window(dt.date(2019, 1, 1), dt.date(2019, 6, 30)), 12 * 455 * 181 / 365),
    (Window(dt.date(2019, 1, 1), dt.date(2020, 12, 31)), 12 * 455 * 731 / 365),
    (Window(dt.date(2019, 5, 5), dt.date(2019, 5, 5)), 12 * 455 / 365),
])
def test_premiums_one_year_or_pro_rata(window: Window, want: float) -> None:
    assert premiums(plan(premium_monthly=455), window) == pytest.approx(want)


def test_total_is_premiums_plus_out_of_pocket() -> None:
    result = replay(plan(premium_monthly=100, deductible=50), [line("2019-04-01", 80)], YEAR)
    out = result.as_json()
    assert (out["premiums"], out["out_of_pocket"], out["total"]) == (1200.0, 50.0, 1250.0)
    assert out["deductible_met_on"] == "2019-04-01" and out["deductible_met_month"] == "2019-04"
    assert out["by_category"] == {"other": {"lines": 1, "allowed": 80.0, "out_of_pocket": 50.0}}
    assert out["lines"][0]["you_pay"] == 50.0 and out["lines"][0]["deductible"] == 50.0


@pytest.mark.parametrize(("latest", "start"), [
    ("2019-10-01", "2018-10-02"), ("2020-02-29", "2019-03-01"), ("2021-03-01", "2020-03-02"),
    ("2019-12-31", "2019-01-01")])
def test_default_window_is_the_12_months_ending_at_the_latest_claim(latest: str, start: str
                                                                     ) -> None:
    window = default_window([line("2015-01-01", 1), line(latest, 1)])
    assert window.as_json() == {"from": start, "to": latest} and window.one_year


def test_percentile_and_the_scenario_years() -> None:
    assert percentile([100, 200, 300, 400], 0.25) == 175
    assert percentile([100, 200, 300, 400], 0.75) == 325
    assert percentile([42], 0.25) == 42
    from rag.tasks.claims import ClaimBook

    book = ClaimBook(lines=[line(f"{y}-06-01", a) for y, a in
                            ((2015, 100), (2016, 220), (2017, 300), (2018, 900))])
    out = scenarios(book, [plan()], Window.year(2018))
    assert [(s["name"], s.get("year"), s["allowed"]) for s in out] == [
        ("actual", None, 900.0), ("quieter", 2016, 220.0), ("busier", 2017, 300.0)]
    assert out[1]["target_allowed"] == 190.0 and out[2]["target_allowed"] == 450.0


def test_usage_profiles_are_one_year_of_synthetic_lines() -> None:
    for name in ("low", "medium", "high"):
        lines = profile_lines(name)
        assert lines and all(ln.date.startswith("2001-") and ln.counted for ln in lines)
    assert sum(ln.allowed or 0 for ln in profile_lines("low")) < sum(
        ln.allowed or 0 for ln in profile_lines("high"))
