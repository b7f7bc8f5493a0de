"""Wellness CSV profiles: real Fitabase files split per person, synthetic files for the rest.

Expected values are computed here from the raw rows (``csv`` module, plain sums), never
read back from the parser.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import random
from collections import defaultdict
from pathlib import Path

import pytest

from ingest.base import Source, source_from_bytes
from ingest.csv_profiles import PROFILES, looks_like_csv, parse_csv
from ingest.wellness import BY_CODE
from rag.core.errors import EmptyInput, InvalidContent, TooLarge, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import Item, ParseResult
from tests.conftest import shared_path

FITABASE = "fitbit_fitabase_2016"
LB = 0.45359237


def _parse(tmp_path: Path, data: bytes, name: str = "export.csv",
           settings: IngestSettings | None = None) -> ParseResult:
    return parse_csv(source_from_bytes(data, name, tmp_path / "src"), settings or IngestSettings())


def _facts(result: ParseResult) -> dict[tuple[str, str], float]:
    """(metric key, ISO day) -> value, from the weekly records' measurements."""
    out: dict[tuple[str, str], float] = {}
    for r in result.records:
        for m in r.measurements:
            assert m.value is not None and m.effective is not None
            out[(BY_CODE[m.code], m.effective)] = m.value
    return out


def _metric(result: ParseResult, metric: str) -> dict[str, float]:
    return {day: v for (key, day), v in _facts(result).items() if key == metric}


def _workouts(result: ParseResult) -> list[Item]:
    return [i for r in result.records for i in r.items if i.category == "workout"]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


# ---------------------------------------------------------------- Fitabase (real data)


def _split(path: Path, directory: Path) -> dict[str, tuple[Path, list[dict[str, str]]]]:
    """One file per Id, as a person would export it; with that person's raw rows."""
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in reader:
            rows[row["Id"]].append(row)
    out = {}
    directory.mkdir(parents=True, exist_ok=True)
    for pid, person in rows.items():
        target = directory / f"{path.stem}_{pid}.csv"
        with target.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(person)
        out[pid] = (target, person)
    return out


def _us_day(text: str) -> str:
    month, day, year = text.split(" ")[0].split("/")
    return dt.date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day)).isoformat()


@pytest.mark.shared
def test_fitabase_daily_activity_per_person(tmp_path: Path) -> None:
    people = _split(shared_path(FITABASE, "dailyActivity_merged.csv"), tmp_path / "split")
    assert len(people) == 33
    for path, rows in people.values():
        result = parse_csv(Source.from_path(path), IngestSettings())
        assert result.issues == []
        steps, distance = _metric(result, "steps"), _metric(result, "distance")
        active = _metric(result, "active_minutes")
        assert len(steps) == len({r["ActivityDate"] for r in rows})
        for r in rows:
            day = _us_day(r["ActivityDate"])
            assert steps[day] == float(r["TotalSteps"])
            assert distance[day] == pytest.approx(float(r["TotalDistance"]))
            assert active[day] == int(r["VeryActiveMinutes"]) + int(r["FairlyActiveMinutes"])
            assert _metric(result, "total_energy")[day] == float(r["Calories"])


@pytest.mark.shared
def test_fitabase_sleep_per_person_in_hours(tmp_path: Path) -> None:
    people = _split(shared_path(FITABASE, "sleepDay_merged.csv"), tmp_path / "split")
    assert len(people) == 24
    for path, rows in people.values():
        result = parse_csv(Source.from_path(path), IngestSettings())
        asleep: dict[str, float] = {}
        for r in rows:  # the file repeats a few rows verbatim: a repeat is the same day
            asleep[_us_day(r["SleepDay"])] = int(r["TotalMinutesAsleep"]) / 60
        got = _metric(result, "sleep_total")
        assert got.keys() == asleep.keys()
        for day, hours in asleep.items():
            assert got[day] == pytest.approx(hours)
        repeats = len(rows) - len({tuple(r.values()) for r in rows})
        assert result.skipped == repeats
        assert result.issues == []


@pytest.mark.shared
def test_fitabase_weight_per_person(tmp_path: Path) -> None:
    people = _split(shared_path(FITABASE, "weightLogInfo_merged.csv"), tmp_path / "split")
    for path, rows in people.values():
        result = parse_csv(Source.from_path(path), IngestSettings())
        latest: dict[str, tuple[dt.datetime, dict[str, str]]] = {}
        for r in rows:
            when = dt.datetime.strptime(r["Date"], "%m/%d/%Y %I:%M:%S %p")
            day = when.date().isoformat()
            if day not in latest or when >= latest[day][0]:
                latest[day] = (when, r)
        weight, fat = _metric(result, "weight"), _metric(result, "body_fat")
        assert weight.keys() == latest.keys()
        for day, (_, r) in latest.items():
            assert weight[day] == pytest.approx(float(r["WeightKg"]))
            assert _metric(result, "bmi")[day] == pytest.approx(float(r["BMI"]))
            if r["Fat"]:
                assert fat[day] == pytest.approx(float(r["Fat"]))
            else:
                assert day not in fat


@pytest.mark.shared
def test_fitabase_hourly_calories_sum_per_day(tmp_path: Path) -> None:
    path = shared_path(FITABASE, "hourlyCalories_merged.csv")
    people = _split(path, tmp_path / "split")
    grand = 0.0
    for file, rows in people.values():
        result = parse_csv(Source.from_path(file), IngestSettings())
        per_day: dict[str, float] = defaultdict(float)
        for r in rows:
            per_day[_us_day(r["ActivityHour"])] += float(r["Calories"])
        got = _metric(result, "total_energy")
        assert got == pytest.approx(dict(per_day))
        grand += math.fsum(got.values())
    with path.open(newline="") as fh:
        assert grand == pytest.approx(math.fsum(float(r["Calories"]) for r in csv.DictReader(fh)))


@pytest.mark.shared
@pytest.mark.parametrize("name", ["dailyActivity_merged.csv", "sleepDay_merged.csv",
                                  "weightLogInfo_merged.csv", "hourlyCalories_merged.csv"])
def test_fitabase_file_of_many_people_is_refused(name: str) -> None:
    path = shared_path(FITABASE, name)
    with path.open(newline="") as fh:
        people = len({r["Id"] for r in csv.DictReader(fh)})
    with pytest.raises(InvalidContent) as err:
        parse_csv(Source.from_path(path), IngestSettings())
    assert f"holds data of {people} people" in err.value.message
    assert "a vault holds one person's data" in err.value.message


# ---------------------------------------------------------------- MyFitnessPal

MFP_HEADER = ["Date", "Meal", "Calories", "Fat (g)", "Saturated Fat", "Cholesterol",
              "Sodium (mg)", "Carbohydrates (g)", "Fiber", "Sugar", "Protein (g)", "Note"]


def test_mfp_nutrition_sums_meals_per_day(tmp_path: Path) -> None:
    meals = [
        ["2023-03-01", "Breakfast", "420", "12.5", "4", "30", "510", "55", "6", "12", "18", ""],
        ["2023-03-01", "Lunch", "1,230", "40", "11", "80", "1,420", "120.5", "9", "20", "60",
         "=cmd()"],
        ["2023-03-01", "Dinner", "800", "30", "9", "70", "900", "80", "7", "10", "45", ""],
        ["2023-03-02", "Breakfast", "350", "9", "2", "20", "300", "48", "5", "9", "15", ""],
    ]
    result = _parse(tmp_path, _csv([MFP_HEADER, *meals]).encode())
    assert result.issues == []

    def total(day: str, col: str) -> float:
        i = MFP_HEADER.index(col)
        return sum(float(m[i].replace(",", "")) for m in meals if m[0] == day)

    for day in ("2023-03-01", "2023-03-02"):
        assert _metric(result, "calories_in")[day] == total(day, "Calories")
        assert _metric(result, "protein")[day] == total(day, "Protein (g)")
        assert _metric(result, "carbohydrates")[day] == total(day, "Carbohydrates (g)")
        assert _metric(result, "sodium_in")[day] == total(day, "Sodium (mg)")
        assert _metric(result, "fat")[day] == total(day, "Fat (g)")
        assert _metric(result, "fiber")[day] == total(day, "Fiber")
    assert "cmd" not in " ".join(r.text for r in result.records)  # notes are not carried
    assert all("(MyFitnessPal)" in r.title for r in result.records)


FORMULAS = ["=HYPERLINK(\"http://x\")", "+SUM(A1:A9)", "-2+3", "@cmd", "\t=1+1"]


def test_mfp_exercise_workouts_and_formula_neutralisation(tmp_path: Path) -> None:
    rows = [["Date", "Exercise", "Type", "Exercise Calories", "Exercise Minutes", "Sets",
             "Reps Per Set", "Kilograms", "Steps", "Note"],
            ["2023-03-01", "Running (jogging)", "Cardiovascular", "310", "30", "", "", "", "",
             ""],
            ["2023-03-01", "MFP iOS calorie adjustment", "Cardiovascular", "75", "0", "", "",
             "", "", ""]]
    rows += [["2023-03-02", name, "Cardiovascular", "100", "10", "", "", "", "", ""]
             for name in FORMULAS]
    result = _parse(tmp_path, _csv(rows).encode())
    assert result.skipped == 1  # the calorie adjustment is not a workout
    names = sorted(w.name for w in _workouts(result))
    expected = sorted(["Running (jogging)"] + ["'" + " ".join(f.split()) for f in FORMULAS])
    assert names == expected
    for text in (r.text for r in result.records):
        for f in FORMULAS:  # every occurrence in record text is behind the quote
            norm = " ".join(f.split())
            at = text.find(norm)
            while at != -1:
                assert text[at - 1] == "'"
                at = text.find(norm, at + 1)
    assert _metric(result, "workouts") == {"2023-03-01": 1, "2023-03-02": len(FORMULAS)}
    assert _metric(result, "workout_minutes") == {"2023-03-01": 30,
                                                  "2023-03-02": 10 * len(FORMULAS)}
    run = next(w for w in _workouts(result) if w.name.startswith("Running"))
    assert run.detail["energy_kcal"] == 310


def test_numbers_starting_with_minus_or_plus_are_numbers_not_text(tmp_path: Path) -> None:
    data = _csv([["date", "metric", "value", "unit"], ["2023-01-01", "steps", "+1200", ""],
                 ["2023-01-02", "steps", "-3", ""]]).encode()
    result = _parse(tmp_path, data)
    assert _metric(result, "steps") == {"2023-01-01": 1200}
    assert [i.reason for i in result.issues] == ["line 3: 'value' value '-3' is negative"]


@pytest.mark.parametrize(("header", "factor"), [("Weight (lbs)", LB), ("Weight (kg)", 1.0),
                                                ("Weight", 1.0)])
def test_mfp_measurement_weight_unit_from_header(
        tmp_path: Path, header: str, factor: float) -> None:
    rows = [["Date", header], ["2023-03-01", "180.4"], ["2023-03-05", "178"]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert _metric(result, "weight") == pytest.approx(
        {"2023-03-01": 180.4 * factor, "2023-03-05": 178 * factor})


# ---------------------------------------------------------------- Fitbit account export


@pytest.mark.parametrize("blank_lines", [True, False])
def test_fitbit_account_export_with_sections_and_quoted_thousands(
        tmp_path: Path, blank_lines: bool) -> None:
    rows = [["Body"], ["Date", "Weight", "BMI", "Fat"], ["2020-01-02", "80.5", "24.9", "21"],
                 [], ["Activities"],
                 ["Date", "Calories Burned", "Steps", "Distance", "Floors", "Minutes Sedentary",
                  "Minutes Lightly Active", "Minutes Fairly Active", "Minutes Very Active",
                  "Activity Calories"],
                 ["2020-01-02", "2,845", "12,034", "8.91", "12", "1,021", "210", "25", "40",
                  "1,310"],
                 ["2020-01-03", "2,100", "4,302", "3.1", "3", "1,180", "150", "5", "0", "600"],
                 [], ["Sleep"],
                 ["Start Time", "End Time", "Minutes Asleep", "Minutes Awake",
                  "Number of Awakenings", "Time in Bed", "Minutes REM Sleep",
                  "Minutes Light Sleep", "Minutes Deep Sleep"],
                 ["2020-01-02 11:02PM", "2020-01-03 6:48AM", "412", "54", "20", "466", "80",
                  "250", "82"],
                 ["2020-01-03 2:10PM", "2020-01-03 2:55PM", "40", "5", "1", "45", "N/A", "N/A",
                  "N/A"]]
    if not blank_lines:  # sections also split where a title line meets a known header
        rows = [r for r in rows if r]
    result = _parse(tmp_path, _csv(rows).encode())
    assert result.issues == []
    assert _metric(result, "steps") == {"2020-01-02": 12034, "2020-01-03": 4302}
    assert _metric(result, "total_energy")["2020-01-02"] == 2845
    assert _metric(result, "sedentary_minutes")["2020-01-02"] == 1021
    assert _metric(result, "active_minutes") == {"2020-01-02": 65, "2020-01-03": 5}
    assert _metric(result, "weight") == {"2020-01-02": 80.5}
    assert _metric(result, "body_fat") == {"2020-01-02": 21}
    # sleep counts for the day it ends; the nap adds to the night
    assert _metric(result, "sleep_total") == pytest.approx({"2020-01-03": (412 + 40) / 60})
    assert _metric(result, "sleep_deep") == pytest.approx({"2020-01-03": 82 / 60})


def test_concatenated_exports_repeat_the_header(tmp_path: Path) -> None:
    header = ["Date", "Weight", "BMI", "Fat"]
    rows = [header, ["2020-01-01", "80", "24.6", ""], header, ["2020-02-01", "79", "24.3", "20"]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert result.issues == []
    assert _metric(result, "weight") == {"2020-01-01": 80, "2020-02-01": 79}


def test_mfp_measurement_body_fat_percent_column(tmp_path: Path) -> None:
    rows = [["Date", "Weight", "Body Fat %"], ["2023-03-01", "81.2", "24.5"]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert _facts(result) == {("weight", "2023-03-01"): 81.2, ("body_fat", "2023-03-01"): 24.5}


# ---------------------------------------------------------------- Withings

WITHINGS_WEIGHT = ["Date", "Weight (kg)", "Fat mass (kg)", "Bone mass (kg)",
                   "Muscle mass (kg)", "Hydration (kg)", "Comments"]


def test_withings_weight_last_of_day_and_fat_from_mass(tmp_path: Path) -> None:
    rows = [WITHINGS_WEIGHT,  # Withings lists the newest first
            ["2021-01-05 21:10:00", "71.2", "14.6", "3.1", "54", "40", ""],
            ["2021-01-05 07:30:12", "72.5", "15.2", "3.1", "54", "40", "before run"],
            ["2021-01-04 07:31:00", "72.9", "", "", "", "", ""]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert _metric(result, "weight") == {"2021-01-05": 71.2, "2021-01-04": 72.9}
    assert _metric(result, "body_fat") == pytest.approx({"2021-01-05": 100 * 14.6 / 71.2})
    assert all("(Withings)" in r.title for r in result.records)


def test_withings_blood_pressure_daily_mean_latin1_comment(tmp_path: Path) -> None:
    rows = [["Date", "Heart rate", "Systolic", "Diastolic", "Comments"],
            ["2021-02-01 08:00:00", "64", "128", "82", "tension élevée après café"],
            ["2021-02-01 20:00:00", "70", "136", "88", "soirée"],
            ["2021-02-02 08:00:00", "61", "121", "79", ""]]
    data = _csv(rows).encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    result = _parse(tmp_path, data)
    assert result.issues == []
    assert _metric(result, "systolic_bp") == {"2021-02-01": 132, "2021-02-02": 121}
    assert _metric(result, "diastolic_bp") == {"2021-02-01": 85, "2021-02-02": 79}
    assert _metric(result, "heart_rate") == {"2021-02-01": 67, "2021-02-02": 61}


def test_semicolon_file_with_decimal_commas_and_day_first_dates(tmp_path: Path) -> None:
    rows = [WITHINGS_WEIGHT[:3], ["03/02/2021 07:30", "72,5", "15,2"],
            ["04/02/2021 07:30", "1.072,5", ""], ["05/02/2021 07:30", "71.8", ""]]
    result = _parse(tmp_path, _csv(rows, ";").encode())
    assert _metric(result, "weight") == {"2021-02-03": 72.5, "2021-02-04": 1072.5,
                                         "2021-02-05": 71.8}
    assert _metric(result, "body_fat") == pytest.approx({"2021-02-03": 100 * 15.2 / 72.5})


@pytest.mark.parametrize(("dates", "expected"), [
    (["03/02/2021", "04/02/2021"], ["2021-03-02", "2021-04-02"]),  # month-first by default
    (["03/02/2021", "13/02/2021"], ["2021-02-03", "2021-02-13"]),  # a 13 proves day-first
    (["03.02.2021", "04.02.2021"], ["2021-02-03", "2021-02-04"]),  # dd.mm.yyyy is European
    (["3/2/21 7:05 PM", "3/4/21 12:00:00 AM"], ["2021-03-02", "2021-03-04"]),
])
def test_numeric_dates_in_comma_files(tmp_path: Path, dates: list[str],
                                      expected: list[str]) -> None:
    rows = [["date", "metric", "value"]] + [[d, "steps", str(i + 1)] for i, d in enumerate(dates)]
    result = _parse(tmp_path, _csv(rows).encode())
    assert _metric(result, "steps") == {day: i + 1 for i, day in enumerate(expected)}


# ---------------------------------------------------------------- Peloton, Google Fit

PELOTON_HEADER = ["Workout Timestamp", "Live/On-Demand", "Instructor Name", "Length (minutes)",
                  "Fitness Discipline", "Type", "Title", "Class Timestamp", "Total Output",
                  "Avg. Watts", "Avg. Resistance", "Avg. Cadence (RPM)", "Avg. Speed (mph)",
                  "Distance (mi)", "Calories Burned", "Avg. Heartrate", "Avg. Incline",
                  "Avg. Pace (min/mi)"]


def test_peloton_workouts(tmp_path: Path) -> None:
    def ride(ts: str, minutes: str, discipline: str, title: str, miles: str,
             kcal: str) -> list[str]:
        return [ts, "On Demand", "Coach", minutes, discipline, "Music", title, "", "300",
                "150", "45%", "80", "18.5", miles, kcal, "130", "", ""]

    rows = [PELOTON_HEADER,
            ride("2021-01-05 07:30 (EST)", "30", "Cycling", "30 min Pop Ride", "9.12", "420"),
            ride("2021-01-05 18:00 (EST)", "10", "Strength", "=1+2", "", "80"),
            ride("2021-01-07 06:15 (-05)", "20", "Running", "20 min Run", "2.1", "250")]
    result = _parse(tmp_path, _csv(rows).encode())
    assert result.issues == []
    assert _metric(result, "workouts") == {"2021-01-05": 2, "2021-01-07": 1}
    assert _metric(result, "workout_minutes") == {"2021-01-05": 40, "2021-01-07": 20}
    items = sorted(_workouts(result), key=lambda i: i.date or "")
    assert [i.name for i in items] == ["Cycling (30 min Pop Ride)", "Strength ('=1+2)",
                                       "Running (20 min Run)"]
    assert items[0].date == "2021-01-05T07:30"
    assert items[0].detail["distance_km"] == pytest.approx(9.12 * 1.609344)
    assert "distance_km" not in items[1].detail


def test_google_fit_daily_aggregates(tmp_path: Path) -> None:
    header = ["Date", "Move Minutes count", "Calories (kcal)", "Distance (m)", "Heart Points",
              "Heart Minutes", "Average heart rate (bpm)", "Max heart rate (bpm)",
              "Min heart rate (bpm)", "Average speed (m/s)", "Max speed (m/s)",
              "Min speed (m/s)", "Step count", "Average weight (kg)", "Max weight (kg)",
              "Min weight (kg)"]
    rows = [header,
            ["2022-05-01", "64", "2310.57", "5123.4", "22", "18", "71.2", "151", "52", "1.2",
             "3.1", "0.4", "7421", "70.3", "70.5", "70.1"],
            ["2022-05-02", "12", "1950", "800", "", "", "", "", "", "", "", "", "1203", "", "",
             ""]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert result.issues == []
    assert _metric(result, "steps") == {"2022-05-01": 7421, "2022-05-02": 1203}
    assert _metric(result, "distance") == pytest.approx({"2022-05-01": 5.1234,
                                                         "2022-05-02": 0.8})
    assert _metric(result, "total_energy")["2022-05-01"] == pytest.approx(2310.57)
    assert _metric(result, "active_minutes") == {"2022-05-01": 64, "2022-05-02": 12}
    assert _metric(result, "heart_rate_max") == {"2022-05-01": 151}
    assert _metric(result, "heart_rate_min") == {"2022-05-01": 52}
    assert _metric(result, "weight") == {"2022-05-01": 70.3}


# ---------------------------------------------------------------- generic layout


def test_generic_layout_combines_rows_with_each_metric_aggregate(tmp_path: Path) -> None:
    rows = [["date", "metric", "value", "unit"],
            ["2023-06-01 08:00", "steps", "4000", ""],
            ["2023-06-01 18:00", "Steps", "2500", "count"],
            ["2023-06-01 07:00", "heart rate", "60", "bpm"],  # alias
            ["2023-06-01 19:00", "heart_rate", "70", "bpm"],
            ["2023-06-01 21:00", "weight", "160", "lbs"],
            ["2023-06-01 06:00", "weight", "72.0", "kg"],
            ["2023-06-01", "sleep", "450", "min"],
            ["2023-06-01", "mood", "7", ""]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert _metric(result, "steps") == {"2023-06-01": 6500}
    assert _metric(result, "heart_rate") == {"2023-06-01": 65}
    assert _metric(result, "weight") == pytest.approx({"2023-06-01": 160 * LB})  # latest
    assert _metric(result, "sleep_total") == pytest.approx({"2023-06-01": 7.5})
    assert len(result.issues) == 1 and result.issues[0].reason.startswith(
        "line 9: unknown metric 'mood'")


# ---------------------------------------------------------------- encodings


GENERIC = [["date", "metric", "value", "unit"], ["2023-01-01", "steps", "1000", ""],
           ["2023-01-02", "weight", "70.5", "kg"]]


@pytest.mark.parametrize(("bom", "encoding"), [
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"), (b"", "utf-16-le"), (b"", "utf-8")])
def test_encodings(tmp_path: Path, bom: bytes, encoding: str) -> None:
    data = bom + _csv(GENERIC).encode(encoding)
    assert looks_like_csv(data[:150])
    result = _parse(tmp_path, data)
    assert _facts(result) == {("steps", "2023-01-01"): 1000, ("weight", "2023-01-02"): 70.5}


def test_cp1252_exercise_name_keeps_its_accents(tmp_path: Path) -> None:
    rows = [["Date", "Exercise", "Type", "Exercise Calories", "Exercise Minutes"],
            ["2023-03-01", "Vélo d’appartement", "Cardiovascular", "200", "25"]]
    result = _parse(tmp_path, _csv(rows, "\t").encode("cp1252"))
    assert [w.name for w in _workouts(result)] == ["Vélo d’appartement"]


# ---------------------------------------------------------------- errors


def test_bad_lines_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    text = ("date,metric,value,unit\n"
            "2023-01-01,steps,1000,\n"
            "2023-13-45,steps,1000,\n"  # line 3: no such date
            "2023-01-02,steps,lots,\n"  # line 4: not a number
            "2023-01-03,steps,10,,extra\n"  # line 5: too many fields
            "\n"
            "2023-01-04,weight,70,furlongs\n"  # line 7: unknown unit
            ",steps,5,\n"  # line 8: no date
            "2023-01-05,steps,2000,\n")
    result = _parse(tmp_path, text.encode())
    assert _metric(result, "steps") == {"2023-01-01": 1000, "2023-01-05": 2000}
    reasons = [i.reason for i in result.issues]
    assert [r.split(":")[0] for r in reasons] == ["line 3", "line 4", "line 5", "line 7",
                                                  "line 8"]
    assert "is not a date" in reasons[0] and "is not a number" in reasons[1]
    assert "5 fields where the header has 4" in reasons[2]
    assert all(i.source_file == "export.csv" for i in result.issues)


def test_one_bad_cell_keeps_the_rest_of_the_row(tmp_path: Path) -> None:
    rows = [["Date", "Heart rate", "Systolic", "Diastolic", "Comments"],
            ["2021-02-01 08:00", "x", "128", "82", ""]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert _metric(result, "systolic_bp") == {"2021-02-01": 128}
    assert [i.reason for i in result.issues] == ["line 2: 'Heart rate' value 'x' is not a number"]


def test_daily_layout_repeated_day(tmp_path: Path) -> None:
    header = ["Date", "Calories In"]
    rows = [header, ["2020-01-01", "2000"], ["2020-01-01", "2000"], ["2020-01-01", "2100"]]
    result = _parse(tmp_path, _csv(rows).encode())
    assert result.skipped == 1  # the verbatim repeat
    assert _metric(result, "calories_in") == {"2020-01-01": 2100}  # the later row wins
    assert result.issues[0].reason.startswith("line 4: a second row for 2020-01-01")


def test_no_usable_line_is_invalid_and_header_only_is_empty(tmp_path: Path) -> None:
    with pytest.raises(InvalidContent, match="no usable line"):
        _parse(tmp_path, b"date,metric,value\nnot a date,steps,1\n2023-01-01,steps,abc\n")
    with pytest.raises(EmptyInput):
        _parse(tmp_path, b"date,metric,value\n")
    with pytest.raises(EmptyInput):
        _parse(tmp_path, b"  \n")


def test_unknown_layout_names_every_profile(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormat) as err:
        _parse(tmp_path, b"Patient,Visit,Score\nA,1,3\nB,2,4\n", name="scores.csv")
    message = err.value.message
    assert message.startswith("unsupported CSV layout: scores.csv; known profiles: ")
    for profile in PROFILES:
        assert f"{profile.name} [{', '.join(profile.telltale)}]" in message


@pytest.mark.parametrize("data", [
    random.Random(7).randbytes(5000),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + random.Random(8).randbytes(2000),
    b"\xff\xfe" + b"a\x00,\x00b" + b"\x00\xd8",  # UTF-16 mark, broken body
])
def test_binary_garbage_is_refused_not_crashed(tmp_path: Path, data: bytes) -> None:
    assert not looks_like_csv(data[:4096])
    with pytest.raises((UnsupportedFormat, InvalidContent)):
        _parse(tmp_path, data, name="garbage.csv")


def test_cap_applies(tmp_path: Path) -> None:
    with pytest.raises(TooLarge):
        _parse(tmp_path, _csv(GENERIC).encode(), settings=IngestSettings(max_file_bytes=10))


@pytest.mark.parametrize(("text", "expected"), [
    ("Date,Weight\n2021-01-01,70\n2021-01-02,71\n", True),
    ("Date;Weight (kg)\n01/01/2021;70,5\n", True),
    ("Activities\nDate,Steps,Calories Burned\n2021-01-01,\"1,234\",2000\n", True),
    ("Dear doctor, thank you for seeing me.\nI have had a cough, a fever, and pain.\n", False),
    ("Just one line of text without any delimiter\nand another\n", False),
    ("a,b\n", False),  # a header without a single data line proves nothing
])
def test_looks_like_csv(text: str, expected: bool) -> None:
    assert looks_like_csv(text.encode()) is expected


def test_same_bytes_same_records(tmp_path: Path) -> None:
    data = _csv(GENERIC).encode()
    a, b = _parse(tmp_path / "a", data), _parse(tmp_path / "b", data)
    assert [(r.key, r.text) for r in a.records] == [(r.key, r.text) for r in b.records]
    assert len(a.records) == 4  # steps and weight: one week record and one month record each
