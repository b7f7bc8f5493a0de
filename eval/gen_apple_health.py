"""Synthetic Apple Health exports of a target size, with their ground truth.

    python -m eval.gen_apple_health --out /tmp/export.xml --size-mb 1024 --seed 7 \\
        --truth /tmp/truth.json [--days 30] [--start 2019-01-01]

The export looks like a real one: XML declaration, an internal DTD of the same shape as
Apple's, ``<HealthData locale="en_US">``, ``<ExportDate>``, ``<Me>``, then records from an
Apple Watch and an iPhone whose step and distance samples overlap, sleep stages, blood
pressure correlations (whose readings also appear as top-level records, as Apple writes
them), workouts in the old (attributes) and the iOS 16 (``WorkoutStatistics``) shapes,
activity summaries and a few record types healthrag does not use. The person has a
weekly rhythm (long walks on Saturdays, lazy Sundays), a slowly falling weight, sleep of
6-8 h and a slowly rising fitness, so trend questions have real answers.

It streams to disk (memory does not grow with the size) and writes the ground truth it
knows by construction: the daily value of every metric, de-duplicated by the rule of
:mod:`ingest.apple_health` (the highest-priority source wins where sources overlap; here
the watch's step sample covers the first half of each phone sample, so each phone
sample keeps exactly the share the layout leaves uncovered). Unit conversions use
:func:`ingest.wellness.convert`, the project's definition of the canonical units.

Without ``--days``, days are written until the file reaches ``--size-mb`` at a realistic
density (a sample every 5 minutes). With ``--days``, the density is chosen so that the
period fills about ``--size-mb``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Protocol

from ingest.wellness import convert

DTD = """<!DOCTYPE HealthData [
<!-- Synthetic export in the shape of HealthKit Export Version 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Records inside a Correlation also appear as top-level records. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutEvent EMPTY>
<!ATTLIST WorkoutEvent
  type         CDATA #REQUIRED
  date         CDATA #REQUIRED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference)*)>
<!ATTLIST WorkoutRoute
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference path CDATA #REQUIRED>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleMoveTime            CDATA #IMPLIED
  appleMoveTimeGoal        CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
]>
"""

Q = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
WATCH = "Sam’s Apple\u00a0Watch"
PHONE = "Sam’s iPhone"
SCALE = "Health Mate"
CUFF = "OMRON connect"
METER = "OneTouch Reveal"
SLEEP_APP = "AutoSleep"
_DEV = ("&lt;&lt;HKDevice: 0x{addr}&gt;, name:{name}, manufacturer:Apple Inc., model:{model}, "
        "hardware:{hw}, software:{sw}&gt;")
DEVICES = {
    WATCH: _DEV.format(addr="283f2c5a0", name="Apple Watch", model="Watch", hw="Watch6,1",
                       sw="10.2"),
    PHONE: _DEV.format(addr="2821d4f00", name="iPhone", model="iPhone", hw="iPhone14,2",
                       sw="17.2.1"),
}
VERSIONS = {WATCH: "10.2", PHONE: "17.2.1", SCALE: "6.3.1", CUFF: "7.9.0", METER: "3.2.0",
            SLEEP_APP: "7.5"}
WORKOUT_PLAN = {  # weekday -> (activity, hour, minutes low, minutes high, km per minute)
    0: ("Running", 18, 25, 45, 0.17),
    2: ("TraditionalStrengthTraining", 18, 35, 55, 0.0),
    3: ("Cycling", 18, 40, 70, 0.45),
    5: ("Hiking", 9, 60, 150, 0.08),
    6: ("Yoga", 10, 25, 45, 0.0),
}
DISTANCE_STAT = {"Cycling": f"{Q}DistanceCycling"}


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class Truth:
    """Daily values as the parser should find them, accumulated while writing."""

    def __init__(self) -> None:
        self.sums: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self.points: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.workouts: list[dict[str, object]] = []
        self.counts: Counter[str] = Counter()
        self.summaries = 0

    def add(self, metric: str, day: int, value: float) -> None:
        self.sums[metric][day] += value

    def point(self, metric: str, day: int, value: float) -> None:
        self.points[metric][day].append(value)  # in time order within a day

    def metrics(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for metric, days in self.sums.items():
            out[metric] = {_iso(d): v for d, v in sorted(days.items())}
        how = {"heart_rate": "mean", "resting_heart_rate": "mean", "hrv": "mean",
               "systolic_bp": "mean", "diastolic_bp": "mean", "glucose": "mean",
               "spo2": "mean", "respiratory_rate": "mean", "weight": "last",
               "body_fat": "last", "bmi": "last", "vo2max": "last"}
        for metric, pdays in self.points.items():
            for day, vals in sorted(pdays.items()):
                agg = sum(vals) / len(vals) if how[metric] == "mean" else vals[-1]
                out.setdefault(metric, {})[_iso(day)] = agg
                if metric == "heart_rate":
                    out.setdefault("heart_rate_min", {})[_iso(day)] = min(vals)
                    out.setdefault("heart_rate_max", {})[_iso(day)] = max(vals)
        return out


def _iso(day: int) -> str:
    return dt.date.fromordinal(day).isoformat()


def _wake_day(night: int, sec: int) -> int:
    """The day a sleep sample ending ``sec`` seconds after midnight of ``night`` counts
    for: its end date, or the next one when it ends at 18:00 or later."""
    return night + sec // 86400 + (1 if sec % 86400 >= 18 * 3600 else 0)


def _offset(day: dt.date) -> str:
    """US Pacific time, DST roughly from mid-March to early November."""
    return "-0700" if (3, 10) <= (day.month, day.day) < (11, 3) else "-0800"


def _num(value: float, digits: int) -> str:
    return str(round(value, digits))


class Generator:
    """Writes one export day by day; ``density`` is samples per hour for the frequent types."""

    def __init__(self, out: Writable, rng: random.Random, density: int, truth: Truth) -> None:
        self.out = out
        self.rng = rng
        self.k = density
        self.truth = truth
        self.buf: list[str] = []
        self.pending = 0
        self.written = 0
        self._dates: dict[int, str] = {}

    # ---------------------------------------------------------------- output

    def emit(self, text: str) -> None:
        self.buf.append(text)
        self.pending += len(text)
        if self.pending > 1 << 20:
            self.flush()

    def flush(self) -> None:
        data = "".join(self.buf).encode()
        self.out.write(data)
        self.written += len(data)
        self.buf.clear()
        self.pending = 0

    def stamp(self, day: int, sec: int, off: str) -> tuple[str, int]:
        """Local time ``sec`` seconds after midnight of ``day`` -> (text, local day)."""
        day += sec // 86400
        sec %= 86400
        date = self._dates.get(day)
        if date is None:
            date = self._dates[day] = _iso(day)
            if len(self._dates) > 64:
                self._dates.clear()
        return f"{date} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} {off}", day

    def record(self, kind: str, source: str, unit: str | None, value: str, start: str,
               end: str, extra: str = "", top: bool = True) -> str:
        device = DEVICES.get(source)
        text = (f'<Record type="{kind}" sourceName="{source}" '
                f'sourceVersion="{VERSIONS[source]}"'
                + (f' device="{device}"' if device else "")
                + (f' unit="{unit}"' if unit else "")
                + f' creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"')
        text += f">\n{extra}  </Record>\n" if extra else "/>\n"
        if top:
            self.truth.counts[kind] += 1
        return text

    # ---------------------------------------------------------------- one day

    def day(self, day: int, index: int) -> None:
        date = dt.date.fromordinal(day)
        off = _offset(date)
        rng, t = self.rng, self.truth
        weekday = date.weekday()
        fitness = min(index / 700, 1.0)  # slowly getting fitter
        target = (7500 + 1500 * fitness) * {5: 1.5, 6: 0.6}.get(weekday, 1.0)
        target *= rng.uniform(0.8, 1.2)
        workout = self.workout(day, off, weekday, fitness)
        k, slot = self.k, 3600 // self.k
        energy = 0.0
        for hour in range(24):
            # basal energy: the watch, one sample an hour
            s, _ = self.stamp(day, hour * 3600, off)
            e, _ = self.stamp(day, hour * 3600 + 3600, off)
            kcal = float(_num(rng.uniform(62, 72), 3))
            self.emit(self.record(f"{Q}BasalEnergyBurned", WATCH, "kcal", str(kcal), s, e))
            t.add("basal_energy", day, kcal)
            if 8 <= hour <= 20:  # a record type healthrag does not use
                self.emit(self.record("HKCategoryTypeIdentifierAppleStandHour", WATCH, None,
                                      "HKCategoryValueAppleStandHourStood", s, s))
            for j in range(k):
                base = hour * 3600 + j * slot
                self.heart(day, base + slot // 2, off, hour, workout)
                if 7 <= hour < 22:
                    energy += self.steps(day, base, slot, off, target / (15 * k))
        self.daily_points(day, off, date, index, fitness)
        self.sleep(day, off)
        self.summary(day, energy)

    def steps(self, day: int, base: int, slot: int, off: str, mean: float) -> float:
        """One slot: the watch covers [0, 0.6) of it, the phone [0.3, 0.9); where both
        write, the phone keeps the (0.6, 0.9) part, half of its sample."""
        rng, t = self.rng, self.truth
        a, b, c = base + 3 * slot // 10, base + 6 * slot // 10, base + 9 * slot // 10
        mode = rng.random()
        watch, phone = mode < 0.85, 0.15 <= mode < 0.95
        steps = max(0, round(rng.uniform(0, 2) * mean))
        kcal = 0.0
        if watch:
            s, _ = self.stamp(day, base, off)
            e, _ = self.stamp(day, b, off)
            miles = float(_num(steps * 0.00047, 5))
            kcal = float(_num(steps * 0.045 + rng.uniform(0, 0.5), 3))
            self.emit(self.record(f"{Q}StepCount", WATCH, "count", str(steps), s, e))
            self.emit(self.record(f"{Q}DistanceWalkingRunning", WATCH, "mi", str(miles), s, e))
            self.emit(self.record(f"{Q}ActiveEnergyBurned", WATCH, "kcal", str(kcal), s, e))
            t.add("steps", day, steps)
            t.add("distance", day, convert("distance", miles, "mi"))
            t.add("active_energy", day, kcal)
        if phone:
            counted = max(0, round(steps * rng.uniform(0.9, 1.1)))
            s, _ = self.stamp(day, a, off)
            e, _ = self.stamp(day, c, off)
            miles = float(_num(counted * 0.00049, 5))
            self.emit(self.record(f"{Q}StepCount", PHONE, "count", str(counted), s, e))
            self.emit(self.record(f"{Q}DistanceWalkingRunning", PHONE, "mi", str(miles), s, e))
            keep = (c - b) / (c - a) if watch else 1.0
            t.add("steps", day, counted * keep)
            t.add("distance", day, convert("distance", miles, "mi") * keep)
            if rng.random() < 0.02:
                floors = rng.randint(1, 4)
                self.emit(self.record(f"{Q}FlightsClimbed", PHONE, "count", str(floors), s, e))
                t.add("floors", day, floors)
        return kcal

    def heart(self, day: int, sec: int, off: str, hour: int,
              workout: tuple[int, int] | None) -> None:
        rng = self.rng
        if workout is not None and workout[0] <= sec < workout[1]:
            bpm = rng.randint(115, 160)
        elif hour < 7:
            bpm = rng.randint(50, 62)
        else:
            bpm = rng.randint(62, 92)
        s, _ = self.stamp(day, sec, off)
        extra = ('    <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                 if hour % 3 == 0 else "")
        self.emit(self.record(f"{Q}HeartRate", WATCH, "count/min", str(bpm), s, s, extra))
        self.truth.point("heart_rate", day, bpm)

    def workout(self, day: int, off: str, weekday: int,
                fitness: float) -> tuple[int, int] | None:
        plan = WORKOUT_PLAN.get(weekday)
        rng, t = self.rng, self.truth
        if plan is None or rng.random() > 0.75:
            return None
        activity, hour, low, high, km_min = plan
        minutes = float(_num(rng.uniform(low, high), 4))
        begin = hour * 3600 + rng.randint(0, 1800)
        finish = begin + round(minutes * 60)
        s, _ = self.stamp(day, begin, off)
        e, _ = self.stamp(day, finish, off)
        km = float(_num(minutes * km_min * (0.9 + 0.2 * fitness), 4)) if km_min else None
        kcal = float(_num(minutes * rng.uniform(6, 10), 3))
        kind = f"HKWorkoutActivityType{activity}"
        head = (f'<Workout workoutActivityType="{kind}" duration="{minutes}" durationUnit="min"')
        tail = (f' sourceName="{WATCH}" sourceVersion="{VERSIONS[WATCH]}" '
                f'device="{DEVICES[WATCH]}" creationDate="{e}" startDate="{s}" endDate="{e}"')
        meta = ('    <MetadataEntry key="HKTimeZone" value="America/Los_Angeles"/>\n'
                f'    <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{s}" '
                f'duration="{minutes}" durationUnit="min"/>\n')
        if day % 2:  # old shape: totals as attributes
            dist = (f' totalDistance="{km}" totalDistanceUnit="km"' if km is not None else "")
            self.emit(f'{head}{dist} totalEnergyBurned="{kcal}" totalEnergyBurnedUnit="kcal"'
                      f'{tail}>\n{meta}  </Workout>\n')
        else:  # iOS 16 shape: WorkoutStatistics children
            stats = (f'    <WorkoutStatistics type="{Q}ActiveEnergyBurned" startDate="{s}" '
                     f'endDate="{e}" sum="{kcal}" unit="kcal"/>\n')
            if km is not None:
                dist_type = DISTANCE_STAT.get(activity, f"{Q}DistanceWalkingRunning")
                stats += (f'    <WorkoutStatistics type="{dist_type}" startDate="{s}" '
                          f'endDate="{e}" sum="{km}" unit="km"/>\n')
            self.emit(f"{head}{tail}>\n{meta}{stats}  </Workout>\n")
        t.workouts.append({"start": s, "activity": activity, "minutes": minutes,
                           "distance_km": km, "energy_kcal": kcal})
        t.add("workout_minutes", day, minutes)
        t.add("workouts", day, 1)
        for chunk in range(begin, finish - 299, 300):  # exercise minutes, five at a time
            cs, _ = self.stamp(day, chunk, off)
            ce, _ = self.stamp(day, chunk + 300, off)
            self.emit(self.record(f"{Q}AppleExerciseTime", WATCH, "min", "5", cs, ce))
            t.add("exercise_minutes", day, 5)
        return begin, finish

    def daily_points(self, day: int, off: str, date: dt.date, index: int,
                     fitness: float) -> None:
        rng, t = self.rng, self.truth
        s, _ = self.stamp(day, 7 * 3600, off)
        rest = rng.randint(54, 62) - round(4 * fitness)
        self.emit(self.record(f"{Q}RestingHeartRate", WATCH, "count/min", str(rest), s, s))
        t.point("resting_heart_rate", day, rest)
        for hour in (3, 11, 19):
            hs, _ = self.stamp(day, hour * 3600 + 600, off)
            he, _ = self.stamp(day, hour * 3600 + 660, off)
            ms = float(_num(rng.uniform(30, 70) + 10 * fitness, 3))
            self.emit(self.record(f"{Q}HeartRateVariabilitySDNN", WATCH, "ms", str(ms), hs, he))
            t.point("hrv", day, ms)
            spo2 = rng.randint(94, 99) / 100
            self.emit(self.record(f"{Q}OxygenSaturation", WATCH, "%", str(spo2), hs, hs))
            t.point("spo2", day, convert("spo2", spo2, "%"))
        if date.weekday() == 0:
            vo2 = float(_num(38 + 6 * fitness + rng.uniform(-0.5, 0.5), 3))
            self.emit(self.record(f"{Q}VO2Max", WATCH, "mL/min·kg", str(vo2), s, s))
            t.point("vo2max", day, vo2)
        weighings = [7 * 3600 + 600] if rng.random() < 0.85 else []
        if weighings and rng.random() < 0.1:
            weighings.append(21 * 3600)
        for sec in weighings:
            ws, _ = self.stamp(day, sec, off)
            lb = float(_num(187 - index * 0.012 + rng.uniform(-0.8, 0.8), 2))
            fat = float(_num(0.24 - index * 0.00002 + rng.uniform(-0.004, 0.004), 4))
            bmi = float(_num(convert("weight", lb, "lb") / 1.78 ** 2, 4))
            self.emit(self.record(f"{Q}BodyMass", SCALE, "lb", str(lb), ws, ws))
            self.emit(self.record(f"{Q}BodyFatPercentage", SCALE, "%", str(fat), ws, ws))
            self.emit(self.record(f"{Q}BodyMassIndex", SCALE, "count", str(bmi), ws, ws))
            t.point("weight", day, convert("weight", lb, "lb"))
            t.point("body_fat", day, convert("body_fat", fat, "%"))
            t.point("bmi", day, bmi)
        if rng.random() < 0.3:
            for sec in sorted(rng.sample(range(8 * 3600, 22 * 3600, 600), rng.randint(1, 2))):
                self.blood_pressure(day, sec, off)
        if rng.random() < 0.2:
            gs, _ = self.stamp(day, 8 * 3600, off)
            mmol = float(_num(rng.uniform(4.6, 6.2), 2))
            self.emit(self.record(f"{Q}BloodGlucose", METER, "mmol&lt;180.1558800000541&gt;/L",
                                  str(mmol), gs, gs))
            t.point("glucose", day, convert("glucose", mmol, "mmol/L"))
        if rng.random() < 0.05:
            ws, _ = self.stamp(day, 12 * 3600, off)
            self.emit(self.record(f"{Q}WalkingSpeed", PHONE, "km/hr", "4.8", ws, ws))

    def blood_pressure(self, day: int, sec: int, off: str) -> None:
        s, _ = self.stamp(day, sec, off)
        sys_v, dia_v = self.rng.randint(112, 138), self.rng.randint(70, 88)
        inner = [self.record(f"{Q}BloodPressureSystolic", CUFF, "mmHg", str(sys_v), s, s,
                             top=False),
                 self.record(f"{Q}BloodPressureDiastolic", CUFF, "mmHg", str(dia_v), s, s,
                             top=False)]
        self.emit(f'<Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
                  f'sourceName="{CUFF}" sourceVersion="{VERSIONS[CUFF]}" creationDate="{s}" '
                  f'startDate="{s}" endDate="{s}">\n  ' + "  ".join(inner) + " </Correlation>\n")
        for text in inner:  # Apple also lists correlation members as top-level records
            self.emit(text)
        self.truth.counts[f"{Q}BloodPressureSystolic"] += 1
        self.truth.counts[f"{Q}BloodPressureDiastolic"] += 1
        self.truth.point("systolic_bp", day, sys_v)
        self.truth.point("diastolic_bp", day, dia_v)

    def sleep(self, day: int, off: str) -> None:
        """The night before ``day``: the phone's time in bed, the watch's stages, and now
        and then AutoSleep's 'asleep' hour that half overlaps the watch's first stage."""
        rng, t = self.rng, self.truth
        night = day - 1  # seconds below count from the evening's midnight
        bed = 22 * 3600 + 1800 + rng.randint(0, 5400)
        onset = bed + rng.randint(600, 1200)
        goal = rng.randint(6 * 3600, 8 * 3600)
        worn = rng.random() < 0.9
        stages: list[tuple[str, int, int]] = []
        at = onset
        if worn:
            first = rng.randint(1800, 3000)
            stages.append(("AsleepCore", at, at + first))
            at += first
            cycle = ["AsleepDeep", "AsleepCore", "AsleepREM"]
            n = 0
            while at < onset + goal:
                stage = cycle[n % 3] if rng.random() > 0.1 else "Awake"
                length = min(rng.randint(600, 2400), onset + goal - at)
                stages.append((stage, at, at + length))
                at += length
                n += 1
        wake = max(at, onset + goal)
        s, _ = self.stamp(night, bed, off)
        e, _ = self.stamp(night, wake + 300, off)
        value = "HKCategoryValueSleepAnalysisInBed"
        self.emit(self.record(SLEEP, PHONE, None, value, s, e))
        t.add("sleep_in_bed", _wake_day(night, wake + 300), (wake + 300 - bed) / 3600)
        for stage, a, b in stages:
            s, _ = self.stamp(night, a, off)
            e, _ = self.stamp(night, b, off)
            end_day = _wake_day(night, b)
            self.emit(self.record(SLEEP, WATCH, None, f"HKCategoryValueSleepAnalysis{stage}",
                                  s, e))
            hours = (b - a) / 3600
            metric = {"AsleepCore": "sleep_core", "AsleepDeep": "sleep_deep",
                      "AsleepREM": "sleep_rem", "Awake": "sleep_awake"}[stage]
            t.add(metric, end_day, hours)
            if stage != "Awake":
                t.add("sleep_total", end_day, hours)
        if rng.random() < 0.2:
            s, _ = self.stamp(night, onset - 1800, off)
            e, _ = self.stamp(night, onset + 1800, off)
            self.emit(self.record(SLEEP, SLEEP_APP, None,
                                  "HKCategoryValueSleepAnalysisAsleepUnspecified", s, e))
            t.add("sleep_total", _wake_day(night, onset + 1800), 0.5 if worn else 1.0)
        for i in range(4):
            rs, rday = self.stamp(night, onset + 1800 + i * 3600, off)
            rate = float(_num(rng.uniform(13, 17), 1))
            self.emit(self.record(f"{Q}RespiratoryRate", WATCH, "count/min", str(rate), rs, rs))
            t.point("respiratory_rate", rday, rate)

    def summary(self, day: int, energy: float) -> None:
        self.emit(f'<ActivitySummary dateComponents="{_iso(day)}" '
                  f'activeEnergyBurned="{_num(energy, 3)}" activeEnergyBurnedGoal="500" '
                  'activeEnergyBurnedUnit="kcal" appleMoveTime="0" appleMoveTimeGoal="0" '
                  'appleExerciseTime="30" appleExerciseTimeGoal="30" appleStandHours="12" '
                  'appleStandHoursGoal="12"/>\n')
        self.truth.summaries += 1


def _calibrate(days: int, target: int, seed: int) -> int:
    """Samples per hour so that ``days`` days weigh about ``target`` bytes."""
    sizes = []
    for k in (1, 4):
        sink = _Sink()
        gen = Generator(sink, random.Random(seed), k, Truth())
        for i in range(7):
            gen.day(dt.date(2021, 1, 4).toordinal() + i, i)
        gen.flush()
        sizes.append(sink.size / 7)
    per_k = (sizes[1] - sizes[0]) / 3
    fixed = sizes[0] - per_k
    return max(1, min(360, round((target / days - fixed) / per_k)))


class _Sink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def generate(out: Path, *, size_mb: float | None, seed: int, days: int | None = None,
             start: dt.date = dt.date(2019, 1, 1)) -> dict[str, object]:
    """Write the export to ``out``; return its ground truth (JSON-ready)."""
    if size_mb is None and days is None:
        raise ValueError("give --size-mb, --days or both")
    target = int((size_mb or 0) * 1024 * 1024)
    density = 12 if days is None or not target else _calibrate(days, target, seed)
    truth = Truth()
    rng = random.Random(seed)
    first = start.toordinal()
    with out.open("wb") as fh:
        gen = Generator(fh, rng, density, truth)
        gen.emit('<?xml version="1.0" encoding="UTF-8"?>\n' + DTD)
        gen.emit('<HealthData locale="en_US">\n'
                 f' <ExportDate value="{gen.stamp(first + (days or 0), 36000, "-0700")[0]}"/>\n'
                 ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1986-05-04" '
                 'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
                 'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
                 'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"'
                 '/>\n')
        index = 0
        while (index < days) if days is not None else (gen.written + gen.pending < target):
            gen.day(first + index, index)
            index += 1
        gen.emit("</HealthData>\n")
        gen.flush()
    return {
        "seed": seed, "density_per_hour": density, "bytes": out.stat().st_size,
        "start": _iso(first), "end": _iso(first + index - 1), "days": index,
        "metrics": truth.metrics(), "workouts": truth.workouts,
        "record_counts": dict(sorted(truth.counts.items())),
        "activity_summaries": truth.summaries,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, required=True, help="export.xml to write")
    ap.add_argument("--size-mb", type=float, default=None, help="target size in MiB")
    ap.add_argument("--seed", type=int, default=7, help="random seed (same seed, same bytes)")
    ap.add_argument("--days", type=int, default=None, help="days to cover (default: fill size)")
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2019, 1, 1),
                    help="first day, YYYY-MM-DD")
    ap.add_argument("--truth", type=Path, default=None, help="ground-truth JSON to write")
    args = ap.parse_args(argv)
    truth = generate(args.out, size_mb=args.size_mb, seed=args.seed, days=args.days,
                     start=args.start)
    if args.truth is not None:
        args.truth.write_text(json.dumps(truth, indent=1, sort_keys=True))
    counts = truth["record_counts"]
    records = sum(counts.values()) if isinstance(counts, dict) else 0
    print(f"wrote {args.out} ({truth['bytes']} bytes, {truth['days']} days "
          f"{truth['start']}..{truth['end']}, {records} records)")


if __name__ == "__main__":
    main()
