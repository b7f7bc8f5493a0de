"""Context quarantine: text from users' documents is data, never instructions.

Two independent layers:

1. **Detection** (:func:`injection_flags`), run at ingest on every chunk (the flag is
   stored on the record) and again at answer time. It looks for text addressed to whoever
   processes the document rather than to its human reader: instruction overrides
   ("ignore previous instructions"), role-play and jailbreak framing ("you are now DAN"),
   directives about the assistant's output, task requests with no clinical content
   ("Analyze the trend of electric car sales"), questions put to the reader with no
   clinical content, exfiltration (remote images, links carrying data) and hidden-text
   tricks (zero-width or tag characters, HTML comments, invisible CSS). EN and FR.
   Detection is measured (``healthrag eval safety``: found share, false flags on benign
   radiology reports and FHIR narratives), so every rule is narrow.

2. **Structure** (:func:`quotable`), independent of detection: the composers quote a
   document sentence only when it is a declarative clinical statement: no imperative or
   task, no question, nothing addressed to an assistant, no talk about models, prompts or
   personas, no URL, image, HTML or code, and (for free text) a clinical anchor such as a
   body part, a condition, a medication, a procedure or a measurement with its unit. An
   injection that detection misses is therefore still never echoed: 0% "followed" comes
   from what may be quoted, not from catching every attack.
"""

from __future__ import annotations

import re

from rag.core.text import fold

# ---------------------------------------------------------------- clinical anchors

# Word stems (folded) that make a sentence about health: anatomy, findings and conditions,
# procedures and care, medications, measurements. Generic words that jailbreak prose also
# uses ("results", "information", "session", "user") are deliberately absent.
_CLINICAL_STEMS = (
    # anatomy
    "heart", "cardi", "lung", "pulmon", "chest", "thora", "abdom", "kidney", "renal", "liver",
    "hepat", "brain", "neuro", "spine", "spinal", "bone", "joint", "knee", "shoulder", "hip",
    "ankle", "wrist", "elbow", "skin", "derma", "gum", "tooth", "teeth", "dental", "eye",
    "ocular", "throat", "stomach", "gastr", "bowel", "colon", "bladder", "prostat", "breast",
    "uter", "ovar", "thyroid", "blood", "vascul", "arter", "vein", "venous", "muscle",
    "tendon", "ligament", "nerve", "pelvi", "rib", "vertebr", "mediastin", "pleura", "aort",
    "hilar", "lobe", "diaphragm", "lumbar", "sinus", "lymph", "airway", "bronch", "trache",
    "pancrea", "cervical", "osseous", "soft tissue", "range of motion", "mobility",
    # findings, conditions, symptoms
    "pain", "ache", "fever", "cough", "infect", "inflam", "fractur", "lesion", "nodul",
    "mass", "tumor", "tumour", "cancer", "carcinom", "diabet", "hypertens", "hypotens",
    "asthma", "copd", "pneumo", "effusion", "edema", "oedema", "atelecta", "opacit",
    "cardiomegal", "emphysem", "granulom", "calcifi", "scar", "ulcer", "anemi", "anaemi",
    "allerg", "rash", "wound", "injur", "sprain", "stiff", "swell", "bleed", "hemorrh",
    "haemorrh", "nausea", "vomit", "diarrh", "constipat", "fatigue", "dizz", "headache",
    "migraine", "seizure", "stroke", "depress", "anxi", "stress", "insomnia", "obes",
    "cholesterol", "caries", "cavities", "gingiv", "arthrit", "osteo", "disease",
    "disorder", "syndrome", "symptom", "diagnos", "abnormal", "acute", "chronic", "benign",
    "malign", "degenerat", "pregnan", "deficien", "hernia", "cyst", "polyp", "deformit",
    "scolio", "kyphos", "sclero", "alcohol", "drinks", "smok", "tobacco", "physical activ",
    # procedures and care
    "mri", "x-ray", "xray", "radiograph", "ultrasound", "scan", "imaging", "biopsy",
    "surgery", "surgical", "operation", "procedure", "examination", "screening", "vaccin",
    "immuniz", "immunis", "injection", "infusion", "dialysis", "therap", "physiotherap",
    "rehab", "exercise", "check-up", "checkup", "follow-up", "followup", "appointment",
    "medical", "clinical", "treatment", "transfusion", "catheter", "stent", "implant",
    "prosthe", "suture", "cast", "splint", "pacemaker", "ecg", "ekg", "echocardio",
    "mammogra", "colonoscop", "endoscop",
    # medications
    "medica", "drug", "dose", "dosage", "tablet", "capsule", "pill", "prescri", "insulin",
    "metformin", "statin", "antibiot", "aspirin", "ibuprofen", "paracetamol",
    "acetaminophen", "inhaler", "ointment", "vitamin", "refill", "sugar",
    # measurements and labs
    "pressure", "pulse", "heart rate", "glucose", "weight", "bmi", "temperature", "oxygen",
    "saturation", "spo2", "hba1c", "a1c", "hemoglobin", "haemoglobin", "creatinine", "egfr",
    "ldl", "hdl", "triglycerid", "tsh", "ferritin", "sodium", "potassium", "platelet",
    "white cell", "lab ", "laboratory",
    # French
    "douleur", "fievre", "toux", "sang", "sanguin", "glycemi", "tension", "coeur", "poumon",
    "rein", "foie", "medicament", "ordonnance", "traitement", "analyse", "bilan", "examen",
    "radio", "echograph", "irm", "scanner", "chirurg", "diabete", "poids", "genou", "epaule",
    "dent", "gencive", "cheville", "ventre", "mal de tete", "nausee", "vertige", "grossesse",
    "kine", "consultation", "maladie", "symptome", "vaccin", "piqure", "plaie", "seance de",
)
_CLINICAL = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in _CLINICAL_STEMS) + r")")
_UNITS = (
    r"mg|mcg|µg|ug|g|kg|lbs?|ml|l|dl|mmol|µmol|umol|nmol|pmol|iu|ui|u|meq|mmhg|bpm|cm|mm|"
    r"in|ft|%|°c|°f|kcal|cal|steps?|h|hrs?|hours?|min|minutes?"
)
MEASUREMENT = re.compile(
    r"\d(?:[.,]\d+)?\s*(?:" + _UNITS + r")(?:/(?:[a-z0-9.]+))?(?![a-z])", re.IGNORECASE
)


def clinical_anchor(text: str) -> bool:
    """True when the text names something clinical (a body part, condition, procedure,
    medication, lab or vital sign) or a measurement with its unit. A bare number, a date
    or a generic word ("results") is not enough: jailbreak prose has those too."""
    folded = fold(text)
    return bool(_CLINICAL.search(folded) or MEASUREMENT.search(text))


# ---------------------------------------------------------------- detection rules

_I = re.IGNORECASE
# Task verbs that give whoever reads the text a job and that clinical writing does not open
# a sentence with. "Recommend"/"suggest"/"provide"/"list" open radiology impressions
# ("Recommend CT for further evaluation"), so those count only without clinical content.
_TASK_ALWAYS = (
    r"analy[sz]e|summari[sz]e|translate|write|compose|generate|describe|explain|classify|"
    r"determine|rewrite|paraphrase|brainstorm|tell\s+me|show\s+me|give\s+me|help\s+me|"
    r"can\s+you|could\s+you|would\s+you|will\s+you|please\s+(?:write|tell|give|list|answer|"
    r"respond|reply|say|print|output|provide|summari[sz]e|analy[sz]e|translate|recommend|"
    r"describe|explain|generate|include|add|ignore|forget)|"
    r"ecris|ecrivez|traduis|traduisez|resume[zr]?|genere[zr]?|explique[zr]?|decri[st]|"
    r"decrivez|analyse[zr]?|dis[- ]moi|dites[- ]moi|donne[- ]moi|donnez[- ]moi|"
    r"peux[- ]tu|pouvez[- ]vous"
)
_TASK_UNLESS_CLINICAL = (
    r"recommend|suggest|provide|list|identify|find|create|draft|compare|rate|review|"
    r"give|calculate|search|book|order|buy|visit|click|open|go\s+to|send|email|share|"
    r"propose[zr]?|recommande[zr]?|conseille[zr]?|trouve[zr]?|cree[zr]?|donne[zr]?"
)
_OPENER = r"^\W*(?:please\s+|now\s+|also\s+|then\s+|and\s+|kindly\s+)*"
_TASK_ALWAYS_RE = re.compile(_OPENER + r"(?:" + _TASK_ALWAYS + r")\b", _I)
# What a radiology recommendation is about when it names no organ ("Recommend follow up to
# ensure resolution", "Recommend comparison with prior images"): detection only, these
# words are too generic to make a sentence quotable.
_WORKUP = re.compile(r"\b(?:follow|evaluat|correlat|comparison|resolution|stability|prior)", _I)
_TASK_UNLESS_RE = re.compile(r"^\W*(?:please\s+)?(?:" + _TASK_UNLESS_CLINICAL + r")\b", _I)
_QUESTION_START = re.compile(
    r"^\W*(?:what|which|who|whom|how|why|where|when|is|are|was|were|can|could|would|will|"
    r"should|do|does|did|have|has|qu|quel\w*|comment|pourquoi|ou|quand|est-ce)\b", _I
)
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "ignore_instructions",
        re.compile(
            r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|"
            r"earlier|all|your|system|any|the)\b[^.\n]{0,30}\b(instructions?|prompts?|rules?|"
            r"directions?|guidelines?|directives?|programming|restrictions?)"
            r"|\bforget everything\b|\bignore (?:all|everything)\b",
            _I,
        ),
    ),
    (
        "role_override",
        re.compile(
            r"\b(you are now|from now on,? you|act as (?:a|an|if|my|the)\b|pretend (?:to be|"
            r"you)|new instructions?:|system prompt|roleplay|role-play|stay in character|"
            r"you (?:are|will be) (?:going to )?(?:play|act|simulate)|immerse yourself|"
            r"simulate (?:a|an)\b)",
            _I,
        ),
    ),
    (
        "assistant_address",
        re.compile(
            r"\b(?:chatgpt|openai|gpt-?[345]\w*|large language model|language model|as an ai"
            r"|an ai (?:model|assistant|language)|ai assistant|chatbot|content polic(?:y|ies)"
            r"|dear (?:assistant|ai|model)|(?:hey|hello|hi),? (?:assistant|ai|model|bot))\b",
            _I,
        ),
    ),
    (
        "tell_the_user",
        re.compile(r"\b(?:(?:tell|instruct|advise|inform)\s+(?:the\s+)?(?:user|reader)|tell\s+"
                   r"(?:the\s+)?patient)\s+(?:to|that)\b", _I),
    ),
    (
        "override_fr",
        re.compile(
            r"\b(ignore[zr]?|oublie[zr]?)\b[^.\n]{0,40}\b(instructions?|consignes?|regles?|"
            r"règles?)|\b(?:tu es|vous etes|vous êtes) (?:maintenant|désormais|desormais)\b"
            r"|\b(?:à|a) partir de maintenant,? (?:tu|vous)\b|\bfai(?:s|tes) comme si\b"
            r"|\ben tant qu['’](?:ia|assistant|intelligence artificielle)\b"
            r"|\bmode d[ée]veloppeur\b|\bnouvelles? instructions?\b"
            r"|\b(?:ta|votre) r[ée]ponse\b|\br[ée]ponds? (?:uniquement|seulement)\b",
            _I,
        ),
    ),
    (
        # instructions about the assistant's own output: "translate your response", "add a
        # sentence in your answer", "encode your reply in Base64"
        "output_directive",
        re.compile(
            r"\b(?:your|the assistant's|the ai's) (?:response|answer|reply|replies|output|"
            r"message|messages)\b|\b(?:respond|reply|answer) (?:only )?(?:with|in|using)\b"
            r"|\b(?:begin|start|end|prefix) (?:each|every|all|your) (?:response|answer|reply)",
            _I,
        ),
    ),
    (
        "print_verbatim",
        re.compile(r"\b(?:just |simply )?(?:print|output|say|repeat)\s*:?\s*[\"“']", _I),
    ),
    (
        "jailbreak",
        re.compile(
            r"\b(?:DAN|STAN|DUDE)\b[^.\n]{0,80}\b(?:do anything now|strive to avoid norms|"
            r"jailbr\w*)|\bdo anything now\b|\bdeveloper mode\b|\bjailbr(?:eak|oken)\w*\b"
            r"|\b(?:DAN|STAN|DUDE|AIM) mode\b|\bno (?:ethical|moral) (?:guidelines|constraints)",
            _I,
        ),
    ),
    (
        "exfiltrate",
        re.compile(
            r"!\[[^\]]*\]\(\s*https?://|<img\s[^>]*src=\s*['\"]?https?://"
            r"|\]\(\s*https?://[^)\s]*[?&][^)\s]*=",
            _I,
        ),
    ),
    (
        "hidden_text",
        re.compile(
            "[\u200b-\u200d\u2060\u2062-\u2064\U000e0000-\U000e007f]|(?<!^)\ufeff|<!--"
            r"|display\s*:\s*none|font-size\s*:\s*0(?:px)?\b|visibility\s*:\s*hidden",
            _I,
        ),
    ),
]


def _task_or_question(text: str) -> bool:
    """A sentence that gives the reader a non-clinical task or asks them a non-clinical
    question: BIPIA-style injections ("Recommend a good book", "What movies are playing?")."""
    for sentence in _SPLIT.split(text):
        s = sentence.strip()
        if not s:
            continue
        if _TASK_ALWAYS_RE.search(fold(s)):
            return True
        if (_TASK_UNLESS_RE.search(s) and len(s.split()) > 2 and not clinical_anchor(s)
                and not _WORKUP.search(s)):
            return True
        if s.endswith("?") and _QUESTION_START.search(s) and not clinical_anchor(s):
            return True
    return False


def injection_rules(text: str) -> list[str]:
    """Names of the rules that fire, for reports and tests."""
    names = [name for name, pattern in _PATTERNS if pattern.search(text)]
    if _task_or_question(text):
        names.append("task_request")
    return names


def injection_flags(text: str) -> tuple[str, ...]:
    """("prompt_injection",) when the text carries instructions aimed at the assistant."""
    if any(pattern.search(text) for _, pattern in _PATTERNS) or _task_or_question(text):
        return ("prompt_injection",)
    return ()


# ---------------------------------------------------------------- what may be quoted

_TASK_VERB = re.compile(
    r"^\W*(please\s+|now\s+|also\s+|then\s+|and\s+|kindly\s+)*(write|recommend|analy[sz]e|"
    r"translate|summari[sz]e|generate|create|compose|print|say|respond|reply|answer|tell|list|"
    r"provide|describe|explain|ignore|forget|disregard|pretend|act|output|repeat|insert|"
    r"include|add|append|visit|click|open|go\s+to|send|email|call|rate|review|suggest|name|"
    r"give|draft|convert|rewrite|change|replace|remove|delete|share|post|book|buy|order|"
    r"help|determine|show|classify|identify|find|search|calculate|do\s+not|don't|never|"
    r"always|make|keep|use|stop|start|take|bring|arrive|avoid|remember|note\s+that|ensure|"
    r"be\s+sure|let|imagine|consider|assume|think|follow|obey|comply|stay|become|switch|"
    r"enable|disable|activate|unlock|"
    r"ecris|ecrivez|reponds|repondez|dis|dites|ignore[zr]?|oublie[zr]?|traduis|traduisez|"
    r"resume[zr]?|genere[zr]?|donne[zr]?|fais|faites|prends|prenez|arrete[zr]?|"
    r"n'oublie[zr]?|veuille[zr]|imagine[zr]?)\b",
    re.I,
)
_TO_ASSISTANT = re.compile(
    r"\b(as an ai|language model|assistant|chatbot|you must|you will now|you are now|"
    r"your (task|job|role|goal|purpose|instructions?|programming|knowledge|training|"
    r"response|answer|output|reply|creators?)|in your (response|answer|reply))\b", re.I)
# Second person directives and claims ("you should", "you are free", "you will always").
_YOU_DIRECTIVE = re.compile(
    r"\b(?:you|tu|vous)\s+(?:must|should|shall|will|need\s+to|have\s+to|are\s+(?:going|"
    r"able|free|an?\b|the\b|now|still|no\s+longer|about|programmed|allowed|to\b|not)|can\s+"
    r"(?:now|do|say|generate)|do\s+not|don't|cannot|can't|won't|doivent|dois|devez|"
    r"pouvez\s+maintenant)", re.I)
# Talk about models, prompts, personas and policies: never clinical content.
_META = re.compile(
    r"\b(?:ai|a\.i\.|ia|prompts?|models?|chatgpt|gpt\w*|openai|llm|jailbr\w*|roleplay|"
    r"role-play|persona|characters?|developer|filter(?:s|ed|ing)?|censor\w*|polic(?:y|ies)|"
    r"tokens?|generat\w*|immerse|simulat\w*|respond\w*|responses?|repl(?:y|ies)|"
    r"answers?|outputs?|instructions?|pretend\w*|compl(?:y|iance)|obey\w*|restrictions?|"
    r"unrestricted|unfiltered|uncensored|ethic\w*|moral\w*|guidelines?|limiter|bypass\w*|"
    r"hack\w*|malware|exploit\w*|sentiment|tweet|emoji\w*|internet|online|website|"
    r"password|credentials?|api|token)\b"
    r"|\b(?:DAN|STAN|DUDE|AIM|APOPHIS|BetterDAN)\b", re.I)
_PERSONA = re.compile(r"\b(?:DAN|STAN|DUDE|AIM)\b")
_MARKUP = re.compile(
    r"https?://|\bwww\.|\b[\w.-]+\.(?:com|net|org|io|ru|cn|xyz|ly|me)\b|!\[|\]\(|<\s*/?\s*"
    r"[a-zA-Z][^>]*>|&[a-z]+;|`|\{|\}|\\[nrt]|\$\(|<!--|\[\[|\]\]|@[\w.-]+\.\w+", re.I)


def assistant_directed(sentence: str) -> bool:
    """True for a sentence that gives the reader a task, talks to an assistant or carries
    an injection rule: an instruction aimed at whoever processes the document rather than
    a statement of fact. Used at answer time, on top of the ingest-time flags."""
    folded = fold(sentence)
    return bool(_TASK_VERB.search(folded) or _TO_ASSISTANT.search(folded)
                or _YOU_DIRECTIVE.search(folded) or injection_flags(sentence))


def quotable(sentence: str, *, free_text: bool = True) -> bool:
    """Whether a composer may echo this sentence of a record: declarative, not addressed
    to the reader or an assistant, no question, no meta talk, no URL/image/HTML/code, and,
    for free text from a document, a clinical anchor (see :func:`clinical_anchor`)."""
    text = sentence.strip()
    if not text or "?" in text or _MARKUP.search(text):
        return False
    if assistant_directed(text) or _META.search(fold(text)) or _PERSONA.search(text):
        return False
    return clinical_anchor(text) if free_text else True
