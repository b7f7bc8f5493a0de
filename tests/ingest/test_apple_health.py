"""Apple Health export.xml: streaming parse, hardening, de-duplication, daily facts.

Expected values are computed here independently (plain ``xml.etree`` passes over the
small files, the CSVs shipped with the tdda sample, or by hand), never read back from
the parser.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from eval import gen_apple_health
from ingest import apple_health
from ingest.apple_health import (
    aggregate_apple_xml,
    is_apple_health,
    parse_apple_health,
    parse_apple_xml,
)
from ingest.base import source_from_bytes
from rag.core.errors import EmptyInput, InvalidContent, UnsupportedFormat
from rag.core.settings import IngestSettings
from tests.conftest import shared_path

SAMPLES = ("alxdrcirilo_apple-health-parser", "dogsheep_healthkit-to-sqlite",
           "tdda_applehealthdata")
Q = "HKQuantityTypeIdentifier"
WATCH = "Ann’s Apple\u00a0Watch"
PHONE = "Ann’s iPhone"


def _daily(data: bytes) -> dict[str, dict[str, float]]:
    got = aggregate_apple_xml(io.BytesIO(data), source_file="t.xml")
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for v in got.daily:
        out[v.metric][v.day.isoformat()] = v.value
    return out


def _rec(kind: str, source: str, start: str, end: str, value: str, unit: str = "count",
         device: str = "") -> str:
    dev = f' device="{device}"' if device else ""
    return (f'<Record type="{kind}" sourceName="{source}"{dev} unit="{unit}" '
            f'startDate="{start}" endDate="{end}" value="{value}"/>\n')


def _doc(*body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n'
            '<ExportDate value="2024-01-10 10:00:00 +0100"/>\n' + "".join(body)
            + "</HealthData>\n").encode()


def _sample(name: str) -> Path:
    folder = shared_path("apple_health_export_samples", name)
    return next(iter(sorted(folder.glob("export*.xml"))))


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(("head", "expected"), [
    (b'<HealthData locale="en_US">', True),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">', True),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\r\n<!-- x -->\n<HealthData>', True),
    (b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>', True),
    (b'<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">', False),
    (b'{"resourceType": "Bundle"}', False),
    (b"<HealthDataX>", False),
    (b"", False),
])
def test_is_apple_health(head: bytes, expected: bool) -> None:
    assert is_apple_health(head) is expected


@pytest.mark.shared
@pytest.mark.parametrize("name", SAMPLES)
def test_sniffs_real_samples(name: str) -> None:
    assert is_apple_health(_sample(name).read_bytes()[:1024])


# ---------------------------------------------------------------- real samples


@pytest.mark.shared
@pytest.mark.parametrize("name", SAMPLES)
def test_real_sample_counts_and_totals(name: str) -> None:
    path = _sample(name)
    root = ET.parse(path).getroot()
    records = root.findall("Record")
    expected_counts = Counter(r.get("type") for r in records)
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for r in records:
        metric = apple_health.CUMULATIVE.get(r.get("type", ""))
        if metric in {"steps", "active_energy", "exercise_minutes"}:  # units already canonical
            sums[(metric, r.get("startDate", "")[:10])] += float(r.get("value", "nan"))
    with path.open("rb") as fh:
        got = aggregate_apple_xml(fh, source_file=path.name)
    assert got.record_counts == expected_counts
    assert got.issues == []
    cumulative = {(v.metric, v.day.isoformat()): v.value for v in got.daily
                  if v.metric in {"steps", "active_energy", "exercise_minutes"}}
    assert cumulative == sums  # one source each: the plain sum, exactly
    known = set(apple_health.CUMULATIVE) | set(apple_health.DISCRETE) | {apple_health.SLEEP_TYPE}
    unknown = sum(n for kind, n in expected_counts.items() if kind not in known)
    assert got.skipped == unknown + len(root.findall("ActivitySummary"))
    assert len(got.workouts) == len(root.findall("Workout"))


@pytest.mark.shared
def test_tdda_sample_matches_its_csvs() -> None:
    folder = shared_path("apple_health_export_samples", "tdda_applehealthdata")
    path = _sample("tdda_applehealthdata")
    data = path.read_bytes()
    result = parse_apple_xml(io.BytesIO(data), source_file=path.name,
                             file_hash=hashlib.sha256(data).hexdigest(), size=len(data))
    steps_by_day: dict[str, float] = defaultdict(float)
    km_by_day: dict[str, float] = defaultdict(float)
    with (folder / "StepCount.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            steps_by_day[row["startDate"][:10]] += float(row["value"])
    with (folder / "DistanceWalkingRunning.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            assert row["unit"] == "km"
            km_by_day[row["startDate"][:10]] += float(row["value"])
    facts: dict[str, dict[str, float]] = defaultdict(dict)
    for record in result.records:
        for m in record.measurements:
            assert m.effective is not None and m.value is not None
            facts[m.display][m.effective] = m.value
    assert facts["steps"] == steps_by_day
    assert facts["walking and running distance"] == pytest.approx(km_by_day, rel=1e-12)
    with (folder / "Workout.csv").open(newline="") as fh:
        workouts = list(csv.DictReader(fh))
    got = aggregate_apple_xml(io.BytesIO(data), source_file=path.name).workouts
    assert [(w.start.strftime("%Y-%m-%d %H:%M:%S %z"), w.minutes) for w in got] == [
        (w["startDate"], float(w["duration"])) for w in workouts]
    assert [w.activity for w in got] == [
        w["workoutActivityType"].removeprefix("HKWorkoutActivityType") for w in workouts]
    assert all(r.provenance.source_type == "wellness" for r in result.records)


# ---------------------------------------------------------------- de-duplication


def test_single_source_daily_total_is_the_plain_sum() -> None:
    """Overlapping samples of ONE source are never dropped (Apple's rule)."""
    body = [_rec(f"{Q}StepCount", WATCH, f"2024-01-0{d} {h:02d}:00:00 +0100",
                 f"2024-01-0{d} {h:02d}:{m:02d}:00 +0100", str(v))
            for d, h, m, v in [(1, 9, 30, 500), (1, 9, 45, 120), (1, 23, 59, 7),
                               (2, 0, 10, 33), (2, 12, 5, 1000), (2, 12, 6, 999)]]
    data = _doc(*body)
    expected: dict[str, float] = defaultdict(float)
    for r in ET.fromstring(data).findall("Record"):
        expected[r.get("startDate", "")[:10]] += float(r.get("value", "nan"))
    assert _daily(data)["steps"] == expected


def test_overlapping_sources_are_resolved_by_priority() -> None:
    day = "2024-03-05"
    body = [
        # the watch counts 10:00-10:10; the phone 10:05-10:15 keeps 10:10-10:15, half
        _rec(f"{Q}StepCount", WATCH, f"{day} 10:00:00 +0100", f"{day} 10:10:00 +0100", "600"),
        _rec(f"{Q}StepCount", PHONE, f"{day} 10:05:00 +0100", f"{day} 10:15:00 +0100", "300"),
        # another app 10:12-10:20: the phone covers 3 of its 8 minutes -> keeps 5/8
        _rec(f"{Q}StepCount", "Pedometer", f"{day} 10:12:00 +0100", f"{day} 10:20:00 +0100",
             "160"),
        # two other apps, fully overlapping: the first by name wins
        _rec(f"{Q}StepCount", "Beta", f"{day} 14:00:00 +0100", f"{day} 14:10:00 +0100", "70"),
        _rec(f"{Q}StepCount", "Alpha", f"{day} 14:00:00 +0100", f"{day} 14:10:00 +0100", "40"),
        # a source named without "Watch" but whose device is one ranks as a watch
        _rec(f"{Q}StepCount", "Wrist", f"{day} 16:00:00 +0100", f"{day} 16:10:00 +0100", "90",
             device="&lt;&lt;HKDevice&gt;, name:Apple Watch, model:Watch&gt;"),
        _rec(f"{Q}StepCount", PHONE, f"{day} 16:00:00 +0100", f"{day} 16:10:00 +0100", "95"),
        # an instant sample has no span to share: it counts in full
        _rec(f"{Q}StepCount", "Alpha", f"{day} 16:05:00 +0100", f"{day} 16:05:00 +0100", "3"),
        # across midnight: the watch 23:58-00:02 (this day) covers half of the phone's
        # 00:00-00:04 sample, which belongs to the next day
        _rec(f"{Q}StepCount", WATCH, f"{day} 23:58:00 +0100", "2024-03-06 00:02:00 +0100", "20"),
        _rec(f"{Q}StepCount", PHONE, "2024-03-06 00:00:00 +0100", "2024-03-06 00:04:00 +0100",
             "100"),
        # offsets differ, instants are equal: 09:00-09:10 +0000 is 10:00-10:10 +0100
        _rec(f"{Q}DistanceWalkingRunning", WATCH, f"{day} 10:00:00 +0100",
             f"{day} 10:10:00 +0100", "1", "mi"),
        _rec(f"{Q}DistanceWalkingRunning", PHONE, f"{day} 09:00:00 +0000",
             f"{day} 09:20:00 +0000", "2", "km"),
    ]
    daily = _daily(_doc(*body))
    assert daily["steps"][day] == pytest.approx(600 + 150 + 100 + 40 + 90 + 3 + 20, rel=1e-12)
    assert daily["steps"]["2024-03-06"] == pytest.approx(50, rel=1e-12)
    assert daily["distance"][day] == pytest.approx(1.609344 + 1.0, rel=1e-12)


def test_sleep_goes_to_the_wake_day_and_total_dedups_asleep_samples() -> None:
    v = "HKCategoryValueSleepAnalysis"
    t = "HKCategoryTypeIdentifierSleepAnalysis"
    body = [
        _rec(t, PHONE, "2024-01-01 22:30:00 +0100", "2024-01-02 07:00:00 +0100", f"{v}InBed", ""),
        # ends before midnight, yet belongs to the night that ends on the 2nd
        _rec(t, WATCH, "2024-01-01 23:00:00 +0100", "2024-01-01 23:45:00 +0100",
             f"{v}AsleepCore", ""),
        _rec(t, WATCH, "2024-01-01 23:45:00 +0100", "2024-01-02 01:15:00 +0100",
             f"{v}AsleepDeep", ""),
        _rec(t, WATCH, "2024-01-02 01:15:00 +0100", "2024-01-02 01:30:00 +0100", f"{v}Awake", ""),
        _rec(t, WATCH, "2024-01-02 01:30:00 +0100", "2024-01-02 06:30:00 +0100",
             f"{v}AsleepREM", ""),
        # another app's plain "asleep" 22:45-23:15: the watch covers its last 15 minutes
        _rec(t, "AutoSleep", "2024-01-01 22:45:00 +0100", "2024-01-01 23:15:00 +0100",
             f"{v}AsleepUnspecified", ""),
        # an afternoon nap stays on its day; one ending at 18:00 goes to the next morning
        _rec(t, WATCH, "2024-01-02 14:00:00 +0100", "2024-01-02 14:30:00 +0100",
             f"{v}AsleepCore", ""),
        _rec(t, WATCH, "2024-01-02 17:30:00 +0100", "2024-01-02 18:00:00 +0100",
             f"{v}AsleepCore", ""),
    ]
    daily = _daily(_doc(*body))
    assert daily["sleep_in_bed"] == {"2024-01-02": 8.5}
    assert daily["sleep_core"] == {"2024-01-02": 0.75 + 0.5, "2024-01-03": 0.5}
    assert daily["sleep_deep"] == {"2024-01-02": 1.5}
    assert daily["sleep_rem"] == {"2024-01-02": 5.0}
    assert daily["sleep_awake"] == {"2024-01-02": 0.25}
    assert daily["sleep_total"]["2024-01-02"] == pytest.approx(0.75 + 1.5 + 5 + 0.25 + 0.5)
    assert daily["sleep_total"]["2024-01-03"] == pytest.approx(0.5)


# ---------------------------------------------------------------- discrete metrics


def test_discrete_metrics_units_and_blood_pressure_correlations() -> None:
    d = "2024-02-01"
    bp = (f'<Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" '
          f'startDate="{d} 08:00:00 +0100" endDate="{d} 08:00:00 +0100">\n'
          + _rec(f"{Q}BloodPressureSystolic", "Cuff", f"{d} 08:00:00 +0100",
                 f"{d} 08:00:00 +0100", "120", "mmHg")
          + _rec(f"{Q}BloodPressureDiastolic", "Cuff", f"{d} 08:00:00 +0100",
                 f"{d} 08:00:00 +0100", "80", "mmHg")
          + "</Correlation>\n")
    only_in_correlation = bp.replace("08:00:00", "20:00:00").replace('"120"', '"130"') \
        .replace('"80"', '"90"')
    body = [
        *(_rec(f"{Q}HeartRate", WATCH, f"{d} {h}:00:00 +0100", f"{d} {h}:00:00 +0100", str(v),
               "count/min") for h, v in [(10, 60), (11, 90), (12, 75)]),
        _rec(f"{Q}BodyMass", "Scale", f"{d} 21:00:00 +0100", f"{d} 21:00:00 +0100", "160", "lb"),
        _rec(f"{Q}BodyMass", "Scale", f"{d} 07:00:00 +0100", f"{d} 07:00:00 +0100", "150", "lb"),
        _rec(f"{Q}OxygenSaturation", WATCH, f"{d} 03:00:00 +0100", f"{d} 03:00:00 +0100",
             "0.97", "%"),
        _rec(f"{Q}BloodGlucose", "Meter", f"{d} 08:00:00 +0100", f"{d} 08:00:00 +0100", "5.5",
             "mmol&lt;180.1558800000541&gt;/L"),
        _rec(f"{Q}BodyMassIndex", "Scale", f"{d} 07:00:00 +0100", f"{d} 07:00:00 +0100",
             "22.5", "count"),
        bp,
        _rec(f"{Q}BloodPressureSystolic", "Cuff", f"{d} 08:00:00 +0100", f"{d} 08:00:00 +0100",
             "120", "mmHg"),
        _rec(f"{Q}BloodPressureDiastolic", "Cuff", f"{d} 08:00:00 +0100", f"{d} 08:00:00 +0100",
             "80", "mmHg"),
        only_in_correlation,
    ]
    daily = _daily(_doc(*body))
    assert daily["heart_rate"][d] == pytest.approx(75)
    assert daily["heart_rate_min"][d] == 60
    assert daily["heart_rate_max"][d] == 90
    assert daily["weight"][d] == pytest.approx(160 * 0.45359237)  # latest, not last written
    assert daily["spo2"][d] == pytest.approx(97)
    assert daily["glucose"][d] == pytest.approx(5.5 * 18.0156)
    assert daily["bmi"][d] == 22.5
    assert daily["systolic_bp"][d] == pytest.approx(125)  # 120 once (not thrice) and 130
    assert daily["diastolic_bp"][d] == pytest.approx(85)


def test_workouts_old_and_new_shapes() -> None:
    old = ('<Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" '
           'durationUnit="min" totalDistance="3.1" totalDistanceUnit="mi" '
           'totalEnergyBurned="1000" totalEnergyBurnedUnit="kJ" sourceName="W" '
           'startDate="2024-05-01 07:00:00 -0700" endDate="2024-05-01 07:30:00 -0700"/>\n')
    new = ('<Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="0.75" '
           'durationUnit="hr" sourceName="W" startDate="2024-05-01 18:00:00 -0700" '
           'endDate="2024-05-01 18:45:00 -0700">\n'
           f'<WorkoutStatistics type="{Q}HeartRate" startDate="2024-05-01 18:00:00 -0700" '
           'endDate="2024-05-01 18:45:00 -0700" average="130" unit="count/min"/>\n'
           f'<WorkoutStatistics type="{Q}ActiveEnergyBurned" startDate="2024-05-01 18:00:00 '
           '-0700" endDate="2024-05-01 18:45:00 -0700" sum="400" unit="kcal"/>\n'
           f'<WorkoutStatistics type="{Q}DistanceCycling" startDate="2024-05-01 18:00:00 -0700" '
           'endDate="2024-05-01 18:45:00 -0700" sum="15" unit="km"/>\n</Workout>\n')
    got = aggregate_apple_xml(io.BytesIO(_doc(old, new)), source_file="w.xml")
    assert [(w.activity, w.minutes) for w in got.workouts] == [("Running", 30), ("Cycling", 45)]
    assert got.workouts[0].distance_km == pytest.approx(3.1 * 1.609344)
    assert got.workouts[0].energy_kcal == pytest.approx(1000 / 4.184)
    assert (got.workouts[1].distance_km, got.workouts[1].energy_kcal) == (15, 400)
    assert got.workouts[1].start.utcoffset() == dt.timedelta(hours=-7)
    daily = {(v.metric, v.day.isoformat()): v.value for v in got.daily}
    assert daily[("workouts", "2024-05-01")] == 2
    assert daily[("workout_minutes", "2024-05-01")] == 75


# ---------------------------------------------------------------- bad input


def test_billion_laughs_is_refused() -> None:
    lol = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)]
    data = ('<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n' + "\n".join(lol) + "\n]>\n"
            '<HealthData locale="en_US"><Record type="x" sourceName="&lol9;" '
            'startDate="2024-01-01 00:00:00 +0000" endDate="2024-01-01 00:00:00 +0000"/>'
            "</HealthData>").encode()
    with pytest.raises(InvalidContent, match="entity"):
        aggregate_apple_xml(io.BytesIO(data), source_file="bomb.xml")


@pytest.mark.parametrize("decl", [
    '<!ENTITY xxe SYSTEM "file://{path}">',
    '<!ENTITY % xxe SYSTEM "file://{path}"> %xxe;',
])
def test_external_entities_are_refused_and_never_read(tmp_path: Path, decl: str) -> None:
    secret = tmp_path / "secret.txt"
    token = "TOPSECRET-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:12]
    secret.write_text(token)
    data = ('<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n'
            + decl.format(path=secret) + '\n<!ELEMENT HealthData ANY>\n]>\n'
            '<HealthData locale="en_US">'
            + _rec(f"{Q}StepCount", "&xxe;", "2024-01-01 10:00:00 +0000",
                   "2024-01-01 10:01:00 +0000", "5")
            + "</HealthData>").encode()
    with pytest.raises(InvalidContent) as info:
        parse_apple_xml(io.BytesIO(data), source_file="xxe.xml", file_hash="0" * 64,
                        size=len(data))
    assert token not in str(info.value)


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "evil.dtd"
    token = "DTDSECRET-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:12]
    secret.write_text(f'<!ENTITY leak "{token}">')
    data = (f'<?xml version="1.0"?>\n<!DOCTYPE HealthData SYSTEM "file://{secret}">\n'
            '<HealthData locale="en_US">'
            + _rec(f"{Q}StepCount", "Phone", "2024-01-01 10:00:00 +0000",
                   "2024-01-01 10:01:00 +0000", "5")
            + "</HealthData>").encode()
    try:
        result = parse_apple_xml(io.BytesIO(data), source_file="dtd.xml", file_hash="0" * 64,
                                 size=len(data))
    except InvalidContent as exc:
        assert token not in str(exc)
    else:
        dump = repr(result)
        assert token not in dump
        assert result.records  # the steps still count


@pytest.mark.parametrize(("data", "error", "message"), [
    (b"", EmptyInput, "empty"),
    (b'<HealthData locale="en_US"><Record type="a"></HealthData>', InvalidContent,
     "line 1, column"),
    (b'<HealthData locale="en_US"><Record', InvalidContent, "malformed"),
    (b'<?xml version="1.0"?><ClinicalDocument/>', UnsupportedFormat, "ClinicalDocument"),
    (b'<HealthData locale="en_US"><ExportDate value="x"/></HealthData>', EmptyInput,
     "no records"),
])
def test_bad_documents(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        aggregate_apple_xml(io.BytesIO(data), source_file="bad.xml")
    assert "bad.xml" in str(info.value)


def test_bad_samples_become_issues_and_unknown_types_are_skipped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ok = ("2024-01-01 10:00:00 +0000", "2024-01-01 10:05:00 +0000")
    body = [
        _rec(f"{Q}StepCount", "P", *ok, "12"),
        _rec(f"{Q}StepCount", "P", *ok, "twelve"),
        _rec(f"{Q}StepCount", "P", *ok, "nan"),
        _rec(f"{Q}StepCount", "P", "2024-13-01 10:00:00 +0000", ok[1], "5"),
        _rec(f"{Q}StepCount", "P", "yesterday", ok[1], "5"),
        _rec(f"{Q}StepCount", "P", ok[1], ok[0], "5"),
        _rec(f"{Q}BodyMass", "P", *ok, "70", "furlong"),
        _rec("HKCategoryTypeIdentifierSleepAnalysis", "P", *ok, "Dozing", ""),
        _rec(f"{Q}DietaryWater", "P", *ok, "250", "mL"),
        _rec("HKCategoryTypeIdentifierMindfulSession", "P", *ok, "", ""),
        '<ActivitySummary dateComponents="2024-01-01" activeEnergyBurned="5"/>\n',
    ]
    monkeypatch.setattr(apple_health, "MAX_ISSUES", 4)
    got = aggregate_apple_xml(io.BytesIO(_doc(*body)), source_file="i.xml")
    assert [v.value for v in got.daily if v.metric == "steps"] == [12]
    assert len(got.issues) == 5  # four kept one by one, then one summing up the rest
    assert "3 more" in got.issues[-1].reason and "7 in all" in got.issues[-1].reason
    assert got.issues[0].resource_type == f"{Q}StepCount"
    assert got.skipped == 3
    assert "twelve" not in repr(got.issues)  # issues name the problem, not the content


def test_progress_is_reported_and_source_parser_streams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = gen_apple_health_bytes(tmp_path, days=3)
    monkeypatch.setattr(apple_health, "PROGRESS_EVERY", 16 * 1024)
    calls: list[tuple[int, int]] = []
    source = source_from_bytes(data, "export.xml", tmp_path / "up")
    source.progress = lambda done, total: calls.append((done, total))
    result = parse_apple_health(source, IngestSettings())
    assert len(calls) >= len(data) // (64 * 1024)
    assert calls[-1] == (len(data), len(data))
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    again = parse_apple_xml(io.BytesIO(data), source_file="export.xml",
                            file_hash=source.file_hash, size=len(data))
    assert [(r.key, r.text) for r in result.records] == [(r.key, r.text) for r in again.records]
    assert {r.key.split("/")[1] for r in result.records} == {"apple-health"}


# ---------------------------------------------------------------- generator truth


def gen_apple_health_bytes(tmp_path: Path, days: int, seed: int = 11) -> bytes:
    out = tmp_path / f"gen-{days}-{seed}.xml"
    gen_apple_health.generate(out, size_mb=None, seed=seed, days=days)
    return out.read_bytes()


def test_generated_export_matches_its_truth(tmp_path: Path) -> None:
    out, truth_path = tmp_path / "export.xml", tmp_path / "truth.json"
    gen_apple_health.main(["--out", str(out), "--size-mb", "2", "--days", "35", "--seed", "5",
                           "--start", "2021-02-20", "--truth", str(truth_path)])
    truth = json.loads(truth_path.read_text())
    assert 1.5 * 2**20 < out.stat().st_size < 3 * 2**20
    assert truth["days"] == 35 and truth["start"] == "2021-02-20"
    with out.open("rb") as fh:
        got = aggregate_apple_xml(fh, source_file="export.xml")
    daily: dict[str, dict[str, float]] = defaultdict(dict)
    for v in got.daily:
        daily[v.metric][v.day.isoformat()] = v.value
    assert set(daily) == set(truth["metrics"])
    assert len(daily) >= 25  # every metric the parser knows, nearly
    for metric, days in truth["metrics"].items():
        assert set(daily[metric]) == set(days), metric
        for day, value in days.items():
            assert math.isclose(daily[metric][day], value, rel_tol=1e-6, abs_tol=1e-9), \
                (metric, day, daily[metric][day], value)
    assert dict(got.record_counts) == truth["record_counts"]
    assert got.issues == []
    assert [(w.start.strftime("%Y-%m-%d %H:%M:%S %z"), w.activity, w.minutes, w.distance_km,
             w.energy_kcal) for w in got.workouts] == [
        (w["start"], w["activity"], w["minutes"], w["distance_km"], w["energy_kcal"])
        for w in truth["workouts"]]
    # the phone's overlapping steps really were partly dropped: a plain sum is larger
    plain: dict[str, float] = defaultdict(float)
    for r in ET.parse(out).getroot().iter("Record"):
        if r.get("type") == f"{Q}StepCount":
            plain[r.get("startDate", "")[:10]] += float(r.get("value", "nan"))
    assert sum(plain.values()) > 1.2 * sum(daily["steps"].values())


def test_generator_is_deterministic_and_plausible(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    a = gen_apple_health_bytes(tmp_path / "a", days=20, seed=3)
    assert a == gen_apple_health_bytes(tmp_path / "b", days=20, seed=3)
    assert a != gen_apple_health_bytes(tmp_path, days=20, seed=4)
    assert a.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [')
    assert is_apple_health(a[:1024])
    daily = _daily(a)
    nights = list(daily["sleep_total"].values())
    assert len(nights) == 20 and all(4.5 <= h <= 8.5 for h in nights)
    assert 6 <= sum(nights) / len(nights) <= 8
    assert 70 < sum(daily["weight"].values()) / len(daily["weight"]) < 95  # kg
