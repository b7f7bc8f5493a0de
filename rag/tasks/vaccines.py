"""Vaccines for an appointment packet: doses given in the last year, and the groups of
``data/immunizations.yaml`` where another dose may be due on the appointment day.

"Due" is a reminder to ask, never advice: it follows the simple rules of the data file
(a yearly season, an interval, a series, an age) over what the records hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from indexes.facts import StoredRecord
from rag.answering.ops_facts import day
from rag.answering.results import Fact
from rag.tasks.packet import Context, PacketItem
from rag.tasks.packet_words import capital, w
from rag.tasks.packet_words import day as say_day
from rag.tasks.reasons import has_stem

SCHEDULE_FILE = Path(__file__).parent / "data" / "immunizations.yaml"
RECENT_DAYS = 365


@dataclass(frozen=True)
class Group:
    key: str
    name_en: str
    name_fr: str
    cvx: tuple[str, ...]
    stems: tuple[str, ...]
    every_days: int | None = None
    season_start: str | None = None  # "MM-DD"
    doses: int | None = None
    min_gap_days: int = 0
    from_age: int | None = None

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en

    def covers(self, fact: Fact) -> bool:
        code = (fact.item.code or "").lstrip("0")
        if code and "cvx" in (fact.item.code_system or "").lower():
            return code in {c.lstrip("0") for c in self.cvx}
        return has_stem(fact.item.name, self.stems)


@lru_cache(maxsize=2)
def schedule(path: Path = SCHEDULE_FILE) -> tuple[Group, ...]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Group(key, g["name_en"], g["name_fr"], tuple(str(c) for c in g.get("cvx") or ()),
              tuple(g.get("stems") or ()), g.get("every_days"), g.get("season_start"),
              g.get("doses"), int(g.get("min_gap_days") or 0), g.get("from_age"))
        for key, g in data["groups"].items())


@dataclass(frozen=True)
class Due:
    group: Group
    doses: tuple[Fact, ...]  # the group's doses, oldest first
    reason: str  # "last" (interval or season passed), "series", "never"
    record: StoredRecord  # what the item cites: the last dose, or the Patient


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _season_start(as_of: dt.date, mmdd: str) -> dt.date:
    month, dom = (int(x) for x in mmdd.split("-"))
    start = dt.date(as_of.year, month, dom)
    return start if start <= as_of else dt.date(as_of.year - 1, month, dom)


def _lapsed(group: Group, last: dt.date, as_of: dt.date) -> bool:
    """The season (or interval) of the last dose has passed."""
    if group.season_start:
        return last < _season_start(as_of, group.season_start)
    return bool(group.every_days) and (as_of - last).days > (group.every_days or 0)


def due_groups(ctx: Context, patient: Fact | None) -> list[Due]:
    """The groups where a dose may be due on the appointment day."""
    given = [f for f in ctx.facts_of("immunization") if day(f.date) is not None]
    birth = day(patient.item.date) if patient else None
    age = _age(birth, ctx.as_of) if birth else None
    out: list[Due] = []
    for group in schedule():
        doses = tuple(sorted((f for f in given if group.covers(f)),
                             key=lambda f: (f.date or "", f.chunk_id)))
        if not doses:
            if (group.from_age is not None and age is not None and age >= group.from_age
                    and patient is not None):
                out.append(Due(group, doses, "never", patient.record))
            continue
        last = doses[-1]
        last_day = day(last.date)
        assert last_day is not None
        if group.doses is not None:
            if len(doses) < group.doses and (ctx.as_of - last_day).days >= group.min_gap_days:
                out.append(Due(group, doses, "series", last.record))
        elif _lapsed(group, last_day, ctx.as_of):
            out.append(Due(group, doses, "last", last.record))
    return out


def immunization_items(ctx: Context, due: list[Due]) -> list[PacketItem]:
    """Doses given in the last year (newest first), then the groups that may be due (a
    group that is due is said once, in its "may be due" item, which names its last dose)."""
    lang = ctx.language
    items: list[PacketItem] = []
    recent_from = ctx.as_of - dt.timedelta(days=RECENT_DAYS)
    recent = [f for f in ctx.facts_of("immunization")
              if (when := day(f.date)) is not None and recent_from <= when <= ctx.as_of]
    due_keys = {d.group.key for d in due}
    for fact in sorted(recent, key=lambda f: (f.date or "", f.chunk_id), reverse=True):
        group = next((g for g in schedule() if g.covers(fact)), None)
        if group is not None and group.key in due_keys:
            continue  # said once, with the dose that may be due
        name = group.name(lang) if group else fact.item.name
        items.append(PacketItem(
            capital(w(lang, "vaccine_recent", name=name, date=say_day(fact.date, lang))) + ".",
            (fact.record,), "immunization", fact.date, False,
            {"status": "recent", "group": group.key if group else None,
             "name": fact.item.name}))
    for d in due:
        name = d.group.name(lang)
        if d.reason == "never":
            text = w(lang, "vaccine_due_never", name=name, age=d.group.from_age)
            date = None
        elif d.reason == "series":
            date = d.doses[-1].date
            text = w(lang, "vaccine_due_series", name=name, n=len(d.doses),
                     total=d.group.doses, date=say_day(date, lang))
        else:
            date = d.doses[-1].date
            text = w(lang, "vaccine_due_last", name=name, date=say_day(date, lang))
        items.append(PacketItem(capital(text) + ".", (d.record,), "immunization", date, False,
                                {"status": "due", "group": d.group.key, "due": d.reason,
                                 "doses": len(d.doses)}))
    return items
