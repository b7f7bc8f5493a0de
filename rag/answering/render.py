"""Rendering an operation's :class:`~rag.answering.results.Result` as a cited answer.

``render(result, cites)`` returns a :class:`~rag.answering.compose.Draft` for the
verifier, in the question's language (English or French). The rules (issue 15):
yes or no first; a count is a number with what it counted cited; one item when one is
asked for; a recorded condition is said as the record says it ("Your record lists …
as active"), which is not a diagnosis; an absent item is "not in your records" with what
was looked at, never unrelated records; the unit the person asked for; a follow-up
("the one before") says "Your previous result was"; and when nothing resolves, one
clarifying question or a plain statement of what can be answered, never a chunk list.
"""

from __future__ import annotations

from guardrails.verify import DISCLAIMER
from rag.answering.citations import CitationBuilder
from rag.answering.compose import Draft, range_sentence, value_text
from rag.answering.ops_values import LAST_VISIT
from rag.answering.render_text import (
    FEMININE,
    Writer,
    article,
    aucun,
    join,
    of,
    plain,
    what,
)
from rag.answering.render_visits import (
    render_care_team,
    render_count,
    render_payer,
    render_spending,
    render_visit,
)
from rag.answering.render_words import T
from rag.answering.results import (
    CareTeam,
    Count,
    Fact,
    Items,
    Payer,
    Presence,
    Result,
    Spending,
    Values,
    Visit,
)
from rag.answering.trends import Point
from rag.answering.units import canonical_unit, convert
from rag.core.terms import vocabulary
from rag.core.types import human_number

DISCLAIMED = {"condition", "medication", "allergy"}


def _t(w: Writer, key: str, **kw: str) -> str:
    return T[w.lang][key].format(**kw)


# ---------------------------------------------------------------- values


def _name(w: Writer, part: Values) -> str:
    term = vocabulary().terms.get(part.concept.key)
    return w.named(term.display(w.lang) if term else plain(part.concept.display))


def _value(part: Values, p: Point) -> tuple[str, list[str]]:
    """The value as said, in the unit asked for with the recorded value alongside (so the
    quote grounds it), and the converted number to declare."""
    recorded = value_text(p)
    if part.unit and p.value is not None and p.value2 is None:
        converted = convert(p.value, p.unit, part.unit, part.concept.key)
        if converted is not None:
            n = human_number(converted)
            return f"{n} {canonical_unit(part.unit)} ({recorded})", [n]
    return recorded, []


def _direction(w: Writer, now: Point, then: Point) -> str:
    if now.value is None or then.value is None or now.value == then.value:
        return _t(w, "same")
    return _t(w, "up" if now.value > then.value else "down")


def _point_sentence(w: Writer, key: str, part: Values, p: Point, **extra: str) -> None:
    value, derived = _value(part, p)
    name = _name(w, part)
    w.say(_t(w, key, name=name, of=of(name, w.lang), value=value, date=w.date(p.day),
             m=w.point_marks(p.records), **extra), *derived, *([p.day] if p.day else []))


def _history(w: Writer, part: Values) -> None:
    pts, name = list(part.points), _name(w, part)
    items = [f"{_value(part, p)[0]} {'le' if w.lang == 'fr' else 'on'} {w.date(p.day)} "
             f"{w.point_marks(p.records)}" for p in pts[-12:]]
    days = [p.day for p in pts[-12:] if p.day]
    derived = [d for p in pts[-12:] for d in _value(part, p)[1]]
    if len(pts) <= 12:
        w.say(_t(w, "series", name=name, of=of(name, w.lang), items=join(items, w.lang)),
              *days, *derived)
        return
    first, last = pts[0], pts[-1]
    w.say(_t(w, "many", n=w.count(len(pts)), name=name, of=of(name, w.lang),
             first=w.date(first.day), last=w.date(last.day),
             m1=w.point_marks(first.records), m2=w.point_marks(last.records)),
          *[d for d in (first.day, last.day) if d])
    w.say(_t(w, "recent", n=w.count(12), items=join(items, w.lang)), *days, *derived)


def render_values(w: Writer, part: Values, looked: int, exists: bool) -> bool:
    """Says one concept's values; True when a value was stated."""
    name = _name(w, part)
    if part.history and part.points:
        _history(w, part)
        return True
    shown = part.shown
    if shown is None:
        if exists:
            w.say(_t(w, "no"))
        if part.follow_up and part.points:
            w.say(_t(w, "no_earlier", name=name, of=of(name, w.lang)))
            return False
        phrase, facts = w.window(w.query.filters.window, cited=False)
        key = "no_value_looked" if looked else "no_value"
        w.say(_t(w, key, name=name, of=of(name, w.lang), window=phrase, n=w.count(looked)),
              *facts)
        w.say(_t(w, "upload"))
        return False
    if exists:
        w.say("Oui." if w.lang == "fr" else "Yes.")
    asked = w.query.filters.window
    at_visit = asked is not None and asked.label in LAST_VISIT
    key = "previous" if part.follow_up else "at_visit" if at_visit else "latest"
    _point_sentence(w, key, part, shown)
    if not part.follow_up:
        range_sentence(shown, w.cites, w.draft, w.lang)
    before = part.before
    if before is not None and part.follow_up:
        _point_sentence(w, "before_follow", part, before)
    elif before is not None:
        _point_sentence(w, "before", part, before, dir=_direction(w, shown, before))
    return True


# ---------------------------------------------------------------- items


def _detail(w: Writer, fact: Fact) -> str:
    """What a list line adds to a name: its date, and its status when not current."""
    item, bits = fact.item, []
    if item.date:
        key = "recorded" if item.category == "allergy" else "since" \
            if item.category in DISCLAIMED else "on"
        bits.append(_t(w, key, date=w.date(item.date)).strip(" ,"))
    status = (item.status or "").lower()
    if item.category in {"allergy", "condition", "medication"} and status and \
            status not in {"active", "recurrence", "relapse"}:
        bits.append(_t(w, "marked", status=_status_word(w, fact)))
    return f" ({', '.join(bits)})" if bits else ""


def _status_word(w: Writer, fact: Fact) -> str:
    status = (fact.item.status or "").lower()
    if fact.item.category == "condition" and status in {"resolved", "remission"}:
        return _t(w, "resolved")
    if fact.item.category == "medication" and status in {"stopped", "completed", "cancelled"}:
        return _t(w, "stopped")
    if status in {"inactive", "resolved"}:
        return _t(w, "inactive")
    if status in {"active", ""}:
        return _t(w, "active")
    return status


def render_items(w: Writer, part: Items, looked: int) -> bool:
    if not part.facts:
        _absent(w, part.category, looked)
        return False
    if part.single:
        fact = part.facts[0]
        on = _t(w, "on", date=w.date(fact.date)) if fact.date else ""
        key = "one_before" if part.follow_up else "one"
        w.say(_t(w, key, what=what(part.category, w.lang, 0),
                 name=plain(fact.item.name, part.category), on=on, m=w.marks([fact])))
        return True
    lines = [f"{plain(f.item.name, part.category)}{_detail(w, f)} {w.marks([f])}"
             for f in part.facts[:30]]
    form = 0 if len(part.facts) == 1 else 1
    w.say(_t(w, "list", n=w.count(len(part.facts)), what=what(part.category, w.lang, form),
             items=join(lines, w.lang)))
    return True


def _absent(w: Writer, category: str, looked: int) -> None:
    names = [c.display for c in w.query.concepts if c.display]
    window, facts = w.window(w.query.filters.window, cited=False)
    if not names:
        w.say(_t(w, "none", what=what(category, w.lang, 1), one=what(category, w.lang, 0),
                 aucun=aucun(category), window=window), *facts)
        return
    key = "looked" if looked else "looked_none"
    w.say(_t(w, key, thing=_thing(w, category, join(names, w.lang)), n=w.count(looked),
             records=what(category, w.lang, 2)))


def _thing(w: Writer, category: str, name: str) -> str:
    """How an absent thing reads: "an allergy to peanuts", "a shingles vaccine"."""
    key = f"thing_{category}" if f"thing_{category}" in T[w.lang] else "thing"
    return _t(w, key, name=w.named(name), a=article(name))


def render_presence(w: Writer, part: Presence, looked: int) -> bool:
    verdict = part.verdict
    if verdict == "no":
        w.say(_t(w, "no"))
        key = "looked" if looked else "looked_none"
        w.say(_t(w, key, thing=_thing(w, part.category, part.concept.display),
                 n=w.count(looked), records=what(part.category, w.lang, 2)))
        return False
    fact = (part.active or part.inactive)[0]
    name, item = plain(fact.item.name, part.category), fact.item
    since = ""
    if verdict in {"past", "not_now"} and item.detail.get("abated"):
        since = _t(w, "since", date=w.date(str(item.detail["abated"])))
    elif item.date:
        since = _t(w, "recorded" if part.category == "allergy" else "since",
                   date=w.date(item.date))
    if verdict == "yes":
        key = {"condition": "yes_condition", "allergy": "yes_allergy",
               "medication": "yes_medication"}.get(part.category, "yes_event")
        on = _t(w, "on", date=w.date(item.date)) if item.date else ""
        w.say(_t(w, key, name=name, status=_status_word(w, fact), since=since, on=on,
                 m=w.marks([fact])))
    else:
        key = f"{verdict}_allergy" if part.category == "allergy" else verdict
        w.say(_t(w, key, name=name, status=_status_word(w, fact), since=since,
                 m=w.marks([fact])))
    rest = [*part.active[1:3], *part.inactive[:2]] if part.active else list(part.inactive[1:3])
    if rest:
        lines = [f"{plain(f.item.name, part.category)}{_detail(w, f)} {w.marks([f])}"
                 for f in rest]
        w.say(_t(w, "earlier", items=join(lines, w.lang)))
    return True


# ---------------------------------------------------------------- dispatch


def _clarify(w: Writer, result: Result) -> None:
    """One clarifying question when the subject is missing, else what can be answered."""
    category = result.looked_at.category
    if result.status == "unresolved" and category == "observation":
        w.say(_t(w, "clarify_observation"))
    elif result.status == "unresolved" and category in WHAT_CATEGORIES:
        quel = "Quelle" if category in FEMININE else "Quel"
        w.say(_t(w, "clarify_item", what=what(category, w.lang, 0), quel=quel))
    else:
        w.say(_t(w, "can_answer"))


WHAT_CATEGORIES = {"condition", "medication", "allergy", "immunization", "procedure",
                   "report", "careplan"}


def render(result: Result, cites: CitationBuilder, *, disclaimer: bool = True) -> Draft:
    """The answer for ``result``, citing through ``cites``; verified by the caller."""
    w = Writer(result.query, cites, Draft())
    looked = result.looked_at.records
    exists = result.query.operation == "exists"
    stated = False
    if result.status in {"unresolved", "unsupported"} or not result.parts:
        if result.status == "absent" and result.looked_at.category != "none":
            _absent(w, result.looked_at.category, looked)
        else:
            _clarify(w, result)
        return w.draft
    for part in result.parts:
        if isinstance(part, Values):
            stated |= render_values(w, part, looked, exists)
        elif isinstance(part, Items):
            stated |= render_items(w, part, looked)
        elif isinstance(part, Presence):
            stated |= render_presence(w, part, looked)
        elif isinstance(part, Count):
            stated |= render_count(w, part, looked, exists)
        elif isinstance(part, Visit):
            stated |= render_visit(w, part)
        elif isinstance(part, CareTeam):
            stated |= render_care_team(w, part)
        elif isinstance(part, Spending):
            stated |= render_spending(w, part)
        elif isinstance(part, Payer):
            stated |= render_payer(w, part)
    if disclaimer and stated and _interprets(result):
        w.draft.disclaimer = DISCLAIMER[w.lang]
        w.draft.sentences.append(w.draft.disclaimer)
    return w.draft


def _interprets(result: Result) -> bool:
    """The disclaimer policy of ``compose.py``: personal values, and conditions,
    medications and allergies; not visits, vaccines, procedures or claims."""
    part = result.payload
    if isinstance(part, Values):
        return True
    return isinstance(part, Items | Presence) and part.category in DISCLAIMED
