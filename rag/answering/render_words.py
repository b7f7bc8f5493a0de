"""The wording of rendered values, items and yes/no answers, in English and French.

Kept apart from :mod:`rag.answering.render` so the sentences can be read and reviewed in
one place. Sentences that say what was searched start with "I don't" / "Je n'ai" (the
verifier reads them as connective); clarifying questions start with "Which … do you mean"
/ "Quel … voulez-vous dire".
"""

from __future__ import annotations

T: dict[str, dict[str, str]] = {
    "en": {
        "latest": "Your most recent {name} was {value} on {date} {m}.",
        "at_visit": "At your last visit, on {date}, your {name} was {value} {m}.",
        "previous": "Your previous result was {value} on {date} {m}.",
        "before": "Your previous result was {value} on {date} {m}, so it has {dir}.",
        "before_follow": "The one before it was {value} on {date} {m}.",
        "up": "gone up", "down": "gone down", "same": "stayed the same",
        "series": "Your {name} results: {items}.",
        "many": "Your records hold {n} {name} results, from {first} {m1} to {last} {m2}.",
        "recent": "The {n} most recent: {items}.",
        "no_value": "I don't see a {name} result in your records{window}.",
        "no_earlier": "I don't see an earlier {name} result in your records.",
        "no_value_looked": "I don't see a {name} result in your records{window}: I looked at "
                           "the {n} kinds of results and measurements they hold.",
        "upload": "If you have a lab report, you can upload it.",
        "one": "Your most recent {what} was {name}{on} {m}.",
        "one_before": "The one before it was {name}{on} {m}.",
        "list": "Your records list {n} {what}: {items}.",
        "none": "I don't see any {what} in your records{window}.",
        "looked": "I don't see {thing} in your records: I looked at your {n} {records}.",
        "looked_none": "I don't see {thing} in your records, and I found no {records} at all.",
        "thing_allergy": "an allergy to {name}", "thing_immunization": "{a} {name}",
        "thing_procedure": "{a} {name}", "thing": "{name}",
        "yes_condition": "Yes. Your record lists {name} as {status}{since} {m}.",
        "yes_allergy": "Yes. Your record lists an allergy to {name}{since} {m}.",
        "yes_medication": "Yes. Your record lists {name} as {status}{since} {m}.",
        "yes_event": "Yes. Your record lists {name}{on} {m}.",
        "past": "Yes, in the past. Your record lists {name} as {status}{since} {m}.",
        "not_now": "No, not currently. Your record lists {name} as {status}{since} {m}.",
        "past_allergy": "Yes, in the past. Your record lists an allergy to {name}, marked "
                        "{status}{since} {m}.",
        "not_now_allergy": "No, not currently. Your record lists an allergy to {name}, marked "
                           "{status}{since} {m}.",
        "no": "No.",
        "earlier": "Earlier entries: {items}.",
        "clarify_observation": "Which result do you mean, for example your A1c, cholesterol "
                               "or weight?",
        "clarify_item": "Which {what} do you mean?",
        "can_answer": "I can help with questions about your own records: your latest results "
                      "and their history, your visits and who you saw, conditions, medications, "
                      "allergies, vaccines, procedures, claims and your insurer.",
        "on": " on {date}", "since": " since {date}", "recorded": ", recorded {date}",
        "inactive": "inactive", "resolved": "resolved", "stopped": "stopped",
        "active": "active", "marked": "marked {status}",
    },
    "fr": {
        "latest": "Votre dernier résultat {of}{name} était {value} le {date} {m}.",
        "at_visit": "Lors de votre dernière consultation, le {date}, votre résultat {of}{name} "
                    "était {value} {m}.",
        "previous": "Votre résultat précédent était {value} le {date} {m}.",
        "before": "Votre résultat précédent était {value} le {date} {m} : il a {dir}.",
        "before_follow": "Celui d'avant était {value} le {date} {m}.",
        "up": "augmenté", "down": "baissé", "same": "peu changé",
        "series": "Vos résultats {of}{name} : {items}.",
        "many": "Votre dossier contient {n} résultats {of}{name}, du {first} {m1} au {last} {m2}.",
        "recent": "Les {n} plus récents : {items}.",
        "no_value": "Je n'ai pas trouvé de résultat {of}{name} dans votre dossier{window}.",
        "no_earlier": "Je n'ai pas trouvé de résultat {of}{name} plus ancien dans votre dossier.",
        "no_value_looked": "Je n'ai pas trouvé de résultat {of}{name} dans votre dossier{window} "
                           ": j'ai regardé les {n} types de résultats et de mesures qu'il "
                           "contient.",
        "upload": "Si vous avez un compte rendu de laboratoire, vous pouvez l'ajouter.",
        "one": "Dernier {what} de votre dossier : {name}{on} {m}.",
        "one_before": "Celui d'avant : {name}{on} {m}.",
        "list": "Votre dossier mentionne {n} {what} : {items}.",
        "none": "Je n'ai trouvé {aucun} {one} dans votre dossier{window}.",
        "looked": "Je n'ai pas trouvé {thing} dans votre dossier : j'ai regardé vos {n} "
                  "{records}.",
        "looked_none": "Je n'ai pas trouvé {thing} dans votre dossier, qui ne contient aucun "
                       "{records}.",
        "thing_allergy": "d'allergie à « {name} »", "thing_immunization": "de vaccin « {name} »",
        "thing_procedure": "« {name} »", "thing": "« {name} »",
        "yes_condition": "Oui. Votre dossier indique {name}, statut {status}{since} {m}.",
        "yes_allergy": "Oui. Votre dossier indique une allergie à {name}{since} {m}.",
        "yes_medication": "Oui. Votre dossier indique {name}, statut {status}{since} {m}.",
        "yes_event": "Oui. Votre dossier indique {name}{on} {m}.",
        "past": "Oui, par le passé. Votre dossier indique {name}, statut {status}{since} {m}.",
        "not_now": "Non, pas actuellement. Votre dossier indique {name}, "
                   "statut {status}{since} {m}.",
        "past_allergy": "Oui, par le passé. Votre dossier indique une allergie à {name}, "
                        "marquée {status}{since} {m}.",
        "not_now_allergy": "Non, pas actuellement. Votre dossier indique une allergie à {name}, "
                           "marquée {status}{since} {m}.",
        "no": "Non.",
        "earlier": "Entrées plus anciennes : {items}.",
        "clarify_observation": "Quel résultat voulez-vous dire, par exemple votre HbA1c, votre "
                               "cholestérol ou votre poids ?",
        "clarify_item": "{quel} {what} voulez-vous dire ?",
        "can_answer": "Je peux répondre aux questions sur votre propre dossier : vos derniers "
                      "résultats et leur historique, vos consultations et qui vous avez vu, vos "
                      "problèmes de santé, médicaments, allergies, vaccins, actes, "
                      "remboursements et votre assureur.",
        "on": " le {date}", "since": " depuis le {date}", "recorded": ", enregistrée le {date}",
        "inactive": "inactive", "resolved": "résolu", "stopped": "arrêté",
        "active": "actif", "marked": "statut : {status}",
    },
}
