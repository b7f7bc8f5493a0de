"""The held-out record-QA set (eval/understanding): its phrasings file, its answer key on a
real Synthea bundle (skipped without ../shared/data), and its judge, table-driven. Fast: no
product, no model."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from eval.understanding import expected as ex
from eval.understanding.generate import SLOT, build, questions_for, sample, split_of
from eval.understanding.score import find_dates, judge, numbers

ROOT = Path(__file__).resolve().parents[2]
SYNTHEA = ROOT.parent / "shared" / "data" / "synthea_fhir_r4"
ONE = "Dirk_Kuhlman_1e503533-b8c2-42cb-a6d5-bbd7d70d07ad.json"
TYPES = {
    "latest_value", "unit_value", "history", "yesno_condition", "yesno_absent",
    "yesno_medication", "list_allergies", "list_medications", "list_conditions",
    "encounter_count", "last_visit_date", "last_visit_reason", "last_visit_practitioner",
    "last_visit_organization", "care_team", "immunization_date", "costs_year", "payer",
    "absent",
}


def _synthea() -> Path:
    if not (SYNTHEA / "bundles").is_dir():
        pytest.skip("../shared/data/synthea_fhir_r4 is not available")
    return SYNTHEA


def _bundle() -> Path:
    path = _synthea() / "bundles" / ONE
    if not path.exists():
        pytest.skip(f"{ONE} is not in ../shared/data/synthea_fhir_r4")
    return path


# ------------------------------------------------------------------ the phrasings file


def test_every_type_has_twelve_phrasings_and_a_third_in_french() -> None:
    vocab = ex.load_vocab()
    assert set(vocab["types"]) == TYPES
    ids: list[str] = []
    for qtype, spec in vocab["types"].items():
        templates = spec["templates"]
        assert len({t["text"] for t in templates}) >= 12, qtype
        fr = sum(t["lang"] == "fr" for t in templates)
        assert 0.25 <= fr / len(templates) <= 0.5, (qtype, fr)
        ids += [t["id"] for t in templates]
    assert len(ids) == len(set(ids))


def test_slots_and_fixed_values_name_real_vocab_entries() -> None:
    vocab = ex.load_vocab()
    sections = {"lab": "measures", "conv": "conversions", "condition": "conditions",
                "med": "medications", "vaccine": "vaccines", "allergen": "allergens",
                "concept": "absent_concepts"}
    for spec in vocab["types"].values():
        for tpl in spec["templates"]:
            for slot in SLOT.findall(tpl["text"]):
                assert slot in {*sections, "year"}, tpl["id"]
            for slot, value in (tpl.get("fixed") or {}).items():
                assert value in vocab["vocab"][sections[slot]], tpl["id"]
    for name, conv in vocab["vocab"]["conversions"].items():
        assert conv["measure"] in vocab["vocab"]["measures"], name


# ------------------------------------------------------------------ the answer key


@pytest.mark.shared
def test_answer_key_on_one_bundle() -> None:
    path = _bundle()
    rec = ex.Record.load(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    resources = [e["resource"] for e in raw["entry"]]

    assert rec.conditions(active=True), "this patient has active conditions"
    for c in rec.conditions(active=True):
        assert c["clinicalStatus"]["coding"][0]["code"] == "active"
        assert not any(k.startswith("abatement") for k in c)
    for year, n in rec.encounter_years().items():
        assert ex.encounter_count(rec, year)["n"] == n > 0
    assert sum(rec.encounter_years().values()) == sum(
        r["resourceType"] == "Encounter" for r in resources)

    # the latest A1c, recomputed here the dumbest possible way
    a1c = [r for r in resources if r["resourceType"] == "Observation"
           and r["code"]["coding"][0]["code"] == "4548-4"]
    last = max(a1c, key=lambda r: r["effectiveDateTime"])
    got = ex.latest_value(rec, "a1c")
    assert got is not None
    assert got["value"] == last["valueQuantity"]["value"]
    assert got["date"] == last["effectiveDateTime"][:10]
    assert last["id"] in got["sources"]

    bp = ex.latest_value(rec, "bp")
    assert bp is not None and bp["value"] > bp["also"][0] > 0

    # every practitioner of the last visit is a Practitioner of the bundle
    names = {" ".join(p["name"][0]["given"] + [p["name"][0]["family"]])
             for p in resources if p["resourceType"] == "Practitioner"}
    last_doc = ex.last_visit(rec, "practitioner")
    assert last_doc is not None and last_doc["any_of"][0] in names


@pytest.mark.shared
def test_absent_concepts_are_really_absent() -> None:
    path = _bundle()
    rec = ex.Record.load(path)
    text = path.read_text(encoding="utf-8").lower()
    vocab = ex.load_vocab()["vocab"]["absent_concepts"]
    absent = [c for c in vocab if ex.absent(rec, c) is not None]
    assert {"vitamin_d", "blood_type", "mri", "sleep"} <= set(absent)
    for concept in absent:
        for code in vocab[concept].get("loinc", []):
            assert f'"{code}"' not in text, (concept, code)
    for concept in ("vitamin_d", "blood_type"):
        assert not re.search(r"vitamin d\b|blood type|abo group", text), concept
    # no shingles vaccine for this patient, so "have I had the shingles vaccine" expects No
    assert ex.vaccine_or_allergen_yesno(rec, {"vaccine": "zoster"}) == {
        "kind": "yesno", "yes": False, "sources": []}
    assert '"121"' not in text


@pytest.mark.shared
def test_generated_questions_fill_every_slot_and_split_about_evenly() -> None:
    data = _synthea()
    vocab = ex.load_vocab()
    rec = ex.Record.load(data / "bundles" / ONE, vocab)
    qs = questions_for(rec, vocab)
    assert qs and all("{" not in q.text for q in qs)
    assert {q.qtype for q in qs} == TYPES
    yes_no = [q.expected["yes"] for q in qs if q.qtype in {"yesno_condition",
                                                          "yesno_medication"}]
    assert any(yes_no) and not all(yes_no)
    assert all(not q.expected["yes"] for q in qs if q.qtype == "yesno_absent")

    everything = build(data)
    dev = [q for q in everything if q.split == "dev"]
    assert 0.4 <= len(dev) / len(everything) <= 0.6
    assert all(q.split == split_of(q.patient, q.template) for q in everything)
    picked = sample(everything, "test", 60)
    assert len(picked) == 60 and all(q.split == "test" for q in picked)
    assert {q.qtype for q in picked} == TYPES
    assert 0.25 <= sum(q.lang == "fr" for q in picked) / 60 <= 0.45
    assert [q.qid for q in picked] == [q.qid for q in sample(everything, "test", 60)]


# ------------------------------------------------------------------ the judge


REC = [{"marker": 1, "kind": "record", "source": {"resource_id": "o1"}, "quote": "…"}]
A1C = {"kind": "value", "value": 6.1, "unit": "%", "date": "2019-04-02", "sources": ["o1"]}
BP = {"kind": "value", "value": 128.0, "also": [82.0], "unit": "mm[Hg]", "date": "2019-04-02"}
LB = {"kind": "value", "value": 185.8, "unit": "lb", "date": "2019-04-02",
      "unit_words": ["lb", "lbs", "pound", "pounds", "livres"], "tolerance": 0.02}
SERIES = {"kind": "series", "need": "latest+1", "points": [
    {"value": 80.0, "date": "2018-01-05", "also": []},
    {"value": 82.5, "date": "2019-04-02", "also": []}]}
YES = {"kind": "yesno", "yes": True}
NO = {"kind": "yesno", "yes": False}
ABSENT = {"kind": "absent"}
COUNT4 = {"kind": "count", "n": 4, "year": 2015}
COUNT1 = {"kind": "count", "n": 1, "year": 2017}
AMOUNT = {"kind": "amount", "value": 1234.56, "alt_values": [], "currency": "USD"}
DATE = {"kind": "date", "date": "2019-04-02"}
DOCTOR = {"kind": "names", "any_of": ["Jonah Schroeder", "dr Schroeder", "Schroeder"]}
MEDS = {"kind": "names",
        "all_of": [["Simvastatin 20 MG Oral Tablet", "simvastatin"],
                   ["Amlodipine 5 MG Oral Tablet", "amlodipine"]],
        "none_of": ["Atorvastatin 80 MG Oral Tablet"]}

CASES: list[tuple[str, dict[str, Any], str, list[dict[str, Any]], bool]] = [
    ("value, EN long date", A1C, "Your last A1c was 6.1 % on 2 April 2019 [1].", REC, True),
    ("value, FR comma", A1C, "Votre HbA1c était de 6,1 % le 2 avril 2019 [1].", REC, True),
    ("value, US date", A1C, "It was 6.1% on April 2, 2019 [1].", REC, True),
    ("value, ISO date", A1C, "A1c 6.1 % (2019-04-02) [1]", REC, True),
    ("value, rounded", {**A1C, "value": 6.0834}, "6.1 % on 2 April 2019 [1]", REC, True),
    ("value, wrong number", A1C, "Your last A1c was 5.9 % on 2 April 2019 [1].", REC, False),
    ("value, wrong day", A1C, "Your last A1c was 6.1 % on 3 April 2019 [1].", REC, False),
    ("value, no citation", A1C, "Your last A1c was 6.1 % on 2 April 2019.", [], False),
    ("value, marker is no number", {**A1C, "value": 1.0}, "on 2 April 2019 [1]", REC, False),
    ("value, chunk dump", A1C,
     "Here is what I found in your records: A1c 6.1 % on 2019-04-02 [1].", REC, False),
    ("bp, both numbers", BP, "Your blood pressure was 128/82 mmHg on 2 April 2019 [1].",
     REC, True),
    ("bp, systolic only", BP, "Your systolic pressure was 128 mmHg on 2 April 2019 [1].",
     REC, False),
    ("unit, pounds", LB, "You weighed 185.8 lb (84.3 kg) on 2 April 2019 [1].", REC, True),
    ("unit, kg only", LB, "You weighed 84.3 kg on 2 April 2019 [1].", REC, False),
    ("series, latest and one more", SERIES,
     "Your weight went from 80 kg on 5 January 2018 [1] to 82.5 kg on 2 April 2019 [2].",
     REC, True),
    ("series, latest only", SERIES, "Your weight was 82.5 kg on 2 April 2019 [1].", REC,
     False),
    ("yes", YES, "Yes, Hypertension is an active condition in your records [1].", REC, True),
    ("oui", YES, "Oui : Hypertension, active depuis le 3 mai 2010 [1].", REC, True),
    ("yes not first", YES, "You have Hypertension recorded [1].", REC, False),
    ("yes without citation", YES, "Yes, you have hypertension.", [], False),
    ("said no, expected yes", YES, "No, I found no hypertension in your records.", [], False),
    ("no", NO, "No, I found no shingles vaccine in your records.", [], True),
    ("non", NO, "Non, je n'ai trouvé aucune allergie aux arachides.", [], True),
    ("said yes, expected no", NO, "Yes, simvastatin 20 MG [1].", REC, False),
    ("absent EN", ABSENT, "I couldn't find any vitamin D result in your records.", [], True),
    ("absent FR", ABSENT, "Je n'ai pas trouvé de vitamine D dans votre dossier.", [], True),
    ("absent, lists other values", ABSENT,
     "I couldn't find vitamin D. Your LDL was 100 mg/dL on 1 May 2019 [1] and your HDL "
     "50 mg/dL on 2 May 2019 [2].", [*REC, {**REC[0], "marker": 2}], False),
    ("absent, says nothing useful", ABSENT, "If you have a lab report, you can upload it.",
     [], False),
    ("count", COUNT4, "You had 4 visits in 2015 [1].", REC, True),
    ("count, FR word", COUNT4, "Vous avez eu quatre consultations en 2015 [1].", REC, True),
    ("count, wrong", COUNT4, "You had 3 visits in 2015 [1].", REC, False),
    ("count of one", COUNT1, "You had one visit in 2017, on 3 May 2017 [1].", REC, True),
    ("count of one is not 'un'", COUNT1, "Vous avez eu 2 visites en 2017, dont un bilan [1].",
     REC, False),
    ("amount", AMOUNT, "Your claims in 2019 total $1,234.56 [1].", REC, True),
    ("amount, FR", AMOUNT, "Le total est de 1 234,56 $ [1].", REC, True),
    ("amount, dollars", AMOUNT, "About $1,235 in 2019 [1].", REC, True),
    ("amount, wrong", AMOUNT, "Your claims total $1,134.56 [1].", REC, False),
    ("date, FR", DATE, "Votre dernière consultation date du 2 avril 2019 [1].", REC, True),
    ("date, numeric", DATE, "Your last visit was on 04/02/2019 [1].", REC, True),
    ("date, wrong", DATE, "Your last visit was on 2 April 2018 [1].", REC, False),
    ("date, too many dates", DATE,
     "Visits: 2 April 2019 [1], 1 March 2019 [2], 5 May 2018 [3], 6 June 2017 [4], "
     "7 July 2016 [5].", REC, False),
    ("doctor", DOCTOR, "You last saw Dr. Jonah Schroeder at MORTON HOSPITAL [1].", REC, True),
    ("doctor, missing", DOCTOR, "Your last visit was at MORTON HOSPITAL [1].", REC, False),
    ("list, all active", MEDS,
     "Your active medications: Simvastatin 20 MG Oral Tablet [1]; amlodipine 5 mg [1].",
     REC, True),
    ("list, one missing", MEDS, "You take Simvastatin 20 MG Oral Tablet [1].", REC, False),
    ("list, lists a stopped drug", MEDS,
     "You take Simvastatin 20 MG Oral Tablet, Amlodipine 5 MG Oral Tablet and Atorvastatin "
     "80 MG Oral Tablet [1].", REC, False),
    ("list, a stopped drug marked as such", MEDS,
     "You take Simvastatin 20 MG Oral Tablet and Amlodipine 5 MG Oral Tablet [1]. "
     "Atorvastatin 80 MG Oral Tablet was stopped [1].", REC, True),
]


@pytest.mark.parametrize(("expected", "text", "citations", "ok"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_judge(expected: dict[str, Any], text: str, citations: list[dict[str, Any]],
               ok: bool) -> None:
    got, reason = judge(expected, {"answer": text, "citations": citations})
    assert got is ok, reason


@pytest.mark.parametrize(("expected", "text", "citations", "strict", "lenient"), [
    (NO, "I couldn't find lisinopril in your medication records.", [], False, True),
    (NO, "Your records show Acetaminophen 325 MG (status: stopped) [1].", REC, False, True),
    ({**YES, "names": ["Metformin 500 MG"]}, "Your records show Metformin 500 MG (active) [1].",
     REC, False, True),
    ({**YES, "names": ["Hypertension"]}, "Your records list Prediabetes [1].", REC, False,
     False),
    (NO, "Yes, you take lisinopril [1].", REC, False, False),
])
def test_lenient_yes_no_is_only_a_diagnostic(expected: dict[str, Any], text: str,
                                             citations: list[dict[str, Any]], strict: bool,
                                             lenient: bool) -> None:
    answer = {"answer": text, "citations": citations}
    assert judge(expected, answer)[0] is strict
    assert judge(expected, answer, lenient=True)[0] is lenient


def test_judge_refuses_errors_and_missing_answers() -> None:
    assert judge(A1C, {"error": "exit 1"})[0] is False
    assert judge(A1C, {"citations": REC})[0] is False


@pytest.mark.parametrize(("text", "day"), [
    ("2 april 2019", dt.date(2019, 4, 2)), ("april 2, 2019", dt.date(2019, 4, 2)),
    ("2019-04-02", dt.date(2019, 4, 2)), ("1er avril 2019", dt.date(2019, 4, 1)),
    ("le 2 avr. 2019", dt.date(2019, 4, 2)), ("sept. 3, 2020", dt.date(2020, 9, 3)),
    ("3 aout 2020", dt.date(2020, 8, 3)), ("31/12/2020", dt.date(2020, 12, 31)),
])
def test_dates_in_english_and_french(text: str, day: dt.date) -> None:
    assert day in {d for d, _, _ in find_dates(text)}


def test_numbers_read_both_decimal_marks_and_skip_dates() -> None:
    assert {6.1, 1234.56, 1234.5} <= numbers("6,1 % and 1,234.56 and 1 234,5")
    assert 2.0 not in numbers("on 2 april 2019 [3]")


@pytest.mark.shared
def test_report_from_judged_answers() -> None:
    from eval.understanding.run import Result, report, summarize

    vocab = ex.load_vocab()
    rec = ex.Record.load(_bundle(), vocab)
    qs = [q for q in questions_for(rec, vocab) if q.qtype in {"latest_value", "absent"}][:4]
    results = []
    for q in qs:
        answer = {"answer": "Here is what I found in your records: | a pipe", "citations": REC}
        ok, why = judge(q.expected, answer)
        results.append(Result(q, answer, ok, why, 0.1))
    md = report(results, "dev", "cli", ["healthrag"], 12.0)
    assert "**Accuracy: 0.0%" in md and "chunk dump" in md and "\\|" in md
    assert summarize(results)["n"] == len(qs)


def test_leak_check_flags_phrasings_found_in_a_product_bank(tmp_path: Path) -> None:
    from eval.understanding.run import bank_texts, leaked

    (tmp_path / "latest.yaml").write_text(
        'examples:\n  - {text: "whats my most recent cholesterol", lang: en}\n', "utf-8")
    bank = bank_texts([tmp_path])
    assert leaked("Whats my most recent cholesterol?", bank)
    assert not leaked("how has my weight changed over the years", bank)
