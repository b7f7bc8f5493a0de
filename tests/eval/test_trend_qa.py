"""The trend-answer suite runs in CI on a few Fitbit people and the generated Apple Health
export; its expectations are computed from the raw data, not from the parser."""

from __future__ import annotations

import datetime as dt

import pytest

from eval import trend_qa


def test_direction_rule_matches_hand_cases() -> None:
    days = [dt.date(2024, 1, d) for d in range(1, 11)]
    assert trend_qa.direction(days, [80 - 0.3 * i for i in range(10)]) == "down"
    assert trend_qa.direction(days, [80 + 0.3 * i for i in range(10)]) == "up"
    assert trend_qa.direction(days, [80 + 0.01 * i for i in range(10)]) == "stable"


def test_number_matching_is_strict_about_precision() -> None:
    assert trend_qa._shows("averaged 7.77 h a night", 7.775)
    assert trend_qa._shows("averaged 7.78 h a night", 7.775)
    assert not trend_qa._shows("averaged 7 h on 2 nights", 7.2)
    assert not trend_qa._shows("averaged 7.9 h", 7.2)


def test_trend_answers_are_right_on_a_sample() -> None:
    outcomes = trend_qa.run(fake=True, max_people=3)
    datasets = {o.case.dataset for o in outcomes}
    assert "apple" in datasets
    if trend_qa.FITBIT.exists():
        assert "fitbit" in datasets
    wrong = [(o.case.question, o.why, o.answer[:160]) for o in outcomes if not o.ok]
    accuracy = 1 - len(wrong) / len(outcomes)
    assert accuracy >= 0.95, wrong
    if not outcomes:
        pytest.fail("no questions were asked")
