"""Checks for rag/core/terms.yaml (lab / vital-sign / score vocabulary).

No network. The dataset-coverage tests read the shared data folder that sits next to the
repository (../shared/data/...) and skip when it is absent.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

TERMS_PATH = Path(__file__).resolve().parents[1] / "rag" / "core" / "terms.yaml"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SYNTHEA_DIR = SHARED_DATA / "synthea_fhir_r4"
US_CORE_DIR = SHARED_DATA / "us_core_fhir_examples"

LOINC_SYSTEM = "http://loinc.org"
# Synthea writes "vital-signs" and, in a few records, "vital-sign".
COVERED_CATEGORIES = {"laboratory", "vital-signs", "vital-sign"}

REQUIRED_FIELDS = {
    "key": str,
    "kind": str,
    "display_en": str,
    "display_fr": str,
    "loinc": list,
    "unit": str,
    "decimals": int,
    "synonyms_en": list,
    "synonyms_fr": list,
}
KINDS = {"lab", "vital", "score", "wellness"}

REQUIRED_KEYS = {
    # labs
    "hba1c", "glucose", "total_cholesterol", "ldl", "hdl", "triglycerides", "creatinine",
    "egfr", "bun", "sodium", "potassium", "chloride", "co2", "calcium", "hemoglobin",
    "hematocrit", "wbc", "rbc", "platelets", "mcv", "mch", "mchc", "rdw", "tsh", "free_t4",
    "alt", "ast", "alp", "bilirubin", "albumin", "total_protein", "vitamin_d", "b12",
    "ferritin", "iron", "psa", "uacr", "microalbumin", "crp", "inr", "uric_acid",
    # vitals
    "blood_pressure", "systolic_bp", "diastolic_bp", "heart_rate", "respiratory_rate",
    "body_temperature", "weight", "height", "bmi", "spo2", "pain_score",
    "head_circumference", "waist",
}

# Codes the brief pins to a specific key.
PINNED_CODES = {
    "hba1c": {"4548-4", "17856-6", "41995-2"},
    "blood_pressure": {"85354-9", "55284-4"},
    "systolic_bp": {"8480-6"},
    "diastolic_bp": {"8462-4"},
    "heart_rate": {"8867-4"},
    "respiratory_rate": {"9279-1"},
    "body_temperature": {"8310-5"},
    "weight": {"29463-7"},
    "height": {"8302-2"},
    "bmi": {"39156-5"},
    "spo2": {"59408-5", "2708-6"},
    "pain_score": {"72514-3"},
}

# Ambiguous words that must not be synonyms of anything (brief: give iron its own key,
# "sugar" only for glucose, "pressure" only for blood pressure).
EXPECTED_SYNONYM_KEYS = {
    "sugar": "glucose",
    "pressure": "blood_pressure",
    "iron": "iron",
    "a1c": "hba1c",
    "hba1c": "hba1c",
}

KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
LOINC_RE = re.compile(r"^\d{1,7}-\d$")
# The code ingest/wellness.py gives a daily metric that no LOINC code fits exactly.
WELLNESS_CODE_RE = re.compile(r"^wellness-[a-z][a-z0-9_]*$")


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC mod-10 check digit (same scheme as Luhn, doubling from the rightmost digit)."""
    body, check = code.split("-")
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            total += d // 10 + d % 10
        else:
            total += d
    return (10 - total % 10) % 10 == int(check)


def strip_accents(text: str) -> str:
    text = text.replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@pytest.fixture(scope="module")
def doc() -> dict:
    assert TERMS_PATH.is_file(), f"missing {TERMS_PATH}"
    with TERMS_PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def terms(doc: dict) -> list[dict]:
    items = doc.get("terms")
    assert isinstance(items, list) and items, "terms must be a non-empty list"
    return items


@pytest.fixture(scope="module")
def code_to_key(terms: list[dict]) -> dict[str, str]:
    return {code: t["key"] for t in terms for code in t["loinc"]}


# --------------------------------------------------------------------------- structure


def test_version(doc: dict) -> None:
    assert doc.get("version") == 1


def test_required_fields_and_types(terms: list[dict]) -> None:
    for t in terms:
        assert isinstance(t, dict), t
        for field, typ in REQUIRED_FIELDS.items():
            assert field in t, f"{t.get('key')}: missing {field}"
            assert isinstance(t[field], typ), f"{t.get('key')}: {field} must be {typ.__name__}"
        assert KEY_RE.match(t["key"]), f"key not snake_case: {t['key']!r}"
        assert t["kind"] in KINDS, f"{t['key']}: bad kind {t['kind']!r}"
        assert t["display_en"].strip() and t["display_fr"].strip(), t["key"]
        assert t["loinc"], f"{t['key']}: no LOINC codes"
        assert t["synonyms_en"] or t["synonyms_fr"], f"{t['key']}: no synonyms"
        for code in t["loinc"]:
            assert isinstance(code, str), f"{t['key']}: LOINC code must be quoted: {code!r}"


def test_decimals_int_0_to_3(terms: list[dict]) -> None:
    for t in terms:
        dec = t["decimals"]
        assert isinstance(dec, int) and not isinstance(dec, bool), t["key"]
        assert 0 <= dec <= 3, f"{t['key']}: decimals {dec}"


def test_keys_unique(terms: list[dict]) -> None:
    seen: set[str] = set()
    dupes = [t["key"] for t in terms if t["key"] in seen or seen.add(t["key"])]
    assert not dupes, f"duplicate keys: {dupes}"


def test_required_keys_present(terms: list[dict]) -> None:
    missing = REQUIRED_KEYS - {t["key"] for t in terms}
    assert not missing, f"missing keys: {sorted(missing)}"


def test_loinc_codes_unique_and_well_formed(terms: list[dict]) -> None:
    owner: dict[str, str] = {}
    problems = []
    for t in terms:
        for code in t["loinc"]:
            if t["kind"] == "wellness" and WELLNESS_CODE_RE.match(code):
                pass
            elif not LOINC_RE.match(code):
                problems.append(f"{t['key']}: malformed LOINC {code!r}")
            elif not loinc_check_digit_ok(code):
                problems.append(f"{t['key']}: bad LOINC check digit {code!r}")
            if code in owner:
                problems.append(f"{code} in both {owner[code]} and {t['key']}")
            owner[code] = t["key"]
    assert not problems, "\n".join(problems)


def test_pinned_codes(code_to_key: dict[str, str]) -> None:
    wrong = [
        f"{code} -> {code_to_key.get(code)} (want {key})"
        for key, codes in PINNED_CODES.items()
        for code in codes
        if code_to_key.get(code) != key
    ]
    assert not wrong, "\n".join(wrong)


def test_synonyms_lowercase_and_unique(terms: list[dict]) -> None:
    owner: dict[str, set[str]] = defaultdict(set)
    problems = []
    for t in terms:
        for lang in ("synonyms_en", "synonyms_fr"):
            for syn in t[lang]:
                if not isinstance(syn, str):
                    problems.append(f"{t['key']}: non-string synonym {syn!r}")
                    continue
                if syn != syn.lower():
                    problems.append(f"{t['key']}: synonym not lower-case {syn!r}")
                if syn != syn.strip() or "  " in syn:
                    problems.append(f"{t['key']}: stray whitespace in {syn!r}")
                if len(syn.strip()) < 3:
                    problems.append(f"{t['key']}: synonym shorter than 3 characters {syn!r}")
                owner[syn.strip().casefold()].add(t["key"])
    problems += [f"synonym {s!r} maps to {sorted(k)}" for s, k in owner.items() if len(k) > 1]
    assert not problems, "\n".join(problems)


def test_expected_synonym_targets(terms: list[dict]) -> None:
    owner = {s.casefold(): t["key"] for t in terms for s in t["synonyms_en"] + t["synonyms_fr"]}
    for syn, key in EXPECTED_SYNONYM_KEYS.items():
        assert owner.get(syn) == key, f"{syn!r} -> {owner.get(syn)} (want {key})"
    ferritin = next(t for t in terms if t["key"] == "ferritin")
    assert "iron" not in ferritin["synonyms_en"]


def test_french_accentless_variants(terms: list[dict]) -> None:
    missing = []
    for t in terms:
        syns = set(t["synonyms_en"]) | set(t["synonyms_fr"])
        for syn in t["synonyms_fr"]:
            plain = strip_accents(syn)
            if plain != syn and plain not in syns:
                missing.append(f"{t['key']}: {syn!r} has no accent-less variant {plain!r}")
    assert not missing, "\n".join(missing)


# --------------------------------------------------------------------------- dataset coverage


def _observations(doc: object):
    if not isinstance(doc, dict):
        return
    if doc.get("resourceType") == "Observation":
        yield doc
    for entry in doc.get("entry", []) or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(res, dict) and res.get("resourceType") == "Observation":
            yield res


def _categories(obs: dict) -> set[str]:
    return {
        coding.get("code")
        for cat in obs.get("category", []) or []
        for coding in cat.get("coding", []) or []
    }


def _loinc_codes(concept: dict | None) -> set[str]:
    return {
        c["code"]
        for c in (concept or {}).get("coding", []) or []
        if c.get("system") == LOINC_SYSTEM and c.get("code")
    }


def _lab_vital_codes(files: list[Path]) -> dict[str, str]:
    """LOINC code -> first file it was seen in, for laboratory / vital-signs Observations."""
    found: dict[str, str] = {}
    for path in files:
        with path.open(encoding="utf-8") as fh:
            doc = json.load(fh)
        for obs in _observations(doc):
            if not _categories(obs) & COVERED_CATEGORIES:
                continue
            codes = _loinc_codes(obs.get("code"))
            for comp in obs.get("component", []) or []:
                codes |= _loinc_codes(comp.get("code"))
            for code in codes:
                found.setdefault(code, path.name)
    return found


def test_synthea_lab_and_vital_codes_are_covered(code_to_key: dict[str, str]) -> None:
    if not SYNTHEA_DIR.is_dir():
        pytest.skip(f"{SYNTHEA_DIR} not present")
    files = sorted((SYNTHEA_DIR / "bundles").glob("*.json"))
    if not files:
        pytest.skip(f"no bundles under {SYNTHEA_DIR / 'bundles'}")
    found = _lab_vital_codes(files)
    assert found, "no laboratory / vital-signs Observations found in the Synthea bundles"
    missing = sorted(f"{code} ({src})" for code, src in found.items() if code not in code_to_key)
    assert not missing, "LOINC codes without a key:\n" + "\n".join(missing)


def test_us_core_lab_and_vital_codes_are_covered(code_to_key: dict[str, str]) -> None:
    files = sorted((US_CORE_DIR / "examples").glob("*.json")) if US_CORE_DIR.is_dir() else []
    if not files:
        pytest.skip(f"{US_CORE_DIR / 'examples'} not present")
    found = _lab_vital_codes(files)
    assert found, "no laboratory / vital-signs Observations found in the US Core examples"
    missing = sorted(f"{code} ({src})" for code, src in found.items() if code not in code_to_key)
    assert not missing, "LOINC codes without a key:\n" + "\n".join(missing)


# --------------------------------------------------------------------------- wellness


def test_wellness_terms_use_the_codes_wellness_facts_are_stored_under(
    terms: list[dict], code_to_key: dict[str, str]
) -> None:
    """Every code a wellness term lists is one a daily metric is stored under, and the
    metrics people ask about have a term (so their facts can be found at all)."""
    from ingest.wellness import METRICS

    metric_codes = {m.code for m in METRICS.values()}
    for t in terms:
        if t["kind"] == "wellness":
            stray = set(t["loinc"]) - metric_codes
            assert not stray, f"{t['key']}: codes no wellness metric uses: {sorted(stray)}"
    asked = ["steps", "sleep_total", "sleep_deep", "sleep_rem", "distance", "active_energy",
             "exercise_minutes", "resting_heart_rate", "hrv", "vo2max", "body_fat", "workouts",
             "calories_in", "weight", "heart_rate", "systolic_bp", "diastolic_bp", "glucose",
             "spo2", "bmi"]
    missing = [k for k in asked if METRICS[k].code not in code_to_key]
    assert not missing, f"wellness metrics without a term: {missing}"
