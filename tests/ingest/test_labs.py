"""Lab results from report text: names to LOINC, units to UCUM, intervals, flags, dates.

The generated report below is the truth table: the test knows every value it printed
and checks the facts read back from PDF, DOCX, HTML, text and a scanned image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.base import Source
from ingest.documents import parse_document, tesseract_path
from ingest.labs import (
    LOINC,
    extract_labs,
    find_report_date,
    lab_term,
    loinc_for,
    mapped_tests,
    normalise_unit,
    parse_date,
)
from rag.core.settings import IngestSettings
from rag.core.terms import vocabulary
from rag.core.types import Measurement, human_number
from tests.conftest import needs_tool
from tests.ingest.test_documents import make_docx, make_pdf, png_to_jpeg, text_image


@dataclass(frozen=True)
class Row:
    name: str  # as printed
    key: str  # the vocabulary term a reader of the report knows it is
    value: str
    flag: str  # as printed ("" for none)
    unit: str  # as printed
    ucum: str | None
    interval: str  # as printed
    low: float | None
    high: float | None
    interpretation: str | None


# printed name | term key | value | flag | printed unit | UCUM | interval | low | high | flag read
PANEL_TABLE = """
Cholesterol, Total | total_cholesterol | 212 | H | mg/dL | mg/dL | 100-199 | 100 | 199 | H
Triglycerides | triglycerides | 150 | - | mg/dL | mg/dL | 0-149 | 0 | 149 | -
HDL Cholesterol | hdl | 38 | L | mg/dL | mg/dL | >39 | 39 | - | L
LDL Chol Calc (NIH) | ldl | 144 | H | mg/dL | mg/dL | 0-99 | 0 | 99 | H
Glucose, Serum | glucose | 101 | H | mg/dL | mg/dL | 70-99 | 70 | 99 | H
BUN | bun | 14 | - | mg/dL | mg/dL | 6-24 | 6 | 24 | -
Creatinine, Serum | creatinine | 0.98 | - | mg/dL | mg/dL | 0.76-1.27 | 0.76 | 1.27 | -
eGFR | egfr | 92 | - | mL/min/1.73m2 | mL/min/{1.73_m2} | >59 | 59 | - | -
Sodium | sodium | 139 | - | mmol/L | mmol/L | 134-144 | 134 | 144 | -
Potassium | potassium | 5.4 | H | mmol/L | mmol/L | 3.5-5.2 | 3.5 | 5.2 | H
Chloride | chloride | 101 | - | mmol/L | mmol/L | 96-106 | 96 | 106 | -
Carbon Dioxide, Total | co2 | 24 | - | mmol/L | mmol/L | 20-29 | 20 | 29 | -
Calcium | calcium | 9.6 | - | mg/dL | mg/dL | 8.7-10.2 | 8.7 | 10.2 | -
Protein, Total | total_protein | 7.1 | - | g/dL | g/dL | 6.0-8.5 | 6.0 | 8.5 | -
Albumin | albumin | 4.6 | - | g/dL | g/dL | 4.0-5.0 | 4.0 | 5.0 | -
Globulin, Total | globulin | 2.5 | - | g/dL | g/dL | 1.5-4.5 | 1.5 | 4.5 | -
A/G Ratio | albumin_globulin_ratio | 1.8 | - | - | - | 1.2-2.2 | 1.2 | 2.2 | -
Bilirubin, Total | bilirubin | 0.4 | - | mg/dL | mg/dL | 0.0-1.2 | 0.0 | 1.2 | -
Alkaline Phosphatase | alp | 70 | - | IU/L | U/L | 44-121 | 44 | 121 | -
AST (SGOT) | ast | 21 | - | IU/L | U/L | 0-40 | 0 | 40 | -
ALT (SGPT) | alt | 58 | H | IU/L | U/L | 0-44 | 0 | 44 | H
WBC | wbc | 6.2 | - | x10E3/uL | 10*3/uL | 3.4-10.8 | 3.4 | 10.8 | -
RBC | rbc | 4.81 | - | x10E6/uL | 10*6/uL | 4.14-5.80 | 4.14 | 5.8 | -
Hemoglobin | hemoglobin | 12.1 | L | g/dL | g/dL | 13.0-17.7 | 13.0 | 17.7 | L
Hematocrit | hematocrit | 44.1 | - | % | % | 37.5-51.0 | 37.5 | 51.0 | -
MCV | mcv | 92 | - | fL | fL | 79-97 | 79 | 97 | -
MCH | mch | 30.6 | - | pg | pg | 26.6-33.0 | 26.6 | 33.0 | -
MCHC | mchc | 33.3 | - | g/dL | g/dL | 31.5-35.7 | 31.5 | 35.7 | -
RDW | rdw | 13.2 | - | % | % | 11.6-15.4 | 11.6 | 15.4 | -
Platelets | platelets | 460 | H | x10E3/uL | 10*3/uL | 150-450 | 150 | 450 | H
Neutrophils (Absolute) | neutrophils | 3.4 | - | x10E3/uL | 10*3/uL | 1.4-7.0 | 1.4 | 7.0 | -
Lymphs (Absolute) | lymphocytes | 1.9 | - | x10E3/uL | 10*3/uL | 0.7-3.1 | 0.7 | 3.1 | -
Hemoglobin A1c | hba1c | 6.8 | H | % | % | 4.8-5.6 | 4.8 | 5.6 | H
TSH | tsh | 2.150 | - | uIU/mL | m[IU]/L | 0.450-4.500 | 0.45 | 4.5 | -
Vitamin D, 25-Hydroxy | vitamin_d | 28.4 | L | ng/mL | ng/mL | 30.0-100.0 | 30.0 | 100.0 | L
Ferritin | ferritin | 85 | - | ng/mL | ng/mL | 30-400 | 30 | 400 | -
Vitamin B12 | b12 | 512 | - | pg/mL | pg/mL | 232-1245 | 232 | 1245 | -
"""


def _cell(text: str) -> str | None:
    return None if text == "-" else text


def _rows(table: str) -> list[Row]:
    rows = []
    for line in table.strip().splitlines():
        name, key, value, flag, unit, ucum, interval, low, high, read = line.split(" | ")
        rows.append(Row(
            name, key, value, _cell(flag) or "", _cell(unit) or "", _cell(ucum), interval,
            None if low == "-" else float(low), None if high == "-" else float(high),
            _cell(read),
        ))
    return rows


PANEL = _rows(PANEL_TABLE)  # a lipid panel, a CMP, a CBC and a few others
COLLECTED = "03/14/2024"
COLLECTED_ISO = "2024-03-14"


def _cells(row: Row) -> list[str]:
    return [row.name, row.value, row.flag, row.unit, row.interval]


def _header() -> list[str]:
    return ["ACME Laboratories", "Patient: Test Person", f"Date collected: {COLLECTED}",
            "Date reported: 03/16/2024", ""]


def _text_lines(rows: list[Row] = PANEL) -> list[str]:
    lines = [*_header(), f"{'TEST':28}{'RESULT':10}{'FLAG':6}{'UNITS':16}REFERENCE INTERVAL"]
    for row in rows:
        lines.append(f"{row.name:28}{row.value:10}{row.flag:6}{row.unit:16}{row.interval}")
    return lines


def _facts(result_records: list) -> list[Measurement]:  # type: ignore[type-arg]
    return [m for r in result_records for m in r.measurements]


def _check_panel(records: list, rows: list[Row] = PANEL, *, exact: bool = True) -> int:  # type: ignore[type-arg]
    """Every fact is a row of the panel with its printed value in the cited text;
    returns how many rows were found."""
    vocab = vocabulary()
    expected = {vocab.terms[r.key].display_en: r for r in rows}
    found = 0
    for record in records:
        for fact in record.measurements:
            row = expected[fact.display]
            unit = row.ucum
            assert fact.code_system == LOINC
            assert fact.code == loinc_for(vocab.terms[row.key], unit)
            assert fact.value == pytest.approx(float(row.value))
            assert fact.unit == unit
            assert (fact.ref_low, fact.ref_high) == (row.low, row.high)
            assert fact.interpretation == row.interpretation
            assert fact.effective == COLLECTED_ISO
            assert fact.category == "laboratory"
            # The cited chunk holds the row, so the value is quoted verbatim.
            assert row.value in record.text and row.name in record.text
            assert human_number(fact.value or 0) in record.text
            found += 1
    if exact:
        assert found == len(rows)
        assert len({m.display for r in records for m in r.measurements}) == len(rows)
    return found


def _parse(path: Path) -> list:  # type: ignore[type-arg]
    return parse_document(Source.from_path(path), IngestSettings()).records


# ------------------------------------------------------------------ formats


def test_panel_from_text(tmp_path: Path) -> None:
    path = tmp_path / "labs.txt"
    path.write_text("\n".join(_text_lines()), encoding="utf-8")
    _check_panel(_parse(path))


def test_panel_from_pdf_columns(tmp_path: Path) -> None:
    # Each column drawn as its own text object, like a LIS report.
    lines: list = [*_header()]  # type: ignore[type-arg]
    for row in PANEL:
        cells = [(50.0, row.name), (230.0, row.value), (290.0, row.flag), (320.0, row.unit),
                 (420.0, row.interval)]
        lines.append([(x, t) for x, t in cells if t])
    half = len(lines) // 2 + 3
    pdf = make_pdf(tmp_path / "labs.pdf", [lines[:half], lines[half:]])
    records = _parse(pdf)
    _check_panel(records)
    # A fact is on the record of the page it was printed on.
    page_of = {m.display: r.provenance.page for r in records for m in r.measurements}
    vocab = vocabulary()
    first, last = (vocab.terms[PANEL[i].key].display_en for i in (0, -1))
    assert (page_of[first], page_of[last]) == (1, 2)


def test_panel_from_docx_table(tmp_path: Path) -> None:
    table = [["Test", "Result", "Flag", "Units", "Reference interval"]]
    table += [_cells(row) for row in PANEL]
    path = make_docx(tmp_path / "labs.docx", _header(), table)
    _check_panel(_parse(path))


def test_panel_from_html_table(tmp_path: Path) -> None:
    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in _cells(row)) + "</tr>" for row in PANEL
    )
    html = (f"<!doctype html><html><body><p>Date collected: {COLLECTED}</p>"
            f"<table><tr><th>Test</th><th>Result</th></tr>{cells}</table></body></html>")
    path = tmp_path / "labs.html"
    path.write_text(html, encoding="utf-8")
    _check_panel(_parse(path))


@needs_tool(tesseract_path() is not None, "tesseract-ocr")
def test_panel_from_scan_reads_only_true_values(tmp_path: Path) -> None:
    rows = PANEL[:20]
    jpeg = png_to_jpeg(text_image(_text_lines(rows), size=34, width=2550, height=3300))
    pdf = make_pdf(tmp_path / "scan.pdf", [[]], images={0: jpeg})
    # OCR may miss a row; every row it does read must be exactly right.
    found = _check_panel(_parse(pdf), rows, exact=False)
    assert found >= 0.7 * len(rows)


# ------------------------------------------------------------------ names, units, dates

NAMES = [
    ("Glucose", "glucose"), ("Glucose, Serum", "glucose"), ("Fasting Glucose", "glucose"),
    ("Hemoglobin A1c", "hba1c"), ("HbA1c", "hba1c"), ("Cholesterol, Total", "total_cholesterol"),
    ("LDL Cholesterol", "ldl"), ("LDL-C", "ldl"), ("HDL Cholesterol", "hdl"),
    ("Triglycerides", "triglycerides"), ("Creatinine", "creatinine"), ("eGFR", "egfr"),
    ("BUN", "bun"), ("Urea Nitrogen (BUN)", "bun"), ("Sodium", "sodium"),
    ("Potassium", "potassium"), ("Chloride", "chloride"), ("Carbon Dioxide, Total", "co2"),
    ("Bicarbonate", "co2"), ("Anion Gap", "anion_gap"), ("Calcium", "calcium"),
    ("Ionized Calcium", "calcium_ionized"), ("Magnesium", "magnesium"),
    ("Phosphorus", "phosphate"), ("Uric Acid", "uric_acid"), ("Hemoglobin", "hemoglobin"),
    ("Hematocrit", "hematocrit"), ("WBC", "wbc"), ("White Blood Cell Count", "wbc"),
    ("RBC", "rbc"), ("Platelets", "platelets"), ("Platelet Count", "platelets"),
    ("MCV", "mcv"), ("MCH", "mch"), ("MCHC", "mchc"), ("RDW", "rdw"), ("MPV", "mpv"),
    ("Neutrophils", "neutrophils"), ("Lymphocytes", "lymphocytes"), ("TSH", "tsh"),
    ("Free T4", "free_t4"), ("Free T3", "free_t3"), ("ALT (SGPT)", "alt"), ("AST (SGOT)", "ast"),
    ("Alkaline Phosphatase", "alp"), ("GGT", "ggt"), ("Bilirubin, Total", "bilirubin"),
    ("Bilirubin, Direct", "bilirubin_direct"), ("Albumin", "albumin"),
    ("Protein, Total", "total_protein"), ("Globulin", "globulin"), ("LDH", "ldh"),
    ("Lipase", "lipase"), ("Amylase", "amylase"), ("Vitamin D, 25-Hydroxy", "vitamin_d"),
    ("Vitamin B12", "b12"), ("Folate", "folate"), ("Ferritin", "ferritin"), ("Iron", "iron"),
    ("TIBC", "tibc"), ("C-Reactive Protein", "crp"), ("hs-CRP", "crp_hs"), ("INR", "inr"),
    ("Prothrombin Time", "pt"), ("Troponin I", "troponin"), ("BNP", "bnp"),
    ("NT-proBNP", "nt_probnp"), ("PSA", "psa"), ("Free PSA", "psa_free"),
    ("Urine Microalbumin", "microalbumin"), ("Albumin/Creatinine Ratio", "uacr"),
    ("Specific Gravity", "urine_specific_gravity"), ("Urine pH", "urine_ph"),
    ("Total IgE", "ige_total"), ("Antinuclear Antibodies, IFA", "ana"),
    ("Créatinine", "creatinine"), ("Glycémie à jeun", "glucose"), ("Hémoglobine", "hemoglobin"),
    ("Plaquettes", "platelets"), ("Potassium, Plasma", "potassium"),
]


def test_at_least_50_distinct_tests_are_mapped() -> None:
    assert len({key for _, key in NAMES}) >= 50
    assert len(mapped_tests()) >= 50


@pytest.mark.parametrize(("name", "key"), NAMES)
def test_name_maps_to_loinc(name: str, key: str) -> None:
    term = lab_term(name)
    assert term is not None, name
    assert term.key == key
    assert loinc_for(term, None) == vocabulary().terms[key].loinc[0]
    # And the name read in a result row gives that LOINC code on the fact.
    facts = extract_labs(f"{name}  7.5  H  mg/dL  1.0-5.0")
    assert [(f.loinc, f.value, f.flag) for f in facts] == [(term.loinc[0], 7.5, "H")]


@pytest.mark.parametrize(
    "name",
    ["BUN/Creatinine Ratio", "Monocytes", "eGFR If Africn Am", "VLDL Cholesterol Cal",
     "Patient Phone", "Glucose 2 hr post", "Comment", "Specimen Number"],
)
def test_unknown_names_are_not_guessed(name: str) -> None:
    assert lab_term(name) is None


def test_unit_tells_a_more_specific_code() -> None:
    vocab = vocabulary()
    assert loinc_for(vocab.terms["glucose"], "mmol/L") in vocab.terms["glucose"].loinc
    assert loinc_for(vocab.terms["glucose"], "mmol/L") != loinc_for(vocab.terms["glucose"], "mg/dL")
    facts = extract_labs("Neutrophils 58 % 40-74\nNeutrophils (Absolute) 3.4 x10E3/uL 1.4-7.0")
    assert [f.loinc for f in facts] == ["770-8", "751-8"]


@pytest.mark.parametrize(
    ("printed", "ucum"),
    [("mg/dL", "mg/dL"), ("MG/DL", "mg/dL"), ("mmol/L", "mmol/L"), ("g/dL", "g/dL"),
     ("x10E3/uL", "10*3/uL"), ("10^3/µL", "10*3/uL"), ("K/uL", "10*3/uL"), ("%", "%"),
     ("U/L", "U/L"), ("IU/L", "U/L"), ("mIU/L", "m[IU]/L"), ("uIU/mL", "m[IU]/L"),
     ("ng/mL", "ng/mL"), ("pg/mL", "pg/mL"), ("mEq/L", "meq/L"), ("µmol/L", "umol/L"),
     ("fL", "fL"), ("mL/min/1.73m2", "mL/min/{1.73_m2}"), ("furlongs", None)],
)
def test_units_to_ucum(printed: str, ucum: str | None) -> None:
    assert normalise_unit(printed) == ucum


@pytest.mark.parametrize(
    ("line", "value", "value_text", "low", "high", "ref_text", "flag"),
    [
        ("Glucose 95 mg/dL 70-99", 95.0, None, 70.0, 99.0, "70-99", None),
        ("Glucose 95 mg/dL (70 - 99)", 95.0, None, 70.0, 99.0, "70 - 99", None),
        ("Cholesterol, Total 210 H <200 mg/dL", 210.0, None, None, 200.0, "<200", "H"),
        ("HDL Cholesterol 45 mg/dL >40", 45.0, None, 40.0, None, ">40", None),
        ("Potassium 3.2 Low mmol/L 3.5 - 5.0", 3.2, None, 3.5, 5.0, "3.5 - 5.0", "L"),
        ("Potassium 6.9 HH mmol/L 3.5-5.0", 6.9, None, 3.5, 5.0, "3.5-5.0", "HH"),
        ("Sodium 118 LL mmol/L 135-145", 118.0, None, 135.0, 145.0, "135-145", "LL"),
        ("Sodium 150 High mmol/L 135-145", 150.0, None, 135.0, 145.0, "135-145", "H"),
        ("Calcium 11.2 * mg/dL 8.6-10.3", 11.2, None, 8.6, 10.3, "8.6-10.3", "A"),
        ("Hemoglobin 9.8L g/dL 13.5-17.5", 9.8, None, 13.5, 17.5, "13.5-17.5", "L"),
        ("Troponin I <0.01 ng/mL 0.00-0.04", None, "<0.01", 0.0, 0.04, "0.00-0.04", None),
        ("Glycémie 5,6 mmol/L 3,9-5,5 H", 5.6, None, 3.9, 5.5, "3,9-5,5", "H"),
        ("GLUCOSE 95 65-99 mg/dL", 95.0, None, 65.0, 99.0, "65-99", None),
        ("Chlamydia trachomatis Not detected", None, "Not detected", None, None, None, None),
        ("- TSH | 2.1 | uIU/mL | 0.45-4.5", 2.1, None, 0.45, 4.5, "0.45-4.5", None),
    ],
)
def test_row_shapes(line: str, value: float | None, value_text: str | None, low: float | None,
                    high: float | None, ref_text: str | None, flag: str | None) -> None:
    [fact] = extract_labs(line)
    assert (fact.value, fact.value_text) == (value, value_text)
    assert (fact.ref_low, fact.ref_high, fact.ref_text, fact.flag) == (low, high, ref_text, flag)


@pytest.mark.parametrize(
    "text",
    [
        "Her glucose was 95 mg/dL yesterday, and she felt well.",
        "Sodium 140",  # a bare number: not enough to be a result
        "Glucose 95 mg/dL 70-99 125 mg/dL 2023-01-04",  # a cumulative row we do not read
        "Glucose 01/02/2024",
        "Call 800-631-5250 for questions about your potassium.",
        "Potassium chloride 20 mEq by mouth twice daily",
        "1. Acute cerebrovascular accident. 2. Hypertension.",
        "Heart rate 72 /min 60-100",  # a vital sign, not a lab result
    ],
)
def test_not_a_lab_row(text: str) -> None:
    assert extract_labs(text) == []


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Date collected: 03/14/2024", "2024-03-14"), ("Collected 2024-03-14 08:10", "2024-03-14"),
        ("Specimen collected: 14 March 2024", "2024-03-14"),
        ("Collection date: Mar 14, 2024", "2024-03-14"), ("Collected: 14.03.2024", "2024-03-14"),
        ("Date of service: 31/12/2023", "2023-12-31"), ("Reported: 07/15/16", "2016-07-15"),
        ("Prélevé le 2 janvier 2024", "2024-01-02"),
        ("Reported: 03/16/2024\nDate collected: 03/14/2024", "2024-03-14"),
        ("Date of birth: 01/01/1960\nNo collection date here", None),
    ],
)
def test_report_dates(text: str, iso: str | None) -> None:
    assert find_report_date(text) == iso


def test_parse_date_rejects_impossible_dates() -> None:
    assert parse_date("13/13/2024") is None
    assert parse_date("2024-02-30") is None


# ------------------------------------------------------------------ real reports


@pytest.mark.shared
def test_labcorp_ana_sample() -> None:
    """Verified by eye: page 1 is a normal report (ANA negative, collected 07/14/16),
    page 2 an abnormal one (ANA positive, flagged abnormal, collected 08/31/16); page 3 is
    the second report's footer. The intervals are printed under the result."""
    from tests.conftest import shared_path

    path = shared_path("ccda_examples", "pdf", "Results",
                       "Result_with_Multiple_Reference_Ranges", "164947.pdf")
    records = _parse(path)
    facts = {(r.provenance.page, m.code, m.value_text, m.interpretation, m.effective)
             for r in records for m in r.measurements}
    assert facts == {
        (1, "5048-4", "Negative", None, "2016-07-14"),
        (2, "5048-4", "Positive", "A", "2016-08-31"),
    }
    for record in records:
        for fact in record.measurements:
            assert fact.value_text and fact.value_text in record.text
            assert fact.ref_text == "Negative <1:80; Borderline 1:80; Positive >1:80"
            assert fact.value is None  # a qualitative result has no number


@pytest.mark.shared
def test_discharge_summary_yields_no_lab_facts() -> None:
    from tests.conftest import shared_path

    path = shared_path("ccda_examples", "pdf", "Unstructured", "CDA_reference_PDF",
                       "UD_sample.pdf")
    records = _parse(path)
    assert records
    assert [m for r in records for m in r.measurements] == []


def test_every_fact_is_quoted_in_its_chunk(tmp_path: Path) -> None:
    # Many rows and a small chunk size: facts must follow their rows into the right chunk.
    path = tmp_path / "labs.txt"
    path.write_text("\n".join(_text_lines() * 3), encoding="utf-8")
    records = parse_document(Source.from_path(path), IngestSettings(chunk_chars=300)).records
    assert len(records) > 5
    total = 0
    for record in records:
        for fact in record.measurements:
            assert re.search(rf"(?<![\d.]){re.escape(human_number(fact.value or 0))}", record.text)
            total += 1
    assert total == 3 * len(PANEL)
