"""The wording of appointment packets and their questions, in English and French.

Kept in one place so reviewers read every sentence a packet can say. Questions end with
"?" (French puts a narrow space before it, as French typography does).
"""

from __future__ import annotations

from rag.answering.compose import human_date, human_unit
from rag.core.types import human_number

SECTION_TITLES: dict[str, dict[str, str]] = {
    "en": {
        "problems": "Active problems", "medications": "Current medications",
        "allergies": "Allergies", "results": "Recent results",
        "changes": "What changed since {since}", "changes_none": "What changed recently",
        "immunizations": "Vaccines: due or recent", "visits": "Visits since {since}",
        "visits_none": "Recent visits", "wellness": "Wellness trends",
    },
    "fr": {
        "problems": "Problèmes de santé actifs", "medications": "Traitements en cours",
        "allergies": "Allergies", "results": "Résultats récents",
        "changes": "Ce qui a changé depuis le {since}", "changes_none": "Changements récents",
        "immunizations": "Vaccins : à faire ou récents",
        "visits": "Consultations depuis le {since}",
        "visits_none": "Consultations récentes", "wellness": "Tendances bien-être",
    },
}

W: dict[str, dict[str, str]] = {
    "en": {
        "since": "since {date}", "onset_unknown": "onset not recorded",
        "dose_missing": "dose not recorded", "started": "started {date}",
        "reaction": "reaction: {what}", "criticality": "criticality {what}",
        "recorded": "recorded {date}",
        "high": "high", "low": "low", "abnormal": "abnormal", "normal": "within range",
        "range": "range {range}", "previous": "previous {value} ({date})",
        "up": "up", "down": "down", "stable": "stable",
        "trend": "trend over {n} results since {date}: {direction}",
        "exam_last": "{exam}: last recorded {date}",
        "vaccine_recent": "{name}: given {date}",
        "vaccine_due_last": "{name}: last dose {date}; another dose may be due, ask your "
                            "clinician",
        "vaccine_due_series": "{name}: {n} of {total} doses recorded (last {date}); the "
                              "series may not be complete, ask your clinician",
        "vaccine_due_never": "{name}: no dose in your records; often offered from age "
                             "{age}, ask your clinician",
        "visit": "{date}: {kind}",
        "visit_reason": "reason: {what}", "visit_with": "with {who}",
        "new_problem": "New problem: {name} (since {date})",
        "resolved_problem": "Resolved: {name} ({date})",
        "med_started": "Medication started: {name} ({date})",
        "med_stopped": "Medication stopped: {name} (prescribed {date})",
        "new_allergy": "Allergy recorded: {name} ({date})",
        "vaccine_given": "Vaccine given: {name} ({date})",
        "out_of_range": "{name} moved out of range: {value} ({date}, {flag}), was {before} "
                        "({before_date})",
        "back_in_range": "{name} is back within range: {value} ({date}), was {before} "
                         "({before_date}, {flag})",
        "marked": "{name} changed markedly: {value} ({date}), was {before} ({before_date}), "
                  "{pct}",
        "wellness_daily": "{name}: average {mean} {unit} a day over {n} days ({start} to {end})",
        "wellness_prev": "{direction} {pct} on the {n} days before",
        "wellness_sparse": "{name}: {last} ({last_date}); {first} ({first_date}); {n} readings "
                           "in 12 months, {direction}",
        "wellness_one": "{name}: {last} ({last_date}), one reading in 12 months",
        "note_past": "The date {date} is in the past: this packet shows your records up to "
                     "that day.",
        "note_no_reason": "No specific focus was found for \u201c{reason}\u201d: this is a "
                          "general packet.",
        "note_focus": "Shown first for {titles}.",
        "note_hidden": "{n} item(s) in sensitive categories are not shown; include them "
                       "if you choose to (include_sensitive).",
        "note_more_results": "{n} older or other results are not shown.",
        "empty": "Nothing recorded.",
        "unknown_visit": "visit",
    },
    "fr": {
        "since": "depuis le {date}", "onset_unknown": "date de début non indiquée",
        "dose_missing": "posologie non indiquée", "started": "débuté le {date}",
        "reaction": "réaction : {what}", "criticality": "criticité {what}",
        "recorded": "enregistrée le {date}",
        "high": "élevé", "low": "bas", "abnormal": "anormal", "normal": "dans les normes",
        "range": "normes {range}", "previous": "précédent {value} ({date})",
        "up": "en hausse", "down": "en baisse", "stable": "stable",
        "trend": "tendance sur {n} résultats depuis le {date} : {direction}",
        "exam_last": "{exam} : dernier enregistré le {date}",
        "vaccine_recent": "{name} : fait le {date}",
        "vaccine_due_last": "{name} : dernière dose le {date} ; une nouvelle dose est peut-être "
                            "à prévoir, demandez à votre médecin",
        "vaccine_due_series": "{name} : {n} dose(s) sur {total} enregistrée(s) (dernière le "
                              "{date}) ; le schéma n'est peut-être pas complet, demandez à "
                              "votre médecin",
        "vaccine_due_never": "{name} : aucune dose dans votre dossier ; souvent proposé à "
                             "partir de {age} ans, demandez à votre médecin",
        "visit": "{date} : {kind}",
        "visit_reason": "motif : {what}", "visit_with": "avec {who}",
        "new_problem": "Nouveau problème : {name} (depuis le {date})",
        "resolved_problem": "Résolu : {name} ({date})",
        "med_started": "Traitement commencé : {name} ({date})",
        "med_stopped": "Traitement arrêté : {name} (prescrit le {date})",
        "new_allergy": "Allergie enregistrée : {name} ({date})",
        "vaccine_given": "Vaccin fait : {name} ({date})",
        "out_of_range": "{name} est sorti des normes : {value} ({date}, {flag}), contre "
                        "{before} ({before_date})",
        "back_in_range": "{name} est revenu dans les normes : {value} ({date}), contre "
                         "{before} ({before_date}, {flag})",
        "marked": "{name} a nettement changé : {value} ({date}), contre {before} "
                  "({before_date}), {pct}",
        "wellness_daily": "{name} : moyenne de {mean} {unit} par jour sur {n} jours (du "
                          "{start} au {end})",
        "wellness_prev": "{direction} de {pct} par rapport aux {n} jours précédents",
        "wellness_sparse": "{name} : {last} ({last_date}) ; {first} ({first_date}) ; {n} "
                           "mesures en 12 mois, {direction}",
        "wellness_one": "{name} : {last} ({last_date}), une mesure en 12 mois",
        "note_past": "La date du {date} est passée : ce dossier montre vos données jusqu'à "
                     "ce jour.",
        "note_no_reason": "Aucun thème précis trouvé pour « {reason} » : voici un dossier "
                          "général.",
        "note_focus": "En premier : {titles}.",
        "note_hidden": "{n} élément(s) de catégories sensibles ne sont pas affichés ; vous "
                       "pouvez choisir de les inclure (include_sensitive).",
        "note_more_results": "{n} autres résultats, plus anciens, ne sont pas affichés.",
        "empty": "Rien d'enregistré.",
        "unknown_visit": "consultation",
    },
}

Q: dict[str, dict[str, str]] = {
    "en": {
        "out_of_range": "My {name} was {value} on {date}, {side} the reference range "
                        "({range}). What could explain this, and does anything need to change?",
        "flagged": "My {name} was {value} on {date} and is marked {flag}. What does this "
                   "mean for me?",
        "new_medication": "I started {name} on {date}. What side effects should I watch for, "
                          "and how will we know it is working?",
        "vaccine_due": "My last {name} vaccine on record was on {date}. Is another dose due "
                       "for me?",
        "vaccine_series": "My records show {n} of {total} doses of the {name} vaccine. Should "
                          "I complete the series?",
        "vaccine_never": "I have no {name} vaccine on record. Is it recommended for me?",
        "trend": "My {name} has gone {direction} from {first} on {first_date} to {last} on "
                 "{last_date}. Is this trend something we should act on?",
        "missing_exam": "My records show no {exam}. Is one due for my {condition}?",
        "new_problem": "What does my new diagnosis of {name} mean for me, and what should "
                       "I do next?",
        "above": "above", "below": "below", "up": "up", "down": "down",
    },
    "fr": {
        "out_of_range": "Mon résultat {of}{name} était de {value} le {date}, {side} des "
                        "normes ({range}). Qu'est-ce qui peut l'expliquer, et faut-il changer "
                        "quelque chose\u202f?",
        "flagged": "Mon résultat {of}{name} était de {value} le {date}, marqué {flag}. "
                   "Qu'est-ce que cela signifie pour moi\u202f?",
        "new_medication": "J'ai commencé {name} le {date}. Quels effets indésirables "
                          "surveiller, et comment saurons-nous que c'est efficace\u202f?",
        "vaccine_due": "Mon dernier vaccin contre {name} enregistré date du {date}. Une "
                       "nouvelle dose est-elle à prévoir\u202f?",
        "vaccine_series": "Mon dossier indique {n} dose(s) sur {total} du vaccin contre "
                          "{name}. Dois-je compléter le schéma\u202f?",
        "vaccine_never": "Je n'ai aucun vaccin contre {name} dans mon dossier. Est-il "
                         "recommandé pour moi\u202f?",
        "trend": "Mon résultat {of}{name} est passé de {first} le {first_date} à {last} le "
                 "{last_date} ({direction}). Faut-il agir sur cette tendance\u202f?",
        "missing_exam": "Je ne vois pas de trace de « {exam} » dans mon dossier. Est-ce à "
                        "prévoir pour le suivi ({condition})\u202f?",
        "new_problem": "Que signifie pour moi mon nouveau diagnostic ({name}), et que dois-je "
                       "faire ensuite\u202f?",
        "above": "au-dessus", "below": "en dessous", "up": "en hausse", "down": "en baisse",
    },
}


# FHIR codes said in the packet's language (allergy severity and criticality).
CODE_WORDS: dict[str, dict[str, str]] = {
    "fr": {"mild": "légère", "moderate": "modérée", "severe": "sévère", "high": "élevée",
           "low": "faible", "unable-to-assess": "non évaluable"},
    "en": {"unable-to-assess": "unable to assess"},
}


def code_word(lang: str, code: str) -> str:
    return CODE_WORDS.get(lang, {}).get(code, code)


def w(lang: str, key: str, **kw: object) -> str:
    return W[lang if lang in W else "en"][key].format(**kw)


def q(lang: str, key: str, **kw: object) -> str:
    return Q[lang if lang in Q else "en"][key].format(**kw)


def title(lang: str, code: str, **kw: object) -> str:
    return SECTION_TITLES[lang if lang in SECTION_TITLES else "en"][code].format(**kw)


def day(iso: str | None, lang: str) -> str:
    return human_date(iso[:10], lang) if iso else ""


def number(value: float, unit: str | None = None) -> str:
    return f"{human_number(value)} {human_unit(unit)}".strip()


def percent(pct: float) -> str:
    return f"{'+' if pct > 0 else ''}{human_number(pct)} %"


def of(name: str, lang: str) -> str:
    """French elision before a name: "de glycémie", "d'hémoglobine"."""
    if lang != "fr":
        return ""
    return "d'" if name[:1].lower() in set("aeiouyhéèêà") else "de "


def capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
