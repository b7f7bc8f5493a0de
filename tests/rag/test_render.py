"""Rendering operations: the answers issue 15 asks for, as the verifier lets them through.

Each case renders a typed query's result, runs the real verifier (numbers, dates,
citations, diagnosis wording) and renumbers as the answer path does; no sentence may be
removed. Table-driven over the clinic bundle and the demo patient.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from indexes.facts import FactsStore
from rag.answering.query import Query, Window
from tests.rag.ops_support import (
    LAST_VISIT,
    ask,
    clinic_file,
    concept,
    demo_files,
    query,
    vault,
    year,
)

HTN = concept("condition", "hypertension", "high blood pressure", names=("Hypertension",))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactsStore]:
    tmp = tmp_path_factory.mktemp("clinic")
    with vault(tmp, clinic_file(tmp)) as facts:
        yield facts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactsStore]:
    with vault(tmp_path_factory.mktemp("demo"), *demo_files()) as facts:
        yield facts


# (why, query, the answer starts with, it also says, it never says, citations)
CLINIC: list[tuple[str, Query, str, list[str], list[str], int]] = [
    ("count of visits in 2019", query("count", "encounter", window=year(2019)),
     "You had 3 visits in 2019 [1][2][3].", [], ["Prenatal"], 3),
    ("count in French", query("count", "encounter", window=year(2019), lang="fr"),
     "Vous avez eu 3 consultations en 2019 [1][2][3].", [], [], 3),
    ("last visit with practitioner", query("when", "encounter"),
     "Your last visit was on 4 April 2022 with Dr. Ann Lee at Riverside Clinic "
     "(follow-up encounter; reason: hypertension) [1].", [], [], 1),
    ("who did I see last", query("who", "practitioner", window=LAST_VISIT),
     "At your last visit, on 4 April 2022, you saw Dr. Ann Lee at Riverside Clinic [1].",
     [], [], 1),
    ("a sensitive visit is said by date and place only",
     query("when", "encounter", back=1),
     "The visit before that was on 3 March 2021 with Dr. Ann Lee at Riverside Clinic [1].",
     [], ["renatal"], 1),
    ("care team", query("who", "practitioner", question="who is my doctor"),
     "The clinician you have seen most is Dr. Ann Lee at Riverside Clinic: 5 visits, most "
     "recently on 4 April 2022 [1].",
     ["You have also seen Dr. Omar Diaz (1 visit, most recently on 15 June 2019) [2]."], [], 2),
    ("yes for active hypertension", query("exists", "condition", HTN),
     "Yes. Your record lists hypertension as active since 12 March 2012 [1].", [], [], 1),
    ("yes in French", query("exists", "condition", HTN, lang="fr"),
     "Oui. Votre dossier indique hypertension, statut actif depuis le 12 mars 2012 [1].",
     [], [], 1),
    ("no shingles vaccine", query("exists", "immunization",
                                  concept("immunization", "shingles vaccine", in_vault=False)),
     "No. I don't see a shingles vaccine in your records: I looked at your 3 immunization "
     "records.", [], ["Influenza", "Tdap"], 0),
    ("no peanut allergy", query("exists", "allergy", concept("allergy", "peanuts",
                                                             in_vault=False)),
     "No. I don't see an allergy to peanuts in your records: I looked at your 2 allergy "
     "records.", [], ["Penicillin"], 0),
    ("inactive allergy said as such", query("exists", "allergy", concept("allergy", "latex")),
     "No, not currently. Your record lists an allergy to latex, marked inactive, recorded 1 June "
     "2010 [1].", [], [], 1),
    ("stopped medication", query("exists", "medication", concept("medication", "simvastatin"),
                                 status="active"),
     "No, not currently. Your record lists Simvastatin 20 MG Oral Tablet as stopped since 1 April "
     "2015 [1].", [], [], 1),
    ("weight at last visit is one value",
     query("latest", "observation", concept("observation", "weight"), window=LAST_VISIT),
     "At your last visit, on 4 April 2022, your body weight was 82.5 kg [1].", [], ["81 kg"], 1),
    ("weight in pounds", query("latest", "observation", concept("observation", "weight"),
                               window=LAST_VISIT, unit="lbs"),
     "At your last visit, on 4 April 2022, your body weight was 182 lb (82.5 kg) [1].", [], [],
     1),
    ("previous result wording", query("latest", "observation", concept("observation", "hba1c"),
                                      back=1),
     "Your previous result was 6.1 % on 20 November 2019 [1].", [], ["most recent"], 1),
    ("last procedure without termination of pregnancy", query("latest", "procedure"),
     "Your most recent procedure was colonoscopy on 9 September 2021 [1].", [],
     ["termination", "pregnancy"], 1),
    ("procedure list without sensitive items", query("list", "procedure"),
     "Your records list 2 procedures: colonoscopy (on 9 September 2021) [1] and appendectomy "
     "(on 7 July 2017) [2].", [], ["termination", "epression"], 2),
    ("claims sum: what I paid", query("sum", "claim", window=year(2019),
                                      question="how much did I pay in 2019"),
     "You paid 420.00 USD in 2019, over 2 claims [1][2].",
     ["They were billed 1200.00 USD and your plan paid 530.00 USD [1][2]."], [], 2),
    ("insurer", query("who", "organization", concept("organization", "insurer"),
                      question="who is my insurer"),
     "Your most recent claim, on 4 April 2022, names Medicare as your insurer [1].",
     ["Earlier claims name Acme Health [2]."], [], 2),
    ("absent value, no unrelated records",
     query("latest", "observation", concept("observation", "vitamin_d", "vitamin D",
                                             in_vault=False)),
     "I don't see a 25-hydroxyvitamin D result in your records: I looked at the 2 kinds of "
     "results and measurements they hold.", ["you can upload it"],
     ["weight", "A1c"], 0),
    ("absent in a year, grounded without a citation",
     query("count", "procedure", window=year(2030)),
     "I don't see any procedures in your records in 2030: I looked at your 4 procedure "
     "records.", [], [], 0),
    ("absent since a day the question gave",
     query("sum", "claim", window=Window(dt.date(2030, 5, 3))),
     "I don't see any claims in your records in the period you asked about.", [], [], 0),
    ("nothing resolves: one clarifying question", query("latest", "observation"),
     "Which result do you mean, for example your A1c, cholesterol or weight?", [], [], 0),
    ("nothing resolves: what can be answered", query("other", "none"),
     "I can help with questions about your own records", [], [], 0),
]


@pytest.mark.parametrize(("why", "q", "start", "also", "never", "n"), CLINIC,
                         ids=[c[0] for c in CLINIC])
def test_clinic_answers(clinic: FactsStore, why: str, q: Query, start: str, also: list[str],
                        never: list[str], n: int) -> None:
    text, citations, removed = ask(clinic, q)
    assert removed == [], why
    assert text.startswith(start), text
    for part in also:
        assert part in text, text
    for word in never:
        assert word not in text, text
    assert len(citations) == n, text


def test_a_clarifying_question_is_one_question(clinic: FactsStore) -> None:
    text, citations, _ = ask(clinic, query("exists", "allergy", lang="fr"))
    assert text.endswith("?") and text.count("?") == 1 and not citations


def test_recorded_condition_is_not_stripped_as_a_diagnosis(clinic: FactsStore) -> None:
    """The verifier's no-diagnosis rule removes "you have hypertension", never what the
    record lists, in either language."""
    for lang in ("en", "fr"):
        text, _, removed = ask(clinic, query("exists", "condition", HTN, lang=lang))
        assert not removed and re.search(r"hypertension", text)


def test_sleep_in_minutes(demo: FactsStore) -> None:
    q = query("latest", "observation", concept("observation", "sleep_total", "sleep"),
              unit="minutes")
    text, citations, removed = ask(demo, q)
    assert not removed
    assert text.startswith("Your most recent sleep was 448 min (7.47 h) on 31 October 2026 [1].")
    assert citations[0].source.type == "wellness"


def test_glucose_in_mmol_per_litre(demo: FactsStore) -> None:
    q = query("latest", "observation", concept("observation", "glucose"), unit="mmol/L",
              lang="fr")
    text, _, removed = ask(demo, q)
    assert not removed
    assert "7.55 mmol/L (136 mg/dL)" in text


def test_demo_claims_and_insurer(demo: FactsStore) -> None:
    spent, _, removed = ask(demo, query("sum", "claim", window=year(2026)))
    assert not removed
    assert spent.startswith("Your claims in 2026 were billed 748.00 USD, over 2 claims [1][2].")
    assert "your share was 50.00 USD" in spent
    insurer, _, _ = ask(demo, query("who", "claim", question="who is my insurer"))
    assert "names Evergreen Mutual Health Plan as your insurer" in insurer


def test_numbers_in_an_absent_name_are_not_facts(clinic: FactsStore) -> None:
    """ "type 2 diabetes" names a thing; its 2 is not a value to ground."""
    q = query("exists", "condition", concept("condition", "type 2 diabetes", in_vault=False))
    text, _, removed = ask(clinic, q)
    assert not removed
    assert text == ("No. I don't see type 2 diabetes in your records: I looked at your 3 "
                    "condition records.")
