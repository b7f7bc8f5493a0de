"""Daily wellness facts: the metrics, their canonical units, and the records that carry them.

Every wellness source (Apple Health, Fitbit, Withings, MyFitnessPal, Peloton, Google
Fit, generic CSV) reduces its raw samples to one :class:`DailyValue` per metric and
day, in the metric's canonical unit, then calls :func:`daily_records`. That gives
the same storage everywhere:

- one record per metric and ISO week, whose text lists each day's value and whose
  measurements are those days (``category="wellness"``, ``effective`` = the day), so
  a trend answer cites the weeks that hold the days it used;
- one summary record per metric and calendar month, text only, for retrieval
  ("how did I sleep in March"), with the month's mean, total, lowest and highest day.

Codes: LOINC where a code means exactly this daily quantity (so Apple Health weights
join the weights from the EHR), else ``urn:healthrag:wellness`` with the metric key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rag.core.types import Item, Measurement, Provenance, Record, human_number

LOINC = "http://loinc.org"
WELLNESS = "urn:healthrag:wellness"

Aggregate = Literal["sum", "mean", "min", "max", "last"]


@dataclass(frozen=True)
class Metric:
    key: str
    display: str  # "steps", "resting heart rate": lower case, reads inside a sentence
    unit: str  # canonical UCUM unit
    unit_text: str  # how the unit reads after a number ("steps", "h", "kg")
    daily: Aggregate  # how raw samples of one day become the day's value
    code: str
    code_system: str = WELLNESS
    # How days combine into a week or a month: totals for "sum" metrics, else means.

    @property
    def cumulative(self) -> bool:
        return self.daily == "sum"


def _m(key: str, display: str, unit: str, unit_text: str, daily: Aggregate,
       loinc: str | None = None) -> Metric:
    return Metric(key, display, unit, unit_text, daily,
                  loinc or f"wellness-{key}", LOINC if loinc else WELLNESS)


METRICS: dict[str, Metric] = {m.key: m for m in [
    _m("steps", "steps", "{steps}", "steps", "sum", "41950-7"),
    _m("distance", "walking and running distance", "km", "km", "sum"),
    _m("floors", "floors climbed", "{floors}", "floors", "sum"),
    _m("active_energy", "active energy", "kcal", "kcal", "sum"),
    _m("basal_energy", "resting energy", "kcal", "kcal", "sum"),
    _m("total_energy", "calories burned", "kcal", "kcal", "sum"),
    _m("exercise_minutes", "exercise minutes", "min", "min", "sum"),
    _m("active_minutes", "active minutes", "min", "min", "sum"),
    _m("sedentary_minutes", "sedentary minutes", "min", "min", "sum"),
    _m("heart_rate", "average heart rate", "/min", "bpm", "mean", "8867-4"),
    _m("heart_rate_min", "lowest heart rate", "/min", "bpm", "min"),
    _m("heart_rate_max", "highest heart rate", "/min", "bpm", "max"),
    _m("resting_heart_rate", "resting heart rate", "/min", "bpm", "mean", "40443-4"),
    _m("hrv", "heart rate variability (SDNN)", "ms", "ms", "mean", "80404-7"),
    _m("sleep_total", "sleep", "h", "h", "sum", "93832-4"),
    _m("sleep_in_bed", "time in bed", "h", "h", "sum"),
    _m("sleep_deep", "deep sleep", "h", "h", "sum"),
    _m("sleep_core", "core (light) sleep", "h", "h", "sum"),
    _m("sleep_rem", "REM sleep", "h", "h", "sum"),
    _m("sleep_awake", "time awake in bed", "h", "h", "sum"),
    _m("weight", "weight", "kg", "kg", "last", "29463-7"),
    _m("body_fat", "body fat", "%", "%", "last", "41982-0"),
    _m("bmi", "body mass index", "kg/m2", "kg/m²", "last", "39156-5"),
    _m("systolic_bp", "systolic blood pressure", "mm[Hg]", "mmHg", "mean", "8480-6"),
    _m("diastolic_bp", "diastolic blood pressure", "mm[Hg]", "mmHg", "mean", "8462-4"),
    _m("glucose", "blood glucose", "mg/dL", "mg/dL", "mean", "2339-0"),
    _m("spo2", "blood oxygen", "%", "%", "mean", "59408-5"),
    _m("vo2max", "VO2 max", "mL/(kg.min)", "mL/kg/min", "last"),
    _m("respiratory_rate", "respiratory rate", "/min", "breaths/min", "mean", "9279-1"),
    _m("workout_minutes", "workout time", "min", "min", "sum"),
    _m("workouts", "workouts", "{workouts}", "workouts", "sum"),
    _m("calories_in", "calories eaten", "kcal", "kcal", "sum"),
    _m("protein", "protein eaten", "g", "g", "sum"),
    _m("carbohydrates", "carbohydrates eaten", "g", "g", "sum"),
    _m("fat", "fat eaten", "g", "g", "sum"),
    _m("sugar", "sugar eaten", "g", "g", "sum"),
    _m("fiber", "fiber eaten", "g", "g", "sum"),
    _m("sodium_in", "sodium eaten", "mg", "mg", "sum"),
]}

# metric code -> metric key, for readers of the facts store
BY_CODE: dict[str, str] = {m.code: m.key for m in METRICS.values()}


# ---------------------------------------------------------------- units

_FACTORS: dict[tuple[str, str], float] = {
    ("lb", "kg"): 0.45359237,
    ("g", "kg"): 0.001,
    ("st", "kg"): 6.35029318,
    ("mi", "km"): 1.609344,
    ("m", "km"): 0.001,
    ("ft", "km"): 0.0003048,
    ("yd", "km"): 0.0009144,
    ("kj", "kcal"): 1 / 4.184,
    ("cal", "kcal"): 1.0,  # nutrition "Calories" are kilocalories
    ("s", "min"): 1 / 60,
    ("h", "min"): 60.0,
    ("hr", "min"): 60.0,
    ("min", "h"): 1 / 60,
    ("s", "h"): 1 / 3600,
    ("mmol/l", "mg/dl"): 18.0156,  # glucose
    ("count/min", "/min"): 1.0,
    ("bpm", "/min"): 1.0,
    ("beats/min", "/min"): 1.0,
    ("mmhg", "mm[hg]"): 1.0,
    ("ml/(kg.min)", "ml/(kg.min)"): 1.0,
    ("ml/min·kg", "ml/(kg.min)"): 1.0,
    ("ml/kg/min", "ml/(kg.min)"): 1.0,
    ("ml/(kg·min)", "ml/(kg.min)"): 1.0,
    ("count", "{steps}"): 1.0,
    ("count", "{floors}"): 1.0,
    ("kg/m^2", "kg/m2"): 1.0,
    ("count", "kg/m2"): 1.0,  # Apple writes BMI with unit "count"
}


class UnitError(ValueError):
    pass


def convert(metric: str, value: float, unit: str | None) -> float:
    """``value`` in ``unit`` -> the metric's canonical unit. Fractions (0.97) become % for
    percentage metrics when the unit says so (Apple writes SpO2 and body fat as "%" with
    0-1 values)."""
    target = METRICS[metric].unit
    u = (unit or "").strip().lower().replace(" ", "")
    t = target.lower()
    if t == "%":
        if u in {"%", "percent"}:
            return value * 100 if 0 <= value <= 1 else value
        if u in {"fraction", "ratio"}:
            return value * 100
    if not u or u == t:
        return value
    factor = _FACTORS.get((u, t))
    if factor is None:
        raise UnitError(f"cannot convert {unit!r} to {target!r} for {metric}")
    return value * factor


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class DailyValue:
    metric: str  # a key of METRICS
    day: dt.date
    value: float  # in the metric's canonical unit
    samples: int = 1  # raw samples behind the value
    source: str = ""  # the app or device that supplied it ("Apple Watch", "Fitbit")


@dataclass(frozen=True)
class Workout:
    start: dt.datetime
    activity: str  # "Running", "Cycling"
    minutes: float
    distance_km: float | None = None
    energy_kcal: float | None = None
    source: str = ""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "source"


def _day_text(day: dt.date) -> str:
    return f"{day.isoformat()} ({day.strftime('%a')})"


def _fmt(value: float, metric: Metric) -> str:
    return f"{human_number(value)} {metric.unit_text}"


def _summary(values: list[DailyValue], metric: Metric) -> str:
    vals = [v.value for v in values]
    lo = min(values, key=lambda v: (v.value, v.day))
    hi = max(values, key=lambda v: (v.value, -v.day.toordinal()))
    mean = sum(vals) / len(vals)
    parts = [f"{len(vals)} day{'s' if len(vals) != 1 else ''} recorded",
             f"daily mean {_fmt(mean, metric)}"]
    if metric.cumulative:
        parts.append(f"total {_fmt(sum(vals), metric)}")
    parts.append(f"lowest {_fmt(lo.value, metric)} on {lo.day.isoformat()}")
    parts.append(f"highest {_fmt(hi.value, metric)} on {hi.day.isoformat()}")
    return ", ".join(parts)


def daily_records(
    values: Iterable[DailyValue],
    *,
    source_file: str,
    file_hash: str,
    origin: str,
) -> list[Record]:
    """Weekly records carrying the daily facts, and monthly summary records.

    ``origin`` names the export ("Apple Health", "Fitbit"); keys are scoped by it and by
    the file, so two exports never overwrite each other's days (a re-upload of the same
    file name replaces the earlier one, as for every source).
    """
    by_metric: dict[str, dict[dt.date, DailyValue]] = defaultdict(dict)
    for v in values:
        if v.metric not in METRICS:
            raise KeyError(f"unknown wellness metric {v.metric!r}")
        by_metric[v.metric][v.day] = v  # one value per day: the last one given wins
    base = f"wellness/{slug(origin)}/{file_hash[:12]}"
    records: list[Record] = []
    for key in sorted(by_metric):
        metric = METRICS[key]
        days = sorted(by_metric[key].values(), key=lambda v: v.day)
        weeks: dict[tuple[int, int], list[DailyValue]] = defaultdict(list)
        months: dict[tuple[int, int], list[DailyValue]] = defaultdict(list)
        for v in days:
            iso = v.day.isocalendar()
            weeks[(iso.year, iso.week)].append(v)
            months[(v.day.year, v.day.month)].append(v)
        for (year, week), week_days in sorted(weeks.items()):
            monday = dt.date.fromisocalendar(year, week, 1)
            lines = "; ".join(f"{_day_text(v.day)}: {_fmt(v.value, metric)}" for v in week_days)
            text = (f"{metric.display.capitalize()} per day, week of {monday.isoformat()} "
                    f"({origin}): {lines}. Week: {_summary(week_days, metric)}.")
            sources = sorted({v.source for v in week_days if v.source})
            if sources:
                text += f" Source: {', '.join(sources)}."
            records.append(Record(
                key=f"{base}/{key}/{year}-W{week:02d}",
                text=text,
                title=f"{metric.display.capitalize()}, week of {monday.isoformat()} ({origin})",
                provenance=Provenance(source_file, file_hash, "wellness",
                                      resource_type="DailySummary",
                                      resource_id=f"{key}/{year}-W{week:02d}"),
                measurements=tuple(
                    Measurement(
                        code_system=metric.code_system, code=metric.code,
                        display=metric.display, value=v.value, unit=metric.unit,
                        value_text=None, effective=v.day.isoformat(), category="wellness",
                    )
                    for v in week_days
                ),
            ))
        for (year, month), month_days in sorted(months.items()):
            label = dt.date(year, month, 1).strftime("%B %Y")
            text = (f"{metric.display.capitalize()} in {label} ({origin}): "
                    f"{_summary(month_days, metric)}.")
            records.append(Record(
                key=f"{base}/{key}/{year}-{month:02d}",
                text=text,
                title=f"{metric.display.capitalize()}, {label} ({origin})",
                provenance=Provenance(source_file, file_hash, "wellness",
                                      resource_type="MonthlySummary",
                                      resource_id=f"{key}/{year}-{month:02d}"),
            ))
    return records


def workout_records(
    workouts: Iterable[Workout], *, source_file: str, file_hash: str, origin: str
) -> list[Record]:
    """One record per ISO week listing its workouts, each an :class:`Item` (category
    ``workout``); daily workout minutes and counts go through :func:`daily_records`."""
    weeks: dict[tuple[int, int], list[Workout]] = defaultdict(list)
    for w in workouts:
        iso = w.start.date().isocalendar()
        weeks[(iso.year, iso.week)].append(w)
    base = f"wellness/{slug(origin)}/{file_hash[:12]}/workouts"
    records: list[Record] = []
    for (year, week), items in sorted(weeks.items()):
        items.sort(key=lambda w: w.start)
        monday = dt.date.fromisocalendar(year, week, 1)
        parts = []
        for w in items:
            bits = [f"{human_number(w.minutes)} min"]
            if w.distance_km is not None:
                bits.append(f"{human_number(w.distance_km)} km")
            if w.energy_kcal is not None:
                bits.append(f"{human_number(w.energy_kcal)} kcal")
            parts.append(f"{w.start.date().isoformat()} {w.activity}: {', '.join(bits)}")
        records.append(Record(
            key=f"{base}/{year}-W{week:02d}",
            text=f"Workouts, week of {monday.isoformat()} ({origin}): {'; '.join(parts)}.",
            title=f"Workouts, week of {monday.isoformat()} ({origin})",
            provenance=Provenance(source_file, file_hash, "wellness", resource_type="Workouts",
                                  resource_id=f"workouts/{year}-W{week:02d}"),
            items=tuple(
                Item(category="workout", name=w.activity, status="completed",
                     date=w.start.isoformat(timespec="minutes"),
                     detail={k: v for k, v in {
                         "minutes": round(w.minutes, 2), "distance_km": w.distance_km,
                         "energy_kcal": w.energy_kcal, "source": w.source or None,
                     }.items() if v is not None})
                for w in items
            ),
        ))
    return records
