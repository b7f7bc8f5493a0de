"""Trend defaults and the value sentences of issue 15 (item 8): a question without a period
gets the person's whole history; a lab value read from a document keeps its sentence;
the unit asked for ("minutes of sleep") is the unit of the answer."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.wellness import DailyValue, daily_records
from rag.answering.planner import TimeWindow
from rag.answering.trend_units import UnitView, asked_unit
from rag.answering.trends import trend
from rag.core.settings import EmbeddingSettings, Settings
from rag.core.terms import vocabulary
from rag.core.types import ParseResult, human_number
from rag.embedder import FakeEmbedder
from rag.ingestion.pipeline import Ingestor
from rag.service import Service
from tests.ingest.test_documents import make_pdf

TODAY = dt.date(2024, 5, 24)
FIRST = dt.date(2021, 6, 1)  # three years of daily weights and sleep


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _raw() -> dict[str, dict[dt.date, float]]:
    rng = random.Random(11)
    weight = {d: round(92.0 - 0.01 * i + rng.uniform(-0.3, 0.3), 1)
              for i, d in enumerate(_days(FIRST, TODAY)) if rng.random() < 0.5}
    sleep = {d: round(7.0 + rng.uniform(-0.8, 0.8), 2) for d in _days(dt.date(2024, 5, 1), TODAY)}
    return {"weight": weight, "sleep_total": sleep}


def _lab_pdf(path: Path) -> Path:
    page = ["Riverside Clinical Laboratory", "Patient: Test Person",
            "Date collected: 04/18/2024", "",
            [(60, "Test"), (250, "Result"), (320, "Flag"), (360, "Units"), (440, "Ref range")],
            [(60, "Ferritin"), (250, "11"), (320, "L"), (360, "ng/mL"), (440, "15-150")],
            [(60, "Hemoglobin"), (250, "11.9"), (320, "L"), (360, "g/dL"), (440, "12.0-15.5")],
            "", "Riverside Clinical Laboratory, 12 Main Street, Springfield, IL 62701",
            "Phone: 217-555-0100  Fax: 217-555-0101", "Page 1 of 1"]
    return make_pdf(path, [page])


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("trend-defaults")
    settings = Settings(data_dir=root / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    service = Service(settings, embedder=FakeEmbedder())
    values = [DailyValue(metric, day, v, source="Withings")
              for metric, days in _raw().items() for day, v in days.items()]
    records = daily_records(values, source_file="withings.zip", file_hash="b" * 64,
                            origin="Withings")
    vault = service.vaults.open("carol")
    with vault.lock:
        report = Ingestor(vault, service.embedder, service.settings).ingest_parsed(
            ParseResult(records=records), name="withings.zip", file_hash="b" * 64,
            kind="wellness")
    assert report.status == "ingested"
    assert service.ingest("carol", [_lab_pdf(root / "labs-april-2024.pdf")]).files[0].status \
        == "ingested"
    yield service
    service.close()


def test_a_trend_without_a_period_covers_the_whole_history(svc: Service) -> None:
    weight = _raw()["weight"]
    result = trend(svc.vaults.open("carol"), vocabulary().terms["weight"], TimeWindow(),
                   today=TODAY)
    assert result.start == min(weight) and result.end == max(weight)
    assert len(result.points) == len(weight)  # was: the last 90 days only
    assert result.stats is not None
    assert human_number(result.stats.mean) == human_number(statistics.fmean(weight.values()))


def test_weight_history_answer_spans_the_years(svc: Service) -> None:
    weight = _raw()["weight"]
    ans = svc.ask("carol", "How has my weight changed?", today=TODAY)
    first = min(weight)
    assert f"from {first.day} {first:%B %Y} to" in ans.answer, ans.answer
    assert f"over {len(weight)} days" in ans.answer
    assert human_number(statistics.fmean(weight.values())) in ans.answer


def test_an_explicit_period_is_kept(svc: Service) -> None:
    weight = _raw()["weight"]
    result = trend(svc.vaults.open("carol"), vocabulary().terms["weight"],
                   TimeWindow(start="2024-01-01", end="2024-02-01", period="month"), today=TODAY)
    assert result.start == dt.date(2024, 1, 1) and result.end == dt.date(2024, 1, 31)
    assert len(result.points) == len([d for d in weight if d.year == 2024 and d.month == 1])


def test_the_ferritin_value_sentence_is_kept(svc: Service) -> None:
    """The April 2024 lab report holds ferritin 11 ng/mL: the answer says it. Before, the
    sentence carrying the value was removed (its date, "18 April 2024", was not in the
    row it cites, which prints the date as 04/18/2024 in the header)."""
    ans = svc.ask("carol", "What was my ferritin on the April 2024 lab report?", today=TODAY)
    assert "11 ng/mL on 18 April 2024 [1]" in ans.answer, ans.answer
    assert "below the reference range of 15–150 ng/mL [1]" in ans.answer
    doc = ans.citations[0]
    assert doc.source.type == "document" and "Ferritin 11" in doc.quote
    # the quote is the result rows, never the lab's address, phone or page furniture
    for furniture in ("Main Street", "Phone", "Fax", "Page 1 of 1"):
        assert furniture not in doc.quote


def test_the_value_answer_quotes_the_row_not_the_page(svc: Service) -> None:
    ans = svc.ask("carol", "What was my last ferritin?", today=TODAY)
    assert "11 ng/mL" in ans.answer and "18 April 2024" in ans.answer
    quote = ans.citations[0].quote
    assert "Ferritin 11 L ng/mL 15-150" in quote and "Phone" not in quote


def test_minutes_of_sleep_are_answered_in_minutes(svc: Service) -> None:
    sleep = _raw()["sleep_total"]
    may = [v for d, v in sleep.items() if d.month == 5 and d <= dt.date(2024, 5, 19)
           and d >= dt.date(2024, 5, 13)]
    ans = svc.ask("carol", "How many minutes of sleep did I get on average last week?",
                  today=TODAY)
    assert ans.intent == "trend", ans.answer
    assert f"averaged {human_number(statistics.fmean(may) * 60)} min a night" in ans.answer, \
        ans.answer
    assert " h a night" not in ans.answer


@pytest.mark.parametrize(("question", "unit"), [
    ("How many minutes of sleep did I get?", "minutes"),
    ("my sleep in minutes last month", "minutes"),
    ("How much did I weigh in pounds?", "lbs"),
    ("How has my weight changed?", None),
])
def test_asked_unit(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit


def test_unit_view_converts_values_and_differences() -> None:
    view = UnitView.of("minutes", "h")
    assert view.active and view.number(7.5) == "450" and view.unit_text("h") == "min"
    assert UnitView.of("°F", "Cel").difference(1.0) == pytest.approx(1.8)
    assert not UnitView.of("minutes", "kg").active  # no factor: the recorded unit stays
    assert not UnitView.of(None, "h").active
