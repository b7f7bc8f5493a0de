"""Diagnosis, medication-change and prescription requests (English and French).

``classify_request`` flags questions the service must not answer as asked:

- ``diagnosis_request``: "Do I have diabetes?", "Is this cancer?", "What's wrong with me?",
  "Could my results mean kidney disease?", "Ai-je du diabète ?", "Est-ce que j'ai un cancer ?"
- ``medication_change``: starting, stopping or changing the dose of a medication, or asking
  for a prescription: "Should I stop taking metformin?", "Can I double my lisinopril dose?",
  "Can you prescribe me antibiotics?", "Puis-je arrêter mon traitement ?"

Record look-ups ("What was my last A1c?", "What am I allergic to?", "Do I have an
appointment?") and general questions ("What is diabetes?") are neither.

``DIAGNOSIS_BANNED`` is the other side: phrasings a generated answer must never contain
("you have diabetes", "you are diabetic", "vous souffrez de ..."), while record wording
("you have 2 allergies listed", "you have an appointment", "vous avez des résultats")
stays allowed. Hypotheticals ("whether you have", "si vous avez") are not assertions.

Standard library only; rules are regular expressions over a folded text (lower case,
no accents, typographic apostrophes straightened).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.text import fold_words

__all__ = [
    "DIAGNOSIS_BANNED",
    "RequestFlags",
    "banned_phrases",
    "classify_request",
    "referral_sentence",
]


@dataclass(frozen=True)
class RequestFlags:
    diagnosis_request: bool
    medication_change: bool  # dose change, stop/start a medication, asking for a prescription
    condition_hint: str | None  # "diabetes", "kidney", "thyroid", ... when the question names one


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


# ---------------------------------------------------------------- vocabularies (folded)

_COND_EN = (
    r"(?:(?:type (?:1|2|one|two|i|ii) )?diabet\w*|pre ?diabet\w*|cancer\w*|tumou?rs?|leuka?emia|"
    r"lymphoma|melanoma|kidney (?:disease|failure|problems?|damage|stones?|issues?)|renal "
    r"(?:failure|disease|insufficiency)|ckd|(?:hypo|hyper)thyroid\w*|thyroid\w*|hashimoto\w*|"
    r"graves|ana?emi\w*|iron deficiency|(?:high|elevated|raised|low) (?:cholesterol|blood "
    r"pressure|blood sugar|triglycerides|iron|thyroid)|hypercholesterol\w*|hyperlipid\w*|"
    r"dyslipid\w*|hypertension|heart (?:disease|failure|problems?|condition|issues?)|coronary "
    r"(?:\w+ )?disease|a ?fib|atrial fibrillation|arrhythmi\w*|covid|flu|influenza|pneumonia|"
    r"asthma|copd|emphysema|depression|anxiety|adhd|autism|dementia|alzheimer\w*|parkinson\w*|"
    r"multiple sclerosis|lupus|arthritis|gout|osteoporosis|celiac|coeliac|crohn\w*|colitis|ibs|"
    r"hepatitis|hiv|aids|stds?|stis?|lyme|sepsis|fatty liver|cirrhosis|liver (?:disease|damage|"
    r"failure|problems?)|gallstones|appendicitis|ulcers?|migraines?|epilepsy|sleep apnea|"
    r"endometriosis|pcos|infections?|utis?|tuberculosis|measles|strep|mono|sinusitis|bronchitis|"
    r"(?:an? |some )?(?:[a-z]+ ){0,2}(?:disease|disorder|syndrome|deficiency|insufficiency|"
    r"condition|illness|infection)|(?!(?:diagnosis|prognosis|hypnosis|osmosis)\b)[a-z]{3,}(?:itis|"
    r"osis|emia|aemia|oma|pathy)\b)"
)
_COND_FR = (
    r"(?:diabet\w*|prediabet\w*|cancer\w*|tumeur\w*|leucemie|lymphome|melanome|(?:insuffisance|"
    r"maladie) (?:renale|cardiaque|hepatique|respiratoire)|maladie\w* (?:des reins|du coeur|du "
    r"foie|de \w+|d'\w+)|(?:hypo|hyper)thyroidie|thyroide|anemi\w*|carence\w*|(?:trop de "
    r")?cholesterol|hypercholesterolemie|hypertension|(?:trop de )?tension|maladie cardiaque|"
    r"infarctus|avc|infection\w*|covid|grippe|pneumonie|asthme|bpco|depression|alzheimer|"
    r"parkinson|sclerose en plaques|lupus|arthrite|arthrose|goutte|osteoporose|maladie coeliaque|"
    r"crohn|hepatite|vih|sida|ist|mst|lyme|steatose|cirrhose|calculs|appendicite|ulcere|migraine|"
    r"epilepsie|apnee du sommeil|endometriose|sopk|maladie\w*|syndrome\w*|trouble\w*|deficit\w*|"
    r"insuffisance\w*|diabetique|anemique|hypertendue?|grave|malade|serieux)"
)
_MED_NAMES = (
    r"metformine?|lisinopril|aspirine?|ibuprofene?|paracetamol|acetaminophen|tylenol|advil|"
    r"warfarin|eliquis|xarelto|ozempic|wegovy|mounjaro|jardiance|lipitor|crestor|synthroid|"
    r"levothyrox\w*|prednis\w*|amoxicilline?|gabapentin|tramadol|oxycodone|morphine|zoloft|prozac|"
    r"lexapro|xanax|ambien|plavix|clopidogrel|lasix|furosemide|allopurinol|colchicine|"
    r"methotrexate|hydroxychloroquine|insulin\w*|insuline|lantus|humalog|glipizide|januvia|"
    r"trulicity|victoza|entresto|digoxin|amiodarone|lithium|sertraline|citalopram|escitalopram|"
    r"fluoxetine|venlafaxine|duloxetine|bupropion|mirtazapine|quetiapine|olanzapine|risperidone|"
    r"aripiprazole|lamotrigine|levetiracetam|valproate|carbamazepine|topiramate|doliprane|"
    r"efferalgan|dafalgan|kardegic|spasfon|smecta|ventolin\w*|seretide|symbicort|[a-z]{2,}(?:pril|"
    r"sartan|olol|statin|statine|formin|prazole|dipine|thiazide|semide|cillin|mycin|floxacin|"
    r"oxacin|glutide|gliflozin|gliptin|xaban|parin|tidine|triptan|azepam|zolam|oxetine|faxine|"
    r"thyroxine|olone|profen|cycline|coxib|dronate|lukast)|salmeterol|formoterol"
)
_MED_EN = (
    r"(?:medications?|medicines?|meds|pills?|tablets?|capsules?|drugs?|doses?|dosage|dosing|"
    r"prescriptions?|treatment|insulin|inhaler|injections?|shots?|patch|antibiotics?|statins?|"
    r"antidepressants?|blood thinners?|birth control|the pill|contraceptives?|steroids?|"
    r"painkillers?|supplements?|mg|units|" + _MED_NAMES + r")"
)
_MED_FR = (
    r"(?:medicaments?|traitements?|cachets?|comprimes?|gelules?|pilule|doses?|dosage|posologie|"
    r"ordonnances?|insuline|antibiotiques?|statines?|antidepresseurs?|anticoagulants?|cortisone|"
    r"corticoides?|injections?|piqures?|patch|inhalateur|mg|unites|" + _MED_NAMES + r")"
)

# ---------------------------------------------------------------- diagnosis requests

_DIAGNOSIS = _rx(
    # English
    rf"\b(?:do|could|might|may|can|would) i (?:have|be having|have got|get|be getting|be)\b "
    rf"(?:(?:a|an|the|some|any) )?(?:[a-z]+ ){{0,2}}?{_COND_EN}",
    r"\bam i (?:pre ?)?(?:diabetic|ana?emic|hypertensive|hypothyroid|hyperthyroid|asthmatic|"
    r"epileptic|sick|ill|dying|infected|obese|depressed|bipolar|autistic)\b",
    rf"\b(?:is|could|might) (?:this|it|that) (?:be )?(?:(?:a|an) )?(?:sign of )?(?:[a-z]+ "
    rf"){{0,1}}?(?:{_COND_EN}|serious|something serious|something bad|dangerous)\b",
    r"\bwhat(?:'s| is| s) (?:wrong|going on) with me\b|\bwhat (?:do|could|might|may) i have\b|"
    r"\bwhat have i got\b|\bwhat (?:disease|condition|illness|infection|disorder) (?:do|could|"
    r"might|may) i have\b",
    r"\bdiagnose (?:me|my|this|what|it)\b|\b(?:give|tell) me (?:a |my |the |your )?diagnosis\b|"
    r"\byour diagnosis\b|\bcan you diagnose\b|\bwhat(?:'s| is) my diagnosis\b|\bself diagnos\w*\b",
    r"\bwhat(?:'s| is) causing (?:my|these|this|the)\b",
    rf"\b(?:could|can|might|do|does|would) (?:my|these|this|the|it|that|those) (?:[a-z']+ "
    rf"){{0,3}}?(?:mean|indicate|suggest|show|point to|be a sign of|be signs of|be caused by|"
    rf"be)\b (?:that )?(?:i (?:have|'ve got|am|might have|could have)\b|(?:(?:a|an|some) "
    rf")?{_COND_EN})",
    rf"\b(?:do you think|you think|is it possible|is it likely|is there a chance|any chance) "
    rf"(?:that )?i (?:have|might have|may have|could have|'ve got|am)\b (?:(?:a|an|some) "
    rf")?(?:{_COND_EN}|something (?:serious|wrong|bad))",
    rf"\b(?:i think|i suspect|i'm worried|i am worried|i fear|i'm afraid|i am afraid|worried) "
    rf"(?:that )?i (?:have|might have|may have|could have|'ve got|got)\b (?:(?:a|an|some|the) "
    rf")?{_COND_EN}",
    # French
    rf"\b(?:est ce que|est ce qu') ?j'ai (?:(?:un|une|le|la|l'|du|de la|des|de l') ?)?(?:[a-z']+ "
    rf"){{0,2}}?{_COND_FR}",
    rf"\bai je (?:(?:un|une|le|la|l'|du|de la|des|de l') ?)?(?:[a-z']+ ){{0,2}}?{_COND_FR}",
    rf"\bj'ai (?:(?:un|une|le|la|l'|du|de la|des|de l') ?)?(?:[a-z']+ ){{0,2}}?{_COND_FR}(?: "
    rf"(?:ou pas|vraiment|aussi|moi aussi))? ?\?",
    r"\b(?:suis je|est ce que je suis) (?:pre )?(?:diabetique|anemique|hypertendue?|asthmatique|"
    r"epileptique|malade|atteinte?|infectee?|depressi\w*)\b",
    rf"\b(?:est ce|c'est|est ce que c'est|ca serait|ce serait|serait ce) (?:(?:un|une|le|la|l'|du|"
    rf"de la|des) ?)?(?:signe d'une? )?{_COND_FR}\b(?: (?:ou pas|vraiment|docteur))? ?\?",
    r"\bqu'est ce que j'ai\b|\bqu'est ce qui ne va pas (?:chez|avec) moi\b|\bde quoi (?:je "
    r"souffre|suis je atteinte?|est ce que je souffre)\b|\bquel (?:est|serait) (?:mon|le) "
    r"diagnostic\b|\bme diagnostiquer\b|\bdiagnostiquez moi\b|\b(?:faire|poser|donner) (?:un|mon|"
    r"le) diagnostic\b",
    rf"\b(?:mes|ces|les) (?:resultats|analyses|symptomes|examens|bilans?) (?:[a-z']+ "
    rf"){{0,2}}?(?:signifient|veulent dire|indiquent|montrent)(?: t ils| ils)? (?:que )?(?:j'ai|"
    rf"je suis|(?:(?:un|une|du|de la|des) )?{_COND_FR})",
    rf"\b(?:pourrait|pourraient|peut|peuvent|serait) (?:[a-z']+ ){{0,2}}?(?:etre|signifier|"
    rf"indiquer) (?:(?:un|une|le|la|l'|du|de la|des) ?)?(?:signe d'une? )?{_COND_FR}",
    rf"\bje (?:pense|crois|me demande si|soupconne) (?:que )?(?:j'ai|avoir|je suis) (?:(?:un|une|"
    rf"le|la|l'|du|de la|des) ?)?(?:[a-z']+ ){{0,1}}?{_COND_FR}",
)
_RECORD_LOOKUP = re.compile(
    r"\b(?:in|on) (?:my|the) (?:records?|chart|file|list|notes)\b|\blisted\b|\brecorded\b|\bon "
    r"file\b|\bdans mon dossier\b|\benregistre\w*\b|\bmy records (?:say|show)\b|\bwhen was i "
    r"diagnosed\b|\bquand (?:ai je ete|est ce que j'ai ete) diagnostique\w*\b"
)

# ---------------------------------------------------------------- medication change

_NOT_MY = r"(?!(?:my|his|her|our|mes|mon|ma|ses|son|sa|it|them)\b)"
_MEDICATION = _rx(
    # stop
    rf"\b(?:stop|stopping|quit|quitting|discontinue|come off|coming off|get off|go off|cut out|"
    rf"drop|skip|skipping|halt|pause|cease|wean off|wean myself off|taper off|give up)\b "
    rf"(?:taking |using |on )?(?:(?:my|the|this|these|his|her|all (?:my |the )?|all of (?:my |the "
    rf")?) )?(?:[a-z]+ ){{0,2}}?{_MED_EN}\b",
    r"\b(?:stop|quit|skip) (?:taking|using) (?:it|them|this|that|these)\b",
    # dose change
    rf"\b(?:double|triple|halve|increase|increasing|decrease|decreasing|reduce|reducing|lower|"
    rf"lowering|raise|up|change|changing|adjust|adjusting|cut|split|alter|modify|tweak|bump up)\b "
    rf"(?:(?:my|the|his|her|this) )?(?:[a-z]+ ){{0,3}}?(?:dose|doses|dosage|dosing|mg|units|"
    rf"pills?|tablets?|{_MED_NAMES}|medications?|meds)\b",
    rf"\btake (?:more|less|extra|an extra|another|half|double|two|twice|2|3|three|a double) "
    rf"(?:[a-z]+ ){{0,2}}?(?:of )?(?:(?:my|the) )?(?:[a-z]+ )?(?:{_MED_EN}|as much)\b",
    # start or take
    rf"\b(?:should|can|could|may|shall) i (?:start|begin|try|take|use|go on|get on|add)\b "
    rf"(?:taking |using |on )?{_NOT_MY}(?:(?:a|an|some|the) )?(?:[a-z]+ ){{0,2}}?{_MED_EN}\b",
    rf"\b(?:do i need to|is it (?:ok|okay|safe|fine|alright) (?:to|if i)|would it be (?:ok|okay|"
    rf"safe) to|i want to|i'd like to|i would like to|i'm thinking (?:of|about)|thinking (?:of|"
    rf"about)|planning to) (?:start|begin|try|take|use|go on|add|stop|quit|double|increase|"
    rf"decrease|reduce|change|switch)\w* (?:taking |using |on )?{_NOT_MY}(?:(?:a|an|some|the) "
    rf")?(?:[a-z]+ ){{0,2}}?{_MED_EN}\b",
    # switch
    rf"\b(?:switch|switching|change|changing|swap|swapping|replace|replacing)\b (?:from |to |my |"
    rf"the )?(?:[a-z]+ ){{0,2}}?(?:{_MED_NAMES}|medications?|meds|medicine|prescription|"
    rf"treatment)\b",
    # prescription
    r"\bprescribe (?:me|something|anything|him|her|my)\b|\b(?:can|could|would|will) you (?:please "
    r")?(?:prescribe|write (?:me )?(?:a|an) (?:prescription|script)|renew|refill)\b",
    r"\b(?:need|want|get|give me) (?:a |an )?(?:new )?(?:prescription|script|refill)\b|\b(?:renew|"
    r"refill) my (?:prescription|script|meds|medication)\b",
    rf"\b(?:i need|i want|give me|can i (?:get|have)) (?:some |an? )?(?:antibiotics?|{_MED_NAMES}|"
    rf"painkillers?|sleeping pills?)\b",
    # French
    rf"\b(?:arreter|arrete|stopper|interrompre|suspendre|diminuer|augmenter|doubler|baisser|"
    rf"reduire|changer|modifier|sauter|espacer|remplacer|couper|commencer|debuter|ajouter|"
    rf"supprimer|tripler|stopper)\b (?:de prendre |a prendre |la prise de )?(?:(?:mon|ma|mes|le|"
    rf"la|les|l'|un|une|des|du|de|d') ?)?(?:[a-z']+ ){{0,2}}?{_MED_FR}\b",
    rf"\b(?:dois je|puis je|je peux|est ce que je (?:peux|dois)|faut il|peut on|je devrais|je "
    rf"pourrais|je vais|je voudrais|je veux) (?:prendre|essayer|utiliser)\b {_NOT_MY}(?:(?:un|une|"
    rf"des|du|de la|de l'|de|d'|le|la|les|l') ?)?(?:[a-z']+ ){{0,2}}?{_MED_FR}\b",
    r"\b(?:pouvez vous|pourriez vous|peux tu|pourrais tu|vous pouvez|tu peux|vous pourriez) (?:me "
    r"|lui )?(?:prescrire|faire une ordonnance|renouveler|donner (?:une ordonnance|des "
    r"antibiotiques))\b",
    r"\b(?:j'ai besoin d'une|je voudrais une|il me faut une|je veux une|faire une) (?:nouvelle "
    r")?ordonnance\b|\bme prescrire\b|\brenouveler (?:mon|ma|mes) (?:ordonnance|traitement)\b",
    r"\bprendre (?:plus|moins|double dose|une dose de plus|un comprime de plus|deux comprimes)\b",
)

# ---------------------------------------------------------------- condition hints

_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("diabetes", re.compile(r"\b(?:diabet\w*|prediabet\w*|high blood sugar|hyperglyca?emi\w*)")),
    ("kidney", re.compile(r"\b(?:kidneys?|renal|ckd|nephro\w*|reins?|renale?s?)\b")),
    ("thyroid", re.compile(r"\b(?:thyroid\w*|hypothyroid\w*|hyperthyroid\w*|hashimoto\w*|graves)")),
    ("anemia", re.compile(r"\b(?:ana?emi\w*|iron deficiency|carence en fer)")),
    (
        "cholesterol",
        re.compile(r"\b(?:cholesterol\w*|hypercholesterol\w*|hyperlipid\w*|dyslipid\w*)"),
    ),
    (
        "hypertension",
        re.compile(
            r"\b(?:hypertensi\w*|high blood pressure|hypertendu\w*|hta|tension (?:arterielle "
            r")?(?:elevee|haute|trop haute)|trop de tension)\b"
        ),
    ),
    (
        "heart",
        re.compile(
            r"\b(?:heart (?:disease|failure|attack|condition|problems?|rhythm)|cardiac|coronary|a "
            r"?fib|atrial fibrillation|arrhythmi\w*|cardiaque|coeur|infarctus)\b"
        ),
    ),
    (
        "cancer",
        re.compile(
            r"\b(?:cancer\w*|tumou?rs?|tumeurs?|oncolog\w*|lymphom\w*|leuka?emi\w*|leucemie)"
        ),
    ),
    ("liver", re.compile(r"\b(?:liver|hepat\w*|cirrhos\w*|foie|steatose)\b")),
)


def _condition_hint(folded: str) -> str | None:
    best: tuple[int, str] | None = None
    for name, pattern in _HINTS:
        m = pattern.search(folded)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def classify_request(text: str) -> RequestFlags:
    """Flags for a user question: diagnosis request, medication change, named condition."""
    folded = fold_words(text or "")
    diagnosis = bool(_DIAGNOSIS.search(folded)) and not _RECORD_LOOKUP.search(folded)
    medication = bool(_MEDICATION.search(folded))
    return RequestFlags(diagnosis, medication, _condition_hint(folded))


_REFERRAL: dict[str, dict[str, str]] = {
    "en": {
        "diagnosis": "I can't diagnose conditions. Only your clinician can tell you whether you "
        "have a condition, and they can look at these results with you.",
        "medication": "I can't prescribe or change medications. Please don't start, stop or "
        "change the dose of a medication without talking to your clinician or pharmacist first.",
    },
    "fr": {
        "diagnosis": "Je ne peux pas poser de diagnostic. Seul votre médecin peut vous dire si "
        "vous avez une maladie, et il peut regarder ces résultats avec vous.",
        "medication": "Je ne peux ni prescrire ni modifier un traitement. Ne commencez pas, "
        "n'arrêtez pas et ne modifiez pas la dose d'un médicament sans en parler d'abord à votre "
        "médecin ou à votre pharmacien.",
    },
}


def referral_sentence(flags: RequestFlags, language: str) -> str:
    """The sentence(s) that send a diagnosis or medication question to a clinician ("" if none)."""
    texts = _REFERRAL["fr" if language.lower().startswith("fr") else "en"]
    parts: list[str] = []
    if flags.diagnosis_request:
        parts.append(texts["diagnosis"])
    if flags.medication_change:
        parts.append(texts["medication"])
    return " ".join(parts)


# ---------------------------------------------------------------- banned phrasings (raw text)

_A = r"['\u2019]"  # apostrophe
_RECORDS_EN = (
    r"(?:appointments?|results?|records?|allerg(?:y|ies)|medications?|meds|prescriptions?|visits?|"
    r"follow[\s-]?ups?|questions?|labs?|tests?|reports?|notes?|documents?|readings?|measurements?|"
    r"values?|history|list|entry|entries|vaccinations?|vaccines?|immuni[sz]ations?|copy|copies|"
    r"refills?|plan|referrals?|options?|right|rights|choices?|few|couple|number|total|lot|"
    r"reminders?|account|files?|vault|portal|doctor|clinician|care\s+team|chance|goals?|targets?|"
    r"scores?|reference|upcoming|scheduled|access|messages?|data|information|range|summary|"
    r"insurance|way|point|concerns?|time|minute|moment|look|copy|uploads?|pages?|sources?|"
    r"citations?)"
)
_COND_EN_RAW = (
    r"(?:(?:type\s*(?:1|2|one|two|i|ii)\s+)?diabet\w*|pre-?diabet\w*|cancer\w*|tumou?rs?|"
    r"leuka?emia|lymphoma|melanoma|kidney\s+(?:disease|failure|damage)|renal\s+(?:failure|disease|"
    r"insufficiency)|ckd|(?:hypo|hyper)thyroid\w*|ana?emi\w*|iron\s+deficiency|hypertension|"
    r"hypercholesterol\w*|hyperlipid\w*|(?:high|elevated|raised|low)\s+(?:cholesterol|"
    r"blood\s+pressure|blood\s+sugar|iron|thyroid)|heart\s+(?:disease|failure)|"
    r"atrial\s+fibrillation|a-?fib|arrhythmi\w*|covid|flu|pneumonia|asthma|copd|depression|"
    r"dementia|alzheimer\w*|parkinson\w*|lupus|arthritis|gout|osteoporosis|hepatitis|hiv|sepsis|"
    r"cirrhosis|epilepsy|sleep\s+apnea|endometriosis|pcos|an?\s+infection|infections?|"
    r"[a-z]{3,}(?:itis|osis|emia|aemia|oma|pathy)\b|(?:\w+\s+){0,2}(?:disease|disorder|syndrome|"
    r"deficiency|insufficiency|illness))"
)
_RECORDS_FR = (
    r"(?:rendez[\s-]vous|rdv|r[ée]sultats?|analyses?|allergies?|m[ée]dicaments?|traitements?|"
    r"ordonnances?|documents?|dossiers?|examens?|bilans?|visites?|consultations?|questions?|"
    r"possibilit[ée]s?|droits?|choix|mesures?|valeurs?|vaccins?|vaccinations?|comptes?|acc[èe]s|"
    r"rappels?|messages?|notes?|historiques?|ant[ée]c[ée]dents?|taux|objectifs?|cibles?|"
    r"courriers?|comptes?[\s-]rendus?|m[ée]decins?|options?|temps|nombre|total|liste|fichiers?|"
    r"informations?|donn[ée]es?|suivi|prochaine?|sources?|pages?|citations?|copies?|moyens?|envie)"
)
_ARTICLE_EN = r"(?:a|an|the|some)"
_ARTICLE_FR = rf"(?:le|la|l{_A}|un|une|du|de\s+la|de\s+l{_A}|des)"

DIAGNOSIS_BANNED: re.Pattern[str] = re.compile(
    "|".join(
        f"(?:{a})"
        for a in (
            # you have / you've got + condition
            rf"(?<!\bif\s)(?<!\bwhether\s)(?<!\bdo\s)(?<!\bwhen\s)(?<!\bunless\s)(?<!\bonce\s)(?<!\bcase\s)\byou(?:\s+have|{_A}ve)?\s+got\b(?:\s+{_ARTICLE_EN})?\s+(?!(?:[\w-]+\s+){{0,2}}{_RECORDS_EN}\b)(?!no\b|any\b|\d)[a-z][\w-]*",
            rf"(?<!\bif\s)(?<!\bwhether\s)(?<!\bdo\s)(?<!\bwhen\s)(?<!\bunless\s)(?<!\bonce\s)(?<!\bcase\s)\byou\s+have\s+(?:(?:mild|early|severe|chronic|acute|borderline|possible|probable|likely|advanced|stage\s+\w+|type\s*[12])\s+)*{_COND_EN_RAW}",
            rf"(?<!\bif\s)(?<!\bwhether\s)(?<!\bdo\s)(?<!\bwhen\s)(?<!\bunless\s)(?<!\bonce\s)(?<!\bcase\s)\byou\s+have\s+{_ARTICLE_EN}\s+(?!(?:[\w-]+\s+){{0,2}}{_RECORDS_EN}\b)[a-z][\w-]*",
            # you are diabetic
            rf"\byou(?:\s+are|{_A}re)\s+(?:(?:a|an)\s+)?(?:pre-?)?(?:diabetic|ana?emic|"
            rf"hypertensive|hypothyroid|hyperthyroid|asthmatic|epileptic|obese|depressed|infected|"
            rf"anorexic|bipolar|autistic|schizophrenic|arthritic|insulin[\s-]resistant|"
            rf"in\s+(?:kidney|renal|heart)\s+failure)\b",
            # you suffer from
            rf"\byou(?:\s+are|{_A}re)?\s+suffer(?:ing)?\s+from\b",
            # this means you have
            rf"\b(?:this|that|these|it|which)\s+(?:results?\s+)?(?:means?|indicates?|shows?|"
            rf"confirms?|suggests?|proves?)\s+(?:that\s+)?you(?:\s+have|{_A}ve|\s+are|{_A}re|"
            rf"\s+got|\s+have\s+got)\b",
            # French: vous avez + article + non-record noun, vous êtes diabétique, vous souffrez de
            rf"(?<!\bsi\s)(?<!\bs{_A})\bvous\s+avez\s+{_ARTICLE_FR}\s*(?!(?:[\w'\u2019-]+\s+){{0,2}}{_RECORDS_FR}\b)(?!\d)[^\W\d_][\w-]*",
            rf"(?<!\bsi\s)\btu\s+as\s+{_ARTICLE_FR}\s*(?!(?:[\w'\u2019-]+\s+){{0,2}}{_RECORDS_FR}\b)(?!\d)[^\W\d_][\w-]*",
            r"\b(?:vous\s+[êe]tes|tu\s+es)\s+(?:pr[ée]-?)?(?:diab[ée]tique|an[ée]mique|"
            r"hypertendue?|asthmatique|[ée]pileptique|hypothyro[ïi]dien(?:ne)?|atteinte?\s+d|"
            r"malade|infect[ée]e?|ob[èe]se|d[ée]pressi(?:f|ve))",
            rf"\b(?:vous\s+souffrez|tu\s+souffres)\s+(?:de|d{_A}|du|des)",
            rf"\b(?:cela|ceci|[çc]a|ce\s+r[ée]sultat|ces\s+r[ée]sultats)\s+(?:signifie|signifient|"
            rf"veut\s+dire|veulent\s+dire|indique|indiquent|montre|montrent|confirme|confirment|"
            rf"prouve)\s+(?:que\s+|qu{_A})?(?:vous\s+(?:avez|[êe]tes|souffrez)|tu\s+(?:as|es))\b",
        )
    ),
    re.IGNORECASE,
)


def banned_phrases(answer: str) -> list[str]:
    """The diagnosis phrasings found in an answer (empty when it is clean)."""
    return [m.group(0).strip() for m in DIAGNOSIS_BANNED.finditer(answer or "")]
