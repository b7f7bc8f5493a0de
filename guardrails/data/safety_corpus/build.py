#!/usr/bin/env python3
"""Build the labelled safety-detector corpus from the hand-written seeds.

    python guardrails/data/safety_corpus/build.py            # write corpus.jsonl, print counts
    python guardrails/data/safety_corpus/build.py --check    # rebuild in memory, verify the file
                                                             # on disk byte for byte + sanity checks
    python guardrails/data/safety_corpus/build.py --table    # print only the README count table

Every message starts life as one line in ``seeds/<label>.<lang>.txt``, written
by hand by the team. This script expands each seed into a few surface variants
(slot swaps, typos, SMS spelling, case/punctuation changes, greetings, place
names) the way real users mistype, so a character/word n-gram classifier learns
how people write rather than one template per label.

* Standard library only; deterministic (fixed seed, string-seeded RNG per
  group, no set iteration), so the output is byte-for-byte reproducible across
  runs, machines and PYTHONHASHSEED values.
* All variants of one seed share a ``group``; the train/test split is assigned
  per group (about 20 % of the groups of every label x language go to test), so
  no variant of a test seed is ever in train.
* Texts are unique after normalisation (lower case, punctuation and spacing
  removed), across the whole corpus; two seeds that collide are an error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

Row = dict[str, Any]

SEED = 20240917
HERE = Path(__file__).resolve().parent
SEEDS_DIR = HERE / "seeds"
OUT_PATH = HERE / "corpus.jsonl"
README_PATH = HERE / "README.md"

LABELS = (
    "emergency",
    "crisis_active",
    "crisis_passive",
    "self_harm",
    "overdose_intentional",
    "lethal_dose",
    "poisoning_child",
    "poisoning_adult",
    "carbon_monoxide",
    "harmful_request",
    "dose_change",
    "benign",
)
LANGS = ("en", "fr")
TEST_FRACTION = 0.20
MIN_WORDS, MAX_WORDS = 3, 60
MIN_PER_LABEL_LANG = 80
MIN_BENIGN_SHARE = 0.35

# variants per seed (the first one is the seed itself, slots filled)
VARIANTS_DEFAULT = {"en": 4, "fr": 3}
VARIANTS = {("benign", "en"): 5, ("benign", "fr"): 5}
ATTEMPTS = 40

# ---------------------------------------------------------------- slot values
SLOTS = {
    "en": {
        "he": [
            "my dad",
            "my husband",
            "my brother",
            "my grandad",
            "my son",
            "my boyfriend",
            "my uncle",
            "my flatmate",
            "my partner",
            "my father-in-law",
        ],
        "she": [
            "my mum",
            "my mom",
            "my wife",
            "my sister",
            "my gran",
            "my daughter",
            "my girlfriend",
            "my aunt",
            "my partner",
            "my flatmate",
        ],
        "kid": [
            "my 2 year old",
            "my toddler",
            "my 18 month old",
            "my 3yo",
            "my little one",
            "my 4 year old",
            "my 20 month old",
            "our 2yo",
            "my son (2)",
            "my daughter (3)",
        ],
        "city": [
            "Glasgow",
            "Leeds",
            "Manchester",
            "Toronto",
            "Calgary",
            "Ottawa",
            "Dublin",
            "Cardiff",
            "Vancouver",
            "Halifax",
            "Bristol",
            "Edinburgh",
            "Winnipeg",
            "Belfast",
            "Melbourne",
            "Boston",
        ],
        "med_od": [
            "paracetamol",
            "tylenol",
            "amitriptyline",
            "sertraline",
            "zopiclone",
            "sleeping pills",
            "diazepam",
            "oxycodone",
            "tramadol",
            "quetiapine",
            "co-codamol",
            "codeine",
            "propranolol",
        ],
        "rx": [
            "atorvastatin",
            "lisinopril",
            "metformin",
            "amlodipine",
            "levothyroxine",
            "ramipril",
            "sertraline",
            "omeprazole",
            "simvastatin",
            "bisoprolol",
            "losartan",
            "citalopram",
        ],
    },
    "fr": {
        "il": [
            "mon père",
            "mon mari",
            "mon frère",
            "mon grand-père",
            "mon fils",
            "mon copain",
            "mon chum",
            "mon oncle",
            "mon coloc",
            "mon beau-père",
        ],
        "elle": [
            "ma mère",
            "ma femme",
            "ma sœur",
            "ma grand-mère",
            "ma fille",
            "ma copine",
            "ma blonde",
            "ma tante",
            "ma coloc",
            "ma belle-mère",
        ],
        "enfant": [
            "mon fils de 2 ans",
            "ma fille de 3 ans",
            "mon petit de 18 mois",
            "mon bébé de 20 mois",
            "ma puce de 2 ans",
            "mon loulou de 3 ans",
            "mon p'tit de 4 ans",
            "ma fille de 2 ans et demi",
            "mon bambin de 2 ans",
            "ma petite de 4 ans",
        ],
        "ville": [
            "Lyon",
            "Montréal",
            "Bruxelles",
            "Genève",
            "Lausanne",
            "Liège",
            "Québec",
            "Marseille",
            "Toulouse",
            "Lille",
            "Namur",
            "Sherbrooke",
            "Nantes",
            "Fribourg",
            "Bordeaux",
            "Charleroi",
        ],
        "med_od": [
            "doliprane",
            "paracétamol",
            "lexomil",
            "xanax",
            "stilnox",
            "tramadol",
            "zopiclone",
            "imovane",
            "seresta",
            "laroxyl",
            "efferalgan",
            "temesta",
            "somnifères",
        ],
        # masculine or vowel-initial only, so "mon {rx}" stays grammatical
        "rx": [
            "ramipril",
            "amlodipine",
            "levothyrox",
            "atorvastatine",
            "bisoprolol",
            "kardégic",
            "périndopril",
            "oméprazole",
            "losartan",
            "irbésartan",
            "escitalopram",
            "valsartan",
        ],
    },
}
CITY_SLOT = {"en": "city", "fr": "ville"}

# ------------------------------------------------------ surface-form resources
# Greetings / sign-offs are shared by every label so they cannot become a cue.
PREFIXES = {
    "en": [
        "hi",
        "hey",
        "hello",
        "hiya",
        "hi there",
        "quick question",
        "sorry if this is a dumb question",
        "ok so",
        "um",
        "so",
        "question",
        "not sure who else to ask",
        "good evening",
        "hey so",
        "morning",
        "sorry to bother you",
    ],
    "fr": [
        "bonjour",
        "bonsoir",
        "salut",
        "slt",
        "bjr",
        "coucou",
        "allô",
        "petite question",
        "question",
        "euh",
        "alors",
        "bon",
        "bonjour docteur",
        "excusez-moi",
        "dites",
        "désolé de déranger",
    ],
}
SUFFIXES = {
    "en": [
        "pls",
        "please",
        "thanks",
        "thank you",
        "thx",
        "??",
        "any advice?",
        "should i be worried?",
        "is this normal?",
        "please answer",
        "ty",
        "x",
    ],
    "fr": [
        "svp",
        "stp",
        "merci",
        "merci d'avance",
        "mrc",
        "??",
        "des conseils ?",
        "c'est grave ?",
        "c normal ?",
        "vous en pensez quoi",
        "merci bcp",
        "bisous",
    ],
}
# Distress wording: mostly on dangerous labels but also on some benign ones.
URGENT_PREFIXES = {
    "en": ["help", "pls help", "urgent", "please help me", "omg", "help me"],
    "fr": ["aidez-moi", "urgent", "au secours", "svp aidez moi", "vite", "help"],
}
URGENT_SUFFIXES = {
    "en": ["what do i do", "what should i do", "help", "asap", "please reply", "is this bad"],
    "fr": ["je fais quoi", "que faire", "aidez moi", "vite svp", "répondez svp", "c'est grave"],
}
LOCATIONS = {
    "en": [
        "im in {city}",
        "I'm in {city} btw",
        "in {city}",
        "we're in {city}",
        "staying in {city} atm",
        "live in {city}",
    ],
    "fr": [
        "je suis à {ville}",
        "on est à {ville}",
        "chui à {ville}",
        "je suis en vacances à {ville}",
        "j'habite à {ville}",
        "ici à {ville}",
    ],
}

SMS = {
    "en": [
        (r"\bi don'?t know\b", ["idk"]),
        (r"\bright now\b", ["rn", "right now"]),
        (r"\bto be honest\b", ["tbh"]),
        (r"\bgoing to\b", ["gonna"]),
        (r"\bwant to\b", ["wanna"]),
        (r"\byou'?re\b", ["ur", "youre"]),
        (r"\byou\b", ["u"]),
        (r"\byour\b", ["ur", "yr"]),
        (r"\bare\b", ["r"]),
        (r"\bplease\b", ["pls", "plz", "plse"]),
        (r"\bbecause\b", ["cuz", "bc", "coz", "cos"]),
        (r"\bi'm\b", ["im", "i'm", "i am"]),
        (r"\bdon't\b", ["dont", "do not"]),
        (r"\bcan't\b", ["cant", "cannot"]),
        (r"\bwon't\b", ["wont"]),
        (r"\bisn't\b", ["isnt"]),
        (r"\bdidn't\b", ["didnt"]),
        (r"\bdoesn't\b", ["doesnt"]),
        (r"\bi've\b", ["ive"]),
        (r"\bit's\b", ["its"]),
        (r"\bwhat's\b", ["whats", "wats"]),
        (r"\breally\b", ["rly", "realy", "really really"]),
        (r"\btonight\b", ["tonite", "2nite"]),
        (r"\btomorrow\b", ["tmrw", "tomoz", "tmr"]),
        (r"\bwith\b", ["w/", "wiv"]),
        (r"\bthanks\b", ["thx", "ta"]),
        (r"\bpeople\b", ["ppl"]),
        (r"\bsomething\b", ["smth", "sth"]),
        (r"\babout\b", ["abt", "bout"]),
        (r"\bminutes\b", ["mins"]),
        (r"\bhours\b", ["hrs"]),
        (r"\bokay\b", ["ok", "k"]),
        (r"\bprobably\b", ["prob", "prolly"]),
        (r"\bthough\b", ["tho"]),
        (r"\bdoctor\b", ["dr", "doc"]),
        (r"\bthe\b", ["teh", "the", "the", "the"]),
        (r"\band\b", ["&", "n"]),
    ],
    "fr": [
        (r"\bje ne sais pas\b", ["jsp", "je sais pas", "jsais pas"]),
        (r"\bje sais pas\b", ["jsp", "jsais pas", "j'sais pas"]),
        (r"\bj'en peux plus\b", ["jpp", "j'en peux pu"]),
        (r"\bje suis\b", ["chui", "jsuis", "j'suis", "chuis"]),
        (r"\bs'il te pla[iî]t\b", ["stp"]),
        (r"\bs'il vous pla[iî]t\b", ["svp"]),
        (r"\bpourquoi\b", ["pk", "pq", "pourkoi"]),
        (r"\bqu'est-ce que\b", ["qu'est ce que", "kesk", "qu'est-ce qu'"]),
        (r"\best-ce que\b", ["est ce que", "esque", "est-ce qu'"]),
        (r"\bc'est\b", ["c", "cest", "c'est", "sé", "c est"]),
        (r"\bquelque chose\b", ["qqch", "qqc", "qlq chose"]),
        (r"\bbeaucoup\b", ["bcp", "bcq"]),
        (r"\baujourd'hui\b", ["auj", "aujourdhui", "ajd"]),
        (r"\btoujours\b", ["tjrs", "tjs"]),
        (r"\bmaintenant\b", ["mtn", "mnt"]),
        (r"\bil y a\b", ["ya", "y'a", "y a"]),
        (r"\bj'ai\b", ["jai", "j ai", "g"]),
        (r"\bje veux\b", ["jveux", "j'veux"]),
        (r"\bje vais\b", ["jvais", "j'vais"]),
        (r"\bje peux\b", ["jpeux", "j'peux"]),
        (r"\bje me\b", ["jme", "j'me"]),
        (r"\bparce que\b", ["pcq", "pck", "parske"]),
        (r"\bquand\b", ["qd", "quan"]),
        (r"\btout\b", ["tt"]),
        (r"\brendez-vous\b", ["rdv"]),
        (r"\bd'accord\b", ["dac", "d'acc"]),
        (r"\bvraiment\b", ["vrmt", "vraiement", "vrm"]),
        (r"\bça\b", ["ca", "sa"]),
        (r"\bmédicaments\b", ["médocs", "medocs", "medicaments"]),
        (r"\bcomprimés\b", ["cachets", "comprimer", "comprimes"]),
        (r"\bquoi\b", ["koi", "quoi"]),
        (r"\bbonjour\b", ["bjr"]),
        (r"\bsalut\b", ["slt"]),
        (r"\bmerci\b", ["mrc", "mci"]),
        (r"\bbeaucoup\b", ["bcp"]),
        (r"\bpas\b", ["pa", "pas", "pas"]),
        (r"\btu es\b", ["t", "t'es"]),
        (r"\bqu'il\b", ["qu'il", "ki"]),
        (r"\bqui\b", ["ki"]),
        (r"\bpeut-être\b", ["ptet", "p-e", "peut etre"]),
    ],
}

MISSPELL = {
    "en": {
        "breathe": ["breath", "breth", "breathe"],
        "breathing": ["breathin", "breating", "brething"],
        "chest": ["chset", "chesst", "chets"],
        "pain": ["pian", "pane", "pai n"],
        "swollen": ["swolen", "swollon"],
        "swelling": ["sweling", "swellin"],
        "seizure": ["siezure", "seizur", "seisure"],
        "unconscious": ["unconcious", "unconscius"],
        "poison": ["poisen", "posion"],
        "medicine": ["medecine", "medicin"],
        "vomiting": ["vomitting", "vomitin"],
        "ambulance": ["ambulence", "amblance"],
        "allergic": ["alergic", "allergic"],
        "headache": ["headach", "hedache", "head ache"],
        "really": ["realy", "rly"],
        "because": ["becuase", "becos"],
        "tongue": ["tounge", "tung"],
        "throat": ["throt", "thraot"],
        "diabetic": ["diabetik", "diabetc"],
        "pregnant": ["pregant", "pregnent"],
        "tablets": ["tablits", "tabelts"],
        "paracetamol": ["paracetemol", "paracetomol"],
        "stomach": ["stomache", "stomch"],
        "temperature": ["temprature", "tempreture", "temp"],
        "definitely": ["definately"],
        "blood": ["blod", "bloood"],
        "pressure": ["presure", "pressur"],
        "suicide": ["suicde", "sucide"],
        "myself": ["my self", "myslef"],
        "anymore": ["any more", "anymor"],
        "tonight": ["tonite", "tonihgt"],
        "carbon": ["carbon", "carbn"],
        "monoxide": ["monoxcide", "monoxid", "monoxide"],
        "alarm": ["alarum", "alram"],
        "detector": ["detecter", "dectector"],
        "prescription": ["perscription", "prescripton"],
        "doctor": ["docter", "doctr"],
        "accidentally": ["accidently", "acidentally"],
        "dizzy": ["dizy", "dizzzy"],
        "bleeding": ["bleding", "bleedin"],
        "weird": ["wierd"],
        "sugar": ["suger", "sugr"],
        "insulin": ["insuline", "insalin"],
        "baby": ["babby", "bby"],
        "toddler": ["todler", "toddlr"],
        "swallowed": ["swalowed", "swollowed"],
        "which": ["wich", "whitch"],
        "should": ["shoud", "shuld"],
        "would": ["woud", "wud"],
        "could": ["coud", "cud"],
    },
    "fr": {
        "respirer": ["respiré", "respirrer"],
        "poitrine": ["poitrinne", "poitrin"],
        "médicament": ["medicamment", "médicamant"],
        "médicaments": ["medicamments", "médicamants"],
        "urgence": ["urgense", "urgance"],
        "urgences": ["urgenses", "urjences"],
        "enceinte": ["enseinte", "enceinte"],
        "vraiment": ["vraiement", "vrément"],
        "malade": ["malad", "maladde"],
        "appeler": ["appelé", "apeler"],
        "vomit": ["vomi", "vommit"],
        "vomis": ["vomi", "vommis"],
        "fièvre": ["fievre", "fiévre"],
        "gonflé": ["gonfler", "gonflée"],
        "gonflent": ["gonfle", "gonflet"],
        "comprimés": ["comprimer", "comprimé"],
        "aujourd'hui": ["aujourdhui", "aujourd'hui"],
        "quelqu'un": ["quelquun", "kelkun"],
        "beaucoup": ["beacoup", "boucoup"],
        "toujours": ["toujour", "toujous"],
        "tellement": ["tèllement", "telement"],
        "température": ["temperature", "tempèrature"],
        "monoxyde": ["monoxide", "monnoxyde"],
        "détecteur": ["detecteur", "détècteur"],
        "chaudière": ["chaudiere", "chaudiére"],
        "docteur": ["docteure", "doc"],
        "tension": ["tention", "tenssion"],
        "glycémie": ["glycemie", "glicémie"],
        "ordonnance": ["ordonance", "ordonnace"],
        "diabétique": ["diabetique", "diabétik"],
        "somnifères": ["somniferes", "somnifère"],
        "surdose": ["sur dose", "surdoze"],
        "suicider": ["suicidé", "sucider"],
        "mourir": ["mourrir", "mourire"],
        "réveiller": ["réveillé", "reveiller"],
        "cachets": ["cachet", "cacher"],
        "bébé": ["bebe", "bb"],
        "enfant": ["enfent", "enfan"],
        "avalé": ["avaler", "avallé"],
        "mangé": ["manger", "mangée"],
        "pris": ["prit", "prie"],
        "est": ["et", "é"],
        "c'est": ["cest", "ces", "sé"],
        "peut": ["peu", "peux"],
        "sais": ["sait", "c"],
        "moi-même": ["moi même", "moi meme"],
        "parce": ["pasque", "parsque"],
    },
}

KEYBOARD_ROWS = {
    "en": ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
    "fr": ["azertyuiop", "qsdfghjklm", "wxcvbn"],
}
NEIGHBOURS = {}
for _lang, _rows in KEYBOARD_ROWS.items():
    _n = {}
    for _row in _rows:
        for _i, _ch in enumerate(_row):
            _n[_ch] = (_row[_i - 1] if _i > 0 else "") + (
                _row[_i + 1] if _i + 1 < len(_row) else ""
            )
    NEIGHBOURS[_lang] = _n

VOWELS = "aeiouyéèêëàâîïôûhAEIOUYÉÈÊËÀÂÎÏÔÛH"
SLOT_RE = re.compile(r"\{(\w+)\}")
FR_ELIDE_RE = re.compile(r"\b(de|que|le|la|je|ne|me|te|se)\s+\{(\w+)\}", re.IGNORECASE)
WORD_RE = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


# ------------------------------------------------------------------ helpers
def norm_key(text: str) -> str:
    """Dedup key: lower case, punctuation and spacing removed (accents kept)."""
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def strip_accents(text: str) -> str:
    out = unicodedata.normalize("NFD", text)
    out = "".join(ch for ch in out if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", out)


def read_seeds() -> list[tuple[str, str, int, str]]:
    seeds = []
    for label in LABELS:
        for lang in LANGS:
            path = SEEDS_DIR / f"{label}.{lang}.txt"
            n = 0
            for raw in path.read_text(encoding="utf-8").splitlines():
                line = unicodedata.normalize("NFC", raw.strip())
                if not line or line.startswith("#"):
                    continue
                n += 1
                for slot in SLOT_RE.findall(line):
                    if slot not in SLOTS[lang]:
                        raise SystemExit(f"{path.name}:{n}: unknown slot {{{slot}}}")
                seeds.append((label, lang, n, line))
    return seeds


def fill(template: str, lang: str, rng: random.Random) -> str:
    chosen: dict[str, str] = {}

    def pick(name: str) -> str:
        if name not in chosen:
            chosen[name] = rng.choice(SLOTS[lang][name])
        return chosen[name]

    if lang == "fr":

        def elide(m: re.Match[str]) -> str:
            word: str = m.group(1)
            value = pick(m.group(2))
            if value[0] in VOWELS:
                return word[:-1] + "'" + value
            return word + " " + value

        template = FR_ELIDE_RE.sub(elide, template)
    return SLOT_RE.sub(lambda m: pick(str(m.group(1))), template)


def apply_sms(text: str, lang: str, rng: random.Random, p: float) -> str:
    for pattern, repls in SMS[lang]:
        if rng.random() < p:

            def choose(_m: re.Match[str], options: list[str] = repls) -> str:
                return rng.choice(options)

            text = re.sub(pattern, choose, text, flags=re.IGNORECASE)
    return text


def drop_negation(text: str) -> str:
    # colloquial French drops "ne"/"n'" ("je sais pas", "j'arrive plus")
    text = re.sub(r"\bne\s+(?=\w)", "", text, flags=re.IGNORECASE)
    return re.sub(r"\bn'(?!importe)(?=\w)", "", text, flags=re.IGNORECASE)


def misspell(text: str, lang: str, rng: random.Random) -> str:
    words = MISSPELL[lang]
    hits = [m for m in re.finditer(r"[\w'-]+", text) if m.group(0).lower() in words]
    if not hits:
        return text
    m = rng.choice(hits)
    return text[: m.start()] + rng.choice(words[m.group(0).lower()]) + text[m.end() :]


def char_typo(text: str, lang: str, rng: random.Random) -> str:
    spans = list(WORD_RE.finditer(text))
    if not spans:
        return text
    m = rng.choice(spans)
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    op = rng.choice(("swap", "drop", "double", "neighbour", "neighbour"))
    if op == "swap":
        w2 = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    elif op == "drop":
        w2 = w[:i] + w[i + 1 :]
    elif op == "double":
        w2 = w[:i] + w[i] + w[i:]
    else:
        near = NEIGHBOURS[lang].get(w[i].lower(), "")
        w2 = w[:i] + (rng.choice(near) if near else w[i]) + w[i + 1 :]
    return text[: m.start()] + w2 + text[m.end() :]


def fr_homophone(text: str, rng: random.Random) -> str:
    """-er/-é confusion and a/à, et/est swaps, very common in written French."""
    ops = []
    for m in re.finditer(r"\b(\w{3,})(er|é)\b", text):
        ops.append((m.start(2), m.end(2), "é" if m.group(2) == "er" else "er"))
    for m in re.finditer(r"\b(à|a|est|et)\b", text):
        swap = {"à": "a", "a": "à", "est": "et", "et": "est"}[m.group(1)]
        ops.append((m.start(1), m.end(1), swap))
    if not ops:
        return text
    s, e, r = rng.choice(ops)
    return text[:s] + r + text[e:]


def punctuation(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        text = re.sub(r"\s*[.,;:!?]+(?=\s|$)", "", text)
        text = re.sub(r"\s*[()]\s*", " ", text)
    elif r < 0.60:
        text = text.rstrip(" .?!") + rng.choice(("??", "???", "?!", "!!", "...", " ?", "?"))
    elif r < 0.70:
        text = text.replace(", ", rng.choice((" ", "... ", " - ", ",")))
    return " ".join(text.split())


def strip_apostrophes(text: str, lang: str, rng: random.Random) -> str:
    if lang == "fr":
        return re.sub(r"(?<=\w)'(?=\w)", lambda m: rng.choice(("", " ", "'")), text)
    return re.sub(r"(?<=\w)'(?=\w)", "", text)


def add_frame(text: str, lang: str, label: str, rng: random.Random, has_city: bool) -> str:
    urgent_p = 0.06 if label == "benign" else 0.22
    r = rng.random()
    if r < urgent_p:
        text = f"{rng.choice(URGENT_PREFIXES[lang])}{rng.choice((' ', ', ', '!! ', ' - '))}{text}"
    elif r < urgent_p + 0.22:
        text = f"{rng.choice(PREFIXES[lang])}{rng.choice((' ', ', ', '! ', '. ', ' - '))}{text}"
    r = rng.random()
    text = text.rstrip()
    ends_punct = text[-1:] in ".?!"
    if r < urgent_p:
        sep = " " if ends_punct else rng.choice((" ", ", ", " ... ", ". "))
        text = f"{text}{sep}{rng.choice(URGENT_SUFFIXES[lang])}"
    elif r < urgent_p + 0.20:
        sep = " " if ends_punct else rng.choice((" ", ", ", " "))
        pool = [x for x in SUFFIXES[lang] if not (ends_punct and x == "??")]
        text = f"{text}{sep}{rng.choice(pool)}"
    if not has_city and rng.random() < 0.10:
        loc = rng.choice(LOCATIONS[lang]).format(
            **{CITY_SLOT[lang]: rng.choice(SLOTS[lang][CITY_SLOT[lang]])}
        )
        if rng.random() < 0.5:
            text = f"{loc}, {text}"
        else:
            text = text.rstrip(" .")
            sep = " " if text[-1:] in "?!" else rng.choice((", ", " (", " - "))
            text = f"{text}{sep}{loc}"
            text = text + ")" if text.count("(") > text.count(")") else text
    return text


def casing(text: str, lang: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return text.lower()
    if r < 0.85:
        text = text[:1].upper() + text[1:]
        if lang == "en" and rng.random() < 0.6:
            text = re.sub(r"\bi\b", "I", text)
        return text
    if r < 0.88:
        return text.upper()
    return text


def variant(template: str, lang: str, label: str, rng: random.Random) -> str:
    text = fill(template, lang, rng)
    has_city = CITY_SLOT[lang] in template
    if SLOT_RE.search(template) and rng.random() < 0.15:
        # clean re-fill of the slots only (other person / drug / city)
        return casing(" ".join(text.split()), lang, rng)
    if rng.random() < 0.45:
        text = apply_sms(text, lang, rng, p=0.6)
    if lang == "fr" and rng.random() < 0.5:
        text = drop_negation(text)
    if rng.random() < 0.3:
        text = misspell(text, lang, rng)
    for _ in range(rng.choice((0, 0, 0, 1, 1, 1, 2, 2))):
        text = char_typo(text, lang, rng)
    if lang == "fr" and rng.random() < 0.2:
        text = fr_homophone(text, rng)
    if rng.random() < 0.3:
        text = strip_apostrophes(text, lang, rng)
    if lang == "fr" and rng.random() < 0.35:
        text = strip_accents(text)
    text = punctuation(text, rng)
    text = add_frame(text, lang, label, rng, has_city)
    return casing(text, lang, rng)


def word_count(text: str) -> int:
    return len(text.split())


# -------------------------------------------------------------------- build
def build() -> list[Row]:
    seeds = read_seeds()
    seen: dict[str, str] = {}  # norm key -> group
    rows: list[Row] = []
    groups_by_cell: dict[tuple[str, str], list[str]] = {}
    for label, lang, n, template in seeds:
        group = f"{label}-{lang}-{n:03d}"
        groups_by_cell.setdefault((label, lang), []).append(group)
        rng = random.Random(f"{SEED}:{group}")
        want = VARIANTS.get((label, lang), VARIANTS_DEFAULT[lang])
        texts: list[str] = []
        base = " ".join(fill(template, lang, rng).split())
        key = norm_key(base)
        if key in seen:
            raise SystemExit(f"seed {group} duplicates {seen[key]}: {base!r}")
        if not MIN_WORDS <= word_count(base) <= MAX_WORDS:
            raise SystemExit(f"seed {group} has {word_count(base)} words: {base!r}")
        seen[key] = group
        texts.append(base)
        for _ in range(want - 1):
            for _attempt in range(ATTEMPTS):
                text = variant(template, lang, label, rng)
                key = norm_key(text)
                if key and key not in seen and MIN_WORDS <= word_count(text) <= MAX_WORDS:
                    seen[key] = group
                    texts.append(text)
                    break
        for k, text in enumerate(texts):
            rows.append(
                {
                    "id": f"{group}-v{k}",
                    "text": text,
                    "lang": lang,
                    "label": label,
                    "group": group,
                    "split": None,
                }
            )
    # split by group, stratified per label x language
    test_groups: dict[str, bool] = {}
    for groups in groups_by_cell.values():
        ranked = sorted(
            groups, key=lambda g: hashlib.sha256(f"{SEED}:split:{g}".encode()).hexdigest()
        )
        n_test = round(len(ranked) * TEST_FRACTION)
        for i, g in enumerate(ranked):
            test_groups[g] = i < n_test
    for row in rows:
        row["split"] = "test" if test_groups[row["group"]] else "train"
    return rows


def serialise(rows: list[Row]) -> bytes:
    keys = ("id", "text", "lang", "label", "group", "split")
    lines = [json.dumps({k: r[k] for k in keys}, ensure_ascii=False) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ------------------------------------------------------------ stats / checks
def count_table(rows: list[Row]) -> str:
    counts: dict[tuple[str, str, str], int] = {}
    for r in rows:
        k = (r["label"], r["lang"], r["split"])
        counts[k] = counts.get(k, 0) + 1
    seeds: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["id"].endswith("-v0"):
            seeds[(r["label"], r["lang"])] = seeds.get((r["label"], r["lang"]), 0) + 1
    head = "| label | seeds en | seeds fr | en train | en test | fr train | fr test | total |"
    sep = "|---|---:|---:|---:|---:|---:|---:|---:|"
    out = [head, sep]
    tot = [0] * 7
    for label in LABELS:
        vals = [
            seeds.get((label, "en"), 0),
            seeds.get((label, "fr"), 0),
            counts.get((label, "en", "train"), 0),
            counts.get((label, "en", "test"), 0),
            counts.get((label, "fr", "train"), 0),
            counts.get((label, "fr", "test"), 0),
        ]
        vals.append(sum(vals[2:]))
        tot = [a + b for a, b in zip(tot, vals, strict=True)]
        out.append(f"| `{label}` | " + " | ".join(str(v) for v in vals) + " |")
    out.append("| **total** | " + " | ".join(f"**{v}**" for v in tot) + " |")
    n = len(rows)
    en = sum(1 for r in rows if r["lang"] == "en")
    ben = sum(1 for r in rows if r["label"] == "benign")
    test = sum(1 for r in rows if r["split"] == "test")
    out.append("")
    out.append(
        f"{n} messages from {tot[0] + tot[1]} seeds; en {en} ({en / n:.1%}), fr {n - en} "
        f"({(n - en) / n:.1%}); benign {ben} ({ben / n:.1%}); test {test} ({test / n:.1%})."
    )
    return "\n".join(out)


def sanity(rows: list[Row]) -> list[str]:
    errors = []
    texts: dict[str, str] = {}
    keys: dict[str, str] = {}
    for r in rows:
        if (
            r["label"] not in LABELS
            or r["lang"] not in LANGS
            or r["split"] not in ("train", "test")
        ):
            errors.append(f"bad field in {r['id']}")
        if r["text"] in texts:
            errors.append(f"duplicate text {r['id']} / {texts[r['text']]}")
        texts[r["text"]] = r["id"]
        k = norm_key(r["text"])
        if k in keys:
            errors.append(f"near-duplicate (normalised) text {r['id']} / {keys[k]}")
        keys[k] = r["id"]
        if not MIN_WORDS <= word_count(r["text"]) <= MAX_WORDS:
            errors.append(f"{r['id']} has {word_count(r['text'])} words")
    split_of_group: dict[str, str] = {}
    for r in rows:
        if split_of_group.setdefault(r["group"], r["split"]) != r["split"]:
            errors.append(f"group {r['group']} spans both splits")
    for label in LABELS:
        for lang in LANGS:
            n = sum(1 for r in rows if r["label"] == label and r["lang"] == lang)
            if n < MIN_PER_LABEL_LANG:
                errors.append(f"{label}/{lang}: only {n} examples (< {MIN_PER_LABEL_LANG})")
            if not any(
                r["label"] == label and r["lang"] == lang and r["split"] == "test" for r in rows
            ):
                errors.append(f"{label}/{lang}: no test examples")
    share = sum(1 for r in rows if r["label"] == "benign") / len(rows)
    if share < MIN_BENIGN_SHARE:
        errors.append(f"benign share {share:.1%} < {MIN_BENIGN_SHARE:.0%}")
    if len(rows) < 3000:
        errors.append(f"only {len(rows)} messages (< 3000)")
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; verify corpus.jsonl and the README table are up to date",
    )
    ap.add_argument("--table", action="store_true", help="print only the markdown count table")
    args = ap.parse_args(argv)

    rows = build()
    data = serialise(rows)
    table = count_table(rows)
    errors = sanity(rows)
    if args.table:
        print(table)
        return 0
    if args.check:
        if not OUT_PATH.exists() or OUT_PATH.read_bytes() != data:
            errors.append(f"{OUT_PATH.name} is missing or stale: run build.py")
        if not README_PATH.exists() or table not in README_PATH.read_text(encoding="utf-8"):
            errors.append(f"{README_PATH.name} count table is stale: paste `build.py --table`")
    else:
        OUT_PATH.write_bytes(data)
        print(
            f"wrote {OUT_PATH} ({len(rows)} rows, sha256 {hashlib.sha256(data).hexdigest()[:16]})"
        )
    print(table)
    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
