"""Trends from stored facts: statistics against independent computations, time phrases
with a fixed today, de-duplication across sources, blood-pressure pairing, and trend
answers (EN/FR) whose numbers equal what the test computes from the raw data and whose
citations hold the cited days."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from guardrails.verify import verify
from indexes.facts import StoredRecord
from ingest.wellness import DailyValue, daily_records
from rag.answering.compose_llm import LLMComposer
from rag.answering.planner import Planner, TimeWindow, parse_time
from rag.answering.trends import (
    Point,
    compute_stats,
    dedupe,
    least_squares,
    previous_period,
    rolling_mean,
    slope_unit,
    trend,
)
from rag.core.settings import EmbeddingSettings, GenerationSettings, Settings
from rag.core.terms import vocabulary
from rag.core.text import fold
from rag.core.types import Answer, Measurement, ParseResult, Provenance, Record, human_number
from rag.embedder import FakeEmbedder
from rag.ingestion.pipeline import Ingestor
from rag.service import Service

TODAY = dt.date(2024, 5, 24)
START = dt.date(2023, 12, 1)
LDL = [  # (id, day, mg/dL): the first is older than three years before TODAY
    ("ldl0", "2020-11-02", 171.0), ("ldl1", "2021-09-10", 162.0), ("ldl2", "2022-08-01", 148.0),
    ("ldl3", "2023-07-15", 139.0), ("ldl4", "2024-04-02", 121.0),
]


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _raw() -> dict[str, dict[dt.date, float]]:
    """The synthetic wellness data, per metric key and day (what the assertions use)."""
    rng = random.Random(7)
    data: dict[str, dict[dt.date, float]] = {"sleep_total": {}, "steps": {}, "weight": {}}
    for i, day in enumerate(_days(START, TODAY)):
        data["sleep_total"][day] = round(7.6 - 0.006 * i + rng.uniform(-0.7, 0.7), 2)
        data["steps"][day] = float(rng.randint(3000, 13000))
        data["weight"][day] = round(84.0 - 0.04 * i + rng.uniform(-0.3, 0.3), 1)
    return data


def _ingest_wellness(svc: Service, user: str, values: list[DailyValue], origin: str,
                     file_hash: str) -> None:
    records = daily_records(values, source_file=f"{origin}.zip", file_hash=file_hash,
                            origin=origin)
    vault = svc.vaults.open(user)
    with vault.lock:
        report = Ingestor(vault, svc.embedder, svc.settings).ingest_parsed(
            ParseResult(records=records), name=f"{origin}.zip", file_hash=file_hash,
            kind="wellness")
    assert report.status == "ingested"


def _ldl_bundle(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    entries = [{"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
                "resource": {"resourceType": "Patient", "id": "p", "birthDate": "1970-01-01"}}]
    for n, (rid, day, value) in enumerate(rows, start=2):
        entries.append({"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", "resource": {
            "resourceType": "Observation", "id": rid, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                      "observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "18262-6",
                                 "display": "LDL Cholesterol"}], "text": "LDL Cholesterol"},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": f"{day}T09:00:00Z",
            "valueQuantity": {"value": value, "unit": "mg/dL",
                              "system": "http://unitsofmeasure.org", "code": "mg/dL"}}})
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": entries}))
    return path


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("trends")
    settings = Settings(data_dir=root / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    service = Service(settings, embedder=FakeEmbedder())
    raw = _raw()
    values = [DailyValue(metric, day, v, source="Watch")
              for metric, days in raw.items() for day, v in days.items()]
    _ingest_wellness(service, "bob", values, "Apple Health", "a" * 64)
    summary = service.ingest("bob", [_ldl_bundle(root / "ldl.json", LDL)])
    assert summary.files[0].status == "ingested"
    yield service
    service.close()


def _ask(svc: Service, question: str) -> Answer:
    return svc.ask("bob", question, today=TODAY)


def _quote(ans: Answer, marker: str) -> str:
    return next(c.quote for c in ans.citations if c.marker == int(marker))


def _fmt_pct(x: float) -> str:
    text = f"{x:.0f}" if x >= 10 else f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _check_extremes(ans: Answer, unit: str) -> None:
    """The cited record of "Lowest/highest V on D [n]" holds day D with value V."""
    month_names = "|".join(["January", "February", "March", "April", "May", "June", "July",
                            "August", "September", "October", "November", "December"])
    found = re.findall(rf"(?:Lowest|highest) ([\d.]+) {unit} on (\d+) ({month_names}) (\d{{4}}) "
                       r"\[(\d+)\]", ans.answer)
    assert len(found) == 2, ans.answer
    for value, d, month, year, marker in found:
        day = dt.datetime.strptime(f"{d} {month} {year}", "%d %B %Y").date()
        assert f"{day.isoformat()} ({day:%a}): {value} {unit}" in _quote(ans, marker)


# ------------------------------------------------------------------ statistics


def _rec(chunk: str, file_hash: str = "f" * 64, ingested_at: float = 0.0,
         key: str = "k") -> StoredRecord:
    return StoredRecord(key=f"{key}/{chunk}", chunk_id=chunk, title="t", text="x",
                        source_type="wellness", resource_type="DailySummary", resource_id=None,
                        version=None, source_file="f", file_hash=file_hash, page=None,
                        span=None, raw=None, flags=(), ingested_at=ingested_at)


def _pt(day: dt.date, value: float, rec: StoredRecord, category: str = "wellness",
        code: str = "93832-4", unit: str = "h") -> Point:
    return Point(value, unit, None, day.isoformat(), None, None, None, rec, code=code,
                 category=category)


def test_statistics_match_independent_computations() -> None:
    rng = random.Random(3)
    days = _days(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    days = [d for d in days if rng.random() > 0.15]  # gaps, as real data has
    values = [round(7 + 0.01 * i + rng.gauss(0, 0.4), 2) for i in range(len(days))]
    points = [_pt(d, v, _rec(f"w{d.isocalendar().week}")) for d, v in zip(days, values,
                                                                            strict=True)]
    s = compute_stats(points, days[0], days[-1], daily=True)
    assert s is not None
    assert s.n == len(values)
    assert s.mean == pytest.approx(statistics.mean(values))
    assert s.median == pytest.approx(statistics.median(values))
    assert s.total == pytest.approx(sum(values))
    lo, hi = min(values), max(values)
    assert (s.min.value, s.min.date) == (lo, days[values.index(lo)].isoformat())
    assert (s.max.value, s.max.date) == (hi, days[values.index(hi)].isoformat())
    assert (s.first.value, s.last.value) == (values[0], values[-1])
    x = [(d - days[0]).days for d in days]
    slope_per_day = np.polyfit(x, values, 1)[0]
    span = x[-1]
    assert s.slope is not None and s.slope.per == "week"
    assert s.slope.value == pytest.approx(slope_per_day * 7)
    first7 = [v for v, xi in zip(values, x, strict=True) if xi < 7]
    last7 = [v for v, xi in zip(values, x, strict=True) if xi > span - 7]
    want = (statistics.mean(last7) - statistics.mean(first7)) / statistics.mean(first7) * 100
    assert s.change_pct == pytest.approx(want)
    assert s.min.records[0].chunk_id == f"w{days[values.index(lo)].isocalendar().week}"


def test_least_squares_standard_error_by_hand() -> None:
    xs, ys = [0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 2.0, 5.0]
    slope, se = least_squares(xs, ys)
    # by hand: mean x 1.5, mean y 2.75, Sxy 5.5, Sxx 5 -> slope 1.1; residual SS 2.7
    assert slope == pytest.approx(1.1)
    assert se == pytest.approx((2.7 / 2 / 5) ** 0.5)
    with pytest.raises(ValueError):
        least_squares([1.0, 1.0], [2.0, 3.0])


@pytest.mark.parametrize(("span", "unit"), [(1, "week"), (180, "week"), (181, "month"),
                                            (730, "month"), (731, "year"), (3000, "year")])
def test_slope_unit_by_span(span: int, unit: str) -> None:
    assert slope_unit(span) == unit


def test_direction_threshold() -> None:
    base = dt.date(2024, 1, 1)
    rec = _rec("r")

    def stats_of(values: list[float]) -> Any:
        pts = [_pt(base + dt.timedelta(days=i), v, rec) for i, v in enumerate(values)]
        return compute_stats(pts, base, base + dt.timedelta(days=len(values)), daily=True)

    # 80 -> 78.4 over 40 days: fitted change 2 % of the mean, clean line -> down
    assert stats_of([80 - 0.04 * i for i in range(41)]).direction == "down"
    # 1 % over the period: under the 2 % threshold -> stable (small)
    flat = stats_of([80 - 0.02 * i for i in range(41)])
    assert (flat.direction, flat.stable_reason) == ("stable", "small")
    # a 5 % rise hidden in noise larger than itself -> stable (noisy)
    noisy = stats_of([70 + 0.0875 * i + (15 if i % 2 else -15) for i in range(41)])
    assert noisy.direction == "stable" and noisy.stable_reason == "noisy"
    assert stats_of([50 + i for i in range(10)]).direction == "up"


def test_rolling_mean_is_the_trailing_week() -> None:
    base = dt.date(2024, 1, 1)
    days = [base + dt.timedelta(days=i) for i in (0, 1, 2, 3, 4, 6, 7, 20)]
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    got = dict(rolling_mean([_pt(d, v, _rec("r")) for d, v in zip(days, values, strict=True)]))
    assert base + dt.timedelta(days=2) not in got  # three values only
    assert got[base + dt.timedelta(days=3)] == pytest.approx(2.5)
    assert got[base + dt.timedelta(days=7)] == pytest.approx(statistics.mean([2, 3, 4, 5, 6, 7]))
    assert base + dt.timedelta(days=20) not in got


def test_previous_period() -> None:
    d = dt.date
    assert previous_period(d(2024, 4, 1), d(2024, 4, 30), "month") == (d(2024, 3, 1),
                                                                       d(2024, 3, 31))
    assert previous_period(d(2024, 3, 1), d(2024, 3, 31), "month") == (d(2024, 2, 1),
                                                                       d(2024, 2, 29))
    assert previous_period(d(2023, 1, 1), d(2023, 12, 31), "year") == (d(2022, 1, 1),
                                                                       d(2022, 12, 31))
    assert previous_period(d(2024, 3, 1), d(2024, 5, 24), None) == (d(2023, 12, 7),
                                                                    d(2024, 2, 29))


# ------------------------------------------------------------------ time phrases


@pytest.mark.parametrize(("question", "start", "end", "period"), [
    ("how has my sleep changed since March", "2024-03-01", None, None),
    ("my average steps last month", "2024-04-01", "2024-05-01", "month"),
    ("my steps this month", "2024-05-01", "2024-05-25", "month"),
    ("my steps last week", "2024-05-13", "2024-05-20", "week"),
    ("my sleep over the past 30 days", "2024-04-25", "2024-05-25", None),
    ("my sleep in the last 90 days", "2024-02-25", "2024-05-25", None),
    ("my LDL over the last three years", "2021-05-25", "2024-05-25", None),
    ("my weight over the past 2 years", "2022-05-25", "2024-05-25", None),
    ("my weight over the last twelve months", "2023-05-25", "2024-05-25", None),
    ("my weight in 2023", "2023-01-01", "2024-01-01", "year"),
    ("my sleep between January and March", "2024-01-01", "2024-04-01", None),
    ("my sleep between November and February", "2023-11-01", "2024-03-01", None),
    ("my sleep this year", "2024-01-01", "2024-05-25", "year"),
    ("my weight last year", "2023-01-01", "2024-01-01", "year"),
    ("my sleep in June", "2023-06-01", "2023-07-01", "month"),
    ("depuis mars, mon sommeil", "2024-03-01", None, None),
    ("mon poids le mois dernier", "2024-04-01", "2024-05-01", "month"),
    ("mon LDL ces trois dernières années", "2021-05-25", "2024-05-25", None),
    ("mes pas des 30 derniers jours", "2024-04-25", "2024-05-25", None),
    ("mon sommeil cette année", "2024-01-01", "2024-05-25", "year"),
    ("mon poids l'année dernière", "2023-01-01", "2024-01-01", "year"),
    ("mon sommeil entre janvier et mars 2023", "2023-01-01", "2023-04-01", None),
])
def test_time_phrases(question: str, start: str, end: str | None, period: str | None) -> None:
    w = parse_time(fold(question), TODAY)
    assert (w.start, w.end, w.period) == (start, end, period)


@pytest.mark.parametrize(("question", "key"), [
    ("how has my sleep changed since March", "sleep_total"),
    ("my average steps last month", "step_count"),
    ("is my weight going down", "weight"),
    ("my LDL over the last three years", "ldl"),
    ("how many workouts did I do last month", "workouts"),
    ("quelle est ma moyenne de pas le mois dernier", "step_count"),
    ("what is my resting heart rate trend", "resting_heart_rate"),
    ("my body fat since January", "body_fat"),
])
def test_wellness_questions_plan_as_trends(question: str, key: str) -> None:
    plan = Planner(vocabulary()).plan(question, today=TODAY)
    assert plan.intent == "trend"
    assert [t.key for t in plan.terms] == [key]


@pytest.mark.parametrize("question", [
    "do I have sleep apnea?", "I can't sleep, what can help?", "What are the next steps?",
])
def test_sleep_and_steps_words_do_not_hijack_other_questions(question: str) -> None:
    plan = Planner(vocabulary()).plan(question, today=TODAY)
    assert not any(t.kind == "wellness" for t in plan.terms)


def test_last_value_questions_stay_value_questions() -> None:
    planner = Planner(vocabulary())
    assert planner.plan("What was my last A1c?", today=TODAY).intent == "value"
    assert planner.plan("What is my average blood sugar?", today=TODAY).intent == "value"


# ------------------------------------------------------------------ verifier


def test_verifier_accepts_declared_statistics_only_where_their_facts_are_cited() -> None:
    quotes = {1: "2024-03-04 (Mon): 6.5 h; 2024-03-05 (Tue): 7.1 h", 2: "unrelated 3 mg"}
    derived = {"6.8": {1}, "2024-03-01": {1}}
    ok = verify(["Your sleep since 1 March 2024 averaged 6.8 h [1]."], quotes, derived=derived)
    assert ok.ok
    wrong_cite = verify(["Your sleep averaged 6.8 h [2]."], quotes, derived=derived)
    assert wrong_cite.removed and "ungrounded number 6.8" in wrong_cite.removed[0][1]
    undeclared = verify(["Your sleep averaged 6.9 h [1]."], quotes, derived=derived)
    assert undeclared.removed
    no_declaration = verify(["Your sleep averaged 6.8 h [1]."], quotes)
    assert no_declaration.removed
    date = verify(["Since 2 March 2024 you slept 6.5 h [1]."], quotes, derived=derived)
    assert date.removed and "ungrounded date" in date.removed[0][1]


# ------------------------------------------------------------------ answers


def test_sleep_since_march(svc: Service) -> None:
    raw = _raw()["sleep_total"]
    start = dt.date(2024, 3, 1)
    now = [v for d, v in raw.items() if start <= d <= TODAY]
    length = (TODAY - start).days + 1
    prev_start = start - dt.timedelta(days=length)
    before = [v for d, v in raw.items() if prev_start <= d < start]
    ans = _ask(svc, "How has my sleep changed since March?")
    assert ans.intent == "trend" and ans.language == "en"
    mean, prev = statistics.mean(now), statistics.mean(before)
    assert (f"Your sleep from 1 March 2024 to 24 May 2024 averaged {human_number(mean)} h a "
            f"night over {len(now)} nights") in ans.answer
    word = "down" if prev > mean else "up"
    pct = _fmt_pct(abs(mean - prev) / prev * 100)
    assert f"That is {word} {pct}% from {human_number(prev)} h a night over the " \
           f"{len(before)} nights before" in ans.answer
    _check_extremes(ans, "h")
    # the mean cites the weeks holding the first and the last day of the period
    m = re.search(r"over \d+ nights \[(\d+)\]\[(\d+)\]", ans.answer)
    assert m is not None
    assert "2024-03-01 (Fri)" in _quote(ans, m.group(1))
    assert "2024-05-24 (Fri)" in _quote(ans, m.group(2))
    assert len([c for c in ans.citations if c.kind == "record"]) <= 8


def test_average_steps_last_month_cites_the_month_summary(svc: Service) -> None:
    raw = _raw()["steps"]
    april = [v for d, v in raw.items() if d.year == 2024 and d.month == 4]
    march = [v for d, v in raw.items() if d.year == 2024 and d.month == 3]
    ans = _ask(svc, "What were my average steps last month?")
    mean = human_number(statistics.mean(april))
    assert f"Your step count in April 2024 averaged {mean} steps a day over 30 days" \
        in ans.answer
    summary = next(c for c in ans.citations if c.source.resource_type == "MonthlySummary"
                   and c.source.resource_id == "steps/2024-04")
    assert f"daily mean {mean} steps" in summary.quote
    assert human_number(statistics.mean(march)) in ans.answer
    _check_extremes(ans, "steps")


def test_is_my_weight_going_down(svc: Service) -> None:
    raw = _raw()["weight"]
    days = sorted(raw)  # no period asked: all of the person's data (issue 15)
    x = [(d - days[0]).days for d in days]
    slope_week = np.polyfit(x, [raw[d] for d in days], 1)[0] * 7
    assert slope_week < 0
    ans = _ask(svc, "Is my weight going down?")
    assert ans.answer.startswith(
        "Yes: your body weight has been going down from 1 December 2023 to 24 May 2024, by "
        f"about {human_number(abs(slope_week))} kg per week [")
    assert human_number(statistics.mean(raw[d] for d in days)) in ans.answer


def test_ldl_over_the_last_three_years(svc: Service) -> None:
    rows = [(rid, dt.date.fromisoformat(day), v) for rid, day, v in LDL]
    inside = [r for r in rows if r[1] >= dt.date(2021, 5, 25)]
    ans = _ask(svc, "How has my LDL changed over the last three years?")
    assert ans.intent == "trend"
    cited = {c.source.resource_id for c in ans.citations if c.kind == "record"}
    assert cited == {rid for rid, _, _ in inside}
    mean = statistics.mean(v for _, _, v in inside)
    assert f"the average was {human_number(mean)} mg/dL" in ans.answer
    x = [(d - inside[0][1]).days for _, d, _ in inside]
    slope_year = np.polyfit(x, [v for _, _, v in inside], 1)[0] * 365.25
    assert f"goes down by about {human_number(abs(slope_year))} mg/dL per year" in ans.answer
    for rid, day, value in inside:
        quote = next(c.quote for c in ans.citations if c.source.resource_id == rid)
        assert human_number(value) in quote and day.isoformat() in quote


def test_how_many_workouts(svc: Service, tmp_path: Path) -> None:
    rng = random.Random(5)
    done = {d: 1.0 for d in _days(dt.date(2024, 3, 1), dt.date(2024, 4, 30)) if rng.random() < .4}
    _ingest_wellness(svc, "dora", [DailyValue("workouts", d, v) for d, v in done.items()],
                     "Strava", "d" * 64)
    ans = svc.ask("dora", "How many workouts did I do last month?", today=TODAY)
    april = sum(v for d, v in done.items() if d.month == 4)
    march = sum(v for d, v in done.items() if d.month == 3)
    assert f"You recorded {human_number(april)} workouts in April 2024" in ans.answer
    assert f"In the period before (in March 2024) you recorded {human_number(march)} workouts" \
        in ans.answer


def test_french_average_steps(svc: Service) -> None:
    raw = _raw()["steps"]
    april = [v for d, v in raw.items() if d.year == 2024 and d.month == 4]
    ans = _ask(svc, "Quelle est ma moyenne de pas le mois dernier ?")
    assert ans.language == "fr"
    assert (f"Nombre de pas en avril 2024 : en moyenne {human_number(statistics.mean(april))} "
            "pas par jour sur 30 jours") in ans.answer
    assert "Minimum" in ans.answer and "maximum" in ans.answer


def test_trend_answers_stay_extractive_with_the_llm_composer(svc: Service) -> None:
    gen = GenerationSettings(llm_base_url="http://127.0.0.1:9/v1", llm_model="never-called")
    llm = LLMComposer(gen, svc.extractive)
    try:
        ans = svc.answerer.answer("bob", "What were my average steps last month?",
                                  composer=llm, today=TODAY)
    finally:
        llm.close()
    assert (ans.composer, ans.fallback_reason) == ("extractive", "trend_statistics")
    april = [v for d, v in _raw()["steps"].items() if d.year == 2024 and d.month == 4]
    assert human_number(statistics.mean(april)) in ans.answer


# ------------------------------------------------------------------ sources


def test_dedupe_prefers_the_source_with_most_days(svc: Service) -> None:
    apple = {d: float(5000 + 10 * i) for i, d in enumerate(_days(dt.date(2024, 4, 1),
                                                                  dt.date(2024, 4, 30)))
             if not 20 <= d.day <= 22}  # three days missing from this export
    fitbit = {d: float(4000 + 7 * i) for i, d in enumerate(_days(dt.date(2024, 4, 1),
                                                                  dt.date(2024, 4, 25)))}
    _ingest_wellness(svc, "carol", [DailyValue("steps", d, v) for d, v in apple.items()],
                     "Apple Health", "b" * 64)
    _ingest_wellness(svc, "carol", [DailyValue("steps", d, v) for d, v in fitbit.items()],
                     "Fitbit", "c" * 64)
    vault = svc.vaults.open("carol")
    window = TimeWindow(start="2024-04-01", end="2024-05-01", period="month")
    result = trend(vault, vocabulary().terms["step_count"], window, today=TODAY)
    want = {**{d: v for d, v in fitbit.items() if d not in apple}, **apple}
    assert [(p.day, p.value) for p in result.points] == [
        (d.isoformat(), want[d]) for d in sorted(want)]
    assert result.stats is not None and result.stats.n == 30
    assert result.stats.mean == pytest.approx(statistics.mean(want.values()))
    by_day = {p.day: p.record.file_hash for p in result.points}
    assert by_day["2024-04-21"] == "c" * 64 and by_day["2024-04-10"] == "b" * 64
    # the weeks cited for a day are the records holding that day
    for p in result.points:
        assert f"{p.day} (" in p.record.text


def test_same_lab_result_in_ehr_and_pdf_is_one_point_with_both_citations(
    svc: Service, tmp_path: Path
) -> None:
    rows = [("e1", "2023-02-01", 150.0), ("e2", "2023-08-01", 131.0)]
    assert svc.ingest("erin", [_ldl_bundle(tmp_path / "ehr.json", rows)]).files[0].status \
        == "ingested"
    pdf = Record(
        key="document/lab-report/ldl", title="Lab report, 1 August 2023",
        text="Lipid panel collected 2023-08-01. LDL cholesterol 131 mg/dL (ref < 130).",
        provenance=Provenance("lab.pdf", "e" * 64, "document", page=2),
        measurements=(Measurement("http://loinc.org", "18262-6", "LDL cholesterol", 131.0,
                                  "mg/dL", None, "2023-08-01", category="laboratory"),),
    )
    vault = svc.vaults.open("erin")
    with vault.lock:
        Ingestor(vault, svc.embedder, svc.settings).ingest_parsed(
            ParseResult(records=[pdf]), name="lab.pdf", file_hash="e" * 64, kind="document")
    result = trend(vault, vocabulary().terms["ldl"], None, today=TODAY)
    assert [(p.day, p.value) for p in result.points] == [("2023-02-01", 150.0),
                                                         ("2023-08-01", 131.0)]
    both = result.points[1]
    assert {r.source_type for r in both.records} == {"fhir", "document"}
    assert next(r for r in both.records if r.source_type == "document").page == 2
    ans = svc.ask("erin", "How has my LDL changed over time?", today=TODAY)
    kinds = {(c.source.type, c.source.page) for c in ans.citations}
    assert ("document", 2) in kinds and ("fhir", None) in kinds
    assert ans.answer.count("131 mg/dL on 1 August 2023") == 1


def test_blood_pressure_pairs_by_source_and_day_across_weekly_records(svc: Service) -> None:
    days = _days(dt.date(2024, 5, 1), dt.date(2024, 5, 12))
    sys_ = {d: float(120 + i) for i, d in enumerate(days)}
    dia = {d: float(80 - i) for i, d in enumerate(days)}
    values = [DailyValue("systolic_bp", d, v) for d, v in sys_.items()]
    values += [DailyValue("diastolic_bp", d, v) for d, v in dia.items()]
    _ingest_wellness(svc, "fay", values, "Withings", "f" * 64)
    vault = svc.vaults.open("fay")
    result = trend(vault, vocabulary().terms["blood_pressure"], TimeWindow(start="2024-05-01"),
                   today=TODAY)
    assert [(p.day, p.value, p.value2) for p in result.points] == [
        (d.isoformat(), sys_[d], dia[d]) for d in days]
    # the pair cites the week of the systolic value and the week of the diastolic value
    assert all({r.resource_id.split("/")[0] for r in p.records if r.resource_id}
               == {"systolic_bp", "diastolic_bp"} for p in result.points)
    assert result.stats2 is not None
    assert result.stats2.mean == pytest.approx(statistics.mean(dia.values()))
    ans = svc.ask("fay", "How has my blood pressure changed since May?", today=TODAY)
    s, d = human_number(statistics.mean(sys_.values())), human_number(statistics.mean(
        dia.values()))
    assert f"averaged {s}/{d} mmHg over 12 days" in ans.answer


def test_no_data_is_said_not_invented(svc: Service) -> None:
    ans = _ask(svc, "How has my resting heart rate changed since March?")
    assert "couldn't find any resting heart rate data" in ans.answer
    assert not [c for c in ans.citations if c.kind == "record"]


def test_dedupe_within_one_source() -> None:
    """One export giving a day both exercise and active minutes keeps the term's first
    code; two clinic readings of one day from one file both stay."""
    day = dt.date(2024, 4, 2)
    rec = _rec("w1", file_hash="a" * 64)
    first = _pt(day, 30.0, rec, code="wellness-exercise_minutes", unit="min")
    second = _pt(day, 45.0, rec, code="wellness-active_minutes", unit="min")
    kept = dedupe([second, first], ["wellness-exercise_minutes", "wellness-active_minutes"])
    assert [(p.code, p.value) for p in kept] == [("wellness-exercise_minutes", 30.0)]
    ehr = _rec("obs", file_hash="e" * 64)
    morning = _pt(day, 142.0, ehr, category="vital-signs", code="8480-6", unit="mm[Hg]")
    evening = _pt(day, 128.0, _rec("obs2", file_hash="e" * 64), category="vital-signs",
                  code="8480-6", unit="mm[Hg]")
    assert sorted(p.value for p in dedupe([morning, evening], ["8480-6"])) == [128.0, 142.0]
