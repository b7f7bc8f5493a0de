"""Word-level matching for the concept resolver: tokens with their place in the question,
a bounded edit distance for misspellings, and the words that never name a thing.

Both sides are folded the same way (:func:`rag.core.text.fold_words`) and cut into runs of
letters and digits, so "pt/inr", "LDL-C" and "l'asthme" compare token by token with the
lexicon's "pt inr", "ldl c" and "asthme". A misspelling on either side ("Simvistatin" in the
record, "cholestrol" in the question) is one or two edits away; a word of four letters or
fewer must match exactly, since "iron" and "iris" are one edit apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.text import fold_words_spans

__all__ = [
    "GENERIC",
    "NAME_FILLER",
    "Token",
    "close",
    "edit_distance",
    "is_generic",
    "significant",
    "tokenize",
]

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Token:
    text: str  # folded
    start: int  # span in the original question
    end: int


def tokenize(text: str) -> list[Token]:
    """Folded tokens of ``text`` with their spans in the original string."""
    folded = fold_words_spans(text)
    out: list[Token] = []
    for m in _TOKEN.finditer(folded.text):
        start = folded.index[m.start()]
        end = folded.index[m.end() - 1] + 1
        out.append(Token(m.group(0), start, end))
    return out


def edit_distance(a: str, b: str, bound: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours),
    or ``bound + 1`` as soon as it must exceed ``bound`` (most pairs stop after a row)."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > bound:
            return bound + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_edits(word: str) -> int:
    """Typos tolerated in a word of this length: none up to 4 letters, one up to 7, two."""
    return 0 if len(word) <= 4 else 1 if len(word) <= 7 else 2


def close(a: str, b: str) -> bool:
    """The same word, or a misspelling of it: same first letter, within the edits both
    lengths allow, and never a digit changed ("b12" is not "b6")."""
    if a == b:
        return True
    bound = min(allowed_edits(a), allowed_edits(b))
    if bound == 0 or a[0] != b[0] or any(c.isdigit() for c in a + b):
        return False
    return edit_distance(a, b, bound) <= bound


# Words of questions that never name a drug, a condition or a test on their own: function
# words, question words, time and status words, and the category nouns themselves. "What am
# I on right now?" must not look for a drug called "right".
GENERIC = frozenset("""
a an the my me i im i'm ive mine you your we our is are was were be been being am do does did
have has had get got go went going can could should would will may might must shall to of in
on at for from with without by about as and or but not no yes any some all every each this that
these those it its there here what whats which who whom whose when where why how much many
much more most less few lot lots right now still currently current today yesterday tomorrow
ever never again anymore already yet ago before after since until last latest recent recently
first next previous past time times day days week weeks month months year years one ones thing
things something anything everything nothing kind sort type please tell show give list let
know see look check find want need like okay ok just also too very really actually then so
taking take took taken use used using on off put start started stop stopped keep prescribed
medication medications medicine medicines meds med drug drugs pill pills prescription
prescriptions condition conditions problem problems diagnosis diagnoses disease diseases
illness allergy allergies allergic vaccine vaccines vaccination vaccinations shot shots jab jabs
immunization immunizations procedure procedures surgery surgeries operation operations test
tests result results lab labs level levels value values number numbers reading readings record
records report reports visit visits appointment appointments doctor doctors health medical
normal high low good bad ok fine okay worse better
je j tu il elle on nous vous ils elles me m te t se s moi toi lui leur mon ma mes ton ta tes
son sa ses notre nos votre vos le la les l un une des du de d au aux ce cet cette ces ca cela
qui que qu quoi quel quelle quels quelles comment combien quand ou pourquoi est sont suis es
ai as avait avoir etre fait faire pris prends prend prendre dernier derniere derniers
dernieres encore toujours actuellement maintenant deja jamais avant apres depuis aujourd hui
hier demain an ans annee annees mois semaine jour fois et mais ou donc ni car pas plus ne n y
en dans sur sous par pour avec sans chez tout tous toute toutes mes medicament medicaments
traitement traitements ordonnance maladie maladies probleme problemes allergie allergies
vaccin vaccins piqure examen examens analyse analyses resultat resultats taux niveau visite
rendez vous medecin docteur sante dossier bon bonne mauvais normal haut bas
active inactive diagnosed diagnostic diagnostique diagnostiquer illnesses treated treatment
care cost costs price paid pay bill bills billed charge charges spend spent insurance insurer
cover covers covered coverage plan hospital clinic place booster boosters reading
daily weekly monthly yearly average mean median avg per quotidien quotidienne journalier
journaliere hebdomadaire mensuel mensuelle moyenne moyen
soins cout coute couts facture factures assurance assureur mutuelle couvre lieu endroit
hopital clinique cabinet rappel rappels diagnostic diagnostics actif actifs active actives
""".split())  # noqa: SIM905 (a word list reads better as prose)


def is_generic(word: str) -> bool:
    """A word of :data:`GENERIC`, in the singular too ("illnesses", "ordonnances",
    "diagnostiques" are the category nouns, not the names of things)."""
    if word in GENERIC:
        return True
    for suffix in ("es", "s", "x"):
        if word.endswith(suffix) and word[: -len(suffix)] in GENERIC:
            return True
    return False

# Words of record names that say nothing about what the thing is ("Simvastatin 20 MG Oral
# Tablet" is simvastatin; "Fracture of right wrist" must not answer "right").
NAME_FILLER = frozenset("""
oral tablet tablets capsule capsules solution suspension injection injectable extended release
hour hr mg ml mcg unit units dose doses day daily topical chewable film coated delayed
product preparation disorder finding situation procedure chronic acute body with without
left right bilateral normal total test history review encounter check adult child pediatric
mild moderate severe high low level levels induced related due other unspecified primary
secondary type of the and or in on for by to at a an due nos vaccine vaccines seasonal
preservative free containing active food allergy allergic pain medication free per actuat
inhalant inhaler metered powder cream ointment patch prefilled syringe pen auto injector
qualifier value observable entity regime therapy
""".split())  # noqa: SIM905 (a word list reads better as prose)


def significant(name: str) -> list[str]:
    """The tokens of a record's name that say what it is (no filler, no bare numbers)."""
    return [t.text for t in tokenize(name)
            if t.text not in NAME_FILLER and not is_generic(t.text) and not t.text.isdigit()
            and len(t.text) >= 3]
