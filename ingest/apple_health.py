"""Apple Health ``export.xml`` -> daily wellness facts.

Real exports are 1-4 GB, so the file is streamed: ``iterparse`` from :mod:`defusedxml`
(no entity declarations, no external references, no network; Apple's internal DTD of
``<!ELEMENT>``/``<!ATTLIST>`` declarations is accepted), each top-level element is
dropped from the root as soon as it is used, and raw samples are reduced on the fly.
Discrete samples (heart rate, weight, ...) become running per-day sums, minima, maxima
and latest values. Cumulative samples and sleep stages are kept until the end, as compact
typed arrays (26 bytes a sample) bucketed by metric and day, because they must be
de-duplicated across sources first.

De-duplication (the rule Apple's Health app applies to its own charts): an iPhone and an
Apple Watch both count the same steps, so cumulative metrics (steps, distance, floors,
active and resting energy, exercise minutes) and each sleep stage are resolved by
source priority. Sources rank Apple Watch devices first, then iPhones, then any other
app, ties broken by source name. Along the time axis (in absolute time, so offsets
never matter), wherever samples of different sources overlap only the highest-ranked
source counts; a sample partly covered by a higher-ranked source keeps the uncovered
part of its duration, pro rata of its value. Samples of one source never cancel each
other, and zero-length samples count in full. Each sample's kept share counts on its
day: the local date of its start as written in the file (its own UTC offset), except
sleep, which counts on the morning you wake: the local date the sample ends, or the
next date when it ends at or after 18:00 (so a stage from 23:00 to 23:45 joins the rest
of its night, while an afternoon nap stays on its own day). Total sleep is
resolved over all "asleep" samples together (core, deep, REM, unspecified), so a
watch's stages and another app's plain "asleep" never add up. Discrete metrics are not
de-duplicated: the day's mean, minimum, maximum or latest value over every sample.

``ActivitySummary`` elements (the rings) are derived from the same samples by the
phone, so they are counted as skipped, not indexed twice. Blood pressure readings
appear both inside ``Correlation`` elements and as top-level records (the export says
so in its DTD); identical readings are counted once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from ingest.base import Source
from ingest.wellness import (
    METRICS,
    DailyValue,
    UnitError,
    Workout,
    convert,
    daily_records,
    workout_records,
)
from rag.core.errors import EmptyInput, InvalidContent, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import ParseIssue, ParseResult

ORIGIN = "Apple Health"
PROGRESS_EVERY = 4 << 20  # bytes between two progress calls
MAX_ISSUES = 200  # issues kept one by one; the rest are summed up in one last issue
NIGHT_STARTS = 18  # local hour from which a sleep sample counts for the next morning
MAX_TYPES = 2000  # distinct record types counted by name (a hostile file could invent more)

_Q = "HKQuantityTypeIdentifier"
# Cumulative quantities: de-duplicated across sources, then summed per day.
CUMULATIVE: dict[str, str] = {
    f"{_Q}StepCount": "steps",
    f"{_Q}DistanceWalkingRunning": "distance",
    f"{_Q}FlightsClimbed": "floors",
    f"{_Q}ActiveEnergyBurned": "active_energy",
    f"{_Q}BasalEnergyBurned": "basal_energy",
    f"{_Q}AppleExerciseTime": "exercise_minutes",
}
# Discrete quantities: every sample counts; the metric says mean, min, max or last.
DISCRETE: dict[str, str] = {
    f"{_Q}HeartRate": "heart_rate",  # also gives heart_rate_min and heart_rate_max
    f"{_Q}RestingHeartRate": "resting_heart_rate",
    f"{_Q}HeartRateVariabilitySDNN": "hrv",
    f"{_Q}BodyMass": "weight",
    f"{_Q}BodyFatPercentage": "body_fat",
    f"{_Q}BodyMassIndex": "bmi",
    f"{_Q}BloodPressureSystolic": "systolic_bp",
    f"{_Q}BloodPressureDiastolic": "diastolic_bp",
    f"{_Q}BloodGlucose": "glucose",
    f"{_Q}OxygenSaturation": "spo2",
    f"{_Q}VO2Max": "vo2max",
    f"{_Q}RespiratoryRate": "respiratory_rate",
}
SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"
_V = "HKCategoryValueSleepAnalysis"
SLEEP: dict[str, tuple[str, ...]] = {
    f"{_V}InBed": ("sleep_in_bed",),
    f"{_V}AsleepCore": ("sleep_core", "sleep_total"),
    f"{_V}AsleepDeep": ("sleep_deep", "sleep_total"),
    f"{_V}AsleepREM": ("sleep_rem", "sleep_total"),
    f"{_V}AsleepUnspecified": ("sleep_total",),
    f"{_V}Asleep": ("sleep_total",),  # before iOS 16, the only "asleep" value
    f"{_V}Awake": ("sleep_awake",),
}
_BP = {f"{_Q}BloodPressureSystolic", f"{_Q}BloodPressureDiastolic"}
_DISTANCES = {f"{_Q}Distance{k}" for k in
              ("WalkingRunning", "Cycling", "Swimming", "Wheelchair", "DownhillSnowSports")}
_WORKOUT_PREFIX = "HKWorkoutActivityType"
_EPOCH = dt.date(1970, 1, 1).toordinal()
_HEAD = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*"
    rb"(?:<!DOCTYPE\s+HealthData[\s\[>]|<HealthData[\s>/])",
    re.DOTALL,
)


def is_apple_health(head: bytes) -> bool:
    """True when ``head`` (the first KB or more) opens an Apple Health export: a
    ``<HealthData`` root, possibly after the XML declaration, comments and Apple's DTD."""
    return _HEAD.match(head) is not None


@dataclass
class AppleHealthData:
    """What one export reduces to, before it becomes records."""

    daily: list[DailyValue] = field(default_factory=list)
    workouts: list[Workout] = field(default_factory=list)
    record_counts: Counter[str] = field(default_factory=Counter)  # top-level Records by type
    issues: list[ParseIssue] = field(default_factory=list)
    skipped: int = 0


class _Counting:
    """A read-only stream wrapper counting bytes, calling ``progress`` every few MB."""

    def __init__(self, raw: BinaryIO, size: int, progress: Callable[[int, int], None] | None):
        self._raw = raw
        self._size = size
        self._progress = progress
        self.done = 0
        self._next = PROGRESS_EVERY

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.done += len(data)
        if self._progress is not None and (self.done >= self._next or not data):
            self._next = self.done + PROGRESS_EVERY
            self._progress(self.done, max(self._size, self.done))
        return data


class _Bad(ValueError):
    """A sample that cannot be used; becomes a ParseIssue."""


class _Bucket:
    """The spans of one metric on one day, as parallel typed arrays."""

    __slots__ = ("end", "src", "start", "value")

    def __init__(self) -> None:
        self.start = array("q")  # UTC epoch seconds
        self.end = array("q")
        self.value = array("d")  # canonical unit
        self.src = array("H")  # source id


class _Discrete:
    __slots__ = ("last_t", "last_v", "maximum", "minimum", "n", "sources", "total")

    def __init__(self) -> None:
        self.total = 0.0
        self.n = 0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.last_t = -(1 << 62)
        self.last_v = 0.0
        self.sources = 0  # bit mask of source ids


class _State:
    """Everything accumulated while streaming one export."""

    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self.data = AppleHealthData()
        self.issue_count = 0
        self.sources: dict[str, int] = {}
        self.names: list[str] = []
        self.kind: list[int] = []  # 0 Apple Watch, 1 iPhone, 2 other app
        self.spans: dict[str, dict[int, _Bucket]] = {}
        self.points: dict[str, dict[int, _Discrete]] = {}
        self.factors: dict[tuple[str, str], float] = {}
        self.days: dict[str, int] = {}
        self.offsets: dict[str, int] = {}
        self.bp_seen: set[tuple[str, ...]] = set()

    # ---------------------------------------------------------------- helpers

    def issue(self, reason: str, kind: str | None = None, at: str | None = None) -> None:
        self.issue_count += 1
        if self.issue_count <= MAX_ISSUES:
            self.data.issues.append(ParseIssue(self.source_file, reason, kind, at))

    def source_id(self, name: str, device: str | None) -> int:
        sid = self.sources.get(name)
        if sid is None:
            if len(self.names) >= 65535:
                raise _Bad("too many distinct sources")
            sid = self.sources[name] = len(self.names)
            self.names.append(name)
            low = name.lower()
            self.kind.append(0 if "watch" in low else 1 if "iphone" in low else 2)
        if device is not None and self.kind[sid]:
            if "Watch" in device:
                self.kind[sid] = 0
            elif "iPhone" in device:
                self.kind[sid] = 1
        return sid

    def when(self, text: str | None) -> tuple[int, int]:
        """``"2019-06-11 15:00:00 -0700"`` -> (UTC epoch seconds, local day ordinal)."""
        if text is None:
            raise _Bad("missing date")
        if len(text) == 25 and text[10] == " " and text[19] == " ":
            day = self.days.get(text[:10])
            off = self.offsets.get(text[20:])
            try:
                if day is None:
                    day = self.days[text[:10]] = dt.date.fromisoformat(text[:10]).toordinal()
                if off is None:
                    sign = {"+": 1, "-": -1}[text[20]]
                    off = sign * (int(text[21:23]) * 3600 + int(text[23:25]) * 60)
                    self.offsets[text[20:]] = off
                h, m, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
            except (KeyError, ValueError):
                raise _Bad("unreadable date") from None
            if text[13] != ":" or text[16] != ":" or h > 23 or m > 59 or s > 60:
                raise _Bad("unreadable date")
            return (day - _EPOCH) * 86400 + h * 3600 + m * 60 + s - off, day
        try:  # anything else ISO 8601 ("2019-06-11T15:00:00-07:00")
            stamp = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise _Bad("unreadable date") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        return int(stamp.timestamp()), stamp.date().toordinal()

    def factor(self, metric: str, unit: str | None) -> float:
        key = (metric, unit or "")
        found = self.factors.get(key)
        if found is None:
            try:
                found = self.factors[key] = convert(metric, 1.0, _clean_unit(unit))
            except UnitError:
                raise _Bad(f"unit {unit!r} cannot be read as {METRICS[metric].unit}") from None
        return found

    def canonical(self, metric: str, raw: str | None, unit: str | None) -> float:
        try:
            value = float(raw) if raw is not None else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise _Bad("value is not a number")
        if METRICS[metric].unit == "%":
            try:
                return convert(metric, value, _clean_unit(unit))
            except UnitError:
                raise _Bad(f"unit {unit!r} cannot be read as %") from None
        return value * self.factor(metric, unit)

    def add_span(self, metric: str, day: int, start: int, end: int, value: float,
                 sid: int) -> None:
        days = self.spans.get(metric)
        if days is None:
            days = self.spans[metric] = {}
        bucket = days.get(day)
        if bucket is None:
            bucket = days[day] = _Bucket()
        bucket.start.append(start)
        bucket.end.append(end)
        bucket.value.append(value)
        bucket.src.append(sid)

    def add_point(self, metric: str, day: int, when: int, value: float, sid: int) -> None:
        days = self.points.get(metric)
        if days is None:
            days = self.points[metric] = {}
        acc = days.get(day)
        if acc is None:
            acc = days[day] = _Discrete()
        acc.total += value
        acc.n += 1
        acc.minimum = min(acc.minimum, value)
        acc.maximum = max(acc.maximum, value)
        if when >= acc.last_t:
            acc.last_t, acc.last_v = when, value
        acc.sources |= 1 << sid

    # ---------------------------------------------------------------- elements

    def record(self, attrib: dict[str, str]) -> None:
        kind = attrib.get("type", "")
        metric = CUMULATIVE.get(kind)
        point = None if metric is not None else DISCRETE.get(kind)
        if metric is None and point is None and kind != SLEEP_TYPE:
            self.data.skipped += 1
            return
        start_text = attrib.get("startDate")
        try:
            start, start_day = self.when(start_text)
            end_text = attrib.get("endDate")
            end, end_day = self.when(end_text)
            if end < start:
                raise _Bad("ends before it starts")
            sid = self.source_id(attrib.get("sourceName") or "unknown source",
                                 attrib.get("device"))
            if metric is not None:
                value = self.canonical(metric, attrib.get("value"), attrib.get("unit"))
                self.add_span(metric, start_day, start, end, value, sid)
            elif point is not None:
                if kind in _BP:
                    key = (kind, attrib.get("sourceName", ""), start_text or "",
                           attrib.get("endDate", ""), attrib.get("value", ""))
                    if key in self.bp_seen:
                        return
                    self.bp_seen.add(key)
                value = self.canonical(point, attrib.get("value"), attrib.get("unit"))
                self.add_point(point, start_day, start, value, sid)
            else:
                stages = SLEEP.get(attrib.get("value", ""))
                if stages is None:
                    raise _Bad("unknown sleep value")
                hours = (end - start) / 3600
                night = _night(end_text or "", end_day)
                for stage in stages:
                    self.add_span(stage, night, start, end, hours, sid)
        except _Bad as exc:
            self.issue(f"Record skipped: {exc}", kind, start_text)

    def workout(self, elem: Element) -> None:
        attrib = elem.attrib
        start_text = attrib.get("startDate")
        try:
            start, _ = self.when(start_text)
            end, _ = self.when(attrib.get("endDate"))
            if end < start:
                raise _Bad("ends before it starts")
            if attrib.get("duration") is not None:
                minutes = self.canonical("workout_minutes", attrib.get("duration"),
                                         attrib.get("durationUnit") or "min")
            else:
                minutes = (end - start) / 60
            distance = energy = None
            if attrib.get("totalDistance") is not None:
                distance = self.canonical("distance", attrib["totalDistance"],
                                          attrib.get("totalDistanceUnit"))
            if attrib.get("totalEnergyBurned") is not None:
                energy = self.canonical("active_energy", attrib["totalEnergyBurned"],
                                        attrib.get("totalEnergyBurnedUnit"))
            for stat in elem.iter("WorkoutStatistics"):  # iOS 16+ exports
                kind, total = stat.get("type", ""), stat.get("sum")
                if total is None:
                    continue
                if distance is None and kind in _DISTANCES:
                    distance = self.canonical("distance", total, stat.get("unit"))
                elif energy is None and kind == f"{_Q}ActiveEnergyBurned":
                    energy = self.canonical("active_energy", total, stat.get("unit"))
            activity = attrib.get("workoutActivityType", "") or "Workout"
            activity = activity.removeprefix(_WORKOUT_PREFIX) or "Workout"
            self.data.workouts.append(Workout(
                start=_aware(start_text or ""), activity=activity, minutes=minutes,
                distance_km=distance, energy_kcal=energy,
                source=attrib.get("sourceName", ""),
            ))
        except _Bad as exc:
            self.issue(f"Workout skipped: {exc}", "Workout", start_text)

    def correlation(self, elem: Element) -> None:
        if elem.get("type") != "HKCorrelationTypeIdentifierBloodPressure":
            self.data.skipped += 1
            return
        for child in elem.iter("Record"):
            self.record(child.attrib)

    # ---------------------------------------------------------------- results

    def rank(self, sid: int) -> tuple[int, str]:
        return self.kind[sid], self.names[sid]

    def finish(self) -> None:
        out = self.data.daily
        for metric in sorted(self.points):
            for day, acc in sorted(self.points[metric].items()):
                names = self.mask_names(acc.sources)
                date = dt.date.fromordinal(day)
                if metric == "heart_rate":
                    out.append(DailyValue("heart_rate", date, acc.total / acc.n, acc.n, names))
                    out.append(DailyValue("heart_rate_min", date, acc.minimum, acc.n, names))
                    out.append(DailyValue("heart_rate_max", date, acc.maximum, acc.n, names))
                    continue
                how = METRICS[metric].daily
                value = {"mean": acc.total / acc.n, "min": acc.minimum, "max": acc.maximum,
                         "last": acc.last_v, "sum": acc.total}[how]
                out.append(DailyValue(metric, date, value, acc.n, names))
        for metric in sorted(self.spans):
            days = self.spans[metric]
            for day in sorted(days):
                value, count, used = resolve_day(days, day, self.rank)
                if count:
                    names = ", ".join(sorted(self.names[s] for s in used))
                    out.append(DailyValue(metric, dt.date.fromordinal(day), value, count, names))
        per_day: dict[dt.date, list[Workout]] = {}
        for w in self.data.workouts:
            per_day.setdefault(w.start.date(), []).append(w)
        for date, items in sorted(per_day.items()):
            names = ", ".join(sorted({w.source for w in items if w.source}))
            minutes = sum(w.minutes for w in items)
            out.append(DailyValue("workout_minutes", date, minutes, len(items), names))
            out.append(DailyValue("workouts", date, float(len(items)), len(items), names))
        if self.issue_count > MAX_ISSUES:
            self.data.issues.append(ParseIssue(
                self.source_file,
                f"{self.issue_count - MAX_ISSUES} more samples could not be used "
                f"({self.issue_count} in all)"))

    def mask_names(self, mask: int) -> str:
        return ", ".join(sorted(self.names[i] for i in range(mask.bit_length())
                                if mask >> i & 1))


def resolve_day(days: dict[int, _Bucket], day: int,
                rank: Callable[[int], tuple[int, str]]) -> tuple[float, int, set[int]]:
    """The de-duplicated total of one metric on one day: (value, samples used, sources).

    Samples of the neighbouring days that overlap this day's samples in time take part
    as blockers (a step sample at 23:58 from the watch covers one at 00:01 from the
    phone), but only this day's samples add to this day's value."""
    own = days[day]
    n = len(own.value)
    lo, hi = min(own.start), max(own.end)
    blockers: list[tuple[int, int, int]] = []
    for other in (days.get(day - 1), days.get(day + 1)):
        if other is None:
            continue
        for s, e, src in zip(other.start, other.end, other.src, strict=True):
            if s < hi and e > lo and e > s:
                blockers.append((s, e, src))
    sources = set(own.src)
    if len(sources) == 1 and all(src in sources for _, _, src in blockers):
        return sum(own.value), n, sources  # one source: nothing can overlap it
    events: list[tuple[int, int, int, int]] = []  # (time, +1/-1, sample or -1, source)
    for i in range(n):
        s, e = own.start[i], own.end[i]
        if e > s:
            events.append((s, 1, i, own.src[i]))
            events.append((e, -1, i, own.src[i]))
    for s, e, src in blockers:
        events.append((s, 1, -1, src))
        events.append((e, -1, -1, src))
    events.sort()
    credit = [0] * n
    active: dict[int, int] = {}  # source -> samples open now
    open_own: dict[int, set[int]] = {}  # source -> this day's samples open now
    prev = 0
    for when, step, i, src in events:
        if when > prev and active:
            winner = min(active, key=rank)
            for j in open_own.get(winner, ()):
                credit[j] += when - prev
        prev = when
        if step > 0:
            active[src] = active.get(src, 0) + 1
            if i >= 0:
                open_own.setdefault(src, set()).add(i)
        else:
            left = active[src] - 1
            if left:
                active[src] = left
            else:
                del active[src]
            if i >= 0:
                open_own[src].discard(i)
    total, used, names = 0.0, 0, set()
    for i in range(n):
        duration = own.end[i] - own.start[i]
        kept = credit[i]
        if duration == 0 or kept == duration:
            total += own.value[i]
        elif kept:
            total += own.value[i] * (kept / duration)
        else:
            continue
        used += 1
        names.add(own.src[i])
    return total, used, names


def _night(end_text: str, end_day: int) -> int:
    """The day a sleep sample counts for: the date it ends, except that one ending at or
    after 18:00 belongs to the next morning (stages before midnight join their night)."""
    try:
        hour = int(end_text[11:13])
    except ValueError:
        hour = 0
    return end_day + 1 if hour >= NIGHT_STARTS else end_day


def _clean_unit(unit: str | None) -> str | None:
    """Apple writes glucose as ``mmol<180.1558800000541>/L`` (molar mass inside)."""
    if unit is not None and "<" in unit:
        return re.sub(r"<[^>]*>", "", unit)
    return unit


def _aware(text: str) -> dt.datetime:
    """The sample's local time with its own offset (its ``.date()`` is the day written)."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        stamp = dt.datetime.fromisoformat(text.strip())
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _events(stream: _Counting) -> Iterator[tuple[str, Element]]:
    # defusedxml's parser refuses <!ENTITY> declarations and external references; the
    # element and attribute declarations of Apple's DTD pass.
    it: Iterator[tuple[str, Element]] = iterparse(stream, events=("start", "end"))
    return it


def aggregate_apple_xml(
    stream: BinaryIO,
    *,
    source_file: str,
    size: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> AppleHealthData:
    """Stream an export and reduce it to daily values and workouts (no records yet)."""
    reader = _Counting(stream, size, progress)
    state = _State(source_file)
    depth = 0
    root: Element | None = None
    found = 0  # Record, Correlation and Workout elements
    try:
        for event, elem in _events(reader):
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    if elem.tag != "HealthData":
                        raise UnsupportedFormat(
                            f"{source_file}: the XML root is <{elem.tag[:40]}>, "
                            "not Apple Health's <HealthData>")
                continue
            depth -= 1
            if depth != 1 or root is None:
                continue
            tag = elem.tag
            if tag == "Record":
                found += 1
                kind = elem.get("type", "")
                if kind in state.data.record_counts or len(state.data.record_counts) < MAX_TYPES:
                    state.data.record_counts[kind] += 1
                state.record(elem.attrib)
            elif tag == "Workout":
                found += 1
                state.workout(elem)
            elif tag == "Correlation":
                found += 1
                state.correlation(elem)
            elif tag == "ActivitySummary":
                state.data.skipped += 1
            root.clear()  # drops the finished element (and any before it) from memory
    except EntitiesForbidden as exc:
        raise InvalidContent(
            f"{source_file}: the XML declares an entity ({str(exc.name)[:40]!r}); Apple "
            "Health exports never do, and entities can expand without bound or read "
            "local files, so the file is refused") from None
    except ExternalReferenceForbidden:
        raise InvalidContent(
            f"{source_file}: the XML refers to an external resource, refused") from None
    except DefusedXmlException as exc:
        raise InvalidContent(f"{source_file}: unsafe XML refused ({type(exc).__name__})") \
            from None
    except ParseError as exc:
        if reader.done == 0:
            raise EmptyInput(f"{source_file}: the file is empty") from None
        line, column = getattr(exc, "position", (0, 0))
        raise InvalidContent(
            f"{source_file}: malformed XML at line {line}, column {column}") from None
    if found == 0:
        raise EmptyInput(f"{source_file}: the Apple Health export holds no records or workouts")
    state.finish()
    return state.data


def parse_apple_xml(
    stream: BinaryIO,
    *,
    source_file: str,
    file_hash: str,
    size: int,
    progress: Callable[[int, int], None] | None = None,
) -> ParseResult:
    """Parse an Apple Health ``export.xml`` byte stream (a file or a zip member)."""
    data = aggregate_apple_xml(stream, source_file=source_file, size=size, progress=progress)
    records = daily_records(data.daily, source_file=source_file, file_hash=file_hash,
                            origin=ORIGIN)
    records += workout_records(data.workouts, source_file=source_file, file_hash=file_hash,
                               origin=ORIGIN)
    return ParseResult(records=records, issues=data.issues, skipped=data.skipped)


def parse_apple_health(source: Source, settings: IngestSettings) -> ParseResult:
    """The :class:`~ingest.base.Parser` for an ``export.xml`` on disk. It streams, so the
    whole-file size cap of small parsers does not apply here (the caller decides)."""
    del settings  # nothing to tune: streaming keeps memory flat at any size

    def progress(done: int, total: int) -> None:
        source.advance(done)

    with source.open() as fh:
        return parse_apple_xml(fh, source_file=source.name, file_hash=source.file_hash,
                               size=source.size, progress=progress)
