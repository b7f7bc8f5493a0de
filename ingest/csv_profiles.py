"""CSV exports from wellness apps: the layout is recognised from the header row.

Each app writes its own columns, so a *profile* is picked from the header names (never
from the file name) and reduces the rows to one :class:`~ingest.wellness.DailyValue` per
metric and day in the metric's canonical unit; :func:`~ingest.wellness.daily_records`
then builds the same weekly and monthly records as every other wellness source.
:data:`PROFILES` lists the layouts and their telltale columns (``known_profiles()``
renders them for error messages and the README).

Reading rules, chosen to be deterministic and explainable rather than clever:

- **Encoding**: a BOM wins (UTF-8, UTF-16 LE/BE); BOM-less UTF-16 is recognised by its
  zero bytes; then strict UTF-8, then cp1252, then latin-1. Text with NUL bytes or more
  than 1% control characters is binary, refused with :class:`UnsupportedFormat`.
- **Delimiter**: ``,``, ``;`` or tab, whichever gives the header 2+ columns and the next
  lines the same count (the widest wins; ties prefer ``,``).
- **Numbers**: in ``;`` files the comma is the decimal mark (``72,5``; ``1.234,5`` has a
  thousands dot); in tab files too when cells like ``72,5`` appear and none like
  ``72.5``; in ``,`` files a quoted ``"1,234"`` has a thousands comma. ``""``, ``N/A``,
  ``-`` and ``--`` are missing values, not errors. Negative amounts are refused per line.
- **Dates**: ISO (``2021-01-05``, ``2021-01-05 07:30``, with ``T``, seconds, AM/PM, an
  offset or a ``(EST)`` suffix) or numeric ``a/b/yyyy``, ``a/b/yy``, ``a-b-yyyy``,
  ``a.b.yyyy`` with an optional time. Numeric dates are month-first unless the column
  proves otherwise (a first part over 12 somewhere in it) or, when it proves nothing,
  the file is a ``;`` file or writes ``dd.mm.yyyy`` (European layouts). The day is the
  calendar day as written: no timezone conversion.
- **Units**: a unit in the header wins (``Weight (lbs)``, ``Distance (mi)``,
  ``Distance (m)``); a header without one is read in the metric's canonical unit (kg,
  km, kcal, minutes for durations). Apps that write the account's unit under a bare
  ``Weight`` / ``Distance`` header (MyFitnessPal, Fitbit) are thus read as metric: rename
  the header to ``Weight (lb)`` for an imperial account.
- **Rows**: a bad cell or line is reported as ``ParseIssue(reason="line N: ...")`` and
  the rest is kept; a file where no line gives a value is :class:`InvalidContent`. A
  daily-summary layout that repeats a day keeps the later row (identical repeats are
  dropped silently and counted as skipped).
- **One person**: a file whose ``Id`` column holds several ids (the Fitabase research
  files hold 33 people) is refused: a vault holds one person's data.
- **Formula cells**: free text that reaches record text (exercise and class names)
  and starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` so that a
  spreadsheet opened from our exports never evaluates it. Comments and notes are not
  carried into records.
- A file may hold several sections (the Fitbit account export: a title line such as
  ``Activities``, a header, rows, a blank line, the next title): each known section is
  read; unknown sections are reported and skipped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

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
from rag.core.types import ParseIssue, ParseResult, Record

log = logging.getLogger(__name__)

MAX_ISSUES = 200  # per file: past this, one summary issue counts the remaining lines
_DELIMITERS = (",", ";", "\t")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MISSING = frozenset({"", "-", "--", "n/a", "na", "null", "none", "nan"})
_UNITS = {
    "lbs": "lb", "lb": "lb", "pound": "lb", "pounds": "lb", "kg": "kg", "kgs": "kg",
    "kilograms": "kg", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "s": "s", "sec": "s",
    "seconds": "s", "mi": "mi", "mile": "mi", "miles": "mi", "km": "km", "m": "m",
    "meters": "m", "metres": "m", "kcal": "kcal", "cal": "kcal", "calories": "kcal",
    "kj": "kj", "bpm": "bpm", "g": "g", "grams": "g", "mg": "mg", "%": "%", "percent": "%",
    "mmhg": "mmhg", "mg/dl": "mg/dl", "mmol/l": "mmol/l", "st": "st", "stone": "st",
}
# Generic date/metric/value/unit files: METRICS keys, or these spellings.
ALIASES: dict[str, str] = {
    "step_count": "steps", "heart_rate_avg": "heart_rate", "hr": "heart_rate",
    "pulse": "heart_rate", "resting_hr": "resting_heart_rate", "sleep": "sleep_total",
    "sleep_hours": "sleep_total", "systolic": "systolic_bp", "diastolic": "diastolic_bp",
    "body_fat_percentage": "body_fat", "calories_burned": "total_energy",
    "calories_eaten": "calories_in", "blood_glucose": "glucose", "oxygen_saturation": "spo2",
}


# ---------------------------------------------------------------- profiles


@dataclass(frozen=True)
class Col:
    """A metric read from one column, or the sum of several (active = very + fairly)."""

    metric: str
    columns: tuple[str, ...]  # header base names (lower case, unit suffix removed)
    unit: str | None = None  # the unit when the header names none (else canonical)


RowHook = Callable[["_Section", "_Row", dt.datetime], None]


@dataclass(frozen=True)
class Profile:
    name: str  # "Fitbit daily activity (Fitabase)": names the layout in messages
    origin: str  # "Fitbit": the display name the records carry
    telltale: tuple[str, ...]  # header names (as the app writes them) that identify it
    date: str  # header base name of the column holding the day
    cols: tuple[Col, ...] = ()
    daily: bool = False  # one row per day (a repeat replaces), else samples that aggregate
    hook: RowHook | None = None  # extra per-row handling: workouts, derived values, ...

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(_base(t)[0] for t in self.telltale)


def _mfp_exercise(sec: _Section, row: _Row, when: dt.datetime) -> None:
    name = sec.text(row, "exercise")
    minutes = sec.number(row, "exercise minutes", "min", metric="workout_minutes")
    kcal = sec.number(row, "exercise calories", "kcal", metric="active_energy")
    if not minutes and "calorie adjustment" in name.lower():
        sec.skip()  # MyFitnessPal's step-sync credit, not a workout
        return
    sec.workout(when, name or "Exercise", minutes or 0.0, None, kcal)


def _peloton(sec: _Section, row: _Row, when: dt.datetime) -> None:
    minutes = sec.number(row, "length", "min", metric="workout_minutes")
    if minutes is None:
        raise _LineError(f"no class length in {sec.label('length')!r}")
    discipline = sec.text(row, "fitness discipline") or "Workout"
    title = sec.text(row, "title")
    activity = f"{discipline} ({title})" if title else discipline
    distance = sec.number(row, "distance", "km", metric="distance")
    kcal = sec.number(row, "calories burned", "kcal", metric="active_energy")
    sec.workout(when, activity, minutes, distance, kcal)


def _withings_weight(sec: _Section, row: _Row, when: dt.datetime) -> None:
    """Body fat %: the ``Fat ratio (%)`` column when there is one, else fat mass / weight."""
    if sec.has("fat ratio") or not sec.has("fat mass"):
        return
    fat = sec.number(row, "fat mass", "kg", metric="weight")
    weight = sec.number(row, "weight", "kg", metric="weight")
    if fat is not None and weight:
        sec.emit("body_fat", when, 100 * fat / weight, row.line)


def _generic(sec: _Section, row: _Row, when: dt.datetime) -> None:
    raw = sec.text(row, "metric")
    key = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    metric = key if key in METRICS else ALIASES.get(key)
    if metric is None:
        raise _LineError(f"unknown metric {raw[:40]!r} (use a key of the wellness metrics, "
                         f"e.g. steps, weight, heart_rate, sleep_total)")
    value = _cell_number(sec, row, "value")
    if value is None:
        raise _LineError("no value")
    raw_unit = sec.cell(row, "unit").strip()
    unit = _UNITS.get(raw_unit.lower().replace(" ", ""), raw_unit) or None
    try:
        value = convert(metric, value, unit)
    except UnitError as exc:
        raise _LineError(str(exc)) from None
    sec.emit(metric, when, value, row.line)


_FITBIT_ACTIVE = ("minutes fairly active", "minutes very active")
PROFILES: tuple[Profile, ...] = (
    Profile("Fitbit daily activity (Fitabase)", "Fitbit",
            ("Id", "ActivityDate", "TotalSteps"), "activitydate", (
                Col("steps", ("totalsteps",)), Col("distance", ("totaldistance",)),
                Col("active_minutes", ("veryactiveminutes", "fairlyactiveminutes")),
                Col("sedentary_minutes", ("sedentaryminutes",)),
                Col("total_energy", ("calories",))), daily=True),
    Profile("Fitbit sleep (Fitabase)", "Fitbit", ("SleepDay", "TotalMinutesAsleep"),
            "sleepday", (Col("sleep_total", ("totalminutesasleep",), "min"),
                         Col("sleep_in_bed", ("totaltimeinbed",), "min")), daily=True),
    Profile("Fitbit weight (Fitabase)", "Fitbit", ("Date", "WeightKg", "BMI"), "date", (
        Col("weight", ("weightkg",), "kg"), Col("body_fat", ("fat",), "%"),
        Col("bmi", ("bmi",)))),
    Profile("Fitbit hourly calories (Fitabase)", "Fitbit", ("ActivityHour", "Calories"),
            "activityhour", (Col("total_energy", ("calories",)),)),
    Profile("Fitbit hourly steps (Fitabase)", "Fitbit", ("ActivityHour", "StepTotal"),
            "activityhour", (Col("steps", ("steptotal",)),)),
    Profile("Fitbit daily steps (Fitabase)", "Fitbit", ("ActivityDay", "StepTotal"),
            "activityday", (Col("steps", ("steptotal",)),), daily=True),
    Profile("Fitbit daily calories (Fitabase)", "Fitbit", ("ActivityDay", "Calories"),
            "activityday", (Col("total_energy", ("calories",)),), daily=True),
    Profile("Fitbit activities (account export)", "Fitbit",
            ("Date", "Calories Burned", "Steps", "Minutes Sedentary"), "date", (
                Col("total_energy", ("calories burned",)), Col("steps", ("steps",)),
                Col("distance", ("distance",)), Col("floors", ("floors",)),
                Col("sedentary_minutes", ("minutes sedentary",)),
                Col("active_minutes", _FITBIT_ACTIVE),
                Col("active_energy", ("activity calories",))), daily=True),
    Profile("Fitbit sleep (account export)", "Fitbit",
            ("Start Time", "End Time", "Minutes Asleep", "Time in Bed"), "end time", (
                Col("sleep_total", ("minutes asleep",), "min"),
                Col("sleep_in_bed", ("time in bed",), "min"),
                Col("sleep_awake", ("minutes awake",), "min"),
                Col("sleep_rem", ("minutes rem sleep",), "min"),
                Col("sleep_core", ("minutes light sleep",), "min"),
                Col("sleep_deep", ("minutes deep sleep",), "min"))),
    Profile("Fitbit body (account export)", "Fitbit", ("Date", "Weight", "BMI"), "date", (
        Col("weight", ("weight",)), Col("bmi", ("bmi",)), Col("body_fat", ("fat",), "%"))),
    Profile("Fitbit foods (account export)", "Fitbit", ("Date", "Calories In"), "date",
            (Col("calories_in", ("calories in",)),), daily=True),
    Profile("MyFitnessPal nutrition", "MyFitnessPal",
            ("Date", "Meal", "Calories", "Protein (g)"), "date", (
                Col("calories_in", ("calories",)), Col("fat", ("fat",), "g"),
                Col("carbohydrates", ("carbohydrates",), "g"),
                Col("protein", ("protein",), "g"), Col("sugar", ("sugar",), "g"),
                Col("fiber", ("fiber",), "g"), Col("sodium_in", ("sodium",), "mg"))),
    Profile("MyFitnessPal exercise", "MyFitnessPal",
            ("Date", "Exercise", "Exercise Calories", "Exercise Minutes"), "date",
            hook=_mfp_exercise),
    Profile("MyFitnessPal measurements", "MyFitnessPal", ("Date", "Weight"), "date", (
        Col("weight", ("weight",)), Col("body_fat", ("body fat",), "%"))),
    Profile("Withings weight", "Withings", ("Date", "Weight (kg)", "Fat mass (kg)"), "date",
            (Col("weight", ("weight",)), Col("body_fat", ("fat ratio",), "%")),
            hook=_withings_weight),
    Profile("Withings blood pressure", "Withings", ("Date", "Systolic", "Diastolic"), "date", (
        Col("systolic_bp", ("systolic",)), Col("diastolic_bp", ("diastolic",)),
        Col("heart_rate", ("heart rate",)))),
    Profile("Peloton workouts", "Peloton",
            ("Workout Timestamp", "Fitness Discipline", "Length (minutes)"),
            "workout timestamp", hook=_peloton),
    Profile("Google Fit daily activity", "Google Fit", ("Date", "Move Minutes count"), "date", (
        Col("steps", ("step count",)), Col("distance", ("distance",), "m"),
        Col("total_energy", ("calories",), "kcal"),
        Col("active_minutes", ("move minutes count",)),
        Col("heart_rate", ("average heart rate",)), Col("heart_rate_max", ("max heart rate",)),
        Col("heart_rate_min", ("min heart rate",)), Col("weight", ("average weight",), "kg")),
            daily=True),
    Profile("Generic date/metric/value/unit", "CSV", ("date", "metric", "value"), "date",
            hook=_generic),
)


def known_profiles() -> str:
    """Every profile with its telltale columns, for messages and the README."""
    return "; ".join(f"{p.name} [{', '.join(p.telltale)}]" for p in PROFILES)


def match_profile(header: Iterable[str]) -> Profile | None:
    """The most specific profile whose telltale columns all appear in ``header``."""
    bases = {_base(h)[0] for h in header}
    best: Profile | None = None
    for p in PROFILES:
        if p.keys <= bases and (best is None or len(p.keys) > len(best.keys)):
            best = p
    return best


# ---------------------------------------------------------------- cells


def neutralise(text: str) -> str:
    """Free text safe to open in a spreadsheet: no leading formula character, one line."""
    text = text.strip(" ")
    risky = text.startswith(_FORMULA_START)
    text = " ".join(text.split())
    if not text:
        return ""
    return f"'{text}" if risky or text.startswith(_FORMULA_START) else text


def _base(name: str) -> tuple[str, str | None]:
    """``" Weight (lbs)"`` -> ``("weight", "lb")``: matching ignores case, spacing, unit."""
    s = name.strip().lstrip("\ufeff").strip('"').strip().lower()
    unit = None
    m = re.match(r"^(.*?)\s*\(([^()]*)\)$", s) or re.match(r"^(.*?)\s*(%)$", s)
    if m and m.group(1):
        s, raw = m.group(1), m.group(2).strip()
        unit = _UNITS.get(raw.replace(" ", ""), raw)
    return " ".join(s.split()), unit


_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_COMMA_GROUPS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def parse_number(text: str, decimal_comma: bool) -> float | None:
    """A cell as a number; ``None`` when it is missing. Raises ValueError for anything else."""
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if s.lower() in _MISSING:
        return None
    s = s.removesuffix("%")
    if decimal_comma and "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif not decimal_comma and _COMMA_GROUPS.match(s):
        s = s.replace(",", "")
    if not _PLAIN.match(s):
        raise ValueError(text)
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


_TAIL = r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?|\([^)]*\)|[A-Za-z]{3,5})?$"
_TIME = r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + _TAIL)
_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _TIME + _TAIL)


@lru_cache(maxsize=8192)
def parse_when(text: str, dayfirst: bool) -> dt.datetime:
    """A date cell as a naive local datetime (midnight for a bare date); ValueError if not."""
    s = text.strip()
    m = _ISO.match(s)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hour, minute, second, ampm = m.group(4, 5, 6, 7)
    else:
        m = _NUMERIC.match(s)
        if not m:
            raise ValueError(text)
        a, b, y = int(m.group(1)), int(m.group(3)), m.group(4)
        day, month = (a, b) if dayfirst else (b, a)
        year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 70 else 1900 + int(y))
        hour, minute, second, ampm = m.group(5, 6, 7, 8)
    h = int(hour or 0)
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError(text)
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    return dt.datetime(year, month, day, h, int(minute or 0), int(second or 0))


def _dayfirst(cells: Iterable[str], default: bool) -> bool:
    """Day-first when some numeric date has a first part over 12, month-first when some
    has a second part over 12, else ``default`` (or ``dd.mm.yyyy``, always day-first)."""
    first = second = dotted = False
    for cell in cells:
        m = _NUMERIC.match(cell.strip())
        if m:
            first |= int(m.group(1)) > 12
            second |= int(m.group(3)) > 12
            dotted |= m.group(2) == "."
    if first != second:
        return first
    return default or dotted


# ---------------------------------------------------------------- decoding


def _is_binary(text: str) -> bool:
    sample = text[:8192]
    if "\x00" in sample:
        return True
    control = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f")
                  or 0x7F <= ord(c) < 0xA0)
    return control > len(sample) / 100


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    odd = sample[1::2].count(0) / pairs
    even = sample[0::2].count(0) / pairs
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes, *, final: bool = True) -> tuple[str, str]:
    """``(text, encoding)``. ``final=False`` tolerates a multi-byte character cut at the end
    (a file's head). Raises UnicodeDecodeError only for broken UTF-16."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            decoder = codecs.getincrementaldecoder(encoding)()
            return decoder.decode(data[len(bom):], final=final), f"{encoding} (BOM)"
    candidates = [_utf16_without_bom(data) or "utf-8", "utf-8", "cp1252"]
    for encoding in candidates:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final=final), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


@dataclass(frozen=True)
class _Sniff:
    delimiter: str
    width: int
    data_rows: int
    header: tuple[str, ...]
    consistent: bool  # 80% of the first data lines have the header's width


def _sniff(lines: list[str]) -> _Sniff | None:
    """The delimiter whose header has the most columns with consistent rows after it."""
    best: tuple[tuple[int, int, int], _Sniff] | None = None
    for delimiter in _DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        others = [d for d in _DELIMITERS if d != delimiter]
        i = 0
        while (i < len(rows) and i < 3 and sum(1 for c in rows[i] if c.strip()) <= 1
               and not any(d in lines[i] for d in others)):
            i += 1  # blank lines and title lines ("Activities") before the header
        if i >= len(rows) or len(rows[i]) < 2:
            continue
        header = rows[i]
        data: list[list[str]] = []
        for row in rows[i + 1:i + 11]:
            if not any(c.strip() for c in row):
                break
            data.append(row)
        same = sum(1 for r in data if len(r) == len(header))
        consistent = same >= 0.8 * len(data)
        candidate = _Sniff(delimiter, len(header), len(data), tuple(header), consistent)
        score = (int(consistent), len(header), -_DELIMITERS.index(delimiter))
        if best is None or score > best[0]:
            best = (score, candidate)
    return best[1] if best else None


def _head_lines(text: str, limit: int = 40) -> list[str]:
    return text[:65536].splitlines()[:limit]


def looks_like_csv(head: bytes) -> bool:
    """Does the start of a file look like a delimited export? Text that decodes, a header
    of 2+ short named columns, and data lines with the same number of columns. Prose
    (long cells, ragged commas) and binary content are not CSV. Never raises."""
    try:
        text, _ = decode(head, final=False)
    except UnicodeDecodeError:
        return False
    if not text.strip() or _is_binary(text):
        return False
    lines = text.splitlines()
    if len(lines) > 2 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the head may cut the last line
    sniff = _sniff(lines[:40])
    if sniff is None or sniff.data_rows == 0 or not sniff.consistent:
        return False
    named = [h.strip() for h in sniff.header if h.strip()]
    return len(named) >= 2 and all(len(h) <= 64 and len(h.split()) <= 8 for h in named)


# ---------------------------------------------------------------- reading


class _LineError(ValueError):
    """One line cannot be used; the message follows ``line N: ``."""


@dataclass
class _Row:
    line: int
    cells: list[str]


@dataclass
class _Out:
    """What a whole file yields, per origin; and its issues."""

    name: str
    samples: dict[tuple[str, str, dt.date], list[tuple[float, dt.datetime, int]]] = field(
        default_factory=lambda: defaultdict(list))
    workouts: dict[str, list[Workout]] = field(default_factory=lambda: defaultdict(list))
    issues: list[ParseIssue] = field(default_factory=list)
    dropped_issues: int = 0
    skipped: int = 0
    rows: int = 0

    def issue(self, reason: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ParseIssue(self.name, reason))
        else:
            self.dropped_issues += 1

    def values(self) -> dict[str, list[DailyValue]]:
        out: dict[str, list[DailyValue]] = defaultdict(list)
        for (origin, metric, day), samples in sorted(self.samples.items()):
            how = METRICS[metric].daily
            vals = [s[0] for s in samples]
            if how == "sum":
                value = math.fsum(vals)
            elif how == "mean":
                value = math.fsum(vals) / len(vals)
            elif how == "min":
                value = min(vals)
            elif how == "max":
                value = max(vals)
            else:
                value = max(samples, key=lambda s: (s[1], s[2]))[0]
            out[origin].append(DailyValue(metric, day, value, samples=len(samples)))
        return out


class _Section:
    """One header and its rows, read with one profile."""

    def __init__(self, profile: Profile, header: list[str], out: _Out,
                 decimal_comma: bool) -> None:
        self.profile = profile
        self.out = out
        self.decimal_comma = decimal_comma
        self.dayfirst = False
        self.width = len(header)
        self.index: dict[str, tuple[int, str | None, str]] = {}
        for i, name in enumerate(header):
            base, unit = _base(name)
            self.index.setdefault(base, (i, unit, name.strip().lstrip("\ufeff")))
        self.produced = 0
        self.cols = [c for c in profile.cols if self._usable(c)]

    def _usable(self, col: Col) -> bool:
        present = [c for c in col.columns if c in self.index]
        for c in present:
            unit = self.index[c][1] or col.unit
            try:
                convert(col.metric, 1.0, unit)
            except UnitError:
                self.out.issue(f"column {self.label(c)!r}: unit {unit!r} cannot be read "
                               f"as {METRICS[col.metric].display}; column skipped")
                return False
        return bool(present)

    def has(self, base: str) -> bool:
        return base in self.index

    def label(self, base: str) -> str:
        return self.index[base][2] if base in self.index else base

    def cell(self, row: _Row, base: str) -> str:
        spot = self.index.get(base)
        if spot is None or spot[0] >= len(row.cells):
            return ""
        return row.cells[spot[0]]

    def text(self, row: _Row, base: str) -> str:
        return neutralise(self.cell(row, base))[:120]

    def number(self, row: _Row, base: str, unit: str | None = None, *,
               metric: str) -> float | None:
        """A cell in ``metric``'s canonical unit (the header's unit, else ``unit``)."""
        value = _cell_number(self, row, base)
        if value is None:
            return None
        try:
            return convert(metric, value, self.index[base][1] or unit)
        except UnitError as exc:
            raise _LineError(str(exc)) from None

    def emit(self, metric: str, when: dt.datetime, value: float, line: int,
             replace: bool = False) -> None:
        key = (self.profile.origin, metric, when.date())
        if replace:
            self.out.samples[key] = [(value, when, line)]
        else:
            self.out.samples[key].append((value, when, line))
        self.produced += 1

    def workout(self, when: dt.datetime, activity: str, minutes: float,
                distance_km: float | None, kcal: float | None) -> None:
        origin = self.profile.origin
        self.out.workouts[origin].append(
            Workout(when, activity, minutes, distance_km, kcal, source=origin))
        self.emit("workouts", when, 1.0, 0)
        if minutes:
            self.emit("workout_minutes", when, minutes, 0)

    def skip(self) -> None:
        self.out.skipped += 1
        self.produced += 1  # deliberately left out still counts as a usable line


def _cell_number(sec: _Section, row: _Row, base: str) -> float | None:
    raw = sec.cell(row, base)
    try:
        value = parse_number(raw, sec.decimal_comma)
    except ValueError:
        raise _LineError(f"{sec.label(base)!r} value {raw.strip()[:40]!r} is not a number"
                         ) from None
    if value is not None and value < 0:
        raise _LineError(f"{sec.label(base)!r} value {raw.strip()[:40]!r} is negative")
    return value


def _read_section(sec: _Section, rows: list[_Row]) -> None:
    profile = sec.profile
    seen: dict[dt.date, tuple[int, list[str]]] = {}
    for row in rows:
        extra = row.cells[sec.width:]
        if any(c.strip() for c in extra):
            sec.out.issue(f"line {row.line}: {len(row.cells)} fields where the header has "
                          f"{sec.width}; line skipped")
            continue
        before = sec.produced
        try:
            raw_date = sec.cell(row, profile.date)
            if not raw_date.strip():
                raise _LineError(f"no date in {sec.label(profile.date)!r}")
            try:
                when = parse_when(raw_date, sec.dayfirst)
            except ValueError:
                raise _LineError(f"{sec.label(profile.date)!r} value "
                                 f"{raw_date.strip()[:40]!r} is not a date") from None
            if profile.daily:
                first = seen.get(when.date())
                if first is not None and first[1] == row.cells[:sec.width]:
                    sec.skip()
                    continue
                if first is not None:
                    sec.out.issue(f"line {row.line}: a second row for {when.date()} (first "
                                  f"on line {first[0]}); the later row is kept")
                seen[when.date()] = (row.line, row.cells[:sec.width])
            for col in sec.cols:
                _read_col(sec, row, col, when)
            if profile.hook is not None:
                profile.hook(sec, row, when)
        except _LineError as exc:
            sec.out.issue(f"line {row.line}: {exc}")
            continue
        if sec.produced > before:
            sec.out.rows += 1


def _read_col(sec: _Section, row: _Row, col: Col, when: dt.datetime) -> None:
    total: float | None = None
    for base in col.columns:
        if base not in sec.index:
            continue
        try:
            value = sec.number(row, base, col.unit, metric=col.metric)
        except _LineError as exc:  # one bad cell: report it, keep the row's other values
            sec.out.issue(f"line {row.line}: {exc}")
            return
        if value is not None:
            total = value if total is None else total + value
    if total is not None:
        sec.emit(col.metric, when, total, row.line, replace=sec.profile.daily)


def _is_value(text: str) -> bool:
    """A date or a number: data, not a section title."""
    try:
        parse_when(text, False)
        return True
    except ValueError:
        pass
    try:
        return parse_number(text, False) is not None
    except ValueError:
        return False


def _is_header(cells: list[str]) -> bool:
    """A known profile's header (data rows start with a date or an id, never a name)."""
    return bool(cells) and not any(ch.isdigit() for ch in cells[0]) and (
        match_profile(cells) is not None)


def _sections(rows: list[_Row]) -> list[tuple[str | None, list[str], list[_Row]]]:
    """Split rows into ``(title, header, data)``. A section starts at the first line, at a
    one-cell title line ("Activities") at the start, after a blank line or before a known
    header, at any known header (concatenated exports repeat it), and after blank lines
    when a line of another width follows. Other blank lines are just skipped."""
    sections: list[tuple[str | None, list[str], list[_Row]]] = []
    title: str | None = None
    expect_header = True
    after_blank = False
    for k, row in enumerate(rows):
        filled = [c.strip() for c in row.cells if c.strip()]
        if not filled:
            after_blank = True
            continue
        if (len(filled) == 1 and row.cells[0].strip() and not _is_value(filled[0])
                and (expect_header or after_blank or _header_follows(rows, k))):
            title, expect_header, after_blank = filled[0], True, False
            continue
        current = sections[-1] if sections else None
        if (current is None or expect_header or _is_header(row.cells)
                or (after_blank and len(row.cells) != len(current[1]))):
            sections.append((title, row.cells, []))
            title, expect_header, after_blank = None, False, False
            continue
        current[2].append(row)
        after_blank = False
    return sections


def _header_follows(rows: list[_Row], k: int) -> bool:
    for row in rows[k + 1:]:
        if any(c.strip() for c in row.cells):
            return _is_header(row.cells)
    return False


def parse_csv(source: Source, settings: IngestSettings) -> ParseResult:
    """Read a wellness CSV export into daily wellness records (see the module docstring)."""
    data = source.read_bytes(settings.max_file_bytes)
    name = source.name
    if not data.strip():
        raise EmptyInput(f"{name}: the file is empty")
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise InvalidContent(f"{name}: starts with a UTF-16 mark but is not valid UTF-16"
                             ) from None
    if _is_binary(text):
        raise UnsupportedFormat(f"{name}: binary content, not a CSV text export")
    if not text.strip():
        raise EmptyInput(f"{name}: the file is empty")
    sniff = _sniff(_head_lines(text))
    if sniff is None:
        raise UnsupportedFormat(f"unsupported CSV layout: {name} (no header row with 2 or "
                                f"more columns separated by ',', ';' or tab); known "
                                f"profiles: {known_profiles()}")
    rows = _rows(text, sniff.delimiter, name)
    european = sniff.delimiter == ";"
    decimal_comma = european or (sniff.delimiter == "\t" and _commas(rows))
    out = _Out(name)
    known = data_rows = 0
    for title, header, body in _sections(rows):
        data_rows += len(body)
        profile = match_profile(header)
        if profile is None:
            where = f"lines {body[0].line}-{body[-1].line}" if body else "a header"
            out.issue(f"{where}: section {title or header[0]!r} has an unknown layout; skipped")
            out.skipped += len(body)
            continue
        known += 1
        _one_person(header, body, name)
        sec = _Section(profile, header, out, decimal_comma)
        sec.dayfirst = _dayfirst((sec.cell(r, profile.date) for r in body), default=european)
        _read_section(sec, body)
    if not known:
        raise UnsupportedFormat(f"unsupported CSV layout: {name}; known profiles: "
                                f"{known_profiles()}")
    by_origin = out.values()
    if not by_origin and not out.workouts:
        if data_rows == 0:
            raise EmptyInput(f"{name}: the CSV has a header but no data rows")
        first = "; ".join(i.reason for i in out.issues[:3])
        raise InvalidContent(f"{name}: no usable line in this CSV"
                             + (f" ({first})" if first else ""))
    records: list[Record] = []
    for origin in sorted(set(by_origin) | set(out.workouts)):
        records += daily_records(by_origin.get(origin, []), source_file=name,
                                 file_hash=source.file_hash, origin=origin)
        if out.workouts.get(origin):
            records += workout_records(out.workouts[origin], source_file=name,
                                       file_hash=source.file_hash, origin=origin)
    if out.dropped_issues:
        out.issues.append(ParseIssue(name, f"... and {out.dropped_issues} more problems"))
    log.info("csv parsed encoding=%s rows=%d records=%d issues=%d skipped=%d",
             encoding, out.rows, len(records), len(out.issues), out.skipped)
    return ParseResult(records=records, issues=out.issues, skipped=out.skipped)


def _rows(text: str, delimiter: str, name: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_Row] = []
    end = 0
    try:
        for cells in reader:
            rows.append(_Row(end + 1, cells))
            end = reader.line_num
    except csv.Error as exc:
        raise InvalidContent(f"{name}: line {end + 1}: not readable as CSV ({exc})") from None
    return rows


def _commas(rows: list[_Row]) -> bool:
    """Tab files: decimal commas when cells like ``72,5`` appear and none like ``72.5``."""
    comma = dot = False
    for row in rows[:200]:
        for c in row.cells:
            comma |= re.fullmatch(r"\s*-?\d+,\d+\s*", c) is not None
            dot |= re.fullmatch(r"\s*-?\d+\.\d+\s*", c) is not None
    return comma and not dot


def _one_person(header: list[str], body: list[_Row], name: str) -> None:
    """A vault is one person's: refuse research files that pool several ids."""
    bases = [_base(h)[0] for h in header]
    if "id" not in bases:
        return
    i = bases.index("id")
    ids = {r.cells[i].strip() for r in body if i < len(r.cells) and r.cells[i].strip()}
    if len(ids) > 1:
        raise InvalidContent(
            f"{name}: this file holds data of {len(ids)} people (column {header[i].strip()!r}"
            f" has {len(ids)} distinct ids); a vault holds one person's data: upload one "
            f"person's rows")
