"""Emergency, crisis and poison-control numbers by country, and which country applies.

The table is ``data/numbers.yaml`` (ISO 3166-1 alpha-2 keys, a public source cited above each
country). Which country applies to a message::

    resolve_country(text, locale) = the place named in the text   ("I'm in London" -> GB)
                                    else the locale's country       ("fr-CA" -> CA)
                                    else "US"

``numbers_for(country, kind)``:

- ``"emergency"``: the numbers to call, the first one to show first (GB 999, FR 15, CH 144).
- ``"crisis"``: suicide / crisis lines (US 988, FR 3114, GB 116 123); a country without a
  confirmed line gets its emergency number instead, so the list is never empty.
- ``"poison"``: the public poison-control line(s); empty where there is no national line open
  to the public (the caller should then show the emergency number, see ``poison_note``).

A country that is not in the table (or an unknown code) gets the fallback entry: 112, the
European emergency number, which GSM/3G/4G phones route to the local service in many
countries. Only the standard library and PyYAML; the table is loaded once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from guardrails.places import country_in_text, iso_codes

__all__ = [
    "DEFAULT_COUNTRY",
    "NUMBERS_FILE",
    "CountryNumbers",
    "Line",
    "NumberKind",
    "country_from_locale",
    "country_numbers",
    "known_countries",
    "numbers_for",
    "resolve_country",
]

NUMBERS_FILE = Path(__file__).resolve().parent / "data" / "numbers.yaml"
DEFAULT_COUNTRY = "US"

NumberKind = Literal["emergency", "crisis", "poison"]


@dataclass(frozen=True)
class Line:
    number: str
    name: str
    lang: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CountryNumbers:
    code: str  # ISO 3166-1 alpha-2, or "EU" for the fallback
    name: str
    emergency: tuple[str, ...]
    ambulance: str | None
    urgent: tuple[str, ...]
    poison: tuple[Line, ...]
    crisis: tuple[Line, ...]
    poison_note: str | None = None
    crisis_note: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class _Table:
    countries: dict[str, CountryNumbers]
    aliases: dict[str, str]
    fallback: str


def _lines(value: Any) -> tuple[Line, ...]:
    if not isinstance(value, list):
        return ()
    out: list[Line] = []
    for item in value:
        if isinstance(item, dict) and item.get("number"):
            out.append(
                Line(
                    number=str(item["number"]),
                    name=str(item.get("name") or ""),
                    lang=str(item["lang"]) if item.get("lang") else None,
                    note=str(item["note"]) if item.get("note") else None,
                )
            )
    return tuple(out)


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


@lru_cache(maxsize=4)
def _load(path: Path = NUMBERS_FILE) -> _Table:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("countries"), dict):
        raise ValueError(f"{path}: expected a 'countries' mapping")
    countries: dict[str, CountryNumbers] = {}
    for code, entry in raw["countries"].items():
        cc = str(code).upper()
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: {cc} is not a mapping")
        emergency = tuple(str(n) for n in entry.get("emergency") or ())
        if not emergency:
            raise ValueError(f"{path}: {cc} has no emergency number")
        countries[cc] = CountryNumbers(
            code=cc,
            name=str(entry.get("name") or cc),
            emergency=emergency,
            ambulance=_opt(entry.get("ambulance")),
            urgent=tuple(str(n) for n in entry.get("urgent") or ()),
            poison=_lines(entry.get("poison")),
            crisis=_lines(entry.get("crisis")),
            poison_note=_opt(entry.get("poison_note")),
            crisis_note=_opt(entry.get("crisis_note")),
            notes=_opt(entry.get("notes")),
        )
    aliases = {str(k).upper(): str(v).upper() for k, v in (raw.get("aliases") or {}).items()}
    fallback = str(raw.get("fallback") or "EU").upper()
    if fallback not in countries:
        raise ValueError(f"{path}: fallback {fallback} is not in the table")
    return _Table(countries=countries, aliases=aliases, fallback=fallback)


def known_countries() -> frozenset[str]:
    """Codes with their own numbers (the fallback entry excluded)."""
    table = _load()
    return frozenset(c for c in table.countries if c != table.fallback)


def country_numbers(country: str) -> CountryNumbers:
    """The whole entry for ``country``; the fallback entry (112) when it is not listed."""
    table = _load()
    code = (country or "").strip().upper()
    code = table.aliases.get(code, code)
    return table.countries.get(code) or table.countries[table.fallback]


def numbers_for(country: str, kind: NumberKind) -> list[str]:
    """Numbers of one kind for a country (see the module docstring)."""
    entry = country_numbers(country)
    if kind == "emergency":
        return list(entry.emergency)
    if kind == "crisis":
        return [line.number for line in entry.crisis] or [entry.emergency[0]]
    if kind == "poison":
        return [line.number for line in entry.poison]
    raise ValueError(f"unknown kind: {kind!r}")


# ---------------------------------------------------------------------------- locale

# Territories that use the numbers of another country.
_SAME_NUMBERS_AS = {
    "UK": "GB",
    "EL": "GR",
    "FX": "FR",
    "GP": "FR",
    "MQ": "FR",
    "GF": "FR",
    "RE": "FR",
    "YT": "FR",
    "PM": "FR",
    "BL": "FR",
    "MF": "FR",
    "PR": "US",
    "GU": "US",
    "VI": "US",
    "AS": "US",
    "MP": "US",
    "UM": "US",
    "IM": "GB",
    "JE": "GB",
    "GG": "GB",
}
# A bare language tag spoken mostly in one country of the table. Languages spread over many
# countries (es, pt, ar, zh...) are left to the default.
_LANGUAGE_COUNTRY = {
    "en": "US",
    "fr": "FR",
    "de": "DE",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "sv": "SE",
    "da": "DK",
    "nb": "NO",
    "nn": "NO",
    "no": "NO",
    "fi": "FI",
    "cs": "CZ",
    "el": "GR",
    "is": "IS",
    "ja": "JP",
    "ko": "KR",
    "he": "IL",
    "iw": "IL",
    "hu": "HU",
    "sl": "SI",
    "th": "TH",
    "tr": "TR",
    "mt": "MT",
}


def country_from_locale(locale: str | None) -> str:
    """Country of a locale tag: ``en-GB`` -> GB, ``fr-CA`` -> CA, ``fr_FR.UTF-8`` -> FR,
    ``fr`` -> FR, ``en`` -> US, ``zh-Hant-HK`` -> HK; anything unknown -> US."""
    parts = [p for p in re.split(r"[-_.@]", (locale or "").strip()) if p]
    if not parts:
        return DEFAULT_COUNTRY
    lang = parts[0].lower()
    if len(parts[0]) > 3:  # "C", "POSIX" are short; "english" is not a tag
        return DEFAULT_COUNTRY
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            region = part.upper()
            region = _SAME_NUMBERS_AS.get(region, region)
            if region in known_countries() or region in iso_codes():
                return region
            return DEFAULT_COUNTRY
    return _LANGUAGE_COUNTRY.get(lang, DEFAULT_COUNTRY)


def resolve_country(text: str, locale: str | None) -> str:
    """The place named in ``text`` wins over the locale, which wins over the default (US)."""
    from_locale = country_from_locale(locale)
    return country_in_text(text or "", prefer=from_locale) or from_locale
