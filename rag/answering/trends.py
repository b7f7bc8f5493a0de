"""Trends computed from stored facts: a term's series, de-duplicated, and its statistics.

Every number here is computed in code from values in the facts store, and every
statistic keeps the records it came from, so an answer can cite the weeks (wellness)
or the results (labs, vitals) that hold the values it used.

Rules (also in the README):

- **Series**: every measurement of the term's codes (LOINC and ``wellness-<metric>``),
  blood pressure paired systolic/diastolic by record and instant, or for wellness by
  source file and day (each metric has its own weekly record).
- **De-duplication**, per day: the same value from several sources (an EHR result and the
  same result in a lab PDF) is one point that keeps every source's record; otherwise,
  when several sources give the day a value (Apple Health and Fitbit steps), the source
  with the most days in the period wins (ties: the most recently ingested). One source's
  several readings of one day (two clinic blood pressures) all stay. Points in another
  unit than the period's most common one are left out and counted (``dropped``).
- **Period**: the question's window; an open end is ``today``. Without a window, every
  series (daily wellness facts and sparse labs alike) covers all of the person's data, from
  its first to its last day: a weight history over years is the years, not the last weeks.
  The **previous period** is the calendar unit before ("last month" -> the month before)
  or, for other windows, the same number of days just before it.
- **Statistics**: n, mean, median, total, min and max (earliest day on ties) with their
  dates, first and last; the least-squares slope of value on day, stated per week when
  the points span up to 180 days, per month up to 730 days, per year beyond; the percent
  change from the first to the last 7 days of data (daily series spanning 14 days or
  more) or from the first to the last value.
- **Direction**: ``stable`` when the slope's fitted change over the points' span is under
  :data:`STABLE_FRACTION` (2 %) of the mean, or, with 3 or more points, when the slope is
  under twice its standard error; else ``up`` or ``down``. Two means are "about the same"
  under the same 2 %.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from indexes.facts import StoredMeasurement, StoredRecord
from indexes.vaults import Vault
from ingest.wellness import BY_CODE, METRICS, Metric
from rag.answering.planner import TimeWindow
from rag.core.errors import InvalidContent
from rag.core.terms import Term, Vocabulary

BP_SYSTOLIC, BP_DIASTOLIC = "8480-6", "8462-4"
BP_KEYS = {"blood_pressure", "systolic_bp", "diastolic_bp"}
STABLE_FRACTION = 0.02
MAX_SUMMARY_MONTHS = 3  # monthly summary records cited for whole-month periods up to this

SlopeUnit = Literal["week", "month", "year"]
Direction = Literal["up", "down", "stable"]
SLOPE_DAYS: dict[str, float] = {"week": 7.0, "month": 30.4375, "year": 365.25}


@dataclass(frozen=True)
class Point:
    """One dated value of a series and the stored record(s) that hold it."""

    value: float | None
    unit: str | None
    text: str | None
    date: str | None
    ref_low: float | None
    ref_high: float | None
    interpretation: str | None
    record: StoredRecord
    value2: float | None = None  # diastolic, for blood pressure
    code: str | None = None
    category: str | None = None
    also: tuple[StoredRecord, ...] = ()  # the same fact in other records (other sources)
    ref_text: str | None = None  # the range as printed ("<200", "≤ 5.6", "15-150")

    @property
    def records(self) -> tuple[StoredRecord, ...]:
        return (self.record, *self.also)

    @property
    def day(self) -> str | None:
        return self.date[:10] if self.date else None


# ---------------------------------------------------------------- series


def _bp_point(
    s: StoredMeasurement, d: StoredMeasurement, records: dict[str, StoredRecord]
) -> Point:
    also = (records[d.chunk_id],) if d.chunk_id != s.chunk_id else ()
    return Point(s.m.value, s.m.unit, None, s.m.effective, None, None,
                 s.m.interpretation or d.m.interpretation, records[s.chunk_id],
                 value2=d.m.value, code=BP_SYSTOLIC, category=s.m.category, also=also)


_Groups = dict[tuple[str, str | None], dict[str, list[StoredMeasurement]]]


def _bp_points(found: list[StoredMeasurement], records: dict[str, StoredRecord]) -> list[Point]:
    """Systolic and diastolic paired by record and instant (a FHIR panel); what is left
    pairs by source file and instant when that is unambiguous (wellness keeps each metric
    in its own weekly record; some FHIR files send two Observations)."""
    by_record: _Groups = {}
    for sm in found:
        if sm.chunk_id in records and sm.m.code in (BP_SYSTOLIC, BP_DIASTOLIC):
            by_record.setdefault((sm.chunk_id, sm.m.effective), {}).setdefault(
                sm.m.code, []).append(sm)
    points: list[Point] = []
    loose: _Groups = {}
    for (_, effective), codes in by_record.items():
        sys_, dia = codes.get(BP_SYSTOLIC, []), codes.get(BP_DIASTOLIC, [])
        points.extend(_bp_point(s, d, records) for s, d in zip(sys_, dia, strict=False))
        for sm in sys_[len(dia):] + dia[len(sys_):]:
            key = (records[sm.chunk_id].file_hash, effective)
            loose.setdefault(key, {}).setdefault(sm.m.code, []).append(sm)
    for codes in loose.values():
        sys_, dia = codes.get(BP_SYSTOLIC, []), codes.get(BP_DIASTOLIC, [])
        if len(sys_) == 1 and len(dia) == 1:
            points.append(_bp_point(sys_[0], dia[0], records))
    return points


def series_points(
    found: list[StoredMeasurement], records: dict[str, StoredRecord], window: TimeWindow,
    bp: bool,
) -> list[Point]:
    """The points of the found measurements inside ``window``, oldest first."""
    if bp:
        points = _bp_points(found, records)
    else:
        points = [
            Point(sm.m.value, sm.m.unit, sm.m.value_text, sm.m.effective, sm.m.ref_low,
                  sm.m.ref_high, sm.m.interpretation, records[sm.chunk_id], code=sm.m.code,
                  category=sm.m.category, ref_text=sm.m.ref_text)
            for sm in found if sm.chunk_id in records
        ]
    points = [p for p in points if window.contains(p.date)]
    points.sort(key=lambda p: (p.date or "", p.record.chunk_id))
    return points


def _unit_key(unit: str | None) -> str:
    return (unit or "").strip().lower()


def _same_fact(a: Point, b: Point) -> bool:
    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)

    return (a.value is not None and close(a.value, b.value) and close(a.value2, b.value2)
            and _unit_key(a.unit) == _unit_key(b.unit))


def dedupe(points: Sequence[Point], code_order: Sequence[str] = ()) -> list[Point]:
    """One value per fact and day (rules in the module docstring). The preferred source is
    the one with the most days among ``points``, so pass the points of one period."""
    days: dict[str, set[str | None]] = defaultdict(set)
    newest: dict[str, float] = defaultdict(float)
    for p in points:
        days[p.record.file_hash].add(p.day)
        newest[p.record.file_hash] = max(newest[p.record.file_hash], p.record.ingested_at)

    def rank(p: Point) -> tuple[int, float, str]:
        src = p.record.file_hash
        return (len(days[src]), newest[src], src)

    order = {code: i for i, code in enumerate(code_order)}
    by_day: dict[str | None, list[Point]] = defaultdict(list)
    for p in points:
        by_day[p.day].append(p)
    out: list[Point] = []
    for day, group in by_day.items():
        if day is None:
            out.extend(group)
            continue
        group = _one_wellness_value(group, order)
        merged: list[Point] = []
        for p in sorted(group, key=rank, reverse=True):
            twin = next((i for i, q in enumerate(merged) if _same_fact(q, p)
                         and p.record.file_hash not in {r.file_hash for r in q.records}), None)
            if twin is None:
                merged.append(p)
            else:
                merged[twin] = replace(merged[twin], also=(*merged[twin].also, *p.records))
        best = max(group, key=rank).record.file_hash
        out.extend(q for q in merged if best in {r.file_hash for r in q.records})
    out.sort(key=lambda p: (p.date or "", p.record.chunk_id))
    return out


def _one_wellness_value(group: list[Point], order: dict[str, int]) -> list[Point]:
    """A source gives a wellness metric one value a day; when a term joins two metrics
    (exercise and active minutes) the term's first code wins."""
    kept: dict[str, Point] = {}
    rest: list[Point] = []
    for p in group:
        if p.category != "wellness":
            rest.append(p)
            continue
        src = p.record.file_hash
        current = kept.get(src)
        if current is None or order.get(p.code or "", 99) < order.get(current.code or "", 99):
            kept[src] = p
    return rest + list(kept.values())


def _one_unit(points: list[Point]) -> tuple[list[Point], str | None, int]:
    """(points in the most common unit, that unit, how many were left out)."""
    counts: dict[str, int] = defaultdict(int)
    spelled: dict[str, str | None] = {}
    for p in points:
        counts[_unit_key(p.unit)] += 1
        spelled.setdefault(_unit_key(p.unit), p.unit)
    if not counts:
        return points, None, 0
    main = max(sorted(counts), key=lambda u: counts[u])
    kept = [p for p in points if _unit_key(p.unit) == main]
    return kept, spelled[main], len(points) - len(kept)


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class StatPoint:
    value: float
    date: str  # ISO day
    records: tuple[StoredRecord, ...]

    def as_json(self) -> dict[str, Any]:
        return {"value": _round(self.value), "date": self.date,
                "citation_ids": [r.chunk_id for r in self.records]}


@dataclass(frozen=True)
class Slope:
    value: float  # change per ``per``
    per: SlopeUnit
    stderr: float | None  # same unit; None under 3 points


@dataclass(frozen=True)
class Stats:
    start: dt.date  # the period, inclusive days
    end: dt.date
    n: int
    mean: float
    median: float
    total: float
    min: StatPoint
    max: StatPoint
    first: StatPoint
    last: StatPoint
    slope: Slope | None
    change_pct: float | None
    change_basis: str  # "first and last 7 days" | "first and last values"
    direction: Direction | None
    records: tuple[StoredRecord, ...]  # every record holding a value used
    summaries: tuple[StoredRecord, ...] = ()  # monthly summary records of whole months
    # why a direction is "stable": "small" (under 2 % of the mean) or "noisy" (the slope
    # is under twice its standard error)
    stable_reason: str | None = None

    @property
    def span_days(self) -> int:
        return (_day(self.last.date) - _day(self.first.date)).days

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "n": self.n,
            "mean": _round(self.mean), "median": _round(self.median),
            "total": _round(self.total),
            "min": self.min.as_json(), "max": self.max.as_json(),
            "first": self.first.as_json(), "last": self.last.as_json(),
            "slope": None if self.slope is None else {
                "value": _round(self.slope.value), "per": self.slope.per,
                "stderr": None if self.slope.stderr is None else _round(self.slope.stderr)},
            "change_pct": None if self.change_pct is None else _round(self.change_pct),
            "change_basis": self.change_basis, "direction": self.direction,
            "stable_reason": self.stable_reason,
            "citation_ids": [r.chunk_id for r in self.records],
            "summary_citation_ids": [r.chunk_id for r in self.summaries],
        }


def _round(x: float) -> float:
    return round(x, 4)


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso[:10])


def _stat_point(p: Point) -> StatPoint:
    assert p.value is not None and p.day is not None
    return StatPoint(p.value, p.day, p.records)


def slope_unit(span_days: int) -> SlopeUnit:
    """Per week up to 180 days, per month up to two years, per year beyond."""
    return "week" if span_days <= 180 else "month" if span_days <= 730 else "year"


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float | None]:
    """(slope, its standard error or None under 3 points) of y on x."""
    n = len(xs)
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("the points share one x")
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    if n < 3:
        return slope, None
    intercept = my - slope * mx
    ssr = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return slope, math.sqrt(ssr / (n - 2) / sxx)


def _direction(slope_per_day: float, stderr_per_day: float | None, span: int, mean: float,
               ) -> tuple[Direction, str | None]:
    """(direction, why it is stable) by the rule of the module docstring."""
    fitted = slope_per_day * span
    if abs(fitted) < STABLE_FRACTION * abs(mean) or fitted == 0:
        return "stable", "small"
    if stderr_per_day is not None and abs(slope_per_day) < 2 * stderr_per_day:
        return "stable", "noisy"
    return ("up" if fitted > 0 else "down"), None


def compute_stats(points: Sequence[Point], start: dt.date, end: dt.date, daily: bool,
                  ) -> Stats | None:
    """Statistics of the dated numeric ``points`` (oldest first) over ``start``..``end``."""
    pts = [p for p in points if p.value is not None and p.day is not None]
    if not pts:
        return None
    vals = [p.value for p in pts if p.value is not None]
    lo = min(pts, key=lambda p: (p.value, p.day))
    hi = max(pts, key=lambda p: (p.value, -_day(p.day or "").toordinal()))
    first, last = pts[0], pts[-1]
    origin = _day(first.day or "").toordinal()
    xs = [float(_day(p.day or "").toordinal() - origin) for p in pts]
    span = int(xs[-1])
    slope: Slope | None = None
    direction: Direction | None = None
    reason: str | None = None
    mean = statistics.fmean(vals)
    if span > 0:
        per_day, se = least_squares(xs, vals)
        per = slope_unit(span)
        k = SLOPE_DAYS[per]
        slope = Slope(per_day * k, per, None if se is None else se * k)
        direction, reason = _direction(per_day, se, span, mean)
    change: float | None = None
    basis = "first and last values"
    if daily and span >= 14:
        basis = "first and last 7 days"
        a = statistics.fmean(v for v, x in zip(vals, xs, strict=True) if x < 7)
        b = statistics.fmean(v for v, x in zip(vals, xs, strict=True) if x > span - 7)
        change = (b - a) / abs(a) * 100 if a else None
    elif len(pts) > 1 and first.value:
        assert last.value is not None
        change = (last.value - first.value) / abs(first.value) * 100
    records: dict[str, StoredRecord] = {}
    for p in pts:
        for r in p.records:
            records.setdefault(r.chunk_id, r)
    return Stats(
        start=start, end=end, n=len(pts), mean=mean, median=statistics.median(vals),
        total=math.fsum(vals), min=_stat_point(lo), max=_stat_point(hi),
        first=_stat_point(first), last=_stat_point(last), slope=slope, change_pct=change,
        change_basis=basis, direction=direction, records=tuple(records.values()),
        stable_reason=reason,
    )


def relative_change(now: float, before: float) -> float | None:
    """Percent change of ``now`` against ``before``."""
    return (now - before) / abs(before) * 100 if before else None


def about_same(now: float, before: float) -> bool:
    return abs(now - before) < STABLE_FRACTION * abs(before) or now == before


def rolling_mean(points: Sequence[Point], days: int = 7, min_values: int = 4,
                 ) -> list[tuple[dt.date, float]]:
    """Trailing ``days``-day mean at each point's day, where at least ``min_values`` values
    fall in those days (so gaps do not draw a line)."""
    dated = [(_day(p.day), p.value) for p in points if p.day and p.value is not None]
    out: list[tuple[dt.date, float]] = []
    for day, _ in dated:
        window = [v for d, v in dated if 0 <= (day - d).days < days]
        if len(window) >= min_values and (not out or out[-1][0] != day):
            out.append((day, statistics.fmean(window)))
    return out


# ---------------------------------------------------------------- periods


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(window: TimeWindow, points: Sequence[Point], daily: bool, today: dt.date,
              ) -> tuple[dt.date, dt.date] | None:
    """The inclusive days a trend covers (module docstring), or None without data."""
    days = sorted(_day(p.day) for p in points if p.day)
    if window.start is None and window.end is None:  # no period asked: the full history
        return (days[0], days[-1]) if days else None
    end_excl = dt.date.fromisoformat(window.end) if window.end else today + dt.timedelta(days=1)
    if window.start is not None:
        start = dt.date.fromisoformat(window.start)
    elif days:
        start = days[0]
    else:
        return None
    return start, max(start, end_excl - dt.timedelta(days=1))


def previous_period(start: dt.date, end: dt.date, unit: str | None) -> tuple[dt.date, dt.date]:
    """The calendar unit before (``unit`` month/year/week) or the same days just before."""
    if unit == "month":
        return _add_months(start, -1), start - dt.timedelta(days=1)
    if unit == "year":
        return dt.date(start.year - 1, 1, 1), start - dt.timedelta(days=1)
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def whole_months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """The (year, month)s of a period made of whole calendar months, else []."""
    if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
        return []
    months: list[tuple[int, int]] = []
    cur = start
    while cur <= end:
        months.append((cur.year, cur.month))
        cur = _add_months(cur, 1)
    return months


def _monthly_summaries(vault: Vault, points: Sequence[Point], start: dt.date, end: dt.date,
                       ) -> tuple[StoredRecord, ...]:
    """The monthly summary records (``ingest.wellness``) of the sources used, when the
    period is up to :data:`MAX_SUMMARY_MONTHS` whole months: they state the month's mean."""
    months = whole_months(start, end)
    if not months or len(months) > MAX_SUMMARY_MONTHS:
        return ()
    prefixes = sorted({p.record.key.rsplit("/", 1)[0] for p in points
                       if p.record.resource_type == "DailySummary"})
    keys = [f"{prefix}/{y}-{m:02d}" for prefix in prefixes for y, m in months]
    if not keys:
        return ()
    found = vault.facts.content_hashes(keys)
    recs = vault.facts.records_by_chunks([chunk for _, chunk in found.values()])
    return tuple(sorted(recs.values(), key=lambda r: r.key))


# ---------------------------------------------------------------- the trend


@dataclass(frozen=True)
class TrendResult:
    term: Term
    metric: Metric | None  # the wellness metric, for daily series
    daily: bool  # mostly daily wellness facts (else sparse: labs, clinic vitals)
    unit: str | None
    start: dt.date | None  # the period, inclusive; None without data
    end: dt.date | None
    calendar: str | None  # "month", "year", "week" when the period is that calendar unit
    points: list[Point]  # de-duplicated, inside the period, oldest first
    stats: Stats | None
    stats2: Stats | None = None  # diastolic, for blood pressure
    previous: Stats | None = None
    previous_start: dt.date | None = None
    previous_end: dt.date | None = None
    dropped: int = 0  # points left out for another unit

    @property
    def comparison_pct(self) -> float | None:
        if self.stats is None or self.previous is None:
            return None
        return relative_change(self.stats.mean, self.previous.mean)

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.term.key,
            "display": self.term.display_en,
            "unit": self.unit,
            "unit_text": self.metric.unit_text if self.metric else (self.unit or "").replace(
                "mm[Hg]", "mmHg").strip("{}"),
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "daily": self.daily,
            "points": [
                {"date": p.day, "value": p.value,
                 **({"value2": p.value2} if p.value2 is not None else {}),
                 "citation_id": p.record.chunk_id,
                 "citation_ids": [r.chunk_id for r in p.records],
                 "source": {"type": p.record.source_type,
                            "resource_type": p.record.resource_type,
                            "resource_id": p.record.resource_id,
                            "file": p.record.source_file, "page": p.record.page}}
                for p in self.points
            ],
            "stats": self.stats.as_json() if self.stats else None,
            "diastolic": self.stats2.as_json() if self.stats2 else None,
            "previous": self.previous.as_json() if self.previous else None,
            "comparison_pct": (None if self.comparison_pct is None
                               else _round(self.comparison_pct)),
            "dropped_other_units": self.dropped,
        }


def _diastolic(points: Sequence[Point]) -> list[Point]:
    return [replace(p, value=p.value2, value2=None) for p in points if p.value2 is not None]


def _in(points: Sequence[Point], start: dt.date, end: dt.date) -> list[Point]:
    lo, hi = start.isoformat(), end.isoformat()
    return [p for p in points if p.day and lo <= p.day <= hi]


def trend(
    vault: Vault,
    term: Term,
    window: TimeWindow | None = None,
    *,
    today: dt.date | None = None,
) -> TrendResult:
    """The de-duplicated series of ``term`` over the period ``window`` names, with its
    statistics and the previous period's (rules in the module docstring)."""
    window = window or TimeWindow()
    today = today or dt.date.today()
    empty = TrendResult(term, None, term.kind == "wellness", term.unit or None, None, None,
                        window.period, [], None)
    if not vault.exists:
        return empty
    bp = term.key in BP_KEYS
    codes = [BP_SYSTOLIC, BP_DIASTOLIC] if bp else list(term.loinc)
    found = vault.facts.measurements(codes=codes)
    records = vault.facts.records_by_chunks(sorted({f.chunk_id for f in found}))
    every = [p for p in series_points(found, records, TimeWindow(), bp)
             if p.value is not None and p.day]
    daily = (2 * sum(p.category == "wellness" for p in every) > len(every) if every
             else term.kind == "wellness")
    span = period_of(window, every, daily, today)
    if span is None:
        return replace(empty, daily=daily)
    start, end = span
    points, unit, dropped = _one_unit(dedupe(_in(every, start, end), codes))
    stats = compute_stats(points, start, end, daily)
    prev_start, prev_end = previous_period(start, end, window.period)
    before = [p for p in dedupe(_in(every, prev_start, prev_end), codes)
              if _unit_key(p.unit) == _unit_key(unit)]
    previous = compute_stats(before, prev_start, prev_end, daily)
    if daily and stats is not None:
        stats = replace(stats, summaries=_monthly_summaries(vault, points, start, end))
    if daily and previous is not None:
        previous = replace(previous,
                           summaries=_monthly_summaries(vault, before, prev_start, prev_end))
    metric = next((METRICS[BY_CODE[p.code]] for p in points
                   if p.category == "wellness" and p.code in BY_CODE), None)
    return TrendResult(
        term=term, metric=metric, daily=daily, unit=unit, start=start, end=end,
        calendar=window.period, points=points, stats=stats,
        stats2=compute_stats(_diastolic(points), start, end, daily) if bp else None,
        previous=previous, previous_start=prev_start, previous_end=prev_end, dropped=dropped,
    )


def resolve_metric(name: str, vocabulary: Vocabulary) -> Term:
    """A term key ("ldl", "sleep_total") or a wellness metric key ("steps") -> its term."""
    term = vocabulary.terms.get(name)
    if term is None and name in METRICS:
        term = vocabulary.by_loinc.get(METRICS[name].code)
    if term is None:
        known = sorted(k for k, t in vocabulary.terms.items() if t.kind in {"wellness", "vital"})
        raise InvalidContent(
            f"unknown metric {name!r}; use a term key (e.g. {', '.join(known[:40])}, or any "
            "lab key such as ldl, hba1c) or a wellness metric key (e.g. steps)",
            code="unknown_metric",
        )
    return term


__all__ = [
    "BP_KEYS", "Point", "Stats", "TrendResult", "compute_stats", "dedupe", "least_squares",
    "period_of", "previous_period", "resolve_metric", "rolling_mean", "series_points", "trend",
]
