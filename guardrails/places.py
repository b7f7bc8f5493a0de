"""Where is the person writing (or the emergency they describe)? Offline, EN and FR.

``country_in_text(text)`` returns the ISO 3166-1 alpha-2 code of the place the message says
the person is in ("I'm in London" -> GB, "chui a Lyon" -> FR, "au Québec" -> CA), or None.
It is used to pick emergency numbers, so it prefers to say nothing rather than guess: the
caller then falls back to the locale (see :mod:`guardrails.numbers`).

How it works:

1. The text is folded (lower case, no accents, typographic quotes and dashes normalised) and
   cut into word tokens; a map keeps each token's original spelling, for capitals.
2. Names from the offline gazetteer ``data/places.yaml`` (countries, regions, cities, in
   English and French; built by ``data/build_places.py`` from GeoNames) are matched, longest
   first. Phrases that only look like places ("Brussels sprouts", "paris sportifs",
   "Glasgow coma scale", "New York Heart Association") are skipped.
3. Each mention gets a weight from the words before it, within its clause:
   - 3 ``present``: a locative after a present-tense, first-person cue ("I'm in",
     "we're visiting", "here in", "currently in", "je suis à", "chui a", "on est en",
     "en vacances au", "ici en") or with "now" / "maintenant" nearby; 2.8 for a home
     ("I live in", "j'habite à"), so "on holiday in Italy, I live in France" is IT;
     2.5 / 2.4 for a third person ("my mum is in", "she lives in");
   - 2 ``locative``: "in", "at", "near", "à", "au", "aux", "en", "dans", "près de",
     "l'hôpital de";
   - 1 ``bare``: a country named without a cue ("France: my son is not breathing"), unless
     part of a longer proper noun ("Air France", "Canada Goose"); a city or region named
     without a cue does not count ("savon de Marseille", "a documentary about Tokyo");
   - 0.5 ``origin``: "I'm from X", "je viens de X";
   - 0 ``history`` / ``future`` / ``negated`` / ``topic``: "born in", "grew up in",
     "lived in", "last year", "in 2015", "il y a 3 ans", "née en", "a grandi au",
     "going to", "je pars en", "next week", "I'm not in", "legal in", "made in".
   Names that are also common words or first names (Nice, Reading, Bath, Mobile, Orange,
   Split, Sale, Mons, Vienne, Sydney, Florence, Turkey, Chad...) count only right after a
   locative, and, unless the cue is a present-tense one, only when capitalised.
4. "City, Region" pairs resolve to the region's country ("London, Ontario" -> CA,
   "Paris, TX" -> US). A name shared by several countries takes the one another mention
   points to, else the ``prefer`` country when it is a candidate, else the gazetteer default.
5. The country with the highest weight wins (ties: more mentions, then the later one). The
   result is None when nothing scored above 0.

Only the standard library and PyYAML; the gazetteer is loaded once (``lru_cache``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "PLACES_FILE",
    "PlaceMention",
    "country_in_text",
    "find_places",
    "gazetteer_stats",
    "iso_codes",
]

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.yaml"

# ---------------------------------------------------------------------------- folding

_CHAR_MAP = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": " ",
    "\u2014": " ",
    "\u2010": " ",
    "\u2011": " ",
    "-": " ",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
    "\r": "\n",
    "\u0153": "oe",
    "\u0152": "oe",
    "\u00e6": "ae",
    "\u00c6": "ae",
    "\u00df": "ss",
    "\u00f8": "o",
    "\u00d8": "o",
    "\u0142": "l",
    "\u0141": "l",
    "\u0111": "d",
    "\u0131": "i",
}
_TOKEN = re.compile(r"[a-z0-9]+")


def _fold_char(ch: str) -> str:
    rep = _CHAR_MAP.get(ch)
    if rep is not None:
        return rep
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold_name(name: str) -> tuple[str, ...]:
    """The tokens of a place name as matched: ``"Saint-Étienne"`` -> ``("saint", "etienne")``."""
    return tuple(_TOKEN.findall("".join(_fold_char(c) for c in name)))


@dataclass(frozen=True)
class _Token:
    text: str  # folded
    start: int  # offsets in the original text
    end: int
    cap: bool  # first letter upper case in the original
    upper: bool  # all letters upper case in the original
    accent_a: bool  # the original is "à"
    gap: str  # folded characters between the previous token and this one


def _tokenize(text: str) -> list[_Token]:
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for f in _fold_char(ch):
            folded.append(f)
            origin.append(i)
    flat = "".join(folded)
    tokens: list[_Token] = []
    prev_end = 0
    for m in _TOKEN.finditer(flat):
        start, end = origin[m.start()], origin[m.end() - 1] + 1
        original = text[start:end]
        letters = [c for c in original if c.isalpha()]
        tokens.append(
            _Token(
                text=m.group(),
                start=start,
                end=end,
                cap=bool(letters) and letters[0].isupper(),
                upper=bool(letters) and all(c.isupper() for c in letters),
                accent_a=original in {"à", "À"},
                gap=flat[prev_end : m.start()],
            )
        )
        prev_end = m.end()
    return tokens


# ---------------------------------------------------------------------------- gazetteer


@dataclass(frozen=True)
class _Entry:
    country: str
    kind: str  # "country" | "region" | "city"
    display: str
    weak: bool
    major: bool
    case_sensitive: bool
    alternatives: tuple[str, ...]


@dataclass(frozen=True)
class _Gazetteer:
    names: dict[tuple[str, ...], _Entry]
    block: frozenset[tuple[str, ...]]
    max_len: int
    codes: frozenset[str]


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@lru_cache(maxsize=4)
def _load(path: Path = PLACES_FILE) -> _Gazetteer:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: not a mapping")
    weak = {fold_name(n) for n in _strings(raw.get("weak"))}
    major = {fold_name(n) for n in _strings(raw.get("major"))}
    case_sensitive = {fold_name(n) for n in _strings(raw.get("case_sensitive"))}
    ambiguous: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name, alts in (raw.get("ambiguous") or {}).items():
        ambiguous[fold_name(str(name))] = tuple(str(a) for a in alts)
    names: dict[tuple[str, ...], _Entry] = {}
    codes: set[str] = set()
    for section, kind in (("countries", "country"), ("regions", "region"), ("cities", "city")):
        for code, entries in (raw.get(section) or {}).items():
            cc = str(code)
            codes.add(cc)
            for display in _strings(entries):
                key = fold_name(display)
                if not key or key in names:
                    continue
                names[key] = _Entry(
                    country=cc,
                    kind=kind,
                    display=display,
                    weak=key in weak or key in case_sensitive,
                    major=key in major,
                    case_sensitive=key in case_sensitive,
                    alternatives=ambiguous.get(key, ()),
                )
    block = frozenset(fold_name(b) for b in _strings(raw.get("block")))
    longest = max([len(k) for k in names] + [len(b) for b in block] + [1])
    return _Gazetteer(names=names, block=block, max_len=longest, codes=frozenset(codes))


def iso_codes() -> frozenset[str]:
    """Every country code the gazetteer knows (countries, and where its places are filed)."""
    return _load().codes


def gazetteer_stats() -> dict[str, int]:
    """Sizes of the gazetteer: names by kind, countries, weak and blocked phrases."""
    gaz = _load()
    stats = {"names": len(gaz.names), "countries": len(gaz.codes), "block": len(gaz.block)}
    for kind in ("country", "region", "city"):
        stats[kind] = sum(1 for e in gaz.names.values() if e.kind == kind)
    stats["weak"] = sum(1 for e in gaz.names.values() if e.weak)
    return stats


# ---------------------------------------------------------------------------- cues
# Word lists are folded (no accents, apostrophes split words: "i'm" -> "i m").


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> frozenset[tuple[str, ...]]:
    """``"i m|we re|here"`` -> {("i", "m"), ("we", "re"), ("here",)}."""
    return frozenset(tuple(p.split()) for p in text.split("|") if p.strip())


_ARTICLES = _words("the le la les l")
_LOC_EN = _words("in at near around outside inside across throughout within nearby downtown")
_LOC_FR = _words("en au aux dans sur vers")  # and "à", see _weigh
_LOC_FR_CITY = _words("dans sur vers au aux")  # a city takes "à", not "en"
_LOC_FR_COUNTRY = _words("en au aux dans")  # "sur le Japon" is "about Japan"
# "north of France", "la région de Lyon", "l'hôpital de Nice", "près de Genève"
_AREA = _words(
    "north south east west centre center outskirts suburbs city region area part heart middle "
    "coast countryside hospital hospitals sud nord est ouest ville banlieue environs pres cote "
    "campagne coin quartier agglomeration hopital hopitaux chu chr clinique urgences samu "
    "pharmacie gare aeroport mairie universite hotel metropole departement province canton "
    "etat state county comte ile island alentours peripherie"
)
# present tense: "I'm in", "we're visiting", "je suis à", "chui a", "j'habite à", "ici en"
_STRONG = _phrases(
    "i m|im|i am|we re|we are|were in|i ve been|we ve been|here|currently|now|still|live|"
    "living|lives|based|staying|stay|visiting|touring|travelling|traveling|holiday|holidays|"
    "vacation|vacationing|stuck|located|arrived|landed|moved|relocated|working|studying|is|"
    "are|s|re|je suis|suis|chui|chuis|jsuis|jsui|on est|est|sommes|etes|sont|habite|habites|"
    "habitons|habitez|habitent|jhabite|vis|vit|vivons|vivez|vivent|reside|residons|sejourne|"
    "sejour|vacances|actuellement|maintenant|ici|installe|installes|installee|installees|"
    "arrive|arrivee|arrives|arrivees|bloque|bloquee|coince|coincee|passage|travaille|bosse|"
    "etudie|loge|trouve|trouvons"
)
# a verb right before the name: "visiting Paris", "j'habite Lyon"
_STRONG_BARE = _words("visiting touring exploring habite habitons habitez jhabite visite visitons")
_PRESENT = _phrases(
    "now|currently|right now|at the moment|today|tonight|this morning|this evening|"
    "this afternoon|this week|at present|here|maintenant|actuellement|en ce moment|"
    "aujourd hui|ce soir|ce matin|cet apres midi|cette semaine|ici|since|depuis"
)
# before the name, in its clause: the place is in the past, or someone's origin
_HISTORY = _phrases(
    "born|grew up|grow up|raised|lived|used to|childhood|ancestors|ancestry|heritage|descent|"
    "originally|emigrated|immigrated|studied|been to|was born|years ago|months ago|weeks ago|"
    "year ago|month ago|long time ago|last year|last month|"
    "last week|last summer|last winter|last time|years ago|previously|formerly|when i was|"
    "as a child|as a kid|back from|returned from|got back|came back|flew back|moved from|"
    "moved away|ne a|nee a|nes a|nees a|ne en|nee en|nes en|nees en|ne au|nee au|ne aux|"
    "nee aux|ne dans|nee dans|grandi|vecu|habitais|habitait|habitions|habitaient|vivais|"
    "vivait|vivions|vivaient|ancetres|origines|enfance|autrefois|jadis|l an dernier|"
    "l annee derniere|l ete dernier|l hiver dernier|le mois dernier|la semaine derniere|"
    "quand j etais|de retour de|de retour du|rentre de|rentree de|rentres de|revenu de|"
    "revenue de|revenus de|parti de|partie de|partis de|demenage de|had a great time|"
    "had a good time|had a lovely time|had a wonderful time|had fun|enjoyed|worked|stayed|"
    "trained|retired|forme|formee|formes|formees|ai passe|a passe|avons passe|ont passe|"
    "passe de super|travaillait|"
    "travaillais|travaillaient|allait|allais|passait|passais|sejournait"
)
# after the name: "in Spain last year", "à Londres il y a 5 ans"
_AFTER_HISTORY = _phrases(
    "years ago|months ago|weeks ago|year ago|month ago|long time ago|last year|last month|"
    "last week|last summer|last winter|in the past|l an dernier|"
    "l annee derniere|l ete dernier|l hiver dernier|le mois dernier|la semaine derniere|"
    "autrefois|jadis"
)
_AGO_FR = re.compile(
    r"\bil y a (longtemps|(\d+|un|une|deux|trois|quatre|cinq|six|dix|quelques|plusieurs|des) "
    r"(ans?|annees?|mois|semaines?)\b)"
)
_YEAR = re.compile(r"(19|20)\d\d")
# a home, not where one is this minute: "I live in France" (2.8) < "I'm in Italy" (3)
_RESIDENCE = _phrases(
    "live|living|lives|based|habite|habites|habitons|habitez|habitent|jhabite|vis|vit|vivons|"
    "vivez|vivent|reside|residons"
)
_FUTURE_TIME = _phrases(
    "tomorrow|next week|next month|next year|next summer|soon|later|demain|prochain|"
    "prochaine|bientot|la semaine prochaine|l an prochain"
)
# a trip, not a stay: "going to", "flying to", "je pars en", "pour voyager au"
_MOVE = _words(
    "going go goes gonna fly flying flew travel travelling traveling travelled traveled head "
    "heading headed off drive driving drove leave leaving left return returning trip journey "
    "visit went gone been move moving will ll plan planning vais va allons allez vont aller "
    "irai iras ira irons irez pars part partons partez partent partir rentre rentrons "
    "retourne retourner retournons direction destination serai serons voyager voyagerai "
    "voyagerons visiter partirai partirons demenager parti partie partis parties"
)
_ARRIVE_FR = _words(
    "demenage demenages demenagee demenagees emmenage emmenages emmenagee installe installes "
    "installee installees arrive arrives arrivee arrivees"
)
_ARRIVE = _words(
    "moved relocated came come got arrived welcome demenage demenages demenagee emmenage emmenages"
)
# "nous revenons du Mali", "je suis rentré de Tunisie": not there any more
_BACK_FR = _words(
    "revenons reviens revient revenez reviennent revenu revenue revenus revenues rentre "
    "rentree rentres rentrees rentrons rentrez rentrent retour retours demenage demenages "
    "parti partie partis parties"
)
_ORIGIN_FR = _words(
    "viens vient venons venez viennent venu venue venus originaire originaires arrive "
    "arrivee arrives"
)
_BE_FR = _phrases("je suis|suis|chui|chuis|jsuis|on est|nous sommes")
# the person writing, or "here" / "now": weight 3; a third person ("my mum lives in"): 2.5
_FIRST_PERSON = _words(
    "i im we je j on nous chui chuis jsuis jsui suis sommes here now currently still ici "
    "maintenant actuellement"
)
# the place is a topic, not where anyone is: "legal in Switzerland", "made in China",
# "suicide rates in Japan", "légale en Suisse", "about Japan", "un reportage sur le Japon"
_TOPIC = _words(
    "legal illegal allowed banned approved available sold made manufactured produced rates "
    "rate statistics prevalence common popular famous legale legales legal interdit interdite "
    "interdits autorise autorisee autorises disponible disponibles vendu vendue vendus "
    "fabrique fabriquee fabriques produit produits taux statistiques frequent frequente "
    "rembourse remboursee"
)
_ABOUT = _words("about regarding concerning re on sur de d du des")
_FUTURE_BARE = _words("visit visiting explore see tour visiter explorer voir")
_FIRST_PERSON_EN = _phrases("i m|im|i am|we re|we are|i|we")
_FIRST_PERSON_FR = _words("je j on nous suis chui chuis jsuis sommes moi")
_NEGATION = _words("not no never t nt pas plus jamais ni")
_CLAUSE_WORDS = _words(
    "but mais however though although cependant pourtant whereas tandis except sauf sinon"
)
_ABBREV = _words("st ste mt dr mr mrs ms ft no vs etc d")
_QUALIFIER_GAP = re.compile(r"^\s*[,(]?\s*$")
_US_CODES = _words(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC"
)
_CA_CODES = _words("ON QC BC AB MB SK NS NB NL PE YT NT NU")


def _sentence_break(prev: _Token | None, tok: _Token) -> bool:
    """Whether a sentence ends between ``prev`` and ``tok``."""
    gap = tok.gap
    if not gap.strip() or prev is None:
        return prev is None
    if (
        "." in gap
        and not re.search(r"[!?;:\n]", gap)
        and (len(prev.text) == 1 or prev.text in _ABBREV)
    ):
        return False
    return bool(re.search(r"[!?;:\n]|\.", gap))


def _clause_break(prev: _Token | None, tok: _Token) -> bool:
    return (
        _sentence_break(prev, tok) or any(c in tok.gap for c in ",()") or tok.text in _CLAUSE_WORDS
    )


def _has(tokens: Sequence[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    n = len(tokens)
    for p in phrases:
        k = len(p)
        for i in range(n - k + 1):
            if tuple(tokens[i : i + k]) == p:
                return True
    return False


def _ends_with(tokens: Sequence[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(
        len(p) <= len(tokens) and tuple(tokens[len(tokens) - len(p) :]) == p for p in phrases
    )


# ---------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text, with how much it says about where the person is."""

    country: str  # ISO 3166-1 alpha-2 (after qualifiers and ambiguity are resolved)
    name: str  # the user's own words
    start: int  # offsets in the original text
    end: int
    kind: str  # "country" | "region" | "city"
    weight: float  # 3 present, 2 locative, 1 bare, 0.5 origin, 0 history / future / negated
    reason: str
    candidates: tuple[str, ...] = ()  # every country the name can mean, default first


@dataclass
class _Raw:
    entry: _Entry
    first: int  # token indexes, end exclusive
    last: int
    weight: float
    reason: str
    country: str


def _match_at(
    gaz: _Gazetteer, tokens: Sequence[_Token], i: int, all_caps: bool
) -> tuple[int, _Entry | None]:
    """Longest name or blocked phrase starting at token ``i``: (length, entry or None)."""
    texts = [t.text for t in tokens]
    limit = min(gaz.max_len, len(tokens) - i)
    for n in range(limit, 0, -1):
        if any(
            _sentence_break(tokens[k - 1], tokens[k]) or "," in tokens[k].gap
            for k in range(i + 1, i + n)
        ):
            continue
        key = tuple(texts[i : i + n])
        if key in gaz.block:
            return n, None
        entry = gaz.names.get(key)
        if entry is None and texts[i] in {"au", "aux"} and n >= 2:
            entry = gaz.names.get(("le" if texts[i] == "au" else "les", *key[1:]))
            if entry is not None and entry.kind == "city":
                return n, entry
            entry = None
        if entry is None:
            continue
        if entry.case_sensitive:
            written_upper = all(t.upper for t in tokens[i : i + n])
            after_the = key == ("us",) and i > 0 and texts[i - 1] == "the"
            if all_caps or not (written_upper or after_the):
                continue
        return n, entry
    return 0, None


def _weigh(
    tokens: Sequence[_Token],
    first: int,
    last: int,
    entry: _Entry,
    lo: int,
    clause_end: int,
    all_caps: bool,
) -> tuple[float, str]:
    """Weight and reason of a mention at tokens[first:last], in clause tokens[lo:clause_end]."""
    texts = [t.text for t in tokens]
    base = max(lo, first - 8)
    before = texts[base:first]
    name_first = first
    if texts[first] in {"au", "aux"} and entry.kind == "city":  # "au Havre" carries its cue
        before = [*before, texts[first]]
        name_first = first + 1
    after = texts[last : min(clause_end, last + 5)]
    clause = texts[lo:clause_end]
    # "now" counts before the name, or after it up to a past marker: not in
    # "vacances à Barcelone l'an dernier et maintenant j'ai de la fièvre"
    tail = texts[last:clause_end]
    for cut in range(len(tail)):
        if _ends_with(tail[: cut + 1], _AFTER_HISTORY):
            tail = tail[:cut]
            break
    present = _has(before, _PRESENT) or _has(tail, _PRESENT)

    # the word right before the name (articles skipped for countries and regions)
    k = len(before) - 1
    if k >= 0 and before[k] in _ARTICLES and entry.kind != "city":
        k -= 1
    prep = before[k] if k >= 0 else ""
    lead = before[: max(k, 0)]  # the words before that one
    cap = not all_caps and any(t.cap for t in tokens[name_first:last] if t.text not in _ARTICLES)
    strong = _has(lead, _STRONG) or present
    first_person = present or bool(set(lead) & _FIRST_PERSON)
    situational = present or _has(lead, _STRONG - _RESIDENCE)
    if situational:
        person_weight = 3.0 if first_person else 2.5
    else:  # only "live in", "j'habite à"
        person_weight = 2.8 if first_person else 2.4

    # "I'm not in France", "je ne suis pas en Suisse"
    if set(lead[-2:]) & _NEGATION and (
        _has(lead[-5:], _STRONG) or {"isn", "aren", "n"} & set(lead[-4:])
    ):
        return 0.0, "negated"
    # "born in", "grew up in", "last year", "in 2015", "il y a 3 ans"
    # "moved to Lyon in 2019", "je me suis installé à Lyon": lives there now
    if lead and (
        (prep == "to" and lead[-1] in _ARRIVE)
        or (prep in {"a", "en", "au", "aux"} and lead[-1] in _ARRIVE_FR)
    ):
        return (0.0, "weak") if entry.weak and not cap else (3.0, "present")
    history = (
        _has(before, _HISTORY)
        or _has(after, _AFTER_HISTORY)
        or bool(_AGO_FR.search(" ".join([*before, "#", *after])))
    )
    window = [*before, "#", *after]
    for idx, t in enumerate(window):
        if _YEAR.fullmatch(t) and not (idx and window[idx - 1] in {"since", "depuis"}):
            history = True
    if history and not present:
        return 0.0, "history"
    # "going to", "flying to", "je pars en", "on part au", "tomorrow", "demain"
    if prep in {"to", "for", "a", "en", "au", "aux", "vers"} and set(lead[-3:]) & _MOVE:
        if set(lead[-3:]) & _ARRIVE:
            return 3.0, "present"
        return 0.0, "future"
    if prep == "to" and lead and lead[-1] in _ARRIVE:
        return 3.0, "present"
    if lead and lead[-1] in _TOPIC and (prep in _LOC_EN or prep in _LOC_FR or prep == "a"):
        return 0.0, "topic"
    future = _has(clause, _FUTURE_TIME) and not strong

    # "nous revenons du Mali", "je suis rentré de Tunisie": not there any more
    if prep in {"de", "d", "du", "des"} and set(lead[-3:]) & _BACK_FR:
        return 0.0, "history"
    # "from": origin, or history when "back from", "moved from"
    if prep == "from" or (
        prep in {"de", "d", "du", "des"}
        and (set(lead[-3:]) & _ORIGIN_FR or _ends_with(lead, _BE_FR))
    ):
        if entry.weak and not cap:
            return 0.0, "weak"
        if (
            prep == "from"
            and lead
            and lead[-1]
            in {"back", "moved", "came", "flew", "fled", "returned", "returning", "originally"}
        ):
            return 0.0, "history"
        if prep == "from":
            first_person = _ends_with(lead, _FIRST_PERSON_EN)
        else:
            first_person = bool(set(lead[-4:]) & _FIRST_PERSON_FR)
        return (0.5, "origin") if first_person else (0.0, "origin")

    # French "à": accented, or a plain "a" after "je suis", "chui", "on est"...
    is_a = prep == "a" and k >= 0 and (tokens[base + k].accent_a or _ends_with(lead, _STRONG))
    locative = (
        prep in _LOC_EN
        or is_a
        or (prep in _LOC_FR_CITY if entry.kind == "city" else prep in _LOC_FR_COUNTRY)
        or (prep in {"of", "de", "d", "du", "des"} and bool(lead) and lead[-1] in _AREA)
    )
    if locative:
        if future:
            return 0.0, "future"
        if entry.weak and not (cap or strong or entry.case_sensitive):
            return 0.0, "weak"
        return (person_weight, "present") if strong else (2.0, "locative")
    if (
        prep in _STRONG_BARE
        and k == len(before) - 1
        and (prep != "visiting" or set(lead) & _FIRST_PERSON)
    ):  # "we're visiting Paris", "j'habite Lyon"
        if entry.weak and not cap:
            return 0.0, "weak"
        return 3.0, "present"
    if prep in _FUTURE_BARE:  # "I want to visit Iceland", "to see Rome"
        return 0.0, "future"

    # bare mention: only a country counts ("France: my son is not breathing"); a city or a
    # region named without a cue is too often a topic ("savon de Marseille", "Chicago pizza",
    # "mon chien Texas", "a documentary about Tokyo")
    if entry.weak:
        return 0.0, "weak"
    if entry.kind != "country":
        return 0.0, "bare"
    if prep in _ABOUT or (lead and lead[-1] in _TOPIC):
        return 0.0, "topic"
    if cap:
        nxt = tokens[last] if last < len(tokens) else None
        if (
            nxt is not None
            and nxt.cap
            and not nxt.upper
            and not _clause_break(tokens[last - 1], nxt)
        ):
            return 0.0, "compound"  # "Manchester United", "Canada Goose"
        prv = tokens[first - 1] if first > lo else None
        if (
            prv is not None
            and prv.cap
            and not _sentence_break(tokens[first - 2] if first > 1 else None, prv)
        ):
            return 0.0, "compound"  # "Air France", "Real Madrid"
    if future:
        return 0.0, "future"
    return 1.0, "bare"


def _scan(text: str, gaz: _Gazetteer) -> tuple[list[_Raw], list[_Token]]:
    tokens = _tokenize(text)
    letters = [c for c in text if c.isalpha()]
    all_caps = len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.8 * len(letters)
    clause_of: list[int] = []
    start = 0
    for idx, tok in enumerate(tokens):
        if idx == 0 or _clause_break(tokens[idx - 1], tok):
            start = idx
        clause_of.append(start)
    clause_end = [0] * len(tokens)
    for idx in range(len(tokens) - 1, -1, -1):
        same = idx + 1 < len(tokens) and clause_of[idx + 1] == clause_of[idx]
        clause_end[idx] = clause_end[idx + 1] if same else idx + 1
    raws: list[_Raw] = []
    i = 0
    prev_end = 0
    while i < len(tokens):
        n, entry = _match_at(gaz, tokens, i, all_caps)
        if n == 0:
            i += 1
            continue
        if entry is not None:
            lo = max(clause_of[i], prev_end)
            weight, reason = _weigh(tokens, i, i + n, entry, lo, clause_end[i], all_caps)
            raws.append(_Raw(entry, i, i + n, weight, reason, entry.country))
        prev_end = i + n
        i += n
    _apply_qualifiers(raws, tokens)
    return raws, tokens


def _apply_qualifiers(raws: list[_Raw], tokens: Sequence[_Token]) -> None:
    """ "London, Ontario" -> CA; "Paris, TX" -> US; "Lyon (France)" stays FR."""
    for a, b in pairwise(raws):
        if (
            a.entry.kind == "city"
            and b.entry.kind in {"region", "country"}
            and b.first == a.last
            and _QUALIFIER_GAP.match(tokens[b.first].gap)
        ):
            a.country = b.country
            a.weight = max(a.weight, b.weight)
            b.weight = max(a.weight, b.weight)
    for r in raws:
        nxt = r.last
        if r.entry.kind == "city" and nxt < len(tokens) and "," in tokens[nxt].gap:
            tok = tokens[nxt]
            code = tok.text.upper()
            if tok.upper and len(tok.text) == 2 and (code in _US_CODES or code in _CA_CODES):
                r.country = "US" if code in _US_CODES else "CA"


def _resolve(raws: list[_Raw], prefer: str | None) -> None:
    """Names shared by several countries: another mention's country, else ``prefer``."""
    mentioned = {r.country for r in raws if r.weight > 0 and not r.entry.alternatives}
    for r in raws:
        if not r.entry.alternatives or r.country != r.entry.country:
            continue
        options = (r.entry.country, *r.entry.alternatives)
        hit = next((c for c in options if c in mentioned), None)
        if hit is None and prefer in options:
            hit = prefer
        if hit is not None:
            r.country = hit


def find_places(text: str, prefer: str | None = None) -> list[PlaceMention]:
    """Every place mention in ``text`` with its weight (for reports and tests)."""
    if not text:
        return []
    raws, tokens = _scan(text, _load())
    _resolve(raws, prefer)
    out: list[PlaceMention] = []
    for r in raws:
        first = r.first + (1 if tokens[r.first].text in {"au", "aux"} else 0)
        out.append(
            PlaceMention(
                country=r.country,
                name=text[tokens[first].start : tokens[r.last - 1].end],
                start=tokens[first].start,
                end=tokens[r.last - 1].end,
                kind=r.entry.kind,
                weight=r.weight,
                reason=r.reason,
                candidates=(r.entry.country, *r.entry.alternatives),
            )
        )
    return out


def _best(mentions: Iterable[PlaceMention]) -> str | None:
    score: dict[str, tuple[float, int, int]] = {}
    for m in mentions:
        if m.weight <= 0:
            continue
        w, count, pos = score.get(m.country, (0.0, 0, -1))
        score[m.country] = (max(w, m.weight), count + 1, max(pos, m.start))
    if not score:
        return None
    return max(score, key=lambda c: score[c])


def country_in_text(text: str, prefer: str | None = None) -> str | None:
    """ISO code of the place the message says the person (or the emergency) is in, or None.

    ``prefer`` (e.g. the locale's country) only settles names shared by several countries:
    "London" is GB, or CA when ``prefer="CA"``.
    """
    return _best(find_places(text, prefer))
