"""Questions to ask at the appointment, generated from the packet, deterministically.

Each question comes from one piece of evidence and cites its records: a result out of
range, a medication started since the last visit, a vaccine that may be due, a result or
wellness trend, an exam the reason expects and the records lack, a new problem. The
reason's items come first; then one question of each kind before a second of any kind,
so a short list still covers what matters most.
"""

from __future__ import annotations

from rag.answering.ops_facts import day
from rag.tasks.packet import Context, PacketItem, Question, Section
from rag.tasks.packet_words import capital, of, q, w
from rag.tasks.packet_words import day as say_day
from rag.tasks.vaccines import Due

MAX_QUESTIONS = 8
KIND_ORDER = ("out_of_range", "new_medication", "vaccine_due", "trend", "missing_exam",
              "new_problem")


def _items(sections: dict[str, Section], code: str) -> list[PacketItem]:
    section = sections.get(code)
    return list(section.items) if section else []


def _out_of_range(ctx: Context, sections: dict[str, Section]) -> list[Question]:
    out: list[Question] = []
    lang = ctx.language
    items = sorted(_items(sections, "results"), key=lambda i: not i.relevant)
    for item in items:
        fl = item.extra.get("flag")
        if fl not in {"high", "low", "abnormal"}:
            continue
        name = _lower_name(item)
        date = say_day(item.date, lang)
        if item.extra.get("range") and fl in {"high", "low"}:
            text = q(lang, "out_of_range", name=name, of=of(name, lang), value=item.extra["value"],
                     date=date, side=q(lang, "above" if fl == "high" else "below"),
                     range=item.extra["range"])
        else:
            text = q(lang, "flagged", name=name, of=of(name, lang), value=item.extra["value"],
                     date=date, flag=w(lang, fl))
        out.append(Question(text, item.records[:1], "out_of_range"))
    return out


def _lower_name(item: PacketItem) -> str:
    """The result's name, for running text."""
    name = str(item.extra.get("name") or item.text.split(":", 1)[0])
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _new_medications(ctx: Context, sections: dict[str, Section]) -> list[Question]:
    out: list[Question] = []
    meds = [i for i in _items(sections, "medications") if ctx.in_changes(i.date)]
    if ctx.changes_since is None:  # no earlier visit: what started in the last 6 months
        meds = [i for i in _items(sections, "medications")
                if (when := day(i.date)) is not None and (ctx.as_of - when).days <= 183]
    for item in sorted(meds, key=lambda i: (not i.relevant, i.date or ""), reverse=False):
        out.append(Question(q(ctx.language, "new_medication", name=item.extra["name"],
                              date=say_day(item.date, ctx.language)),
                            item.records, "new_medication"))
    return out


def _vaccines(ctx: Context, due: list[Due]) -> list[Question]:
    out: list[Question] = []
    lang = ctx.language
    for d in due:
        name = d.group.name(lang)
        if d.reason == "never":
            text = q(lang, "vaccine_never", name=name)
        elif d.reason == "series":
            text = q(lang, "vaccine_series", name=name, n=len(d.doses), total=d.group.doses)
        else:
            text = q(lang, "vaccine_due", name=name, date=say_day(d.doses[-1].date, lang))
        out.append(Question(text, (d.record,), "vaccine_due"))
    return out


def _trends(ctx: Context, sections: dict[str, Section]) -> list[Question]:
    out: list[Question] = []
    lang = ctx.language
    candidates = [i for i in _items(sections, "results") if (i.extra.get("n") or 0) >= 3]
    candidates += [i for i in _items(sections, "wellness") if not i.extra.get("daily")]
    candidates.sort(key=lambda i: not i.relevant)
    for item in candidates:
        direction = item.extra.get("direction")
        if direction not in {"up", "down"} or not item.extra.get("first_date"):
            continue
        if item.extra.get("flag") in {"high", "low", "abnormal"}:  # asked about already
            continue
        name = _lower_name(item)
        text = q(lang, "trend", name=name, of=of(name, lang), direction=q(lang, direction),
                 first=item.extra["first"], first_date=say_day(item.extra["first_date"], lang),
                 last=item.extra["value"], last_date=say_day(item.date, lang))
        out.append(Question(text, item.records, "trend"))
    return out


def _missing_exams(ctx: Context, sections: dict[str, Section],
                   missing: list[str]) -> list[Question]:
    related = [i for i in _items(sections, "problems") if i.relevant]
    if not related or not ctx.focus.matched:
        return []
    exams = {e.key: e for e in ctx.focus.exams()}
    condition = ctx.focus.titles()[0]
    return [Question(q(ctx.language, "missing_exam", exam=exams[k].name(ctx.language),
                       condition=condition), related[0].records, "missing_exam")
            for k in missing if k in exams]


def _new_problems(ctx: Context, sections: dict[str, Section]) -> list[Question]:
    if ctx.changes_since is None:
        return []
    return [Question(q(ctx.language, "new_problem", name=i.extra["name"]), i.records,
                     "new_problem")
            for i in _items(sections, "problems") if ctx.in_changes(i.date)]


def generate(ctx: Context, sections: dict[str, Section], due: list[Due],
             missing_exams: list[str]) -> list[Question]:
    """At most :data:`MAX_QUESTIONS`, one of each kind first (in :data:`KIND_ORDER`)."""
    by_kind = {
        "out_of_range": _out_of_range(ctx, sections),
        "new_medication": _new_medications(ctx, sections),
        "vaccine_due": _vaccines(ctx, due),
        "trend": _trends(ctx, sections),
        "missing_exam": _missing_exams(ctx, sections, missing_exams),
        "new_problem": _new_problems(ctx, sections),
    }
    picked: list[Question] = []
    seen: set[str] = set()
    rounds = max((len(v) for v in by_kind.values()), default=0)
    for i in range(rounds):
        for kind in KIND_ORDER:
            found = by_kind[kind]
            if i < len(found) and found[i].text not in seen and len(picked) < MAX_QUESTIONS:
                picked.append(found[i])
                seen.add(found[i].text)
    for question in picked:
        question.text = capital(question.text)
        assert question.text.endswith("?"), question.text
    return picked
