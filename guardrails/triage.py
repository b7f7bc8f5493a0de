"""Red-flag triage, run on every question BEFORE retrieval (English and French).

``triage(text)`` decides whether a message describes something that cannot wait for an
answer from the records: an emergency (call the emergency number now), a mental-health
crisis, or an urgent problem (see a clinician within 24 hours).

How it works, in order:

1. The text is folded (lower case, accents and typographic quotes removed, hyphens to
   spaces) and a few typos of red-flag words are repaired ("chest pian", "brething",
   "thoraxique"): a token that is not a known word and sits one edit away from a
   red-flag keyword becomes that keyword. A character map keeps the way back to the
   original text, so the reported span is the user's own words.
2. The text is cut into sentences, and sentences into clauses ("but", "mais",
   "because", ", and my ...", ", il ...").
3. Each rule is a set of regular expressions run clause by clause. A hit counts only if:
   - no negation cue ("no", "not", "don't", "denies", "without", "pas", "sans",
     "jamais", "ne ... plus", ...) stands within five tokens before it in the same clause
     (pseudo-negations such as "not sure", "je ne sais pas" do not count, and neither
     does a cue before "but" / "because");
   - nothing after it says it is over ("ruled out", "went away", "a disparu");
   - the clause is not history: a past anchor ("last year", "in 2015", "3 years ago",
     "l'an dernier", "il y a 2 ans", "history of", "antécédents") without any sign of
     the present ("now", "since this morning", "for 20 minutes", "depuis ce matin");
   - the sentence is not a general question ("what are the signs of a stroke?",
     "qu'est-ce que l'anaphylaxie ?", "risk of ...") without a personal, present
     marker ("my dad has ...", "I can't ...", "il ne respire plus");
   - the words just before it are not a topic frame ("risk of", "worried about",
     "since my", "depuis mon").
4. Some rules combine features found anywhere in the message: fever with confusion
   (sepsis), stiff neck with fever (meningitis), pregnancy with heavy bleeding, a baby
   under three months with a temperature of 38 °C or more, and so on.
5. The highest level wins: crisis > emergency > urgent > none. A crisis together with an
   emergency (pills already taken, for instance) is reported as ``crisis`` with the rule
   ``self_harm_emergency`` so the message leads with the emergency number.

Nothing here is logged: ``TriageResult.matched`` is for reports and tests only.
Only the standard library and :mod:`rag.core.types` are used, so this runs before any model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rag.core.text import detect_language, fold_words, fold_words_spans
from rag.core.types import TriageLevel

__all__ = [
    "Similar",
    "SimilarFlag",
    "TriageLevel",
    "TriageResult",
    "emergency_numbers",
    "escalation_message",
    "has_negation",
    "triage",
]

_LEVEL_RANK: dict[str, int] = {"none": 0, "urgent": 1, "emergency": 2, "crisis": 3}


@dataclass(frozen=True)
class TriageResult:
    level: TriageLevel
    rule: str | None  # id of the rule that fired, e.g. "chest_pain", "stroke", "suicidal"
    language: str  # "en" | "fr" (detected from the text)
    matched: str | None = None  # the matched span (for reports; never logged)
    similarity: float | None = None  # set when the exemplar layer (not a rule) decided


@dataclass(frozen=True)
class SimilarFlag:
    """What a similarity layer found among the sentences ``triage`` handed it."""

    index: int  # which sentence matched
    rule: str  # a triage rule id ("chest_pain", "suicidal", ...)
    level: TriageLevel
    score: float


# A similarity layer (guardrails.redflags.RedFlagMatcher): given the message's current,
# non-general sentences as (text, negated) pairs, the best red flag above its threshold.
Similar = Callable[[Sequence[tuple[str, bool]]], SimilarFlag | None]


# ---------------------------------------------------------------- normalisation

# ---------------------------------------------------------------- typo repair


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Red-flag keywords (folded). A token one edit away from one of these, and not itself a
# known word, is read as that keyword.
_KEYWORDS: frozenset[str] = _words(
    """
    chest pain pains pressure tightness crushing radiating breathe breathing breath
    choking unconscious unresponsive seizure seizures seizing convulsions convulsing stroke
    drooping droopy slurred slurring speech weakness numbness confused confusion bleeding
    bleed swelling swollen throat tongue overdose overdosed poisoning poisoned swallowed
    bleach suicide suicidal headache anaphylaxis anaphylactic allergic meningitis fever
    feverish rash stiff pregnant pregnancy contractions fontanelle fontanel floppy
    lethargic unconsciousness collapsed fainted breathless shortness vomiting vomited
    temperature infection infected urine sepsis mottled kill myself harm die
    thoracique poitrine douleur douleurs respirer respire respiration inconscient
    inconsciente convulsion convulse saigne saignement hemorragie suicider mourir fievre
    enceinte grossesse gonflement gonfle gonflee gorge langue etouffe etouffer paralyse
    paralysie visage infarctus cardiaque oppression fontanelle meningite anaphylaxie
    purpura nuque raide evanoui surdose javel urines vomissements saigner
    malaise engourdissement mutiler scarifier difficulte difficulty
    """
)

# Known words that must never be "repaired" into a keyword: function words, negation
# cues, and ordinary words one edit away from a keyword (checked against word lists).
_PROTECTED: frozenset[str] = _words(
    """
    a an and are as at be been but by can cannot cant could did do does done dont doesnt
    didnt for from had has have he her him his how i if in into is isnt it its me my no
    nor not now of on or our she so than that the their them then there these they this
    those to too up us was wasnt we were what when where which who why will with wont
    would you your never ever without neither none nobody nothing denies denied deny
    pas plus jamais sans aucun aucune rien personne ni non ne
    bread breast breadth breathed breathes breaths breathy wreath death dearth
    chess chests crest cheat chasten
    paint pains paid pail pair pan pane pawn pin pine rain main gain vain spain plain pin
    fewer never lever sever fiver river fever fevers
    flood bloom brood blond
    strike stoke strobe strode stroked strokes
    choke choked chokes cooking coking hooking chocking checking shocking
    swelling smelling spelling dwelling selling shelling welling swilling telling yelling
    spewing sewing
    confuse confusing confided confined conduced
    speed spied speck
    bleeping blending breeding bleeping beeding leading
    weakens weekness
    seizing sizing seeing
    throats thrust threat
    tongues tonne
    rash rush rasp hash wash cash dash lash mash bash rasp rashes
    stiffs staff stuff sniff stiff
    harm farm warm hard harp charm
    kill mill bill fill hill pill till will skill kills killed
    die dye tie lie pie due dig dim din dip diet died dies
    myself
    suicides
    urine urge urged urban
    pressure pleasure presume
    infected infested injected inflected infects
    overdue overdone overdoes
    floppy sloppy choppy
    headaches
    gorgeous gorges gorger
    langues lange langue
    poitrines
    visages
    douleur douleurs
    respirer respire respires respiree
    raider raides raideur
    """
)

# Real English and French words one edit away from a keyword (generated from the system
# word lists at development time; regenerate when _KEYWORDS changes).
_DICT_NEIGHBOURS: frozenset[str] = _words(
    """
    alaise allergie baigne baigner beach bievre bled bleeds bleep bleeping blench blend
    blending bletch blued blurred blurring bottled breach breaching breadth breathed
    breather breathes breaths breathy breed breeding brushing burines cangue cardiaques
    cheat chess chests chocking chowing coking collapse collapses confuse confuser
    confuses confusions confuted contactions contraction contractons contraptions
    contrastions contused contusion convulsa convulsed convulsee convulser convulses
    convulsez convulsons cooking couleur couleurs courir crashing crest crusting daigne
    daigner difficult difficultes doubleur douceur douceurs douteur drooling droop
    droops dropping dumbness dwelling enceint enceintes enceints engourdissements
    epanoui etoffe etoffer etouffa etouffee etouffera etouffes etouffeur etouffez
    evanouie evanouir evanouis evanouit fainter falaise feinted feler feter feve fevers
    feves fevier fewer fiere fievres fiver flippy fouleur fressure gangue george gonfla
    gonflees gonflements gonfler gonflerent gonfles gonflez gore gorgea gorged gorgee
    gorger gorges gorget gorgez gorse gouge grossesses grossisse headaches hemorragies
    inconscience inconscientes inconscients infecte infectee infecter infectes infectez
    infections infested inflected inflection injected injection jamel javela javele
    lange langee langues langui languie largue leach lethargie lievre lightness lingue
    lisage longue malaire malais malaisee malaises malavise maltaise mangue meningites
    mievre mottle mottles mouleur mouleurs mouroir murir mutile mutilee mutilera mutiles
    mutilez mutiner nique nuques oppressions overdoes overdone overdoses paiens paies
    pails paine paint painted paints pairs pais pans paons paralysa paralysee paralyser
    paralyses paralysez paralysies paralysiez paralysis paralyze patins pawns peins pins
    plains poins poisoner poisonings poitrines pregnance pregnante pregnants prenant
    pressura pressured pressuree pressurer pressures pressurez presure purines rade
    radie raid raided raider raides raidi raidie raids raie raine raire raise raite
    rapide regnant respira respirations respired respiree respirera respires respirez
    respite ride rightness roide ronfle ronflee ronflement rouleur rouleurs ruines
    rushing rutiler sacrifier sagine saigna saignee saignements saignera saignerent
    saignes saigneur saignez saine sainement scarifie scarified scarifiee scarifiera
    scarifies scarifiez selling shelling signe signer sizing skiff sloppy slurped
    slurping smelling sniff soigne soigner spelling spurred spurring staff starifier
    stiffs stoke strike strobe strode stroked strokes strove stuff suicida suicidai
    suicidas suicidat suicidee suicidera suicides suicidez surdore surdos surdoue
    surines swellings swilling tainted tangue temperatures thoraciques threat throats
    throaty tondue tongued tongues touffe trooping urane urina urinas urinee urinees
    uriner urinez urne urnes usine usines vidage vinage virage visages visnage vissage
    vomissement vomites wallowed welling wreath wreathe wreathing
    """
)

_SPECIAL_TOKENS: dict[str, str] = {
    "chestpain": "chest pain",
    "heartattack": "heart attack",
    "cant": "can't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "wont": "won't",
    "couldnt": "couldn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "wasnt": "wasn't",
    "im": "i'm",
    "ive": "i've",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
}


def _osa_distance(a: str, b: str, limit: int = 1) -> int:
    """Optimal string alignment distance (a transposition counts as one edit)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _is_transposition(a: str, b: str) -> bool:
    if len(a) != len(b) or sorted(a) != sorted(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1


@lru_cache(maxsize=4096)
def _repair(token: str) -> str | None:
    """The keyword a misspelt token stands for, or None."""
    if (
        len(token) < 4
        or not token.isalpha()
        or token in _KEYWORDS
        or token in _PROTECTED
        or token in _DICT_NEIGHBOURS
    ):
        return None
    for key in sorted(_KEYWORDS):
        if abs(len(key) - len(token)) > 1:
            continue
        if len(key) <= 4:
            ok = _is_transposition(token, key)
        elif len(key) <= 5:
            ok = token[0] == key[0] and _osa_distance(token, key) <= 1
        else:
            ok = _osa_distance(token, key) <= 1
        if ok:
            return key
    return None


@dataclass(frozen=True)
class _Text:
    original: str
    text: str  # folded and repaired: what the rules read
    index: list[int]  # text position -> original position


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*'?")


def _prepare(original: str) -> _Text:
    spans = fold_words_spans(original)
    folded, fmap = spans.text, spans.index
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _TOKEN.finditer(folded):
        for k in range(pos, m.start()):
            out.append(folded[k])
            index.append(fmap[k])
        token = m.group()
        replacement = _SPECIAL_TOKENS.get(token) or _repair(token)
        if replacement is None:
            for k in range(m.start(), m.end()):
                out.append(folded[k])
                index.append(fmap[k])
        else:
            first, last = fmap[m.start()], fmap[m.end() - 1]
            for k, ch in enumerate(replacement):
                out.append(ch)
                index.append(min(first + k, last))
        pos = m.end()
    for k in range(pos, len(folded)):
        out.append(folded[k])
        index.append(fmap[k])
    return _Text(original, "".join(out), index)


# ---------------------------------------------------------------- regex helpers


def _gap(n: int) -> str:
    # Captured, so that a negation inside the gap ("my chest doesn't hurt") can be seen.
    return rf"((?:[a-z0-9']+[ ,]+){{0,{n}}})"


_GAP_MARK = re.compile(r"<(\d)>")


def _rx(*alternatives: str) -> re.Pattern[str]:
    """Compile alternatives; ``<n>`` stands for a gap of up to n words."""
    body = "|".join(f"(?:{a})" for a in alternatives)
    body = _GAP_MARK.sub(lambda m: _gap(int(m.group(1))), body)
    return re.compile(body)


# ---------------------------------------------------------------- sentence structure

_SENTENCE_SPLIT = re.compile(r"(?<!\d)[.!?;]+|[.!?;]+(?!\d)|\n+")

_SUBJECT_START = (
    r"(?:now|then|today|tonight|suddenly|i|i'm|i've|i'd|he|he's|she|she's|they|they're|we|my|his|"
    r"her|their|our|it's|je|j'\w+|il|elle|ils|elles|on|mon|ma|mes|son|sa|ses|maintenant|puis|"
    r"aujourd'hui|soudain)\b"
)
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:,\s*)?\b(?:but|however|although|though|whereas|except|yet|because|mais|cependant|"
    r"pourtant|toutefois|sauf|car|parce que|parce qu'|alors que|tandis que)\b\s*"
    r"|,?\s*\b(?:and|et|so|donc|then|puis)\s+(?=" + _SUBJECT_START + r")"
    r"|,\s*(?=" + _SUBJECT_START + r")"
    # a clinical write-up: "a woman with a history of asthma | presents with wheeze"
    r"|\s+(?=(?:presents|presenting|presented|is brought|was brought|is taken|comes|came|"
    r"arrives|complains|complaining|se presente|consulte|est amene|est amenee)\b)"
)

_NEG_CUES: frozenset[str] = _words(
    """
    no not never without denies denied deny denying negative none neither nor
    don't doesn't didn't isn't wasn't aren't weren't haven't hasn't hadn't won't wouldn't
    can't cannot couldn't shouldn't free absent absence
    pas jamais sans aucun aucune ni non
    """
)
_PSEUDO_NEG: frozenset[tuple[str, str]] = frozenset(
    {
        ("not", "sure"),
        ("not", "certain"),
        ("no", "idea"),
        ("don't", "know"),
        ("not", "only"),
        ("no", "doubt"),
        ("not", "just"),
        ("can't", "tell"),
        ("not", "better"),
        ("no", "better"),
        ("not", "improving"),
        ("no", "relief"),
        ("not", "helping"),
        ("doesn't", "help"),
        ("no", "matter"),
        ("not", "getting"),
        ("didn't", "know"),
        ("not", "stopping"),
        ("won't", "stop"),
        ("doesn't", "stop"),
        ("can't", "stop"),
        ("won't", "go"),
        ("doesn't", "go"),
        ("not", "going"),
        ("sais", "pas"),
        ("sait", "pas"),
        ("pas", "sur"),
        ("pas", "sure"),
        ("passe", "pas"),
        ("arrete", "pas"),
        ("pas", "seulement"),
        ("pas", "mieux"),
        ("ameliore", "pas"),
        ("pas", "certain"),
        ("pas", "certaine"),
        ("sans", "arret"),
        ("sans", "cesse"),
        ("not", "normal"),
        ("pas", "normal"),
        ("pas", "normale"),
    }
)
# A cue that is part of a symptom ("not breathing", "can't breathe", "ne respire plus")
# describes something present, so it negates nothing after it.
_SYMPTOM_AFTER_CUE: frozenset[str] = _words(
    """
    breathing breathe breath feeding eating drinking responding respond responsive waking wake
    woken moving move moved kicking kicked conscious stop stopping stopped keep swallow speak
    speaking talk talking see lift raise feel walk catch get making fade blanch hold sleep
    """
)
_SYMPTOM_BEFORE_CUE: frozenset[str] = _words(
    """
    respire respirent bouge bougent repond repondent reagit reagissent arrive arrivent arrete
    arretent s'arrete s'arretent efface s'efface s'effacent reveille tete boit mange prend voit
    vois parle garde disparait passe
    """
)
_NEG_TERMINATORS: frozenset[str] = _words(
    "but now suddenly today tonight then mais maintenant soudain puis aujourd'hui"
)
_NEW_PREDICATE: frozenset[str] = _words(
    "has have had is was are were became becomes developed develops started starts now then "
    "reports complains appears looks seems"
)
_NEVER_LIKE_THIS = re.compile(
    r"\b(?:like this|like that|this (?:bad|severe|strong|intense)|so bad|before|comme (?:ca|cela)|"
    r"aussi (?:fort|forte|intense|violent|violente)|avant)\b"
)
_POST_NEGATION = re.compile(
    r"^[ ,]*(?:[a-z']+ ){0,2}(?:(?:was|were|has been|had been|is|got|been) )?(?:ruled out|"
    r"excluded|went away|gone away|is gone|was gone|has gone|resolved|disappeared|(?:a |est |ont |"
    r"sont )?(?:disparu|disparue|disparus|exclue?|ecartee?|partie|passee))\b"
)
# "a 3-day history of fever" (a clinical write-up) is the current illness, not past history.
_ILLNESS_LB = (
    r"(?<!hour )(?<!hours )(?<!day )(?<!days )(?<!week )(?<!weeks )(?<!month )(?<!days' )"
    r"(?<!hrs )(?<!minute )(?<!minutes )(?<!heures )(?<!jours )"
)
_TOPIC_BEFORE = re.compile(
    r"(?:\brisks? (?:of|for)|\brisques? (?:de|d'|du|des)|\bprevent(?:ing|ion)?(?: of)?|\bprevenir|"
    r"\beviter|\bavoid(?:ing)?|\b" + _ILLNESS_LB + r"history of|\bantecedents? (?:de|d'|du)|"
    r"\b(?:since|after|before|"
    r"depuis|apres|avant) (?:my|his|her|their|mon|son|sa|ses|leur)|\bscreening (?:for|of)|"
    r"\bdepistage (?:de|du|d')|\bworried about|\bworry about|\bafraid of|\bscared of|\bfear of|"
    r"\bpeur (?:de|d'|du)|\bcrains|\bchances? of|\blikelihood of|\bodds of|\bvaccin\w* (?:against|"
    r"for|contre)|\b(?:died|dead|passed away|death|deaths|mort|morte|morts|decede\w*|deces) (?:of|"
    r"from|after|d'|de|du|suite a|apres))[ ,]*(?:(?:a|an|the|having|getting|un|une|le|la|les|"
    r"faire|avoir|un|d'un|d'une)[ ]+)?$"
)

_PRESENT_CUE = re.compile(
    r"\b(?:right now|now|currently|at the moment|as we speak|today|tonight|this (?:morning|"
    r"afternoon|evening)|since (?:this|last night|an hour|yesterday|\d+ ?(?:min|h))|for (?:the "
    r"(?:last|past) )?(?:\d+|a few|few|several|an?|one|two|three|ten|fifteen|twenty|thirty|forty|"
    r"fifty) ?(?:min\w*|hours?|hrs?|h)\b|started|starting|began|just (?:now|started|had|happened|"
    r"began|collapsed|fell|took|swallowed)|still|again|ongoing|keeps?|is having|am having|i'm "
    r"having|are having|suddenly|maintenant|en ce moment|actuellement|aujourd'hui|ce (?:matin|"
    r"soir)|cette (?:nuit|apres midi)|depuis (?:ce|cette|\d+ ?(?:min|minutes|heures?|h)\b|une "
    r"heure|quelques minutes|tout a l'heure|hier)|tout de suite|vient de|viens de|en train de|"
    r"encore|brutalement|soudain\w*|present(?:s|ing) (?:to|with|at|after)|is brought|is taken|"
    r"arrives at|se presente|est amenee?|consulte (?:pour|aux))\b"
)
_PAST_ANCHOR = re.compile(
    r"\b(?:last (?:year|month|week|summer|winter|spring|fall|autumn|christmas|time)|(?:\d+|a|an|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|many|some) (?:years?|"
    r"months?|weeks?|decades?) ago|in (?:19|20)\d\d|back in (?:19|20)?\d\d|(?:19|20)\d\d|as a "
    r"(?:child|kid|teen|teenager|baby|toddler)|when (?:i|he|she|they) (?:was|were) (?:young|"
    r"little|a child|a kid|younger|small|pregnant|\d+)|in the past|previously|" + _ILLNESS_LB
    + r"history of|prior|"
    r"previous|years back|long ago|a while back|l'an (?:dernier|passe)|l'annee (?:derniere|"
    r"passee)|le mois (?:dernier|passe)|la semaine (?:derniere|passee)|l'ete dernier|l'hiver "
    r"dernier|il y a (?:\d+|un|une|deux|trois|quatre|cinq|six|dix|quelques|plusieurs) (?:ans?|"
    r"annees?|mois|semaines?)|en (?:19|20)\d\d|quand (?:j'etais|il etait|elle etait)|dans le "
    r"passe|autrefois|auparavant|antecedents?|etant (?:enfant|petit|petite|jeune)|(?:par le|dans "
    r"le) passe)\b"
)
_ONGOING_BEFORE = re.compile(r"\b(?:since|depuis|for|pendant|from|over)[ ,]+(?:\w+ ){0,1}$")
_HISTORY_CUE = re.compile(
    r"\b(?:" + _ILLNESS_LB + r"history of|antecedents? (?:de|d'|du))|\b(?:records?|report|"
    r"summary|notes?|letter|chart|file|dossier|compte rendu|courrier|results?) (?:says?|said|"
    r"mentions?|mentioned|shows?|"
    r"showed|lists?|listed|indique|mentionne|dit)\b|\b(?:in|on|from) (?:my|his|her|mon|son|sa) "
    r"(?:records?|chart|file|notes|report|dossier|compte rendu)\b|\b(?:at|during|after) (?:my|his|"
    r"her|the) (?:last|previous|recent) (?:visit|appointment|check ?up|consultation|admission|"
    r"stay)\b|\blors de (?:ma|sa|la) (?:derniere|precedente) (?:visite|consultation|"
    r"hospitalisation)\b"
)
_PAST_TENSE = re.compile(
    r"\b(?:had|was|were|did|got|suffered|experienced|went|happened|occurred|diagnosed|used to|ai "
    r"eu|a eu|ont eu|avait|avais|avaient|etait|etais|ai fait|a fait|ont fait|a subi|ai subi|a "
    r"souffert|ai souffert)\b"
)

_KNOWLEDGE_CUE = re.compile(
    r"\bwhat (?:is|are|was|were|does|causes?|happens|exactly)\b|\bwhat's\b|\bwhats\b|\bsigns? "
    r"(?:and symptoms )?of\b|\bsymptoms? of\b|\bwarning signs?\b|\bcauses? of\b|\bhow (?:do|can|"
    r"would|does|to|is|are|should|could) (?:you |i |one |we |people |someone |they |doctors? "
    r")?(?:know|tell|recogni[sz]e|spot|identify|prevent|treat|diagnose|detect|avoid|check|"
    r"differentiate|distinguish)\b|\bhow (?:is|are) (?:\w+ ){1,3}(?:treated|diagnosed|prevented|"
    r"recogni[sz]ed)\b|\bwhat (?:should|to|do|can) (?:i |you |we |one )?do (?:if|when|in case)\b|"
    r"\bwhat to do (?:if|when|in case|for)\b|\bdifference between\b|\brisks? (?:of|for|"
    r"factors?)\b|\bside effects?\b|\bis (?:\w+ ){1,3}(?:contagious|hereditary|genetic|curable|"
    r"preventable|a symptom|a sign|inherited|common)\b|\bcan (?:you|one|someone|people|a person|"
    r"stress|anxiety|caffeine|covid|it) (?:overdose|die|cause|get|have|trigger|lead)\b|"
    r"\bexplain\b|\bdefin(?:e|ition)\b|\btell me about\b|\binformation (?:about|on)\b|\blearn "
    r"(?:about|more)\b|\bqu'est ce qu\w*|\bc'est quoi\b|\bquels? (?:sont|est)\b|\bquelles? "
    r"(?:sont|est)\b|\bsignes? (?:d'|de |du |des |avant)|\bsymptomes? (?:d'|de |du |des )|"
    r"\bcomment (?:reconnaitre|savoir|on sait|traiter|prevenir|eviter|soigner|reconnait|detecter|"
    r"reperer|diagnostiquer)\b|\bque faire (?:si|en cas|quand|lorsque)\b|\bquoi faire (?:si|en "
    r"cas)\b|\bfaire en cas d|\brisques? (?:de|d'|du)\b|\beffets? (?:secondaires|indesirables)\b|"
    r"\bexpliqu\w*|\bdifference entre\b|\bcauses? (?:de|d'|du)\b|\bwhy (?:do|does|would) "
    r"(?:people|someone|you)\b|\b(?:what|when|why|how) (?:did|was|were)\b|\b(?:does|do|can|could|"
    r"will|would) (?:[a-z']+ ){1,3}(?:cause|give you|lead to|increase)\b|\bis (?:[a-z']+ ){1,3}a "
    r"(?:risk|danger)\b|\bqu'a dit\b|\bqu'ont dit\b|\bpeut (?:[a-z']+ ){1,3}(?:provoquer|causer|"
    r"donner)\b"
)
_PERSONAL = re.compile(
    r"\b(?:i (?:have|got|feel|can't|cannot|can not|keep|think i|just|started|woke up|took|"
    r"swallowed|need help)|i'm (?:having|feeling|getting|bleeding|choking|pregnant|in (?:pain|"
    r"agony)|going to|so|really|scared)|i am (?:having|feeling|getting|bleeding|choking|pregnant|"
    r"in (?:pain|agony))|i've|my (?:[a-z']+ ){0,2}(?:is|are|has|have|hurts?|feels?|keeps?|can't|"
    r"cannot|won't|isn't|doesn't|started|seems?|looks?|just|suddenly|took|swallowed)|(?:he|she|"
    r"they|we) (?:is|are|has|have|can't|cannot|won't|isn't|doesn't|keeps?|feels?|seems?|looks?|"
    r"just|started|took|swallowed|suddenly)|he's|she's|they're|we're|(?:am|is|are) having|j'ai "
    r"(?:mal|une?|des|du|de la|l'|avale|pris)|je (?:suis|sens|ressens|n'arrive|ne (?:peux|respire|"
    r"sens|vois)|fais|me sens|veux|voudrais|pense)|(?:il|elle|on) (?:a|est|fait|n'arrive|ne|se|"
    r"vient)|(?:mon|ma|mes|son|sa) (?:[a-z']+ ){0,2}(?:a|est|ont|sont|fait|n'arrive|ne|se|"
    r"vient))\b"
)
# A clinical write-up about a patient ("a 45-year-old man presents with ..."): a case, never
# a general question.
_VIGNETTE = re.compile(
    r"\b(?:a|an|un|une) \d{1,3} ?(?:year|month|week|day|yr|an|mois|semaine|jour)s? ?(?:old)? "
    r"?(?:[a-z']+ ){0,3}(?:man|woman|male|female|boy|girl|child|infant|baby|patient|gentleman|"
    r"lady|student|homme|femme|patiente?|enfant|garcon|fille|nourrisson)\b|\b(?:patient|he|she|"
    r"the (?:man|woman|boy|girl|child)) (?:presents|is brought|was brought)\b|\b(?:homme|femme|"
    r"patiente?|enfant|garcon|fille) de \d{1,3} (?:ans|mois)\b"
)
_HYPOTHETICAL_BEFORE = re.compile(
    r"(?:\b(?:if|when|whenever|whether|si|quand|lorsque|lorsqu'|in case)[ ]+|\bs')$"
)


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    sentence: int
    history: bool


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int


class _Doc:
    """A prepared message: text, sentences, clauses and their history/general flags."""

    def __init__(self, original: str) -> None:
        self.prepared = _prepare(original)
        self.text = self.prepared.text
        self.sentences: list[tuple[int, int]] = []
        pos = 0
        for m in _SENTENCE_SPLIT.finditer(self.text):
            if m.start() > pos:
                self.sentences.append((pos, m.start()))
            pos = m.end()
        if pos < len(self.text):
            self.sentences.append((pos, len(self.text)))
        self.general: list[bool] = [self._is_general(self.text[s:e]) for s, e in self.sentences]
        self.clauses: list[_Clause] = []
        for si, (s, e) in enumerate(self.sentences):
            sentence = self.text[s:e]
            cpos = 0
            spans: list[tuple[int, int]] = []
            for m in _CLAUSE_SPLIT.finditer(sentence):
                if m.start() > cpos:
                    spans.append((cpos, m.start()))
                cpos = max(cpos, m.end())
            if cpos < len(sentence):
                spans.append((cpos, len(sentence)))
            for cs, ce in spans:
                clause = sentence[cs:ce]
                self.clauses.append(_Clause(s + cs, s + ce, si, self._is_history(clause, sentence)))

    # -- sentence and clause flags

    @staticmethod
    def _has_past_anchor(text: str) -> bool:
        for m in _PAST_ANCHOR.finditer(text):
            # "since 2015", "for the last year" are ongoing; "(treated for sepsis) in 2020" is
            # a dated event, whatever precedes it
            dated = m.group().startswith(("in ", "en ", "back in "))
            if not dated and _ONGOING_BEFORE.search(text[: m.start()]):
                continue
            return True
        return False

    @classmethod
    def _is_history(cls, clause: str, sentence: str) -> bool:
        if _PRESENT_CUE.search(clause):
            return False
        if _HISTORY_CUE.search(clause) or cls._has_past_anchor(clause):
            return True
        return bool(
            _PAST_TENSE.search(clause)
            and not _PRESENT_CUE.search(sentence)
            and cls._has_past_anchor(sentence)
        )

    @staticmethod
    def _is_general(sentence: str) -> bool:
        if _VIGNETTE.search(sentence):
            return False
        if not _KNOWLEDGE_CUE.search(sentence):
            return False
        if _PRESENT_CUE.search(sentence):
            return False
        for m in _PERSONAL.finditer(sentence):
            before = sentence[max(0, m.start() - 12) : m.start()]
            present_progressive = m.group().startswith(("i'm having", "i am having"))
            if _HYPOTHETICAL_BEFORE.search(before) and not present_progressive:
                continue
            return False
        return True

    # -- hits

    def hits(
        self,
        pattern: re.Pattern[str],
        *,
        exclude_before: re.Pattern[str] | None = None,
        exclude_clause: re.Pattern[str] | None = None,
        keep_general: bool = False,
    ) -> list[_Hit]:
        found: list[_Hit] = []
        for clause in self.clauses:
            ctext = self.text[clause.start : clause.end]
            if clause.history:
                continue
            if self.general[clause.sentence] and not keep_general:
                continue
            if exclude_clause is not None and exclude_clause.search(ctext):
                continue
            for m in pattern.finditer(ctext):
                before = ctext[: m.start()]
                if exclude_before is not None and exclude_before.search(before):
                    continue
                if _TOPIC_BEFORE.search(before):
                    continue
                if _negated(before, ctext) or _gap_negated(m, ctext):
                    continue
                if _POST_NEGATION.search(ctext[m.end() :]):
                    continue
                found.append(_Hit(clause.start + m.start(), clause.start + m.end()))
        return found

    def temperatures(self) -> list[tuple[_Hit, float]]:
        """Measured body temperatures (°C) in clauses that are current and not general."""
        found: list[tuple[_Hit, float]] = []
        for clause in self.clauses:
            if clause.history or self.general[clause.sentence]:
                continue
            ctext = self.text[clause.start : clause.end]
            for m in _TEMP_VALUE.finditer(ctext):
                value = _temperature_value(m)
                if value is not None and not _negated(ctext[: m.start()], ctext):
                    hit = _Hit(clause.start + m.start(), clause.start + m.end())
                    found.append((hit, value))
        return found

    def measures(self, pattern: re.Pattern[str]) -> list[tuple[_Hit, int]]:
        """Numbers read by ``pattern`` (first group that matched) in current, non-general
        clauses, not negated."""
        found: list[tuple[_Hit, int]] = []
        for clause in self.clauses:
            if clause.history or self.general[clause.sentence]:
                continue
            ctext = self.text[clause.start : clause.end]
            for m in pattern.finditer(ctext):
                raw = next((g for g in m.groups() if g), None)
                if raw is None or _negated(ctext[: m.start()], ctext):
                    continue
                hit = _Hit(clause.start + m.start(), clause.start + m.end())
                found.append((hit, int(raw)))
        return found

    def mentions(self, pattern: re.Pattern[str]) -> _Hit | None:
        """The first non-negated mention anywhere, history and general sentences included: for
        risk factors and known conditions ("history of recent hip surgery" still counts)."""
        for clause in self.clauses:
            ctext = self.text[clause.start : clause.end]
            for m in pattern.finditer(ctext):
                if _negated(ctext[: m.start()], ctext) or _gap_negated(m, ctext):
                    continue
                return _Hit(clause.start + m.start(), clause.start + m.end())
        return None

    def span(self, hit: _Hit) -> str:
        index = self.prepared.index
        if not index or hit.end <= hit.start:
            return ""
        start = index[hit.start]
        end = index[min(hit.end, len(index)) - 1] + 1
        return self.prepared.original[start:end].strip()


def _cue_applies(tokens: list[str], i: int) -> bool:
    """Whether tokens[i], a negation cue, negates what follows it."""
    tok = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    prv = tokens[i - 1] if i > 0 else ""
    if (tok, nxt) in _PSEUDO_NEG or (prv, tok) in _PSEUDO_NEG:
        return False
    return not (
        nxt in _SYMPTOM_AFTER_CUE or (tok in {"pas", "plus"} and prv in _SYMPTOM_BEFORE_CUE)
    )


def _gap_negated(m: re.Match[str], clause: str) -> bool:
    """A negation cue inside one of the match's word gaps ("chest doesn't hurt")."""
    for g in range(1, (m.re.groups or 0) + 1):
        start, end = m.span(g)
        if start < 0 or end <= start:
            continue
        gap_tokens = _TOKEN.findall(clause[start:end])
        if not any(t in _NEG_CUES for t in gap_tokens):
            continue
        tokens = _TOKEN.findall(clause[start:])
        for i, tok in enumerate(tokens[: len(gap_tokens)]):
            if tok in _NEG_CUES and _cue_applies(tokens, i):
                return True
    return False


def _negated(before: str, clause: str) -> bool:
    tokens = _TOKEN.findall(before)
    window = tokens[-5:]
    offset = len(tokens) - len(window)
    for k, tok in enumerate(window):
        cue = tok in _NEG_CUES
        if tok == "plus":  # French "ne ... plus": only after a "ne"/"n'" form
            earlier = tokens[max(0, offset + k - 3) : offset + k]
            cue = any(t == "ne" or t.startswith("n'") for t in earlier)
        if not cue:
            continue
        i = offset + k
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        prv = tokens[i - 1] if i > 0 else ""
        if (tok, nxt) in _PSEUDO_NEG or (prv, tok) in _PSEUDO_NEG:
            continue
        if nxt in _SYMPTOM_AFTER_CUE or (tok in {"pas", "plus"} and prv in _SYMPTOM_BEFORE_CUE):
            continue
        if tok in {"never", "jamais"} and _NEVER_LIKE_THIS.search(clause):
            continue
        if any(t in _NEG_TERMINATORS for t in window[k + 1 :]):
            continue
        after = window[k + 1 :]
        if any(a == "and" and b in _NEW_PREDICATE for a, b in pairwise(after)):
            continue  # "no fever and has passed little urine": the cue ends at the new verb
        return True
    return False


def has_negation(text: str) -> bool:
    """Whether a negation cue that negates something ("no", "don't", "pas", "sans") stands
    anywhere in ``text``. Used to keep the polarity of a similarity match honest: embeddings
    barely see "not", so a negated sentence may only match a negated exemplar."""
    folded = fold_words(text)
    tokens = _TOKEN.findall(folded)
    return any(
        tok in _NEG_CUES and _cue_applies(tokens, i) for i, tok in enumerate(tokens)
    )


def _similarity_candidates(doc: _Doc) -> list[tuple[_Hit, str, bool]]:
    """Sentences a similarity layer may judge: not a general question, no clause of past
    history, at least three words. Each with its original text and a negation flag."""
    history = {c.sentence for c in doc.clauses if c.history}
    out: list[tuple[_Hit, str, bool]] = []
    for si, (start, end) in enumerate(doc.sentences):
        if doc.general[si] or si in history:
            continue
        hit = _Hit(start, end)
        original = doc.span(hit)
        if len(_TOKEN.findall(doc.text[start:end])) < 3 or not original:
            continue
        out.append((hit, original, has_negation(original)))
    return out


# ---------------------------------------------------------------- vocabulary

_CHEST = (
    r"(?:chest|sternum|breastbone|breast bone)(?! (?:infection|cold|congestion|x ray|xray|ct|scan|"
    r"hair|muscles?|acne|tube|physio\w*|drain|wall exercises))"
)
_PAINW = (
    r"(?:pain|pains|painful|hurts?|hurting|ache|aches|aching|pressure|tightness|tight|tightening|"
    r"squeez\w*|heaviness|heavy|discomfort|crushing|crushed|stabbing|sharp)"
)
_BLOOD = (
    r"(?:blood(?! (?:tests?|work|pressure|sugars?|glucose|results?|counts?|draws?|types?|"
    r"donations?|panels?|levels?|cells?|thinners?|vessels?|orange|test|lipids?))|bleeding|bleeds?)"
)
_FEVER = _rx(
    r"\b(?:fever\w*|febrile|pyrexia|high temp\w*|running a temp\w*|fievre|fievreu\w*|temperature "
    r"(?:elevee|haute)|hyperthermie)\b",
    r"\b(?:has|have|got|with|running|had|a) (?:a )?(?:high |raised )?temperature\b",
    r"\b(?:3[89]|4[0-2])(?:[.,]\d)? ?(?:°|degrees?|degres?|deg\b|c\b)",
    r"\b(?:10[0-5])(?:[.,]\d)? ?(?:°|degrees?|deg\b|f\b)",
    r"\b(?:temp\w*|fever|fievre|thermometer|thermometre)\b[a-z ,:']{0,25}\b(?:3[89]|"
    r"4[0-2])(?:[.,]\d)?\b",
)
_TEMP_VALUE = re.compile(
    r"(?:\b(?:temp\w*|fever|fievre|thermometer|thermometre)\b[a-z ,:']{0,25})?\b(3[4-9]|4[0-3]|"
    r"9[5-9]|10\d)(?:[.,](\d))? ?(°|degrees?|degres?|deg\b|c\b|f\b|de (?:fievre|temperature|"
    r"temp)\b)?"
)
_CHILD_CTX = _rx(
    r"\b(?:baby|babies|baby's|infant|newborn|new born|neonate|toddler|child|children|child's|kid|"
    r"kids|bebe|bebes|nourrisson|nouveau ne|enfant|enfants)\b",
    r"\b(?:my|our|his|her|their|your|the) (?:son|daughter|boy|girl|little one|little boy|little "
    r"girl)\b|\b(?:son|daughter)(?:'s)? (?:is|has|was)\b",
    r"\b(?:mon|ma|notre|son|sa|le|la) (?:fils|fille|petit|petite|petit garcon|petite fille)\b",
    r"\b\d+ ?(?:month|mo|week|wk|day|year|yr)s? ?old\b",
    r"\b(?:de|d') ?\d+ ?(?:ans|mois|semaines|jours)\b",
)
_PREG_CTX = _rx(
    r"\b(?:postpartum|post partum|gave birth|giving birth|after (?:the )?delivery|c section|"
    r"accouche\w*|apres l'accouchement|post accouchement|cesarienne)\b",
    r"\b(?:pregnan\w*|expecting (?:a baby|twins)|trimester|gestation\w*|enceinte|grossesse|"
    r"trimestre|semaines? d'amenorrhee)\b",
    r"\b\d{1,2} ?(?:weeks?|wks?) (?:pregnant|along|gestation)\b",
    r"\b\d{1,2} ?(?:sa|semaines?|mois) (?:de grossesse|d'amenorrhee)\b",
    r"\b\d{1,2} ?sa\b",
    r"\b(?:i'm|i am|she's|she is|at|am) (?:only |just |nearly |almost |about )?\d{1,2} "
    r"?(?:weeks?|wks?)\b(?! (?:ago|old))",
)


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class _Rule:
    rule: str
    level: TriageLevel
    pattern: re.Pattern[str]
    exclude_before: re.Pattern[str] | None = None
    exclude_clause: re.Pattern[str] | None = None
    requires: tuple[re.Pattern[str], ...] = ()  # each must also hit (validly) in the message


_FIRST_PERSON_BEFORE = re.compile(
    r"\b(?:i|i've|i have|j'ai|je|me suis|je me suis)[ ]+(?:[a-z']+[ ]+)?$"
)
_NOT_A_PERSON = re.compile(
    r"\b(?:emails?|messages?|texts?|calls?|phone|doctor|gp|office|clinic|portal|app|website|"
    r"server|medecin|cabinet|appels?|mails?|telephone|medication|meds|treatment|traitement|"
    r"antibiotics?|antibiotiques?|therapy|insulin|insuline|fever|fievre|paracetamol|ibuprofen|"
    r"doliprane|medicaments?)\b"
)
_PERIOD_CTX = re.compile(r"\b(?:period|periods|menstru\w*|regles|menses)\b")
_DENTAL_CTX = re.compile(r"\b(?:brush\w*|gums?|teeth|tooth|dentist|floss\w*|gencives?|dents?)\b")
_ACCIDENT_CTX = re.compile(
    r"\b(?:while|by accident|accidentally|shaving|cooking|kitchen|knife slipped|gardening|playing|"
    r"at the gym|lifting|running|fell|falling|exercising|working out|skiing|football|training|en "
    r"cuisinant|par accident|accidentellement|en me rasant|en tombant|en jouant|au sport)\b"
)
_ALLERGY_CTX = _rx(
    r"\b(?:allerg\w*|hives|urticaria|welts|sting|stung|bee|wasp|hornet|peanuts?|nuts?|shellfish|"
    r"shrimp|penicillin|amoxicillin|antibiotic|reaction|after eating|ate|epipen|epi pen|auto "
    r"injector|piqure|pique|guepe|abeille|cacahuetes?|arachides?|fruits de mer|reaction|urticaire|"
    r"apres avoir mange|stylo d'adrenaline)\b"
)

_NOSEBLEED = (
    r"(?:nose ?bleeds?|nosebleeding|bleed\w* (?:from|out of) (?:the|his|her|my|their) nose|"
    r"saign\w* du nez|epistaxis)"
)
_FIRST_SEIZURE_SUFFIX = (
    r"(?:seizures?|seizing|convuls\w*|epileptic (?:fits?|attacks?)|fits?|fitting)"
)
_MINUTES5 = (
    r"(?:[5-9]|[1-9]\d|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|cinq|sept|huit|neuf|"
    r"dix|quinze|vingt|trente) ?(?:min\w*|mn)\b"
)

_RULES: tuple[_Rule, ...] = (
    # ---------------------------------------------------------------- crisis
    _Rule(
        "suicidal",
        "crisis",
        _rx(
            r"\bsuicid\w*(?! (?:risk|rates?|prevention|statistics|awareness|warning))",
            r"\bkill? (?:myself|himself|herself|themselves|themself|me)\b",
            r"\bkilling (?:myself|himself|herself|themselves|themself)\b",
            r"\bfeel(?:s|ing)? like (?:dying(?! (?:of|from|laughing))|ending it|ending (?:my|his|"
            r"her) life)\b",
            r"\bend(?:ing)? (?:my|his|her|their) (?:own )?life\b",
            r"\bend(?:ing)? it all\b",
            r"\b(?:going to|gonna|will|i'll) end it (?:tonight|today|now|soon)\b",
            r"\bbetter off without me\b",
            r"\btake (?:my|his|her|their) (?:own )?life\b",
            r"\b(?:want|wants|wanted|wanting|wanna|plan\w*|thinking about|thoughts? (?:of|about)|"
            r"think about|tempted|ready) (?:to )?(?:die|be dead|end it|end my life|kill myself|"
            r"not be here anymore|not exist|disappear forever|not wake up)\b",
            r"\bwish (?:i|he|she) (?:was|were|could be) dead\b",
            r"\bbetter off dead\b",
            r"\b(?:don't|do not|doesn't|does not) want to (?:live|be alive|be here anymore|exist|"
            r"wake up|go on)\b",
            r"\bno (?:reason|point) (?:to|in) (?:live|living|going on|being alive)\b",
            r"\b(?:life is )?not worth living\b",
            r"\bcan't go on\b",
            r"\bhang (?:myself|himself|herself)\b",
            r"\bjump (?:off|from) (?:a|the) (?:bridge|building|roof|cliff)\b",
            r"\bunalive\w*",
            r"\b(?:me|se|te) (?:suicider|tuer|foutre en l'air|pendre)\b",
            r"\b(?:envie|veux|voudrais|veut|voulait|souhaite|pense a|pensees? (?:de|a)|idees? de) "
            r"(?:de |d')?(?:mourir(?! de (?:rire|faim|soif|chaud|froid|envie))|en finir|"
            r"disparaitre|me tuer|me suicider|ne plus vivre|plus vivre)\b",
            r"\ben finir(?: avec (?:la|ma) vie)?\b",
            r"\bmettre fin a (?:mes|ma|ses|sa) (?:jours|vie)\b",
            r"\b(?:plus|pas) (?:envie|le gout) de vivre\b",
            r"\bidees? (?:noires|suicidaires)\b",
            r"\bmarre de (?:la|ma) vie\b",
        ),
    ),
    _Rule(
        "self_harm",
        "crisis",
        _rx(
            r"\bself ?harm\w*",
            r"\b(?:want|wanted|wanting|urges?|thinking (?:of|about)|thoughts? of|going to|will|"
            r"might|keep|feel like|tempted|need) (?:to )?(?:hurt\w*|harm\w*|cut\w*|burn\w*|"
            r"injur\w*) (?:myself|himself|herself|themselves)\b",
            r"\b(?:harm|harming|harmed) (?:myself|himself|herself|themselves)\b",
            r"\bcutting (?:myself|himself|herself|themselves)\b",
            r"\b(?:me|se|te) (?:faire|fait|fais|fera) (?:du )?mal\b",
            r"\b(?:me|se|m'|s') ?(?:mutiler|scarifier|automutiler|blesser expres|blesser "
            r"volontairement)\b",
            r"\bscarifi\w*",
            r"\bautomutil\w*",
        ),
        exclude_clause=_ACCIDENT_CTX,
    ),
    # ---------------------------------------------------------------- emergency
    _Rule(
        "chest_pain",
        "emergency",
        _rx(
            rf"\b{_CHEST} <3>{_PAINW}\b",
            rf"\b{_PAINW} <2>(?:in|on|across|around|behind|of|to|into|at|under|over) (?:my|his|"
            rf"her|their|the|your|our|the centre of (?:my|his|her|the)|the middle of (?:my|his|"
            rf"her|the))? ?{_CHEST}\b",
            r"\bmy chest\b(?= <2>(?:hurts|is killing))",
            r"\b(?:having|have|has|had|is|it's|think|thinks|thought|maybe|might be|could be|like|"
            r"possible|another|suffering|in the middle of|going into|is this|was this) <2>(?:a |"
            r"an )?(?:heart attack|myocardial infarction|mi)\b",
            r"\bcardiac arrest\b",
            r"\b(?:pain|pressure|tightness|ache|heaviness) <3>(?:radiat\w*|spread\w*|going|goes|"
            r"shooting|moving|travel\w*) <1>(?:down|to|into|up|through|along) <2>(?:arm|arms|jaw|"
            r"left shoulder)\b",
            r"\bdouleurs? <2>(?:thoraci\w*|(?:a|dans|sur) la poitrine|au niveau (?:de la poitrine|"
            r"du thorax|du coeur|du sternum)|au thorax|dans le thorax|au coeur|dans le coeur|"
            r"poitrine|sternum|retrosternale?s?)\b",
            r"\bmal (?:a|dans|sur) la poitrine\b|\bmal au (?:thorax|coeur|sternum)\b",
            r"\b(?:oppression|serrement|poids|pression|barre|etau) <2>(?:thoraci\w*|(?:sur |dans |"
            r"a )?la poitrine|sternum)\b",
            r"\bpoitrine <2>(?:me |lui |qui )?(?:serre|serree|fait mal|comprime|ecrase|oppresse|"
            r"douloureuse)\b",
            r"\b(?:elephant|weight|something heavy|someone) (?:is )?(?:sitting|standing|pressing) "
            r"on (?:my|his|her) chest\b",
            r"\b(?:crise cardiaque|infarctus|arret cardiaque|attaque cardiaque|syndrome "
            r"coronarien)\b",
            r"\bdouleur <3>(?:irradi\w*|descend\w*|remont\w*) <3>(?:bras|machoire|epaule gauche)\b",
        ),
    ),
    _Rule(
        "stroke",
        "emergency",
        _rx(
            r"\b(?:having|have|has|had|is|it's|think|thinks|thought|maybe|might be|could be|like|"
            r"possible|another|suffering|suffered|just had|is this|was this) <2>(?:a |an "
            r")?(?:mini )?(?:stroke|tia|transient ischemic attack|brain bleed)\b",
            r"\b(?:fait|fais|faire|fasse|a|ai|est|c'est|comme|peut etre|serait) <2>(?:un |une "
            r")?(?:avc|accident vasculaire\w*|accident ischemique\w*|ait|attaque cerebrale)\b",
            r"\b(?:face|mouth|smile|side of (?:my|his|her|the) face|one side of (?:my|his|her|"
            r"the) face) <3>(?:droop\w*|sag\w*|lopsided|crooked|uneven|paraly[sz]\w*|fallen|"
            r"dropped|twisted)\b",
            r"\b(?:droop\w*|sagging|lopsided|crooked) <2>(?:face|mouth|smile)\b",
            r"\bfacial (?:droop\w*|paraly\w*|weakness)\b",
            r"\b(?:one side|half|side) of (?:my|his|her|the) (?:face|body) <3>(?:numb|weak|"
            r"paraly\w*|droop\w*|not moving)\b",
            r"\b(?:visage|bouche|sourire|levre) <3>(?:paralyse\w*|tombe\w*|affaisse\w*|deforme\w*|"
            r"de travers|tordue?|asymetrique\w*)\b",
            r"\bparalysie faciale\b",
            r"\b(?:sudden\w* )?(?:weakness|paralysis|paraly[sz]ed) <3>(?:in |of |on )?<1>(?:arm|"
            r"arms|leg|legs|one side|left side|right side|side of (?:his|her|my|the) body)\b",
            r"\b(?:sudden\w*|one sided) (?:numbness|weakness)\b",
            r"\b(?:can't|cannot|can not|unable to|couldn't|could not) (?:lift|raise|move|hold up) "
            r"<2>(?:arm|arms|leg|one side)\b",
            r"\b(?:arm|leg) <2>(?:went weak|gave way|is limp|went limp|paraly[sz]ed|is dead|went "
            r"dead|won't move)\b",
            r"\b(?:faiblesse|paralysie|perte de force) <3>(?:bras|jambe|jambes|d'un cote|du cote|"
            r"cote (?:gauche|droit)|hemicorps)\b",
            r"\b(?:ne peut|ne peux|n'arrive|ne parvient|ne parviens) (?:plus|pas) (?:a )?(?:lever|"
            r"bouger|soulever) <2>(?:bras|jambe)\b",
            r"\bbras <2>(?:paralyse\w*|ne (?:bouge|repond) plus|inerte)\b",
            r"\bslurr\w*",
            r"\b(?:speech|words|talking|speaking) <4>(?:slurred|garbled|jumbled|strange|weird|not "
            r"making sense|mixed up|muddled|gibberish)\b",
            r"\b(?:numb\w*|weak\w*|paraly[sz]\w*|tingl\w*) <4>(?:one side|whole (?:left |right )?si"
            r"de|"
            r"(?:left|right) side of (?:my|his|her|the) (?:body|face))\b",
            r"\b(?:engourdi\w*|faiblesse|paralysie|perte de (?:la )?(?:vue|vision|force)|confusion|"
            r"mal de tete|cephalee) <1>(?:brutale?|soudaine?|subite?|d'un coup|tres violente?)\b",
            r"\b(?:engourdi\w*|faiblesse|paralys\w*|perte de force|fourmi\w*) <4>(?:tout le |toute "
            r"la |d'un |du )?(?:cote (?:gauche|droit)|hemicorps|moitie du (?:corps|visage))\b",
            r"\b(?:can't|cannot|unable to|couldn't|trouble|difficulty|struggling to|hard to) "
            r"(?:speak|speaking|talk|talking|get (?:his|her|my|the) words out|find (?:his|her|my|"
            r"the) words)\b",
            r"\bnot making (?:any )?sense\b",
            r"\b(?:parle|parler|parole|elocution|articule) <2>(?:mal|bizarrement|difficilement|"
            r"pateuse|troublee|incomprehensible|bizarre|etrange|confuse|embrouillee|hachee)\b",
            r"\b(?:n'arrive|ne peut|ne peux|ne parvient) (?:plus|pas) (?:a )?(?:parler|articuler|"
            r"trouver ses mots)\b",
            r"\btroubles? (?:de la parole|de l'elocution|du langage)\b|\bdifficultes? a parler\b",
            r"\bbafouill\w*|\bne trouve (?:plus|pas) ses mots\b",
            r"\b(?:sudden|suddenly|abrupt\w*|all of a sudden) <3>(?:confus\w*|disoriented|vision "
            r"loss|loss of vision|lost (?:his|her|my|the) vision|blind\w*|can't see|cannot see|"
            r"double vision|severe headache|terrible headache|headache|dizz\w*|lost (?:his|her|"
            r"my) balance|loss of balance|can't walk|cannot walk|numb\w*|weak\w*|can't feel "
            r"(?:my|his|her) (?:left |right )?(?:arm|leg|hand|face))\b",
            r"\bworst headache\b|\bthunderclap\b",
            r"\blost (?:the )?(?:vision|sight) in (?:one|my|his|her) eye\b",
            r"\b(?:can't|cannot) see out of (?:one|my|his|her) eye\b",
            r"\b(?:brutal\w*|soudain\w*|subit\w*|d'un coup|tout a coup) <3>(?:confus\w*|perte de "
            r"(?:la )?vue|ne voit plus|ne vois plus|mal de tete|cephalee|vision|engourdi\w*|ne "
            r"(?:sens|sent) plus (?:mon|ma|son|sa|le|la) (?:bras|jambe|main|visage|cote)|ne "
            r"(?:peux|peut) plus (?:parler|bouger))\b",
            r"\b(?:perte|baisse) (?:brutale|soudaine|subite) de (?:la )?(?:vue|vision)\b",
            r"\bpire mal de tete\b|\bcephalee en coup de tonnerre\b",
            r"\bmal de tete <3>(?:le plus (?:fort|violent|intense)|brutal|en coup de tonnerre|"
            r"explosif)\b",
            r"\bne (?:voit|vois) plus (?:rien|d'un oeil)\b",
        ),
    ),
    _Rule(
        "abdominal_emergency",
        "emergency",
        _rx(
            r"\b(?:sudden\w*|abrupt\w*|acute onset|all of a sudden) (?:onset )?<2>(?:severe|intense"
            r"|"
            r"excruciating|agonising|agonizing|unbearable|extreme|terrible|worst) <2>(?:abdominal|"
            r"stomach|belly|tummy|abdomen) ?(?:pain|ache|cramps?)?\b",
            r"\b(?:severe|intense|excruciating|agonising|agonizing|unbearable|extreme|terrible) "
            r"<2>(?:abdominal|stomach|belly|tummy) (?:pain|ache|cramps?) <4>(?:came on|started|"
            r"began|starting|coming on) <1>(?:sudden\w*|all of a sudden|abrupt\w*)\b",
            r"\b(?:rigid|board like|hard as a board) <1>(?:abdomen|belly|stomach|tummy)\b|"
            r"\b(?:abdomen|belly|tummy) <2>(?:rigid|board like|hard as a board)\b|\bperitonitis\b|"
            r"\brebound tenderness\b|\b(?:abdominal|involuntary) guarding\b",
            r"\b(?:douleur|douleurs|mal) <3>(?:ventre|abdomen|abdominale?s?) <2>(?:brutale?s?|"
            r"soudaine?s?|subite?s?|d'un coup) <2>(?:et )?(?:intense|violente?|atroce|insupportable"
            r")\b",
            r"\b(?:violente?|intense|atroce|insupportable) <1>(?:douleur|douleurs|mal) <3>(?:ventre"
            r"|"
            r"abdomen|abdominale?s?) <3>(?:brutale?|soudaine?|subite?|d'un coup|brutalement|"
            r"soudainement)\b",
            r"\b(?:sudden\w*|abrupt\w*|acute onset|all of a sudden) (?:onset )?<2>(?:severe|intense"
            r"|"
            r"excruciating|agonising|agonizing|unbearable|extreme|terrible|worst|tearing|ripping) "
            r"<3>(?:back|flank|loin|lower back) (?:pain|ache)\b",
            r"\b(?:tearing|ripping) <2>(?:chest|back|abdominal) pain\b",
            r"\b(?:douleur|mal) <3>(?:dos|lombaire|flanc) <2>(?:brutale?|soudaine?|subite?|d'un "
            r"coup) <2>(?:et )?(?:intense|violente?|atroce|insupportable)\b|\bdouleur (?:en coup de"
            r" "
            r"poignard|dechirante)\b",
            r"\bventre <1>(?:de bois|dur comme (?:du bois|une planche))\b|\bdefense abdominale\b|"
            r"\bcontracture abdominale\b|\bperitonite\b",
        ),
    ),
    _Rule(
        "altered_consciousness",
        "emergency",
        _rx(
            r"\baltered (?:mental (?:status|state)|level of consciousness|consciousness|"
            r"sensorium|mentation)\b|\b(?:decreased|reduced|depressed|fluctuating|impaired|"
            r"lowered) (?:level of )?consciousness\b|\bobtunded\b|\bstupor\w*|\bcomatose\b|"
            r"\bacute(?:ly)? confus\w*|\bdelirium\b",
            r"\btroubles? de (?:la )?(?:conscience|vigilance)\b|\bobnubil\w*|\bconscience "
            r"<1>(?:alteree|diminuee|fluctuante)\b|\bconfusion aigue\b",
        ),
    ),
    _Rule(
        "breathing",
        "emergency",
        _rx(
            r"\b(?:can't|cannot|can not|couldn't|unable to|struggling to|hard to|fighting to|"
            r"trouble|difficulty|difficult to|hardly|barely|not able to) <1>(?:breathe|breath|"
            r"breathing|catch (?:my|his|her|their) breath|get (?:air|a breath|enough air|(?:my|"
            r"his|her) breath))\b",
            r"\b(?:struggling|fighting|gasping) (?:for )?(?:air|breath)\b",
            r"\b(?:not|isn't|is not|stopped|stops|no longer|has stopped|wasn't|isnt|not really) "
            r"breathing\b",
            r"\bbreathing <2>(?:stopped|is (?:very )?(?:laboured|labored|shallow)|laboured|"
            r"labored)\b",
            r"\bchok(?:ing|es|ed)\b|\bchoke\b",
            r"\b(?:lips?|face|tongue|skin|fingers|fingernails|nails) <3>(?:blue|bluish|purple|"
            r"turning blue|going blue|grey|gray)\b",
            r"\bblue lips\b|\b(?:turning|going|turned|went) blue\b|\bcyano\w*",
            r"\b(?:severe|sudden|extreme|very bad|really bad|terrible) <1>(?:short(?:ness)? of "
            r"breath|breathless\w*|asthma attack|wheez\w*)\b",
            r"\b(?:short(?:ness)? of breath|breathless\w*|out of breath) <3>(?:at rest|can't "
            r"speak|cannot speak|can't talk|sitting still|lying down|getting worse)\b",
            r"\b(?:inhaler|puffer|ventolin) <2>(?:isn't|is not|not|doesn't|does not|no longer) "
            r"(?:helping|working|help|work)\b",
            r"\bcan't (?:speak|talk) in (?:full )?sentences\b",
            r"\b(?:n'arrive|n'arrivent|ne peut|ne peux|ne parvient|ne parviens) (?:plus|pas) (?:a "
            r")?respirer\b",
            r"\bne respire (?:plus|pas|presque plus|tres mal)\b",
            r"\b(?:du mal|de la peine|difficulte\w*|difficile|gene\w*) (?:a|pour) respirer\b",
            r"\brespir\w* <4>(?:tres |vraiment |de plus en plus )?(?:mal|difficilement|avec peine)"
            r"\b",
            r"\b(?:skin|chest|tummy|belly|stomach|ribs?) <5>(?:sucks?|sucking|suck|pulls?|pulling|"
            r"draws?|drawing|caves?|caving|sinks?|sinking) <1>in\b",
            r"\b(?:rib|ribs|chest wall|intercostal|subcostal|sternal) (?:recession|retractions?|"
            r"indrawing)\b|\bgrunting\b|\bnostrils? flar\w*|\bflaring (?:of )?(?:the |his |her "
            r")?nostrils\b",
            r"\b(?:respiratory distress|accessory (?:respiratory )?muscles?|tripod\w*|unable to "
            r"(?:speak|complete|finish) (?:in )?(?:full )?sentences|can't finish (?:a |his |her "
            r")?sentences?|silent chest)\b",
            r"\b(?:tirage(?! au sort)|creux? (?:entre|sous) les cotes|battement des ailes du nez|ge"
            r"ignement|"
            r"ventre qui se creuse)\b",
            r"\bdifficultes? respiratoires?\b|\bdetresse respiratoire\b",
            r"\b(?:s'|m')?etouff\w*|\bsuffoqu\w*",
            r"\blevres <2>(?:bleues?|violettes?|grises?|bleutees?)\b",
            r"\b(?:devient|deviennent|devenu\w*|vire) (?:tout |toute )?(?:bleu\w*|violet\w*)\b|"
            r"\bcyanose\b",
            r"\b(?:ventoline|inhalateur) <1>(?:ne (?:marche|fonctionne|fait|suffit) (?:plus|pas)|"
            r"n'agit (?:plus|pas))\b",
            r"\b(?:essouffl\w*|souffle court|manque d'air) <2>(?:au repos|ne peut (?:pas|plus) "
            r"parler|tres fort|severe|brutal\w*|intense|important)\b",
        ),
    ),
    _Rule(
        "anaphylaxis",
        "emergency",
        _rx(
            r"\b(?:throat|airway) <3>(?:closing|closed|clos\w* up|swelling shut|swelled shut|"
            r"swollen shut)\b",
            r"\btongue <3>(?:swell\w*|swollen|puff\w*|huge|enlarged)\b",
            r"\b(?:swell\w*|swollen|puffy) <2>tongue\b",
            r"\banaphyla\w*",
            r"\b(?:langue) <3>(?:gonfl\w*|enfl\w*)\b|\b(?:gonflement|oedeme) <2>(?:de la |de "
            r")?langue\b",
            r"\bgorge <3>(?:se ferme|fermee|se bouche)\b",
            r"\boedeme de quincke\b",
            r"\b(?:severe|serious|bad|major|massive|life threatening) allergic reaction\b",
            r"\breaction allergique <2>(?:grave|severe|serieuse|importante|violente|massive)\b",
        ),
        exclude_before=re.compile(
            r"\b(?:for|pour|of|de|d')[ ]+(?:my|his|her|their|mon|son|sa|l')?[ ]*$"
        ),
    ),
    _Rule(
        "anaphylaxis",
        "emergency",
        _rx(
            r"\b(?:throat|airway) <3>(?:swell\w*|swollen|tight\w*|puff\w*)(?! (?:glands?|tonsils?|"
            r"lymph|nodes?))\b",
            r"\b(?:swell\w*|swollen|puffy|tight) <2>(?:throat|airway)\b",
            r"\bgorge <3>(?:gonfl\w*|enfl\w*|serre\w*)\b",
            r"\b(?:gonflement|oedeme) <2>(?:de la )?gorge\b",
            r"\b(?:can't|cannot) swallow\b|\bn'arrive (?:plus|pas) a avaler\b",
            r"\b(?:trouble|difficulty|hard|struggling to|problems?) (?:to )?swallow\w*\b",
            r"\b(?:du mal|de la peine|difficulte\w*|difficile|gene\w*) (?:a |pour )?(?:avaler|"
            r"deglutir)\b",
            r"\b(?:lips?|mouth) <4>(?:swell\w*|swollen|puff\w*|blow\w* up)\b",
            r"\b(?:swollen|swelling|puffy) <2>(?:lips?|mouth)\b",
            r"\b(?:levres?|bouche) <3>(?:gonfl\w*|enfl\w*)\b|\b(?:gonflement|oedeme) <2>(?:des |de "
            r"la )?(?:levres?|bouche)\b",
        ),
        requires=(_ALLERGY_CTX,),
    ),
    _Rule(
        "bleeding",
        "emergency",
        _rx(
            rf"\b{_BLOOD} <4>(?:won't|wont|will not|doesn't|does not|can't|cannot|isn't|is not|"
            r"hasn't|has not|not) (?:stop|stopping|stopped|slow\w*)\b",
            r"\b(?:can't|cannot|can not|unable to|couldn't|could not|no way to|won't) (?:stop|"
            r"control) (?:the |his |her |my |this )?bleed\w*",
            rf"\b(?:heavy|heavily|severe|severely|profuse\w*|massive|uncontroll\w*|spurting|"
            rf"pouring|gushing|squirting|lots of|a lot of|so much|tons of|soaking) <1>{_BLOOD}",
            r"\bsoak\w* (?:through )?(?:a |one |my |more than one )?(?:pads?|sanitary pads?|"
            r"towels?|serviettes?) (?:every|in an|in under an|within an|par|en moins d'une|toutes "
            r"les) (?:hour|heure)\b",
            r"\bbleed\w* (?:heavily|profusely|badly|a lot|so much|everywhere|like crazy|non stop|"
            r"nonstop|through)\b",
            r"\b(?:vomit\w*|throw\w* up|threw up) <1>(?:up )?(?:blood|bloody)\b",
            r"\bsaign\w* <3>(?:beaucoup|abondamment|enormement|sans arret|sans s'arreter|ne "
            r"s'arrete (?:pas|plus)|qui ne s'arrete (?:pas|plus)|a flots|massivement)\b",
            r"\bsaignement\w* <2>(?:abondant\w*|important\w*|massif\w*|qui ne s'arrete|ne "
            r"s'arrete|incontrol\w*|grave\w*)\b",
            r"\bhemorragi\w*",
            r"\b(?:n'arrive|n'arrivons|ne parvient|ne parviens|ne peut|ne peux|impossible d') "
            r"?(?:pas |plus )?(?:a )?arreter (?:le |les )?saignement\w*",
            r"\b(?:vomi\w*) <1>du sang\b",
            r"\bperd\w* beaucoup de sang\b|\bbeaucoup de sang\b",
            rf"\b{_BLOOD} <2>(?:spurting|spurts|pouring|pours|gushing|gushes|squirting|pumping|"
            r"everywhere)\b",
            r"\b(?:large amounts?|a large amount|a cup(?:ful)?|cups|mouthfuls?) of blood\b",
            r"\b(?:sang|saign\w*) <2>(?:en (?:grande|grosse) quantite|en abondance|gicle|a flots)\b"
            r"|"
            r"\b(?:grande|grosse) quantite de sang\b|\ble sang gicle\b",
            rf"\b{_NOSEBLEED} <3>(?:for|since|depuis|pendant|lasting|over) (?:more than |over |plus"
            r" "
            r"d'|plus de )?(?:an hour|une heure|half an hour|une demi heure|(?:[2-9]\d|\d{3}) ?"
            r"(?:min\w*|mn)|\d+ (?:hours?|heures?|h)\b)",
            rf"\b{_NOSEBLEED} <5>(?:won't|wont|will not|doesn't|does not|isn't|not|can't) stop\w*",
            rf"\b{_NOSEBLEED} <5>(?:ne s'arrete (?:pas|plus)|qui ne s'arrete)",
        ),
        exclude_clause=re.compile(_PERIOD_CTX.pattern + "|" + _DENTAL_CTX.pattern),
    ),
    _Rule(
        "unconscious",
        "emergency",
        _rx(
            r"\b(?:unconscious|unresponsive|lost consciousness|losing consciousness|collapsed|"
            r"keeled over|knocked out|not conscious|isn't conscious|no pulse|unrousable|out "
            r"cold)\b",
            r"\b(?:not|isn't|is not|won't|will not|doesn't|does not|hasn't|has not|not really) "
            r"(?:responding|respond|responsive|waking up|wake up|woken up|come round|come to|"
            r"coming round)\b",
            r"\b(?:can't|cannot|couldn't|could not|unable to) (?:wake|rouse) (?:him|her|them|my "
            r"\w+|the baby|baby|\w+ up)\b",
            r"\b(?:hard|difficult|impossible) to (?:wake|rouse)\b",
            r"\bstill (?:passed out|unconscious|out)\b",
            r"\binconscien\w*",
            r"\b(?:a |avoir |ont |a completement )?perdu connaissance\b|\bperte de connaissance\b|"
            r"\bsans connaissance\b",
            r"\bne (?:repond|reagit) (?:plus|pas|presque plus)\b",
            r"\bne se reveille (?:pas|plus)\b",
            r"\b(?:ne reprend|n'a pas repris|sans reprendre) (?:pas |plus )?(?:connaissance|"
            r"conscience)\b|\bne revient pas a (?:lui|elle)\b",
            r"\b(?:not|hasn't|has not|isn't|is not|hasn't yet) (?:regain\w*|recover\w*) "
            r"consciousness\b",
            r"\b(?:n'arrive|n'arrivons|n'arrivent|ne parvient|ne parviens) (?:pas|plus) a (?:le|"
            r"la|les) reveiller\b",
            r"\b(?:s'est|se sont|s'est completement) effondr\w*",
        ),
        exclude_before=_FIRST_PERSON_BEFORE,
        exclude_clause=_NOT_A_PERSON,
    ),
    _Rule(
        "seizure",
        "emergency",
        _rx(
            rf"\b{_FIRST_SEIZURE_SUFFIX} <6>(?:more than|over|longer than|for|past|already|almost|"
            rf"nearly|about|plus de|depuis|pendant|deja|presque) <1>{_MINUTES5}",
            rf"\b{_MINUTES5} <3>{_FIRST_SEIZURE_SUFFIX}",
            rf"\b{_FIRST_SEIZURE_SUFFIX} <3>(?:won't|wont|will not|doesn't|does not|hasn't|has not|"
            r"isn't|not) (?:stop\w*|end\w*)\b",
            r"\b(?:won't|isn't|hasn't|not|can't) stop(?:ped)? (?:seizing|convulsing|shaking|"
            r"fitting)\b",
            r"\b(?:repeated|multiple|several|many|back to back|another|second|third|two|three|"
            r"four|2|3|4|cluster of|consecutive|series of) <1>(?:seizures?|convulsions|fits)\b",
            r"\bseizure after seizure\b|\bstatus epilepticus\b",
            r"\b(?:seizures?|convulsions?|fits|crises) <2>(?:one after (?:another|the other)|back "
            r"to back|l'une apres l'autre|a la suite|en serie|sans interruption)\b",
            r"\b(?:without|not) (?:waking|regaining consciousness|coming round|coming to|"
            r"recovering|waking up) <1>(?:in )?between\b",
            rf"\b{_FIRST_SEIZURE_SUFFIX} <4>(?:not|hasn't|has not|isn't|doesn't|without) "
            r"(?:regain\w*|recover\w*|waking|woken|woke|come round|coming round)",
            r"\b(?:convuls\w*|crises?) <5>(?:ne reprend|ne se reveille|sans reprendre|sans se "
            r"reveiller|n'a pas repris|ne revient pas a)",
            r"\b(?:first|first ever|his first|her first|my first) (?:seizure|convulsion|fit)\b",
            r"\b(?:is|are|'s|am|currently|right now|started|keeps?) (?:having (?:a |another "
            r")?)?(?:seizure|seizing|convulsing|fitting|a fit)\b",
            r"\b(?:he's|she's|they're|baby's|son's|daughter's) (?:having (?:a |another "
            r")?)?(?:seizure|seizing|convulsing|fitting|a fit)\b",
            r"\b(?:crises? (?:d'epilepsie|epileptiques?|convulsives?|de convulsions)|convulsions?|"
            rf"convuls\w*) <6>(?:plus de|depuis|pendant|deja|presque) <1>{_MINUTES5}",
            r"\b(?:plusieurs|deux|2|trois|3|une autre|nouvelle|encore une) (?:crises? "
            r"(?:d'epilepsie|convulsives?|epileptiques?)|convulsions)\b",
            r"\bcrises? (?:d'epilepsie|convulsives?|epileptiques?) <1>(?:repetees|successives|a "
            r"repetition|en serie|qui ne s'arrete\w*|ne s'arrete\w* pas|ne cesse\w* pas)\b",
            r"\bconvulse (?:encore|toujours|depuis|sans arret)\b",
            r"\ben train de (?:convulser|faire une crise)\b",
            r"\b(?:fait|fais) une crise (?:d'epilepsie|convulsive)\b",
            r"\betat de mal epileptique\b|\bpremiere (?:crise|convulsion)\b",
        ),
    ),
    _Rule(
        "overdose",
        "emergency",
        _rx(
            r"\boverdos\w*|\bod'?d\b",
            r"\b(?:took|taken|take|taking|swallowed|ate|eaten|drank|drunk|ingested|downed|popped) "
            r"<3>(?:too many|too much|a whole|the whole|a full|all (?:of )?(?:my|his|her|their|"
            r"the)|an entire|the entire|a handful of|handfuls of|a bunch of|loads of|a (?:whole |"
            r"full )?(?:bottle|packet|pack|box|strip) of|(?:\d{2,}|twenty|thirty|forty|fifty)) "
            r"<2>(?:pills?|tablets?|capsules?|meds|medications?|medicines?|insulin|paracetamol|"
            r"acetaminophen|tylenol|ibuprofen|advil|aspirin|sleeping pills|painkillers?|opioids?|"
            r"oxy\w*|fentanyl|heroin|antidepressants?|benzos?|xanax|valium|iron (?:tablets|pills)|"
            r"gummies)\b",
            r"\b(?:surdos\w*|overdose|intoxication (?:medicamenteuse|au monoxyde|au co|aux "
            r"champignons))\b",
            r"\b(?:avale|avalee|pris|prise|bu|mange|ingere|ingurgite) <3>(?:trop de|toute la "
            r"boite|toute une boite|tout le flacon|tout un flacon|une boite entiere|une plaquette "
            r"entiere|toute la plaquette|plein de|des dizaines de|(?:\d{2,}|vingt|trente)) "
            r"<2>(?:medicaments?|cachets?|comprimes?|pilules?|gelules?|doliprane|paracetamol|"
            r"efferalgan|dafalgan|somniferes?|anxiolytiques?|antidepresseurs?|insuline|xanax|"
            r"lexomil|tramadol|codeine)\b",
        ),
    ),
    _Rule(
        "poisoning",
        "emergency",
        _rx(
            r"\b(?:took|swallowed|ate|eaten|drank|drunk|ingested|licked|inhaled|sprayed|chewed|"
            r"drinking|eating|swallowing|got) <3>(?:bleach|detergent|laundry (?:pods?|capsules?)|"
            r"tide pods?|(?:dishwasher|dish washer|washing up|washing machine|laundry) (?:tablets?|"
            r"pods?|liquid|detergent|soap|powder|gel)|antifreeze|drain cleaner|oven cleaner|weed "
            r"?killer|pesticides?|insecticide|rat poison|poison\w*|button batter(?:y|ies)|"
            r"batter(?:y|ies)|magnets?|lamp oil|paraffin|kerosene|gasoline|petrol|methanol|"
            r"windshield washer|cleaning (?:products?|fluids?|liquids?)|chemicals?|wild "
            r"mushrooms?|e ?liquid|vape (?:juice|liquid)|nicotine)\b",
            r"\b(?<!food )poison(?:ed|ing)\b",
            r"\bcarbon monoxide\b|\bmonoxyde de carbone\b",
            r"\b(?:avale|avalee|bu|mange|ingere|leche|inhale|respire) <3>(?:de l'eau de javel|eau "
            r"de javel|javel|detergent|produit (?:menager|vaisselle|wc|chimique)|lessive|"
            r"capsules? de lessive|dosettes? de lessive|antigel|destop|debouch\w*|pesticide|"
            r"insecticide|mort aux rats|raticide|poison|piles?|pile bouton|aimants?|white spirit|"
            r"essence|petrole|champignons? (?:sauvages|cueillis|ramasses))\b",
            r"\b(?:empoisonn\w*|intoxiqu\w*)\b(?! (?:alimentaire|par (?:la|de la) nourriture))",
        ),
        exclude_clause=re.compile(r"\b(?:food poisoning|intoxication alimentaire|alimentaire)\b"),
    ),
    _Rule(
        "meningitis",
        "emergency",
        _rx(
            r"\bnon ?blanching\b|\bglass test\b|\bpurpur\w*|\bpetechi\w*|\btest du verre\b",
            r"\brash <5>(?:doesn't|does not|won't|didn't|did not|isn't|is not|not) (?:fade|blanch|"
            r"disappear|go white|change)\w* <3>(?:glass|press\w*|tumbler)\b",
            r"\b(?:tache|taches|bouton|boutons|plaques?|eruption) <4>(?:ne )?(?:s'efface\w*|"
            r"disparai\w*|pali\w*) (?:pas|plus) <3>(?:verre|appui|pression|press\w*)\b",
            r"\b(?:having|has|have|think|thinks|might be|could be|possible|signs of|is it) "
            r"<2>(?:bacterial |viral )?(?:meningitis|meningococcal|meningite)\b",
            r"\bmeningite\b",
        ),
    ),
    _Rule(
        "sepsis",
        "emergency",
        _rx(
            r"\b(?:septic shock|sepsis|septicemi\w*|septicaemi\w*|choc septique|blood poisoning)\b",
            r"\bmottled\b|\bskin <2>(?:mottled|blotchy and (?:blue|purple))\b|\bmarbr\w*|\bpeau "
            r"<2>(?:marbree|grise|bleutee)\b",
        ),
    ),
    _Rule(
        "infant_red_flag",
        "emergency",
        _rx(
            r"\b(?:bulging|swollen|raised|tense|puffy|bombee?) <2>(?:fontanel\w*|soft spot)\b",
            r"\b(?:fontanel\w*|soft spot) <5>(?:bulg\w*|swollen|raised|tense|bomb\w*|gonfl\w*|"
            r"tendu\w*|sticking out|pushing out)\b",
        ),
    ),
    _Rule(
        "infant_red_flag",
        "emergency",
        _rx(
            r"(?<!a )\b(?:floppy|limp|unresponsive|lethargic|listless|very drowsy|very sleepy|"
            r"hard to wake|difficult to wake|won't wake|not waking|high pitched cry|tout mou|"
            r"toute molle|molle|mou|somnolent\w*|ne reagit (?:plus|pas)|difficile a reveiller|cri "
            r"aigu|apathique|amorphe|hypotoni\w*)\b",
        ),
        requires=(_CHILD_CTX,),
    ),
    _Rule(
        "pregnancy",
        "emergency",
        _rx(
            rf"\b(?:heavy|heavily|a lot of|lots of|soaking|gushing|severe|pouring) <2>(?:{_BLOOD}|"
            rf"spotting)",
            r"\bbleed\w* (?:heavily|a lot|badly|through)\b",
            r"\b(?:clots|clotting)\b",
            r"\bsaign\w* <2>(?:beaucoup|abondamment|abondant\w*|important\w*|fort\w*)\b",
            r"\bpertes? de sang <2>(?:importante?s?|abondante?s?)\b|\bcaillots\b|\bhemorragi\w*",
            r"\b(?:severe|bad|intense|terrible|excruciating|sharp|unbearable|really bad|very bad|"
            r"strong|extreme) <2>(?:abdominal|stomach|belly|tummy|pelvic|lower abdominal|abdomen|"
            r"cramps?|cramping)\b",
            r"\b(?:abdominal|stomach|belly|tummy|pelvic) (?:pain|pains|cramps?) <2>(?:severe|bad|"
            r"intense|unbearable|excruciating)\b",
            r"\b(?:douleur|douleurs|mal) <2>(?:ventre|abdomen|abdominale?s?|bas ventre|"
            r"pelvienne?s?) <2>(?:intense|forte|fort|violente?|insupportable|atroce)\b",
            r"\b(?:forte|fortes|intense|intenses|violente|violentes|atroce|terrible|tres)s? "
            r"<1>(?:douleurs?|mal|crampes?) <2>(?:ventre|abdomen|abdominale?s?|bas ventre)\b",
            r"\b(?:baby|babies|fetus|foetus|fetal|foetal) <3>(?:moving less|moves less|not moving|"
            r"isn't moving|is not moving|hasn't moved|has not moved|stopped moving|hasn't kicked|"
            r"not kicking|stopped kicking|less active|quieter|not as active|barely moving|moving "
            r"much less|moving a lot less|fewer movements|less movement)\b",
            r"\b(?:reduced|decreased|fewer|less|no|not feeling|can't feel|cannot feel|haven't "
            r"felt|not felt|don't feel) <1>(?:the )?(?:baby(?:'s)? |fetal |foetal )?(?:movements?|"
            r"kicks?|kicking|moving|move|moves)\b",
            r"\bbebe <2>(?:bouge moins|bouge beaucoup moins|ne bouge (?:plus|pas|presque plus)|"
            r"bouge plus|ne tape plus)\b",
            r"\b(?:diminution|baisse|absence|moins|arret|plus) (?:de |des |du )?mouvements?\b",
            r"\bne (?:sens|sent) plus (?:le |mon )?bebe\b",
            r"\b(?:severe|bad|terrible|worst) headache\b|\b(?:blurred|blurry|flashing|spots in "
            r"(?:my|the)) (?:vision|lights)\b|\bflashing lights\b|\bmal de tete <1>(?:intense|"
            r"violent|severe)\b|\btroubles? visuels?\b|\bmouches volantes\b|\bvision floue\b",
            r"\b(?:gros|fort|violent|terrible|enorme|atroce) mal de tete\b|\b(?:mouches|taches|"
            r"points|eclairs) (?:noires |lumineux |brillants )?devant les yeux\b",
            r"\b(?:think|might|could|possible|maybe|worried|suspect\w*) <3>(?:an )?ectopic\b|"
            r"\bgrossesse extra uterine\b|\bshoulder tip pain\b|\bdouleur (?:au bout|a la pointe) d"
            r"e "
            r"l'epaule\b",
        ),
        requires=(_PREG_CTX,),
    ),
)

# The more specific rules first: within a level, the first rule that fires names the result.
_PRIORITY = ("suicidal", "self_harm", "pregnancy", "infant_red_flag")
_RULES = tuple(
    sorted(_RULES, key=lambda r: _PRIORITY.index(r.rule) if r.rule in _PRIORITY else len(_PRIORITY))
)

_WATERS = _rx(
    r"\b(?:my |her |the )?waters? <2>(?:broke|broken|break|breaking|leaking|gone)\b",
    r"\b(?:ruptured|broken) (?:membranes|waters?)\b|\brupture of (?:the )?membranes\b",
    r"\bleaking (?:fluid|amniotic)\b|\bamniotic fluid <2>leak\w*",
    r"\bperdu les eaux\b|\bperte (?:des eaux|de liquide amniotique)\b",
    r"\bpoche des eaux <2>(?:rompue|percee|cassee|fissuree|a rompu|s'est rompue|s'est percee)\b",
    r"\brupture (?:de la poche|des membranes)\b|\bfissure de la poche\b|\bliquide amniotique\b",
)
_PREG_BLEED = _rx(rf"\b(?:{_BLOOD}|spotting|saign\w*|pertes? de sang)")
_GEST_WEEKS = re.compile(r"\b(\d{1,2}) ?(?:\+ ?\d ?)?(?:weeks?|wks?|semaines?|sa)\b")
_GEST_MONTHS = re.compile(r"\b(\d) (?:months?|mois)\b")

_ARM_JAW_PAIN = _rx(
    r"\b(?:pain|ache|aching|pressure|heaviness) <2>(?:in|down|along|into) (?:my|his|her|the) "
    r"(?:left )?(?:arm|jaw)\b",
    r"\b(?:left arm|jaw) <2>(?:pain|hurts|aching|ache|heavy)\b",
    r"\b(?:douleur|mal) <2>(?:au|dans le|a la) (?:bras gauche|machoire)\b",
)
_CARDIAC_COMPANION = _rx(
    r"\b(?:sweat\w*|clammy|cold sweat|nause\w*|feel(?:s|ing)? sick|short(?:ness)? of breath|"
    r"breathless|dizzy|light ?headed|sueur\w*|transpire\w*|nausee\w*|essouffl\w*|vertige\w*|envie "
    r"de vomir)\b",
)

_HEAD_INJURY = _rx(
    r"\b(?:hit|banged|bumped|knocked|smashed|struck) (?:his|her|my|their|the back of (?:his|her|"
    r"my)) head\b|\bhead (?:injury|trauma)\b|\bfell (?:on|and hit) (?:his|her|my) head\b",
    r"\bs'est cogne (?:violemment )?la tete\b|\b(?:choc|coup) (?:violent )?(?:a|sur) la tete\b|"
    r"\btraumatisme cranien\b|\btombe\w* sur la tete\b",
)
_HEAD_RED_FLAG = _rx(
    r"\b(?:confus\w*|disoriented|vomit\w*|throwing up|drowsy|sleepy|unconscious|knocked out|"
    r"passed out|seizure|fitting|blood thinners?|warfarin|apixaban|rivaroxaban|eliquis|xarelto|"
    r"clear fluid|won't stop crying|desoriente\w*|vomi\w*|somnolent\w*|anticoagula\w*|perdu "
    r"connaissance|inconscient\w*|convuls\w*)\b",
)

_STIFF_NECK = _rx(
    r"\bstiff neck\b|\bneck <2>(?:stiff|rigid)\b|\bneck stiffness\b|\bnuchal rigidity\b|"
    r"\bmeningism\w*|\bkernig\w*|\bbrudzinski\w*|\bsyndrome meninge\w*|\braideur meningee\b",
    r"\b(?:can't|cannot|unable to|can not|not able to) (?:bend|touch|move|put|lower) <3>(?:neck|"
    r"chin|head forward)\b",
    r"\bnuque <2>(?:raide|bloquee|rigide)\b|\braideur <2>(?:nuque|cou)\b",
)
_RASH_NOT_FADING = _rx(
    r"\b(?:rash|spots) <5>(?:doesn't|does not|won't|didn't|did not|isn't|is not|not|don't|do not) "
    r"(?:fade|blanch|disappear|go white)\w*",
    r"\b(?:tache|taches|bouton|boutons|plaques?|eruption) <4>(?:ne )?(?:s'efface\w*|disparai\w*|"
    r"pali\w*|part|partent) (?:pas|plus)\b",
    r"\b(?:purple|dark red) (?:spots|rash|blotches|marks)\b|\btaches? (?:violet\w*|pourpre\w*)\b",
)
_CONFUSION = _rx(
    r"\b(?:confus\w*|disoriented|disorientated|delirious|incoherent|not making sense|doesn't know "
    r"where|not (?:himself|herself)|desoriente\w*|incoheren\w*|delire\w*|ne sait plus ou|ne "
    r"reconnait plus)\b"
)
_FAST_BREATH = _rx(
    r"\b(?:breathing|breathes|breaths) <2>(?:very |really |extremely |super |so )?(?:fast|quickly|"
    r"rapid\w*)\b",
    r"\brapid breathing\b",
    r"\brespir\w* <2>(?:tres |trop )?(?:vite|rapide\w*)\b|\bpolypnee\b",
)
_NOT_FEEDING = _rx(
    r"\b(?:not feeding|isn't feeding|won't feed|not eating|refus\w* (?:to feed|feeds|the bottle|"
    r"the breast|to eat|bottles?)|not drinking|won't drink|no wet (?:nappies|diapers))\b",
    r"\bne (?:boit|mange|tete) (?:plus|pas|presque plus|rien)\b",
    r"\brefuse (?:de boire|de manger|le biberon|le sein|de teter|les biberons)\b",
    r"\bne prend (?:plus|pas) (?:ses|son|le) (?:biberons?|sein)\b",
)
_DROWSY = _rx(
    r"\b(?:drowsy|sleepy|lethargic|hard to wake|difficult to wake|listless|very tired|"
    r"somnolent\w*|endormi\w*|difficile a reveiller|dort (?:tout le temps|beaucoup|sans arret)|"
    r"apathique|amorphe)\b"
)

# Combined red flags (features found anywhere in the message, see triage()).
_GI_BLEED_SIGN = _rx(
    r"\bblack (?:tarry )?(?:stool|stools|poo|poop|bowel movements?)\b|\b(?:tarry|tar like) "
    r"stools?\b|\bmela?ena\b|\brectal bleeding\b|\bcoffee grounds?\b",
    r"\b(?:stool|stools|poo|poop) <2>(?:is|are|was|were|look\w*|turned|has turned|went) "
    r"<1>(?:black|tarry|bloody|maroon)\b",
    r"\bblood <1>in (?:my |his |her |the )?(?:stool|stools|poo|poop)\b|\bvomit\w* <2>blood\b",
    r"\bselles <2>(?:noires|sanglantes|avec du sang)\b|\bsang dans (?:les |mes |ses )?selles\b|"
    r"\bmarc de cafe\b|\bmelena\b",
)
_SHOCK_SIGN = _rx(
    r"\b(?:faint\w*|dizzy|light ?headed|passed out|passing out|collapsed|clammy|hypotensi\w*|in "
    r"shock|racing heart|tachycardi\w*|(?:very|is|looks|looking|gone|went|turned) pale|"
    r"malaise|vertiges?|etourdi\w*|evanoui\w*|tres pale|tout pale|toute pale)\b",
)
_EXTRA_DOSE = _rx(
    r"\b(?:double|triple|extra|second|twice (?:the|my|his|her)) (?:dose|doses|dosage)\b",
    r"\b(?:took|taken|take|taking|swallowed|had) <3>(?:pills?|meds|medications?|tablets?|"
    r"insulin|doses?) twice\b",
    r"\b(?:double|triple|deux fois la) dose\b|\bpris <3>(?:deux fois|en double)\b",
)
_ALTERED = _rx(
    r"\b(?:drowsy|confus\w*|disoriented|unresponsive|hard to wake|can't stay awake|very sleepy|"
    r"slurr\w*|somnolent\w*|desoriente\w*|difficile a reveiller|endormi\w*)\b",
)
_ONE_SIDED_PAIN = _rx(
    r"\b(?:pain|ache|cramp\w*) <3>(?:one side|left side|right side)\b|\b(?:one|left|right) "
    r"sided (?:pain|cramp\w*|tummy pain|abdominal pain)\b",
    r"\bdouleur <3>(?:d'un (?:seul )?cote|cote (?:gauche|droit))\b",
)
_FAINT = _rx(
    r"\b(?:faint\w*|dizzy|light ?headed|passed out|collapsed|malaise|vertiges?|evanoui\w*|"
    r"etourdi\w*)\b",
)
_BLOODY_DIARRHOEA = _rx(
    r"\bbloody (?:diarrh\w*|stools?|poo|poop)\b|\bblood <3>(?:diarrh\w*|stools?|poo|poop)\b",
    r"\bdiarrh\w* <5>(?:became|become|becoming|turned|turning|is|was|with|now|then) "
    r"<1>(?:bloody|blood)\b",
    r"\bdiarrhee\w* <3>(?:sanglante\w*|glairo ?sanglante\w*|avec du sang)\b|\bsang dans "
    r"(?:les |ses |des )?selles\b",
)
_LOW_URINE = _rx(
    r"\b(?:reduced|decreased|low|little|poor|scanty|less|minimal|no) (?:urine|urinary)(?: output)?"
    r"\b",
    r"\b(?:passed|passing|produced|producing|making) (?:little|very little|no|hardly any|less) "
    r"urine\b|\boligur\w*|\banur\w*",
    r"\b(?:not|hasn't|has not|isn't|is not|hardly|barely) (?:peed|peeing|urinated|urinating|"
    r"passed urine|passing urine|weed|weeing)\b",
    r"\b(?:no|fewer|few|hardly any) wet (?:nappies|diapers)\b|\bdry (?:nappies|diapers)\b",
    r"\b(?:urinat\w*|peeing|weeing|voiding|passing urine) <2>(?:less|only once|infrequently|"
    r"rarely|very little)\b|\b(?:less|fewer|decreased|reduced) (?:urination|voiding|wees)\b",
    r"\b(?:small|little|tiny) amounts? of urine\b|\burine output <2>(?:decreased|reduced|low|"
    r"dropped|fallen|poor)\b|\b(?:not|hasn't|has not|no) (?:had )?(?:a )?wet (?:nappy|diaper)\b",
    r"\b(?:n'urine|ne fait) (?:plus|pas|presque plus|presque pas)(?: pipi)?\b|\burines? <2>(?:rares"
    r"|"
    r"diminuee?s)\b|\bcouches? <2>(?:seches|pas mouillees)\b",
)
_ONE_LEG_SWELLING = _rx(
    r"\b(?:unilateral|one|left|right|single) (?:leg|calf|lower limb|lower extremity) <4>(?:swelling"
    r"|"
    r"swollen|oedema|edema)\b",
    r"\b(?:leg|calf|lower limb)(?!s) <4>(?:swollen|swelling|oedema|edema|puffy)\b",
    r"\b(?:swelling|swollen|oedema|edema) <2>(?:of |in )?(?:his|her|my|the|one) <1>(?:leg|calf)"
    r"(?!s)\b|\bswollen (?:left |right )?(?:leg|calf)(?!s)\b|"
    r"\bdvt\b|\bdeep vein thrombosis\b|\bblood clot in (?:my|his|her|the) (?:leg|calf)\b",
    r"\b(?:jambe|mollet) <3>(?:gonfl\w*|oedema\w*|enfl\w*)\b|\b(?:gonflement|oedeme) <3>(?:de la "
    r"|du )?(?:jambe|mollet)\b|\bphlebite\b|\bthrombose veineuse\b",
)
_PE_COMPANION = _rx(
    r"\b(?:short(?:ness)? of breath|breathless\w*|dyspn\w*|out of breath|trouble breathing|"
    r"difficulty breathing|pleuritic|cough\w* (?:up )?blood|ha?emoptysis|tachypn\w*|essouffl\w*|"
    r"souffle court|manque d'air|crach\w* du sang)\b",
)
# Blood-clot risk factors (a known condition: history counts, negation still does).
_VTE_RISK = _rx(
    r"\brecent(?:ly)? <3>(?:surgery|operation|operated|hospitali[sz]\w*|admission|admitted|"
    r"discharged|bed ?rest|immobili[sz]\w*|flight|fracture|cast|plaster|delivery|childbirth|"
    r"c ?section|caesarean|cesarean|gave birth|had a baby)\b",
    r"\b(?:surgery|operation|hip replacement|knee replacement|hip or knee replacement|"
    r"replacement|fracture|hospitali[sz]ation|admission|c ?section|caesarean|cesarean) <3>(?:a|one|"
    r"two|three|\d) (?:days?|weeks?) ago\b|\b(?:a|one|two|three|\d) (?:days?|weeks?) ago <3>"
    r"(?:underwent|had|was operated|was admitted|was discharged|surgery|operation)\b",
    r"\b(?:after|since|following) <2>(?:surgery|operation|(?:hip|knee) replacement|discharge|"
    r"(?:a |my |his |her )?long (?:haul )?(?:flight|plane (?:ride|trip)|car (?:ride|journey)|"
    r"drive))\b|\bbed ?rest\b|\bbedbound\b|\bbed ridden\b|\bimmobili[sz]\w*|\b(?:in a|leg in "
    r"a|plaster) cast\b|\blong (?:haul )?flight\b|\bpost ?partum\b|\b(?:gave|just given) birth\b|"
    r"\bchemotherapy\b|\bactive cancer\b",
    r"\b(?:operation|chirurgie|opere\w*|hospitalis\w*|accouch\w*|cesarienne|platre|alit\w*|"
    r"immobilis\w*|long (?:vol|trajet)|chimiotherapie)\b <4>(?:recente?|il y a (?:\d|un|une|deux|"
    r"trois) (?:jours?|semaines?)|la semaine (?:derniere|passee))\b|\b(?:apres|depuis) (?:mon |son "
    r"|sa |une |un )?(?:operation|chirurgie|accouchement|hospitalisation|long vol|alitement)\b|"
    r"\brecemment (?:opere\w*|hospitalise\w*|accouche\w*)\b",
)
# Pain so bad the person cannot keep still: a severe-pain red flag (renal colic, surgical
# abdomen) whatever the wording of the pain itself.
_WRITHING = _rx(
    r"\bwrith\w*|\brolling (?:around|about) <2>(?:in )?pain\b|\bdoubled (?:over|up) <2>(?:in )?"
    r"pain\b|\b(?:unrelieved|not relieved|no relief) by (?:any )?(?:position|changing "
    r"position|moving)\b|"
    r"\bno (?:position|comfortable position) (?:helps|relieves)\b",
    r"\b(?:se|me) (?:tord|tords|tordait|tordant) <2>(?:de )?douleur\b|\bse roule <2>par "
    r"terre\b|\b(?:ne tient|"
    r"ne tenait|n'arrive pas a rester) (?:pas |plus )?(?:en place|immobile|tranquille)\b|\baucune "
    r"position <2>(?:soulage|ne soulage)\b|\bplie\w* en deux <2>(?:de )?douleur\b",
)
_BELLY_FLANK_PAIN = _rx(
    r"\b(?:abdominal|abdomen|stomach|belly|tummy|flank|loin|groin|kidney|renal|side) "
    r"<1>(?:pain|pains|ache|cramps?)\b|\b(?:renal|biliary|kidney) colic\b|\bpain <3>(?:abdomen|"
    r"belly|stomach|tummy|flank|loin|groin|side)\b",
    r"\b(?:douleur|douleurs|mal|crampes?) <3>(?:ventre|abdomen|abdominale?s?|flanc|lombaire|"
    r"rein|reins|aine)\b|\bcolique nephretique\b",
)
# Tetanus after a wound: jaw stiffness or generalised painful spasms.
_TETANUS_SIGN = _rx(
    r"\btrismus\b|\block ?jaw\b|\bopisthotonus\b|\bopisthotonos\b|\brisus sardonicus\b|"
    r"\b(?:stiff|locked|clenched) <1>jaw\b|\bjaw <2>(?:stiff\w*|locked|won't open|can't open)\b|"
    r"\b(?:can't|cannot|unable to|can not) open (?:his|her|my|their|the) mouth\b|"
    r"\b(?:generali[sz]ed|painful|violent|whole body|tonic) <2>(?:muscle )?(?:spasms?|"
    r"contractions?|rigidity|stiffness)\b",
    r"\bmachoire <2>(?:bloquee|serree|raide|contractee)\b|\bn'arrive (?:pas|plus) a ouvrir la "
    r"bouche\b|\b(?:spasmes?|contractures?|contractions?) <2>(?:musculaires? )?<2>(?:generalise"
    r"\w*|douloureu\w*|violent\w*)\b",
)
_WOUND_OR_TETANUS = _rx(
    r"\b(?:tetanus|tetanic|cut|cuts|wound|wounds|puncture|punctured|stepped on (?:a )?"
    r"(?:nail|rusty)|rusty|nail|splinter|laceration|bite|bitten|scratch\w*|gash|graze|thorn)\b",
    r"\b(?:tetanos|tetanique|plaie|coupure|coupe|blessure|blesse|clou|rouille|morsure|mordu|"
    r"griffure|echarde|epine)\b",
)
# Signs that go with bloody diarrhoea in a child when the kidneys or blood are affected.
_HUS_SIGN = _rx(
    r"\b(?:ana?emi\w*|pallor|pale|jaundic\w*|yellow (?:skin|eyes)|bruis\w*|petechi\w*|puffy "
    r"(?:face|eyes)|anemi\w*|paleur|jaunisse|ictere|bleus|hematomes?|petechies?)\b",
)
_PHOTOPHOBIA = _rx(
    r"\bphotophob\w*|\b(?:sensitiv\w*|sensible|hates?) (?:to )?(?:the )?(?:light|lumiere)\b|"
    r"\blight <2>hurts (?:his|her|my) eyes\b|\bgenee? par la lumiere\b",
)
_ALLERGIC_SKIN = _rx(
    r"\b(?:hives|urticaria|welts|rash|urticaire|plaques|boutons|eruption)\b",
    r"\b(?:lips?|face|eyes?|eyelids?) <3>(?:swell\w*|swollen|puff\w*)\b|\b(?:swollen|swelling|"
    r"puffy) <2>(?:lips?|face|eyes?)\b|\b(?:levres?|visage|yeux|paupieres?) <3>(?:gonfl\w*|"
    r"enfl\w*)\b",
)
_ANAPHYLAXIS_COMPANION = _rx(
    r"\b(?:wheez\w*|short(?:ness)? of breath|breathless\w*|trouble breathing|difficulty "
    r"breathing|hard to breathe|tight (?:chest|throat)|hoarse|faint\w*|dizzy|light ?headed|"
    r"collapsed|siffl\w*|essouffl\w*|du mal a respirer|voix rauque|malaise|vertiges?)\b",
)
_RIGORS = _rx(
    r"\b(?:rigors|uncontrollabl\w* shiver\w*|extreme shiver\w*|shaking uncontrollabl\w*|violent "
    r"(?:shivering|chills)|frissons? <1>(?:intenses|violents|incontrolables)|grelott\w*)\b",
)
_LUNG_DISEASE = _rx(r"\b(?:asthma\w*|copd|emphysema|chronic bronchitis|bpco|asthm\w*)\b")
_BREATHLESS_ANY = _rx(
    r"\b(?:short(?:ness)? of breath|breathless\w*|dyspn\w*|wheez\w*|out of breath|"
    r"essouffl\w*|siffl\w*|difficulte\w* (?:a )?respir\w*)\b",
)
_BREATHLESS_WORDS = (
    r"(?:short(?:ness)? of breath|breathless\w*|dyspn\w*|wheez\w*|out of breath|essouffl\w*|"
    r"sifflements?|difficulte\w* (?:a )?respir\w*)"
)
_ACUTE_BREATHLESS = _rx(
    rf"\b(?:worsening|increasing|increased|acute\w*|sudden\w*|severe|progressive|aggravation "
    rf"(?:de|du|des)|(?:de plus en plus|brutal\w*)) <2>{_BREATHLESS_WORDS}",
    rf"\b{_BREATHLESS_WORDS} <3>(?:getting worse|worsening|worse and worse|de plus en plus|"
    r"s'aggrav\w*|qui s'aggrav\w*)\b",
)
_ED_PRESENTATION = _rx(
    r"\b(?:presents?|presenting|presented|is brought|was brought|brought|comes|came|arrives?|"
    r"is taken|was taken) (?:in )?to (?:the |an |a )?(?:emergency (?:department|room|unit)|er|"
    r"a ?& ?e|ed|casualty)\b",
    r"\b(?:se presente|amenee?|arrive|consulte) aux urgences\b",
)
_DEHYDRATED = _rx(
    r"\b(?:lethargic|listless|very drowsy|floppy|sunken eyes|no tears|very pale|pale and|"
    r"irritable and|somnolent\w*|yeux creux|abattue?|tres pale)\b",
)
_HEADACHE = _rx(r"\b(?:headache|head ache|mal de tete|cephalee\w*|maux de tete)\b")

# Measured vital signs (a home reading or a clinical write-up).
_SYSTOLIC = re.compile(
    r"\b(?:blood pressure|bp|pressure|tension(?: arterielle)?|ta|pression arterielle|pa)\b"
    r"(?:[a-z ,:']{0,20})?\b(\d{2,3}) ?(?:/|over|sur) ?\d{2,3}\b|\b(\d{2,3}) ?/ ?\d{2,3} ?mm ?hg\b"
)
_SPO2 = re.compile(
    r"\b(?:spo2|sp o2|o2 sat\w*|oxygen (?:sat\w*|level)|sats?|saturation\w*|pulse ox\w*|"
    r"oximeter)\b(?:[a-z ,:']{0,25})?\b(\d{2}) ?(?:%|percent|pour ?cent)?"
)
_HEART_RATE = re.compile(
    r"\b(?:heart rate|pulse(?: rate)?|hr|frequence cardiaque|fc|pouls)\b(?:[a-z ,:']{0,20})?\b"
    r"(\d{2,3})\b(?! ?/)"
)
_RESP_RATE = re.compile(
    r"\b(?:respiratory rate|resp rate|rr|respirations|breathing rate|frequence respiratoire)\b"
    r"(?:[a-z ,:']{0,20})?\b(\d{2})\b"
)
_GCS = re.compile(
    r"\b(?:gcs|glasgow(?: coma)?(?: scale| score)?)\b(?:[a-z ,:']{0,15})?\b(\d{1,2})\b"
)

# ---------------------------------------------------------------- urgent rules

_LONG_DURATION = (
    r"(?:(?:for|since|over|depuis|pendant|ca fait)[ ]+(?:(?:the )?(?:past|last) )?(?:(?:24|"
    r"[2-9]\d|\d{3}) ?(?:hours|hrs|h|heures)\b|(?:\d+|a|one|two|three|several|a few|un|une|deux|"
    r"trois|plusieurs|quelques) (?:days?|jours?)\b)|since yesterday|depuis hier|all (?:day|night)|"
    r"toute la (?:journee|nuit)|24 ?h\b)"
)
_FEVER_DAYS = _rx(
    r"\b(?:for|since|over|past|last|depuis|pendant|ca fait) (?:the (?:past|last) )?(?:[2-9]|\d\d|"
    r"two|three|four|five|six|seven|several|a few|few|many|deux|trois|quatre|cinq|six|sept|"
    r"plusieurs|quelques) (?:days?|jours?|weeks?|semaines?)\b",
    r"\b(?:for|since|depuis) (?:a|one|une) (?:week|semaine)\b",
    r"\b(?:since|depuis) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|le week end)\b",
    r"\b(?:[2-9]|two|three|four|five|deux|trois|quatre|cinq) (?:days?|jours?) (?:of|de) (?:fever|"
    r"fievre)\b",
)

_URGENT_RULES: tuple[_Rule, ...] = (
    _Rule(
        "blood_in_urine",
        "urgent",
        _rx(
            r"\bblood in (?:my |his |her |the )?(?:urine|pee|wee)\b|\bbloody (?:urine|pee)\b",
            r"\b(?:peeing|pissing|passing|urinating) blood\b|\bha?ematuria\b",
            r"\b(?:urine|pee) <2>(?:red|bloody|pink|brown with blood)\b",
            r"\bsang dans (?:les |mes |ses )?urines?\b|\burines? <2>(?:rouges?|sanglantes?|avec "
            r"du sang)\b",
            r"\bhematurie\b|\b(?:pisse|urine) du sang\b",
        ),
    ),
    _Rule(
        "calf_swelling",
        "urgent",
        _rx(
            r"\b(?:calf|calves|mollet|mollets) <3>(?:swollen|swelling|swells|puffy|gonfl\w*|"
            r"enfl\w*)\b",
            r"\b(?:swollen|swelling|gonflement|gonfle|enfle) <3>(?:calf|calves|mollet)\b",
            r"\bunilateral (?:leg|calf|lower limb) <3>(?:swelling|swollen|oedema|edema)\b",
            r"\b(?:one|my|his|her|left|right) leg <3>(?:swollen and (?:painful|red|hot)|red and "
            r"(?:hot|swollen)|painful and swollen)\b",
            r"\b(?:jambe|mollet) <3>(?:rouge et chaud\w*|gonfl\w* et douloureu\w*|douloureu\w* et "
            r"gonfl\w*)\b",
            r"\b(?:think|might|could|possible|maybe|signs of) <3>(?:a )?(?:dvt|deep vein "
            r"thrombosis|blood clot in (?:my|his|her|the) leg|phlebite|thrombose)\b",
        ),
    ),
    _Rule(
        "gi_bleeding",
        "urgent",
        _rx(
            r"\bblood in (?:my |his |her |the )?(?:stool|stools|poo|poop|feces|faeces)\b",
            r"\bbloody (?:stool|stools|diarrh\w*)\b|\bblack (?:tarry )?(?:stool|stools|poo|poop)\b",
            r"\b(?:tarry|tar like) stools?\b|\brectal bleeding\b|\bmela?ena\b",
            r"\bsang dans (?:les |mes |ses )?selles\b|\bselles <2>(?:noires|sanglantes|avec du "
            r"sang)\b",
            r"\b(?:cough\w*|spit\w*) <1>(?:up )?(?:blood|bloody)\b|\bcrach\w* du sang\b",
        ),
        exclude_clause=_DENTAL_CTX,
    ),
    _Rule(
        "vomiting",
        "urgent",
        _rx(
            r"\b(?:can't|cannot|can not|unable to|couldn't|won't|not able to) (?:keep|hold) "
            r"<2>(?:anything|fluids?|liquids?|water|food|drinks?|it) down\b",
            r"\b(?:ne garde|ne gardent|ne peut garder|n'arrive (?:pas|plus) a garder) (?:rien|"
            r"aucun liquide|pas l'eau|l'eau|les liquides)\b",
            rf"\b(?:vomit\w*|throwing up|throw up|being sick|vomi\w*|vomissements?) "
            rf"<4>{_LONG_DURATION}",
            rf"{_LONG_DURATION} <4>(?:vomit\w*|throwing up|vomi\w*|vomissements?)\b",
            r"\b(?:throwing up|vomiting) <2>(?:everything|all day|non stop|nonstop|constantly)\b",
            r"\bvomi\w* <2>(?:tout|sans arret|toute la journee)\b",
        ),
    ),
    _Rule(
        "allergic_reaction",
        "urgent",
        _rx(
            r"\b(?:allerg\w*|hives|urticaria|welts|rash|reaction|urticaire|plaques|boutons|"
            r"eruption) <4>(?:spreading|spread|all over|everywhere|whole body|getting worse|worse "
            r"and worse|getting bigger|se propage\w*|s'etend\w*|partout|tout le corps|de plus en "
            r"plus|s'aggrave\w*)\b",
            r"\b(?:lips?|face) <3>(?:swell\w*|swollen|puff\w*)\b",
            r"\b(?:swollen|swelling|puffy) <2>(?:lips?|face)\b",
            r"\b(?:levres?|visage) <3>(?:gonfl\w*|enfl\w*)\b",
            r"\b(?:throat|airway) <3>(?:swell\w*|swollen)(?! (?:glands?|tonsils?|lymph|nodes?))\b",
            r"\bgorge <3>(?:gonfl\w*|enfl\w*)\b",
        ),
    ),
    _Rule(
        "fainting",
        "urgent",
        _rx(
            r"\b(?:passed out|fainted|fainting|blacked out|lost consciousness|collapsed|"
            r"unconscious|knocked out|inconscient\w*|evanou\w*|perdu connaissance|tombe dans les "
            r"pommes|fait un malaise|eu un malaise|syncope)\b",
        ),
    ),
    _Rule(
        "seizure_recent",
        "urgent",
        _rx(
            r"\b(?:had|has had|having had|just had) (?:a |his |her )?(?:seizure|convulsion|fit)\b",
            r"\b(?:a fait|ai fait|a eu|avons eu) une (?:crise d'epilepsie|crise convulsive|"
            r"convulsion)\b",
        ),
    ),
    _Rule(
        "breathless",
        "urgent",
        _rx(
            r"\bshort(?:ness)? of breath\b|\bbreathless\w*|\bessouffl\w*|\bsouffle court\b|"
            r"\bmanque d'air\b|\bdyspn\w*",
        ),
    ),
    _Rule(
        "severe_abdominal_pain",
        "urgent",
        _rx(
            r"\b(?:severe|intense|terrible|excruciating|unbearable|really bad|very bad|extreme) "
            r"<2>(?:abdominal|stomach|belly|tummy) (?:pain|pains|cramps?|ache)\b",
            r"\b(?:douleur|douleurs|mal) <2>(?:ventre|abdomen|abdominale?s?) <2>(?:intense|"
            r"violente?|insupportable|atroce)\b",
        ),
    ),
    _Rule(
        "infected_wound",
        "urgent",
        _rx(
            r"\b(?:wound|cut|bite|incision|stitches|sutures|scar|scrape|graze|burn|blister|"
            r"piercing|tattoo|splinter|plaie|coupure|morsure|cicatrice|points de suture|brulure|"
            r"egratignure|ecorchure) <5>(?:infected|infection|pus|oozing|weeping|spreading|red "
            r"streaks?|red lines?|streaks|red and (?:hot|warm|swollen)|hot to (?:the )?touch|"
            r"getting redder|more red|smells? bad|infecte\w*|suinte\w*|s'etend\w*|rouge et "
            r"(?:chaud|gonfle)\w*|trainees? rouges?|chaud au toucher)\b",
            r"\b(?:infected|infection) <2>(?:wound|cut|bite|incision|stitches)\b",
            r"\b(?:redness|rougeur) <2>(?:spreading|spreads|getting bigger|growing|expanding|"
            r"s'etend\w*|s'etale\w*|augmente|progresse)\b|\bspreading redness\b",
        ),
    ),
    _Rule(
        "waters_broken",
        "urgent",
        _WATERS,
    ),
)

_UTI = _rx(
    r"\b(?:uti|urinary (?:tract )?infection|bladder infection|cystitis|pyelonephritis|kidney "
    r"infection|urine infection|water infection)\b",
    r"\bburn\w* (?:when|while|on) (?:i |he |she )?(?:pee|peeing|urinat\w*|wee)\b",
    r"\bpain(?:ful)? (?:when |while |on )?(?:pee\w*|urinat\w*)\b",
    r"\b(?:infection urinaire|cystite|pyelonephrite|infection (?:du|des) reins?)\b",
    r"\bbrul\w* (?:en|quand j'|quand je|pour|a la) (?:urin\w*|fais pipi|miction)\b",
    r"\bbrulures? (?:urinaires|mictionnelles)\b|\b(?:mal|douleurs?) en urinant\b",
)
_BACK_OR_CHILLS = _rx(
    r"\b(?:back pain|flank pain|pain in (?:my|his|her|the) (?:back|side|flank)|lower back|kidney "
    r"pain|(?:back|side|flank) (?:hurts|pain)|chills|shivers|shivering|rigors)\b",
    r"\bmal (?:au|dans le) dos\b|\bdouleurs? (?:au|dans le|du) dos\b|\bdouleurs? lombaires?\b",
    r"\bmal aux reins\b|\bdouleurs? (?:aux|dans les|des) reins\b|\bfrissons\b",
)
_EAR_PAIN = _rx(
    r"\b(?:ear ?ache|ear pain|ear infection|ears? (?:hurts?|hurting|pain)|pulling (?:at )?(?:his|"
    r"her) ears?)\b",
    r"\botite\b|\b(?:mal|douleurs?) (?:a l'|aux )oreilles?\b",
)
_EAR_SEVERE = re.compile(
    r"\b(?:severe|bad|terrible|really|very|screaming|crying|can't sleep|won't stop|fever|pus|"
    r"discharge|fluid|leaking|swelling behind|tres|fort|forte|intense|pleure|hurle|fievre|"
    r"ecoulement|coule|pus)\b"
)


# ---------------------------------------------------------------- evaluation


def _first(doc: _Doc, pattern: re.Pattern[str], *, keep_general: bool = False) -> _Hit | None:
    found = doc.hits(pattern, keep_general=keep_general)
    return found[0] if found else None


def _rule_hit(doc: _Doc, rule: _Rule) -> _Hit | None:
    found = doc.hits(
        rule.pattern, exclude_before=rule.exclude_before, exclude_clause=rule.exclude_clause
    )
    if not found:
        return None
    for req in rule.requires:
        if not doc.hits(req, keep_general=True):
            return None
    return found[0]


def _temperature_value(m: re.Match[str]) -> float | None:
    """A body temperature in °C from a _TEMP_VALUE match (Fahrenheit converted), or None."""
    has_cue = bool(m.group(3)) or bool(re.match(r"(?:temp|fever|fievre|thermo)", m.group()))
    if not has_cue:
        return None
    value = float(m.group(1) + ("." + m.group(2) if m.group(2) else ""))
    if value >= 90:
        value = (value - 32) * 5 / 9
    return value if 34 <= value <= 44 else None


_WORD_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
}
_AGE_NUM = (
    r"(\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|un|une|deux|"
    r"trois|quatre|cinq|sept|huit|neuf|dix)"
)
_AGE_UNIT = r"(days?|d|weeks?|wks?|w|months?|mos?|jours?|j|semaines?|mois)"
_AGE_PATTERNS = (
    re.compile(rf"\b{_AGE_NUM} ?{_AGE_UNIT} ?old\b"),
    re.compile(
        rf"\b(?:baby|infant|son|daughter|newborn|bebe|nourrisson|fils|fille|enfant|she|he) (?:is |"
        rf"of |aged |age de |agee? de |de |who is |qui a )(?:only |just |seulement )?{_AGE_NUM} "
        rf"?{_AGE_UNIT}\b"
    ),
    re.compile(rf"\b{_AGE_NUM} ?{_AGE_UNIT} de vie\b"),
    re.compile(rf"\bnee? il y a {_AGE_NUM} ?{_AGE_UNIT}\b"),
    re.compile(rf"\bborn {_AGE_NUM} ?{_AGE_UNIT} ago\b"),
)
_NEWBORN = re.compile(r"\b(?:newborn|new born|neonate|nouveau ne|nouveau nee)\b")


def _infant_days(text: str) -> float | None:
    """Age in days of a baby the text talks about, or None."""
    if _NEWBORN.search(text):
        return 14.0
    ages: list[float] = []
    for pat in _AGE_PATTERNS:
        for m in pat.finditer(text):
            raw, unit = m.group(1), m.group(2)
            n = float(raw) if raw.isdigit() else float(_WORD_NUMBERS.get(raw, 0))
            if unit.startswith(("d", "j")):
                ages.append(n)
            elif unit.startswith(("w", "s")):
                ages.append(n * 7)
            else:
                ages.append(n * 30.4)
    return min(ages) if ages else None


def _gestation_weeks(text: str) -> float | None:
    weeks = [float(m.group(1)) for m in _GEST_WEEKS.finditer(text) if 4 <= int(m.group(1)) <= 43]
    months = [int(m.group(1)) * 4.35 for m in _GEST_MONTHS.finditer(text)]
    values = weeks + months
    return max(values) if values else None


def _vital_signs(doc: _Doc) -> _Hit | None:
    """A measured vital sign in the danger zone. Heart and breathing rates count only in a
    clinical write-up (a user's "heart rate 150" is usually exercise)."""
    clinical = _VIGNETTE.search(doc.text) is not None
    shocky = clinical or _first(doc, _SHOCK_SIGN) is not None
    for hit, value in doc.measures(_SPO2):
        if 50 <= value <= 92:
            return hit
    for hit, value in doc.measures(_SYSTOLIC):
        if 40 <= value < (90 if shocky else 70):
            return hit
    for hit, value in doc.measures(_GCS):
        if 3 <= value <= 12:
            return hit
    if clinical:
        for hit, value in doc.measures(_HEART_RATE):
            if 130 < value <= 250:
                return hit
        for hit, value in doc.measures(_RESP_RATE):
            if 30 <= value <= 80:
                return hit
    return None


def _combined_red_flags(
    doc: _Doc,
    fire: Callable[[TriageLevel, str, _Hit | None], None],
    *,
    febrile: bool,
    child: bool,
    preg: _Hit | None,
) -> None:
    """Emergencies made of two findings that are each less alarming alone."""
    fire("emergency", "vital_signs", _vital_signs(doc))
    # allergic swelling or hives with breathing trouble or faintness: anaphylaxis
    if _first(doc, _ALLERGY_CTX) is not None and _first(doc, _ALLERGIC_SKIN) is not None:
        fire("emergency", "anaphylaxis", _first(doc, _ANAPHYLAXIS_COMPANION))
    # black or bloody stools, or vomited blood, with faintness: a serious bleed
    gi = _first(doc, _GI_BLEED_SIGN)
    if gi is not None and _first(doc, _SHOCK_SIGN) is not None:
        fire("emergency", "bleeding", gi)
    # an extra dose of medicine and now drowsy or confused
    dose = _first(doc, _EXTRA_DOSE)
    if dose is not None and _first(doc, _ALTERED) is not None:
        fire("emergency", "overdose", dose)
    # early pregnancy with one-sided pain and faintness: possible ectopic pregnancy
    if preg is not None:
        side = _first(doc, _ONE_SIDED_PAIN)
        if side is not None and _first(doc, _FAINT) is not None:
            fire("emergency", "pregnancy", side)
    # a child with bloody diarrhoea passing little urine, drowsy, pale or anaemic (haemolytic
    # uraemic syndrome, severe dehydration)
    if child:
        bloody = _first(doc, _BLOODY_DIARRHOEA)
        if bloody is not None and (
            _first(doc, _LOW_URINE) is not None
            or _first(doc, _DEHYDRATED) is not None
            or _first(doc, _HUS_SIGN) is not None
        ):
            fire("emergency", "bloody_diarrhoea", bloody)
    # fever with extreme shivering, faintness or no urine: sepsis warning signs
    if febrile:
        fire(
            "emergency",
            "sepsis",
            _first(doc, _RIGORS) or _first(doc, _SHOCK_SIGN) or _first(doc, _LOW_URINE),
        )
    # asthma or COPD with breathlessness getting worse over hours or days, or at the
    # emergency department: a severe flare-up
    if _LUNG_DISEASE.search(doc.text):  # a known condition: history counts here
        short = _first(doc, _ACUTE_BREATHLESS)
        if short is None and _first(doc, _ED_PRESENTATION) is not None:
            short = _first(doc, _BREATHLESS_ANY)
        fire("emergency", "breathing", short)
    # one swollen leg with breathlessness or coughing blood (possible pulmonary embolism),
    # or after recent surgery, a hospital stay, bed rest or a long flight (likely clot)
    leg = _first(doc, _ONE_LEG_SWELLING)
    if leg is not None and (
        _first(doc, _PE_COMPANION) is not None or doc.mentions(_VTE_RISK) is not None
    ):
        fire("emergency", "blood_clot", leg)
    # abdominal or flank pain so bad the person cannot keep still
    belly = _first(doc, _BELLY_FLANK_PAIN, keep_general=True)
    if belly is not None:
        fire("emergency", "abdominal_emergency", _first(doc, _WRITHING))
    # jaw stiffness or generalised painful spasms after a wound: tetanus
    if doc.mentions(_WOUND_OR_TETANUS) is not None:
        fire("emergency", "tetanus", _first(doc, _TETANUS_SIGN))
    # fever and headache with light sensitivity: possible meningitis
    if febrile and _first(doc, _HEADACHE) is not None:
        fire("emergency", "meningitis", _first(doc, _PHOTOPHOBIA))


def triage(text: str, *, similar: Similar | None = None) -> TriageResult:
    """Classify a user message before retrieval. Never raises on odd input.

    ``similar`` is the optional second signal (embedding similarity to curated red-flag
    exemplars, see guardrails.redflags): asked only when the rules found no emergency or
    crisis, and only about current, non-general sentences, so history and general questions
    stay out of its reach as they do for the rules."""
    language = detect_language(text or "")
    if not text or not text.strip():
        return TriageResult("none", None, language)
    doc = _Doc(text)

    fired: list[tuple[TriageLevel, str, _Hit]] = []

    def fire(level: TriageLevel, rule: str, hit: _Hit | None) -> None:
        if hit is not None:
            fired.append((level, rule, hit))

    for rule in _RULES:
        fire(rule.level, rule.rule, _rule_hit(doc, rule))

    fever = _first(doc, _FEVER)
    temps = doc.temperatures()
    if temps:  # measured values decide: 38 °C (100.4 °F) or more is a fever
        fever_hit = next((h for h, t in temps if t >= 38.0), None)
    else:
        fever_hit = fever
    febrile = fever_hit is not None
    child = _first(doc, _CHILD_CTX, keep_general=True)
    preg = _first(doc, _PREG_CTX, keep_general=True)

    # sepsis: fever with confusion or very fast breathing
    if febrile:
        fire("emergency", "sepsis", _first(doc, _CONFUSION) or _first(doc, _FAST_BREATH))
    # meningitis: stiff neck with fever, or a rash that does not fade with fever or stiff neck
    stiff = _first(doc, _STIFF_NECK)
    rash = _first(doc, _RASH_NOT_FADING)
    if stiff is not None and (febrile or rash is not None):
        fire("emergency", "meningitis", stiff)
    if rash is not None and febrile:
        fire("emergency", "meningitis", rash)
    # babies: under three months with a temperature of 38 °C or more
    age = _infant_days(doc.text)
    if age is not None and age < 91 and fever_hit is not None:
        fire("emergency", "infant_fever", fever_hit)
    if child is not None:
        feeding = _first(doc, _NOT_FEEDING)
        if feeding is not None and _first(doc, _DROWSY) is not None:
            fire("emergency", "infant_red_flag", feeding)
        ear = _first(doc, _EAR_PAIN)
        if ear is not None and (febrile or _EAR_SEVERE.search(doc.text)):
            fire("urgent", "child_ear_pain", ear)
    # arm or jaw pain with sweating, nausea or breathlessness: a heart attack pattern
    arm = _first(doc, _ARM_JAW_PAIN)
    if arm is not None and _first(doc, _CARDIAC_COMPANION) is not None:
        fire("emergency", "chest_pain", arm)
    # head injury with confusion, vomiting, drowsiness, a seizure or blood thinners
    head = _first(doc, _HEAD_INJURY)
    if head is not None and _first(doc, _HEAD_RED_FLAG) is not None:
        fire("emergency", "head_injury", head)
    # pregnancy: waters breaking before 37 weeks
    if preg is not None:
        waters = _first(doc, _WATERS)
        weeks = _gestation_weeks(doc.text)
        if waters is not None and (weeks is None or weeks < 37):
            fire("emergency", "pregnancy", waters)
        bleed = _first(doc, _PREG_BLEED)
        if bleed is not None:
            fire("urgent", "pregnancy_bleeding", bleed)

    _combined_red_flags(doc, fire, febrile=febrile, child=child is not None, preg=preg)

    for rule in _URGENT_RULES:
        fire(rule.level, rule.rule, _rule_hit(doc, rule))
    if febrile:
        if any(t >= 39.5 for _, t in temps):
            fire("urgent", "high_fever", fever_hit)
        elif fever is not None and _first(doc, _FEVER_DAYS, keep_general=False) is not None:
            fire("urgent", "high_fever", fever)
        uti = _first(doc, _UTI)
        if uti is not None:
            fire("urgent", "uti_fever", uti)
    else:
        uti = _first(doc, _UTI)
        if uti is not None and _first(doc, _BACK_OR_CHILLS) is not None:
            fire("urgent", "uti_fever", uti)

    top_rule = max((_LEVEL_RANK[level] for level, _, _ in fired), default=0)
    if similar is not None and top_rule < _LEVEL_RANK["emergency"]:
        candidates = _similarity_candidates(doc)
        found = similar([(original, negated) for _, original, negated in candidates])
        if (
            found is not None
            and 0 <= found.index < len(candidates)
            and _LEVEL_RANK[found.level] > top_rule
        ):
            hit = candidates[found.index][0]
            return TriageResult(
                found.level, found.rule, language, doc.span(hit) or None, round(found.score, 3)
            )

    if not fired:
        return TriageResult("none", None, language)

    top = max(_LEVEL_RANK[level] for level, _, _ in fired)
    if top == _LEVEL_RANK["crisis"] and any(level == "emergency" for level, _, _ in fired):
        hit = next(h for level, _, h in fired if level == "emergency")
        return TriageResult("crisis", "self_harm_emergency", language, doc.span(hit) or None)
    level, rule_id, hit = next(f for f in fired if _LEVEL_RANK[f[0]] == top)
    return TriageResult(level, rule_id, language, doc.span(hit) or None)


# ---------------------------------------------------------------- numbers

_TABLE: dict[str, dict[str, list[str]]] = {
    "US": {"emergency": ["911"], "crisis": ["988", "911"], "urgent": []},
    # Canada: 911 and 988 (since 2023). "fr-CA" must not get the French "15".
    "CA": {"emergency": ["911"], "crisis": ["988", "911"], "urgent": []},
    "FR": {"emergency": ["15", "112"], "crisis": ["3114", "112"], "urgent": ["116117"]},
    "EU": {"emergency": ["112"], "crisis": ["112"], "urgent": []},
}
_CRISIS_LINES = {"988", "3114"}
_CARE_LINES = {"116117"}

_COUNTRY_IN_TEXT: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "US",
        re.compile(
            r"\b(?:in|from|live in|living in|based in|visiting|to) (?:the )?(?:us|u s|usa|u s a|"
            r"united states|states|america)\b|\b(?:usa|united states|u s a|etats unis|amerique)\b"
        ),
    ),
    ("CA", re.compile(r"\bcanada\b|\bquebec\b")),
    ("FR", re.compile(r"\bfrance\b|\ben metropole\b")),
)


def _country_from_text(text: str) -> str | None:
    if not text:
        return None
    folded = fold_words(text)
    folded = folded.replace(".", " ")
    folded = re.sub(r" +", " ", folded)
    best: tuple[int, str] | None = None
    for country, pattern in _COUNTRY_IN_TEXT:
        for m in pattern.finditer(folded):
            if best is None or m.start() > best[0]:
                best = (m.start(), country)
    return best[1] if best else None


def _country_from_locale(locale: str) -> str:
    parts = re.split(r"[-_.@]", (locale or "").strip())
    lang = parts[0].lower() if parts else ""
    region = parts[1].upper() if len(parts) > 1 else ""
    if region in {"US", "CA", "FR"}:
        return region
    if len(parts) == 1 and lang.upper() in {"US", "CA", "FR"} and lang.isupper():
        return lang.upper()
    if lang == "fr" and region in {"", "FX", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}:
        return "FR"
    return "EU"


def emergency_numbers(locale: str, level: TriageLevel, text: str = "") -> list[str]:
    """Numbers to show for a triage level.

    The country named in the text ("I'm in France", "je suis aux États-Unis") wins over the
    locale. US: 911 / 988; France (fr-FR, fr): 15 and 112 / 3114 / 116117 for urgent care out
    of hours; Canada: 911 / 988; elsewhere 112 (the European emergency number).
    """
    if level == "none":
        return []
    country = _country_from_text(text) or _country_from_locale(locale)
    return list(_TABLE[country][level])


# ---------------------------------------------------------------- messages

_CALL_AMBULANCE_RULES = {
    "stroke",
    "breathing",
    "anaphylaxis",
    "unconscious",
    "seizure",
    "overdose",
    "poisoning",
    "meningitis",
    "sepsis",
    "infant_fever",
    "infant_red_flag",
    "bleeding",
    "self_harm_emergency",
}

_EXTRA_EN: dict[str, str] = {
    "stroke": "Note the time the symptoms started.",
    "anaphylaxis": "If an adrenaline auto-injector (such as an EpiPen) has been prescribed, "
    "use it now.",
    "bleeding": "Press firmly on the wound with a clean cloth and keep pressing.",
    "overdose": "Keep the packaging or bottle to show the emergency team.",
    "poisoning": "Keep the packaging or container to show the emergency team. "
    "Don't try to make anyone vomit.",
    "self_harm_emergency": "Keep the packaging of anything that was taken.",
    "seizure": "Move things away that could cause injury, and don't put anything in their mouth.",
    "unconscious": "If they are not breathing normally, the dispatcher will guide you through CPR.",
    "breathing": "Sit up, and stay as calm as you can.",
}
_EXTRA_FR: dict[str, str] = {
    "stroke": "Notez l'heure à laquelle les symptômes ont commencé.",
    "anaphylaxis": "Si un stylo d'adrénaline (auto-injecteur) a été prescrit, "
    "utilisez-le maintenant.",
    "bleeding": "Appuyez fermement sur la plaie avec un linge propre, sans relâcher.",
    "overdose": "Gardez l'emballage ou la boîte pour le montrer aux secours.",
    "poisoning": "Gardez l'emballage ou le flacon pour le montrer aux secours. "
    "Ne faites pas vomir.",
    "self_harm_emergency": "Gardez l'emballage de ce qui a été pris.",
    "seizure": "Éloignez ce qui pourrait blesser la personne et ne mettez rien dans sa bouche.",
    "unconscious": "Si la personne ne respire pas normalement, l'assistant de régulation vous "
    "guidera pour le massage cardiaque.",
    "breathing": "Restez assis(e) et essayez de rester aussi calme que possible.",
}


def _split_numbers(numbers: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    emergency: list[str] = []
    crisis: list[str] = []
    care: list[str] = []
    for n in numbers:
        if n in _CRISIS_LINES:
            crisis.append(n)
        elif n in _CARE_LINES:
            care.append(n)
        else:
            emergency.append(n)
    return emergency, crisis, care


def _call_phrase(emergency: list[str], fr: bool) -> str:
    if not emergency:
        return (
            "Appelez les secours (numéro d'urgence local)"
            if fr
            else ("Call your local emergency number")
        )
    if fr:
        phrase = f"Appelez le {emergency[0]}"
        if len(emergency) > 1:
            phrase += f" (ou le {emergency[1]})"
        return phrase
    phrase = f"Call {emergency[0]}"
    if len(emergency) > 1:
        phrase += f" (or {emergency[1]})"
    return phrase


def _crisis_line_phrase(lines: list[str], fr: bool) -> str:
    if not lines:
        return (
            "Vous pouvez aussi parler à une personne de confiance ou à une ligne d'écoute."
            if fr
            else "You can also reach out to someone you trust, or a local crisis line, to talk."
        )
    line = lines[0]
    if fr:
        label = " (numéro national de prévention du suicide)" if line == "3114" else ""
        return f"Vous pouvez appeler le {line}{label} à toute heure pour parler à quelqu'un."
    labels = {"988": " (Suicide & Crisis Lifeline)", "3114": " (suicide prevention line)"}
    label = labels.get(line, "")
    verb = "call or text" if line == "988" else "call"
    return f"You can {verb} {line}{label} any time to talk to someone."


def escalation_message(
    result: TriageResult,
    numbers: list[str],
    language: str,
    *,
    locale: str | None = None,
    text: str = "",
) -> str:
    """A short, calm first-line message for a triage result ("" for level "none").

    Every phone number in it comes from ``numbers``; an urgent message also names the
    emergency number of the same locale table (from ``locale``/``text`` when given,
    otherwise France's when ``numbers`` holds 116117, otherwise "your local emergency
    number").
    """
    fr = language.lower().startswith("fr")
    emergency, crisis, care = _split_numbers(numbers)
    rule = result.rule or ""

    if result.level == "none":
        return ""

    if result.level == "emergency" or rule == "self_harm_emergency":
        call = _call_phrase(emergency, fr)
        if fr:
            parts = ["Cela peut être une urgence."]
            if rule in _CALL_AMBULANCE_RULES:
                parts.append(f"{call} maintenant.")
            else:
                parts.append(
                    f"{call} maintenant, ou faites-vous conduire aux urgences les plus proches. "
                    "Ne conduisez pas vous-même."
                )
            if rule in _EXTRA_FR:
                parts.append(_EXTRA_FR[rule])
            parts.append(
                "Restez en ligne : la personne au téléphone vous dira quoi faire en attendant les "
                "secours."
            )
        else:
            parts = ["This could be an emergency."]
            if rule in _CALL_AMBULANCE_RULES:
                parts.append(f"{call} now.")
            else:
                parts.append(
                    f"{call} now, or have someone take you to the nearest emergency department. "
                    "Don't drive yourself."
                )
            if rule in _EXTRA_EN:
                parts.append(_EXTRA_EN[rule])
            parts.append(
                "Stay on the line: the dispatcher will tell you what to do until help arrives."
            )
        if result.level == "crisis":
            parts.append("Vous n'êtes pas seul(e)." if fr else "You're not alone.")
            if crisis:
                parts.append(_crisis_line_phrase(crisis, fr))
        return " ".join(parts)

    if result.level == "crisis":
        call = _call_phrase(emergency, fr)
        if fr:
            return " ".join(
                [
                    "Je suis vraiment désolé que vous traversiez cela. Vous n'êtes pas seul(e).",
                    f"Si vous risquez de passer à l'acte, ou si une personne près de vous le "
                    f"risque, {call[0].lower()}{call[1:]} maintenant.",
                    _crisis_line_phrase(crisis, fr),
                ]
            )
        return " ".join(
            [
                "I'm really sorry you're going through this. You're not alone.",
                f"If you, or someone with you, might act on these thoughts, "
                f"{call[0].lower()}{call[1:]} now.",
                _crisis_line_phrase(crisis, fr),
            ]
        )

    # urgent
    if locale is not None or text:
        fallback = emergency_numbers(locale or "", "emergency", text)[:1]
    elif care:
        fallback = _TABLE["FR"]["emergency"][:1]
    else:
        fallback = emergency[:1]
    if fr:
        first = "Veuillez contacter un médecin aujourd'hui (dans les 24 heures), par exemple votre "
        first += "médecin traitant"
        if care:
            first += f", ou le {care[0]} en dehors des heures d'ouverture des cabinets"
        first += "."
        worse = (
            f"Si cela s'aggrave, appelez le {fallback[0]}."
            if fallback
            else "Si cela s'aggrave, appelez les secours (numéro d'urgence local)."
        )
        return f"{first} {worse}"
    first = "Please contact a clinician today (within 24 hours), for example your doctor or an "
    first += "urgent care service"
    if care:
        first += f", or {care[0]} for out-of-hours care"
    first += "."
    worse = (
        f"If it gets worse, call {fallback[0]}."
        if fallback
        else "If it gets worse, call your local emergency number."
    )
    return f"{first} {worse}"
