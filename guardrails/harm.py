"""Requests the service refuses: harming patients, fraud, deception, and writing tasks.

healthrag answers questions about a person's own records and general health information.
It does not help anyone deceive, defraud, coerce, discriminate against or endanger
patients, and it does not take on writing tasks (posts, proposals, schemes, scripts).
Rules are general patterns, measured with ``healthrag eval safety`` (MedSafetyBench).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.requests import _fold

_UNETHICAL = re.compile(
    r"\b("
    r"fraud\w*|falsif\w*|forg(e|ed|ing|ery)|fabricat\w*|fake\s+(a\s+)?(medical|doctor|sick|"
    r"prescription|lab|record|note|certificate|diagnos)\w*|"
    r"manipulat\w*|deceiv\w*|decept\w*|mislead\w*|lie\s+to|cover\s+up|conceal\w*|"
    r"exaggerat\w*|misrepresent\w*|harass\w*|threaten\w*|intimidat\w*|blackmail\w*|"
    r"coerc\w*|bribe\w*|kickbacks?|overbill\w*|upcod\w*|double[\s-]bill\w*|"
    r"misus\w*|misappropriat\w*|embezzl\w*|exploit\w*|discriminat\w*|"
    r"withhold\w*|(?<!is\sit\s)(?<!is\sthis\s)(unethical\w*|illegal\w*)|illicit\w*|unlicensed|"
    r"without\s+(a\s+)?(valid\s+)?(prescription|license|licence|consent|informed\s+consent)|"
    r"without\s+(their|the\s+patient'?s?|patients'?|his|her)\s+(knowledge|consent|permission)|"
    r"self[\s-]prescrib\w*|get(ting)?\s+high|recreational(ly)?|lethal\s+dose|"
    r"poison\w*\s+(someone|a\s+person|my|him|her|them|a\s+patient)|"
    r"(harm|hurt|kill)\s+(a|the|my|his|her)\s+(patient|person|wife|husband|child|baby|mother|"
    r"father)|"
    r"unnecessary\s+(surgery|surgeries|procedures?|treatments?|tests?|scans?|imaging|"
    r"prescriptions?|medications?)|"
    r"(financial|personal)\s+gain|profits?\s+over|for\s+profit|increase\s+(pharmaceutical\s+)?"
    r"sales|not\s+in\s+(the|their|a)\s+(patient'?s?\s+)?best\s+interests?|"
    r"against\s+(the|their|a)\s+(patient'?s?\s+)?(will|wishes|best\s+interests?)|"
    r"ignore\s+(a|the)?\s*patient'?s?|deny\w*\s+(care|treatment|services|coverage)\s+to|"
    r"refus\w*\s+to\s+treat|avoid\s+(properly\s+)?document\w*|"
    r"(social|economic)\s+(status|position)|"
    r"organ\s+harvest\w*|experiment\w*\s+on\s+(patients|people|a\s+patient)|"
    r"without\s+(proper|adequate|any|appropriate|valid|prior)?\s*(authori[sz]ation|validation|"
    r"approval|evaluation|justification|oversight|qualifications?|training|evidence|"
    r"scientific|regulatory|aseptic|sterile|supervision|knowledge\s+of\s+(their|the))\w*|"
    r"(hide|hiding|hid)\s+(a|the|his|her|their)\s+\w*\s*(misdiagnos\w*|error|mistake|"
    r"diagnos\w*)|impersonat\w*|bypass\w*\s+(patient\s+)?consent|"
    r"(deliberately|intentionally|unjustly|knowingly)\b|under[\s-]?dos\w*|"
    r"(inadequate|incorrect|false|outdated)\s+(information|care|advice|treatment)|"
    r"(reveal|disclose|leak|sell)\w*\s+(a\s+)?(patient'?s?|confidential|private)|"
    r"in\s+violation\s+of|not\s+(been\s+)?(approved|tested)|withdrawn\s+from\s+the\s+market|"
    r"preferential\w*|biased|political\s+or\s+ideological|avoid\s+reporting|"
    r"disregard\w*\s+(a|the)?\s*(patient|established|medical|guidelines|protocols)|"
    r"dismiss\w*\s+(a|the)\s+patient|discourag\w*\s+patients|silence\s+(a|the)|"
    r"(increase|raise)\w*\s+(fees|prices|costs)\s+for|save\s+costs|"
    r"fail\s+to\s+(follow|report|document|inform|obtain)"
    r")\b"
)
_WRITING_TASK = re.compile(
    r"^\s*(please\s+)?(can\s+you\s+|could\s+you\s+|i\s+want\s+you\s+to\s+|help\s+me\s+)?"
    r"(write|draft|compose|create|devise|design|develop|generate|prepare|produce|outline)\s+"
    r"(me\s+)?(a|an|the|some)?\s*\w*\s*(social\s+media\s+)?"
    r"(post|tweet|blog|article|essay|proposal|message|notice|letter|email|e-mail|speech|scheme|"
    r"plan|campaign|policy|script|story|poem|report|advert\w*|ad|flyer|brochure|memo|guide|"
    r"strategy|communications?\s+plan|press\s+release|pitch|presentation|manual|website|"
    r"program|app|algorithm|ai|system|chatbot|survey|contract|tutorial|blueprint|course|"
    r"protocol|curriculum|playbook|template)\b"
)
_HARM_FR = re.compile(
    r"\b(fraud\w*|falsifi\w*|truquer|mentir\s+a|manipuler|harceler|menacer|discrimin\w*|"
    r"sans\s+ordonnance|sans\s+(son\s+|leur\s+)?consentement|se\s+droguer|dose\s+mortelle|"
    r"empoisonner)\b"
)


@dataclass(frozen=True)
class HarmVerdict:
    harmful: bool  # helping would risk harm to patients, fraud or deception
    off_task: bool  # a writing/building task, not a health question
    rule: str | None


_ASKING_ABOUT = re.compile(
    r"^\s*(what\s+(is|are|causes|happens)|do\s+you\s+have\s+information|is\s+it|are\s+there|"
    r"why|how\s+(to|can\s+i|do\s+i|should\s+i)\s+(prevent|report|recogni[sz]e|spot|avoid\s+"
    r"being|protect|stop\s+being)|how\s+do\s+i\s+know|qu'est[\s-]ce|c'est\s+quoi|est[\s-]ce\s+"
    r"(legal|interdit))\b")


def classify_harm(text: str) -> HarmVerdict:
    folded = _fold(text)
    if _ASKING_ABOUT.search(folded):
        return HarmVerdict(False, False, None)  # asking about a topic is not asking to do it
    m = _UNETHICAL.search(folded) or _HARM_FR.search(folded)
    if m:
        return HarmVerdict(True, False, "unethical")  # a rule id, never the user's words
    if _WRITING_TASK.search(folded):
        return HarmVerdict(False, True, "writing_task")
    return HarmVerdict(False, False, None)


_REFUSAL = {
    "en": {
        "harmful": "I can't help with that. I answer questions about your own health records and "
                   "general health information, and I don't help with anything that could "
                   "deceive, exclude or harm patients. If you have a concern about someone's "
                   "care, talk to a clinician, the care team or a patient advocate.",
        "off_task": "I can't write that. I answer questions about your own health records and "
                    "general health information. For advice about your care, talk to your "
                    "clinician.",
    },
    "fr": {
        "harmful": "Je ne peux pas aider pour cela. Je réponds aux questions sur votre dossier de "
                   "santé et sur la santé en général, et je n'aide à rien qui puisse tromper, "
                   "exclure ou nuire à des patients. Si les soins de quelqu'un vous inquiètent, "
                   "parlez-en à un médecin ou à l'équipe soignante.",
        "off_task": "Je ne peux pas rédiger cela. Je réponds aux questions sur votre dossier de "
                    "santé et sur la santé en général. Pour un conseil sur vos soins, parlez-en à "
                    "votre médecin.",
    },
}


def refusal(verdict: HarmVerdict, language: str) -> str:
    texts = _REFUSAL["fr" if language.startswith("fr") else "en"]
    return texts["harmful" if verdict.harmful else "off_task"]
