"""Rendering visits, counts, the care team, claim sums and the insurer (EN and FR).

Counts and sums are computed by code, so each is declared to the verifier (``computed``
for counts, ``derived`` for sums and window years, tied to the claims they add up). A
visit count names no visit; a sensitive visit is cited by its date and place only, and
its type and reason are not said in a generic answer.
"""

from __future__ import annotations

from rag.answering.ops_facts import asked_directly
from rag.answering.render_text import Writer, aucun, join, money, plain, what
from rag.answering.results import CareTeam, Count, Payer, Spending, Visit

T: dict[str, dict[str, str]] = {
    "en": {
        "visits": "You had {n} {kind}{noun}{window} {m}.",
        "visit": "visit", "visits_pl": "visits",
        "items": "Your records list {n} {what}{window} {m}.",
        "no_visits": "I don't see any {kind}{noun} in your records{window}: I looked at your "
                     "{total} visits.",
        "no_items": "I don't see any {what} in your records{window}: I looked at your {total} "
                    "{records}.",
        "yes_visits": "Yes. Your records list {n} {kind}{noun}, the most recent on {date} {m}.",
        "no": "No.",
        "last": "Your last visit was on {date}{with_}{at}{kind} {m}.",
        "before": "The visit before that was on {date}{with_}{at}{kind} {m}.",
        "saw": "At your last visit, on {date}, you saw {who}{at} {m}.",
        "saw_before": "At the visit before that, on {date}, you saw {who}{at} {m}.",
        "nobody": "Your last visit, on {date}{at}, does not name a clinician {m}.",
        "with": " with {x}", "at": " at {x}", "reason": "reason: {x}",
        "team": "The clinician you have seen most is {name}{at}: {n} {noun}, most recently on "
                "{date} {m}.",
        "team_org": "The place you have visited most is {name}: {n} {noun}, most recently on "
                    "{date} {m}.",
        "also": "You have also seen {items}.",
        "also_org": "You have also visited {items}.",
        "also_one": "{name} ({n} {noun}, most recently on {date}) {m}",
        "member": "You paid {v}{window}, over {n} {claims} {m}.",
        "plan": "Your plan paid {v}{window}, over {n} {claims} {m}.",
        "billed": "Your claims{window} were billed {v}, over {n} {claims} {m}.",
        "rest": "{parts} {m}.",
        "rest_billed": "They were billed {v}", "rest_plan": "your plan paid {v}",
        "rest_member": "your share was {v}",
        "no_share": "Your claims{window} do not state what you paid {m}.",
        "claim": "claim", "claims": "claims",
        "payer": "Your most recent claim, on {date}, names {name} as your insurer {m}.",
        "payer_coverage": "Your coverage record names {name} as your insurer {m}.",
        "payer_before": "Earlier claims name {items}.",
    },
    "fr": {
        "visits": "Vous avez eu {n} {noun}{kind}{window} {m}.",
        "visit": "consultation", "visits_pl": "consultations",
        "items": "Votre dossier mentionne {n} {what}{window} {m}.",
        "no_visits": "Je n'ai trouvé aucune {noun}{kind}{window} dans votre dossier : j'ai "
                     "regardé vos {total} consultations.",
        "no_items": "Je n'ai trouvé {aucun} {one}{window} dans votre dossier : j'ai regardé "
                    "vos {total} {records}.",
        "yes_visits": "Oui. Votre dossier mentionne {n} {noun}{kind}, la dernière le {date} {m}.",
        "no": "Non.",
        "last": "Votre dernière consultation a eu lieu le {date}{with_}{at}{kind} {m}.",
        "before": "La consultation d'avant a eu lieu le {date}{with_}{at}{kind} {m}.",
        "saw": "Lors de votre dernière consultation, le {date}, vous avez vu {who}{at} {m}.",
        "saw_before": "Lors de la consultation d'avant, le {date}, vous avez vu {who}{at} {m}.",
        "nobody": "Votre dernière consultation, le {date}{at}, ne nomme aucun soignant {m}.",
        "with": " avec {x}", "at": " à {x}", "reason": "motif : {x}",
        "team": "Le soignant que vous voyez le plus est {name}{at} : {n} {noun}, la dernière le "
                "{date} {m}.",
        "team_org": "Le lieu où vous allez le plus est {name} : {n} {noun}, la dernière le "
                    "{date} {m}.",
        "also": "Vous avez aussi vu {items}.",
        "also_org": "Vous êtes aussi allé à {items}.",
        "also_one": "{name} ({n} {noun}, la dernière le {date}) {m}",
        "member": "Vous avez payé {v}{window}, sur {n} {claims} {m}.",
        "plan": "Votre assurance a payé {v}{window}, sur {n} {claims} {m}.",
        "billed": "Vos soins{window} ont été facturés {v}, sur {n} {claims} {m}.",
        "rest": "{parts} {m}.",
        "rest_billed": "Ils ont été facturés {v}", "rest_plan": "votre assurance a payé {v}",
        "rest_member": "votre part était de {v}",
        "no_share": "Vos demandes de remboursement{window} n'indiquent pas ce que vous avez "
                    "payé {m}.",
        "claim": "demande de remboursement", "claims": "demandes de remboursement",
        "payer": "Votre dernière demande de remboursement, le {date}, indique {name} comme "
                 "assureur {m}.",
        "payer_coverage": "Votre contrat d'assurance indique {name} comme assureur {m}.",
        "payer_before": "Des demandes plus anciennes indiquent {items}.",
    },
}
KIND: dict[str, dict[str, str]] = {
    "en": {"emergency": "emergency ", "inpatient": "hospital ", "ambulatory": "outpatient ",
           "wellness": "check-up ", "urgent care": "urgent care ", "virtual": "virtual ",
           "home": "home "},
    "fr": {"emergency": " aux urgences", "inpatient": " à l'hôpital", "ambulatory": " externe",
           "wellness": " de bilan", "urgent care": " en soins urgents", "virtual": " à distance",
           "home": " à domicile"},
}


def _t(w: Writer, key: str, **kw: str) -> str:
    return T[w.lang][key].format(**kw)


def _noun(w: Writer, n: int) -> str:
    return _t(w, "visit" if n == 1 else "visits_pl")


def render_count(w: Writer, part: Count, looked: int, exists: bool) -> bool:
    window, facts = w.window(part.window, cited=bool(part.n))
    kind = KIND[w.lang].get(part.encounter_type or "", "")
    if part.category != "encounter":
        if not part.n:
            w.say(_t(w, "no_items", what=what(part.category, w.lang, 1), window=window,
                     one=what(part.category, w.lang, 0), aucun=aucun(part.category),
                     total=w.count(looked), records=what(part.category, w.lang, 2)), *facts)
            return False
        form = 0 if part.n == 1 else 1
        w.say(_t(w, "items", n=w.count(part.n), what=what(part.category, w.lang, form),
                 window=window, m=w.marks(part.facts, neutral=True)), *facts)
        return True
    if not part.n:
        if exists:
            w.say(_t(w, "no"))
        w.say(_t(w, "no_visits", kind=kind, noun=_t(w, "visits_pl"), window=window,
                 total=w.count(looked)), *facts)
        return False
    marks = w.marks(part.facts, neutral=True)
    if exists:
        w.say(_t(w, "yes_visits", n=w.count(part.n), kind=kind, noun=_noun(w, part.n),
                 date=w.date(part.facts[-1].date), m=marks))
    else:
        w.say(_t(w, "visits", n=w.count(part.n), kind=kind, noun=_noun(w, part.n),
                 window=window, m=marks), *facts)
    return True


def render_visit(w: Writer, part: Visit) -> bool:
    fact = part.fact
    hide = fact.sensitive and not asked_directly(fact, w.query)
    m = w.marks([fact], neutral=hide)
    at = _t(w, "at", x=part.organization) if part.organization else ""
    date = w.date(fact.date)
    if w.query.operation == "who":
        if not part.practitioners:
            w.say(_t(w, "nobody", date=date, at=at, m=m))
        else:
            key = "saw_before" if part.follow_up else "saw"
            w.say(_t(w, key, date=date, who=join(list(part.practitioners), w.lang), at=at, m=m))
        return True
    bits = [] if hide else [plain(part.kind or "")]
    if part.reasons and not hide:
        bits.append(_t(w, "reason", x=", ".join(plain(r) for r in part.reasons)))
    bits = [b for b in bits if b]
    kind = f" ({'; '.join(bits)})" if bits else ""
    with_ = _t(w, "with", x=join(list(part.practitioners), w.lang)) if part.practitioners else ""
    w.say(_t(w, "before" if part.follow_up else "last", date=date, with_=with_, at=at,
             kind=kind, m=m))
    return True


def render_care_team(w: Writer, part: CareTeam) -> bool:
    by_org = w.query.category == "organization"
    first, rest = part.members[0], part.members[1:3]
    at = _t(w, "at", x=first.organization) if first.organization else ""
    w.say(_t(w, "team_org" if by_org else "team", name=first.name, at=at,
             n=w.count(first.visits), noun=_noun(w, first.visits), date=w.date(first.last),
             m=w.marks(first.facts[:1], neutral=True)))
    if rest:
        items = [_t(w, "also_one", name=c.name, n=w.count(c.visits), noun=_noun(w, c.visits),
                    date=w.date(c.last), m=w.marks(c.facts[:1], neutral=True)) for c in rest]
        w.say(_t(w, "also_org" if by_org else "also", items=join(items, w.lang)))
    return True


def render_spending(w: Writer, part: Spending) -> bool:
    window, facts = w.window(part.window)
    m = w.marks(part.facts, neutral=True)
    n = w.count(len(part.facts))
    claims = _t(w, "claim" if len(part.facts) == 1 else "claims")
    figures = {"member": part.member_share, "plan": part.plan_paid, "billed": part.billed}
    order = [part.focus] if part.focus in figures else []
    order += [k for k in ("billed", "plan", "member") if k not in order]
    lead = next((k for k in order if figures[k] is not None), None)
    if lead is None:
        return False
    if part.focus == "member" and part.member_share is None:
        w.say(_t(w, "no_share", window=window, m=m), *facts)
    value = money(figures[lead] or 0.0, part.currency)
    w.say(_t(w, lead, v=value, window=window, n=n, claims=claims, m=m),
          value.split()[0], *facts)
    rest = [k for k in order if k != lead and figures[k] is not None]
    if rest:
        amounts = [money(figures[k] or 0.0, part.currency) for k in rest]
        parts = [_t(w, f"rest_{k}", v=a) for k, a in zip(rest, amounts, strict=True)]
        text = join(parts, w.lang)
        if not text.startswith(("They", "Ils")):
            text = ("Par ailleurs, " if w.lang == "fr" else "Also, ") + text
        w.say(_t(w, "rest", parts=text, m=m), *[a.split()[0] for a in amounts])
    return True


def render_payer(w: Writer, part: Payer) -> bool:
    latest = part.facts[0]
    m = w.marks([latest])
    if latest.item.category in {"eob", "claim"}:
        w.say(_t(w, "payer", date=w.date(latest.date), name=part.name, m=m))
    else:
        w.say(_t(w, "payer_coverage", name=part.name, m=m))
    if part.others:
        items = [f"{name} {w.marks([fact])}" for name, fact in part.others]
        w.say(_t(w, "payer_before", items=join(items, w.lang)))
    return True
