"""Requests the service refuses: acting against a patient's interest or medical ethics,
and writing tasks.

healthrag answers questions about a person's own records and general health information.
It does not help anyone deceive, defraud, neglect, coerce, discriminate against or endanger
patients (or pressure clinicians into doing so), and it does not take on writing tasks.

How a request is judged (``classify_harm``):

1. **Asking about is not asking to do.** A question about rules, rights, reporting or
   prevention ("What are the rules on sharing records?", "How do I report an impaired
   colleague?", "Is it legal for my clinic to ...?", "My doctor refused to treat me, what
   can I do?") is answered, unless it also carries an *aggravating* cue (secretly, without
   getting caught, for profit) that turns it back into a request to misbehave.
2. **Categories.** Each ``Category`` below names one way of acting against patients, the AMA
   principle of medical ethics it breaks, and its cue list: regular expressions over the
   folded text (lower case, no accents, hyphens as spaces). A cue is a harmful act
   ("falsify", "upcode"), or an act with its harmful manner ("prescribe ... for
   bodybuilding", "share ... with their employer", "without informed consent"). A reviewer
   audits a category by reading its cues; a new failure is fixed in one category.
3. **Negation.** A cue right after "without", "never", "avoid", "rather than", "sans", ...
   ("How do I correct a chart without falsifying it?") does not count.
4. Otherwise an imperative writing task (post, proposal, script ...) is off task.

The rule id returned is the category key, never the user's words. Measured with
``healthrag eval safety`` (MedSafetyBench, tuned on its train split and reported on its test
split; false refusals on benign sets including ``eval/safety_cases/benign_professional.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.text import fold_words

__all__ = ["CATEGORIES", "Category", "HarmVerdict", "classify_harm", "refusal"]


@dataclass(frozen=True)
class Category:
    key: str  # rule id reported in Answer.safety.rule
    principle: str  # the AMA principle of medical ethics (I-IX) it breaks
    why: str
    cues: tuple[str, ...]  # regex fragments over folded text; any one is enough


# ---------------------------------------------------------------- shared vocabulary

# Who is treated: a patient, a person, a group of them.
_PATIENT = (
    r"(?:patients?'?s?|persons?'?s?|people'?s?|individuals?'?s?|clients?'?s?|residents?'?s?|"
    r"minors?'?s?|children'?s?|child'?s?|elderly|inmates?'?s?|participants?'?s?|subjects?'?s?|"
    r"athletes?'?s?|users?'?s?|someone'?s?|celebrity'?s?|politician'?s?|colleague'?s?)"
)
# What "without ..." strips away when it makes a request harmful: a safeguard.
_SAFEGUARD = (
    r"(?:consent\w*|permission|approval|authori[sz]ation|knowledge|agreement|awareness|"
    r"inform\w*|tell\w*|disclos\w*|discuss\w*|explain\w*|consider\w*|regard|verif\w*|check\w*|"
    r"consult\w*|review\w*|evaluat\w*|examin\w*|assess\w*|(?:medical )?history|diagnos\w*|"
    r"indication|justification|reason|evidence|testing|tests|trials?|research|supervision|"
    r"oversight|guidance|monitoring|steriliz\w*|sterile|hygiene|anonymi[sz]\w*|de ?identif\w*|"
    r"blurring|redact\w*|licen[cs]e|qualifications?|certification|training|reporting|"
    r"follow(?:ing)? ?up|follow(?:ing)? (?:the )?(?:protocol|guideline|law|rule)s?|matching|"
    r"peer review|getting caught|being caught|being detected|detection|acknowledg\w*|empathy|"
    r"compassion|comfort|reassurance|support|imaging|screening|prescription from|"
    r"(?:an? )?ethic\w* (?:committee|board|review|approval)|irb|respecting)"
)
_SAFEGUARD_MOD = (
    r"(?:their|his|her|its|the|a|an|any|all|first|prior|proper|properly|adequate|adequately|"
    r"appropriate|necessary|thorough|thoroughly|valid|full|fully|clear|clearly|explicit|"
    r"informed|written|legal|ethical|medical|clinical|scientific|regulatory|parental|actual|"
    r"real|sufficient|formal|fda|ema|required|mandatory|expressed|patient'?s?|patients'?|"
    r"participants'?|legal guardian'?s?|guardian'?s?|family'?s?|conducting|obtaining|"
    r"seeking|getting|doing|performing|having|being|any kind of|considering)"
)
_WITHOUT_SAFEGUARD = rf"\bwithout (?:{_SAFEGUARD_MOD} ){{0,4}}{_SAFEGUARD}"
_PRIVATE_INFO = (
    r"(?:records?|charts?|files?|(?:medical|health|psychiatric|sexual|substance|drug|"
    r"treatment) (?:history|information|info|data|condition|status|details|records?)|"
    r"diagnos\w*|prognos\w*|condition|status|test results?|results|identity|"
    r"(?:personal|private|confidential|sensitive|identifying) \w+|hiv|genetic \w+|"
    r"x ?rays?|images?|photos?|scans?|evaluation|struggle|information)"
)

# ---------------------------------------------------------------- categories

CATEGORIES: tuple[Category, ...] = (
    Category(
        "deception_fraud",
        "II honesty",
        "Falsifying records, results, certificates or research; billing fraud; scams.",
        (
            r"\b(?:fraud\w*|falsif\w*|forg(?:e|ed|es|ing|ery)|fabricat\w*|counterfeit\w*|"
            r"fictitious|backdat\w*|upcod\w*|downcod\w*|overbill\w*|double ?bill\w*|"
            r"phantom bill\w*|unbundl\w*|kickbacks?|brib\w*|embezzl\w*|scams?|scamm\w*)\b",
            r"\bfake (?:[\w']+ ){0,2}(?:medical|doctor|sick|prescription|lab|record|note|"
            r"certificate|diagnos\w*|clinical|trial|result|report|cure|identity|testimonial|"
            r"data|study|review|id|license)\w*",
            r"\bfalse (?:[\w']+ ){0,1}(?:claims?|testimonials?|rumou?rs?|records?|entries|"
            r"documentation|information|diagnos\w*|certificates?|reports?|data|results?|"
            r"accusations?|advertis\w*|promises?|hope)\b|\bfalsely\b",
            r"\b(?:alter|change|adjust|modify|doctor|edit|manipulat\w*|tamper\w*|inflat\w*|"
            r"massag\w*|cherry ?pick\w*|selectively report\w*)\w* (?:with )?(?:the |a |an |"
            r"their |his |her |my |patient'?s? |patients'? )?(?:[\w']+ ){0,2}(?:records?|charts?|"
            r"results?|data|notes?|histor(?:y|ies)|feedback|forms?|documentation|outcomes?|"
            r"findings|test results?|metrics|bills?|claims?|codes?)\b",
            r"\b(?:non existent|nonexistent|invented|made up) (?:conditions?|illness\w*|"
            r"diseases?|symptoms?|patients?|data)\b",
            r"\b(?:deceiv\w*|decept\w*|mislead\w*|misrepresent\w*|lie|lying|lied) (?:to|about)?\b",
            r"\b(?:cover(?:ing)? up|conceal\w*|hide|hiding|hid|keep (?:quiet|silent|secret)|"
            r"stay (?:quiet|silent)|sweep \w+ under) (?:about |from )?(?:[\w']+ ){0,4}"
            r"(?:errors?|mistakes?|misdiagnos\w*|malpractice|incompeten\w*|lack of|complications?|"
            r"deaths?|injur\w*|side effects?|risks?|conflicts? of interest|diagnos\w*|abuse|"
            r"negligence|doctor|physician|colleague|surgeon|nurse|professional|findings|"
            r"results?|outcomes?|infections?|breach\w*|misconduct|impair\w*|addiction)\b",
            r"\bimpersonat\w*|\bpose as (?:a |an )?(?:doctor|physician|nurse|clinician)\b",
            r"\bwithout (?:actual|real|any) (?:immuni[sz]ation|vaccination|research|testing|"
            r"trials?|data)\b",
            r"\bdeny\w* (?:the |their |my |a )?(?:error|mistake|responsibility)\b",
        ),
    ),
    Category(
        "consent_autonomy",
        "IV patient rights",
        "Treating, testing or enrolling people without informed consent; coercion; "
        "withholding information a patient needs to decide.",
        (
            r"\b(?:non ?consent\w*|non ?consensual|against (?:the |their |his |her |a )?"
            r"(?:patient'?s? |person'?s? )?(?:will|wishes|consent|refusal)|under the guise)\b",
            rf"\b(?:bypass\w*|circumvent\w*|overrid\w*|ignor\w*|skip\w*|get around|get past|"
            rf"disregard\w*|evad\w*) (?:the |a |an |their |his |her |any )?(?:[\w']+ ){{0,2}}"
            rf"(?:consent|right to|refusal|advance directive|dnr|wishes|autonomy|second opinion|"
            rf"{_PATIENT} (?:wishes|refusal|decision|preferences|choice|autonomy|right))",
            r"\b(?:coerc\w*|intimidat\w*|threaten\w*|blackmail\w*|pressur(?:ing|ed|es)|pressure "
            r"(?:a |the |them |him |her |patients?|people|someone|physicians?|doctors?)|"
            r"guilt trip\w*|"
            r"bully\w*|browbeat\w*|trick(?:s|ed|ing)? (?:a |the |them |him |her |my |patients?|"
            r"people)|dup(?:e|ing)|manipulat\w*|railroad\w*)\b",
            r"\b(?:secretly|covertly|surreptitiously|discreetly|without (?:them|him|her|"
            r"anyone) (?:knowing|noticing)|behind (?:their|his|her) back)\b",
            r"\b(?:downplay\w*|understat\w*|minimi[sz]\w*|gloss\w* over|sugarcoat\w*|"
            r"overpromis\w*|overemphasi[sz]\w*|overstat\w*|exaggerat\w*|promis\w* (?:them |"
            r"patients |a patient )?guaranteed) (?:the |its |their |all )?(?:[\w']+ ){0,2}"
            r"(?:risks?|side effects?|dangers?|benefits?|complications?|results?|efficacy|"
            r"effectiveness|outcomes?|symptoms?|pain|injur\w*|disabilit\w*|severity)\b",
            r"\b(?:not (?:be )?(?:inform|tell|disclos|discuss|explain|mention)\w*|avoid(?:ing)? "
            r"(?:inform|tell|disclos|discuss|explain|mention|properly explain)\w*|withh[oe]ld\w*|"
            r"omit\w*|keep (?:[\w']+ ){0,2}in the dark|conceal\w*|fail\w* to (?:inform|tell|"
            r"disclose|explain|discuss|mention))\b",
            r"\b(?:placebo|sugar pills?) (?:instead of|in place of|in lieu of)\b",
            r"\b(?:convinc\w*|persuad\w*|talk \w+ into|push\w*) (?:a |the |an |my )?"
            r"(?:[\w']+ ){0,2}"
            rf"{_PATIENT}? ?(?:into|to (?:consent|enroll|participate|accept|agree|undergo|sign|"
            r"buy|purchase|opt|choose|use))\b",
            r"\b(?:enroll\w*|experiment\w*|test\w*|research\w*) (?:on |with )?(?:[\w']+ ){0,3}"
            r"(?:without|unwilling|unknowing|unsuspecting|vulnerable|incapacitated|unconscious)\b",
            r"\bexperiment\w* on (?:patients|people|humans|a patient|children|inmates|prisoners|"
            r"the elderly|residents)\b|\bhuman experiment\w*|\borgan harvest\w*",
            r"\bexperimental (?:[\w']+ ){0,3}(?:without|on (?:a |an )?(?:patient|person|child|"
            r"healthy)|to test)\b|\btest (?:the )?limits of (?:patient )?tolerance\b",
            r"\b(?:dissuad\w*|discourag\w*|deter\w*|talk \w+ out of|prevent\w*|stop\w*|keep) "
            rf"(?:a |the |an |my |their |his |her )?(?:[\w']+ ){{0,2}}{_PATIENT} (?:from )?"
            r"(?:seek\w*|get\w*|obtain\w*|participat\w*|enroll\w*|accessing|using|switching|"
            r"leaving|transferring|asking|complain\w*|reporting|filing)\b",
            r"\b(?:not|never) (?:let|allow) (?:the |a |my )?(?:[\w']+ ){0,1}" + _PATIENT + r"\b",
            r"\bwithout (?:[a-z'] ?)*(?:the )?ability to (?:consult|refuse|decline|choose)\b",
            rf"\bwithout (?:{_SAFEGUARD_MOD} ){{0,4}}(?:consent\w*|permission|knowledge|agreement|"
            r"awareness|informing|telling|disclos\w*)",
            r"\bshould not be (?:informed|told)\b|\bnot (?:to )?(?:be )?(?:informed|told) about\b",
        ),
    ),
    Category(
        "confidentiality",
        "IV privacy",
        "Disclosing, selling or snooping into someone's health information.",
        (
            rf"\b(?:reveal\w*|disclos\w*|leak\w*|sell\w*|divulg\w*|publish\w*|post\w*|expos\w*|"
            rf"shar(?:e|es|ed|ing)|spread\w*|broadcast\w*|tell|discuss\w*|gossip\w*|announc\w*|"
            rf"out(?:ing)?) (?:about )?(?:a |the |an |this |that |my |their |his |her |"
            rf"confidential |private |sensitive )?(?:[\w']+ ){{0,3}}?{_PATIENT} (?:[\w']+ ){{0,3}}"
            rf"?{_PRIVATE_INFO}\b(?! with (?:them|the patient|their (?:care team|consent)))",
            r"\b(?:with|to) (?:their |his |her |the |a |my )?(?:employers?|workplace|boss|"
            r"coworkers?|colleagues at work|the media|press|journalists?|reporters?|"
            r"social media|other (?:patients|parents)|neighbou?rs|(?:my )?family members|"
            r"friends|(?:a |the )?(?:local )?community (?:group|forum)|(?:an? |the )?(?:\w+ )?"
            r"forum|insurers?|insurance compan\w+|pharmaceutical compan\w+|marketers?|"
            r"advertisers?|data brokers?|public|gossip column|tabloids?)\b.*\b(?:without|"
            r"gossip|opinion|comparison|for (?:money|profit|fun|entertainment))|"
            r"\bfor (?:gossip|entertainment|curiosity|fun)\b",
            rf"\b(?:access\w*|snoop\w*|look\w* (?:up|into)|retriev\w*|obtain\w*|get|find|pull "
            rf"up|dig up|hack\w*) (?:into )?(?:a |the |an |my |their |his |her )?(?:[\w']+ ){{0,2}}"
            rf"?(?:{_PATIENT}|neighbou?r'?s?|ex'?s?|spouse'?s?|celebrity'?s?|employee'?s?) "
            rf"(?:[\w']+ ){{0,2}}?(?:records?|charts?|files?|history|information|data|results?|"
            rf"diagnos\w*)\b.*\b(?:without|gossip|curiosity|personal|inappropriately|"
            rf"unauthori[sz]ed|secretly)\b",
            r"\b(?:inappropriately|without authori[sz]ation|unauthori[sz]ed) (?:\w+ )?"
            r"(?:access\w*|view\w*|us(?:e|ing))\b|\bhack\w* into\b",
            r"\b(?:shar\w*|discuss\w*|reveal\w*|disclos\w*|leak\w*|tell\w*|post\w*|publish\w*|"
            r"talk\w* about|interrogat\w*) (?=(?:[\w']+ ){0,3}?(?:a|the|another|other|this|"
            r"their) (?:[\w']+ )?(?:patient|child|colleague|person|politician|celebrity|client|"
            r"resident)'?s?\b)(?:[\w']+ ){0,8}?(?:with|to|in|at|on) (?:my |the |a |an |"
            r"other |their |his |her )?(?:[\w']+ )?(?:family members|friends|other (?:parents|"
            r"patients)|the media|media|press|forum|seminar|social media|public|employer|"
            r"workplace|school|community group|neighbou?rs|gossip|tabloid)\w*",
            r"\b(?:secretly|covertly) (?:record|film|photograph|video)\w*\b",
            r"\b(?:without (?:blurring|anonymi[sz]\w*|redact\w*|de ?identif\w*|masking|"
            r"removing (?:their )?(?:identif\w*|names?))|undermine (?:the )?(?:confidentiality|"
            r"privacy))\b|\bbreach\w* (?:of )?(?:patient )?(?:confidentiality|privacy)\b",
            r"\b(?:give|provide|send|tell) me (?:with )?(?:the |a )?(?:list of |names of |"
            r"contact (?:information|details) (?:of|for) |personal (?:information|details) "
            rf"(?:of|about) |medical (?:information|records?|history) of )(?:[\w']+ ){{0,4}}"
            rf"(?:{_PATIENT}|every|all)\b",
            rf"\b(?:identity|sexual history|personal information) of (?:a |the |every |all )?"
            rf"(?:[\w']+ ){{0,2}}{_PATIENT}\b",
            r"\buse (?:a |the )?(?:patient'?s?|patients'?|their) (?:[\w']+ ){0,3}(?:information|"
            r"data|history|condition) (?:to|for) (?:deny|gain|target|blackmail|personal|"
            r"market|sell|advertis)",
        ),
    ),
    Category(
        "nonmedical_prescribing",
        "I competent care, III law",
        "Prescribing, obtaining or selling drugs without a medical need, for enhancement, "
        "for friends, or outside the law.",
        (
            r"\b(?:prescrib\w*|administer\w*|giv\w*|supply\w*|provid\w*|obtain\w*|get|sell\w*|"
            r"buy\w*|divert\w*|use) (?:[\w']+ ){0,5}(?:for (?:non ?medical|recreational|"
            r"bodybuilding|body building|cognitive enhancement|performance|athletic|"
            r"convenience|personal (?:profit|use|gain)|profit|money|a friend|friends|family "
            r"members|myself)|to (?:a |my )?(?:friends?|family|non ?needy|athletes?)|to "
            r"enhance|outside (?:of )?(?:their |its )?(?:approved|medical|legal)|off label (?:\w+ "
            r"){0,2}without|not for a medical|without (?:a |any )?(?:therapeutic|medical|"
            r"clinical|valid) (?:indication|reason|need|purpose))\b",
            r"\b(?:(?:without|no) (?:a |an |any )?(?:valid |legitimate )?"
            r"(?:licen[cs]e|medical degree)|through (?:unofficial|illegal|"
            r"black market|the dark web)|black market|dark web|smuggl\w*|without getting caught|"
            r"evad\w* (?:the )?(?:authorities|law|legal|police|dea|regulat\w*|detection|"
            r"audits?)|avoid (?:getting caught|detection|audits?|the authorities|legal "
            r"consequences))\b",
            r"\b(?:opioids?|oxycodone|oxy|fentanyl|morphine|hydrocodone|codeine|xanax|"
            r"benzodiazepines?|benzos?|adderall|ritalin|ketamine|steroids?|antibiotics?|"
            r"controlled substances?|narcotics?|(?:prescription|controlled) (?:drugs|pills|"
            r"meds|medications?)) (?:[\w']+ ){0,3}(?:without (?:a |any )?(?:prescription|"
            r"script)|illegally|discreetly|on the street)\b",
            r"\b(?:(?:get|buy|obtain|order|acquire)\w* (?:[\w']+ ){0,3}without (?:a |any )?"
            r"(?:prescription|script) (?:[\w']+ ){0,2}(?:opioids?|oxycodone|benzo\w*|adderall|"
            r"antibiotics?|controlled|narcotics?|xanax|steroids?))\b",
            r"\bhigh ?dose\w* (?:of )?(?:[\w']+ ){0,2}(?:to|for) (?:a |an )?(?:patient|person) "
            r"without\b|\bhigher doses? (?:of \w+ )?than recommended\b",
            r"\boverprescrib\w*|\bprescrib\w* (?:[\w']+ ){0,4}inappropriately\b",
            r"\b(?:pill ?mill|doctor shopp\w*|drug diversion)\b",
        ),
    ),
    Category(
        "conflict_of_interest",
        "VIII patient first",
        "Putting revenue, sales, rebates or convenience ahead of the patient's need.",
        (
            r"\b(?:(?:financial|personal|monetary) (?:gain|benefit|interest|incentives?)|"
            r"profits?(?: margins?)? over|for (?:personal )?profit|profitab\w*|lucrative|"
            r"revenue|rebates?|kickbacks?|commissions?|sales|extra billing|boost \w+ sales|"
            r"insurance payments|benefit (?:[\w']+ ){0,2}financially|(?:maximi[sz]|increas|"
            r"boost|inflat)\w* (?:[\w']+ ){0,2}(?:revenue|billing|income|profits?|"
            r"reimbursements?|bills?|patient load|earnings))\b",
            r"\b(?:prioriti[sz]\w*|favou?r\w*|in favou?r of|over) (?:[\w']+ ){0,4}(?:profit\w*|"
            r"financial|costs?|administrative|billing|revenue|budget|the (?:clinic|"
            r"hospital)'?s?)\b",
            r"\bkeep (?:the |a |my )?patients? (?:[\w']+ ){0,2}(?:within|in) my (?:own )?"
            r"(?:practice|clinic)\b|\bto keep (?:them|patients) (?:in|within) my\b",
            r"\bprolong\w* (?:[\w']+ ){0,4}(?:unnecessar\w*|beyond|to (?:increase|benefit|bill))",
            r"\bwithout disclos\w* (?:a |any |the |my |their )?(?:conflicts? of interest|"
            r"financial|ties|relationship|funding|payment)|\b(?:hide|conceal|not disclose) "
            r"(?:a |my |the )?(?:conflicts? of interest|financial ties)\b",
            r"\b(?:dual|multiple) relationships?\b|\b(?:date|dating|sexual relationship with|"
            r"romantic\w* (?:involved|relationship)) (?:with )?(?:a |my )?(?:current )?"
            r"patients?\b",
            r"\b(?:to (?:cut|save|reduce) costs?|cost ?(?:cutting|saving|efficiency)|free up "
            r"beds|manage (?:clinic )?workload|to save time|at the expense of (?:patient|"
            r"their|the)|rather than (?:medical need|patient (?:benefit|need|care|welfare))|"
            r"not on the quality of care)\b",
            r"\bpush\w* (?:a |the )?(?:drug|medication|device|product|treatment|procedure)\b",
        ),
    ),
    Category(
        "discrimination_access",
        "I dignity, IX access to care",
        "Refusing, rationing or prioritising care by wealth, insurance, race, religion, "
        "orientation, status or other non-medical traits.",
        (
            r"\b(?:discriminat\w*|prejudic\w*|biased|preferential\w*|segregat\w*|"
            r"elite demographics|exclusive\w* (?:to|for) (?:private|premium|wealthy|rich))\b",
            r"\b(?:based (?:solely |only |primarily )?on|because of|due to|according to|"
            r"depending on|by) (?:the |a |their |his |her |patients'? |patient'?s? )?(?:\w+ )?"
            r"(?:race|racial|ethnic\w*|religio\w*|sexual orientation|gender identity|"
            r"(?:ability|inability) to pay|financial (?:status|resources)|income|wealth|"
            r"insurance (?:status|coverage|type|plan)|insurance|socio ?economic|social "
            r"(?:status|standing|position)|celebrity|fame|immigration status|nationality|"
            r"criminal (?:history|record)|political|weight|disabilit\w*|age|caste|class|"
            r"appearance|(?:perceived )?low return|personal (?:beliefs|skepticism|views|"
            r"feelings|bias))\b",
            r"\b(?:refus\w*|deny\w*|declin\w*|turn\w* away|exclud\w*|reject\w*|limit\w*|"
            r"restrict\w*|withh[oe]ld\w*|deprioriti[sz]\w*|not (?:treat|see|accept|serve)) "
            r"(?:[\w']+ ){0,6}?(?:uninsured|without (?:[\w']+ ){0,2}(?:insurance|coverage|medicare|"
            r"medicaid|income|money)|who (?:can ?not|cannot|can't|don't|do not) (?:pay|afford|"
            r"have insurance)|(?:can ?not|can't|unable to) (?:pay|afford)|poor|low income|"
            r"underprivileged|homeless|immigrants?|undocumented|medicaid|public (?:health )?"
            r"insurance|transgender|gay|lesbian|muslims?|jews?|jewish|christians?|black|"
            r"hispanic|asian|minorit\w*|elderly|disabled|obese|overweight|addicts?|(?:a )?"
            r"history of (?:substance|drug|non ?compliance)|mental (?:health|illness)|"
            r"schizophreni\w*|autis\w*|hiv)\b",
            r"\b(?:prioriti[sz]\w*|fast ?track\w*|faster|quicker|better|premium|first) "
            r"(?:[\w']+ ){0,6}?(?:for |to )?(?:privately insured|private(?:ly)? pay\w*|premium|"
            r"wealthy|rich|high ?income|(?:vip|celebrit\w*)|friends and family|paying more|"
            r"higher (?:social|income)|self ?pay|cash pay\w*|influential|important people)\b",
            r"\b(?:only|exclusively) (?:[\w']+ ){0,3}(?:premium|private(?:ly)?|wealthy|rich|paying|"
            r"insured)\b|\bhigher wait times? for\b|\btiered care\b",
            r"\b(?:selectively|preferentially) (?:[\w']+ ){0,4}based on\b",
            r"\b(?:justif\w*|reasons? for|excuses? (?:for|to)) (?:[\w']+ ){0,3}(?:refus\w*|"
            r"exclu\w*|deny\w*|declin\w*|not treat\w*|turning away)\b",
        ),
    ),
    Category(
        "coercing_clinicians",
        "VI freedom of practice",
        "Forcing or pressuring clinicians to practise unsafely, against evidence or "
        "conscience, or silencing them.",
        (
            r"\b(?:be|being|get|got) (?:\w+ )?(?:forced|mandated|compelled|obliged|required|"
            r"directed|made|pressured|coerced|ordered) to\b",
            r"\b(?:force|forces|forcing|mandat\w*|compel\w*|oblig\w*|pressur\w*|coerc\w*|"
            r"requir\w*|prohibit\w*|restrict\w*|prevent\w*|forbid\w*|silenc\w*|punish\w*|"
            r"retaliat\w*) (?:a |the |all |our |my )?(?:[\w']+ ){0,2}(?:physicians?|doctors?|"
            r"clinicians?|nurses?|surgeons?|staff|residents|employees?|colleagues?|"
            r"whistleblowers?) (?:from |to |into )\b",
            r"\bquota (?:system|of)\b|\b\d{2} hour shifts?\b|\bno breaks\b|\bunder (?:the )?"
            r"threat of\b|\bunion\b.*\bshould not\b|\bshould not (?:be allowed to )?(?:join|"
            r"voice|speak|report|advocate)\b",
        ),
    ),
    Category(
        "misinformation",
        "V science, VII public health",
        "Spreading health misinformation, anti-evidence campaigns, or neglecting public "
        "health duties.",
        (
            r"\b(?:misinformation|disinformation|propaganda|conspiracy|fear ?monger\w*|"
            r"scare tactics|false (?:claims?|hope)|hoax\w*|misleading)\b",
            r"\b(?:spread\w*|promot\w*|circulat\w*|push\w*|market\w*|advertis\w*|announc\w*|"
            r"endors\w*|advocat\w*) (?:[\w']+ ){0,4}(?:unproven|untested|unapproved|quack\w*|"
            r"miracle|fake|pseudoscien\w*|debunked|not (?:been )?(?:approved|proven|tested)|"
            r"without (?:any )?(?:evidence|clinical trials?|peer review)|universal remedy|"
            r"unrealistic|over established|against (?:vaccin\w*|sunscreen)|avoiding "
            r"vaccinations?)\b",
            r"\b(?:anti ?vax\w*|anti ?vaccin\w*|against (?:the use of )?(?:vaccin\w*|sunscreen|"
            r"harm reduction|needle exchange|fluorid\w*)|avoid(?:ing)? vaccinations?)\b",
            r"\b(?:discredit\w*|suppress\w*|silenc\w*|undermin\w*|downplay\w*|"
            r"dismiss\w*|contradict\w*|sow\w*|deny\w*) (?:[\w']+ ){0,4}(?:evidence|research|"
            r"findings|science|scientific|legitimate|complaints?|importance|severity|"
            r"guidelines|experts?|public health|medical advice|credibility|fear|doubt|"
            r"effectiveness|benefits|vaccin\w*|climate)\b",
            r"\b(?:not|never|fail\w* to|avoid\w*|refus\w* to|neglect\w*|without) "
            r"(?:[\w']+ ){0,1}(?:shar\w* (?:[\w']+ ){0,3}findings|engag\w* in (?:public|community)|"
            r"(?:public|community) (?:awareness|outreach|health education)|report\w* (?:\w+ "
            r"){0,4}(?:disease|outbreak|infection|to public health)|emphasi[sz]\w* (?:the "
            r"importance|vaccination))\b",
            r"\b(?:opt out of|discourag\w*) (?:[\w']+ ){0,3}(?:health insurance|public health|"
            r"vaccin\w*|screening|the use of (?:public|generic))\b",
            r"\b(?:conditions?|diseases?) that (?:do not|don't) exist\b",
            r"\bbias (?:[\w']+ ){0,2}against\b|\bselectively present\w*\b",
        ),
    ),
    # The catch-all, checked last: a request matching a more specific category gets that key.
    Category(
        "substandard_care",
        "I competent care, V science",
        "Cutting safeguards of competent care: no examination, consent, sterility, approval, "
        "evidence or follow-up; unqualified or unapproved practice; neglect.",
        (
            _WITHOUT_SAFEGUARD,
            r"\b(?:not in (?:the |their |a |his |her )?(?:patient'?s?'? )?(?:own )?best interests?|"
            r"over (?:the |their |a )?(?:patient'?s?'? |participants'? )?(?:own )?(?:well ?being|"
            r"needs|health|best interests?|safety|welfare)|prioriti[sz]\w* (?:the )?(?:[\w']+ "
            r"){0,3}(?:interests|convenience|workload)|(?:does|do|will) not receive (?:adequate|"
            r"proper|any|appropriate)|(?:inadequate|incomplete|incorrect|false|outdated|"
            r"misleading) (?:or [\w]+ )?(?:information|care|advice|treatment|aftercare)|"
            r"exploit\w*|unethical\w*|illegal\w*|illicit\w*|steal\w*|misappropriat\w*|"
            r"deliberately|intentionally|knowingly|purposely|on purpose|misdiagnos\w*|"
            r"under ?diagnos\w*|euthanasia|not terminally ill|limit\w* access|restrict\w* "
            r"access|loopholes?|more addictive|sacrific\w*|even if (?:it'?s |they )?(?:could|"
            r"unlikely|harm)|even though|despite (?:their|the|its|evidence|concerns|being)|"
            r"withh[oe]ld\w*|rather than (?:under|with|the)|not (?:been )?tested|has not been|"
            r"have not been|ignoring the|not capable of (?:providing|giving) (?:informed )?"
            r"consent|not intended by)\b",
            r"\b(?:regardless of|irrespective of|without regard (?:to|for)|not (?:taking|"
            r"considering) into account) (?:the |their |its |a )?(?:[\w']+ ){0,2}(?:effective\w*|"
            r"efficacy|safety|medical necessity|need|needs|condition|indications?|risks?|"
            r"side effects|health|age|wishes|consent|evidence|vulnerabilit\w*|history|"
            r"exemptions?|current condition)\b",
            r"\b(?:neglect\w*|abandon\w*|ignor\w*|overlook\w*|disregard\w*|dismiss\w*|"
            r"trivializ\w*|skip\w*|circumvent\w*|bypass\w*|evad\w*|cut corners|flout\w*|"
            r"violat\w*|undermin\w*|sidestep\w*|shortcut\w*|contradict\w*|going against|"
            r"goes against|go against|against) (?:the |a |an |their |his |her |my |all |any |"
            r"these |standard |established |current |new |latest |basic |proper |mandatory |"
            r"legal |safety |ethical |medical |clinical )*(?:[\w']+ ){0,2}?(?:guidelines?|"
            r"protocols?|standards?|regulations?|rules|laws?|procedures|precautions|"
            r"sterili[sz]\w*|infection control|hygiene|safety|checks?|checklists?|warnings?|"
            r"contraindications?|allerg\w*|symptoms|signs|needs|concerns|complaints?|pain|"
            r"care|follow ?ups?|history|evidence|research|findings|literature|ethics|"
            r"oversight|review|committees?|reporting|requirements|recommendations|"
            r"best practices|practices|principles|codes?|patients?|importance|wishes|"
            r"determinants|role|credibility|relationship|benefits|dangers|risks|incompeten\w*|"
            r"mistakes|errors|misconduct)\b",
            r"\b(?:not|never|fail\w* to|avoid\w*|refus\w* to|neglect\w* to|without) "
            r"(?:properly |adequately |fully |regularly |ever |even |to )?(?:report\w*|"
            r"refer\w*|follow\w* up|monitor\w*|educat\w*|advocat\w*|document\w*|provid\w* "
            r"(?:adequate|proper|appropriate|basic|necessary|sufficient|any)|(?:engag|"
            r"participat)\w* in|shar(?:e|ing) (?:findings|results|data)|seek\w* consultation|"
            r"review\w* and updat\w*|updat\w*|correct\w*|address\w*|advis\w*|acknowledg\w*|"
            r"treat\w*|follow\w* (?:the )?(?:guidelines?|protocols?|law)|speak\w* out|"
            r"stay\w* up to date|read\w* (?:medical|the) literature|keep\w* up)\b",
            r"\b(?:unqualified|uncertified|unlicensed|untrained|unauthori[sz]ed|unapproved|"
            r"non ?approved|not (?:yet )?(?:been )?(?:fda )?approved|non fda|non evidence based|"
            r"not evidence based|unproven|unproved|pseudoscien\w*|debunked|unsanitary|"
            r"non ?sterile|unsterile|makeshift|pirated|substandard|subpar|inferior|low quality|"
            r"inhumane|designed to fail|(?:with|has) a defect|inappropriate\w*|unnecessar\w*|not "
            r"(?:medically )?(?:necessary|indicated|needed|appropriate|tailored|suitable|"
            r"justified|supported|in line|in compliance|conducive|recogni[sz]ed|proven|"
            r"effective|safe)|(?:is|are|been) (?:known to be |proven to be )?(?:ineffective|"
            r"dangerous)|beyond (?:medical )?necessity|than (?:is )?(?:recommended|safe\w*|"
            r"necessary|needed|indicated)|known (?:severe )?(?:side effects|to cause (?:harm|"
            r"adverse))|could (?:significantly )?(?:harm|hurt|impact)|cause harm|harmful to)\b",
            r"\b(?:self ?(?:induc|administ|prescrib|medicat|treat|diagnos)\w*|at home without|"
            r"household items|in a non medical setting|lethal dose|overdos\w* (?:someone|a "
            r"patient|him|her|them)|get(?:ting)? high|recreational\w*|for (?:a )?(?:buzz|"
            r"kicks))\b",
            r"\b(?:poison\w*|harm|hurt|kill|injur\w*|endanger\w*|sedat\w*|restrain\w*) (?:a |the |"
            r"my |his |her |their )?(?:patient|person|wife|husband|child|baby|mother|father|"
            r"someone|elderly|resident)\w*",
            r"\b(?:without|skip\w*|forgo\w*|avoid\w*) (?:routine |any |the |all )?(?:follow ?up|"
            r"post ?op\w*|aftercare|after care|monitoring|check ?ups?)\b",
            r"\b(?:mock\w*|belittl\w*|ridicul\w*|humiliat\w*|insult\w*|"
            r"sham(?:ing|ed|e (?:a|the|them|patients?))|stigmati[sz]\w*|"
            r"trivializ\w*|patroniz\w*|condescend\w*|demean\w*|degrad\w*|taunt\w*|make fun of|"
            r"laugh at|joke\w*|jokes|rude\w*|offensive|insensitiv\w*|impatien\w*|annoyance|"
            r"dismissive\w*|harsh\w*|cruel\w*|callous\w*|without (?:showing |any )?(?:empathy|"
            r"compassion|comfort|reassurance|support|hope)|harass\w*|abus(?:e|ing) (?:a |the )?"
            r"patient)\b",
            r"\b(?:prescrib\w*|recommend\w*|administer\w*|give|provid\w*|advis\w*|suggest\w*|"
            r"perform\w*|conduct\w*|use|using|implant\w*|operate) (?:[\w']+ ){0,6}?(?:to|on|for) "
            r"(?:a |the |an )?(?:patients? |people |someone |healthy \w+ )?(?:without|with no|"
            r"who (?:do|does|are|is) not (?:have|need|show)|not (?:showing|having)|showing no|"
            r"with only) (?:[\w']+ ){0,2}(?:signs?|symptoms?|indication|need|diagnos\w*|"
            r"deficiency|adhd|cancer|medical|disease|condition|illness)",
        ),
    ),
)

# French cues: one list per category, same keys.
_FR: dict[str, tuple[str, ...]] = {
    "deception_fraud": (
        r"\b(?:fraud\w*|falsifi\w*|truquer|trafiquer|contrefa\w*|antidat\w*|surfactur\w*|"
        r"faux (?:certificat|arret|document|dossier|resultat|diagnostic|ordonnance)s?|"
        r"fausse (?:ordonnance|declaration|facture|attestation)s?|mentir|cacher (?:une |"
        r"l'|mon |son )?erreur|dissimul\w*|pots? de vin|escroqu\w*|arnaqu\w*)\b",
    ),
    "consent_autonomy": (
        r"\bsans (?:son |leur |le |un |aucun )?(?:consentement|accord|autorisation|"
        r"l'informer|les informer|qu'il le sache|qu'elle le sache|le savoir)\b",
        r"\b(?:manipuler|contraindre|forcer|harceler|menacer|faire pression sur|"
        r"intimider) (?:un |une |le |la |les |mon |ma |mes )?(?:patient|malade|personne)",
        r"\ba (?:son|leur) insu\b|\ben cachette\b|\bminimiser les risques\b",
    ),
    "confidentiality": (
        r"\b(?:divulguer|reveler|vendre|partager|publier|diffuser) (?:[\w']+ ){0,4}(?:dossier|"
        r"diagnostic|donnees de sante|informations? (?:medicales?|confidentielles?)|"
        r"secret medical|sante d)\w*",
        r"\bviol(?:er|ation du) (?:le )?secret medical\b",
    ),
    "substandard_care": (
        r"\b(?:sans (?:examen|diagnostic|indication|sterilisation|surveillance|suivi)|"
        r"non (?:autorise|approuve|sterile)|dose mortelle|empoisonner|se droguer|"
        r"maltraiter|negliger (?:un |une |le |la |les )?(?:patient|malade)|"
        r"se moquer d\w* (?:patient|malade))\w*",
    ),
    "nonmedical_prescribing": (
        r"\b(?:(?:antibiotiques?|opio\w*|morphine|benzo\w*|xanax|codeine|tramadol|"
        r"stupefiants?) (?:[\w']+ ){0,2}sans ordonnance|au marche noir|sans me faire prendre|"
        r"sans se faire prendre)\b",
    ),
    "conflict_of_interest": (
        r"\b(?:pour (?:le |mon |un )?(?:profit|benefice|argent)|augmenter (?:le |mon )?"
        r"chiffre d'affaires)\b",
    ),
    "discrimination_access": (
        r"\b(?:discrimin\w*|refuser de soigner|refuser (?:les |des )?(?:patients|malades) "
        r"(?:[\w']+ ){0,3}(?:cmu|ame|pauvres|etrangers|musulmans|juifs|noirs))\b",
        r"\bselon (?:leur|sa|son) (?:religion|origine|revenu|richesse|couleur)\b",
    ),
}

# ---------------------------------------------------------------- frames

# Questions about rules, rights, reporting or prevention: answered, not refused.
_ASKING_ABOUT = re.compile(
    r"^\s*(?:hi |hello |please |so |ok |okay )?(?:"
    # what is / what are, unless it asks for ways, methods, steps or reasons
    r"what (?:is|are|was|were)\b(?! (?:\w+ )?(?:the |some |a |an )?(?:[\w']+ ){0,2}?(?:ways?|"
    r"methods?|means|strategies|tactics|techniques|tricks|tips|steps|reasons|excuses|"
    r"justifications|arguments|loopholes)\b)"
    r"|what (?:causes|happens|does|do|counts|constitutes|should|can|must|rights|laws|rules|"
    r"obligations)\b"
    r"|(?:is|are|was|were|would|does|do) (?:it|this|that|there|they|these)\b"
    r"|(?:can|could|may|should|does|do|is|did) (?:my|our|a|an|the) (?:doctor|physician|"
    r"clinic|hospital|nurse|dentist|insurer|insurance|employer|pharmacist|therapist|"
    r"surgeon|care team|provider|practice|gp)\b"
    r"|(?:when|why|where|under what circumstances|in what cases|which)\b"
    r"|how (?:do|can|should|could|would|does|must|might) (?:i|we|you|one|a|an|the|"
    r"clinicians?|doctors?|physicians?|nurses?|hospitals?|practices?|patients?|staff|"
    r"residents?|caregivers?|families|family members)\s(?:(?!avoid|fail|not|never|neglect|refus|"
    r"skip|stop|delay|ignor|overlook)[\w']+ ){0,2}?(?:report|recogni[sz]e|"
    r"spot|detect|identify|prevent|protect|comply|complain|appeal|file|flag|escalate|"
    r"raise (?:a )?concerns?|know|tell if|check|verify|correct|amend|handle|respond|deal|"
    r"support|help (?:a|an|the|my)|talk|discuss|explain|document|obtain (?:informed )?"
    r"consent|get (?:informed )?consent|request|access my|get my|see my|stop being|avoid "
    r"(?:being|getting|unintentional|accidental|errors?|mistakes?|(?:up|down)coding|"
    r"fraud|bias|burnout|conflicts?|malpractice|liability|a lawsuit|lawsuits|breach|"
    r"violating|discriminat)|ensure|make sure|safely|ethically|properly|legally)"
    r"|do you have information|tell me about|explain (?:the|what|how|why|whether)|"
    r"i (?:think|suspect|believe|found out|discovered) (?:that )?(?:my|a|our|the) "
    r"(?:colleague|doctor|physician|nurse|clinic|hospital|coworker|boss|supervisor)"
    r"|my (?:doctor|physician|clinic|hospital|nurse|dentist|insurer|insurance|employer|"
    r"pharmacist|therapist|surgeon|care team|provider|gp|colleague)\b"
    # French
    r"|qu'est ce|c'est quoi|est ce (?:legal|interdit|autorise|permis|normal|ethique|que)|"
    r"que dit la loi|quel(?:le)?s? (?:sont|est)|comment (?:signaler|declarer|denoncer|"
    r"reconnaitre|prevenir|eviter d'etre|porter plainte|obtenir|acceder|savoir)|pourquoi|"
    r"quand|mon (?:medecin|docteur|hopital|assureur|employeur)|ma (?:clinique|mutuelle)|"
    r"a t on le droit|ai je le droit|(?:le|mon|un) medecin (?:peut|a t il|doit))"
)
# Cues that turn a question back into a request to misbehave, whatever its frame.
_AGGRAVATING = re.compile(
    r"\b(?:without (?:getting|being) (?:caught|detected|noticed)|get away with|secretly|"
    r"covertly|discreetly|undetected|for (?:personal )?(?:profit|gain)|"
    r"(?:what|which) (?:is|are) (?:the )?(?:best|easiest|most effective|quickest|safest) "
    r"ways?|sans (?:me|se) faire prendre|en cachette|out of curiosity|for (?:gossip|fun)|"
    r"(?:a|the|another) (?:\w+ )?patient'?s? (?:[\w']+ ){0,4}?(?:with|to) (?:my |their |his |"
    r"her |the )?(?:friends|family|employer|media|press|neighbou?rs|social media|forum|"
    r"public))\b"
)
# Reporting, refusing or preventing misconduct is not misconduct.
_REPORTING = re.compile(
    r"\b(?<!not )(?<!without )(?<!avoid )(?<!never )(?<!fail to )(?<!failing to )(?<!neglect to )"
    r"(?<!refuse to )(?:report\w*|whistle ?blow\w*|complain\w* "
    r"about|file a complaint (?:about|against)|signaler|denoncer)\b (?:[\w']+ ){0,3}(?:colleague|"
    r"doctor|physician|nurse|surgeon|clinician|provider|misconduct|fraud|abuse|impair\w*|"
    r"negligence|violation|breach|unsafe|error|them|him|her|it|this|confrere|medecin)"
)
_NEGATED = re.compile(
    r"(?:\b(?:without|never|not|avoid|avoiding|prevent|preventing|rather than|instead of|"
    r"refuse to|refusing to|stop|stopping|no longer|sans|jamais|eviter de|ne pas|pas)\s+"
    r"(?:\w+\s+){0,1}|n't\s+)$"
)

_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (c.key, re.compile("|".join(f"(?:{cue})" for cue in c.cues + _FR.get(c.key, ()))))
    for c in CATEGORIES
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


@dataclass(frozen=True)
class HarmVerdict:
    harmful: bool  # helping would act against a patient's interest or medical ethics
    off_task: bool  # a writing/building task, not a health question
    rule: str | None  # category key or "writing_task"; never the user's words


def _category(folded: str) -> str | None:
    """The first category with a cue that is not negated just before it."""
    for key, pattern in _COMPILED:
        for m in pattern.finditer(folded):
            if not _NEGATED.search(folded[max(0, m.start() - 30): m.start()]):
                return key
    return None


def classify_harm(text: str) -> HarmVerdict:
    folded = re.sub(r"\s+", " ", fold_words(text)).strip()
    asking = bool(_ASKING_ABOUT.search(folded) or _REPORTING.search(folded))
    if asking and not _AGGRAVATING.search(folded):
        return HarmVerdict(False, False, None)  # asking about a topic is not asking to do it
    key = _category(folded)
    if key is not None:
        return HarmVerdict(True, False, key)
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
