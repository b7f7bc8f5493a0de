"""Emergency, crisis and poison numbers by country, and which country applies."""

from __future__ import annotations

import re

import pytest
import yaml

from guardrails.numbers import (
    NUMBERS_FILE,
    country_from_locale,
    country_numbers,
    known_countries,
    numbers_for,
    resolve_country,
)

REQUIRED = ["US", "CA", "GB", "IE", "FR", "BE", "CH", "LU", "DE", "ES", "IT", "PT", "NL", "AU"]


def _blocks() -> dict[str, list[str]]:
    """Country code -> the comment lines right above it in the raw file."""
    lines = NUMBERS_FILE.read_text(encoding="utf-8").splitlines()
    blocks: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        m = re.match(r'^  "?([A-Z]{2})"?:\s*$', line)
        if not m:
            continue
        comments: list[str] = []
        j = i - 1
        while j >= 0 and lines[j].startswith("  #"):
            comments.insert(0, lines[j])
            j -= 1
        blocks[m.group(1)] = comments
    return blocks


def test_table_size_and_required_countries() -> None:
    codes = known_countries()
    assert len(codes) >= 35
    assert set(REQUIRED) <= codes
    assert "EU" not in codes


def test_every_country_has_an_emergency_number_and_a_source() -> None:
    raw = yaml.safe_load(NUMBERS_FILE.read_text(encoding="utf-8"))
    blocks = _blocks()
    assert set(blocks) == {str(c) for c in raw["countries"]}
    for code, entry in raw["countries"].items():
        assert entry["emergency"], code
        assert all(re.fullmatch(r"[0-9*+() -]+", str(n)) for n in entry["emergency"]), code
        comments = blocks[code]
        assert any("Sources:" in c for c in comments), f"{code}: no '# Sources:' comment"
        assert any("https://" in c or "http://" in c for c in comments), f"{code}: no URL"
        for kind in ("poison", "crisis"):
            lines = entry.get(kind)
            if lines is None:
                assert entry.get(f"{kind}_note"), f"{code}: {kind} is null without a note"
            else:
                for line in lines:
                    assert set(line) <= {"number", "name", "lang", "note"}, (code, line)
                    assert re.fullmatch(r"[0-9*+() -]+", line["number"]), (code, line)
                    assert line["name"], (code, line)


def test_country_codes_are_iso_alpha2() -> None:
    raw = yaml.safe_load(NUMBERS_FILE.read_text(encoding="utf-8"))
    for code in raw["countries"]:
        assert isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code), code


@pytest.mark.parametrize(
    ("country", "emergency", "crisis"),
    [
        ("US", ["911"], ["988"]),
        ("CA", ["911"], ["988"]),
        ("GB", ["999", "112"], ["116 123"]),
        ("UK", ["999", "112"], ["116 123"]),
        ("IE", ["112", "999"], ["116 123", "1800 247 247"]),
        ("FR", ["15", "112"], ["3114"]),
        ("BE", ["112"], ["0800 32 123", "1813"]),
        ("CH", ["144", "112"], ["143", "147"]),
        ("DE", ["112"], ["0800 111 0 111", "0800 111 0 222", "116 123"]),
        ("ES", ["112"], ["024"]),
        ("AU", ["000", "112"], ["13 11 14", "1300 659 467"]),
        ("NL", ["112"], ["113", "0800 0113"]),
        ("NO", ["113", "112"], ["116 123", "22 40 00 40"]),
        ("KR", ["119"], ["109"]),
    ],
)
def test_known_numbers(country: str, emergency: list[str], crisis: list[str]) -> None:
    assert numbers_for(country, "emergency") == emergency
    assert numbers_for(country, "crisis") == crisis


def test_poison_lines() -> None:
    assert numbers_for("US", "poison") == ["1-800-222-1222"]
    assert numbers_for("CH", "poison") == ["145"]
    assert numbers_for("BE", "poison") == ["070 245 245"]
    assert numbers_for("AU", "poison") == ["13 11 26"]
    # regional centres or professionals only: no national public line, and a note says why
    for code in ("FR", "DE", "GB", "NL", "IT"):
        assert numbers_for(code, "poison") == [], code
        assert country_numbers(code).poison_note, code


def test_crisis_falls_back_to_the_emergency_number() -> None:
    assert numbers_for("MA", "crisis") == ["15"]
    assert numbers_for("TR", "crisis") == ["112"]
    for code in known_countries():
        assert numbers_for(code, "crisis"), code
        assert numbers_for(code, "emergency"), code


def test_unknown_country_gets_the_fallback() -> None:
    for code in ("XX", "", "TV", "zz"):
        assert numbers_for(code, "emergency") == ["112"]
        assert numbers_for(code, "crisis") == ["112"]
        assert numbers_for(code, "poison") == []
    assert country_numbers("ca").code == "CA"


def test_bad_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        numbers_for("US", "urgent")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-GB", "GB"),
        ("en_GB.UTF-8", "GB"),
        ("fr-CA", "CA"),
        ("fr_CA", "CA"),
        ("fr-FR", "FR"),
        ("fr-BE", "BE"),
        ("fr-CH", "CH"),
        ("de-CH", "CH"),
        ("fr", "FR"),
        ("FR", "FR"),
        ("en", "US"),
        ("en-US", "US"),
        ("en-AU", "AU"),
        ("fr-RE", "FR"),
        ("fr-MC", "MC"),
        ("en-UK", "GB"),
        ("zh-Hant-HK", "HK"),
        ("es-419", "US"),
        ("de", "DE"),
        ("", "US"),
        ("C", "US"),
        ("POSIX", "US"),
        ("klingon", "US"),
        ("xx-YY", "US"),
    ],
)
def test_country_from_locale(locale: str, expected: str) -> None:
    assert country_from_locale(locale) == expected


@pytest.mark.parametrize(
    ("text", "locale", "country", "emergency", "crisis"),
    [
        ("I'm in London, my dad collapsed", "fr-FR", "GB", "999", "116 123"),
        ("We're in Glasgow and she isn't breathing", "en-US", "GB", "999", "116 123"),
        ("je suis à Lyon", "en-US", "FR", "15", "3114"),
        ("on est à Marseille", "", "FR", "15", "3114"),
        ("I'm in Paris and I want to end it", "en-GB", "FR", "15", "3114"),
        ("je suis à Montréal, je veux mourir", "fr-FR", "CA", "911", "988"),
        ("I'm in Spain, my wife collapsed", "en-GB", "ES", "112", "024"),
        ("we're visiting Berlin", "fr-FR", "DE", "112", "0800 111 0 111"),
        ("I'm in New York", "fr-FR", "US", "911", "988"),
        ("je suis à Genève", "fr-FR", "CH", "144", "143"),
        ("je suis à Bruxelles", "fr-FR", "BE", "112", "0800 32 123"),
        ("I'm in Sydney", "en-GB", "AU", "000", "13 11 14"),
        ("I'm in London", "en-CA", "CA", "911", "988"),
        ("my chest hurts", "fr-FR", "FR", "15", "3114"),
        ("my chest hurts", "fr-CA", "CA", "911", "988"),
        ("my chest hurts", "en-GB", "GB", "999", "116 123"),
        ("my chest hurts", "", "US", "911", "988"),
        ("my grandmother was born in Italy and my chest hurts", "fr-FR", "FR", "15", "3114"),
    ],
)
def test_resolve_country(text: str, locale: str, country: str, emergency: str, crisis: str) -> None:
    resolved = resolve_country(text, locale)
    assert resolved == country
    assert numbers_for(resolved, "emergency")[0] == emergency
    assert numbers_for(resolved, "crisis")[0] == crisis


def test_place_outside_the_table_gets_112_not_the_locale() -> None:
    assert resolve_country("I'm in Kenya", "fr-FR") == "KE"
    assert numbers_for("KE", "emergency") == ["112"]
